"""Discovered directions against analytic truth: constraint spans, candidates, generators.

*Constraints.* :func:`close_constraints` closes a list of analytic constraints (parsed by
:mod:`symvae.directions.equations`) at degree 2 exactly as the data side is closed: products
of every linear polynomial in the span with every monomial of degree ≤ 1, until the span
stops growing (for e⁺e⁻ → μμ the mass shells and the conservation laws imply ``E_1 = E_2``).
:func:`score_constraints` compares the closed span with the data's null space
(:func:`~symvae.directions.constraints.find_constraints`) by principal angles in the
normalized coefficient space ``c · s`` (``s`` the RMS of each monomial on the data), and
:func:`score_candidates` measures how well proposed relations (the Z mass shell of a dimuon
sample) hold on data.

*Generators.* :func:`score_generators` compares found generators ``(r, d, d)`` with expected
ones ``(m, d, d)`` as subspaces of ``R^{d²}`` (Frobenius inner product).

Angles are in radians; a Grassmann distance is the 2-norm of the principal angles
(:mod:`symvae.directions.subspaces`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.directions.constraints import ConstraintResult, n_products
from symvae.directions.equations import as_polynomials, format_equation
from symvae.directions.polynomials import (
    PolynomialSet,
    monomial_degrees,
    monomial_exponents,
    monomial_index,
    on_table,
    to_table,
)
from symvae.directions.subspaces import (
    grassmann_distance,
    orthonormal_basis,
    orthonormal_matrices,
    principal_angles,
)
from symvae.errors import ConfigError

__all__ = [
    "CandidateRelation",
    "ConstraintScore",
    "GeneratorScore",
    "close_constraints",
    "score_candidates",
    "score_constraints",
    "score_generators",
]

#: Rank tolerance of the exact (analytic) span computations.
_ANALYTIC_RTOL = 1e-9
#: Most closure rounds of :func:`close_constraints` (each adds linear consequences).
_MAX_CLOSURE_ROUNDS = 20


# ---------------------------------------------------------------------------------------
# analytic constraints: closure and scoring
# ---------------------------------------------------------------------------------------


def _shift_products(lin: NDArray[np.float64], exponents: NDArray[np.int64]) -> NDArray[np.float64]:
    """Products ``(k·(d+1), m)`` of degree-≤1 polynomials ``lin`` ``(k, m)`` with 1, x_1 … x_d."""
    d = exponents.shape[1]
    index = monomial_index(exponents)
    src = np.flatnonzero(monomial_degrees(exponents) <= 1)
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
    deg = monomial_degrees(exponents)
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
        Polynomials of degree ≤ 2 (physical units), e.g. from
        :func:`~symvae.directions.equations.parse_constraints`.
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
    coef = to_table(polynomials, exps, "close_constraints") * s
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


def score_constraints(
    result: ConstraintResult, analytic: PolynomialSet | Sequence[str]
) -> ConstraintScore:
    """Compare discovered constraints with analytic ones as subspaces.

    Parameters
    ----------
    result:
        Output of :func:`~symvae.directions.constraints.find_constraints`.
    analytic:
        The analytic constraints: a :class:`PolynomialSet` or equations in
        ``result.names`` (see :func:`~symvae.directions.equations.parse_constraint`).

    Returns
    -------
    ConstraintScore
        Principal angles and Grassmann distance between ``result.null_space`` and the
        degree-2 closure of ``analytic`` (see :func:`close_constraints`), both in the
        normalized coefficients ``c · result.scales``, plus the minimal counts of both.
        For a ``degree = 1`` result only the linear parts are compared.
    """
    polys = as_polynomials(analytic, result.names)
    d = len(result.names)
    exps2 = monomial_exponents(d, 2)
    if result.degree == 2:
        scales2 = result.scales
    else:  # conditioning only: unit scales on the degree-2 part
        scales2 = np.ones(exps2.shape[0])
        scales2[: result.exponents.shape[0]] = result.scales
    coef = to_table(polys, exps2, "score_constraints") * scales2
    basis, n_lin = _closure(coef, exps2, scales2)
    if result.degree == 2:
        span = basis
        n_quad = basis.shape[1] - n_products(d, n_lin)
    else:
        hi = monomial_degrees(exps2) == 2
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
    coefficients, outside = on_table(polys, result.exponents)
    beyond = np.any(polys.coefficients[:, outside] != 0.0, axis=1)
    res = result.residual_of(PolynomialSet(result.exponents, coefficients))
    res[beyond] = np.nan
    return res


def _angle_to_span(v: NDArray[np.float64], basis: NDArray[np.float64]) -> float:
    """Angle (radians) between a vector and the span of orthonormal columns."""
    if basis.shape[1] == 0:
        return math.pi / 2
    inside = basis @ (basis.T @ v)
    return float(math.atan2(np.linalg.norm(v - inside), np.linalg.norm(inside)))


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


def score_candidates(
    result: ConstraintResult,
    candidates: PolynomialSet | Sequence[str],
    n_near: int = 3,
) -> list[CandidateRelation]:
    """Relative residual and closeness to the near-null space of candidate relations.

    Parameters
    ----------
    result:
        Output of :func:`~symvae.directions.constraints.find_constraints`.
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
    polys = as_polynomials(candidates, result.names, result.degree)
    coef = to_table(polys, result.exponents, "score_candidates")
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


# ---------------------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------------------


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
    nf = orthonormal_matrices(f).shape[0] if len(f) else 0
    ne = orthonormal_matrices(e).shape[0] if len(e) else 0
    size = int(np.prod(e.shape[1:]))  # d²: an empty found set reshapes to (d², 0)
    a = f.reshape(len(f), size).T
    b = e.reshape(len(e), size).T
    return GeneratorScore(
        n_found=nf,
        n_expected=ne,
        distance=grassmann_distance(a, b),
        angles=principal_angles(a, b),
    )
