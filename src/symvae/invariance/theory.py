"""Finite-n and asymptotic predictions for kernel ridge regression learning curves.

Deterministic equivalent ("eigenlearning"; Canatar, Bordelon & Pehlevan 2021, Nat. Commun. 12,
2914; Simon et al. 2021, arXiv:2110.03922). Given the kernel eigenvalues μ_i with respect to
the input distribution, the target's energies ``v_i²`` in the corresponding orthonormal
eigenfunctions, ``n`` samples, ridge ``δ = nλ`` (the ``(K + nλI)α = y`` parametrization) and
label-noise variance σ², solve

    Σ_i μ_i / (μ_i + κ) + δ / κ = n              for κ > 0,

put ``L_i = μ_i/(μ_i + κ)`` and ``E₀ = n / (n − Σ_i L_i²)``; the expected excess test risk is

    R = E₀ (Σ_i (1 − L_i)² v_i² + σ²) − σ².

Eigenvalues may be grouped: ``multiplicity[u]`` copies of the value ``mu[u]``, with ``v2[u]`` the
total energy of the group. Asymptotically, for a target that is "hard at its smoothness" in
``H^s`` of a ``d_eff``-dimensional quotient, ``R ∝ n^(−2s/(2s + d_eff))`` (Tahmasebi & Jegelka
2023).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq, minimize_scalar

__all__ = [
    "DEFAULT_DELTAS",
    "EigenlearningPrediction",
    "asymptotic_exponent",
    "compress_spectrum",
    "effective_sample_multiplier",
    "eigenlearning_risk",
    "grid_edge_hit",
    "learning_curve_prediction",
    "optimal_eigenlearning_risk",
    "solve_kappa",
]

DEFAULT_DELTAS = np.logspace(-8, 8, 65)
"""Default ridge grid δ = nλ for the prediction (4 points per decade)."""


@dataclass(frozen=True)
class EigenlearningPrediction:
    """Deterministic-equivalent prediction at one ``n`` and ridge ``δ``.

    Attributes
    ----------
    risk:
        Expected excess test risk ``E‖f̂ − f*‖²`` (units of the target squared).
    delta:
        Ridge ``δ = nλ``.
    kappa:
        Effective regularization κ.
    e0:
        Overfitting factor ``E₀ = n / (n − Σ L_i²)``.
    at_edge:
        For an optimum over a grid: whether it hit the first or last grid point.
    """

    risk: float
    delta: float
    kappa: float
    e0: float
    at_edge: bool = False


def compress_spectrum(
    mu: ArrayLike, v2: ArrayLike, decimals: int = 12
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Group equal eigenvalues: returns ``(mu_unique, multiplicity, v2_total)``, each ``(u,)``.

    Values are considered equal after rounding ``log μ`` to ``decimals`` decimals.
    """
    mu = np.asarray(mu, dtype=np.float64)
    v2 = np.asarray(v2, dtype=np.float64)
    keep = mu > 0
    lg = np.round(np.log(mu[keep]), decimals)
    uniq, inv, mult = np.unique(lg, return_inverse=True, return_counts=True)
    v2_tot = np.bincount(inv, weights=v2[keep], minlength=len(uniq))
    mu_u = np.bincount(inv, weights=mu[keep], minlength=len(uniq)) / mult
    lost = float(v2[~keep].sum())
    if lost > 0:  # energy on zero-eigenvalue modes is never learned: keep it as μ = 0
        mu_u = np.append(mu_u, 0.0)
        mult = np.append(mult, 0)  # contributes to the bias but not to the sums over L
        v2_tot = np.append(v2_tot, lost)
    return mu_u, mult.astype(np.float64), v2_tot


