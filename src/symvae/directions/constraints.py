"""Hidden relations ``g(x) = 0`` among the features: discovery, parsing and scoring.

A relation is a polynomial of degree at most 2 in the *physical* features (GeV for
four-momenta) that vanishes on every event: momentum conservation ``px_1 + px_2 = 0``, a
fixed energy sum ``E_1 + E_2 = 91.19``, a mass shell ``E_1² − |p_1|² = m²``. All of them live
in one coefficient space, the span of the monomials of degree ≤ 2
(:func:`~symvae.directions.polynomials.monomial_exponents`), and the relations a dataset
obeys form a linear subspace of it: the null space of the monomial library evaluated on the
events.

Relative residual
-----------------
A polynomial ``g = Σ_j c_j φ_j`` (monomials ``φ_j``) is scored on ``n`` points by

    r(g) = RMS_n g(x) / RMS_n ‖(c_j φ_j(x))_j‖,

the RMS of ``g`` over the RMS of the Euclidean norm of its terms: how far the terms
cancel. It is dimensionless, invariant under a change of units of any feature and under
rescaling ``g``; it is 0 for an exact relation, of order 1 for a generic polynomial, and
for features rounded to float32 an exact relation sits at the rounding level ``≲ 1e-7``
however large the cancelling terms are (``E² − p_z²`` of a 5 TeV muon). With every library
column divided by its RMS (``s_j = RMS φ_j``), ``r`` is the Rayleigh quotient
``‖Ψ c̃‖ / (√n ‖c̃‖)`` of the normalized library ``Ψ = Φ / s`` at the normalized
coefficients ``c̃ = c · s``, so the singular values of ``Ψ`` over ``√n`` *are* the residual
spectrum: the ``k``-th smallest is the best residual any polynomial orthogonal to the first
``k − 1`` singular directions can reach.

Decision rule and minimal set
-----------------------------
A direction is a constraint when its relative residual is below ``tolerance``. The default
:data:`DEFAULT_TOLERANCE` ``= 1e-6`` is not tuned per dataset but set by number formats:
about 16 float32 unit round-offs (``2⁻²⁴ ≈ 6e-8``). Exact relations sit near ``1e-15`` in
float64 data and below ``1e-7`` (measured ``≤ 7e-8`` for e⁺e⁻ → μμ, pp → μμ at 13 TeV and
RAMBO) once the features were stored as float32, while physical approximations sit well
above: the best quadratic combination under initial-state radiation at ``√s = 91`` GeV
``1e-5 … 3e-4`` (more points include harder photons), the Z line shape in CMS dimuons
``7e-2``, a 1 % wide ring ``1.5e-2``. The result keeps the whole spectrum and the *gap*, the
ratio between the smallest rejected and the largest accepted residual, so the separation is
visible; float64 data deserve a smaller ``tolerance`` when approximate relations must be
kept out that hold to better than ``1e-6``.

1. *Linear constraints*: the null space of the degree-≤1 library ``[1, x]`` (the SVD of the
   features with a constant column), in reduced row-echelon form with pivots chosen in
   feature order (each constraint is solved for its first feature; the *pivot* features are
   eliminated, the others are *free*).
2. *New quadratic constraints*: every product of a linear constraint with a monomial of
   degree ≤ 1 vanishes too, but carries no new information. Modulo those products every
   polynomial reduces to one in the free features only (substitute the linear constraints),
   so the new quadratics are the null space of the degree-≤2 library of the free features,
   again in reduced row-echelon form (graded order: degree 2 first, then feature order).
   This is the degree-2 part of a reduced Gröbner basis: for e⁺e⁻ → μμ at fixed ``√s`` the
   mass shell of muon 2 appears as ``px_2² + py_2² + pz_2² = |p|²`` because ``E_2`` is a
   fixed number there.
3. *Null space*: the null space of the full degree-≤2 library at the same tolerance, whose
   dimension must equal the number of products plus the new quadratics
   (:attr:`ConstraintResult.consistent`).

Each reported constraint is then *polished*: terms whose removal (with the others refitted
by least squares) at most doubles its residual are dropped, which snaps round-off noise to
exact zeros, and it is scaled so that its pivot term has coefficient 1.

Analytic constraints and scoring
--------------------------------
:func:`parse_constraints` turns equations in feature names (``"E_1^2 - px_1^2 - py_1^2 -
pz_1^2 = 0.011164"``) into a :class:`PolynomialSet`. :func:`close_constraints` closes such a
list at degree 2 exactly as the data side is closed (products of every linear polynomial in
the span with every monomial of degree ≤ 1, until the span stops growing: for e⁺e⁻ → μμ the
mass shells and the conservation laws imply ``E_1 = E_2``), and :func:`score_constraints`
compares the closed span with the data's null space by principal angles in the normalized
coefficient space. :func:`score_candidates` measures how well proposed relations (the Z
mass shell of a dimuon sample) hold on data.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.directions.polynomials import (
    PolynomialSet,
    monomial_exponents,
    monomial_library,
    monomial_names,
)
from symvae.directions.subspaces import orthonormal_basis, principal_angles
from symvae.errors import ConfigError, DataError

__all__ = [
    "DEFAULT_MAX_POINTS",
    "DEFAULT_TOLERANCE",
    "CandidateRelation",
    "ConstraintResult",
    "ConstraintScore",
    "Relation",
    "close_constraints",
    "find_constraints",
    "format_equation",
    "parse_constraint",
    "parse_constraints",
    "relative_residual",
    "score_candidates",
    "score_constraints",
]

#: Default relative-residual tolerance below which a polynomial counts as a constraint.
DEFAULT_TOLERANCE = 1e-6
#: Default number of points used; larger samples are subsampled deterministically.
DEFAULT_MAX_POINTS = 20_000

#: A monomial becomes a pivot of the row-echelon form only if its row of the orthonormal
#: null-space basis keeps at least this norm after projecting out the earlier pivots;
#: weaker candidates would divide round-off by a tiny number.
_PIVOT_TOL = 1e-3
#: Rank tolerance of the exact (analytic) span computations.
_ANALYTIC_RTOL = 1e-9
#: Most closure rounds of :func:`close_constraints` (each adds linear consequences).
_MAX_CLOSURE_ROUNDS = 20
#: Polishing drops terms while the refitted residual stays within this factor (plus a
#: float64 round-off floor) of the unpolished one.
_POLISH_FACTOR = 2.0
_POLISH_FLOOR = 1e-14
#: Rejected directions (approximate relations) drop terms, without refitting, while the
#: residual stays within this factor of the singular direction's.
_NEAR_FACTOR = 1.1


# ---------------------------------------------------------------------------------------
# helpers: residuals, normalization, formatting
# ---------------------------------------------------------------------------------------


def _degrees(exponents: NDArray[np.int64]) -> NDArray[np.int64]:
    return exponents.sum(axis=1)


def _column_scales(library: NDArray[np.float64]) -> NDArray[np.float64]:
    """RMS of every library column; 1 for an identically zero column."""
    s = np.sqrt(np.mean(library**2, axis=0))
    s[~(s > 0)] = 1.0
    return s


def relative_residual(polynomials: PolynomialSet, x: ArrayLike) -> NDArray[np.float64]:
    """Relative residual of every polynomial on the points ``x``.

    Parameters
    ----------
    polynomials:
        ``k`` polynomials in ``d`` variables, coefficients in physical units.
    x:
        ``(n, d)`` points in physical units.

    Returns
    -------
    ``(k,)`` values ``RMS_n g(x) / RMS_n ‖(c_j φ_j(x))_j‖`` (dimensionless; 0 for an exact
    relation, including a polynomial whose terms all vanish on the points).
    """
    lib = monomial_library(x, polynomials.exponents)
    g = lib @ polynomials.coefficients.T
    terms = np.mean(lib**2, axis=0) @ (polynomials.coefficients.T**2)
    num = np.mean(g**2, axis=0)
    return np.sqrt(np.divide(num, terms, out=np.zeros_like(num), where=terms > 0))


def _format_number(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text


def format_equation(
    coefficients: ArrayLike, exponents: ArrayLike, names: Sequence[str], digits: int = 4
) -> str:
    """A readable equation ``"E_1^2 - px_1^2 - py_1^2 - pz_1^2 = 0.01116"`` of one polynomial.

    Parameters
    ----------
    coefficients:
        ``(m,)`` coefficients of the polynomial (physical units).
    exponents:
        ``(m, d)`` exponents of its monomials.
    names:
        ``d`` feature names.
    digits:
        Significant digits of every printed coefficient.

    Terms are printed by decreasing degree (feature order within a degree), exact zeros are
    left out, a coefficient that rounds to ±1 is not printed, and the constant goes to the
    right-hand side.
    """
    c = np.asarray(coefficients, dtype=np.float64).ravel()
    e = np.asarray(exponents, dtype=np.int64)
    labels = monomial_names(e, names)
    deg = _degrees(e)
    order = sorted(range(len(c)), key=lambda j: (-deg[j], j))
    lhs: list[str] = []
    rhs = 0.0
    for j in order:
        if c[j] == 0.0:
            continue
        if deg[j] == 0:
            rhs -= c[j]
            continue
        mag = _format_number(abs(c[j]), digits)
        term = labels[j] if mag == "1" else f"{mag}*{labels[j]}"
        sign = "-" if c[j] < 0 else "+"
        lhs.append(("-" + term if sign == "-" else term) if not lhs else f"{sign} {term}")
    left = " ".join(lhs) if lhs else "0"
    right = _format_number(rhs, digits) if rhs != 0.0 else "0"
    return f"{left} = {right}"


def _table_index(exponents: NDArray[np.int64]) -> dict[tuple[int, ...], int]:
    return {tuple(row): j for j, row in enumerate(exponents.tolist())}


def _to_table(poly: PolynomialSet, exponents: NDArray[np.int64], what: str) -> NDArray[np.float64]:
    """Coefficients ``(k, m)`` of ``poly`` re-expressed on the exponent table ``exponents``."""
    if poly.n_variables != exponents.shape[1]:
        raise ValueError(
            f"{what}: polynomials in {poly.n_variables} variables, expected {exponents.shape[1]}"
        )
    index = _table_index(exponents)
    out = np.zeros((poly.n_polynomials, exponents.shape[0]))
    for j, row in enumerate(poly.exponents.tolist()):
        col = poly.coefficients[:, j]
        if tuple(row) in index:
            out[:, index[tuple(row)]] += col
        elif np.any(col != 0.0):
            raise ValueError(
                f"{what}: monomial {row} lies outside the degree-{_max_deg(exponents)} table"
            )
    return out


def _max_deg(exponents: NDArray[np.int64]) -> int:
    return int(_degrees(exponents).max()) if exponents.size else 0


# ---------------------------------------------------------------------------------------
# the data side
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spectrum:
    """SVD of a normalized library: residual spectrum and singular directions (ascending)."""

    residuals: NDArray[np.float64]  # (m,) singular values / sqrt(n), ascending
    vectors: NDArray[np.float64]  # (m, m) right singular vectors as columns, same order

    @property
    def compressed(self) -> NDArray[np.float64]:
        """``A`` ``(m, m)`` with ``‖A c̃‖ = ‖Ψ c̃‖ / √n`` for every normalized ``c̃``."""
        return self.residuals[:, None] * self.vectors.T

    def count(self, tolerance: float) -> int:
        return int(np.sum(self.residuals < tolerance))


def _spectrum(psi: NDArray[np.float64]) -> _Spectrum:
    """Residual spectrum of a normalized library ``(n, m)`` with ``n >= m``."""
    n = psi.shape[0]
    _, s, vt = np.linalg.svd(psi, full_matrices=False)
    order = np.argsort(s, kind="stable")
    return _Spectrum(residuals=s[order] / math.sqrt(n), vectors=vt.T[:, order])


def _rref(
    basis: NDArray[np.float64], order: Sequence[int]
) -> tuple[NDArray[np.float64], list[int]]:
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


def _polish(
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


def _leading(row: NDArray[np.float64], order: Sequence[int], rel: float = 0.1) -> int:
    """First monomial in ``order`` whose normalized coefficient is ≥ ``rel`` of the largest."""
    mag = np.abs(row)
    top = mag.max()
    for j in order:
        if mag[j] >= rel * top:
            return j
    return int(np.argmax(mag))


@dataclass(frozen=True)
class Relation:
    """One polynomial relation with its readable form and how well it holds.

    Attributes
    ----------
    equation:
        Readable equation in feature names, e.g. ``"E_1 + E_2 = 91.19"``.
    residual:
        Relative residual on the points (see the module docstring).
    polynomial:
        The polynomial (one row, physical units), scaled so that its leading term has
        coefficient 1.
    """

    equation: str
    residual: float
    polynomial: PolynomialSet

    @property
    def degree(self) -> int:
        """Highest degree of a term with a nonzero coefficient."""
        nz = self.polynomial.coefficients[0] != 0.0
        return int(_degrees(self.polynomial.exponents)[nz].max()) if nz.any() else 0


@dataclass(frozen=True)
class ConstraintResult:
    """Polynomial relations found in a dataset by :func:`find_constraints`.

    All polynomials share the exponent table ``exponents`` ``(m, d)`` (graded, degree ≤
    ``degree``) and have coefficients in physical units.

    Attributes
    ----------
    names:
        ``d`` feature names.
    degree:
        Largest degree searched (1 or 2).
    tolerance:
        Relative-residual threshold of the decision.
    n_points:
        Number of points used (after subsampling).
    exponents:
        ``(m, d)`` exponent table of every polynomial below.
    scales:
        ``(m,)`` RMS of every monomial on the points: the normalization ``c̃ = c · scales``
        in which spans are compared and residuals are Rayleigh quotients.
    linear:
        The minimal linear constraints ``(k_lin, m)``, reduced row-echelon form.
    quadratic:
        The new quadratic constraints ``(k_quad, m)``, reduced modulo the products of the
        linear constraints with monomials of degree ≤ 1 (polynomials in the free features).
    null_space:
        ``(k_null, m)`` basis of the full null space of the degree-≤``degree`` library at
        ``tolerance`` (orthonormal in normalized coefficients).
    relations:
        The minimal constraints (linear, then quadratic) as :class:`Relation`.
    near:
        The next few smallest directions beyond the accepted ones, from the linear and the
        reduced quadratic spectrum, as :class:`Relation` sorted by residual: approximate
        relations (a ring of finite width, conservation broken by radiation).
    spectrum:
        ``(m,)`` ascending residual spectrum of the full library (singular values of the
        normalized library over ``√n``).
    linear_spectrum:
        ``(d + 1,)`` residual spectrum of the degree-≤1 library.
    quotient_spectrum:
        Residual spectrum of the degree-≤2 library of the free features (empty for
        ``degree = 1``).
    singular_vectors:
        ``(m, m)`` right singular vectors of the normalized full library, columns in the
        order of ``spectrum``.
    free_features:
        Names of the features left free by the linear constraints.
    gap:
        ``spectrum[k] / spectrum[k - 1]`` at ``k = k_null``: smallest rejected over largest
        accepted residual (``nan`` when nothing or everything is accepted).
    consistent:
        Whether ``k_null`` equals the number of linear constraints, their products with
        monomials of degree ≤ 1 and the new quadratics, i.e. the tolerance decides the same
        way on the full and the reduced library.
    """

    names: tuple[str, ...]
    degree: int
    tolerance: float
    n_points: int
    exponents: NDArray[np.int64]
    scales: NDArray[np.float64]
    linear: PolynomialSet
    quadratic: PolynomialSet
    null_space: PolynomialSet
    relations: tuple[Relation, ...]
    near: tuple[Relation, ...]
    spectrum: NDArray[np.float64]
    linear_spectrum: NDArray[np.float64]
    quotient_spectrum: NDArray[np.float64]
    singular_vectors: NDArray[np.float64]
    free_features: tuple[str, ...]
    gap: float
    consistent: bool

    @property
    def n_linear(self) -> int:
        """Number of minimal linear constraints."""
        return self.linear.n_polynomials

    @property
    def n_quadratic(self) -> int:
        """Number of new quadratic constraints."""
        return self.quadratic.n_polynomials

    @property
    def n_constraints(self) -> int:
        """Size of the minimal set (for a complete intersection: ``d`` minus the dof)."""
        return self.n_linear + self.n_quadratic

    @property
    def constraints(self) -> PolynomialSet:
        """The minimal set, linear then quadratic, as one :class:`PolynomialSet`."""
        return PolynomialSet(
            self.exponents, np.vstack([self.linear.coefficients, self.quadratic.coefficients])
        )

    @property
    def equations(self) -> list[str]:
        """Readable equations of the minimal set."""
        return [r.equation for r in self.relations]

    @property
    def residuals(self) -> NDArray[np.float64]:
        """Relative residuals of the minimal set."""
        return np.array([r.residual for r in self.relations])

    def residual_of(self, polynomials: PolynomialSet) -> NDArray[np.float64]:
        """Relative residuals ``(k,)`` of any polynomials of degree ≤ ``degree`` on the points.

        Computed from the stored SVD (exactly the residual on the points used).
        """
        c = _to_table(polynomials, self.exponents, "residual_of") * self.scales
        a = self.spectrum[:, None] * self.singular_vectors.T
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.linalg.norm(c @ a.T, axis=1) / np.linalg.norm(c, axis=1)

    def summary(self, width: int = 120) -> str:
        """A few lines: the minimal constraints with residuals, the gap, the near misses.

        Approximate relations longer than ``width`` characters are cut.
        """
        lines = [
            f"{self.n_linear} linear + {self.n_quadratic} quadratic constraints on "
            f"{self.n_points} points (tolerance {self.tolerance:.0e}, gap {self.gap:.3g})"
        ]
        lines += [f"  {r.equation}    (residual {r.residual:.2e})" for r in self.relations]
        if self.near:
            lines.append("nearest rejected:")
            for r in self.near:
                eq = r.equation if len(r.equation) <= width else r.equation[: width - 4] + " ..."
                lines.append(f"  {eq}    (residual {r.residual:.2e})")
        if not self.consistent:
            lines.append("warning: full and reduced library disagree on the null-space size")
        return "\n".join(lines)


def _validate(
    x: ArrayLike, names: Sequence[str] | None
) -> tuple[NDArray[np.float64], tuple[str, ...]]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise DataError(f"constraint search: features must be (n, d), got shape {arr.shape}")
    d = arr.shape[1]
    if names is None:
        names = [f"x_{i + 1}" for i in range(d)]
    names = tuple(str(n) for n in names)
    if len(names) != d:
        raise DataError(f"constraint search: {len(names)} feature names for {d} columns")
    if len(set(names)) != d:
        raise DataError(f"constraint search: duplicate feature names in {list(names)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        cols = [names[j] for j in np.flatnonzero(bad.any(axis=0))]
        raise DataError(
            f"constraint search: features contain {int(bad.sum())} NaN/inf values "
            f"(columns {', '.join(cols)})"
        )
    return arr, names


def _subsample(x: NDArray[np.float64], max_points: int | None, seed: int) -> NDArray[np.float64]:
    if max_points is None or x.shape[0] <= max_points:
        return x
    idx = np.sort(np.random.default_rng(seed).choice(x.shape[0], size=max_points, replace=False))
    return x[idx]


def _relations(
    rows_norm: NDArray[np.float64],
    pivots: Sequence[int],
    cols: NDArray[np.int64],
    scales: NDArray[np.float64],
    exponents: NDArray[np.int64],
    names: Sequence[str],
    x: NDArray[np.float64],
    compressed: NDArray[np.float64],
    digits: int,
) -> tuple[NDArray[np.float64], list[Relation]]:
    """Polish normalized rows on the sub-library ``cols`` and turn them into relations."""
    m = exponents.shape[0]
    phys = np.zeros((len(pivots), m))
    out: list[Relation] = []
    for i, p in enumerate(pivots):
        row = _polish(rows_norm[i], int(p), compressed)
        c = np.zeros(m)
        c[cols] = row / scales[cols]
        c /= c[cols[p]]  # leading (pivot) term has coefficient 1 in physical units
        poly = PolynomialSet(exponents, c[None, :])
        res = float(relative_residual(poly, x)[0])
        out.append(Relation(format_equation(c, exponents, names, digits), res, poly))
        phys[i] = c
    return phys, out


def _near(
    spec: _Spectrum,
    start: int,
    n_near: int,
    cols: NDArray[np.int64],
    order: Sequence[int],
    scales: NDArray[np.float64],
    exponents: NDArray[np.int64],
    names: Sequence[str],
    x: NDArray[np.float64],
    digits: int,
) -> list[Relation]:
    """The ``n_near`` smallest rejected directions of a sub-library spectrum, polished."""
    out: list[Relation] = []
    a = spec.compressed
    for i in range(start, min(start + n_near, len(spec.residuals))):
        v = spec.vectors[:, i]
        lead = _leading(v, order)
        row = _polish(v / v[lead], lead, a, refit=False)
        c = np.zeros(exponents.shape[0])
        c[cols] = row / scales[cols]
        c /= c[cols[lead]]
        if not np.any(c[_degrees(exponents) > 0]):
            continue  # the constant alone: no relation among the features
        poly = PolynomialSet(exponents, c[None, :])
        res = float(relative_residual(poly, x)[0])
        out.append(Relation(format_equation(c, exponents, names, digits), res, poly))
    return out


def _n_products(d: int, n_linear: int) -> int:
    """Dimension of the span of {linear constraint × monomial of degree ≤ 1}.

    With linear constraints in row-echelon form (``n_linear`` pivot features), the leading
    monomials of the products are the pivots and every degree-2 monomial containing one.
    """
    free = d - n_linear
    return n_linear + (d * (d + 1) - free * (free + 1)) // 2


def find_constraints(
    x: ArrayLike,
    names: Sequence[str] | None = None,
    *,
    degree: int = 2,
    tolerance: float = DEFAULT_TOLERANCE,
    max_points: int | None = DEFAULT_MAX_POINTS,
    seed: int = 0,
    n_near: int = 3,
    digits: int = 4,
) -> ConstraintResult:
    """Find the polynomial relations of degree ≤ ``degree`` that the points obey.

    Parameters
    ----------
    x:
        ``(n, d)`` features in physical units (e.g. ``E, px, py, pz`` per particle in GeV),
        *not* standardized: coefficients come out in these units.
    names:
        ``d`` feature names used in the equations (default ``x_1 … x_d``).
    degree:
        1 (linear constraints only) or 2.
    tolerance:
        Largest relative residual of a constraint (see the module docstring for the
        residual and for why :data:`DEFAULT_TOLERANCE` separates round-off from physics).
    max_points:
        At most this many points are used, a uniform subsample drawn with ``seed``
        (``None``: all).
    seed:
        Seed of the subsample.
    n_near:
        Number of rejected directions reported as approximate relations, per stage.
    digits:
        Significant digits of the printed equations.

    Returns
    -------
    ConstraintResult

    Raises
    ------
    DataError
        For NaN/inf values, a shape that does not match ``names``, or fewer points than
        monomials of degree ≤ ``degree`` (``C(d + degree, degree)``).
    """
    if degree not in (1, 2):
        raise ValueError(f"degree must be 1 or 2, got {degree}")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")
    arr, names = _validate(x, names)
    arr = _subsample(arr, max_points, seed)
    n, d = arr.shape
    exps = monomial_exponents(d, degree)
    m = exps.shape[0]
    if n < m:
        raise DataError(
            f"constraint search: {n} points for {m} monomials of degree <= {degree} in {d} "
            f"features; need at least {m} points"
        )
    deg = _degrees(exps)
    lib = monomial_library(arr, exps)
    scales = _column_scales(lib)
    psi = lib / scales
    full = _spectrum(psi)
    k_null = full.count(tolerance)

    # 1. linear constraints: the degree-<=1 library (constant first, then features)
    lin_cols = np.flatnonzero(deg <= 1)
    lin = _spectrum(psi[:, lin_cols])
    k_lin = lin.count(tolerance)
    var_order = list(range(1, d + 1))  # positions of x_1..x_d within lin_cols
    rows, piv = _rref(lin.vectors[:, :k_lin], var_order)
    lin_phys, lin_rel = _relations(
        rows, piv, lin_cols, scales, exps, names, arr, lin.compressed, digits
    )
    pivot_features = {int(exps[lin_cols[p]].argmax()) for p in piv if lin_cols[p] != 0}
    free = [i for i in range(d) if i not in pivot_features]
    near = _near(lin, k_lin, n_near, lin_cols, var_order, scales, exps, names, arr, digits)

    # 2. new quadratics: the degree-<=2 library of the free features
    quad_phys = np.zeros((0, m))
    quad_rel: list[Relation] = []
    quot_res = np.zeros(0)
    k_quad = 0
    if degree == 2:
        pivot_mask = np.zeros(d, dtype=bool)
        pivot_mask[list(pivot_features)] = True
        q_cols = np.flatnonzero(~(exps[:, pivot_mask] > 0).any(axis=1))
        quot = _spectrum(psi[:, q_cols])
        quot_res = quot.residuals
        k_quad = quot.count(tolerance)
        q_deg = deg[q_cols]
        q_order = sorted(range(len(q_cols)), key=lambda j: (-q_deg[j], j))
        q_order = [j for j in q_order if q_deg[j] > 0]
        rows, piv = _rref(quot.vectors[:, :k_quad], q_order)
        quad_phys, quad_rel = _relations(
            rows, piv, q_cols, scales, exps, names, arr, quot.compressed, digits
        )
        near += _near(quot, k_quad, n_near, q_cols, q_order, scales, exps, names, arr, digits)
    near.sort(key=lambda r: r.residual)

    expected = _n_products(d, k_lin) + k_quad if degree == 2 else k_lin
    res = full.residuals
    gap = float(res[k_null] / res[k_null - 1]) if 0 < k_null < m else math.nan
    null_norm = full.vectors[:, :k_null]
    return ConstraintResult(
        names=names,
        degree=degree,
        tolerance=float(tolerance),
        n_points=n,
        exponents=exps,
        scales=scales,
        linear=PolynomialSet(exps, lin_phys.reshape(-1, m)),
        quadratic=PolynomialSet(exps, quad_phys.reshape(-1, m)),
        null_space=PolynomialSet(exps, (null_norm / scales[:, None]).T.reshape(-1, m)),
        relations=tuple(lin_rel + quad_rel),
        near=tuple(near[:n_near]),
        spectrum=res,
        linear_spectrum=lin.residuals,
        quotient_spectrum=quot_res,
        singular_vectors=full.vectors,
        free_features=tuple(names[i] for i in free),
        gap=gap,
        consistent=bool(expected == k_null),
    )


# ---------------------------------------------------------------------------------------
# analytic constraints: parsing
# ---------------------------------------------------------------------------------------

_Poly = dict[tuple[int, ...], float]

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCTIONS: dict[str, Callable[[float], float]] = {"sqrt": math.sqrt}


class _Parser:
    """Expands an arithmetic expression in feature names into a polynomial (no eval)."""

    def __init__(self, equation: str, names: Sequence[str], max_degree: int) -> None:
        self.equation = equation
        self.index = {n: i for i, n in enumerate(names)}
        self.names = list(names)
        self.d = len(names)
        self.max_degree = max_degree

    def fail(self, why: str) -> ConfigError:
        return ConfigError(f"constraint {self.equation!r}: {why}")

    def _check(self, p: _Poly) -> _Poly:
        deg = max((sum(e) for e, c in p.items() if c != 0.0), default=0)
        if deg > self.max_degree:
            raise self.fail(f"degree {deg} exceeds the supported maximum {self.max_degree}")
        return p

    def const(self, value: float) -> _Poly:
        return {(0,) * self.d: float(value)}

    @staticmethod
    def add(a: _Poly, b: _Poly, sign: float = 1.0) -> _Poly:
        out = dict(a)
        for e, c in b.items():
            out[e] = out.get(e, 0.0) + sign * c
        return out

    def mul(self, a: _Poly, b: _Poly) -> _Poly:
        out: _Poly = {}
        for ea, ca in a.items():
            for eb, cb in b.items():
                e = tuple(i + j for i, j in zip(ea, eb, strict=True))
                out[e] = out.get(e, 0.0) + ca * cb
        return self._check(out)

    def constant_of(self, p: _Poly, what: str) -> float:
        zero = (0,) * self.d
        if any(c != 0.0 for e, c in p.items() if e != zero):
            raise self.fail(f"{what} must be a number, not an expression in features")
        return p.get(zero, 0.0)

    def visit(self, node: ast.AST) -> _Poly:
        if isinstance(node, ast.Expression):
            return self.visit(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.fail(f"unsupported constant {node.value!r}")
            return self.const(node.value)
        if isinstance(node, ast.Name):
            if node.id not in self.index:
                raise self.fail(
                    f"unknown feature name {node.id!r} (features: {', '.join(self.names)})"
                )
            e = [0] * self.d
            e[self.index[node.id]] = 1
            return self._check({tuple(e): 1.0})
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            p = self.visit(node.operand)
            return {e: -c for e, c in p.items()} if isinstance(node.op, ast.USub) else p
        if isinstance(node, ast.BinOp):
            a = self.visit(node.left)
            if isinstance(node.op, ast.Pow):
                power = self.constant_of(self.visit(node.right), "an exponent")
                if power != int(power) or power < 0:
                    raise self.fail(f"exponent {power:g} is not a non-negative integer")
                if self._is_const(a):
                    return self.const(self.constant_of(a, "a base") ** power)
                if power > self.max_degree:
                    raise self.fail(
                        f"degree {int(power)} power exceeds the supported maximum {self.max_degree}"
                    )
                out = self.const(1.0)
                for _ in range(int(power)):
                    out = self.mul(out, a)
                return out
            b = self.visit(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                return self.add(a, b, 1.0 if isinstance(node.op, ast.Add) else -1.0)
            if isinstance(node.op, ast.Mult):
                return self.mul(a, b)
            if isinstance(node.op, ast.Div):
                den = self.constant_of(b, "a divisor")
                if den == 0.0:
                    raise self.fail("division by zero")
                return {e: c / den for e, c in a.items()}
            raise self.fail(f"unsupported operator {type(node.op).__name__}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn = _FUNCTIONS.get(node.func.id)
            if fn is None or len(node.args) != 1 or node.keywords:
                raise self.fail(f"unsupported function {node.func.id!r} (only sqrt of a number)")
            arg = self.constant_of(self.visit(node.args[0]), f"the argument of {node.func.id}")
            try:
                return self.const(fn(arg))
            except ValueError as exc:
                raise self.fail(f"{node.func.id}({arg:g}): {exc}") from None
        raise self.fail(f"unsupported syntax {type(node).__name__}")

    def _is_const(self, p: _Poly) -> bool:
        zero = (0,) * self.d
        return all(c == 0.0 for e, c in p.items() if e != zero)

    def parse(self, text: str) -> _Poly:
        try:
            tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
        except SyntaxError as exc:
            raise self.fail(f"cannot parse {text.strip()!r}: {exc.msg}") from None
        return self.visit(tree)


def parse_constraint(equation: str, names: Sequence[str], max_degree: int = 2) -> PolynomialSet:
    """One equation in feature names as a polynomial ``g = lhs − rhs``.

    Parameters
    ----------
    equation:
        ``"lhs = rhs"`` with numbers, feature names, ``+ - * /``, parentheses, powers
        written ``^`` or ``**`` (non-negative integer exponents) and ``sqrt`` of numbers,
        e.g. ``"(E_1 + E_2)^2 - (px_1 + px_2)^2 - (py_1 + py_2)^2 - (pz_1 + pz_2)^2 =
        91.1876^2"``. Division only by numbers.
    names:
        The ``d`` feature names, in column order.
    max_degree:
        Largest degree allowed (any intermediate term of higher degree is an error).

    Returns
    -------
    PolynomialSet
        One polynomial on the exponent table ``monomial_exponents(d, max_degree)``, in the
        units of the features.

    Raises
    ------
    ConfigError
        Naming the equation and the problem: not exactly one ``=``, a syntax error, an
        unknown feature name, a degree above ``max_degree``, or an equation without features.
    """
    text = str(equation).replace("==", "=")
    parts = text.split("=")
    parser = _Parser(str(equation), names, max_degree)
    if len(parts) != 2:
        raise parser.fail("an equation needs exactly one '='")
    g = parser.add(parser.parse(parts[0]), parser.parse(parts[1]), -1.0)
    exps = monomial_exponents(len(names), max_degree)
    index = _table_index(exps)
    coef = np.zeros(exps.shape[0])
    for e, c in g.items():
        coef[index[e]] += c
    if not np.any(coef[1:] != 0.0):
        raise parser.fail("no feature is left after expanding (the equation is trivial)")
    return PolynomialSet(exps, coef[None, :])


def parse_constraints(
    equations: Sequence[str], names: Sequence[str], max_degree: int = 2
) -> PolynomialSet:
    """Several equations (see :func:`parse_constraint`) as one :class:`PolynomialSet`."""
    if isinstance(equations, str):
        equations = [equations]
    exps = monomial_exponents(len(names), max_degree)
    rows = [parse_constraint(eq, names, max_degree).coefficients for eq in equations]
    return PolynomialSet(exps, np.vstack(rows) if rows else np.zeros((0, exps.shape[0])))


# ---------------------------------------------------------------------------------------
# analytic constraints: closure and scoring
# ---------------------------------------------------------------------------------------


def _shift_products(lin: NDArray[np.float64], exponents: NDArray[np.int64]) -> NDArray[np.float64]:
    """Products ``(k·(d+1), m)`` of degree-≤1 polynomials ``lin`` ``(k, m)`` with 1, x_1 … x_d."""
    d = exponents.shape[1]
    index = _table_index(exponents)
    src = np.flatnonzero(_degrees(exponents) <= 1)
    out = [lin]
    for i in range(d):
        prod = np.zeros_like(lin)
        for j in src:
            e = exponents[j].copy()
            e[i] += 1
            prod[:, index[tuple(e)]] += lin[:, j]
        out.append(prod)
    return np.vstack(out)


def _closure(
    coef_norm: NDArray[np.float64], exponents: NDArray[np.int64], scales: NDArray[np.float64]
) -> tuple[NDArray[np.float64], int]:
    """Orthonormal basis ``(m, r)`` (normalized) of the degree-2 closure and its linear dim."""
    deg = _degrees(exponents)
    hi = deg == 2
    basis = orthonormal_basis(coef_norm.T, rtol=_ANALYTIC_RTOL)
    n_lin = 0
    for _ in range(_MAX_CLOSURE_ROUNDS):
        if basis.shape[1] == 0:
            return basis, 0
        if hi.any():
            _, s, vt = np.linalg.svd(basis[hi, :], full_matrices=True)
            s_full = np.zeros(basis.shape[1])
            s_full[: len(s)] = s
            a = vt.T[:, s_full <= _ANALYTIC_RTOL]
        else:
            a = np.eye(basis.shape[1])
        lin = (basis @ a).T  # (q, m) normalized, degree <= 1
        lin[:, hi] = 0.0
        one = np.zeros(basis.shape[0])
        one[int(np.flatnonzero(deg == 0)[0])] = 1.0
        if np.linalg.norm(one - basis @ (basis.T @ one)) < 1e-6:
            raise ConfigError("the analytic constraints are inconsistent: they imply 1 = 0")
        n_lin = lin.shape[0]
        if not hi.any():
            break
        prods = _shift_products(lin / scales, exponents) * scales
        new = orthonormal_basis(np.column_stack([basis, prods.T]), rtol=_ANALYTIC_RTOL)
        if new.shape[1] == basis.shape[1]:
            break
        basis = new
    return basis, n_lin


def close_constraints(polynomials: PolynomialSet, scales: ArrayLike | None = None) -> PolynomialSet:
    """Basis of the degree-≤2 closure of the span of ``polynomials``.

    The closure adds, round after round until the span stops growing, the product of every
    polynomial of degree ≤ 1 in the span with every monomial of degree ≤ 1: the degree-2
    part of the ideal the polynomials generate that is reachable without leaving degree 2.
    This is what the null space of data on the common zero set contains (for e⁺e⁻ → μμ the
    mass shells and the conservation laws imply ``E_1 − E_2 = 0``, whose products are in the
    data's null space but not in the naive span).

    Parameters
    ----------
    polynomials:
        Polynomials of degree ≤ 2 (physical units), e.g. from :func:`parse_constraints`.
    scales:
        ``(m,)`` monomial scales on ``monomial_exponents(d, 2)`` for conditioning (e.g.
        :attr:`ConstraintResult.scales`); default all 1.

    Returns
    -------
    PolynomialSet
        ``(r, m)`` physical coefficients on ``monomial_exponents(d, 2)`` whose normalized
        versions ``c · scales`` are orthonormal.
    """
    d = polynomials.n_variables
    exps = monomial_exponents(d, 2)
    s = np.ones(exps.shape[0]) if scales is None else np.asarray(scales, dtype=np.float64)
    coef = _to_table(polynomials, exps, "close_constraints") * s
    basis, _ = _closure(coef, exps, s)
    return PolynomialSet(exps, (basis / s[:, None]).T.reshape(-1, exps.shape[0]))


@dataclass(frozen=True)
class ConstraintScore:
    """Discovered constraint space against the closed analytic one.

    Attributes
    ----------
    angles:
        Principal angles (radians, ascending) between the data's null space and the
        closed analytic span, in normalized coefficients (``min`` of the two dimensions).
    grassmann_distance:
        ``‖angles‖₂`` in radians.
    dim_discovered, dim_analytic:
        Dimensions of the two spans (the full degree-≤2 null space and the closure).
    n_linear, n_quadratic:
        Minimal discovered constraints.
    n_linear_analytic, n_quadratic_analytic:
        Minimal analytic constraints: the linear part of the closure and the quadratics
        new modulo the products of the linear part with monomials of degree ≤ 1.
    analytic_residuals:
        Relative residual of every given analytic polynomial on the data.
    closed:
        The closed analytic span (physical coefficients).
    """

    angles: NDArray[np.float64]
    grassmann_distance: float
    dim_discovered: int
    dim_analytic: int
    n_linear: int
    n_quadratic: int
    n_linear_analytic: int
    n_quadratic_analytic: int
    analytic_residuals: NDArray[np.float64]
    closed: PolynomialSet

    @property
    def counts_match(self) -> bool:
        """Same minimal counts and same span dimension on both sides."""
        return (
            self.n_linear == self.n_linear_analytic
            and self.n_quadratic == self.n_quadratic_analytic
            and self.dim_discovered == self.dim_analytic
        )


def _as_polys(
    polynomials: PolynomialSet | Sequence[str], names: Sequence[str], max_degree: int = 2
) -> PolynomialSet:
    if isinstance(polynomials, PolynomialSet):
        return polynomials
    return parse_constraints(list(polynomials), names, max_degree)


def score_constraints(
    result: ConstraintResult, analytic: PolynomialSet | Sequence[str]
) -> ConstraintScore:
    """Compare discovered constraints with analytic ones as subspaces.

    Parameters
    ----------
    result:
        Output of :func:`find_constraints`.
    analytic:
        The analytic constraints: a :class:`PolynomialSet` or equations in
        ``result.names`` (see :func:`parse_constraint`).

    Returns
    -------
    ConstraintScore
        Principal angles and Grassmann distance between ``result.null_space`` and the
        degree-2 closure of ``analytic`` (see :func:`close_constraints`), both in the
        normalized coefficients ``c · result.scales``, plus the minimal counts of both.
        For a ``degree = 1`` result only the linear parts are compared.
    """
    polys = _as_polys(analytic, result.names)
    d = len(result.names)
    exps2 = monomial_exponents(d, 2)
    if result.degree == 2:
        scales2 = result.scales
    else:  # conditioning only: unit scales on the degree-2 part
        scales2 = np.ones(exps2.shape[0])
        scales2[: result.exponents.shape[0]] = result.scales
    coef = _to_table(polys, exps2, "score_constraints") * scales2
    basis, n_lin = _closure(coef, exps2, scales2)
    if result.degree == 2:
        span = basis
        n_quad = basis.shape[1] - _n_products(d, n_lin)
    else:
        hi = _degrees(exps2) == 2
        _, s, vt = np.linalg.svd(basis[hi, :], full_matrices=True)
        s_full = np.zeros(basis.shape[1])
        s_full[: len(s)] = s
        lin = basis @ vt.T[:, s_full <= _ANALYTIC_RTOL]
        span = orthonormal_basis(lin[~hi, :], rtol=_ANALYTIC_RTOL)
        n_quad = 0
    discovered = (result.null_space.coefficients * result.scales).T
    angles = principal_angles(discovered, span)
    closed = PolynomialSet(exps2, (basis / scales2[:, None]).T.reshape(-1, exps2.shape[0]))
    return ConstraintScore(
        angles=angles,
        grassmann_distance=float(np.linalg.norm(angles)),
        dim_discovered=discovered.shape[1],
        dim_analytic=span.shape[1],
        n_linear=result.n_linear,
        n_quadratic=result.n_quadratic,
        n_linear_analytic=n_lin,
        n_quadratic_analytic=n_quad,
        analytic_residuals=_residuals_within(result, polys),
        closed=closed,
    )


def _residuals_within(result: ConstraintResult, polys: PolynomialSet) -> NDArray[np.float64]:
    """Residuals on the data of ``polys``; ``nan`` for those beyond ``result.degree``."""
    index = _table_index(result.exponents)
    out = np.zeros((polys.n_polynomials, result.exponents.shape[0]))
    outside = np.zeros(polys.n_polynomials, dtype=bool)
    for j, row in enumerate(polys.exponents.tolist()):
        if tuple(row) in index:
            out[:, index[tuple(row)]] += polys.coefficients[:, j]
        else:
            outside |= polys.coefficients[:, j] != 0.0
    res = result.residual_of(PolynomialSet(result.exponents, out))
    res[outside] = np.nan
    return res


@dataclass(frozen=True)
class CandidateRelation:
    """How well a proposed relation holds on data (see :func:`score_candidates`).

    Attributes
    ----------
    equation:
        The candidate, as given or formatted.
    residual:
        Its relative residual on the data.
    angle_null:
        Angle (radians) between the candidate and the accepted null space: 0 for a
        consequence of the discovered constraints.
    angle_near:
        Angle (radians) between the candidate and the accepted null space extended by the
        ``n_near`` smallest rejected singular directions: small for an approximate relation
        that the data single out.
    near_residuals:
        Residuals of those ``n_near`` rejected directions, for comparison.
    """

    equation: str
    residual: float
    angle_null: float
    angle_near: float
    near_residuals: NDArray[np.float64]


def _angle_to_span(v: NDArray[np.float64], basis: NDArray[np.float64]) -> float:
    """Angle (radians) between a vector and the span of orthonormal columns."""
    if basis.shape[1] == 0:
        return math.pi / 2
    inside = basis @ (basis.T @ v)
    return float(math.atan2(np.linalg.norm(v - inside), np.linalg.norm(inside)))


def score_candidates(
    result: ConstraintResult,
    candidates: PolynomialSet | Sequence[str],
    n_near: int = 3,
) -> list[CandidateRelation]:
    """Relative residual and closeness to the near-null space of candidate relations.

    Parameters
    ----------
    result:
        Output of :func:`find_constraints`.
    candidates:
        Proposed relations (a :class:`PolynomialSet` or equations in ``result.names``),
        e.g. the Z mass shell ``"(E_1 + E_2)^2 - (px_1 + px_2)^2 - (py_1 + py_2)^2 -
        (pz_1 + pz_2)^2 = 91.1876^2"`` of a dimuon sample.
    n_near:
        Number of smallest rejected singular directions of the full library that extend
        the accepted null space for ``angle_near``.

    Returns
    -------
    list[CandidateRelation]
        One entry per candidate, in order.
    """
    given = None if isinstance(candidates, PolynomialSet) else list(candidates)
    polys = _as_polys(candidates, result.names, result.degree)
    coef = _to_table(polys, result.exponents, "score_candidates")
    res = result.residual_of(PolynomialSet(result.exponents, coef))
    k = result.null_space.n_polynomials
    v = result.singular_vectors
    out = []
    for i, c in enumerate(coef):
        cn = c * result.scales
        eq = given[i] if given is not None else format_equation(c, result.exponents, result.names)
        out.append(
            CandidateRelation(
                equation=eq,
                residual=float(res[i]),
                angle_null=_angle_to_span(cn, v[:, :k]),
                angle_near=_angle_to_span(cn, v[:, : k + n_near]),
                near_residuals=result.spectrum[k : k + n_near].copy(),
            )
        )
    return out
