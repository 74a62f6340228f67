"""The constraint-preserving Lie algebra: linear generators that keep events on the constraints.

A linear vector field ``v(x) = A x`` on feature space (``A`` a dimensionless ``d × d``
matrix, one *generator*) preserves every polynomial constraint ``g_a(x) = 0`` that the data
obey when ``∇g_a(x) · (A x) = 0`` on the data. The generators doing so form a Lie algebra
(closed under commutators), found by :func:`constraint_algebra` as the null space of a linear
system in the coefficients of ``A`` over a *family* of matrices
(:mod:`symvae.directions.families`: :func:`~symvae.directions.families.four_vector_family`,
the same ``4 × 4`` block on every four-vector; :func:`~symvae.directions.families.general_family`,
all of ``gl(d)``). Events are ``(n, d)`` in physical units.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import qr

from symvae.directions.families import LinearFamily, general_family, resolve_family
from symvae.directions.polynomials import PolynomialSet
from symvae.directions.samples import check_events
from symvae.directions.subspaces import null_space, orthonormal_matrices
from symvae.errors import DataError

__all__ = ["MIN_EVENTS_ALGEBRA", "ConstraintAlgebra", "as_algebra", "constraint_algebra"]


@dataclass(frozen=True)
class ConstraintAlgebra:
    """Generators that preserve a set of constraints on the data (a Lie subalgebra).

    Attributes
    ----------
    family:
        The family of matrices searched.
    basis:
        ``(r, d, d)`` Frobenius-orthonormal generators, aligned with the family's named
        elements where the span contains them (``J_z``, ``K_z``, ``D`` rather than mixtures)
        and ordered by their leading element.
    coefficients:
        ``(r, k)`` the same generators as coefficients over ``family.basis``.
    rtol:
        Tolerance used: directions with violation ``<= rtol`` belong to the algebra (``nan``
        when the dimension was imposed).
    violations:
        ``(k,)`` singular values of the normalized system, ascending: the RMS relative
        violation ``|∇g·Ax| / (|∇g| |x|)`` over events and constraints of the best unit-norm
        generator orthogonal to the previous ones (0 = exact, at most 1).
    gap:
        ``violations[r] / violations[r - 1]``, the ratio across the cut (``inf`` when the last
        kept value is 0, ``nan`` when nothing is on one side).
    closure:
        Largest Frobenius norm of the part of a commutator ``[A_i, A_j]`` of basis elements
        outside the span (0 for a Lie algebra; a diagnostic of the cut).
    n_rows:
        Number of (event, constraint) rows of the system.
    """

    family: LinearFamily
    basis: NDArray[np.float64]
    coefficients: NDArray[np.float64]
    rtol: float
    violations: NDArray[np.float64]
    gap: float
    closure: float
    n_rows: int

    @property
    def dim(self) -> int:
        """Dimension ``r`` of the algebra."""
        return self.basis.shape[0]

    def labels(self, digits: int = 2) -> list[str]:
        """Readable form of each basis element in the family's names."""
        return [self.family.describe(a, digits) for a in self.basis]