def solve_kappa(
    mu: ArrayLike, n: float, delta: float, multiplicity: ArrayLike | None = None
) -> float:
    """The κ > 0 with ``Σ_i m_i μ_i/(μ_i + κ) + δ/κ = n``.

    Parameters
    ----------
    mu:
        Eigenvalues ``(u,)`` (≥ 0).
    n:
        Number of samples.
    delta:
        Ridge ``δ = nλ`` (≥ 0; with δ = 0 a root needs more than n positive eigenvalues).
    multiplicity:
        Copies of each eigenvalue ``(u,)`` (default 1).

    Raises
    ------
    ValueError
        If no positive root exists (δ = 0 and at most n eigenvalues).
    """
    mu = np.asarray(mu, dtype=np.float64)
    mult = np.ones_like(mu) if multiplicity is None else np.asarray(multiplicity, np.float64)
    pos = mu > 0
    mu, mult = mu[pos], mult[pos]

    def excess(log_kappa: float) -> float:
        kappa = math.exp(log_kappa)
        return float(np.sum(mult * mu / (mu + kappa)) + delta / kappa - n)

    # f(κ) ≤ (Σ m μ + δ)/κ − n, so the root is below hi; f(δ/n) ≥ 0 bounds it from below.
    hi = math.log((np.sum(mult * mu) + delta) / n) + 1e-9
    if delta > 0:
        lo = math.log(delta / n) - 1e-9
    else:
        if mult.sum() <= n:
            raise ValueError("δ = 0 needs more than n non-zero eigenvalues")
        lo = math.log(mu.min()) - 1.0
        while excess(lo) < 0:
            lo -= 10.0
    if excess(hi) >= 0:
        return math.exp(hi)
    return math.exp(brentq(excess, lo, hi, xtol=1e-13, rtol=1e-13, maxiter=500))


def eigenlearning_risk(
    mu: ArrayLike,
    v2: ArrayLike,
    n: float,
    delta: float,
    sigma2: float,
    multiplicity: ArrayLike | None = None,
) -> EigenlearningPrediction:
    """Deterministic-equivalent excess risk of KRR at ``n`` samples and ridge ``δ = nλ``.

    Parameters
    ----------
    mu:
        Kernel eigenvalues ``(u,)`` w.r.t. the input distribution (with multiplicity, or
        grouped with ``multiplicity``).
    v2:
        Target energy per eigenvalue (per group), ``(u,)``; ``Σ v2 = ‖f*‖²``.
    n:
        Number of training samples.
    delta:
        Ridge ``δ = nλ``.
    sigma2:
        Label-noise variance σ².
    multiplicity:
        Copies of each eigenvalue (default 1).
    """
    mu = np.asarray(mu, dtype=np.float64)
    v2 = np.asarray(v2, dtype=np.float64)
    mult = np.ones_like(mu) if multiplicity is None else np.asarray(multiplicity, np.float64)
    kappa = solve_kappa(mu, n, delta, mult)
    learn = mu / (mu + kappa)
    e0 = n / (n - float(np.sum(mult * learn**2)))
    bias = float(np.sum((1.0 - learn) ** 2 * v2))
    risk = e0 * (bias + sigma2) - sigma2
    return EigenlearningPrediction(risk=risk, delta=float(delta), kappa=kappa, e0=e0)


def optimal_eigenlearning_risk(
    mu: ArrayLike,
    v2: ArrayLike,
    n: float,
    sigma2: float,
    deltas: ArrayLike | None = None,
    multiplicity: ArrayLike | None = None,
    refine: bool = True,
    flat_rtol: float = 1e-4,
) -> EigenlearningPrediction:
    """The prediction minimized over the ridge δ = nλ.

    A log grid ``deltas`` (default :data:`DEFAULT_DELTAS`, 1e-8…1e8) is scanned and, with
    ``refine``, the best point is polished by a bounded scalar minimization in ``log δ``
    between its neighbours. ``at_edge`` is set when the grid optimum is an end point at which
    the curve is still falling (see :func:`grid_edge_hit`): a flat end is the ridgeless
    (δ → 0) or the null (δ → ∞) limit, which a wider grid would not improve.
    """
    grid = DEFAULT_DELTAS if deltas is None else np.asarray(deltas, dtype=np.float64)
    preds = [eigenlearning_risk(mu, v2, n, float(d), sigma2, multiplicity) for d in grid]
    risks = np.array([p.risk for p in preds])
    best = int(np.argmin(risks))
    at_edge = grid_edge_hit(risks, best, flat_rtol)
    out = preds[best]
    if refine and 0 < best < len(grid) - 1:
        res = minimize_scalar(
            lambda lg: eigenlearning_risk(mu, v2, n, math.exp(lg), sigma2, multiplicity).risk,
            bounds=(math.log(grid[best - 1]), math.log(grid[best + 1])),
            method="bounded",
            options={"xatol": 1e-6},
        )
        cand = eigenlearning_risk(mu, v2, n, math.exp(res.x), sigma2, multiplicity)
        if cand.risk < out.risk:
            out = cand
    return EigenlearningPrediction(out.risk, out.delta, out.kappa, out.e0, at_edge)


