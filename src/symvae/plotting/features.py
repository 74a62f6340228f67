"""Histograms of the input features of an event sample, one small panel per feature.

Each feature is filled into a :class:`hist.Hist` with a regular axis of 50 bins spanning
the 0.5th to the 99.5th percentile of its finite values, widened by 5 % on each side, so
that a few far outliers do not squeeze the bulk of the distribution into one bin (events
outside the range land in the flow bins and are not drawn). A feature with (almost) all
events at one value is binned from its minimum to its maximum instead, and a constant
feature gets a narrow range centred on its value. The panels are drawn with
:func:`mplhep.histplot`; use them inside :func:`symvae.plotting.style.style_context`.
"""

from __future__ import annotations

from collections.abc import Sequence

import hist
import mplhep
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import MaxNLocator

from symvae.plotting.style import split_axes
from symvae.plotting.traversal import feature_label

__all__ = [
    "N_BINS",
    "feature_histograms",
    "feature_range",
    "grid_shape",
    "plot_feature_histograms",
    "plot_histograms",
]

#: Number of bins of every feature histogram.
N_BINS = 50
#: Percentiles (low, high) that set the histogram range.
PERCENTILES = (0.5, 99.5)
#: Fraction of the percentile span added on each side of the range.
WIDEN = 0.05


def feature_range(values: np.ndarray) -> tuple[float, float]:
    """Histogram range of one feature: the 0.5th–99.5th percentile, widened by 5 %.

    Parameters
    ----------
    values : numpy.ndarray, shape (N,)
        Feature values; non-finite entries are ignored.

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``low < high``. If the percentiles coincide the range is
        that of the minimum and maximum; if every finite value is the same (or there is
        none), a narrow range of ±max(10⁻³·|v|, 10⁻³) around the value v (0 if none).
    """
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return -1e-3, 1e-3
    lo, hi = (float(v) for v in np.percentile(x, PERCENTILES))
    scale = max(abs(lo), abs(hi), 1.0)
    if hi - lo <= 1e-12 * scale:
        lo, hi = float(x.min()), float(x.max())
    if hi - lo <= 1e-12 * scale:
        centre = 0.5 * (lo + hi)
        half = max(1e-3 * abs(centre), 1e-3)
        return centre - half, centre + half
    pad = WIDEN * (hi - lo)
    return lo - pad, hi + pad


def feature_histograms(
    features: np.ndarray,
    names: Sequence[str],
    units: Sequence[str] | None = None,
    weights: np.ndarray | None = None,
    bins: int = N_BINS,
) -> list[hist.Hist]:
    """Fill one histogram per feature column.

    Parameters
    ----------
    features : numpy.ndarray, shape (N, d)
        Feature matrix in physical units.
    names : sequence of str, shape (d,)
        Feature names (the axis ``name``); ``x1``, ``x2``, … if the length does not match.
    units : sequence of str, shape (d,), optional
        Units; the axis ``label`` is ``"name [unit]"`` (:func:`feature_label`).
    weights : numpy.ndarray, shape (N,), optional
        Event weights; the histograms then use weighted storage.
    bins : int
        Number of regular bins.

    Returns
    -------
    list of hist.Hist
        ``d`` one-dimensional histograms with under- and overflow bins; non-finite values
        are not filled.
    """
    x = np.asarray(features, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"features must have shape (N, d), got {x.shape}")
    n, d = x.shape
    name_list = [str(s) for s in names] if len(names) == d else [f"x{i + 1}" for i in range(d)]
    unit_list = [str(s) for s in units] if units is not None and len(units) == d else [""] * d
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != n:
            raise ValueError(f"weights must have shape ({n},), got {w.shape}")
    out = []
    for k in range(d):
        col = x[:, k]
        lo, hi = feature_range(col)
        h = hist.Hist(
            hist.axis.Regular(
                bins, lo, hi, name=name_list[k], label=feature_label(name_list[k], unit_list[k])
            ),
            storage=hist.storage.Weight() if w is not None else hist.storage.Double(),
        )
        ok = np.isfinite(col)
        if w is None:
            h.fill(col[ok])
        else:
            h.fill(col[ok], weight=w[ok])
        out.append(h)
    return out


