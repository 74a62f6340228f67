"""Comparison of the measured relevance with the exact linear-VAE prediction.

For Gaussian data with covariance eigenvalues λᵢ (in the standardized units the VAE sees),
a linear VAE with KL weight β and decoder variance s² has activity 1 − βs²/λᵢ in the
direction of the i-th eigenvector when λᵢ > βs², and 0 otherwise. The functions here plot
the measured activity against that prediction, the eigenvalue spectrum against the
cut-off βs², and decide per seed whether the check passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from symvae.plotting.style import COLORS, direction_axis

__all__ = [
    "ANGLE_TOLERANCE_DEG",
    "THEORY_TOLERANCE",
    "plot_eigenvalues",
    "plot_theory_check",
    "theory_passes",
]

#: Largest allowed |measured − predicted| relevance for the check to pass.
THEORY_TOLERANCE: float = 0.05
#: Largest allowed principal angle (degrees) between learned and true directions.
ANGLE_TOLERANCE_DEG: float = 5.0


def theory_passes(
    max_abs_deviation: np.ndarray,
    principal_angles_deg: np.ndarray | None = None,
    tolerance: float = THEORY_TOLERANCE,
    angle_tolerance_deg: float = ANGLE_TOLERANCE_DEG,
) -> np.ndarray:
    """Decide per seed whether the measured relevance agrees with the theory.

    Parameters
    ----------
    max_abs_deviation : numpy.ndarray, shape (S,)
        max_i |relevance − relevance_theory| per seed.
    principal_angles_deg : numpy.ndarray, shape (S, k), optional
        Principal angles per seed; k may be 0.
    tolerance : float
        Largest allowed deviation.
    angle_tolerance_deg : float
        Largest allowed principal angle.

    Returns
    -------
    numpy.ndarray of bool, shape (S,)
        True where the deviation is at most ``tolerance`` and every angle is below
        ``angle_tolerance_deg`` (NaN counts as a failure).
    """
    dev = np.asarray(max_abs_deviation, dtype=float).ravel()
    ok = np.isfinite(dev) & (dev <= tolerance)
    if principal_angles_deg is not None:
        ang = np.asarray(principal_angles_deg, dtype=float)
        ang = ang.reshape(dev.size, -1) if ang.size else np.zeros((dev.size, 0))
        ok &= np.all(np.isfinite(ang) & (ang < angle_tolerance_deg), axis=1)
    return ok


def plot_theory_check(
    ax: Axes,
    relevance: np.ndarray,
    theory: np.ndarray,
    eigenvalues: np.ndarray | None = None,
    principal_angles_deg: np.ndarray | None = None,
    seeds: Sequence[int] | None = None,
    tolerance: float = THEORY_TOLERANCE,
    annotate: bool = True,
) -> dict[str, Any]:
    """Draw on ``ax`` measured against predicted relevance for every sorted direction and seed.

    Parameters
    ----------
    relevance : numpy.ndarray, shape (S, L)
        Measured activity, each row sorted descending.
    theory : numpy.ndarray, shape (L,) or (S, L)
        Predicted activity 1 − βs²/λᵢ (0 beyond the cut-off); only the first row of a
        2-D array is used (it is the same on every row).
    eigenvalues : numpy.ndarray, shape (d,), optional
        Eigenvalues λᵢ of the standardized input covariance, listed in the text box.
    principal_angles_deg : numpy.ndarray, shape (S, k), optional
        Principal angles per seed, listed in the text box.
    seeds : sequence of int, optional
        Seed labels (length S).
    tolerance : float
        Half-width of the shaded band around the prediction.
    annotate : bool
        Whether to write the eigenvalues and the largest principal angle per seed in a
        text box.

    Returns
    -------
    dict
        The artists: ``"theory"``, ``"band"``, ``"measured"`` (list), ``"text"`` if drawn.
    """
    rel = np.atleast_2d(np.asarray(relevance, dtype=float))
    th = np.atleast_2d(np.asarray(theory, dtype=float))[0]
    n_seeds, n_dirs = rel.shape
    th = np.pad(th[:n_dirs], (0, max(0, n_dirs - th.size)))
    x = np.arange(1, n_dirs + 1)
    seed_labels = list(seeds) if seeds is not None else list(range(n_seeds))
    artists: dict[str, Any] = {"measured": []}
    artists["band"] = ax.bar(
        x,
        2 * tolerance,
        bottom=th - tolerance,
        width=0.8,
        color="grey",
        alpha=0.25,
        edgecolor="none",
        label=f"theory ± {tolerance:g}",
    )
    artists["theory"] = ax.scatter(
        x, th, marker="_", s=300, linewidths=2.0, color="black", zorder=3, label="theory 1 − βs²/λ"
    )
    offsets = np.linspace(-0.25, 0.25, n_seeds) if n_seeds > 1 else np.zeros(n_seeds)
    markers = ("o", "s", "^", "v", "D", "P", "X")
    for s in range(n_seeds):
        artists["measured"].append(
            ax.scatter(
                x + offsets[s],
                rel[s],
                marker=markers[s % len(markers)],
                s=18,
                color=COLORS[s % len(COLORS)],
                zorder=4,
                label=f"measured, seed {seed_labels[s]}",
            )
        )
    direction_axis(ax, x, "activity Var[μᵢ(x)]")
    top = max(1.05, float(np.nanmax(np.concatenate([rel.ravel(), th]))) + 0.1)
    ax.set_ylim(-0.08, top)
    ax.legend(loc="upper right", fontsize="x-small")
    if annotate:
        lines = []
        if eigenvalues is not None:
            lam = ", ".join(f"{v:.3g}" for v in np.asarray(eigenvalues, dtype=float).ravel())
            lines.append(f"λ = {lam}")
        if principal_angles_deg is not None:
            ang = np.asarray(principal_angles_deg, dtype=float)
            for s in range(min(n_seeds, ang.shape[0] if ang.ndim else 0)):
                row = np.atleast_1d(ang[s])
                worst = f"{np.nanmax(row):.2f}°" if row.size else "n/a"
                lines.append(f"seed {seed_labels[s]}: max angle {worst}")
        if lines:
            artists["text"] = ax.text(
                0.02,
                0.03,
                "\n".join(lines),
                transform=ax.transAxes,
                fontsize="x-small",
                va="bottom",
                ha="left",
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
            )
    return artists


def plot_eigenvalues(
    ax: Axes,
    eigenvalues: np.ndarray,
    beta_sigma2: float | None = None,
) -> dict[str, Any]:
    """Draw the eigenvalue spectrum of the standardized inputs and the cut-off βs².

    Parameters
    ----------
    eigenvalues : numpy.ndarray, shape (d,)
        Eigenvalues λᵢ, descending.
    beta_sigma2 : float, optional
        The product β·s²; directions with λᵢ > βs² are predicted relevant.

    Returns
    -------
    dict
        The artists: ``"bars"`` and, if drawn, ``"cutoff"``.
    """
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    artists: dict[str, Any] = {}
    if lam.size == 0:
        ax.text(0.5, 0.5, "no eigenvalues", ha="center", va="center", transform=ax.transAxes)
        return artists
    x = np.arange(1, lam.size + 1)
    colors = [COLORS[0] if beta_sigma2 is None or v > beta_sigma2 else "#c8c8cc" for v in lam]
    artists["bars"] = ax.bar(x, lam, width=0.7, color=colors, label="λᵢ")
    if beta_sigma2 is not None and np.isfinite(beta_sigma2):
        artists["cutoff"] = ax.axhline(
            beta_sigma2, color=COLORS[2], linestyle="--", label=f"βs² = {beta_sigma2:.3g}"
        )
    ax.set_ylim(0.0, 1.15 * float(np.nanmax(lam)) if np.nanmax(lam) > 0 else 1.0)
    direction_axis(
        ax, x, "eigenvalue λᵢ (standardized)", "eigen-direction of the input covariance", None
    )
    ax.legend(loc="upper right", fontsize="x-small")
    return artists
