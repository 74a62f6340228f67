"""Scatter plots of the latent means in the relevant directions.

The posterior means μ(x) of test events, projected on the relevant latent directions,
show the shape of the learned manifold: a circle for a ring, a filled disk for a disk,
and so on. Colouring the points by a generating variable (an angle, an energy) shows
which variable a direction encodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from symvae.plotting.style import COLORS, panels

__all__ = ["cmap_for", "plot_latent_scatter"]

_CYCLIC_HINTS = ("phi", "angle", "theta", "phase", "psi", "azimuth")


def cmap_for(label: str | None) -> str:
    """Colour map for a generating variable: cyclic for angles, sequential otherwise.

    Parameters
    ----------
    label : str or None
        Name of the variable.

    Returns
    -------
    str
        ``"twilight"`` if the name looks like an angle, else ``"viridis"``.
    """
    if label and any(h in label.lower() for h in _CYCLIC_HINTS):
        return "twilight"
    return "viridis"


def _latent_label(index: int, rank: int) -> str:
    return f"$\\mu_{{{index}}}$  (relevant #{rank + 1})"


def plot_latent_scatter(
    target: Axes | Figure | SubFigure | Sequence[Axes],
    mu: np.ndarray,
    relevant_order: Sequence[int] | np.ndarray,
    truth: np.ndarray | None = None,
    truth_label: str | None = None,
    max_points: int = 2000,
) -> list[Axes]:
    """Scatter the latent means in the relevant directions, coloured by a generating variable.

    With one relevant direction the latent mean is drawn against the generating variable
    (or histogrammed when there is none); with two, the two means against each other; with
    three or more, two panels: first vs second and first vs third.

    Parameters
    ----------
    target : Axes, Figure, SubFigure or sequence of Axes
        Where to draw. A single Axes is subdivided when two panels are needed.
    mu : numpy.ndarray, shape (M, L)
        Posterior means of M events in all L latent directions (latent index order).
    relevant_order : sequence of int, shape (R,)
        Latent indices of the relevant directions, most active first.
    truth : numpy.ndarray, shape (M,), optional
        Generating variable of each event, used for the colour.
    truth_label : str, optional
        Name of the generating variable (colour-bar label).
    max_points : int
        At most this many events are drawn (the first ones).

    Returns
    -------
    list of matplotlib.axes.Axes
        The panels drawn on (one or two).
    """
    mu = np.atleast_2d(np.asarray(mu, dtype=float))[:max_points]
    order = [int(i) for i in np.asarray(relevant_order).ravel()]
    c = None
    if truth is not None:
        c = np.asarray(truth, dtype=float).ravel()[: mu.shape[0]]
        if c.size != mu.shape[0] or not np.any(np.isfinite(c)):
            c = None
    n_rel = len(order)
    axes = panels(target, 2 if n_rel >= 3 else 1, "plot_latent_scatter")
    scatter_kw = {"s": 3, "linewidths": 0, "alpha": 0.8, "rasterized": True}
    if c is not None:
        scatter_kw.update(c=c, cmap=cmap_for(truth_label))
    else:
        scatter_kw.update(color=COLORS[0])

    sc = None
    if n_rel == 0 or mu.shape[0] == 0:
        ax = axes[0]
        ax.text(
            0.5,
            0.5,
            "no relevant latent direction:\nthe encoder ignores the input",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return axes
    a = order[0]
    if n_rel == 1:
        ax = axes[0]
        if c is not None:
            sc = ax.scatter(c, mu[:, a], **scatter_kw)
            ax.set_xlabel(truth_label or "generating variable")
            ax.set_ylabel(_latent_label(a, 0))
        else:
            ax.hist(mu[:, a], bins=50, color=COLORS[0], histtype="stepfilled", alpha=0.8)
            ax.set_xlabel(_latent_label(a, 0))
            ax.set_ylabel("events")
    else:
        pairs = [(order[0], order[1], 1)]
        if n_rel >= 3:
            pairs.append((order[0], order[2], 2))
        for ax, (i, j, rank_j) in zip(axes, pairs, strict=True):
            sc = ax.scatter(mu[:, i], mu[:, j], **scatter_kw)
            ax.set_xlabel(_latent_label(i, 0))
            ax.set_ylabel(_latent_label(j, rank_j))
    if sc is not None and c is not None:
        last = axes[-1]
        cax = last.inset_axes((1.03, 0.0, 0.04, 1.0))
        cbar = last.get_figure().colorbar(sc, cax=cax)
        cbar.set_label(truth_label or "generating variable")
        cax.minorticks_off()
    return axes
