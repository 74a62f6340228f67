"""Scans: every point of a scanned setting measured side by side (rule ``scan_collect``).

Per point and seed the evaluation files of :func:`symvae.stages.evaluate` give the relevant
count, the median local dof and the sorted relevances of the latent directions;
:func:`collect_scan` stacks them into arrays ``(points, seeds)`` per process and adds what the
scan's measure asks for (:mod:`symvae.scans.measures`: the plateau of ``dof``, the freed
directions of ``breaking``, the p-values of ``symmetry``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from symvae.config.scans import ScanSetting
from symvae.errors import DataError
from symvae.outputs.evaluation import Evaluation
from symvae.outputs.scans import (
    BreakingMeasure,
    DofMeasure,
    PointStack,
    Reference,
    Scan,
    ScanProcess,
    SymmetryMeasure,
)
from symvae.provenance import provenance
from symvae.scans.measures import plateau, symmetry_pvalues

__all__ = ["PointEvaluation", "collect_scan", "read_point"]


@dataclass(frozen=True)
class PointEvaluation:
    """One trained model of a scan point: relevant count, local dof, sorted relevances."""

    seed: int
    n_relevant: int
    local_dof: float
    relevance: NDArray[np.float64]
    """``(latent_dim,)`` relevances in descending order."""
    local_spectrum: NDArray[np.float64]
    """``(n_relevant,)`` median local covariance eigenvalues of the latent means, descending."""


def read_point(path: str | Path) -> PointEvaluation:
    """The figures of one ``evaluation.h5`` that a scan needs."""
    e = Evaluation.load(path)
    return PointEvaluation(
        seed=int(e.seed),
        n_relevant=int(e.n_relevant),
        local_dof=float(e.local_dof),
        relevance=np.sort(np.asarray(e.relevance, dtype=np.float64))[::-1],
        local_spectrum=np.asarray(e.local_spectrum, dtype=np.float64),
    )


def _stack_points(per_point: Sequence[Sequence[str | Path]]) -> PointStack:
    """``(points, seeds)`` counts and local dofs and ``(points, seeds, latent)`` relevances."""
    evals = [[read_point(p) for p in paths] for paths in per_point]
    n_seeds = {len(e) for e in evals}
    if len(n_seeds) != 1:
        raise DataError(f"scan points have different numbers of seeds: {sorted(n_seeds)}")
    width = max(len(e.relevance) for row in evals for e in row)
    rel = np.full((len(evals), len(evals[0]), width), np.nan)
    for i, row in enumerate(evals):
        for j, e in enumerate(row):
            rel[i, j, : len(e.relevance)] = e.relevance
    k = max(len(e.local_spectrum) for row in evals for e in row)
    spectrum = np.zeros((len(evals), len(evals[0]), k))  # 0: no variance beyond the relevant
    for i, row in enumerate(evals):
        for j, e in enumerate(row):
            spectrum[i, j, : len(e.local_spectrum)] = e.local_spectrum
    n_relevant = np.array([[e.n_relevant for e in row] for row in evals], dtype=np.float64)
    local_dof = np.array([[e.local_dof for e in row] for row in evals], dtype=np.float64)
    return PointStack(
        seeds=np.array([e.seed for e in evals[0]], dtype=np.int64),
        local_spectrum=spectrum,
        n_relevant=n_relevant,
        local_dof=local_dof,
        relevance=rel,
        n_relevant_median=np.median(n_relevant, axis=1),
        local_dof_median=np.median(local_dof, axis=1),
    )


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
        Output path (written atomically; layout :mod:`symvae.outputs.scans`).
    reference:
        ``measure breaking``: evaluation files of the reference process (one per seed).
    """
    values = np.asarray(scan.values, dtype=np.float64)
    processes = {}
    for process, per_point in points.items():
        spec = scan.point_spec(process, 0)
        group = ScanProcess(dof=spec.dof_attribute, description=spec.description.rsplit(" [", 1)[0])
        if scan.measure == "symmetry":
            group.symmetry = _symmetry(scan, process, [Path(str(p)) for p in per_point])
        else:
            stack = _stack_points(per_point)  # type: ignore[arg-type]
            group.points = stack
            if scan.measure == "dof":
                pl = plateau(values, stack.local_dof_median, spec.dof)
                group.dof_measure = DofMeasure(
                    plateau_lo=pl.lo,
                    plateau_hi=pl.hi,
                    plateau_factor=pl.factor,
                    plateau_points=np.asarray(pl.indices, dtype=np.int64),
                    plateau_ok=pl.spans(scan.min_plateau),
                )
            elif scan.measure == "breaking":
                group.breaking = _breaking(scan, stack, spec.dof, reference)
        processes[process] = group
    record = Scan(
        scan=scan.name,
        parameter=scan.parameter,
        measure=scan.measure,
        description=scan.description,
        min_plateau=scan.min_plateau,
        symmetry=scan.symmetry,
        reference=scan.reference,
        values=values,
        values_parameter=scan.parameter,
        settings=scan.to_dict(),
        provenance=provenance(),
        processes=processes,
    )
    return record.save(out)


def _breaking(
    scan: ScanSetting, stack: PointStack, dof: int, reference: Sequence[str | Path]
) -> BreakingMeasure:
    base = round(float(np.median(stack.n_relevant[0])))
    ref = None
    if reference:
        r = _stack_points([reference])
        ref = Reference(
            reference_relevance=r.relevance[0],
            reference_n_relevant=r.n_relevant[0],
            reference_local_variance=r.local_spectrum[0][:, dof:],
            reference=scan.reference,
        )
    return BreakingMeasure(
        exact_count=base,
        freed_relevance=stack.relevance[:, :, base:],
        # a constraint broken inside the latent directions that are already used (the
        # ring's width) adds local thickness beyond the exact dof instead
        freed_local_variance=stack.local_spectrum[:, :, dof:],
        reference=ref,
    )


def _symmetry(scan: ScanSetting, process: str, features: Sequence[Path]) -> SymmetryMeasure:
    from symvae.directions.families import general_family
    from symvae.outputs.features import read_features
    from symvae.stages.directions import expected_generators, family_for

    rank, mmd, n = [], [], []
    for i, path in enumerate(features):
        ff = read_features(path)
        x = ff.dataset.features
        spec = scan.point_spec(process, i)
        names = ff.dataset.feature_names
        # a process that skips the generator search ('family: none') is tested in gl(d)
        family = family_for(spec, names) or general_family(len(names), names)
        mats = expected_generators([scan.symmetry], family, x)
        if mats is None:
            raise DataError(f"scan {scan.name}: symmetry {scan.symmetry!r} not in the family")
        res = symmetry_pvalues(x, mats[0], seed=i)
        rank.append(res.rank)
        mmd.append(res.mmd)
        n.append(res.n_events)
    return SymmetryMeasure(
        rank_p_value=np.asarray(rank),
        mmd_p_value=np.asarray(mmd),
        n_events=np.asarray(n, dtype=np.int64),
        symmetry=scan.symmetry,
    )
