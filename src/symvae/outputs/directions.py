"""``<process>/directions.h5``: constraints, tangent spaces, generators and baselines.

Written by :func:`symvae.stages.analyze_directions` (rule ``directions``), one per process
with every seed. d features, c discovered constraints, m monomials of degree ≤ 2, a the
dimension of the constraint algebra, r the distribution-preserving generators, n held-out
events; matrices act on the physical features as x ↦ x + t A x.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.outputs.layout import Layout, attribute, dataset, group, members

__all__ = [
    "Algebra",
    "Analytic",
    "Approximate",
    "Baselines",
    "Constraints",
    "Decoder",
    "Directions",
    "Distribution",
    "Estimates",
    "Expected",
    "Generators",
    "MMDTests",
    "Near",
    "RankTest",
    "TangentSeed",
    "Tangents",
]

_CONSTRAINTS = "polynomial relations g(x) = 0 of degree <= 2 obeyed by the events"
_RESIDUALS = "relative residual RMS g / RMS |terms| of each equation"
_SPECTRUM = "ascending residual spectrum of the monomial library"
_COEFFICIENTS = (
    "coefficients (physical units) of the minimal constraints over the monomials 'exponents'"
)
_APPROXIMATE = (
    "approximate relations from the config: relative residual on the events and angle "
    "(rad) to the accepted null space, and to it extended by the nearest rejected "
    "directions"
)
_TANGENTS = (
    "largest principal angle (deg) per held-out event between the learned tangent "
    "space (top-dof left singular vectors of J_dec P_relevant J_enc) and the true one, "
    "in standardized feature coordinates"
)
_DECODER = (
    "relative residual, on the decoder's reconstructions of held-out events, of every "
    "constraint discovered in the events (the same order as constraints/equations)"
)
_ALGEBRA = (
    "basis (Frobenius-orthonormal) of the linear maps A preserving "
    "every discovered constraint: grad g(x) . (A x) = 0 on the events"
)
_DISTRIBUTION = (
    "generators inside the algebra whose flow preserves the distribution "
    "(sequential rank test of E[grad f . A x] = 0 at level alpha, each confirmed by MMD "
    "tests of x against exp(tA) x)"
)


def _estimate(meaning: str) -> Any:
    return attribute("float", optional=True, meaning=meaning)


@dataclass(kw_only=True)
class Estimates(Layout):
    """Intrinsic-dimension estimates: means over disjoint subsamples and their spreads."""

    pca: float | None = _estimate("PCA components")
    pca_std: float | None = _estimate("their spread over subsamples")
    twonn: float | None = _estimate("TwoNN dimension (scikit-dimension)")
    twonn_std: float | None = _estimate("its spread over subsamples")
    mle: float | None = _estimate("MLE dimension (scikit-dimension)")
    mle_std: float | None = _estimate("its spread over subsamples")
    lpca: float | None = _estimate("local PCA dimension (scikit-dimension)")
    lpca_std: float | None = _estimate("its spread over subsamples")


@dataclass(kw_only=True)
class Baselines(Layout):
    """Intrinsic-dimension baselines on the held-out events (scikit-dimension and PCA)."""

    description: str = attribute("str", meaning="what the baselines are")
    n_points: int = attribute("int", meaning="events per subsample")
    n_subsamples: int = attribute("int", meaning="disjoint subsamples")
    pca_fraction: float = attribute("float", meaning="variance fraction the PCA count keeps")
    estimates: Estimates = group(Estimates, flat=True)
    samples: dict[str, NDArray[np.float64]] = members(
        shape="(subsamples,)", meaning="each estimator's value per subsample", optional=True
    )
    explained_variance: NDArray[np.float64] = dataset(
        "(d,)", meaning="PCA explained-variance ratios, descending", meta=("description",)
    )


@dataclass(kw_only=True)
class Near(Layout):
    """The next relations beyond the accepted ones (approximate relations)."""

    equations: list[str] = dataset("(r,)", "str", meaning="the relations, as equations")
    residuals: NDArray[np.float64] = dataset("(r,)", meaning="their relative residuals")


@dataclass(kw_only=True)
class Analytic(Layout):
    """The config's analytic constraints against the discovered ones."""

    equations: list[str] = dataset("(e,)", "str", meaning="the analytic constraints")
    residuals: NDArray[np.float64] = dataset("(e,)", meaning="residual of each on the events")
    angles: NDArray[np.float64] = dataset("(k,)", unit="rad", meaning="discovered vs analytic span")
    grassmann_distance: float = attribute("float", unit="rad", meaning="distance of the spans")
    dim_discovered: int = attribute("int", meaning="dimension of the discovered span")
    dim_analytic: int = attribute("int", meaning="dimension of the closed analytic span")
    n_linear: int = attribute("int", meaning="analytic linear constraints")
    n_quadratic: int = attribute("int", meaning="analytic quadratic constraints")
    n_expected: int = attribute("int", meaning="n_linear + n_quadratic")
    counts_match: bool = attribute("bool", meaning="the discovered counts equal the analytic")


