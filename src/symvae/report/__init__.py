"""The PDF report of a symvae run and the per-process overview PNG.

A package in layers: :mod:`.data` reads every file the report needs (through the layouts of
:mod:`symvae.outputs`; nothing else here opens a file), :mod:`.pages` holds the page, table,
wrapping and number-formatting helpers, each section below imports of this package only those
two, and :mod:`.build` assembles the sections:

==================  ==============================================================
module              pages
==================  ==============================================================
:mod:`.overview`    title page (how to read the report), summary table
:mod:`.theory`      theory check of ``linear_gaussian`` processes
:mod:`.breaking`    constraint breaking: an approximate process against its exact one
:mod:`.directions`  baselines, constraints, generators and tangent angles
:mod:`.scans`       one page per scan
:mod:`.processes`   per process: overview, latent space, feature histograms
:mod:`.invariance`  the invariance experiments' table and learning curves
:mod:`.build`       :func:`build_report` (assembles the sections), :func:`plot_overview`
==================  ==============================================================
"""

from symvae.report.build import build_report, plot_overview

__all__ = ["build_report", "plot_overview"]
