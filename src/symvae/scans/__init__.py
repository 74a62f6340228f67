"""Scans: one setting varied over a grid (β, latent dimension, a constraint's width, momentum
smearing, an angular modulation), each value trained and measured as its own process.

:mod:`symvae.config.scans` resolves the config's ``scans`` section into per-point process
specs; :mod:`symvae.scans.measures` holds what is measured along a scan (the plateau of the
local dof, symmetry p-values); :func:`symvae.stages.collect_scan` writes ``scans/<scan>.h5``.
"""

from symvae.config.scans import MEASURES, ScanSetting, point_name, scan_settings

__all__ = ["MEASURES", "ScanSetting", "point_name", "scan_settings"]