def _aligned_basis(vecs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Orthonormal basis ``(r, k)`` of the span of ``vecs`` ``(k, r)`` aligned with the family.

    The family elements are projected on the span and orthonormalized in the order of a
    pivoted QR (largest remaining projection first), so an algebra spanned by named elements
    (``J_z``, ``K_z``, ``D``) gets exactly those as its basis.
    """
    r = vecs.shape[1]
    if r == 0:
        return np.zeros((0, vecs.shape[0]))
    proj = vecs @ vecs.T  # column b: projection of family element b on the span
    q, _, _ = qr(proj, pivoting=True)
    basis = q[:, :r].T
    return basis[np.argsort(np.argmax(np.abs(basis), axis=1), kind="stable")]


def _closure(basis: NDArray[np.float64]) -> float:
    """Largest Frobenius norm of a commutator of ``basis`` ``(r, d, d)`` outside its span."""
    r = basis.shape[0]
    if r < 2:
        return 0.0
    flat = basis.reshape(r, -1)
    worst = 0.0
    for i, j in itertools.combinations(range(r), 2):
        c = (basis[i] @ basis[j] - basis[j] @ basis[i]).ravel()
        resid = c - flat.T @ (flat @ c)
        worst = max(worst, float(np.linalg.norm(resid)))
    return worst


def _as_constraint_list(
    constraints: PolynomialSet | Sequence[PolynomialSet] | None,
) -> list[PolynomialSet]:
    """The constraints as a list of polynomial sets (empty for ``None``)."""
    if constraints is None:
        return []
    if isinstance(constraints, PolynomialSet):
        return [constraints]
    return list(constraints)


#: Fewest events :func:`constraint_algebra` accepts.
MIN_EVENTS_ALGEBRA = 10


def constraint_algebra(
    x: ArrayLike,
    constraints: PolynomialSet | Sequence[PolynomialSet] | None,
    family: LinearFamily | str | None = None,
    *,
    rtol: float = 1e-3,
    dim: int | None = None,
) -> ConstraintAlgebra:
    """Generators ``A`` in ``family`` with ``∇g_a(x) · (A x) = 0`` for every constraint on the data.

    Writing ``A = Σ_b c_b B_b`` over the family basis, every event ``x_n`` and constraint
    ``g_a`` give one linear equation ``Σ_b c_b ∇g_a(x_n)·(B_b x_n) = 0``. Each row is divided
    by ``|∇g_a(x_n)| |x_n|``, so for a unit-norm ``A`` it is the relative violation (the cosine
    of the angle between the flow and the constraint's normal, times ``|Ax|/|x|``), independent
    of the units and normalization of ``g_a``; rows where the gradient vanishes are dropped.
    The singular values of the row-normalized system divided by ``√rows`` are then RMS
    relative violations, and the algebra is spanned by the right singular vectors whose value
    is ``<= rtol``.

    Parameters
    ----------
    x:
        Events ``(n, d)`` in physical units (GeV for four-vectors); linear maps act about the
        origin of these coordinates.
    constraints:
        Polynomials vanishing on the data (a :class:`PolynomialSet`, several, or ``None``;
        without constraints the algebra is the whole family).
    family:
        A :class:`LinearFamily`, ``"gl"`` (default, :func:`general_family`) or
        ``"four_vectors"`` (:func:`~symvae.directions.families.four_vector_family`).
    rtol:
        Largest RMS relative violation of a generator in the algebra (dimensionless). The
        default ``1e-3`` keeps exact symmetries of analytic constraints (violations at
        round-off level, ~1e-17) and of constraints fitted to better than about 1e-3 relative
        precision, and drops maps whose violation is of order 1e-2 or more (for the
        four-vector family every non-symmetry measured was above 2e-2). It also keeps
        *approximate* symmetries: the dilation ``D`` of a massive mass shell
        ``E² - p² = m²`` has relative violation ``≈ m² / (4 E |x|)`` per event (``|x|`` the
        norm of the whole feature vector; ``m_μ = 0.1057`` GeV in pp → μμ with E ~ 1–5000
        GeV: 1e-6 RMS per mass-shell row, singular value 4.5e-7), so it stays in
        the algebra unless ``rtol`` is set below that level; the distribution test then
        rejects it. Always read ``violations`` and ``gap`` (here 5e4 between D and the
        first broken direction, 1e10 between J_z, K_z and D).
    dim:
        Impose the dimension instead of ``rtol``.

    Returns
    -------
    ConstraintAlgebra
    """
    x = check_events(x, MIN_EVENTS_ALGEBRA, "constraint_algebra")
    d = x.shape[1]
    fam = resolve_family(family, d)
    polys = _as_constraint_list(constraints)
    rows: list[NDArray[np.float64]] = []
    moved = np.einsum("bij,nj->nbi", fam.basis, x)  # (n, k, d): B_b x_n
    xnorm = np.linalg.norm(x, axis=1)
    for poly in polys:
        if poly.n_variables != d:
            raise DataError(f"a constraint has {poly.n_variables} variables, data have {d}")
        grad = poly.gradient(x)  # (n, K, d)
        if not np.all(np.isfinite(grad)):
            raise DataError("constraint gradients are not finite on the data")
        m = np.einsum("nai,nbi->nab", grad, moved)  # (n, K, k)
        scale = np.linalg.norm(grad, axis=2) * xnorm[:, None]  # (n, K)
        ok = scale > 1e-300
        rows.append(m[ok] / scale[ok][:, None])
    system = np.concatenate(rows, axis=0) if rows else np.zeros((0, fam.dim))
    n_rows = system.shape[0]
    if n_rows:
        # the triangular factor has the singular values and right vectors of the tall system
        system = np.linalg.qr(system / math.sqrt(n_rows), mode="r")
        vecs, sv = null_space(system, dim=fam.dim)
    else:
        vecs, sv = np.eye(fam.dim), np.zeros(fam.dim)
    if dim is None:
        if not rtol > 0:
            raise ValueError(f"rtol must be positive, got {rtol}")
        r = int(np.sum(sv <= rtol))
        used_rtol = float(rtol)
    else:
        r = int(dim)
        if not 0 <= r <= fam.dim:
            raise ValueError(f"dim {dim} outside 0..{fam.dim}")
        used_rtol = float("nan")
    coeffs = _aligned_basis(vecs[:, :r])
    # sign convention: the largest coefficient of each generator is positive
    for row in coeffs:
        if row.size and row[np.argmax(np.abs(row))] < 0:
            row *= -1.0
    basis = np.tensordot(coeffs, fam.basis, axes=(1, 0)) if r else np.zeros((0, d, d))
    if 0 < r < fam.dim:
        gap = float(sv[r] / sv[r - 1]) if sv[r - 1] > 0 else float("inf")
    else:
        gap = float("nan")
    return ConstraintAlgebra(
        fam,
        basis,
        coeffs,
        rtol=used_rtol,
        violations=sv,
        gap=gap,
        closure=_closure(basis),
        n_rows=n_rows,
    )


def as_algebra(
    algebra: ConstraintAlgebra | LinearFamily | ArrayLike, x: NDArray[np.float64]
) -> ConstraintAlgebra:
    """``algebra`` itself, the whole span of a family, or the span of matrices ``(k, d, d)``
    (orthonormalized, described in ``gl(d)`` names), for events ``x`` ``(n, d)``."""
    if isinstance(algebra, ConstraintAlgebra):
        return algebra
    if isinstance(algebra, LinearFamily):
        return constraint_algebra(x, None, algebra)
    mats = np.asarray(algebra, dtype=np.float64)
    d = x.shape[1]
    if mats.ndim == 2:
        mats = mats[None]
    if mats.ndim != 3 or mats.shape[1:] != (d, d):
        raise DataError(f"algebra must be (k, {d}, {d}) matrices, got shape {mats.shape}")
    basis = orthonormal_matrices(mats)
    fam = general_family(d)
    return ConstraintAlgebra(
        family=fam,
        basis=basis,
        coefficients=fam.coefficients(basis),
        violations=np.zeros(basis.shape[0]),
        rtol=float("nan"),
        gap=float("nan"),
        closure=_closure(basis),
        n_rows=0,
    )
