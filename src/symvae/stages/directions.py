"""Symmetry directions: one process, every seed, ``directions.h5`` (rule ``directions``).

:func:`analyze_directions` runs, on one process's features and trained models,

1. the intrinsic-dimension baselines (PCA, TwoNN, MLE, local PCA) on the held-out events;
2. constraint discovery on the events, scored against the analytic constraints of the
   config, and the residual of every discovered relation on the decoder's outputs;
3. per seed, the learned tangent spaces against the true ones;
4. the constraint-preserving Lie algebra of the discovered constraints and its part that
   preserves the distribution, scored against the expected generators of the config;

and writes everything to one self-describing HDF5 file (layout: :mod:`symvae.outputs.directions`).
The analytic truth comes from the process's ``directions`` entry
(:class:`symvae.config.DirectionsTruth`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from symvae.config import ProcessSpec
from symvae.directions.baselines import baseline_estimates
from symvae.directions.constraints import ConstraintResult, find_constraints
from symvae.directions.equations import parse_constraints
from symvae.directions.polynomials import PolynomialSet, relative_residual
from symvae.directions.scoring import score_candidates, score_constraints
from symvae.errors import ConfigError
from symvae.outputs.directions import (
    Algebra,
    Analytic,
    Approximate,
    Baselines,
    Constraints,
    Decoder,
    Directions,
    Distribution,
    Estimates,
    Expected,
    Generators,
    MMDTests,
    Near,
    RankTest,
    Tangents,
    TangentSeed,
)
from symvae.outputs.evaluation import Evaluation
from symvae.outputs.features import TEST, FeatureFile, read_features
from symvae.provenance import provenance

if TYPE_CHECKING:
    from symvae.directions.families import LinearFamily
    from symvae.directions.generators import GeneratorResult
    from symvae.directions.tangents import TangentTruth

__all__ = [
    "DirectionsSettings",
    "analyze_directions",
    "expected_generators",
    "family_for",
    "tangent_truth",
]


@dataclass(frozen=True)
class DirectionsSettings:
    """Sample sizes and decision levels of the step (defaults suit 10⁴-event samples)."""

    max_tangent_events: int = 3000
    """Held-out events whose tangent spaces are compared (per seed)."""
    max_constraint_points: int = 20_000
    """Events used for constraint discovery."""
    max_generator_events: int = 12_000
    """Events used for the generator search (discovery and held-out halves together)."""
    tolerance: float = 1e-6
    """Relative residual below which a relation is a constraint (float32 round-off level)."""
    algebra_rtol: float = 1e-3
    """Relative violation below which a linear map preserves the constraints."""
    alpha: float = 0.01
    """Level of the distribution test."""
    max_test_functions: int = 200
    """The distribution test uses monomial test functions of degree 3 when there are at most
    this many of them (d ≤ 8 features), else of degree 2 (12 features: 455 cubic ones would
    take ten times longer for the same answer)."""
    seed: int = 0

    def constraint_degree(self, n: int, d: int) -> int:
        """Degree of the constraint search on ``n`` events of ``d`` features: 2 when the
        events outnumber the ``C(d + 2, 2)`` monomials of degree ≤ 2, else 1 (84 jet
        features have 3655 quadratic monomials: a few thousand jets fix linear relations
        only)."""
        return 2 if min(n, self.max_constraint_points) >= math.comb(d + 2, 2) else 1

    def test_degree(self, d: int) -> int:
        """Degree of the test functions for ``d`` features."""
        return 3 if math.comb(d + 3, 3) - 1 <= self.max_test_functions else 2


def _equations(spec: ProcessSpec, names: Sequence[str], which: str) -> PolynomialSet | None:
    equations = getattr(spec.directions, which)
    if not equations:
        return None
    try:
        return parse_constraints(equations, names)
    except ConfigError as err:
        raise ConfigError(f"config key 'processes.{spec.name}.directions.{which}': {err}") from None


def tangent_truth(spec: ProcessSpec, ff: FeatureFile) -> TangentTruth | None:
    """The true tangent space of a process, from its ``directions.tangent`` setting.

    ``constraints``: the null space of the gradients of the listed constraints and
    approximate relations; ``principal``: the large-eigenvalue eigenvectors of a
    linear_gaussian; ``full``: the whole space; ``none``: unknown (``None``). ``auto`` takes
    ``constraints`` when any are listed, else the generator's own truth when symvae knows it
    (toys and mechanical systems), else ``None``.
    """
    from symvae.directions.tangents import TangentTruth, basis_truth, truth_for

    names = ff.dataset.feature_names
    mode = spec.directions.tangent
    listed = [
        p for p in (_equations(spec, names, "constraints"), _equations(spec, names, "approximate"))
    ]
    polys = [p for p in listed if p is not None]
    if mode == "auto":
        if polys:
            mode = "constraints"
        elif spec.generator:
            try:
                return truth_for(spec.generator, spec.params, ff.dataset.metadata, len(names))
            except Exception:  # a generator without an analytic tangent
                return None
        else:
            return None
    if mode == "none":
        return None
    if mode == "full":
        return basis_truth(np.eye(len(names)), "the whole space")
    if mode == "principal":
        return truth_for("linear_gaussian", metadata=ff.dataset.metadata)
    if not polys:
        raise ConfigError(
            f"config key 'processes.{spec.name}.directions.tangent': 'constraints' needs "
            "'constraints' or 'approximate' equations"
        )
    coefficients = np.concatenate([p.coefficients for p in polys])
    return TangentTruth(
        constraints=PolynomialSet(polys[0].exponents, coefficients),
        dof=spec.dof,
        description="null space of the constraint gradients",
    )


def family_for(spec: ProcessSpec, names: Sequence[str]) -> LinearFamily | None:
    """The family of linear maps searched for generators (``None``: skip the search)."""
    from symvae.directions.families import four_vector_family, general_family

    family = spec.directions.family
    if family == "auto":
        cartesian = len(names) % 4 == 0 and all(
            names[i].startswith("E") for i in range(0, len(names), 4)
        )
        family = "four_vectors" if cartesian else "general"
    if family == "none":
        return None
    if family == "four_vectors":
        if len(names) % 4:
            raise ConfigError(
                f"config key 'processes.{spec.name}.directions.family': four_vectors needs "
                f"(E, px, py, pz) per particle, got {len(names)} features"
            )
        return four_vector_family(len(names) // 4)
    return general_family(len(names), names)


def expected_generators(
    names: Sequence[str] | None, family: LinearFamily, x: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """Matrices ``(k, d, d)`` of named generators: family elements, or for two features
    ``rotation``, ``dilation`` and ``squeezed_rotation`` (Σ^{1/2} J Σ^{-1/2}, Σ = cov(x))."""
    from symvae.directions.families import covariance_rotations

    if names is None:
        return None
    d = x.shape[1]
    out = []
    for name in names:
        if name == "squeezed_rotation":
            out.extend(covariance_rotations(np.cov(x, rowvar=False)))
        elif name == "rotation" and d == 2:
            out.append(family.basis[0])
        elif name == "dilation":
            out.append(np.eye(d) / np.sqrt(d))
        else:
            try:
                out.append(family.element(name))
            except KeyError as err:
                raise ConfigError(f"expected generator '{name}': {err.args[0]}") from None
    return np.asarray(out).reshape(-1, d, d)


def _subsample(x: NDArray[np.float64], n: int, seed: int) -> NDArray[np.float64]:
    if len(x) <= n:
        return x
    idx = np.random.default_rng(seed).choice(len(x), n, replace=False)
    return x[np.sort(idx)]


def _baselines(x: NDArray[np.float64], seed: int) -> Baselines:
    est = baseline_estimates(x, seed=seed)
    figures: dict[str, Any] = {}
    for name, value in est.values.items():
        figures[name] = value
        figures[f"{name}_std"] = est.spreads.get(name, np.nan)
    return Baselines(
        description="intrinsic-dimension baselines on the held-out events: PCA components for "
        f"{est.pca_fraction:.0%} of the variance (standardized features) and scikit-dimension's "
        "TwoNN, MLE and local PCA; values are means over disjoint subsamples, spreads their std",
        n_points=est.n_points,
        n_subsamples=est.n_subsamples,
        pca_fraction=est.pca_fraction,
        samples={k: np.asarray(v, dtype=np.float64) for k, v in est.samples.items() if v},
        explained_variance=est.explained_variance,
        estimates=Estimates(**figures),
    )


def _constraints(spec: ProcessSpec, result: ConstraintResult, names: Sequence[str]) -> Constraints:
    analytic = None
    equations = _equations(spec, names, "constraints")
    if equations is not None:
        score = score_constraints(result, equations)
        analytic = Analytic(
            equations=list(spec.directions.constraints),
            residuals=score.analytic_residuals,
            angles=score.angles,
            grassmann_distance=score.grassmann_distance,
            dim_discovered=score.dim_discovered,
            dim_analytic=score.dim_analytic,
            n_linear=score.n_linear_analytic,
            n_quadratic=score.n_quadratic_analytic,
            n_expected=score.n_linear_analytic + score.n_quadratic_analytic,
            counts_match=score.counts_match,
        )
    approximate = None
    if spec.directions.approximate:
        cands = score_candidates(result, list(spec.directions.approximate))
        approximate = Approximate(
            equations=[c.equation for c in cands],
            residuals=np.asarray([c.residual for c in cands]),
            angle_null=np.asarray([c.angle_null for c in cands]),
            angle_near=np.asarray([c.angle_near for c in cands]),
        )
    return Constraints(
        tolerance=result.tolerance,
        n_points=result.n_points,
        n_linear=result.n_linear,
        n_quadratic=result.n_quadratic,
        equations=list(result.equations),
        residuals=np.asarray(result.residuals, dtype=np.float64),
        n_found=result.n_constraints,
        gap=result.gap,
        consistent=result.consistent,
        spectrum=result.spectrum,
        near=Near(
            equations=[r.equation for r in result.near],
            residuals=np.asarray([r.residual for r in result.near], dtype=np.float64),
        ),
        coefficients=result.constraints.coefficients,
        exponents=result.exponents,
        analytic=analytic,
        approximate=approximate,
    )


def _generators(
    result: GeneratorResult, family: LinearFamily, spec: ProcessSpec, x: NDArray[np.float64]
) -> Generators:
    from symvae.directions.scoring import score_generators

    expected: dict[str, Expected | None] = {}
    for key, names, found in (
        ("algebra", spec.directions.algebra, result.algebra.basis),
        ("symmetries", spec.directions.symmetries, result.generators),
    ):
        matrices = expected_generators(names, family, x)
        expected[key] = None
        if matrices is not None:
            score = score_generators(found, matrices)
            expected[key] = Expected(
                matrices=matrices,
                names=list(names or ()),
                angles=score.angles,
                n_expected=score.n_expected,
                n_found=score.n_found,
                grassmann_distance=score.distance,
            )
    alg = result.algebra
    return Generators(
        family=family.name,
        family_names=list(family.names),
        algebra=Algebra(
            matrices=alg.basis,
            violations=alg.violations,
            labels=list(alg.labels()),
            dim=alg.dim,
            rtol=alg.rtol,
            gap=alg.gap,
            closure=alg.closure,
        ),
        distribution=Distribution(
            matrices=result.generators,
            labels=list(result.labels),
            rank_test=RankTest(
                statistics=result.rank_tests.statistics,
                dof=result.rank_tests.dof,
                p_values=result.rank_tests.p_values,
            ),
            mmd=MMDTests(
                t_values=result.confirmation.t_values,
                statistics=result.confirmation.statistics,
                p_values=result.confirmation.p_values,
            ),
            confirmed=result.confirmation.confirmed,
            n_generators=result.n_generators,
            alpha=result.alpha,
            n_discovery=result.counts.n_discovery,
            n_holdout=result.counts.n_holdout,
            notes=list(result.notes),
        ),
        expected_algebra=expected["algebra"],
        expected_symmetries=expected["symmetries"],
    )


def analyze_directions(
    spec: ProcessSpec,
    features: str | Path,
    models: Mapping[int, str | Path],
    evaluations: Mapping[int, str | Path],
    out: str | Path,
    settings: DirectionsSettings | None = None,
) -> Path:
    """Tangent spaces, constraints, generators and baselines of one process: ``directions.h5``.

    Parameters
    ----------
    spec:
        The process (its ``directions`` entry holds the analytic truth).
    features:
        ``features.h5`` of the process.
    models, evaluations:
        Per training seed, ``model.pt`` and its ``evaluation.h5`` (for the relevant latents).
    out:
        Output path; written atomically.
    settings:
        Sample sizes and decision levels (:class:`DirectionsSettings`).
    """
    from tqdm.auto import tqdm

    from symvae.directions.generators import find_generators
    from symvae.directions.tangents import evaluate_tangents
    from symvae.outputs.model import load_model

    cfg = settings or DirectionsSettings()
    ff = read_features(features)
    names = ff.dataset.feature_names
    x_all = ff.dataset.features
    x_test = ff.part(TEST)
    truth = tangent_truth(spec, ff)
    family = family_for(spec, names)
    seeds = sorted(models)
    steps = tqdm(total=3 + len(seeds), desc=f"directions {spec.name}", unit="step")

    baselines = _baselines(x_test, cfg.seed)
    steps.update()
    found = find_constraints(
        x_all, names, tolerance=cfg.tolerance, max_points=cfg.max_constraint_points,
        seed=cfg.seed, degree=cfg.constraint_degree(len(x_all), len(names)),
    )  # fmt: skip
    constraints = _constraints(spec, found, names)
    steps.update()

    tangent_seeds: dict[int, TangentSeed] = {}
    decoder: dict[int, NDArray[np.float64]] = {}
    for seed in seeds:
        trained = load_model(models[seed])
        relevant = np.flatnonzero(Evaluation.load(evaluations[seed]).relevant)
        mu, _ = trained.encode(x_test)
        reconstructed = trained.decode(mu)
        if found.n_constraints:
            decoder[seed] = relative_residual(found.constraints, reconstructed)
        if truth is not None and spec.dof is not None and len(relevant) >= spec.dof:
            score = evaluate_tangents(
                trained, x_test, truth, relevant=relevant, k=spec.dof,
                max_events=cfg.max_tangent_events, seed=cfg.seed,
            )  # fmt: skip
            tangent_seeds[seed] = TangentSeed(
                max_angle_deg=score.max_angle, angles_deg=score.angles,
                singular_values=score.singular_values, median_deg=score.median,
                p90_deg=score.p90, gap_median=score.gap_median,
            )  # fmt: skip
        steps.update()
    medians = [t.median_deg for t in tangent_seeds.values()]
    p90s = [t.p90_deg for t in tangent_seeds.values()]
    tangents = Tangents(
        truth=truth.description if truth is not None else "unknown",
        seeds=tangent_seeds,
        median_deg=float(np.median(medians)) if medians else np.nan,
        p90_deg=float(np.median(p90s)) if p90s else np.nan,
    )

    generators = None
    if family is not None:
        x_gen = _subsample(x_all, cfg.max_generator_events, cfg.seed)
        result = find_generators(
            x_gen, found.constraints if found.n_constraints else None, family,
            rtol=cfg.algebra_rtol, alpha=cfg.alpha, degree=cfg.test_degree(len(names)),
            seed=cfg.seed,
        )  # fmt: skip
        generators = _generators(result, family, spec, x_gen)
    steps.update()
    steps.close()
    record = Directions(
        process=spec.name,
        dof_expected=spec.dof_attribute,
        n_events=len(x_all),
        n_test=len(x_test),
        seeds=np.asarray(seeds, dtype=np.int64),
        feature_names=list(names),
        feature_units=list(ff.dataset.units),
        truth_json=spec.to_dict()["directions"],
        settings_json=cfg.__dict__,
        provenance_json=provenance(),
        baselines=baselines,
        constraints=constraints,
        tangents=tangents,
        decoder=Decoder(seeds=decoder),
        generators=generators,
    )
    return record.save(out)
