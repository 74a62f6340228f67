"""Comparing linear subspaces: orthonormal bases, null spaces, principal angles, distances.

Every discovered object of :mod:`symvae.directions` (a tangent space, a space of constraint
polynomials, a Lie algebra of generators) is a linear subspace of some coefficient space, and
is scored against its analytic counterpart by the principal angles between the two. Spans of
``d × d`` matrices (generators) are spans in ``R^{d²}`` with the Frobenius inner product
(:func:`orthonormal_matrices`). The Grassmann (geodesic) distance is the 2-norm of the
principal angles in radians, as in LieGAN (Yang et al. 2023) and LieNLSD; it is 0 for equal
spans and at most ``√k · π/2``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import subspace_angles

__all__ = [
    "grassmann_distance",
    "null_space",
    "orthonormal_basis",
    "orthonormal_matrices",
    "principal_angles",
    "subspace_dimension_mismatch",
]


def orthonormal_basis(a: ArrayLike, rtol: float = 1e-10) -> NDArray[np.float64]:
    """Orthonormal basis ``(d, r)`` of the column span of ``a`` ``(d, k)``.

    Columns whose singular value is below ``rtol`` times the largest are dropped, so the
    result has the numerical rank ``r`` of ``a`` (``r = 0`` for a zero or empty matrix).
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"expected a (d, k) matrix, got shape {a.shape}")
    if a.shape[1] == 0 or not np.any(a):
        return np.zeros((a.shape[0], 0))
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    rank = int(np.sum(s > rtol * s[0]))
    return u[:, :rank]


def null_space(
    m: ArrayLike, rtol: float | None = None, dim: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Right null space of ``m`` ``(n, d)`` and the singular values that decided it.

    Parameters
    ----------
    m:
        Matrix whose (approximate) null space is wanted.
    rtol:
        Singular values at most ``rtol`` times the largest count as zero.
    dim:
        Alternatively, the dimension of the null space: the ``dim`` right singular vectors
        with the smallest singular values. Exactly one of ``rtol`` and ``dim`` is given.

    Returns
    -------
    basis:
        ``(d, k)`` orthonormal basis of the null space (columns, smallest singular value
        first).
    singular_values:
        All ``d`` singular values of ``m`` in ascending order (zeros appended where
        ``n < d``), so callers can show the gap that separates the null space.
    """
    if (rtol is None) == (dim is None):
        raise ValueError("give exactly one of rtol and dim")
    m = np.asarray(m, dtype=np.float64)
    d = m.shape[1]
    # a tall matrix has all d right singular vectors in the thin SVD (the full U is n × n)
    _, s, vt = np.linalg.svd(m, full_matrices=m.shape[0] < d)
    s_full = np.zeros(d)
    s_full[: len(s)] = s
    order = np.argsort(s_full, kind="stable")
    s_asc = s_full[order]
    vecs = vt.T[:, order]
    if dim is None:
        top = s_asc[-1] if d else 0.0
        dim = int(np.sum(s_asc <= rtol * top)) if top > 0 else d
    if not 0 <= dim <= d:
        raise ValueError(f"null-space dimension {dim} outside 0..{d}")
    return vecs[:, :dim], s_asc


def principal_angles(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Principal angles (radians, ascending) between the column spans of ``a`` and ``b``.

    ``a`` is ``(d, k)`` and ``b`` is ``(d, m)``; the result has ``min(k, m)`` angles in
    ``[0, π/2]`` (empty if either span is empty). Columns need not be orthonormal.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"spans live in different spaces: {a.shape[0]} vs {b.shape[0]} rows")
    if a.shape[1] == 0 or b.shape[1] == 0:
        return np.zeros(0)
    return np.sort(subspace_angles(a, b))


def grassmann_distance(a: ArrayLike, b: ArrayLike) -> float:
    """Geodesic distance ``‖θ‖₂`` (radians) between the spans of ``a`` and ``b``.

    For spans of unequal dimension the distance is taken over the ``min(k, m)`` principal
    angles (the distance from the smaller span to the nearest subspace of the larger);
    :func:`subspace_dimension_mismatch` reports the difference separately. Two empty spans
    are at distance 0.
    """
    return float(np.linalg.norm(principal_angles(a, b)))


def subspace_dimension_mismatch(a: ArrayLike, b: ArrayLike) -> int:
    """``rank(a) − rank(b)``: positive when ``a`` spans more directions than ``b``."""
    return orthonormal_basis(a).shape[1] - orthonormal_basis(b).shape[1]


def orthonormal_matrices(mats: NDArray[np.float64], rtol: float = 1e-10) -> NDArray[np.float64]:
    """Frobenius-orthonormal basis ``(r, d, d)`` of the span of ``mats`` ``(k, d, d)``.

    Gram–Schmidt order is kept (QR), so the first matrix keeps its direction.
    """
    k, d, _ = mats.shape
    if k == 0:
        return np.zeros((0, d, d))
    flat = mats.reshape(k, -1).T
    q, r = np.linalg.qr(flat)
    diag = np.abs(np.diag(r))
    keep = diag > rtol * max(float(diag.max()), 1e-300)
    q = q[:, keep] * np.sign(np.diag(r)[keep])
    return q.T.reshape(-1, d, d)