@dataclass(kw_only=True)
class Approximate(Layout):
    """The config's approximate relations, scored on the events."""

    equations: list[str] = dataset("(q,)", "str", meaning="the relations")
    residuals: NDArray[np.float64] = dataset("(q,)", meaning="relative residual on the events")
    angle_null: NDArray[np.float64] = dataset("(q,)", unit="rad", meaning="to the null space")
    angle_near: NDArray[np.float64] = dataset(
        "(q,)", unit="rad", meaning="to the null space extended by the nearest rejected"
    )
    description: str = attribute("str", meaning="what is scored", default=_APPROXIMATE)


@dataclass(kw_only=True)
class Constraints(Layout):
    """The minimal polynomial constraints of degree ≤ 2 the events obey."""

    description: str = attribute("str", meaning="what the group holds", default=_CONSTRAINTS)
    tolerance: float = attribute("float", meaning="residual below which a relation is accepted")
    n_points: int = attribute("int", meaning="events used")
    n_linear: int = attribute("int", meaning="linear constraints found")
    n_quadratic: int = attribute("int", meaning="quadratic constraints new modulo the linear")
    n_found: int = attribute("int", meaning="constraints found, c")
    gap: float = attribute("float", meaning="smallest rejected over largest accepted residual")
    consistent: bool = attribute("bool", meaning="the counts agree with the residual gap")
    equations: list[str] = dataset(
        "(c,)", "str", meaning="the constraints, e.g. E_1 + E_2 = 91.19 (linear first)"
    )
    residuals: NDArray[np.float64] = dataset("(c,)", meaning=_RESIDUALS, meta=("description",))
    spectrum: NDArray[np.float64] = dataset("(m,)", meaning=_SPECTRUM, meta=("description",))
    near: Near = group(Near)
    coefficients: NDArray[np.float64] = dataset(
        "(c, m)", meaning=_COEFFICIENTS, meta=("description",)
    )
    exponents: NDArray[np.int64] = dataset("(m, d)", "int64", meaning="exponents of the monomials")
    analytic: Analytic | None = group(Analytic, optional=True)
    approximate: Approximate | None = group(Approximate, optional=True)


@dataclass(kw_only=True)
class TangentSeed(Layout):
    """Learned against true tangent spaces for one seed."""

    max_angle_deg: NDArray[np.float64] = dataset("(n,)", unit="deg", meaning="largest angle")
    angles_deg: NDArray[np.float64] = dataset("(n, dof)", unit="deg", meaning="all angles")
    singular_values: NDArray[np.float64] = dataset(
        "(min(d, L),)", meaning="median singular values of J_dec P_relevant J_enc"
    )
    median_deg: float = attribute("float", unit="deg", meaning="median of max_angle_deg")
    p90_deg: float = attribute("float", unit="deg", meaning="its 90th percentile")
    gap_median: float = attribute("float", meaning="median singular-value gap after dof")


@dataclass(kw_only=True)
class Tangents(Layout):
    """Tangent angles per seed (where the true tangent space is known)."""

    description: str = attribute("str", meaning="what is measured", default=_TANGENTS)
    truth: str = attribute("str", meaning="how the true tangent space is known, or 'unknown'")
    seeds: dict[int, TangentSeed] = members(TangentSeed, pattern="seed{}", flat=True)
    median_deg: float = attribute("float", unit="deg", meaning="median over seeds of the medians")
    p90_deg: float = attribute("float", unit="deg", meaning="median over seeds of the p90s")


@dataclass(kw_only=True)
class Decoder(Layout):
    """The discovered constraints on the decoder's reconstructions."""

    description: str = attribute("str", meaning="what is measured", default=_DECODER)
    seeds: dict[int, NDArray[np.float64]] = members(
        pattern="seed{}", flat=True, shape="(c,)", meaning="relative residual of each constraint"
    )


