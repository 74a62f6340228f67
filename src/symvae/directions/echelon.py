"""Sparse bases of the null space of a normalized monomial library.

The numerical linear algebra behind :func:`~symvae.directions.constraints.find_constraints`.
A library ``Φ`` ``(n, m)`` of monomials evaluated on ``n`` points is *normalized* by dividing
every column by its RMS (``s_j = RMS φ_j``): ``Ψ = Φ / s``. The relative residual
(:func:`~symvae.directions.polynomials.relative_residual`) of a polynomial with coefficients
``c`` is then the Rayleigh quotient ``‖Ψ c̃‖ / (√n ‖c̃‖)`` at the normalized coefficients
``c̃ = c · s``, so the singular values of ``Ψ`` over ``√n`` *are* the residual spectrum
(:func:`residual_spectrum`): the ``k``-th smallest is the best residual any polynomial
orthogonal to the first ``k − 1`` singular directions can reach. A null-space basis is put in
reduced row-echelon form with pivots taken in a given monomial order (:func:`rref`) and each
row is *polished* to its sparsest support whose residual stays within a factor of the
original (:func:`polish`). Every coefficient here is normalized, hence dimensionless.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Spectrum", "leading_term", "polish", "residual_spectrum", "rref"]

#: A monomial becomes a pivot of the row-echelon form only if its row of the orthonormal
#: null-space basis keeps at least this norm after projecting out the earlier pivots;
#: weaker candidates would divide round-off by a tiny number.
_PIVOT_TOL = 1e-3
#: Polishing drops terms while the refitted residual stays within this factor (plus a
#: float64 round-off floor) of the unpolished one.
_POLISH_FACTOR = 2.0
_POLISH_FLOOR = 1e-14
#: Rejected directions (approximate relations) drop terms, without refitting, while the
#: residual stays within this factor of the singular direction's.
_NEAR_FACTOR = 1.1


@dataclass(frozen=True)
class Spectrum:
    """SVD of a normalized library: residual spectrum and singular directions (ascending)."""

    residuals: NDArray[np.float64]  # (m,) singular values / sqrt(n), ascending
    vectors: NDArray[np.float64]  # (m, m) right singular vectors as columns, same order

    @property
    def compressed(self) -> NDArray[np.float64]:
        """``A`` ``(m, m)`` with ``‖A c̃‖ = ‖Ψ c̃‖ / √n`` for every normalized ``c̃``."""
        return self.residuals[:, None] * self.vectors.T

    def count(self, tolerance: float) -> int:
        """Number of residuals below ``tolerance``."""
        return int(np.sum(self.residuals < tolerance))


def residual_spectrum(psi: NDArray[np.float64]) -> Spectrum:
    """Residual spectrum of a normalized library ``(n, m)`` with ``n >= m``."""
    n = psi.shape[0]
    _, s, vt = np.linalg.svd(psi, full_matrices=False)
    order = np.argsort(s, kind="stable")
    return Spectrum(residuals=s[order] / math.sqrt(n), vectors=vt.T[:, order])


def rref(basis: NDArray[np.float64], order: Sequence[int]) -> tuple[NDArray[np.float64], list[int]]:
    """Reduced row-echelon form of the span of ``basis`` ``(m, k)`` (orthonormal columns).

    Pivots are taken greedily from ``order`` (a row of ``basis`` whose projection off the
    earlier pivot rows keeps norm ≥ :data:`_PIVOT_TOL`), completed if needed by the rows of
    largest remaining norm. Returns the polynomials ``(k, m)`` (identity on the pivot
    columns, rows sorted by pivot position in ``order``) and the pivot columns.
    """
    m, k = basis.shape
    if k == 0:
        return np.zeros((0, m)), []
    pivots: list[int] = []
    q = np.zeros((k, 0))

    def _try(j: int, tol: float) -> bool:
        nonlocal q
        v = basis[j] - q @ (q.T @ basis[j])
        nv = float(np.linalg.norm(v))
        if nv > tol:
            pivots.append(j)
            q = np.column_stack([q, v / nv])
            return True
        return False

    for j in order:
        if len(pivots) == k:
            break
        _try(j, _PIVOT_TOL)
    while len(pivots) < k:  # weak participants only: take the strongest remaining
        rest = [j for j in range(m) if j not in pivots]
        norms = [np.linalg.norm(basis[j] - q @ (q.T @ basis[j])) for j in rest]
        _try(rest[int(np.argmax(norms))], 0.0)
    rank = {j: i for i, j in enumerate(order)}
    pivots.sort(key=lambda j: rank.get(j, len(order) + j))
    rows = np.linalg.solve(basis[pivots, :].T, basis.T)  # (k, m)
    rows[:, pivots] = np.eye(k)
    return rows, pivots


def polish(
    row: NDArray[np.float64], pivot: int, compressed: NDArray[np.float64], refit: bool = True
) -> NDArray[np.float64]:
    """Sparsest version of a normalized polynomial ``row`` with ``row[pivot] = 1``.

    Tries supports ``{j : |c̃_j| ≥ t · max|c̃|}`` for thresholds ``t = 10⁻¹ … 10⁻¹⁴`` (the
    pivot always kept) and keeps the sparsest whose residual stays within a factor of the
    original: :data:`_POLISH_FACTOR` (plus :data:`_POLISH_FLOOR`) when the kept coefficients
    are refitted by least squares on the compressed library (``refit``: for a row of a
    reduced row-echelon form, the unique null-space element with its support), else
    :data:`_NEAR_FACTOR` with the coefficients as they are (for a rejected singular
    direction, which a refit would pull into the accepted null space).
    """

    def _res(c: NDArray[np.float64]) -> float:
        return float(np.linalg.norm(compressed @ c) / np.linalg.norm(c))

    r0 = _res(row)
    limit = (_POLISH_FACTOR if refit else _NEAR_FACTOR) * r0 + _POLISH_FLOOR
    mag = np.abs(row)
    top = float(mag.max())
    for t in 10.0 ** -np.arange(1, 15):
        support = np.flatnonzero(mag >= t * top)
        c = np.zeros_like(row)
        c[support] = row[support]
        c[pivot] = 1.0
        others = support[support != pivot]
        if refit and others.size:
            sol, *_ = np.linalg.lstsq(compressed[:, others], -compressed[:, pivot], rcond=None)
            c[others] = sol
        if _res(c) <= limit:
            return c
    return row


def leading_term(row: NDArray[np.float64], order: Sequence[int], rel: float = 0.1) -> int:
    """First monomial in ``order`` whose normalized coefficient is ≥ ``rel`` of the largest."""
    mag = np.abs(row)
    top = mag.max()
    for j in order:
        if mag[j] >= rel * top:
            return j
    return int(np.argmax(mag))
