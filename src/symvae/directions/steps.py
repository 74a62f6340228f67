"""The symmetry-direction step of the workflow: one process, every seed, ``directions.h5``.

:func:`analyze_directions` runs, on one process's features and trained models,

1. the intrinsic-dimension baselines (PCA, TwoNN, MLE, local PCA) on the held-out events;
2. constraint discovery on the events, scored against the analytic constraints of the
   config, and the residual of every discovered relation on the decoder's outputs;
3. per seed, the learned tangent spaces against the true ones;
4. the constraint-preserving Lie algebra of the discovered constraints and its part that
   preserves the distribution, scored against the expected generators of the config;

and writes everything to one self-describing HDF5 file (schema: ``docs/outputs.md``).
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
from symvae.directions.constraints import (
    ConstraintResult,
    find_constraints,
    parse_constraints,
    relative_residual,
    score_candidates,
    score_constraints,
)
from symvae.directions.polynomials import PolynomialSet
from symvae.errors import ConfigError
from symvae.io.features import TEST, FeatureFile, read_features
from symvae.io.hdf5 import atomic_h5, open_h5, write_json_attr, write_str_list_attr
from symvae.provenance import provenance

if TYPE_CHECKING:
    import h5py

    from symvae.directions.generators import GeneratorResult, LinearFamily
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
    from symvae.directions.generators import four_vector_family, general_family

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
    from symvae.directions.generators import covariance_rotations

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


def _write_strings(g: h5py.Group, name: str, values: Sequence[str]) -> None:
    import h5py

    g.create_dataset(name, data=np.asarray(list(values), dtype=object), dtype=h5py.string_dtype())


def _write_baselines(f: h5py.File, x: NDArray[np.float64], seed: int) -> None:
    est = baseline_estimates(x, seed=seed)
    g = f.create_group("baselines")
    g.attrs["description"] = (
        "intrinsic-dimension baselines on the held-out events: PCA components for "
        f"{est.pca_fraction:.0%} of the variance (standardized features) and scikit-dimension's "
        "TwoNN, MLE and local PCA; values are means over disjoint subsamples, spreads their std"
    )
    g.attrs["n_points"] = est.n_points
    g.attrs["n_subsamples"] = est.n_subsamples
    g.attrs["pca_fraction"] = est.pca_fraction
    for name, value in est.values.items():
        g.attrs[name] = value
        g.attrs[f"{name}_std"] = est.spreads.get(name, np.nan)
        if est.samples.get(name):
            g[f"samples/{name}"] = np.asarray(est.samples[name], dtype=np.float64)
    g["explained_variance"] = est.explained_variance
    g["explained_variance"].attrs["description"] = "PCA explained-variance ratios, descending"


def _write_constraints(
    f: h5py.File, spec: ProcessSpec, result: ConstraintResult, names: Sequence[str]
) -> None:
    g = f.create_group("constraints")
    g.attrs.update(
        {
            "description": "polynomial relations g(x) = 0 of degree <= 2 obeyed by the events",
            "tolerance": result.tolerance,
            "n_points": result.n_points,
            "n_linear": result.n_linear,
            "n_quadratic": result.n_quadratic,
            "n_found": result.n_constraints,
            "gap": result.gap,
            "consistent": result.consistent,
        }
    )
    _write_strings(g, "equations", result.equations)
    g["residuals"] = np.asarray(result.residuals, dtype=np.float64)
    g["residuals"].attrs["description"] = "relative residual RMS g / RMS |terms| of each equation"
    g["spectrum"] = result.spectrum
    g["spectrum"].attrs["description"] = "ascending residual spectrum of the monomial library"
    _write_strings(g, "near/equations", [r.equation for r in result.near])
    g["near/residuals"] = np.asarray([r.residual for r in result.near], dtype=np.float64)
    g["coefficients"] = result.constraints.coefficients
    g["exponents"] = result.exponents
    g["coefficients"].attrs["description"] = (
        "coefficients (physical units) of the minimal constraints over the monomials 'exponents'"
    )
    analytic = _equations(spec, names, "constraints")
    if analytic is not None:
        score = score_constraints(result, analytic)
        a = g.create_group("analytic")
        _write_strings(a, "equations", spec.directions.constraints)
        a["residuals"] = score.analytic_residuals
        a["angles"] = score.angles
        a.attrs.update(
            {
                "grassmann_distance": score.grassmann_distance,
                "dim_discovered": score.dim_discovered,
                "dim_analytic": score.dim_analytic,
                "n_linear": score.n_linear_analytic,
                "n_quadratic": score.n_quadratic_analytic,
                "n_expected": score.n_linear_analytic + score.n_quadratic_analytic,
                "counts_match": score.counts_match,
            }
        )
    if spec.directions.approximate:
        cands = score_candidates(result, list(spec.directions.approximate))
        a = g.create_group("approximate")
        _write_strings(a, "equations", [c.equation for c in cands])
        a["residuals"] = np.asarray([c.residual for c in cands])
        a["angle_null"] = np.asarray([c.angle_null for c in cands])
        a["angle_near"] = np.asarray([c.angle_near for c in cands])
        a.attrs["description"] = (
            "approximate relations from the config: relative residual on the events and angle "
            "(rad) to the accepted null space, and to it extended by the nearest rejected "
            "directions"
        )


def _write_generators(
    f: h5py.File,
    result: GeneratorResult,
    family: LinearFamily,
    spec: ProcessSpec,
    x: NDArray[np.float64],
) -> None:
    from symvae.directions.generators import score_generators

    g = f.create_group("generators")
    g.attrs["family"] = family.name
    write_str_list_attr(g, "family_names", list(family.names))
    alg = g.create_group("algebra")
    alg["matrices"] = result.algebra.basis
    alg["violations"] = result.algebra.violations
    _write_strings(alg, "labels", result.algebra.labels())
    alg.attrs.update(
        {
            "description": "basis (Frobenius-orthonormal) of the linear maps A preserving "
            "every discovered constraint: grad g(x) . (A x) = 0 on the events",
            "dim": result.algebra.dim,
            "rtol": result.algebra.rtol,
            "gap": result.algebra.gap,
            "closure": result.algebra.closure,
        }
    )
    dist = g.create_group("distribution")
    dist["matrices"] = result.generators
    _write_strings(dist, "labels", list(result.labels))
    dist["rank_test/statistics"] = result.statistics
    dist["rank_test/dof"] = result.dof
    dist["rank_test/p_values"] = result.p_values
    dist["mmd/t_values"] = result.t_values
    dist["mmd/statistics"] = result.mmd_statistics
    dist["mmd/p_values"] = result.mmd_p_values
    dist["confirmed"] = result.confirmed
    dist.attrs.update(
        {
            "description": "generators inside the algebra whose flow preserves the distribution "
            "(sequential rank test of E[grad f . A x] = 0 at level alpha, each confirmed by MMD "
            "tests of x against exp(tA) x)",
            "n_generators": result.n_generators,
            "alpha": result.alpha,
            "n_discovery": result.n_discovery,
            "n_holdout": result.n_holdout,
        }
    )
    write_str_list_attr(dist, "notes", list(result.notes))
    for key, names, found in (
        ("expected_algebra", spec.directions.algebra, result.algebra.basis),
        ("expected_symmetries", spec.directions.symmetries, result.generators),
    ):
        expected = expected_generators(names, family, x)
        if expected is None:
            continue
        score = score_generators(found, expected)
        e = g.create_group(key)
        e["matrices"] = expected
        _write_strings(e, "names", list(names or ()))
        e["angles"] = score.angles
        e.attrs.update(
            {
                "n_expected": score.n_expected,
                "n_found": score.n_found,
                "grassmann_distance": score.distance,
            }
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
    from symvae.vae import load_model

    cfg = settings or DirectionsSettings()
    ff = read_features(features)
    names = ff.dataset.feature_names
    x_all = ff.dataset.features
    x_test = ff.part(TEST)
    truth = tangent_truth(spec, ff)
    family = family_for(spec, names)
    seeds = sorted(models)
    steps = tqdm(total=3 + len(seeds), desc=f"directions {spec.name}", unit="step")

    with atomic_h5(out) as f:
        f.attrs.update(
            {
                "process": spec.name,
                "dof_expected": spec.dof,
                "n_events": len(x_all),
                "n_test": len(x_test),
                "seeds": np.asarray(seeds, dtype=np.int64),
            }
        )
        write_str_list_attr(f, "feature_names", list(names))
        write_str_list_attr(f, "feature_units", list(ff.dataset.units))
        write_json_attr(f, "truth_json", spec.to_dict()["directions"])
        write_json_attr(f, "settings_json", cfg.__dict__)
        write_json_attr(f, "provenance_json", provenance())

        _write_baselines(f, x_test, cfg.seed)
        steps.update()

        found = find_constraints(
            x_all, names, tolerance=cfg.tolerance, max_points=cfg.max_constraint_points,
            seed=cfg.seed,
        )  # fmt: skip
        _write_constraints(f, spec, found, names)
        steps.update()

        t = f.create_group("tangents")
        t.attrs["description"] = (
            "largest principal angle (deg) per held-out event between the learned tangent "
            "space (top-dof left singular vectors of J_dec P_relevant J_enc) and the true one, "
            "in standardized feature coordinates"
        )
        t.attrs["truth"] = truth.description if truth is not None else "unknown"
        decoder = f.create_group("decoder")
        decoder.attrs["description"] = (
            "relative residual, on the decoder's reconstructions of held-out events, of every "
            "constraint discovered in the events (the same order as constraints/equations)"
        )
        medians, p90s = [], []
        for seed in seeds:
            trained = load_model(models[seed])
            with open_h5(evaluations[seed]) as e:
                relevant = np.flatnonzero(e["relevant"][()])
            mu, _ = trained.encode(x_test)
            reconstructed = trained.decode(mu)
            if found.n_constraints:
                decoder[f"seed{seed}"] = relative_residual(found.constraints, reconstructed)
            if truth is not None and len(relevant) >= spec.dof:
                score = evaluate_tangents(
                    trained, x_test, truth, relevant=relevant, k=spec.dof,
                    max_events=cfg.max_tangent_events, seed=cfg.seed,
                )  # fmt: skip
                s = t.create_group(f"seed{seed}")
                s["max_angle_deg"] = score.max_angle
                s["angles_deg"] = score.angles
                s["singular_values"] = score.singular_values
                s.attrs.update({"median_deg": score.median, "p90_deg": score.p90})
                s.attrs["gap_median"] = score.gap_median
                medians.append(score.median)
                p90s.append(score.p90)
            steps.update()
        t.attrs["median_deg"] = float(np.median(medians)) if medians else np.nan
        t.attrs["p90_deg"] = float(np.median(p90s)) if p90s else np.nan

        if family is not None:
            x_gen = _subsample(x_all, cfg.max_generator_events, cfg.seed)
            result = find_generators(
                x_gen, found.constraints if found.n_constraints else None, family,
                rtol=cfg.algebra_rtol, alpha=cfg.alpha, degree=cfg.test_degree(len(names)),
                seed=cfg.seed,
            )  # fmt: skip
            _write_generators(f, result, family, spec, x_gen)
        steps.update()
    steps.close()
    return Path(out)


def summary_attrs(path: str | Path) -> dict[str, Any]:
    """The per-process figures of ``directions.h5`` that ``summary.h5`` carries."""
    out: dict[str, Any] = {}
    with open_h5(path) as f:
        t = f["tangents"].attrs
        out["tangent_angle_median_deg"] = float(t["median_deg"])
        out["tangent_angle_p90_deg"] = float(t["p90_deg"])
        c = f["constraints"]
        out["constraints_found"] = int(c.attrs["n_found"])
        if "analytic" in c:
            out["constraints_expected"] = int(c["analytic"].attrs["n_expected"])
            out["constraint_distance"] = float(c["analytic"].attrs["grassmann_distance"])
        else:
            out["constraints_expected"] = -1
            out["constraint_distance"] = np.nan
        b = f["baselines"].attrs
        for name in ("pca", "twonn", "mle", "lpca"):
            if name in b:
                out[f"baseline_{name}"] = float(b[name])
                out[f"baseline_{name}_std"] = float(b[f"{name}_std"])
        out["generators_found"] = -1
        out["generator_distance"] = np.nan
        out["algebra_dim"] = -1
        out["algebra_distance"] = np.nan
        if "generators" in f:
            g = f["generators"]
            out["generators_found"] = int(g["distribution"].attrs["n_generators"])
            out["algebra_dim"] = int(g["algebra"].attrs["dim"])
            if "expected_symmetries" in g:
                out["generator_distance"] = float(
                    g["expected_symmetries"].attrs["grassmann_distance"]
                )
                out["generators_expected"] = int(g["expected_symmetries"].attrs["n_expected"])
            if "expected_algebra" in g:
                out["algebra_distance"] = float(g["expected_algebra"].attrs["grassmann_distance"])
                out["algebra_expected"] = int(g["expected_algebra"].attrs["n_expected"])
    return out
