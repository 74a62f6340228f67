"""Constraint breaking: relevance of an exact process and of its approximate counterpart.

An approximate process P breaks (some of) the constraints of an exact process E — for
example initial-state radiation breaks energy-momentum conservation in the centre-of-mass
frame of e⁺e⁻ → μ⁺μ⁻. Every broken constraint frees one degree of freedom, which the VAE
should pick up as an additional relevant latent direction: a sorted direction beyond the
``n_relevant`` of E whose activity in P exceeds the threshold. :func:`freed_directions`
finds them and :func:`plot_breaking_bars` draws the mean sorted relevance of E and P side
by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from symvae.plotting.style import COLORS, direction_axis

__all__ = ["freed_directions", "plot_breaking_bars"]


def _as_rows(relevance: np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.asarray(relevance, dtype=float))


def freed_directions(
    relevance_broken: np.ndarray, n_relevant_exact: int, threshold: float
) -> np.ndarray:
    """Sorted latent directions that breaking the constraints makes relevant.

    Parameters
    ----------
    relevance_broken : numpy.ndarray, shape (S, L)
        Activity of the approximate process P, each row sorted descending.
    n_relevant_exact : int
        Median count of relevant directions of the exact process E.
    threshold : float
        Relevance threshold (of P).

    Returns
    -------
    numpy.ndarray, shape (k,), int
        0-based indices ``i >= n_relevant_exact`` into the sorted directions whose mean
        relevance over seeds in P exceeds ``threshold``, ascending.
    """
    rel = _as_rows(relevance_broken)
    if rel.size == 0:
        return np.zeros(0, dtype=int)
    mean = np.nanmean(rel, axis=0)
    idx = np.arange(mean.size)
    return idx[(idx >= max(int(n_relevant_exact), 0)) & (mean > threshold)]


def _stats(rel: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, min and max over seeds, padded with NaN to ``n`` directions."""
    out = np.full((3, n), np.nan)
    if rel.size:
        k = min(rel.shape[1], n)
        out[0, :k] = np.nanmean(rel[:, :k], axis=0)
        out[1, :k] = np.nanmin(rel[:, :k], axis=0)
        out[2, :k] = np.nanmax(rel[:, :k], axis=0)
    return out[0], out[1], out[2]


def plot_breaking_bars(
    ax: Axes,
    relevance_exact: np.ndarray,
    relevance_broken: np.ndarray,
    n_relevant_exact: int,
    threshold: float,
    labels: tuple[str, str] = ("exact", "broken"),
) -> dict[str, Any]:
    """Bars on ``ax`` of the mean sorted relevance of an exact process E and its approximation P.

    Parameters
    ----------
    relevance_exact : numpy.ndarray, shape (S_E, L_E)
        Activity of E per seed, each row sorted descending.
    relevance_broken : numpy.ndarray, shape (S_P, L_P)
        Activity of P per seed, each row sorted descending. ``L_E`` and ``L_P`` may
        differ; the shorter one is padded (no bar).
    n_relevant_exact : int
        Median count of relevant directions of E: a vertical marker is drawn after that
        many directions.
    threshold : float
        Relevance threshold, drawn as a dashed horizontal line.
    labels : tuple of str
        Legend names of E and P.

    Returns
    -------
    dict
        The artists: ``"exact"``, ``"broken"`` (bar containers), ``"errorbars"`` (list),
        ``"marker"``, ``"threshold"`` and ``"freed"`` (value labels of the freed
        directions, list).
    """
    rel_e, rel_p = _as_rows(relevance_exact), _as_rows(relevance_broken)
    n = max(rel_e.shape[1] if rel_e.size else 0, rel_p.shape[1] if rel_p.size else 0)
    artists: dict[str, Any] = {"errorbars": [], "freed": []}
    if n == 0:
        ax.text(0.5, 0.5, "no latent directions", ha="center", va="center", transform=ax.transAxes)
        return artists
    x = np.arange(1, n + 1, dtype=float)
    width = 0.38
    freed = set(freed_directions(rel_p, n_relevant_exact, threshold).tolist())
    top = [float(threshold)]
    for key, rel, offset, color, label in (
        ("exact", rel_e, -width / 2, COLORS[0], labels[0]),
        ("broken", rel_p, width / 2, COLORS[1], labels[1]),
    ):
        mean, lo, hi = _stats(rel, n)
        artists[key] = ax.bar(
            x + offset, mean, width=width, color=color, edgecolor="none", label=label, zorder=1
        )
        ok = np.isfinite(mean)
        artists["errorbars"].append(
            ax.errorbar(
                (x + offset)[ok],
                mean[ok],
                yerr=np.vstack([mean[ok] - lo[ok], hi[ok] - mean[ok]]),
                fmt="none",
                ecolor="black",
                elinewidth=0.8,
                capsize=2.5,
                label="min–max over seeds" if key == "broken" else None,
                zorder=3,
            )
        )
        if np.any(np.isfinite(hi)):
            top.append(float(np.nanmax(hi)))
        if key == "broken":
            for i in sorted(freed):
                artists["freed"].append(
                    ax.annotate(
                        f"{mean[i]:.2f}",
                        (x[i] + offset, hi[i]),
                        xytext=(0, 3),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize="x-small",
                        color=COLORS[1],
                        weight="bold",
                    )
                )
    artists["threshold"] = ax.axhline(
        threshold, color=COLORS[2], linestyle="--", linewidth=1.0, label=f"threshold {threshold:g}"
    )
    n_e = int(n_relevant_exact)
    artists["marker"] = ax.axvline(
        n_e + 0.5,
        color="black",
        linestyle=":",
        linewidth=1.2,
        label=f"{labels[0]}: {n_e} relevant",
    )
    ax.set_ylim(0.0, max(1.05, 1.15 * max(top)))
    direction_axis(ax, x, "activity Var[μᵢ(x)], mean over seeds")
    ax.legend(loc="upper right", fontsize="small")
    return artists
