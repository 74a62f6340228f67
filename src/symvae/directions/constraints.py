"""Hidden relations ``g(x) = 0`` among the features, discovered in data.

A relation is a polynomial of degree at most 2 in the *physical* features (GeV for
four-momenta) that vanishes on every event: momentum conservation ``px_1 + px_2 = 0``, a
fixed energy sum ``E_1 + E_2 = 91.19``, a mass shell ``E_1² − |p_1|² = m²``. All of them live
in one coefficient space, the span of the monomials of degree ≤ 2
(:func:`~symvae.directions.polynomials.monomial_exponents`), and the relations a dataset
obeys form a linear subspace of it: the null space of the monomial library evaluated on the
events. A polynomial is scored by its relative residual
(:func:`~symvae.directions.polynomials.relative_residual`: dimensionless, 0 for an exact
relation), and the singular values of the column-normalized library are the residual
spectrum (:mod:`symvae.directions.echelon`).

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

Equations in feature names are parsed and printed by :mod:`symvae.directions.equations`;
:mod:`symvae.directions.scoring` compares the result with analytic constraints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.directions.echelon import Spectrum, leading_term, polish, residual_spectrum, rref
from symvae.directions.equations import format_equation
from symvae.directions.polynomials import (
    PolynomialSet,
    monomial_degrees,
    monomial_exponents,
    monomial_library,
    relative_residual,
    to_table,
)
from symvae.errors import DataError

__all__ = [
    "DEFAULT_MAX_POINTS",
    "DEFAULT_TOLERANCE",
    "ConstraintResult",
    "Relation",
    "find_constraints",
    "n_products",
]

#: Default relative-residual tolerance below which a polynomial counts as a constraint.
DEFAULT_TOLERANCE = 1e-6
#: Default number of points used; larger samples are subsampled deterministically.
DEFAULT_MAX_POINTS = 20_000


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
        return int(monomial_degrees(self.polynomial.exponents)[nz].max()) if nz.any() else 0


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
        c = to_table(polynomials, self.exponents, "residual_of") * self.scales
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
    """``x`` as a finite float array ``(n, d)`` and ``d`` distinct names (``x_1 … x_d``)."""
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
    """At most ``max_points`` rows of ``x``, a sorted uniform subsample drawn with ``seed``."""
    if max_points is None or x.shape[0] <= max_points:
        return x
    idx = np.sort(np.random.default_rng(seed).choice(x.shape[0], size=max_points, replace=False))
    return x[idx]


def _column_scales(library: NDArray[np.float64]) -> NDArray[np.float64]:
    """RMS of every library column; 1 for an identically zero column."""
    s = np.sqrt(np.mean(library**2, axis=0))
    s[~(s > 0)] = 1.0
    return s


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
        row = polish(rows_norm[i], int(p), compressed)
        c = np.zeros(m)
        c[cols] = row / scales[cols]
        c /= c[cols[p]]  # leading (pivot) term has coefficient 1 in physical units
        poly = PolynomialSet(exponents, c[None, :])
        res = float(relative_residual(poly, x)[0])
        out.append(Relation(format_equation(c, exponents, names, digits), res, poly))
        phys[i] = c
    return phys, out


def _near(
    spec: Spectrum,
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
        lead = leading_term(v, order)
        row = polish(v / v[lead], lead, a, refit=False)
        c = np.zeros(exponents.shape[0])
        c[cols] = row / scales[cols]
        c /= c[cols[lead]]
        if not np.any(c[monomial_degrees(exponents) > 0]):
            continue  # the constant alone: no relation among the features
        poly = PolynomialSet(exponents, c[None, :])
        res = float(relative_residual(poly, x)[0])
        out.append(Relation(format_equation(c, exponents, names, digits), res, poly))
    return out


def n_products(d: int, n_linear: int) -> int:
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
    n_near: int = 3,
    digits: int = 4,
    seed: int = 0,
    max_points: int | None = DEFAULT_MAX_POINTS,
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
    n_near:
        Number of rejected directions reported as approximate relations, per stage.
    digits:
        Significant digits of the printed equations.
    seed:
        Seed of the subsample.
    max_points:
        At most this many points are used, a uniform subsample drawn with ``seed``
        (``None``: all).

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
    deg = monomial_degrees(exps)
    lib = monomial_library(arr, exps)
    scales = _column_scales(lib)
    psi = lib / scales
    full = residual_spectrum(psi)
    k_null = full.count(tolerance)

    # 1. linear constraints: the degree-<=1 library (constant first, then features)
    lin_cols = np.flatnonzero(deg <= 1)
    lin = residual_spectrum(psi[:, lin_cols])
    k_lin = lin.count(tolerance)
    var_order = list(range(1, d + 1))  # positions of x_1..x_d within lin_cols
    rows, piv = rref(lin.vectors[:, :k_lin], var_order)
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
        quot = residual_spectrum(psi[:, q_cols])
        quot_res = quot.residuals
        k_quad = quot.count(tolerance)
        q_deg = deg[q_cols]
        q_order = sorted(range(len(q_cols)), key=lambda j: (-q_deg[j], j))
        q_order = [j for j in q_order if q_deg[j] > 0]
        rows, piv = rref(quot.vectors[:, :k_quad], q_order)
        quad_phys, quad_rel = _relations(
            rows, piv, q_cols, scales, exps, names, arr, quot.compressed, digits
        )
        near += _near(quot, k_quad, n_near, q_cols, q_order, scales, exps, names, arr, digits)
    near.sort(key=lambda r: r.residual)

    expected = n_products(d, k_lin) + k_quad if degree == 2 else k_lin
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
