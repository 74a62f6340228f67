"""Relevance of latent directions: bar chart over seeds and threshold scan.

A latent direction is *relevant* when its activity Var_x[μ_i(x)] exceeds a threshold.
:func:`plot_relevance_bars` shows the activity of every direction (sorted in descending
order within each seed) with its spread over seeds; :func:`plot_threshold_scan` shows how
the count of relevant directions changes with the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, NullLocator

from symvae.plotting.style import COLORS, direction_axis

__all__ = ["plot_relevance_bars", "plot_relevance_measures", "plot_threshold_scan"]

_INACTIVE_COLOR = "#c8c8cc"


def _seed_offsets(n: int, width: float) -> np.ndarray:
    """Deterministic horizontal offsets that spread ``n`` points over ``width``."""
    if n <= 1:
        return np.zeros(max(n, 0))
    return np.linspace(-width / 2, width / 2, n)


def plot_relevance_bars(
    ax: Axes,
    relevance: np.ndarray,
    threshold: float,
    theory: np.ndarray | None = None,
) -> dict[str, Any]:
    """Draw on ``ax`` the relevance of each sorted latent direction as bars, spread over seeds.

    Parameters
    ----------
    relevance : numpy.ndarray, shape (S, L)
        Activity of the L latent directions for S seeds, each row sorted descending.
    threshold : float
        Relevance threshold, drawn as a dashed horizontal line. Bars whose mean exceeds it
        are coloured, the others grey.
    theory : numpy.ndarray, shape (L,), optional
        Predicted relevance per sorted direction (linear VAE), drawn as black markers.

    Returns
    -------
    dict
        The artists: ``"bars"``, ``"errorbar"``, ``"seeds"`` (list), ``"threshold"`` and,
        if drawn, ``"theory"``.
    """
    rel = np.atleast_2d(np.asarray(relevance, dtype=float))
    n_seeds, n_dirs = rel.shape
    artists: dict[str, Any] = {}
    if n_dirs == 0 or n_seeds == 0:
        ax.text(0.5, 0.5, "no latent directions", ha="center", va="center", transform=ax.transAxes)
        return artists
    x = np.arange(1, n_dirs + 1)
    mean = np.nanmean(rel, axis=0)
    lo = np.nanmin(rel, axis=0)
    hi = np.nanmax(rel, axis=0)
    colors = [COLORS[0] if m > threshold else _INACTIVE_COLOR for m in mean]
    artists["bars"] = ax.bar(
        x, mean, width=0.7, color=colors, edgecolor="none", label="mean over seeds", zorder=1
    )
    artists["errorbar"] = ax.errorbar(
        x,
        mean,
        yerr=np.vstack([mean - lo, hi - mean]),
        fmt="none",
        ecolor="black",
        elinewidth=0.9,
        capsize=3,
        label="min–max over seeds",
        zorder=3,
    )
    offsets = _seed_offsets(n_seeds, 0.4)
    artists["seeds"] = [
        ax.scatter(
            x + offsets[s],
            rel[s],
            s=10,
            facecolor="white",
            edgecolor="black",
            linewidth=0.6,
            zorder=4,
            label="individual seeds" if s == 0 else None,
        )
        for s in range(n_seeds)
    ]
    artists["threshold"] = ax.axhline(
        threshold, color=COLORS[2], linestyle="--", linewidth=1.0, label=f"threshold {threshold:g}"
    )
    if theory is not None:
        th = np.asarray(theory, dtype=float).ravel()[:n_dirs]
        artists["theory"] = ax.scatter(
            x[: th.size],
            th,
            marker="_",
            s=260,
            linewidths=2.0,
            color="black",
            zorder=5,
            label="theory 1 − βs²/λ",
        )
    candidates = [float(np.nanmax(hi)), float(threshold)]
    if theory is not None:
        candidates.append(float(np.nanmax(np.asarray(theory, dtype=float))))
    ymax = (
        max(c for c in candidates if np.isfinite(c)) if any(map(np.isfinite, candidates)) else 1.0
    )
    ax.set_ylim(0.0, max(1.05, 1.12 * ymax))
    direction_axis(ax, x, "activity Var[μᵢ(x)]")
    ax.legend(loc="upper right", ncols=1)
    return artists


def plot_threshold_scan(
    ax: Axes,
    thresholds: np.ndarray,
    counts: np.ndarray,
    dof: int | None = None,
    threshold: float | None = None,
    seeds: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Draw the count of relevant directions as a function of the threshold, one line per seed.

    Parameters
    ----------
    thresholds : numpy.ndarray, shape (T,)
        Thresholds scanned. The x axis is logarithmic when they span more than a decade.
    counts : numpy.ndarray, shape (S, T)
        Count of relevant directions for every seed and threshold.
    dof : int, optional
        Expected number of degrees of freedom, drawn as a dotted horizontal line.
    threshold : float, optional
        The threshold actually used, drawn as a dashed vertical line.
    seeds : sequence of int, optional
        Seed labels (length S) for the legend.

    Returns
    -------
    dict
        The artists: ``"lines"`` (list), and ``"dof"`` / ``"threshold"`` if drawn.
    """
    thr = np.asarray(thresholds, dtype=float).ravel()
    cnt = np.atleast_2d(np.asarray(counts, dtype=float))
    artists: dict[str, Any] = {"lines": []}
    if thr.size == 0 or cnt.size == 0:
        ax.text(0.5, 0.5, "no threshold scan", ha="center", va="center", transform=ax.transAxes)
        return artists
    order = np.argsort(thr)
    thr = thr[order]
    cnt = cnt[:, order]
    n_seeds = cnt.shape[0]
    offsets = _seed_offsets(n_seeds, 0.16 if n_seeds > 1 else 0.0)
    for s in range(n_seeds):
        label = f"seed {seeds[s]}" if seeds is not None and s < len(seeds) else f"seed #{s}"
        (line,) = ax.plot(
            thr,
            cnt[s] + offsets[s],
            drawstyle="steps-mid",
            marker="o",
            markersize=3,
            color=COLORS[s % len(COLORS)],
            label=label,
        )
        artists["lines"].append(line)
    if dof is not None and dof >= 0:
        artists["dof"] = ax.axhline(
            dof, color="black", linestyle=":", linewidth=1.0, label=f"dof expected = {dof}"
        )
    if threshold is not None:
        artists["threshold"] = ax.axvline(
            threshold, color=COLORS[2], linestyle="--", linewidth=1.0, label="threshold used"
        )
    if thr[0] > 0 and thr[-1] / thr[0] > 10:
        ax.set_xscale("log")
    top = float(np.nanmax(cnt)) if np.isfinite(np.nanmax(cnt)) else 1.0
    if dof is not None and dof >= 0:
        top = max(top, float(dof))
    ax.set_ylim(-0.5, top + 1.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("threshold on activity")
    ax.set_ylabel("relevant directions")
    ax.legend(loc="upper right", ncols=2 if n_seeds > 3 else 1)
    return artists


def plot_relevance_measures(
    ax: Axes,
    relevance: np.ndarray,
    posterior_width: np.ndarray | None = None,
    kl: np.ndarray | None = None,
) -> dict[str, Any]:
    """Compare three measures of relevance per sorted direction, averaged over seeds.

    The activity Var[μᵢ(x)], the posterior narrowing 1 − ⟨σᵢ²⟩ (both in [0, 1], left axis)
    and the mean KL divergence ⟨KLᵢ⟩ in nats (right axis) should single out the same
    directions.

    Parameters
    ----------
    relevance : numpy.ndarray, shape (S, L)
        Activity per seed, each row sorted descending.
    posterior_width : numpy.ndarray, shape (S, L), optional
        1 − ⟨σᵢ²⟩ in the same order.
    kl : numpy.ndarray, shape (S, L), optional
        ⟨KLᵢ⟩ in nats in the same order.

    Returns
    -------
    dict
        The artists: ``"activity"``, and ``"posterior_width"``, ``"kl"`` (with ``"kl_axis"``)
        if drawn.
    """
    rel = np.atleast_2d(np.asarray(relevance, dtype=float))
    n_dirs = rel.shape[1]
    artists: dict[str, Any] = {}
    if n_dirs == 0:
        ax.text(0.5, 0.5, "no latent directions", ha="center", va="center", transform=ax.transAxes)
        return artists
    x = np.arange(1, n_dirs + 1)
    handles = []
    (artists["activity"],) = ax.plot(
        x, np.nanmean(rel, axis=0), marker="o", color=COLORS[0], label="activity Var[μᵢ]"
    )
    handles.append(artists["activity"])
    if posterior_width is not None:
        pw = np.atleast_2d(np.asarray(posterior_width, dtype=float))
        if pw.shape[1] == n_dirs:
            (artists["posterior_width"],) = ax.plot(
                x, np.nanmean(pw, axis=0), marker="s", color=COLORS[1], label="1 − ⟨σᵢ²⟩"
            )
            handles.append(artists["posterior_width"])
    ax.set_ylim(-0.05, 1.1)
    direction_axis(ax, x, "activity, 1 − ⟨σ²⟩", pad=0.5)
    if kl is not None:
        kl_arr = np.atleast_2d(np.asarray(kl, dtype=float))
        if kl_arr.shape[1] == n_dirs:
            twin = ax.twinx()
            (artists["kl"],) = twin.plot(
                x,
                np.nanmean(kl_arr, axis=0),
                marker="^",
                linestyle="--",
                color=COLORS[3],
                label="⟨KLᵢ⟩ [nats] (right)",
            )
            twin.set_ylabel("⟨KLᵢ⟩ [nats]")
            twin.set_ylim(bottom=0.0)
            twin.xaxis.set_minor_locator(NullLocator())
            ax.tick_params(axis="y", which="both", right=False)
            twin.tick_params(axis="y", which="both", left=False)
            artists["kl_axis"] = twin
            handles.append(artists["kl"])
    ax.legend(handles=handles, loc="upper right", fontsize="x-small")
    return artists