@dataclass(kw_only=True)
class Algebra(Layout):
    """The linear maps that preserve every discovered constraint."""

    matrices: NDArray[np.float64] = dataset("(a, d, d)", meaning="Frobenius-orthonormal basis")
    violations: NDArray[np.float64] = dataset(
        "(K,)", meaning="relative violations of every family direction, ascending"
    )
    labels: list[str] = dataset("(a,)", "str", meaning="readable basis, e.g. 1.00 J_z")
    description: str = attribute("str", meaning="what the basis is", default=_ALGEBRA)
    dim: int = attribute("int", meaning="a")
    rtol: float = attribute("float", meaning="relative tolerance of the null space")
    gap: float = attribute("float", meaning="singular-value gap at the cut")
    closure: float = attribute("float", meaning="how far the basis is from closing a Lie algebra")


@dataclass(kw_only=True)
class RankTest(Layout):
    """Sequential rank test of E[∇f·Ax] = 0 (Stein identity over test functions f)."""

    statistics: NDArray[np.float64] = dataset("(a,)", meaning="test statistic per step")
    dof: NDArray[np.int64] = dataset("(a,)", "int64", meaning="its degrees of freedom")
    p_values: NDArray[np.float64] = dataset("(a,)", meaning="p-value per step")


@dataclass(kw_only=True)
class MMDTests(Layout):
    """Two-sample MMD tests of held-out events against exp(tA)x."""

    t_values: NDArray[np.float64] = dataset("(r, T)", meaning="flow times t, per generator")
    statistics: NDArray[np.float64] = dataset("(r, T)", meaning="MMD statistics")
    p_values: NDArray[np.float64] = dataset("(r, T)", meaning="their p-values")


@dataclass(kw_only=True)
class Distribution(Layout):
    """The generators whose flow preserves the distribution."""

    matrices: NDArray[np.float64] = dataset("(r, d, d)", meaning="the generators")
    labels: list[str] = dataset("(r,)", "str", meaning="readable names")
    rank_test: RankTest = group(RankTest)
    mmd: MMDTests = group(MMDTests)
    confirmed: NDArray[np.bool_] = dataset("(r,)", "bool", meaning="confirmed by the MMD tests")
    description: str = attribute("str", meaning="how they are found", default=_DISTRIBUTION)
    n_generators: int = attribute("int", meaning="r")
    alpha: float = attribute("float", meaning="level of the tests")
    n_discovery: int = attribute("int", meaning="events of the discovery half")
    n_holdout: int = attribute("int", meaning="events of the confirmation half")
    notes: list[str] = attribute("str_list", meaning="remarks of the search")


@dataclass(kw_only=True)
class Expected(Layout):
    """Generators named in the config, against those found."""

    matrices: NDArray[np.float64] = dataset("(e, d, d)", meaning="the expected generators")
    names: list[str] = dataset("(e,)", "str", meaning="their names in the config")
    angles: NDArray[np.float64] = dataset("(k,)", unit="rad", meaning="principal angles")
    n_expected: int = attribute("int", meaning="e")
    n_found: int = attribute("int", meaning="generators found")
    grassmann_distance: float = attribute("float", unit="rad", meaning="distance of the spans")


@dataclass(kw_only=True)
class Generators(Layout):
    """The constraint algebra and the distribution-preserving generators."""

    family: str = attribute("str", meaning="four_vectors or gl(d)")
    family_names: list[str] = attribute("str_list", meaning="the family's basis names")
    algebra: Algebra = group(Algebra)
    distribution: Distribution = group(Distribution)
    expected_algebra: Expected | None = group(Expected, optional=True)
    expected_symmetries: Expected | None = group(Expected, optional=True)


@dataclass(kw_only=True)
class Directions(Layout):
    """The items of ``directions.h5``."""

    FILE = "directions.h5"

    process: str = attribute("str", meaning="process name")
    dof_expected: int = attribute(
        "int", meaning="analytic number of degrees of freedom (-1: none known)"
    )
    n_events: int = attribute("int", meaning="events of the process")
    n_test: int = attribute("int", meaning="held-out events")
    seeds: NDArray[np.int64] = attribute(shape="(S,)", dtype="int64", meaning="training seeds")
    feature_names: list[str] = attribute("str_list", shape="(d,)", meaning="feature names")
    feature_units: list[str] = attribute("str_list", shape="(d,)", meaning="feature units")
    truth_json: dict[str, Any] = attribute(
        "json", meaning="the process's directions entry: analytic constraints, expected generators"
    )
    settings_json: dict[str, Any] = attribute("json", meaning="sample sizes, tolerances, α")
    provenance_json: dict[str, Any] = attribute("json", meaning="library versions and platform")
    baselines: Baselines = group(Baselines)
    constraints: Constraints = group(Constraints)
    tangents: Tangents = group(Tangents)
    decoder: Decoder = group(Decoder)
    generators: Generators | None = group(Generators, optional=True)
