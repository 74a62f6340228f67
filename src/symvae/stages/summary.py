"""Summary: every process's relevance and directions in one file (rule ``summarize``)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symvae.outputs.directions import Directions
from symvae.outputs.layout import Provenance
from symvae.outputs.relevance import Relevance
from symvae.outputs.summary import DirectionsFigures, LinearTheory, ProcessSummary, Summary
from symvae.provenance import provenance

__all__ = ["summarize"]


def summarize(
    relevance_files: Mapping[str, str | Path],
    out: str | Path,
    config: Mapping[str, Any] | None = None,
    directions_files: Mapping[str, str | Path] | None = None,
) -> Path:
    """Gather every process's ``relevance.h5`` (and ``directions.h5``, where given) into
    ``summary.h5`` (layout: :mod:`symvae.outputs.summary`)."""
    groups = {
        name: _process(Relevance.load(path), (directions_files or {}).get(name))
        for name, path in relevance_files.items()
    }
    thresholds = {g.info.threshold for g in groups.values()}
    seeds = [g.seeds for g in groups.values()]
    record = Summary(
        process_groups=groups,
        processes=list(groups),
        threshold=thresholds.pop() if len(thresholds) == 1 else np.nan,
        seeds=seeds[-1] if seeds else np.zeros(0, dtype=np.int64),
        provenance=Provenance(config_json=dict(config or {}), provenance_json=provenance()),
    )
    return record.save(out)


def _process(r: Relevance, directions: str | Path | None) -> ProcessSummary:
    """One process's summary group from its relevance file (and directions file)."""
    n_rel = [int(v) for v in r.n_relevant]
    local = [int(v) for v in r.local_dof]
    return ProcessSummary(
        relevance=r.relevance,
        posterior_width=r.posterior_width,
        kl=r.kl,
        n_relevant=r.n_relevant,
        local_dof=r.local_dof,
        local_dof_twonn=r.local_dof_twonn,
        seeds=r.seeds,
        threshold_scan=r.threshold_scan,
        info=r.info,
        dof_measured=int(statistics.median_low(local)),
        n_relevant_median=int(statistics.median_low(n_rel)),
        n_relevant_min=min(n_rel),
        n_relevant_max=max(n_rel),
        local_dof_twonn_median=float(np.median(r.local_dof_twonn)),
        theory=_linear_theory(r),
        directions=DirectionsFigures.of(Directions.load(directions)) if directions else None,
    )


def _linear_theory(r: Relevance) -> LinearTheory | None:
    """The linear-VAE prediction against every seed's relevance, where the process has one."""
    if r.theory is None:
        return None
    rel = r.relevance
    theory = np.broadcast_to(r.theory.relevance, rel.shape)
    ratio = np.zeros(rel.shape[1])
    held = r.theory.heldout_variance_ratio
    ratio[: min(len(held), len(ratio))] = held[: len(ratio)]
    corrected = theory * ratio
    return LinearTheory(
        relevance_theory=theory,
        eigenvalues=r.theory.eigenvalues,
        principal_angles_deg=r.theory.principal_angles_deg,
        max_abs_deviation=np.abs(rel - theory).max(axis=1),
        relevance_theory_heldout=corrected,
        max_abs_deviation_heldout=np.abs(rel - corrected).max(axis=1),
        n_relevant_theory=r.theory.n_relevant,
    )
