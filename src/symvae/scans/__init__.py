"""Scans: one setting varied over a grid (β, latent dimension, a constraint's width, momentum
smearing, an angular modulation), each value trained and measured as its own process.

:mod:`symvae.config.scans` resolves the config's ``scans`` section into per-point process
specs; :mod:`symvae.scans.measures` turns the points' evaluations into curves (relevant
count and local dof, the plateau, the relevance of freed directions, symmetry p-values) and
writes ``scans/<scan>.h5``.
"""

from symvae.config.scans import MEASURES, ScanSetting, point_name, scan_settings

__all__ = ["MEASURES", "ScanSetting", "point_name", "scan_settings"]