def grid_shape(n: int, aspect: float = 1.6) -> tuple[int, int]:
    """Rows and columns of a grid of ``n`` panels for an area ``aspect`` times wider than high.

    Parameters
    ----------
    n : int
        Number of panels (≥ 1).
    aspect : float
        Width / height of the area to fill.

    Returns
    -------
    tuple of int
        ``(nrows, ncols)`` with ``nrows * ncols >= n``.
    """
    n = max(int(n), 1)
    ncols = min(n, max(1, int(np.ceil(np.sqrt(n * aspect)))))
    nrows = -(-n // ncols)
    ncols = -(-n // nrows)
    return nrows, ncols


def _axes_for(target: Axes | Figure | SubFigure | Sequence[Axes], n: int) -> list[Axes]:
    if isinstance(target, Figure | SubFigure):
        width, height = target.get_size_inches() if isinstance(target, Figure) else (1.6, 1.0)
        nrows, ncols = grid_shape(n, width / height)
        gs = target.add_gridspec(nrows, ncols, wspace=0.32, hspace=0.5)
        return [target.add_subplot(gs[i // ncols, i % ncols]) for i in range(n)]
    if isinstance(target, Axes):
        pos = target.get_position()
        fig = target.get_figure()
        aspect = (pos.width * fig.get_figwidth()) / max(pos.height * fig.get_figheight(), 1e-6)
        _, ncols = grid_shape(n, aspect)
        return split_axes(target, n, ncols=ncols, wspace=0.32, hspace=0.5)
    axes = list(target)
    if len(axes) < n:
        raise ValueError(f"need {n} Axes for {n} features, got {len(axes)}")
    return axes[:n]


def plot_histograms(
    target: Axes | Figure | SubFigure | Sequence[Axes],
    histograms: Sequence[hist.Hist],
    label: str | None = None,
    color: str | None = None,
) -> list[Axes]:
    """Draw one-dimensional histograms, one per panel, with :func:`mplhep.histplot`.

    Parameters
    ----------
    target : Axes, Figure, SubFigure or sequence of Axes
        Where to draw. A Figure or a single Axes is divided into a grid of panels; a
        sequence of Axes (e.g. the return value of an earlier call) is drawn into as is,
        which overlays a second sample.
    histograms : sequence of hist.Hist, shape (d,)
        One-dimensional histograms; the axis ``label`` becomes the x label.
    label : str, optional
        Legend entry of this sample, shown in the first panel.
    color : str, optional
        Line colour; by default the next colour of each panel's cycle.

    Returns
    -------
    list of matplotlib.axes.Axes
        The ``d`` panels drawn on. Only panels in the first column of their grid get a
        y label.
    """
    hists = list(histograms)
    if not hists:
        (ax,) = _axes_for(target, 1)
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no features", ha="center", va="center", transform=ax.transAxes)
        return [ax]
    axes = _axes_for(target, len(hists))
    for i, (ax, h) in enumerate(zip(axes, hists, strict=False)):
        style = {} if color is None else {"color": color}
        (art,) = mplhep.histplot(
            h,
            ax=ax,
            histtype="step",
            yerr=False,
            flow="none",
            label=label if i == 0 else None,
            **style,
        )
        edge = art.stairs.get_edgecolor()
        ax.stairs(h.values(), h.axes[0].edges, fill=True, color=edge, alpha=0.18, linewidth=0)
        ax.set_xlabel(h.axes[0].label or h.axes[0].name, fontsize="small")
        spec = ax.get_subplotspec()
        if spec is None or spec.colspan.start == 0:
            weighted = h.storage_type is hist.storage.Weight
            ax.set_ylabel("weighted events / bin" if weighted else "events / bin", fontsize="small")
        ax.tick_params(labelsize="x-small")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.set_ylim(bottom=0.0)
        ax.margins(x=0.0)
        values = h.values()
        if np.count_nonzero(values) == 1 and np.sum(h.values(flow=True)) == np.sum(values):
            centre = float(h.axes[0].centers[int(np.argmax(values))])
            ax.text(
                0.03,
                0.95,
                f"constant ≈ {centre:.4g}",
                transform=ax.transAxes,
                ha="left",
                va="top",
                fontsize="x-small",
                color="#404040",
            )
    if label is not None:
        axes[0].legend(loc="upper right", fontsize="x-small")
    return axes


def plot_feature_histograms(
    fig_or_axes: Axes | Figure | SubFigure | Sequence[Axes],
    features: np.ndarray,
    names: Sequence[str],
    units: Sequence[str] | None,
    weights: np.ndarray | None = None,
    label: str | None = None,
) -> list[Axes]:
    """Histogram every feature of an event sample in its own small panel.

    Parameters
    ----------
    fig_or_axes : Axes, Figure, SubFigure or sequence of Axes
        Where to draw (see :func:`plot_histograms`).
    features : numpy.ndarray, shape (N, d)
        Feature matrix in physical units.
    names : sequence of str, shape (d,)
        Feature names.
    units : sequence of str, shape (d,), optional
        Units; each x label reads ``"name [unit]"``.
    weights : numpy.ndarray, shape (N,), optional
        Event weights.
    label : str, optional
        Legend entry of the sample (first panel only).

    Returns
    -------
    list of matplotlib.axes.Axes
        The ``d`` panels drawn on.
    """
    hists = feature_histograms(features, names, units, weights=weights)
    return plot_histograms(fig_or_axes, hists, label=label)
