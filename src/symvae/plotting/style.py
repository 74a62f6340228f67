"""A neutral, mplhep-based plotting style and small layout helpers.

The style starts from mplhep's CMS style (TeX Gyre Heros, ticks inside on all four sides,
minor ticks) but carries no experiment label and is scaled for multi-panel A4 pages
instead of a single 10 × 10 inch figure. :func:`figure` creates an A4 landscape figure
in that style; :func:`split_axes` subdivides the area of one Axes into several panels,
which lets the plotting functions accept a single Axes and still draw several panels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import mplhep
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import NullLocator

__all__ = [
    "A4_LANDSCAPE",
    "A4_PORTRAIT",
    "COLORS",
    "SORTED_DIRECTIONS",
    "STYLE",
    "apply_style",
    "direction_axis",
    "figure",
    "panels",
    "split_axes",
    "style_context",
]

#: Size of an A4 page in inches, landscape (width, height).
A4_LANDSCAPE: tuple[float, float] = (11.69, 8.27)
#: Size of an A4 page in inches, portrait (width, height).
A4_PORTRAIT: tuple[float, float] = (8.27, 11.69)

#: The colour cycle (mplhep's CMS cycle, colour-blind friendly).
COLORS: tuple[str, ...] = ("#5790fc", "#f89c20", "#e42536", "#964a8b", "#9c9ca1", "#7a21dd")

#: x-axis label of the plots with one position per latent direction, sorted by activity.
SORTED_DIRECTIONS = "latent direction (sorted by activity)"


def _build_style() -> dict[str, Any]:
    style: dict[str, Any] = dict(mplhep.style.CMS)
    style.update(
        {
            # DejaVu Sans supplies the glyphs TeX Gyre Heros lacks (✓, ✗, ⟨ ⟩).
            "font.sans-serif": ["TeX Gyre Heros", "DejaVu Sans"],
            # Glyph fallback only walks font.family, not the generic family list.
            "font.family": ["sans-serif", "DejaVu Sans"],
            "font.size": 9,
            "axes.titlesize": "medium",
            "axes.linewidth": 0.8,
            "axes.unicode_minus": True,
            "xtick.major.size": 4,
            "xtick.minor.size": 2,
            "ytick.major.size": 4,
            "ytick.minor.size": 2,
            "xtick.major.pad": 3,
            "ytick.major.pad": 3,
            "xtick.major.width": 0.8,
            "ytick.major.width": 0.8,
            "xtick.minor.width": 0.6,
            "ytick.minor.width": 0.6,
            "lines.linewidth": 1.2,
            "lines.markersize": 4,
            "legend.fontsize": "small",
            "figure.figsize": A4_LANDSCAPE,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "image.cmap": "viridis",
            "pdf.fonttype": 3,
        }
    )
    return style


#: rcParams of the symvae style.
STYLE: dict[str, Any] = _build_style()


def apply_style() -> None:
    """Apply the symvae style globally (``matplotlib.rcParams``)."""
    plt.style.use(STYLE)


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Context manager that applies the symvae style only inside the ``with`` block."""
    with plt.rc_context(STYLE):
        yield


def figure(size: tuple[float, float] = A4_LANDSCAPE, **kwargs: Any) -> Figure:
    """Create a figure in the symvae style, without a pyplot-managed window.

    Matplotlib reads most rcParams when an artist is created or drawn, so build and save
    the figure inside :func:`style_context` (or after :func:`apply_style`).

    Parameters
    ----------
    size : tuple of float
        Width and height in inches; A4 landscape by default.
    **kwargs
        Passed on to :class:`matplotlib.figure.Figure`.

    Returns
    -------
    matplotlib.figure.Figure
        A figure that is not registered with pyplot (so it never needs closing).
    """
    with plt.rc_context(STYLE):
        return Figure(figsize=size, **kwargs)


def split_axes(
    ax: Axes,
    n: int,
    ncols: int | None = None,
    wspace: float = 0.35,
    hspace: float = 0.45,
) -> list[Axes]:
    """Replace one Axes by ``n`` Axes laid out on a grid inside the area it occupied.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes created from a subplot spec (e.g. ``fig.add_subplot(gs[0, 1])``). It is
        returned unchanged if ``n == 1`` and removed from its figure otherwise.
    n : int
        Number of panels wanted (≥ 1).
    ncols : int, optional
        Columns of the grid; by default all panels are in one row.
    wspace, hspace : float
        Spacing between the new panels, as fractions of the average panel size.

    Returns
    -------
    list of matplotlib.axes.Axes
        ``n`` Axes in row-major order.
    """
    if n < 1:
        raise ValueError(f"split_axes needs n >= 1, got {n}")
    if n == 1:
        return [ax]
    spec = ax.get_subplotspec()
    if spec is None:
        raise ValueError("split_axes needs an Axes created from a subplot spec")
    fig = ax.get_figure()
    ncols = n if ncols is None else max(1, min(ncols, n))
    nrows = -(-n // ncols)
    sub = spec.subgridspec(nrows, ncols, wspace=wspace, hspace=hspace)
    ax.remove()
    return [fig.add_subplot(sub[i // ncols, i % ncols]) for i in range(n)]


def panels(
    target: Axes | Figure | SubFigure | Sequence[Axes], n: int, what: str, ncols: int | None = None
) -> list[Axes]:
    """``n`` Axes for a multi-panel plot ``what``, from a Figure or SubFigure (a new grid of
    ``ncols`` columns, one row by default), one Axes (subdivided by :func:`split_axes`) or a
    sequence of at least ``n`` Axes (the extra ones hidden)."""
    cols = n if ncols is None else max(1, min(ncols, n))
    if isinstance(target, Figure | SubFigure):
        gs = target.add_gridspec(-(-n // cols), cols, wspace=0.35, hspace=0.45)
        return [target.add_subplot(gs[i // cols, i % cols]) for i in range(n)]
    if isinstance(target, Axes):
        return split_axes(target, n, ncols=ncols)
    axes = list(target)
    if len(axes) < n:
        raise ValueError(f"{what} needs {n} Axes, got {len(axes)}")
    for extra in axes[n:]:
        extra.set_visible(False)
    return axes[:n]


def direction_axis(
    ax: Axes,
    x: np.ndarray,
    ylabel: str,
    xlabel: str = SORTED_DIRECTIONS,
    pad: float | None = 0.6,
) -> None:
    """Lay out the x axis of a plot with one position per direction, at ``x = 1, 2, …``.

    A major tick at every position and no minor ticks; unless ``pad`` is None, x limits
    ``pad`` beyond the outer positions (``1 - pad`` to ``len(x) + pad``). Sets both axis
    labels as well.
    """
    if pad is not None:
        ax.set_xlim(1 - pad, len(x) + pad)
    ax.set_xticks(x)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
