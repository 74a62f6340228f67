"""One seed's KRR fits on the torus and the sphere with their exact excess risks.

A design holds what the fits on the first n points of one sample need, and validates λ
(:func:`~symvae.invariance.krr.select_ridge`) for each n of a nested sequence; the excess risk
``‖f̂ − f*‖²_{L²}`` of every fit on the λ path is exact (Parseval on the eigenbasis).
:class:`GramDesign` accumulates Gram matrices over column chunks of the eigenbasis (the plain
kernel); :class:`CoefDesign` works on the basis coefficients (the invariant kernel's few
eigenfunctions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from symvae.invariance.krr import RidgeSelection, select_ridge
from symvae.invariance.torus import TorusKernel

__all__ = ["CoefDesign", "GramDesign", "fit_path", "plain_chunks", "zonal_sum"]


@dataclass
class GramDesign:
    """One seed's fits from one pass over the eigenbasis, without keeping the features.

    ``gram = Φ diag(μ) Φᵀ`` ``(N, N)``, ``gram2 = Φ diag(μ²) Φᵀ`` ``(N, N)``, ``cross_val =
    Φ_val diag(μ) Φᵀ`` ``(n_val, N)``, ``b = Φ diag(μ) a*`` ``(N,)`` and ``norm2 = ‖a*‖²``, so
    that ``f̂ = Σ_j α_j K(·, x_j)`` has the exact excess risk
    ``‖f̂ − f*‖² = αᵀ gram2 α − 2 bᵀα + norm2`` (Parseval). Used for the plain kernel, whose
    Gram matrix is well conditioned (more eigenfunctions than points).
    """

    gram: NDArray[np.float64]
    gram2: NDArray[np.float64]
    cross_val: NDArray[np.float64]
    b: NDArray[np.float64]
    norm2: float

    @classmethod
    def accumulate(
        cls, n_all: int, n_val: int, chunks: Iterable[tuple[NDArray, NDArray, NDArray, NDArray]]
    ) -> GramDesign:
        """Sum over column chunks ``(Φ_all, Φ_val, μ, a*)`` of the eigenbasis."""
        out = cls(
            np.zeros((n_all, n_all)), np.zeros((n_all, n_all)), np.zeros((n_val, n_all)),
            np.zeros(n_all), 0.0,
        )  # fmt: skip
        for feat_all, feat_val, mu, a in chunks:
            root = feat_all * np.sqrt(mu)
            out.gram += root @ root.T
            scaled = feat_all * mu
            out.gram2 += scaled @ scaled.T
            out.cross_val += (feat_val * mu) @ feat_all.T
            out.b += scaled @ a
            out.norm2 += float(a @ a)
        return out

    def risk(self, n: int, alphas: NDArray) -> NDArray[np.float64]:
        """Exact excess risk of the fits with dual coefficients ``alphas`` ``(n, r)`` → ``(r,)``."""
        quad = np.einsum("ir,ir->r", alphas, self.gram2[:n, :n] @ alphas)
        return quad - 2.0 * (self.b[:n] @ alphas) + self.norm2

    def select(
        self, n: int, y: NDArray, f_val: NDArray, lams: NDArray, on_edge: str
    ) -> tuple[RidgeSelection, NDArray[np.float64]]:
        """Validated fit on the first ``n`` points and the exact risk along the λ path."""
        sel = select_ridge(
            self.gram[:n, :n], y[:n], self.cross_val[:, :n], f_val, lams, on_edge=on_edge
        )
        return sel, _path_risks(sel, lambda sols: self.risk(n, sols))


@dataclass
class CoefDesign:
    """One seed's fits through the basis coefficients (features kept in memory).

    With fewer eigenfunctions than points (m < n) the fit is solved in feature form
    (:func:`~symvae.invariance.krr.krr_fit_primal`, coefficients ``√μ ⊙ w``), which is cheap and
    stable where the Gram matrix is singular; otherwise in dual form (coefficients
    ``μ ⊙ Φᵀα``). The excess risk is ``‖c − a*‖²``.
    """

    feat_all: NDArray[np.float64]
    feat_val: NDArray[np.float64]
    mu: NDArray[np.float64]
    a: NDArray[np.float64]

    def _risk(self, coef: NDArray) -> NDArray[np.float64]:
        return np.sum((coef - self.a[:, None]) ** 2, axis=0)

    def select(
        self, n: int, y: NDArray, f_val: NDArray, lams: NDArray, on_edge: str
    ) -> tuple[RidgeSelection, NDArray[np.float64]]:
        """Validated fit on the first ``n`` points and the exact risk along the λ path."""
        root_mu = np.sqrt(self.mu)[:, None]
        psi = self.feat_all[:n] * root_mu.T
        if len(self.mu) < n:
            sel = select_ridge(
                None, y[:n], self.feat_val * root_mu.T, f_val, lams, on_edge=on_edge, features=psi
            )
            return sel, _path_risks(sel, lambda w: self._risk(root_mu * w))

        def coefficients(alphas: NDArray) -> NDArray:
            return root_mu * (psi.T @ alphas)

        sel = select_ridge(
            psi @ psi.T,
            y[:n],
            lambda alphas: self.feat_val @ coefficients(alphas),
            f_val,
            lams,
            on_edge=on_edge,
        )
        return sel, _path_risks(sel, lambda alphas: self._risk(coefficients(alphas)))


def _path_risks(sel: RidgeSelection, risk: Callable[[NDArray], NDArray]) -> NDArray[np.float64]:
    """Exact risk for every λ of a selection (``inf`` where Cholesky failed), ``(r,)``."""
    ok = np.all(np.isfinite(sel.solutions), axis=0)
    out = np.full(len(sel.lams), np.inf)
    out[ok] = risk(sel.solutions[:, ok])
    return out


def plain_chunks(
    kernel: TorusKernel, x_all: NDArray, x_val: NDArray, a_plain: NDArray
) -> Iterator[tuple[NDArray, NDArray, NDArray, NDArray]]:
    cols = np.arange(kernel.n_features)
    for chunk in kernel.column_chunks(len(x_all) + len(x_val), cols):
        yield (
            kernel.features(x_all, chunk),
            kernel.features(x_val, chunk),
            kernel.mu[chunk],
            a_plain[chunk],
        )


def fit_path(
    design: GramDesign | CoefDesign,
    ns: NDArray,
    y_all: NDArray,
    f_val: NDArray,
    lams: NDArray,
    on_edge: str,
) -> NDArray[np.float64]:
    """Rows: validated risk, oracle risk, validated δ, edge flag (0/1); columns: ``ns``."""
    out = np.empty((4, len(ns)))
    for j, n in enumerate(ns):
        sel, risks = design.select(int(n), y_all, f_val, lams, on_edge)
        out[:, j] = risks[sel.best], risks.min(), sel.delta(int(n)), sel.at_edge
    return out


def zonal_sum(cosang: NDArray, weights: NDArray) -> NDArray[np.float64]:
    """``Σ_ℓ w_ℓ P_ℓ(z)`` elementwise by Clenshaw's recurrence (no ``(…, ℓ)`` table)."""
    b1 = np.zeros_like(cosang)
    b2 = np.zeros_like(cosang)
    for ell in range(len(weights) - 1, 0, -1):
        # P_{ℓ+1} = α_ℓ(z) P_ℓ + β_ℓ P_{ℓ−1}, α_ℓ = (2ℓ+1) z/(ℓ+1), β_ℓ = −ℓ/(ℓ+1)
        b0 = weights[ell] + (2 * ell + 1) / (ell + 1) * cosang * b1 - (ell + 1) / (ell + 2) * b2
        b1, b2 = b0, b1
    return weights[0] + cosang * b1 - 0.5 * b2
