"""Latent traversals: what the decoder produces as one relevant latent value is varied.

A traversal moves one relevant latent coordinate from −2.5 to 2.5 while holding the others
at 0 and records the decoder mean in physical feature units. Plotting each feature against
the latent value shows which physical quantity a direction controls; for two-dimensional
data the decoded path in the feature plane shows the learned curve directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from symvae.plotting.style import COLORS, panels

__all__ = ["feature_label", "plot_traversals"]


def feature_label(name: str, unit: str | None) -> str:
    """Axis label ``"name [unit]"``, or just ``"name"`` for dimensionless features.

    Parameters
    ----------
    name : str
        Feature name.
    unit : str or None
        Physical unit; empty, ``None`` or ``"1"`` means dimensionless.

    Returns
    -------
    str
        The label.
    """
    if unit and unit not in ("1", "-", "dimensionless"):
        return f"{name} [{unit}]"
    return name


def _feature_colors(d: int) -> list:
    if d <= len(COLORS):
        return list(COLORS[:d])
    cmap = mpl.colormaps["tab10" if d <= 10 else "viridis"]
    if d <= 10:
        return [cmap(i) for i in range(d)]
    return [cmap(v) for v in np.linspace(0.0, 0.95, d)]


def plot_traversals(
    target: Axes | Figure | SubFigure | Sequence[Axes],
    z: np.ndarray,
    decoded: np.ndarray,
    feature_names: Sequence[str],
    units: Sequence[str] | None,
    directions: Sequence[int] | np.ndarray,
    data: np.ndarray | None = None,
    max_cols: int = 4,
) -> list[Axes]:
    """Draw the decoded features along each latent traversal.

    One panel per relevant direction shows every feature (physical units) against the
    latent value. If there are exactly two features, one more panel shows the decoded
    paths in the (x₁, x₂) plane, over a faint scatter of ``data`` when given.

    Parameters
    ----------
    target : Axes, Figure, SubFigure or sequence of Axes
        Where to draw. A single Axes is subdivided into the panels needed.
    z : numpy.ndarray, shape (T,)
        Latent values of the traversal.
    decoded : numpy.ndarray, shape (R, T, d)
        Decoder mean in physical units, one traversal per relevant direction. ``R`` may
        be 0, in which case a single panel says so.
    feature_names : sequence of str, shape (d,)
        Feature names.
    units : sequence of str, shape (d,), optional
        Physical units of the features.
    directions : sequence of int, shape (R,)
        Latent index of each traversal.
    data : numpy.ndarray, shape (N, 2), optional
        Events in the feature plane, drawn faintly beneath the paths when d == 2.
    max_cols : int
        Most panels per row.

    Returns
    -------
    list of matplotlib.axes.Axes
        The panels drawn on.
    """
    z = np.asarray(z, dtype=float).ravel()
    dec = np.asarray(decoded, dtype=float)
    if dec.size == 0:
        dec = np.zeros((0, z.size, len(feature_names)))
    if dec.ndim != 3:
        raise ValueError(f"decoded must have shape (R, T, d), got {dec.shape}")
    n_dir, _, d = dec.shape
    dirs = [int(i) for i in np.asarray(directions).ravel()]
    names = list(feature_names) if len(feature_names) == d else [f"x{i + 1}" for i in range(d)]
    unit_list = list(units) if units is not None and len(units) == d else [""] * d

    if n_dir == 0:
        (ax,) = panels(target, 1, "plot_traversals", 1)
        ax.text(
            0.5,
            0.5,
            "no relevant latent direction:\nnothing to traverse",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return [ax]

    plane = d == 2
    n_panels = n_dir + (1 if plane else 0)
    axes = panels(target, n_panels, "plot_traversals", min(n_panels, max_cols))
    colors = _feature_colors(d)
    for r in range(n_dir):
        ax = axes[r]
        idx = dirs[r] if r < len(dirs) else r
        for k in range(d):
            ax.plot(z, dec[r, :, k], color=colors[k], label=feature_label(names[k], unit_list[k]))
        ax.axvline(0.0, color="grey", linewidth=0.6, linestyle=":")
        ax.set_xlabel(f"$z_{{{idx}}}$ (others at 0)")
        ax.set_ylabel("decoded feature" if d > 1 else feature_label(names[0], unit_list[0]))
        ax.set_title(f"traversal of latent {idx}", fontsize="medium")
    if d > 1:
        axes[0].legend(
            loc="best", fontsize="x-small", ncols=2 if d > 5 else 1, frameon=True, framealpha=0.7
        )
    if plane:
        ax = axes[-1]
        if data is not None:
            pts = np.asarray(data, dtype=float)
            if pts.ndim == 2 and pts.shape[1] == 2:
                ax.scatter(
                    pts[:, 0],
                    pts[:, 1],
                    s=1,
                    color="grey",
                    alpha=0.25,
                    linewidths=0,
                    rasterized=True,
                )
        for r in range(n_dir):
            idx = dirs[r] if r < len(dirs) else r
            color = COLORS[r % len(COLORS)]
            ax.plot(dec[r, :, 0], dec[r, :, 1], color=color, label=f"latent {idx}")
            ax.plot(dec[r, 0, 0], dec[r, 0, 1], marker="o", color=color, markersize=4)
        ax.set_xlabel(feature_label(names[0], unit_list[0]))
        ax.set_ylabel(feature_label(names[1], unit_list[1]))
        start = f" (● at z = {z[0]:g})" if z.size else ""
        ax.set_title(f"decoded paths{start}", fontsize="medium")
        ax.legend(loc="best", fontsize="x-small")
    return axes
