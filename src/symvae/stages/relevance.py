"""Relevance: every seed's evaluation of one process side by side, with the process's truth
(rule ``collect``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from symvae.config import ProcessSpec
from symvae.outputs.evaluation import Evaluation, ThresholdScan
from symvae.outputs.features import read_feature_names
from symvae.outputs.layout import Provenance
from symvae.outputs.relevance import ProcessInfo, Relevance
from symvae.provenance import provenance

__all__ = ["collect"]


def collect(
    spec: ProcessSpec,
    evaluations: Mapping[int, str | Path],
    out: str | Path,
    features: str | Path | None = None,
) -> Path:
    """Merge the per-seed evaluations of one process into ``relevance.h5``; the feature and
    truth names come from ``features`` (the process's ``features.h5``) where given."""
    seeds = sorted(evaluations)
    evals = {seed: Evaluation.load(evaluations[seed]) for seed in seeds}
    rows = [evals[seed] for seed in seeds]
    first_theory = next((e.theory for e in rows if e.theory is not None), None)
    theory = None
    if first_theory is not None:
        angles = [e.theory.principal_angles_deg for e in rows if e.theory is not None]
        theory = dataclasses.replace(first_theory, principal_angles_deg=_pad_stack(angles))
    names = _feature_names(features)
    record = Relevance(
        relevance=np.stack([e.relevance[e.order] for e in rows]),
        posterior_width=np.stack([e.posterior_width[e.order] for e in rows]),
        kl=np.stack([e.kl[e.order] for e in rows]),
        n_relevant=np.asarray([e.n_relevant for e in rows], dtype=np.int64),
        local_dof=np.asarray([e.local_dof for e in rows], dtype=np.int64),
        local_dof_twonn=np.asarray([e.local_dof_twonn for e in rows], dtype=np.float64),
        threshold_scan=ThresholdScan(
            thresholds=rows[-1].threshold_scan.thresholds,
            n_relevant=np.stack([e.threshold_scan.n_relevant for e in rows]),
        ),
        theory=theory,
        evaluations=evals,
        process=spec.name,
        info=ProcessInfo(
            dof_expected=spec.dof_attribute,
            threshold=spec.relevance.threshold,
            generator=spec.generator or (spec.events or {}).get("source", ""),
            description=spec.description,
            count_note=spec.count_note,
            kind=spec.kind,
            exact=spec.exact,
            compare_to=spec.compare_to,
            constraints=list(spec.constraints or spec.conserved),
        ),
        latent_dim=spec.vae.latent_dim,
        seeds=np.asarray(seeds, dtype=np.int64),
        feature_names=names[0],
        feature_units=names[1],
        truth_names=names[2],
        provenance=Provenance(config_json=spec.to_dict(), provenance_json=provenance()),
    )
    return record.save(out)


def _feature_names(features: str | Path | None) -> tuple[list[str], list[str], list[str]]:
    """Names and units of the features and names of the truth variables of a
    ``features.h5`` (empty lists for none)."""
    if features is None:
        return [], [], []
    return read_feature_names(features)


def _pad_stack(arrays: list[np.ndarray]) -> np.ndarray:
    width = max((len(a) for a in arrays), default=0)
    out = np.full((len(arrays), width), np.nan)
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out
