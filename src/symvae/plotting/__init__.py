"""Plotting functions of symvae: each draws on given matplotlib Axes or Figures.

Nothing here opens a window or saves a file; :mod:`symvae.report` assembles the panels
into a PDF. The Agg backend is selected on import.
"""

from __future__ import annotations

from symvae.plotting.breaking import freed_directions, plot_breaking_bars
from symvae.plotting.features import (
    feature_histograms,
    feature_range,
    plot_feature_histograms,
    plot_histograms,
)
from symvae.plotting.history import plot_history
from symvae.plotting.latent import cmap_for, plot_latent_scatter
from symvae.plotting.relevance import (
    plot_relevance_bars,
    plot_relevance_measures,
    plot_threshold_scan,
)
from symvae.plotting.style import (
    A4_LANDSCAPE,
    A4_PORTRAIT,
    COLORS,
    STYLE,
    apply_style,
    figure,
    split_axes,
    style_context,
)
from symvae.plotting.theory import (
    ANGLE_TOLERANCE_DEG,
    THEORY_TOLERANCE,
    plot_eigenvalues,
    plot_theory_check,
    theory_passes,
)
from symvae.plotting.traversal import feature_label, plot_traversals

__all__ = [
    "A4_LANDSCAPE",
    "A4_PORTRAIT",
    "ANGLE_TOLERANCE_DEG",
    "COLORS",
    "STYLE",
    "THEORY_TOLERANCE",
    "apply_style",
    "cmap_for",
    "feature_histograms",
    "feature_label",
    "feature_range",
    "figure",
    "freed_directions",
    "plot_breaking_bars",
    "plot_eigenvalues",
    "plot_feature_histograms",
    "plot_histograms",
    "plot_history",
    "plot_latent_scatter",
    "plot_relevance_bars",
    "plot_relevance_measures",
    "plot_theory_check",
    "plot_threshold_scan",
    "plot_traversals",
    "split_axes",
    "style_context",
    "theory_passes",
]