def grid_edge_hit(values: ArrayLike, best: int, flat_rtol: float = 1e-4) -> bool:
    """Whether a minimum over a grid is limited by the grid.

    True when ``best`` is the first or last index and ``values`` still fall towards it by more
    than ``flat_rtol`` (relative) from its neighbour; a flat end is not a limitation.
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2 or best not in (0, len(values) - 1):
        return False
    neighbour = values[1] if best == 0 else values[-2]
    return bool(neighbour - values[best] > flat_rtol * abs(values[best]))


def learning_curve_prediction(
    mu: ArrayLike,
    v2: ArrayLike,
    ns: ArrayLike,
    sigma2: float,
    deltas: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Optimal-ridge predictions over ``ns`` ``(m,)``: returns ``(risk, delta)``, each ``(m,)``.

    The spectrum ``mu``/``v2`` (one entry per eigenfunction) is compressed first. Raises
    ``RuntimeError`` if an optimum lies on the edge of the δ grid.
    """
    mu_u, mult, v2_u = compress_spectrum(mu, v2)
    risks, best = [], []
    for n in np.asarray(ns, dtype=np.float64):
        pred = optimal_eigenlearning_risk(mu_u, v2_u, float(n), sigma2, deltas, mult)
        if pred.at_edge:
            raise RuntimeError(f"optimal δ at the edge of the grid for n = {n:g}")
        risks.append(pred.risk)
        best.append(pred.delta)
    return np.array(risks), np.array(best)


def asymptotic_exponent(s: float, d_eff: float) -> float:
    """Exponent of ``R ∝ n^(−2s/(2s + d_eff))`` (negative), e.g. −0.571 for s = 2, d_eff = 3."""
    return -2.0 * s / (2.0 * s + d_eff)


def effective_sample_multiplier(
    ns_plain: ArrayLike,
    risk_plain: ArrayLike,
    ns_inv: ArrayLike,
    risk_inv: ArrayLike,
) -> NDArray[np.float64]:
    """``n_eff / n`` with ``R_plain(n_eff) = R_inv(n)``, shape ``(len(ns_inv),)``.

    ``log R_plain`` is interpolated linearly in ``log n`` along its strictly decreasing
    envelope (points that do not improve on all smaller n are skipped, e.g. a flat start at the
    null risk); where ``R_inv(n)`` lies outside the range of ``R_plain`` the result is NaN.
    This is a horizontal ratio of the learning curves; the vertical ratio
    ``R_plain(n) / R_inv(n)`` is a different quantity.
    """
    lx = np.log(np.asarray(ns_plain, dtype=np.float64))
    ly = np.log(np.asarray(risk_plain, dtype=np.float64))
    prior_min = np.minimum.accumulate(np.concatenate([[np.inf], ly[:-1]]))
    keep = ly < prior_min
    lx, ly = lx[keep], ly[keep]
    target = np.log(np.asarray(risk_inv, dtype=np.float64))
    # np.interp needs increasing abscissae: interpolate log n as a function of −log R
    log_n_eff = np.interp(-target, -ly, lx, left=np.nan, right=np.nan)
    return np.exp(log_n_eff) / np.asarray(ns_inv, dtype=np.float64)
