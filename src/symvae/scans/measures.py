"""What a scan measures at each point, and ``scans/<scan>.h5``.

Per point and seed the evaluation files of :func:`symvae.stages.evaluate` give the
relevant count, the median local dof and the sorted activities of the latent directions.
:func:`collect_scan` stacks them into arrays ``(points, seeds)`` per process and adds

- ``measure dof``: the median over seeds of the local dof and the *plateau*, the widest run
  of consecutive values where it equals the analytic dof (:func:`plateau`), with its
  span ``factor = value_hi / value_lo``;
- ``measure breaking``: the activities of the directions beyond the count of the first
  point (the exact one): the directions a constraint removed regain relevance as it is
  broken; and the local variance of the latent means beyond the analytic dof, which is
  where a broken constraint shows when the directions already used can hold it (the ring's
  width lives in the plane of its two latent directions); a ``reference`` process (e.g. ISR
  on) is stored beside;
- ``measure symmetry``: per point, the p-values of the rank test and the MMD confirmation
  that the named generator preserves the distribution (:func:`symmetry_pvalues`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.config.scans import ScanSetting
from symvae.errors import DataError
from symvae.io.hdf5 import atomic_h5, open_h5, write_json_attr
from symvae.provenance import provenance

__all__ = [
    "Plateau",
    "PointEvaluation",
    "SymmetryPValues",
    "collect_scan",
    "plateau",
    "read_point",
    "symmetry_pvalues",
]


@dataclass(frozen=True)
class Plateau:
    """The widest run of consecutive scan values where the measured dof equals the truth.

    ``lo`` and ``hi`` are the first and last value of the run (``nan`` when there is none),
    ``factor`` their ratio (1 for a single point, 0 for none), ``indices`` the run's points.
    """

    lo: float
    hi: float
    factor: float
    indices: tuple[int, ...]

    def spans(self, factor: float) -> bool:
        """Whether the plateau spans at least ``factor`` in the parameter."""
        return bool(self.indices) and self.factor >= factor * (1 - 1e-9)


def plateau(values: ArrayLike, measured: ArrayLike, truth: float) -> Plateau:
    """The plateau of ``measured`` ``(n,)`` at ``truth`` over increasing ``values`` ``(n,)``.

    Values must be positive (a log grid); points whose measurement is ``nan`` break a run.
    Among runs of equal span, the first one (smallest values) is returned.
    """
    v = np.asarray(values, dtype=np.float64)
    m = np.asarray(measured, dtype=np.float64)
    if v.shape != m.shape or v.ndim != 1:
        raise ValueError(f"values and measured must be (n,), got {v.shape} and {m.shape}")
    if np.any(v <= 0) or np.any(np.diff(v) <= 0):
        raise ValueError("values must be positive and increasing")
    ok = np.isfinite(m) & (np.abs(m - truth) < 1e-9)
    best: tuple[int, ...] = ()
    best_factor = 0.0
    i = 0
    while i < len(v):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(v) and ok[j + 1]:
            j += 1
        factor = float(v[j] / v[i])
        if factor > best_factor:
            best, best_factor = tuple(range(i, j + 1)), factor
        i = j + 1
    if not best:
        return Plateau(float("nan"), float("nan"), 0.0, ())
    return Plateau(float(v[best[0]]), float(v[best[-1]]), best_factor, best)


@dataclass(frozen=True)
class PointEvaluation:
    """One trained model of a scan point: relevant count, local dof, sorted activities."""

    seed: int
    n_relevant: int
    local_dof: float
    activity: NDArray[np.float64]
    """``(latent_dim,)`` activities in descending order."""
    local_spectrum: NDArray[np.float64]
    """``(n_relevant,)`` median local covariance eigenvalues of the latent means, descending
    (empty in evaluation files written before it existed)."""


def read_point(path: str | Path) -> PointEvaluation:
    """The figures of one ``evaluation.h5`` that a scan needs."""
    with open_h5(path) as f:
        try:
            activity = np.sort(np.asarray(f["activity"], dtype=np.float64))[::-1]
            return PointEvaluation(
                seed=int(f.attrs["seed"]),
                n_relevant=int(f.attrs["n_relevant"]),
                local_dof=float(f.attrs["local_dof"]),
                activity=activity,
                local_spectrum=np.asarray(f.get("local_spectrum", np.zeros(0)), dtype=np.float64),
            )
        except KeyError as err:
            raise DataError(f"{path}: not an evaluation file (missing {err.args[0]})") from None


@dataclass(frozen=True)
class SymmetryPValues:
    """Does a generator preserve the distribution of a sample? The two tests' p-values.

    ``rank`` is the p-value of the Stein rank test that the generator's flow leaves
    ``E[∇f · A x] = 0`` for every test function (the powerful one); ``mmd`` the MMD
    confirmation's p-value, Bonferroni-combined over its flow times (``min(1, m · min p)``).
    """

    rank: float
    mmd: float
    n_events: int


def symmetry_pvalues(
    x: ArrayLike, generator: ArrayLike, *, max_events: int = 12_000, seed: int = 0
) -> SymmetryPValues:
    """p-values that ``generator`` ``(d, d)`` preserves the distribution of ``x`` ``(n, d)``.

    Uses :func:`symvae.directions.generators.distribution_generators` with the one-element
    algebra ``{generator}`` (a random subset of at most ``max_events`` events).
    """
    from symvae.directions.generators import distribution_generators

    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(generator, dtype=np.float64)
    if len(x) > max_events:
        idx = np.random.default_rng(seed).choice(len(x), max_events, replace=False)
        x = x[np.sort(idx)]
    result = distribution_generators(x, a[None], seed=seed)
    rank = float(result.p_values[0])
    if result.n_generators:
        p = np.asarray(result.mmd_p_values[0], dtype=np.float64)
    else:
        from symvae.directions.generators import flow_test

        p = flow_test(x, a, seed=seed).p_values
    mmd = float(min(1.0, len(p) * float(np.min(p)))) if len(p) else float("nan")
    return SymmetryPValues(rank=rank, mmd=mmd, n_events=len(x))


def _stack_points(
    per_point: Sequence[Sequence[str | Path]],
) -> dict[str, NDArray[np.float64]]:
    """``(points, seeds)`` counts and local dofs and ``(points, seeds, latent)`` activities."""
    evals = [[read_point(p) for p in paths] for paths in per_point]
    n_seeds = {len(e) for e in evals}
    if len(n_seeds) != 1:
        raise DataError(f"scan points have different numbers of seeds: {sorted(n_seeds)}")
    width = max(len(e.activity) for row in evals for e in row)
    act = np.full((len(evals), len(evals[0]), width), np.nan)
    for i, row in enumerate(evals):
        for j, e in enumerate(row):
            act[i, j, : len(e.activity)] = e.activity
    k = max(len(e.local_spectrum) for row in evals for e in row)
    spectrum = np.zeros((len(evals), len(evals[0]), k))  # 0: no variance beyond the relevant
    for i, row in enumerate(evals):
        for j, e in enumerate(row):
            spectrum[i, j, : len(e.local_spectrum)] = e.local_spectrum
    return {
        "seeds": np.array([e.seed for e in evals[0]], dtype=np.int64),
        "local_spectrum": spectrum,
        "n_relevant": np.array([[e.n_relevant for e in row] for row in evals], dtype=np.float64),
        "local_dof": np.array([[e.local_dof for e in row] for row in evals], dtype=np.float64),
        "activity": act,
    }


def _write_arrays(g: Any, arrays: Mapping[str, NDArray[Any]]) -> None:
    for key, value in arrays.items():
        g[key] = value


def collect_scan(
    scan: ScanSetting,
    points: Mapping[str, Sequence[Sequence[str | Path]] | Sequence[str | Path]],
    out: str | Path,
    reference: Sequence[str | Path] = (),
) -> Path:
    """Write ``scans/<scan>.h5`` from every point of every process.

    Parameters
    ----------
    scan:
        The scan settings.
    points:
        Per process, per point (in the order of ``scan.values``): the evaluation files of
        every seed (measures ``dof`` and ``breaking``), or one ``features.h5`` (``symmetry``).
    out:
        Output path (written atomically).
    reference:
        ``measure breaking``: evaluation files of the reference process (one per seed).

    Layout: root attributes ``scan``, ``parameter``, ``measure``, ``values`` (JSON), settings
    and provenance; one group per process with ``dof`` and the measure's datasets
    (documented in ``docs/outputs.md``).
    """
    values = np.asarray(scan.values, dtype=np.float64)
    with atomic_h5(out) as f:
        f.attrs.update(
            {
                "scan": scan.name,
                "parameter": scan.parameter,
                "measure": scan.measure,
                "description": scan.description,
                "min_plateau": scan.min_plateau,
                "symmetry": scan.symmetry,
                "reference": scan.reference,
            }
        )
        f["values"] = values
        f["values"].attrs["parameter"] = scan.parameter
        write_json_attr(f, "settings", scan.to_dict())
        write_json_attr(f, "provenance", provenance())
        for process, per_point in points.items():
            spec = scan.point_spec(process, 0)
            g = f.create_group(process)
            g.attrs["dof"] = spec.dof
            g.attrs["description"] = spec.description.rsplit(" [", 1)[0]
            if scan.measure == "symmetry":
                _symmetry_group(g, scan, process, [Path(str(p)) for p in per_point])
                continue
            arrays = _stack_points(per_point)  # type: ignore[arg-type]
            _write_arrays(g, arrays)
            local_dof = np.median(arrays["local_dof"], axis=1)
            g["n_relevant_median"] = np.median(arrays["n_relevant"], axis=1)
            g["local_dof_median"] = local_dof
            if scan.measure == "dof":
                pl = plateau(values, local_dof, spec.dof)
                g.attrs.update(
                    {
                        "plateau_lo": pl.lo,
                        "plateau_hi": pl.hi,
                        "plateau_factor": pl.factor,
                        "plateau_points": np.asarray(pl.indices, dtype=np.int64),
                        "plateau_ok": pl.spans(scan.min_plateau),
                    }
                )
            elif scan.measure == "breaking":
                base = round(float(np.median(arrays["n_relevant"][0])))
                g.attrs["exact_count"] = base
                g["freed_activity"] = arrays["activity"][:, :, base:]
                # a constraint broken inside the latent directions that are already used
                # (the ring's width) adds local thickness beyond the exact dof instead
                g["freed_local_variance"] = arrays["local_spectrum"][:, :, spec.dof :]
                if reference:
                    ref = _stack_points([reference])
                    g["reference_activity"] = ref["activity"][0]
                    g["reference_n_relevant"] = ref["n_relevant"][0]
                    g["reference_local_variance"] = ref["local_spectrum"][0][:, spec.dof :]
                    g.attrs["reference"] = scan.reference
    return Path(out)


def _symmetry_group(g: Any, scan: ScanSetting, process: str, features: Sequence[Path]) -> None:
    from symvae.directions.generators import general_family
    from symvae.directions.steps import expected_generators, family_for
    from symvae.io.features import read_features

    rank, mmd, n = [], [], []
    for i, path in enumerate(features):
        ff = read_features(path)
        x = ff.dataset.features
        spec = scan.point_spec(process, i)
        names = ff.dataset.feature_names
        # a process that skips the generator search ('family: none') is tested in gl(d)
        family = family_for(spec, names) or general_family(len(names), names)
        mats = expected_generators([scan.symmetry], family, x)
        assert mats is not None
        res = symmetry_pvalues(x, mats[0], seed=i)
        rank.append(res.rank)
        mmd.append(res.mmd)
        n.append(res.n_events)
    g["rank_p_value"] = np.asarray(rank)
    g["mmd_p_value"] = np.asarray(mmd)
    g["n_events"] = np.asarray(n, dtype=np.int64)
    g.attrs["symmetry"] = scan.symmetry
