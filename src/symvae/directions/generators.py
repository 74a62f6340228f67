"""Infinitesimal linear symmetries: Lie algebra generators of constraints and of the data density.

A linear vector field ``v(x) = A x`` on feature space (``A`` a ``d × d`` matrix, one
*generator*) is a symmetry of the data at two levels:

1. **Constraints.** It preserves every polynomial constraint ``g_a(x) = 0`` that the data
   obey when ``∇g_a(x) · (A x) = 0`` on the data. The generators doing so form a Lie algebra
   (closed under commutators), found by :func:`constraint_algebra` as the null space of a
   linear system in the coefficients of ``A`` over a *family* of matrices
   (:func:`four_vector_family`: the same ``4 × 4`` block on every four-vector;
   :func:`general_family`: all of ``gl(d)``).
2. **Distribution.** Its flow ``x ↦ exp(tA) x`` preserves the density ``p`` when
   ``E_p[∇f(x) · A x] = 0`` for every test function ``f`` (integrate ``div(p A x) = 0``
   against ``f``). :func:`distribution_generators` estimates this linear condition inside the
   constraint algebra, decides with a sequential chi-square rank test (Kleibergen & Paap
   2006) which subspace satisfies it at level ``α`` and confirms each generator found with a
   kernel two-sample test (MMD) between held-out data and its transformed copy.

:func:`find_generators` runs both steps, :func:`flow_test` checks one given generator by
the two-sample test, and :func:`score_generators` compares a found span with
analytic truth by the Grassmann distance of :mod:`symvae.directions.subspaces`. The four-vector
family names its elements by the usual Lorentz-algebra language (rotations ``J_x, J_y, J_z``,
boosts ``K_x, K_y, K_z``, dilation ``D``), so :meth:`LinearFamily.describe` prints a found
generator as e.g. ``"0.99 J_z + 0.01 K_z"``.

Conventions
-----------
* Matrices act on column vectors of physical features: ``v(x) = A x``, so a sample ``x``
  ``(n, d)`` moves along ``x @ A.T``. Generators are dimensionless (they map GeV to GeV).
* Every family basis is orthonormal in the Frobenius inner product ``⟨A, B⟩ = tr(Aᵀ B)`` of the
  physical-coordinate matrices, so coefficient vectors and matrices share one geometry and
  a unit coefficient vector is a unit-norm generator.
* ``J_z`` rotates ``p_x`` towards ``p_y`` (``dp_x = -p_y``, ``dp_y = p_x``); ``K_z`` boosts
  along ``+z`` (``dE = p_z``, ``dp_z = E``); the metric is ``η = diag(1, -1, -1, -1)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.linalg import expm, qr

from symvae.directions.polynomials import PolynomialSet, monomial_exponents, monomial_library
from symvae.directions.subspaces import grassmann_distance, null_space, principal_angles
from symvae.errors import DataError

__all__ = [
    "ConstraintAlgebra",
    "FlowTest",
    "GeneratorResult",
    "GeneratorScore",
    "LinearFamily",
    "constraint_algebra",
    "covariance_rotations",
    "distribution_generators",
    "find_generators",
    "flow_test",
    "four_vector_family",
    "general_family",
    "lorentz_algebra",
    "mmd_test",
    "score_generators",
]

#: Fewest events :func:`constraint_algebra` accepts.
MIN_EVENTS_ALGEBRA = 10
#: Fewest events :func:`distribution_generators` accepts (discovery and held-out together).
MIN_EVENTS_DISTRIBUTION = 100

# Eigenvalues of a covariance below this fraction of the largest are treated as zero variance.
_COV_RTOL = 1e-10
# Test functions whose contributions are below this fraction of the largest are round-off.
_ROUNDOFF_RTOL = 1e-8
# Share of the direction-averaged covariance mixed into the refined whitening.
_REFINE_RIDGE = 0.1
# Relative variance below which a combination of test functions counts as an exact relation,
# and relative size above which an algebra direction counts as breaking it.
_RELATION_RTOL = 1e-9
_BROKEN_RTOL = 1e-4


# --------------------------------------------------------------------------------------------
# families of linear maps
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearFamily:
    """A linear space of ``d × d`` matrices with a named, Frobenius-orthonormal basis.

    Attributes
    ----------
    name:
        Short description, e.g. ``"gl(2)"`` or ``"I_2 ⊗ gl(4)"``.
    basis:
        ``(k, d, d)`` matrices, orthonormal in ``⟨A, B⟩ = tr(Aᵀ B)`` (dimensionless).
    names:
        ``k`` readable names of the basis elements.
    """

    name: str
    basis: NDArray[np.float64]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        b = np.asarray(self.basis, dtype=np.float64)
        if b.ndim != 3 or b.shape[1] != b.shape[2]:
            raise ValueError(f"family basis must be (k, d, d), got shape {b.shape}")
        names = tuple(self.names)
        if len(names) != b.shape[0] or len(set(names)) != len(names):
            raise ValueError("family needs one distinct name per basis element")
        flat = b.reshape(b.shape[0], -1)
        if not np.allclose(flat @ flat.T, np.eye(b.shape[0]), atol=1e-9):
            raise ValueError("family basis is not orthonormal in the Frobenius inner product")
        object.__setattr__(self, "basis", b)
        object.__setattr__(self, "names", names)

    @property
    def dim(self) -> int:
        """Number ``k`` of basis elements."""
        return self.basis.shape[0]

    @property
    def n_features(self) -> int:
        """Size ``d`` of the matrices."""
        return self.basis.shape[1]

    def element(self, name: str) -> NDArray[np.float64]:
        """The basis matrix ``(d, d)`` called ``name`` (unit Frobenius norm)."""
        try:
            return self.basis[self.names.index(name)].copy()
        except ValueError:
            raise KeyError(f"{self.name} has no element '{name}' (known: {self.names})") from None

    def coefficients(self, matrices: ArrayLike) -> NDArray[np.float64]:
        """Frobenius projections ``(..., k)`` of matrices ``(..., d, d)`` on the basis."""
        m = np.asarray(matrices, dtype=np.float64)
        return np.tensordot(m, self.basis, axes=([-2, -1], [1, 2]))

    def describe(self, matrix: ArrayLike, digits: int = 2) -> str:
        """Readable linear combination of named elements, e.g. ``"0.99 J_z + 0.01 K_z"``.

        The matrix is scaled to unit Frobenius norm and its overall sign chosen so that the
        largest coefficient is positive (a generator is defined up to scale), so the squared
        coefficients sum to one. Terms that round to zero at ``digits`` decimals are left
        out; a part outside the family is shown as ``"+ 0.20 (outside)"``.
        """
        a = np.asarray(matrix, dtype=np.float64)
        norm = float(np.linalg.norm(a))
        if norm == 0.0:
            return "0"
        a = a / norm
        c = self.coefficients(a)
        lead = int(np.argmax(np.abs(c))) if c.size else 0
        if c.size and c[lead] < 0:
            c = -c
        outside = math.sqrt(max(0.0, 1.0 - float(c @ c)))
        cut = 0.5 * 10.0**-digits
        terms = [(abs(v), i) for i, v in enumerate(c) if abs(v) >= cut]
        terms.sort(key=lambda t: -t[0])
        text = ""
        for _, i in terms:
            v = c[i]
            if not text:
                text = f"{'-' if v < 0 else ''}{abs(v):.{digits}f} {self.names[i]}"
            else:
                text += f" {'-' if v < 0 else '+'} {abs(v):.{digits}f} {self.names[i]}"
        if outside >= cut:
            text = f"{text} + {outside:.{digits}f} (outside)" if text else "(outside)"
        return text or "0"


def _unit(m: NDArray[np.float64]) -> NDArray[np.float64]:
    return m / np.linalg.norm(m)


def _e(d: int, i: int, j: int) -> NDArray[np.float64]:
    m = np.zeros((d, d))
    m[i, j] = 1.0
    return m


def _block_basis_4() -> tuple[list[NDArray[np.float64]], list[str]]:
    """Frobenius-orthonormal basis of ``gl(4)`` on ``(E, p_x, p_y, p_z)`` with physics names.

    so(1,3) (``J_i``, ``K_i``), the dilation ``D``, the Euclidean ``(E, p_i)`` rotations ``R_i``
    (``dE = -p_i``, ``dp_i = E``: they change the mass), the spatial shears ``S_ij`` and the
    traceless diagonal scalings ``Q_E`` (energy against momentum), ``Q_z`` (longitudinal
    against transverse) and ``Q_xy`` (``p_x`` against ``p_y``).
    """
    mats: list[NDArray[np.float64]] = []
    names: list[str] = []
    axes = "xyz"
    # rotations: J_i generates a right-handed rotation about axis i
    for i, (a, b) in enumerate([(2, 3), (3, 1), (1, 2)]):
        mats.append(_unit(_e(4, b, a) - _e(4, a, b)))
        names.append(f"J_{axes[i]}")
    for i in range(3):
        mats.append(_unit(_e(4, 0, i + 1) + _e(4, i + 1, 0)))
        names.append(f"K_{axes[i]}")
    mats.append(_unit(np.eye(4)))
    names.append("D")
    for i in range(3):
        mats.append(_unit(_e(4, i + 1, 0) - _e(4, 0, i + 1)))
        names.append(f"R_{axes[i]}")
    for a, b in [(1, 2), (1, 3), (2, 3)]:
        mats.append(_unit(_e(4, a, b) + _e(4, b, a)))
        names.append(f"S_{axes[a - 1]}{axes[b - 1]}")
    mats.append(_unit(np.diag([3.0, -1.0, -1.0, -1.0])))
    names.append("Q_E")
    mats.append(_unit(np.diag([0.0, -1.0, -1.0, 2.0])))
    names.append("Q_z")
    mats.append(_unit(np.diag([0.0, 1.0, -1.0, 0.0])))
    names.append("Q_xy")
    return mats, names


def four_vector_family(n_particles: int = 1) -> LinearFamily:
    """All maps ``A = I_n ⊗ B``, ``B ∈ gl(4)``: the same ``4 × 4`` block on every four-vector.

    For features that are ``n_particles`` four-vectors ``(E, p_x, p_y, p_z)`` in a row
    (``d = 4 · n_particles``, GeV). The 16 elements are named (see ``names``): rotations
    ``J_x, J_y, J_z``, boosts ``K_x, K_y, K_z``, dilation ``D``, Euclidean ``(E, p_i)``
    rotations ``R_x, R_y, R_z``, shears ``S_xy, S_xz, S_yz`` and traceless scalings
    ``Q_E, Q_z, Q_xy``; each is normalized to unit Frobenius norm as a ``d × d`` matrix.
    """
    if int(n_particles) != n_particles or n_particles < 1:
        raise ValueError(f"n_particles must be a positive integer, got {n_particles}")
    n = int(n_particles)
    mats, names = _block_basis_4()
    basis = np.stack([np.kron(np.eye(n), b) / math.sqrt(n) for b in mats])
    return LinearFamily(name=f"I_{n} ⊗ gl(4)", basis=basis, names=tuple(names))


def lorentz_algebra(n_particles: int = 1) -> NDArray[np.float64]:
    """The six so(1,3) generators ``J_x, J_y, J_z, K_x, K_y, K_z`` as ``(6, d, d)`` matrices.

    Block-diagonal on ``n_particles`` four-vectors, each of unit Frobenius norm.
    """
    fam = four_vector_family(n_particles)
    return np.stack([fam.element(n) for n in ("J_x", "J_y", "J_z", "K_x", "K_y", "K_z")])


def general_family(d: int, feature_names: Sequence[str] | None = None) -> LinearFamily:
    """All of ``gl(d)``: ``d²`` Frobenius-orthonormal matrices with readable names.

    The basis is the plane rotations ``R(a,b)`` (``da = -b``, ``db = a``), the dilation
    ``D``, the symmetric shears ``S(a,b)`` and the traceless diagonal scalings ``Q1 …``
    (Helmert contrasts ``diag(1, …, 1, -k, 0, …)``), with ``a, b`` the feature names
    (default ``x0, x1, …``; for ``d = 2`` the rotation ``R(x0,x1)`` is ``[[0, -1], [1, 0]]/√2``).
    """
    if int(d) != d or d < 1:
        raise ValueError(f"d must be a positive integer, got {d}")
    d = int(d)
    fn = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(d)]
    if len(fn) != d:
        raise ValueError(f"{len(fn)} feature names for d = {d}")
    mats: list[NDArray[np.float64]] = []
    names: list[str] = []
    for a, b in itertools.combinations(range(d), 2):
        mats.append(_unit(_e(d, b, a) - _e(d, a, b)))
        names.append(f"R({fn[a]},{fn[b]})")
    mats.append(_unit(np.eye(d)))
    names.append("D")
    for a, b in itertools.combinations(range(d), 2):
        mats.append(_unit(_e(d, a, b) + _e(d, b, a)))
        names.append(f"S({fn[a]},{fn[b]})")
    for k in range(1, d):
        diag = np.zeros(d)
        diag[:k] = 1.0
        diag[k] = -float(k)
        mats.append(_unit(np.diag(diag)))
        names.append(f"Q{k}")
    return LinearFamily(name=f"gl({d})", basis=np.stack(mats), names=tuple(names))


def covariance_rotations(cov: ArrayLike) -> NDArray[np.float64]:
    """Generators ``Σ^{1/2} R Σ^{-1/2}`` of the linear maps that preserve ``N(0, Σ)``.

    ``R`` runs over the plane rotations of so(d); the result ``(d(d-1)/2, d, d)`` spans
    ``{A : A Σ + Σ Aᵀ = 0}``, the symmetry algebra of a centred Gaussian with covariance
    ``cov`` ``(d, d)`` (for ``d = 2`` the one "squeezed rotation").
    """
    c = np.asarray(cov, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"covariance must be square, got {c.shape}")
    w, v = np.linalg.eigh(c)
    if np.any(w <= 0):
        raise DataError("covariance is not positive definite")
    half = (v * np.sqrt(w)) @ v.T
    half_inv = (v / np.sqrt(w)) @ v.T
    d = c.shape[0]
    out = [
        half @ (_e(d, b, a) - _e(d, a, b)) @ half_inv
        for a, b in itertools.combinations(range(d), 2)
    ]
    return np.stack(out) if out else np.zeros((0, d, d))


def _resolve_family(family: LinearFamily | str | None, d: int) -> LinearFamily:
    if isinstance(family, LinearFamily):
        fam = family
    elif family is None or family == "gl":
        fam = general_family(d)
    elif family == "four_vectors":
        if d % 4:
            raise DataError(f"'four_vectors' family needs a multiple of 4 features, got {d}")
        fam = four_vector_family(d // 4)
    else:
        raise ValueError(f"unknown family {family!r} (use 'gl', 'four_vectors' or a LinearFamily)")
    if fam.n_features != d:
        raise DataError(f"family {fam.name} acts on {fam.n_features} features, data have {d}")
    return fam


def _check_points(x: ArrayLike, minimum: int, what: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"{what}: features are not numeric ({err})") from None
    if arr.ndim != 2:
        raise DataError(f"{what}: features must be (n, d), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.all(np.isfinite(arr), axis=1)))
        raise DataError(f"{what}: {bad} events have NaN or infinite features")
    if arr.shape[0] < minimum:
        raise DataError(f"{what}: needs at least {minimum} events, got {arr.shape[0]}")
    return arr


def _orthonormal_matrices(mats: NDArray[np.float64], rtol: float = 1e-10) -> NDArray[np.float64]:
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


# --------------------------------------------------------------------------------------------
# constraint-preserving algebra
# --------------------------------------------------------------------------------------------


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
    violations:
        ``(k,)`` singular values of the normalized system, ascending: the RMS relative
        violation ``|∇g·Ax| / (|∇g| |x|)`` over events and constraints of the best unit-norm
        generator orthogonal to the previous ones (0 = exact, at most 1).
    rtol:
        Tolerance used: directions with violation ``<= rtol`` belong to the algebra (``nan``
        when the dimension was imposed).
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
    violations: NDArray[np.float64]
    rtol: float
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
    if constraints is None:
        return []
    if isinstance(constraints, PolynomialSet):
        return [constraints]
    return list(constraints)


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
        ``"four_vectors"`` (:func:`four_vector_family`).
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
    x = _check_points(x, MIN_EVENTS_ALGEBRA, "constraint_algebra")
    d = x.shape[1]
    fam = _resolve_family(family, d)
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
        family=fam,
        basis=basis,
        coefficients=coeffs,
        violations=sv,
        rtol=used_rtol,
        gap=gap,
        closure=_closure(basis),
        n_rows=n_rows,
    )


# --------------------------------------------------------------------------------------------
# two-sample test
# --------------------------------------------------------------------------------------------


def mmd_test(
    x: ArrayLike,
    y: ArrayLike,
    *,
    n_permutations: int = 500,
    seed: int = 0,
    bandwidth: float | None = None,
) -> tuple[float, float]:
    """Kernel two-sample test: squared MMD with a Gaussian kernel and its permutation p-value.

    Parameters
    ----------
    x, y:
        Samples ``(n, d)`` and ``(m, d)`` in the same (ideally standardized) coordinates.
    n_permutations:
        Number of random relabellings; the p-value is ``(1 + #{MMD²_perm >= MMD²}) / (1 + B)``,
        so it cannot be smaller than ``1 / (1 + B)``.
    seed:
        Seed of the permutations.
    bandwidth:
        Kernel width ``σ`` in ``k(a, b) = exp(-|a - b|² / (2σ²))``; default the median
        pairwise distance of the pooled sample (median heuristic).

    Returns
    -------
    (mmd2, p_value):
        The biased (V-statistic) squared MMD and its permutation p-value.
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise DataError(f"mmd_test needs two (n, d) samples, got {a.shape} and {b.shape}")
    pooled = np.concatenate([a, b])
    sq = np.sum(pooled**2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * pooled @ pooled.T, 0.0)
    if bandwidth is None:
        iu = np.triu_indices(len(pooled), k=1)
        med = float(np.median(d2[iu]))
        bw2 = med if med > 0 else 1.0
    else:
        bw2 = float(bandwidth) ** 2
    kern = np.exp(-d2 / (2.0 * bw2))
    n_a, n_b = len(a), len(b)
    w = np.concatenate([np.full(n_a, 1.0 / n_a), np.full(n_b, -1.0 / n_b)])
    observed = float(w @ kern @ w)
    rng = np.random.default_rng(seed)
    perms = np.stack([rng.permutation(w) for _ in range(n_permutations)], axis=1)
    null = np.sum(perms * (kern @ perms), axis=0)
    p = (1.0 + float(np.sum(null >= observed - 1e-12 * abs(observed)))) / (1.0 + n_permutations)
    return observed, p


# --------------------------------------------------------------------------------------------
# distribution-preserving generators
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorResult:
    """Distribution-preserving generators inside a constraint algebra, with the evidence.

    Attributes
    ----------
    algebra:
        The constraint algebra searched (its ``basis`` is ``(k, d, d)``).
    generators:
        ``(r, d, d)`` Frobenius-orthonormal basis of the largest subspace of the algebra not
        rejected by the rank test (best first); ``r = n_generators``.
    labels:
        Readable form of each generator in the family's names.
    candidates:
        ``(k_eff, d, d)`` all algebra directions ordered by the whitened singular value of the
        invariance system, ascending (unit norm); ``generators`` spans the first ``r``.
    candidate_labels:
        Readable form of each candidate.
    singular_values:
        ``(k_eff,)`` ascending whitened singular values of the mean invariance matrix.
    statistics, dof, p_values:
        ``(k_eff,)`` rank-test statistic, degrees of freedom and p-value of "the first
        ``j + 1`` candidates span a distribution-preserving subspace" (``nan`` where not
        tested, i.e. after the first rejection).
    alpha:
        Level of the rank test and of the confirmation.
    t_values:
        ``(r, m)`` flow parameters of the confirmation ``x ↦ exp(t A) x``.
    mmd_statistics, mmd_p_values:
        ``(r, m)`` squared MMD and permutation p-value between held-out events and the
        transformed held-out events, per generator and ``t``.
    confirmed:
        ``(r,)`` whether every confirmation p-value of the generator is ``>= alpha / m``
        (Bonferroni over the ``m`` values of ``t``).
    n_trivial:
        Algebra directions that move no event at all (counted among the generators).
    n_test_functions:
        Effective number of test functions (rank of their covariance on the data).
    n_discovery, n_holdout:
        Events used by the rank test and by the confirmation.
    """

    algebra: ConstraintAlgebra
    generators: NDArray[np.float64]
    labels: tuple[str, ...]
    candidates: NDArray[np.float64]
    candidate_labels: tuple[str, ...]
    singular_values: NDArray[np.float64]
    statistics: NDArray[np.float64]
    dof: NDArray[np.int64]
    p_values: NDArray[np.float64]
    alpha: float
    t_values: NDArray[np.float64]
    mmd_statistics: NDArray[np.float64]
    mmd_p_values: NDArray[np.float64]
    confirmed: NDArray[np.bool_]
    n_trivial: int
    n_test_functions: int
    n_discovery: int
    n_holdout: int
    notes: tuple[str, ...] = field(default=())

    @property
    def n_generators(self) -> int:
        """Dimension ``r`` of the distribution-preserving subspace."""
        return self.generators.shape[0]

    @property
    def confirmed_generators(self) -> NDArray[np.float64]:
        """``(r', d, d)`` the generators also passed by the two-sample confirmation."""
        return self.generators[self.confirmed]

    def summary(self) -> str:
        """Several lines: the algebra, the rank tests, the generators and their confirmation."""
        alg = self.algebra
        lines = [
            f"family {alg.family.name}: constraint algebra of dimension {alg.dim}"
            f" (rtol {alg.rtol:g}, gap {alg.gap:.3g}, closure {alg.closure:.2g})",
            "  violations: " + " ".join(f"{v:.2e}" for v in alg.violations),
        ]
        lines += [f"  algebra: {lab}" for lab in alg.labels()]
        for j, lab in enumerate(self.candidate_labels):
            if np.isnan(self.p_values[j]):
                break
            lines.append(
                f"  rank test r={j + 1}: +[{lab}] stat {self.statistics[j]:.1f}"
                f" dof {self.dof[j]} p {self.p_values[j]:.3g}"
            )
        lines.append(f"{self.n_generators} distribution-preserving generator(s) at α={self.alpha}")
        for i, lab in enumerate(self.labels):
            ps = ", ".join(
                f"t={t:.3g}: p={p:.3g}"
                for t, p in zip(self.t_values[i], self.mmd_p_values[i], strict=True)
            )
            state = "confirmed" if self.confirmed[i] else "NOT confirmed"
            lines.append(f"  {lab}  [MMD {ps}] {state}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _robust_scale(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and ``1.4826 · MAD`` per feature, falling back to the std, then the largest scale."""
    center = np.median(x, axis=0)
    scale = 1.4826 * np.median(np.abs(x - center), axis=0)
    ref = max(float(np.max(np.abs(center))), float(np.max(scale)), 1e-300)
    small = scale <= 1e-9 * ref
    scale[small] = np.std(x[:, small], axis=0)
    big = max(float(np.max(scale)), 1e-300)
    scale[scale <= 1e-9 * big] = big
    return center, scale


def _test_functions(
    x: NDArray[np.float64],
    center: NDArray[np.float64],
    scale: NDArray[np.float64],
    degree: int,
    envelope: float | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values ``(n, F)`` and gradients ``(n, F, d)`` (physical coordinates) of the test functions.

    ``f_α(x) = z^α · exp(-|z|² / (2 κ²))`` with ``z = (x - center) / scale``, ``|α| <= degree``
    (``κ = envelope``; without an envelope plain monomials of degree ``1..degree``).
    """
    z = (x - center) / scale
    d = x.shape[1]
    exps = monomial_exponents(d, degree)
    if envelope is None:
        exps = exps[1:]
    poly = PolynomialSet(exps, np.eye(exps.shape[0]))
    grad = poly.gradient(z)  # (n, F, d) in z
    values = monomial_library(z, exps)  # (n, F)
    if envelope is not None:
        weight = np.exp(-np.sum(z**2, axis=1) / (2.0 * envelope**2))
        grad = (grad - values[:, :, None] * z[:, None, :] / envelope**2) * weight[:, None, None]
        values = values * weight[:, None]
    return values, grad / scale


def _broken_relations(values: NDArray[np.float64], phi: NDArray[np.float64]) -> tuple[int, int]:
    """Exact relations among test-function values on the data, and algebra directions breaking them.

    A combination ``h`` of test functions that is constant on the data (relative variance
    ``< _RELATION_RTOL``) is a constraint of the data; a direction with ``∇h·Ax ≠ 0`` moves
    events off it. Returns ``(number of relations, dimension of the breaking directions)``.
    """
    std = values.std(axis=0)
    ok = std > _ROUNDOFF_RTOL * max(float(std.max()), 1e-300)
    if not np.any(ok):
        return 0, 0
    corr = np.corrcoef(values[:, ok], rowvar=False).reshape(int(ok.sum()), int(ok.sum()))
    w, v = np.linalg.eigh(corr)
    rel = v[:, w < _RELATION_RTOL * max(float(w[-1]), 1e-300)]
    if rel.shape[1] == 0:
        return 0, 0
    scaled = phi[:, ok] / std[ok][None, :, None]  # (n, F_ok, k)
    n, f_ok, k = scaled.shape
    along = np.einsum("fh,nfk->nhk", rel, scaled).reshape(-1, k) / math.sqrt(n)
    typical = np.linalg.svd(scaled.reshape(-1, k) / math.sqrt(n * f_ok), compute_uv=False)
    broken = np.linalg.svd(along, compute_uv=False)
    return rel.shape[1], int(np.sum(broken > _BROKEN_RTOL * typical[0]))


def _inv_sqrt(cov: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(r, p)`` map ``W`` with ``W cov Wᵀ = I_r`` on the numerically nonzero eigenspace."""
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    top = float(w[-1]) if w.size else 0.0
    keep = w > _COV_RTOL * top if top > 0 else np.zeros(w.shape, dtype=bool)
    return (v[:, keep] / np.sqrt(w[keep])).T


def _hotelling(psi: NDArray[np.float64]) -> tuple[float, int, float]:
    """Hotelling test of zero mean for per-event vectors ``psi`` ``(n, p)``.

    Components of (numerically) zero variance are not counted in the degrees of freedom but a
    nonzero mean along them is penalized against ``_COV_RTOL`` times the largest variance, so
    an exactly deterministic violation still rejects. The F form
    ``T² (n - p) / (p (n - 1)) ~ F(p, n - p)`` is used (exact for Gaussian contributions).
    """
    n = psi.shape[0]
    mean = psi.mean(axis=0)
    cov = np.cov(psi, rowvar=False, ddof=1).reshape(psi.shape[1], psi.shape[1])
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    top = float(w[-1])
    if top <= 0:
        return (0.0, 0, 1.0) if np.allclose(mean, 0.0) else (math.inf, 0, 0.0)
    keep = w > _COV_RTOL * top
    proj = v.T @ mean
    t2 = n * float(np.sum(proj[keep] ** 2 / w[keep]))
    t2 += n * float(np.sum(proj[~keep] ** 2)) / (_COV_RTOL * top)
    p = int(np.sum(keep))
    if n - p < 1:
        return t2, p, float("nan")
    f_stat = t2 * (n - p) / (p * (n - 1))
    return t2, p, float(stats.f.sf(f_stat, p, n - p))


@dataclass(frozen=True)
class _Frame:
    """Whitened invariance system: per-event ``Y_n = Uᵀ W_F Φ_n W_k V`` and its pieces."""

    y: NDArray[np.float64]  # (n, F_eff, k_act), rows and columns in descending order
    w_k: NDArray[np.float64]  # (k_act, k_act) whitened direction -> active coefficients
    v_desc: NDArray[np.float64]  # (k_act, k_act) right singular vectors, descending
    singular_values: NDArray[np.float64]  # (k_act,) ascending, zero-padded

    @property
    def f_eff(self) -> int:
        return self.y.shape[1]

    @property
    def k_act(self) -> int:
        return self.y.shape[2]

    def ascending(self) -> NDArray[np.float64]:
        """``(k_act, k_act)`` candidate coefficient vectors (columns), smallest first."""
        return self.w_k @ self.v_desc[:, ::-1]

    @classmethod
    def build(cls, phi: NDArray[np.float64], cov_f: NDArray[np.float64]) -> _Frame:
        nd, _, k_act = phi.shape
        theta = np.einsum("gf,nfj->ngj", _inv_sqrt(cov_f), phi)  # (n, F_eff, k_act)
        f_eff = theta.shape[1]
        if k_act == 0:
            none = np.zeros((0, 0))
            return cls(
                y=np.zeros((nd, f_eff, 0)), w_k=none, v_desc=none, singular_values=np.zeros(0)
            )
        centred = theta - theta.mean(axis=0)
        cov_k = np.einsum("ngj,ngl->jl", centred, centred) / ((nd - 1) * max(f_eff, 1))
        ws, vs = np.linalg.eigh(cov_k)
        w_k = vs / np.sqrt(np.maximum(ws, _COV_RTOL * max(float(ws[-1]), 1e-300)))
        theta = theta @ w_k
        u, s, vt = np.linalg.svd(theta.mean(axis=0), full_matrices=True)
        s_full = np.zeros(k_act)
        s_full[: len(s)] = s
        v_desc = vt.T
        y = np.einsum("gi,ngl->nil", u, theta @ v_desc, optimize=True)
        return cls(y=y, w_k=w_k, v_desc=v_desc, singular_values=np.sort(s_full))


def _algebra_from(
    algebra: ConstraintAlgebra | LinearFamily | ArrayLike, x: NDArray[np.float64]
) -> ConstraintAlgebra:
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
    basis = _orthonormal_matrices(mats)
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


def _flow_speed_scale(
    a: NDArray[np.float64], x: NDArray[np.float64], scale: NDArray[np.float64]
) -> float:
    """``1 / median |A x / scale|``: the flow time that moves a typical event by one unit."""
    speed = np.linalg.norm((x @ a.T) / scale, axis=1)
    ref = float(np.median(np.linalg.norm(x / scale, axis=1)))
    med = float(np.median(speed))
    if med <= _ROUNDOFF_RTOL * ref:
        med = float(np.mean(speed))
    # a direction that moves (almost) no event: any t is as good as another
    return 1.0 / med if med > _ROUNDOFF_RTOL * ref else 1.0


@dataclass(frozen=True)
class FlowTest:
    """Two-sample test of a sample against its image under the flow ``x ↦ exp(tA) x``.

    Attributes
    ----------
    t_values:
        ``(m,)`` flow parameters (dimensionless; radians for a unit rotation ``J``).
    statistics, p_values:
        ``(m,)`` squared MMD and permutation p-values (see :func:`mmd_test`).
    """

    t_values: NDArray[np.float64]
    statistics: NDArray[np.float64]
    p_values: NDArray[np.float64]

    def passed(self, alpha: float) -> bool:
        """Not rejected: every p-value ``>= alpha / m`` (Bonferroni over the ``t`` values)."""
        m = len(self.p_values)
        return bool(np.all(self.p_values >= alpha / m)) if m else True


def _flow_test(
    xa: NDArray[np.float64],
    xb: NDArray[np.float64],
    generator: NDArray[np.float64],
    center: NDArray[np.float64],
    scale: NDArray[np.float64],
    t_scales: Sequence[float],
    n_permutations: int,
    seed: int,
) -> FlowTest:
    tau = _flow_speed_scale(generator, xb, scale)
    za = (xa - center) / scale
    t_vals, mmd2, pv = [], [], []
    for j, s_t in enumerate(t_scales):
        t = float(s_t) * tau
        moved = xb @ expm(t * generator).T
        stat, p = mmd_test(
            za, (moved - center) / scale, n_permutations=n_permutations, seed=seed + j
        )
        t_vals.append(t)
        mmd2.append(stat)
        pv.append(p)
    return FlowTest(np.array(t_vals), np.array(mmd2), np.array(pv))


def flow_test(
    x: ArrayLike,
    generator: ArrayLike,
    *,
    t_scales: Sequence[float] = (1.0, 2.0, 4.0),
    n_permutations: int = 500,
    max_events: int = 1000,
    seed: int = 0,
) -> FlowTest:
    """Does the flow of ``generator`` ``(d, d)`` preserve the distribution of ``x`` ``(n, d)``?

    The events are split at random into two disjoint halves ``a`` and ``b`` (at most
    ``max_events`` each); ``a`` is compared with ``exp(tA) b`` by :func:`mmd_test` in
    robust-standardized coordinates (median, ``1.4826 · MAD`` of ``x``) for
    ``t = s · τ``, ``s ∈ t_scales``, where ``τ = 1 / median |A x / scale|`` is the flow time that
    moves a typical event by one robust standard deviation (so ``t`` is meaningful for
    rotations and for non-compact boosts and dilations alike). Use :meth:`FlowTest.passed`
    to decide at a level ``α``.
    """
    x = _check_points(x, 4, "flow_test")
    a = np.asarray(generator, dtype=np.float64)
    if a.shape != (x.shape[1], x.shape[1]):
        raise DataError(f"generator must be ({x.shape[1]}, {x.shape[1]}), got {a.shape}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    half = len(x) // 2
    xa, xb = x[order[:half][:max_events]], x[order[half:][:max_events]]
    center, scale = _robust_scale(x)
    return _flow_test(xa, xb, a, center, scale, t_scales, n_permutations, seed + 1)


def distribution_generators(
    x: ArrayLike,
    algebra: ConstraintAlgebra | LinearFamily | ArrayLike,
    *,
    alpha: float = 0.01,
    degree: int = 3,
    envelope: float | None = 2.0,
    holdout: float = 0.4,
    t_scales: Sequence[float] = (1.0, 2.0, 4.0),
    n_permutations: int = 500,
    max_mmd_events: int = 1000,
    refine: int = 2,
    seed: int = 0,
) -> GeneratorResult:
    """Which generators of ``algebra`` preserve the data distribution, by a statistical test.

    The density ``p`` is invariant under the flow of ``v(x) = A x`` iff
    ``E_p[∇f(x)·A x] = 0`` for all test functions ``f``. With ``A = Σ_j c_j A_j`` over the
    algebra basis and ``F`` test functions this reads ``G c = 0`` for the ``F × k`` matrix
    ``G = E[Φ]``, ``Φ_{fj}(x) = ∇f(x)·A_j x``, estimated by the mean of the per-event ``Φ``.

    **Rank test.** A distribution-preserving subspace of dimension ``r`` means
    ``rank G = k - r``. The events are split (``holdout``). On the discovery part the
    per-event ``Φ_n`` are whitened, test functions by their covariance averaged over the
    algebra directions and directions by theirs averaged over the test functions, and the
    mean ``Θ`` is decomposed ``Θ = U S Vᵀ``. For ``r = 1, 2, …`` the Kleibergen–Paap (2006)
    rank statistic is the Hotelling ``T²`` of the per-event projections ``U_⊥ᵀ Θ_n V_r``
    (``V_r``: the ``r`` smallest right singular vectors; ``U_⊥``: the ``F - k + r`` left ones
    outside the ``k - r`` largest); under ``rank G = k - r`` it is asymptotically ``χ²`` with
    ``r (F - k + r)`` degrees of freedom. The F form of Hotelling's test is used, with the
    numerical rank of the covariance as dimension. Before each test the test-function
    whitening is re-estimated ``refine`` times from the covariance of the current ``r``
    candidates (plus 10 % of the averaged one), the efficient two-step GMM weighting: it
    sharpens the estimated generator (pp-like sample: 0.018 → 0.002 rad) and calibrates the
    p-values. The answer is the largest ``r`` such that no test ``1..r`` rejects at level
    ``alpha`` (bottom-up, stopping at the first rejection; the chance to lose a true
    generator is at most about ``r · alpha``), spanned by the ``r`` smallest whitened singular
    directions. p-values are asymptotic and come out conservative on heavy-tailed samples.

    The moments must be non-degenerate: a direction that moves events off an exact
    constraint of the data (a relation among test-function values with zero variance) makes
    the statistic jump at the true generator, so the test belongs inside the
    :func:`constraint_algebra`; such directions are detected and reported in ``notes``.

    **Confirmation.** On the held-out events, split into two disjoint halves ``a`` and ``b``
    (at most ``max_mmd_events`` each), each generator ``A`` is tested by MMD
    (:func:`mmd_test`, Gaussian kernel, median heuristic, robust-standardized coordinates)
    between ``a`` and ``exp(tA) b`` for ``t = s · τ``, ``s ∈ t_scales``, where
    ``τ = 1 / median |A x / scale|`` is the flow time that moves a typical event by one robust
    standard deviation. This makes ``t`` meaningful for compact generators (rotations: about
    ``s`` radians at unit standardized radius) and non-compact ones (boosts, dilations:
    rapidity or log-scale shifts of order ``s``) alike. A generator is confirmed when every
    p-value is ``>= alpha / len(t_scales)`` (Bonferroni). The MMD guards against gross
    errors; it is much less powerful than the rank test against mild anisotropies.

    Parameters
    ----------
    x:
        Events ``(n, d)`` in physical units.
    algebra:
        A :class:`ConstraintAlgebra`, a :class:`LinearFamily` (its whole span), or matrices
        ``(k, d, d)`` (orthonormalized, described in ``gl(d)`` names).
    alpha:
        Level of every test.
    degree, envelope:
        Test functions ``z^α exp(-|z|²/(2κ²))`` for ``|α| <= degree`` on robust-standardized
        ``z = (x - median) / (1.4826 MAD)``, ``κ = envelope``; the Gaussian envelope makes
        each per-event contribution bounded, so heavy-tailed features (GeV spectra) do not
        spoil the central limit theorem behind the test. ``envelope=None`` uses plain
        monomials of degree ``1..degree``.
    holdout:
        Fraction of events kept for the confirmation.
    t_scales:
        Flow times of the confirmation in units of ``τ``.
    n_permutations:
        Permutations per MMD test (at least ``len(t_scales) / alpha`` to be able to reject).
    max_mmd_events:
        At most this many events in each MMD sample (random subset).
    refine:
        Re-whitening steps before each rank test (0: averaged whitening only).
    seed:
        Seed of the split, subsets and permutations.

    Returns
    -------
    GeneratorResult
    """
    x = _check_points(x, MIN_EVENTS_DISTRIBUTION, "distribution_generators")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    alg = _algebra_from(algebra, x)
    fam = alg.family
    n, d = x.shape
    notes: list[str] = []
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_hold = max(4, round(holdout * n))
    disc, held = x[order[n_hold:]], x[order[:n_hold]]
    if not np.any(np.ptp(disc, axis=0) > 0):
        raise DataError("distribution_generators: all events are identical")
    center, scale = _robust_scale(disc)

    k = alg.dim
    empty = np.zeros((0, d, d))
    if k == 0:
        return GeneratorResult(
            algebra=alg,
            generators=empty,
            labels=(),
            candidates=empty,
            candidate_labels=(),
            singular_values=np.zeros(0),
            statistics=np.zeros(0),
            dof=np.zeros(0, dtype=np.int64),
            p_values=np.zeros(0),
            alpha=alpha,
            t_values=np.zeros((0, len(t_scales))),
            mmd_statistics=np.zeros((0, len(t_scales))),
            mmd_p_values=np.zeros((0, len(t_scales))),
            confirmed=np.zeros(0, dtype=bool),
            n_trivial=0,
            n_test_functions=0,
            n_discovery=len(disc),
            n_holdout=len(held),
            notes=("the algebra is empty",),
        )

    # per-event invariance contributions Φ_n (n, F, k)
    values, grad = _test_functions(disc, center, scale, degree, envelope)
    moved = np.einsum("jab,nb->nja", alg.basis, disc)  # (n, k, d): A_j x_n
    phi = np.einsum("nfa,nja->nfj", grad, moved)
    n_rel, n_broken = _broken_relations(values, phi)
    if n_broken:
        notes.append(
            f"{n_broken} algebra direction(s) move events off exact relations that the data obey"
            f" ({n_rel} found among the test functions): the invariance moments are degenerate"
            " there and the rank test unreliable; restrict the algebra with constraint_algebra"
        )
    # unit RMS per test function; functions the algebra moves only at round-off level are
    # dropped (normalizing them would turn round-off into a spurious, non-random signal)
    rms = np.sqrt(np.mean(phi**2, axis=(0, 2)))
    live = rms > _ROUNDOFF_RTOL * max(float(rms.max()), 1e-300)
    phi = phi[:, live] / rms[live][None, :, None]
    nd = phi.shape[0]

    # algebra directions that move no event are trivially distribution-preserving
    moment = np.einsum("nja,nla->jl", moved / scale, moved / scale) / nd
    wk, vk = np.linalg.eigh(moment)
    active = wk > _COV_RTOL * max(float(wk[-1]), 1e-300)
    trivial = vk[:, ~active]  # (k, k0) coefficient vectors
    n_trivial = trivial.shape[1]
    phi = phi @ vk[:, active]  # (n, F, k_act) in the active coordinates
    k_act = phi.shape[2]

    # whitening: test functions by their covariance averaged over directions and vice versa
    cov_avg = np.zeros((phi.shape[1], phi.shape[1]))
    for j in range(k_act):
        cov_avg += np.cov(phi[:, :, j], rowvar=False).reshape(cov_avg.shape)
    cov_avg /= max(k_act, 1)
    frame = _Frame.build(phi, cov_avg)
    f_eff = frame.f_eff
    if f_eff < k_act:
        notes.append(
            f"only {f_eff} effective test functions for {k_act} algebra directions:"
            " raise degree for a complete test"
        )
    first = frame

    stat = np.full(k_act, np.nan)
    dof = np.zeros(k_act, dtype=np.int64)
    pval = np.full(k_act, np.nan)
    r_hat = 0
    accepted = frame
    for r in range(1, k_act + 1):
        # re-whiten with the covariance of the r candidate directions themselves (two-step
        # GMM): components their contributions hardly vary in then weigh as they do in the test
        for _ in range(refine):
            cand_cov = np.zeros_like(cov_avg)
            for c in frame.ascending()[:, :r].T:
                cc = np.cov(phi @ c, rowvar=False).reshape(cov_avg.shape)
                cand_cov += cc / max(float(np.trace(cc)), 1e-300)
            cand_cov = cand_cov / r + _REFINE_RIDGE * cov_avg / float(np.trace(cov_avg))
            frame = _Frame.build(phi, cand_cov)
        q = frame.k_act - r
        psi = frame.y[:, q:, q:].reshape(nd, -1)
        if psi.shape[1] == 0 or 2 * psi.shape[1] > nd:
            notes.append(
                f"rank test r={r} not run: {psi.shape[1]} dimensions need at least"
                f" {2 * psi.shape[1]} discovery events, have {nd}"
            )
            break
        stat[r - 1], dof[r - 1], pval[r - 1] = _hotelling(psi)
        if not pval[r - 1] >= alpha:
            break
        r_hat = r
        accepted = frame
    s_full = first.singular_values

    # candidates in algebra coefficients, ascending singular value (frame of the last accepted
    # test, so the first r_hat span the accepted subspace)
    coef = vk[:, active] @ accepted.ascending()  # (k, k_act)
    cand = np.tensordot(coef.T, alg.basis, axes=(1, 0))
    cand = cand / np.linalg.norm(cand, axis=(1, 2), keepdims=True)
    for c in cand:
        c *= np.sign(fam.coefficients(c)[np.argmax(np.abs(fam.coefficients(c)))]) or 1.0
    triv = np.tensordot(trivial.T, alg.basis, axes=(1, 0)) if n_trivial else empty
    gens = _orthonormal_matrices(np.concatenate([triv, cand[:r_hat]]))
    for g in gens:
        g *= np.sign(fam.coefficients(g)[np.argmax(np.abs(fam.coefficients(g)))]) or 1.0
    if n_trivial:
        notes.append(f"{n_trivial} algebra direction(s) move no event (trivial symmetries)")

    # confirmation on held-out events: two disjoint halves, a vs exp(tA) b
    half = len(held) // 2
    held_a, held_b = held[:half], held[half:]
    if len(held_a) > max_mmd_events:
        held_a = held_a[rng.choice(len(held_a), max_mmd_events, replace=False)]
    if len(held_b) > max_mmd_events:
        held_b = held_b[rng.choice(len(held_b), max_mmd_events, replace=False)]
    m = len(t_scales)
    if n_permutations + 1 < m / alpha:
        notes.append(
            f"{n_permutations} permutations cannot reach p < alpha/{m}: raise n_permutations"
        )
    flows = [
        _flow_test(held_a, held_b, g, center, scale, t_scales, n_permutations, seed + 1 + m * i)
        for i, g in enumerate(gens)
    ]
    t_vals = np.array([f.t_values for f in flows]).reshape(len(gens), m)
    mmd_stat = np.array([f.statistics for f in flows]).reshape(len(gens), m)
    mmd_p = np.array([f.p_values for f in flows]).reshape(len(gens), m)
    confirmed = np.array([f.passed(alpha) for f in flows], dtype=bool)

    return GeneratorResult(
        algebra=alg,
        generators=gens,
        labels=tuple(fam.describe(g) for g in gens),
        candidates=cand,
        candidate_labels=tuple(fam.describe(c) for c in cand),
        singular_values=s_full,
        statistics=stat,
        dof=dof,
        p_values=pval,
        alpha=alpha,
        t_values=t_vals,
        mmd_statistics=mmd_stat,
        mmd_p_values=mmd_p,
        confirmed=np.asarray(confirmed, dtype=bool),
        n_trivial=n_trivial,
        n_test_functions=f_eff,
        n_discovery=nd,
        n_holdout=len(held),
        notes=tuple(notes),
    )


def find_generators(
    x: ArrayLike,
    constraints: PolynomialSet | Sequence[PolynomialSet] | None = None,
    family: LinearFamily | str | None = None,
    *,
    rtol: float = 1e-3,
    dim: int | None = None,
    alpha: float = 0.01,
    degree: int = 3,
    envelope: float | None = 2.0,
    holdout: float = 0.4,
    t_scales: Sequence[float] = (1.0, 2.0, 4.0),
    n_permutations: int = 500,
    max_mmd_events: int = 1000,
    refine: int = 2,
    seed: int = 0,
) -> GeneratorResult:
    """:func:`constraint_algebra` of ``family`` then its part that preserves the distribution.

    ``rtol`` and ``dim`` go to :func:`constraint_algebra`, the rest to
    :func:`distribution_generators`.
    """
    alg = constraint_algebra(x, constraints, family, rtol=rtol, dim=dim)
    return distribution_generators(
        x,
        alg,
        alpha=alpha,
        degree=degree,
        envelope=envelope,
        holdout=holdout,
        t_scales=t_scales,
        n_permutations=n_permutations,
        max_mmd_events=max_mmd_events,
        refine=refine,
        seed=seed,
    )


# --------------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorScore:
    """Found generators against analytic truth.

    Attributes
    ----------
    n_found, n_expected:
        Dimensions of the two spans.
    distance:
        Grassmann distance (radians) over the ``min(n_found, n_expected)`` principal angles.
    angles:
        The principal angles (radians, ascending).
    """

    n_found: int
    n_expected: int
    distance: float
    angles: NDArray[np.float64]

    @property
    def dimension_match(self) -> bool:
        """Whether as many generators were found as expected."""
        return self.n_found == self.n_expected


def score_generators(
    found: ArrayLike, expected: ArrayLike, scale: ArrayLike | None = None
) -> GeneratorScore:
    """Compare the spans of found and expected generators ``(r, d, d)`` and ``(m, d, d)``.

    Matrices are flattened to vectors of ``R^{d²}`` with the Frobenius inner product. With
    ``scale`` ``(d,)`` (per-feature standard deviations) they are first expressed in
    standardized coordinates, ``A ↦ diag(1/scale) A diag(scale)``, which makes the score
    independent of the units of each feature; for four-vectors in GeV every feature has the
    same unit and the Lorentz generators are unit-free, so the physical coordinates (the
    default) are the natural ones.
    """
    f = np.asarray(found, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if f.ndim == 2:
        f = f[None]
    if e.ndim == 2:
        e = e[None]
    if f.shape[1:] != e.shape[1:]:
        raise ValueError(f"generators of different sizes: {f.shape} vs {e.shape}")
    if scale is not None:
        sc = np.asarray(scale, dtype=np.float64)
        f = f * sc[None, None, :] / sc[None, :, None]
        e = e * sc[None, None, :] / sc[None, :, None]
    nf = _orthonormal_matrices(f).shape[0] if len(f) else 0
    ne = _orthonormal_matrices(e).shape[0] if len(e) else 0
    a = f.reshape(len(f), -1).T
    b = e.reshape(len(e), -1).T
    return GeneratorScore(
        n_found=nf,
        n_expected=ne,
        distance=grassmann_distance(a, b),
        angles=principal_angles(a, b),
    )
