"""Kernel ridge regression by Cholesky, and ridge selection on a noise-free validation set.

Parametrization: ``(K + nλ I) α = y``, prediction ``f̂(x) = Σ_j α_j K(x, x_j)``; the ridge
``δ = nλ`` is the quantity that enters the deterministic equivalent
(:mod:`symvae.invariance.theory`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh

from symvae.invariance.theory import grid_edge_hit

__all__ = [
    "DEFAULT_LAMBDAS",
    "RidgeSelection",
    "RidgeSelectionError",
    "krr_fit",
    "krr_fit_primal",
    "psd_clip",
    "select_ridge",
]

DEFAULT_LAMBDAS = np.logspace(-10, 2, 13)
"""Default coarse λ grid (one point per decade, refined around the optimum)."""


class RidgeSelectionError(RuntimeError):
    """The validated ridge lies on the edge of the grid (where the error still falls)."""


def psd_clip(gram: ArrayLike) -> NDArray[np.float64]:
    """Nearest PSD matrix: symmetrize and clip negative eigenvalues to 0, shape ``(n, n)``."""
    gram = np.asarray(gram, dtype=np.float64)
    sym = 0.5 * (gram + gram.T)
    vals, vecs = eigh(sym)
    return (vecs * np.clip(vals, 0.0, None)) @ vecs.T


def krr_fit(gram: ArrayLike, y: ArrayLike, lam: float) -> NDArray[np.float64]:
    """Dual coefficients α solving ``(K + nλ I) α = y``.

    Parameters
    ----------
    gram:
        Training Gram matrix ``K``, shape ``(n, n)``.
    y:
        Labels, shape ``(n,)`` or ``(n, m)``.
    lam:
        Ridge λ > 0 (per sample: the matrix gets ``nλ`` on its diagonal).

    Returns
    -------
    α with the shape of ``y``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``K + nλ I`` is not numerically positive definite.
    """
    gram = np.asarray(gram, dtype=np.float64)
    n = gram.shape[0]
    system = gram + (n * lam) * np.eye(n)
    return cho_solve(cho_factor(system, lower=True, check_finite=False), np.asarray(y, float))


def krr_fit_primal(features: ArrayLike, y: ArrayLike, lam: float) -> NDArray[np.float64]:
    """The same KRR predictor in feature form, for kernels ``K = Ψ Ψᵀ`` of rank m < n.

    Solves ``(ΨᵀΨ + nλ I) w = Ψᵀ y`` by Cholesky; the predictor ``f̂(x) = ψ(x)·w`` equals the
    dual one because ``Ψᵀ (ΨΨᵀ + nλI)⁻¹ = (ΨᵀΨ + nλI)⁻¹ Ψᵀ``. Costs O(n m² + m³) instead of
    O(n³), and stays well conditioned when ``K`` is singular.

    Parameters
    ----------
    features:
        ``Ψ`` of shape ``(n, m)`` (eigenfunctions times ``√μ``), so that ``K = Ψ Ψᵀ``.
    y:
        Labels, ``(n,)`` or ``(n, r)``.
    lam:
        Ridge λ > 0.

    Returns
    -------
    w of shape ``(m,)`` or ``(m, r)``.
    """
    psi = np.asarray(features, dtype=np.float64)
    n, m = psi.shape
    system = psi.T @ psi + (n * lam) * np.eye(m)
    rhs = psi.T @ np.asarray(y, dtype=np.float64)
    return cho_solve(cho_factor(system, lower=True, check_finite=False), rhs)


@dataclass(frozen=True)
class RidgeSelection:
    """The outcome of :func:`select_ridge`.

    Attributes
    ----------
    lams:
        All λ tried (coarse grid then refinement), ascending, shape ``(r,)``.
    val_mse:
        Validation mean squared error for each λ (``inf`` where Cholesky failed), ``(r,)``.
    solutions:
        For each λ the dual coefficients α ``(n, r)``, or with ``features`` the primal weights
        w ``(m, r)`` (NaN where Cholesky failed).
    best:
        Index of the selected λ in ``lams``.
    at_edge:
        Whether the coarse-grid optimum is limited by the grid (an end point where the
        validation error still falls; see :func:`symvae.invariance.theory.grid_edge_hit`).
    """

    lams: NDArray[np.float64]
    val_mse: NDArray[np.float64]
    solutions: NDArray[np.float64]
    best: int
    at_edge: bool

    @property
    def lam(self) -> float:
        """The selected λ."""
        return float(self.lams[self.best])

    def delta(self, n: int) -> float:
        """The selected ridge ``δ = nλ`` for ``n`` training points."""
        return n * self.lam


def _solve_path(
    fit: Callable[[NDArray, NDArray, float], NDArray], mat: NDArray, y: NDArray, lams: NDArray
) -> NDArray[np.float64]:
    size = mat.shape[1] if fit is krr_fit_primal else len(y)
    out = np.full((size, len(lams)), np.nan)
    for i, lam in enumerate(lams):
        try:
            out[:, i] = fit(mat, y, float(lam))
        except LinAlgError:
            continue
    return out


def select_ridge(
    gram: ArrayLike | None,
    y: ArrayLike,
    predict_val: ArrayLike | Callable[[NDArray[np.float64]], NDArray[np.float64]],
    y_val: ArrayLike,
    lams: ArrayLike | None = None,
    refine: int = 4,
    on_edge: str = "raise",
    flat_rtol: float = 1e-3,
    features: ArrayLike | None = None,
) -> RidgeSelection:
    """Pick λ on a wide log grid by the error on a noise-free validation set.

    Parameters
    ----------
    gram:
        Training Gram matrix, shape ``(n, n)`` (dual solve, :func:`krr_fit`); ``None`` with
        ``features``.
    y:
        Training labels, shape ``(n,)``.
    predict_val:
        Either a matrix mapping solutions to validation predictions — the cross Gram matrix
        ``K(x_val, x_train)`` ``(n_val, n)`` for the dual, ``ψ(x_val)`` ``(n_val, m)`` for the
        primal — or a function mapping solutions ``(n or m, r)`` to predictions ``(n_val, r)``.
    y_val:
        Noise-free validation targets ``f*(x_val)``, shape ``(n_val,)``.
    lams:
        Ascending coarse λ grid (default :data:`DEFAULT_LAMBDAS`, 1e-10…1e2).
    refine:
        Subdivisions per coarse step between the neighbours of the coarse optimum (1: none).
    on_edge:
        ``"raise"`` (:class:`RidgeSelectionError`) or ``"flag"`` (only set ``at_edge``) when
        the coarse optimum is limited by the grid.
    flat_rtol:
        A grid end whose error is within this relative tolerance of its neighbour's is flat
        (the ridgeless or null limit) and does not count as an edge hit.
    features:
        ``Ψ`` ``(n, m)`` with ``K = ΨΨᵀ``: solve in feature form (:func:`krr_fit_primal`),
        cheaper and stable for m < n.
    """
    if (gram is None) == (features is None):
        raise ValueError("pass exactly one of gram and features")
    fit = krr_fit if features is None else krr_fit_primal
    mat = np.asarray(gram if features is None else features, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    y_val = np.asarray(y_val, dtype=np.float64)
    grid = DEFAULT_LAMBDAS if lams is None else np.asarray(lams, dtype=np.float64)
    if callable(predict_val):
        predict = predict_val
    else:
        cross = np.asarray(predict_val, dtype=np.float64)

        def predict(sols: NDArray[np.float64]) -> NDArray[np.float64]:
            return cross @ sols

    def evaluate(lam_grid: NDArray) -> tuple[NDArray, NDArray]:
        sols = _solve_path(fit, mat, y, lam_grid)
        ok = np.all(np.isfinite(sols), axis=0)
        mse = np.full(len(lam_grid), np.inf)
        if ok.any():
            pred = predict(sols[:, ok])
            mse[ok] = np.mean((pred - y_val[:, None]) ** 2, axis=0)
        return sols, mse

    sols, mse = evaluate(grid)
    if not np.isfinite(mse).any():
        raise RidgeSelectionError("Cholesky failed for every λ of the grid")
    best = int(np.argmin(mse))
    finite = np.flatnonzero(np.isfinite(mse))  # a failed Cholesky ends the usable grid
    at_edge = grid_edge_hit(mse[finite], int(np.searchsorted(finite, best)), flat_rtol)
    if at_edge and on_edge == "raise":
        raise RidgeSelectionError(
            f"validated λ = {grid[best]:.3g} is at the edge of the grid "
            f"[{grid[0]:.3g}, {grid[-1]:.3g}]: widen it"
        )
    lams_all, mse_all, sols_all = grid, mse, sols
    if refine > 1 and 0 < best < len(grid) - 1:
        lo, hi = math.log(grid[best - 1]), math.log(grid[best + 1])
        steps = np.delete(np.arange(1, 2 * refine), refine - 1)  # skip the coarse optimum
        fine = np.exp(lo + (hi - lo) * steps / (2 * refine))
        fine_sols, fine_mse = evaluate(fine)
        lams_all = np.concatenate([grid, fine])
        mse_all = np.concatenate([mse, fine_mse])
        sols_all = np.concatenate([sols, fine_sols], axis=1)
        order = np.argsort(lams_all)
        lams_all, mse_all, sols_all = lams_all[order], mse_all[order], sols_all[:, order]
    return RidgeSelection(
        lams=lams_all,
        val_mse=mse_all,
        solutions=sols_all,
        best=int(np.argmin(mse_all)),
        at_edge=at_edge,
    )
