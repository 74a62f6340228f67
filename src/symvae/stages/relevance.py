"""Relevance: every seed's evaluation of one process side by side, with the process's truth
(rule ``collect``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symvae.config import ProcessSpec
from symvae.io.hdf5 import atomic_h5, open_h5, write_json_attr, write_str_list_attr
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
    rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("relevance", "posterior_width", "kl", "scan")
    }
    scalars: dict[str, list[Any]] = {"n_relevant": [], "local_dof": [], "local_dof_twonn": []}
    angles: list[np.ndarray] = []
    thresholds = theory = None
    with atomic_h5(out) as f:
        for seed in seeds:
            with open_h5(evaluations[seed]) as e:
                e.copy(e["/"], f, name=f"seed{seed}")
                order = e["order"][()]
                rows["relevance"].append(e["activity"][()][order])
                rows["posterior_width"].append(e["posterior_width"][()][order])
                rows["kl"].append(e["kl"][()][order])
                rows["scan"].append(e["threshold_scan/n_relevant"][()])
                thresholds = e["threshold_scan/thresholds"][()]
                for key in scalars:
                    scalars[key].append(e.attrs[key])
                if "theory" in e:
                    theory = e["theory"]
                    angles.append(e["theory/principal_angles_deg"][()])
                    if "theory" not in f:
                        g = f.create_group("theory")
                        g["eigenvalues"] = theory["eigenvalues"][()]
                        g["relevance"] = theory["relevance"][()]
                        g["heldout_variance_ratio"] = theory["heldout_variance_ratio"][()]
                        g.attrs.update(dict(theory.attrs))
        f["relevance"] = np.stack(rows["relevance"])
        f["posterior_width"] = np.stack(rows["posterior_width"])
        f["kl"] = np.stack(rows["kl"])
        f["n_relevant"] = np.asarray(scalars["n_relevant"], dtype=np.int64)
        f["local_dof"] = np.asarray(scalars["local_dof"], dtype=np.int64)
        f["local_dof_twonn"] = np.asarray(scalars["local_dof_twonn"], dtype=np.float64)
        f["threshold_scan/thresholds"] = thresholds
        f["threshold_scan/n_relevant"] = np.stack(rows["scan"])
        if angles:
            f["theory/principal_angles_deg"] = _pad_stack(angles)
        ff = _feature_names(features)
        f.attrs.update(
            {
                "process": spec.name,
                "generator": spec.generator or (spec.events or {}).get("source", ""),
                "kind": spec.kind,
                "exact": spec.exact,
                "compare_to": spec.compare_to,
                "dof_expected": spec.dof,
                "measure": "activity",
                "threshold": spec.relevance.threshold,
                "latent_dim": spec.vae.latent_dim,
                "seeds": np.asarray(seeds, dtype=np.int64),
                "description": spec.description,
                "count_note": spec.count_note,
            }
        )
        for key, values in ff.items():
            write_str_list_attr(f, key, values)
        write_str_list_attr(f, "constraints", list(spec.constraints or spec.conserved))
        write_json_attr(f, "config_json", spec.to_dict())
        write_json_attr(f, "provenance_json", provenance())
    return Path(out)


def _feature_names(features: str | Path | None) -> dict[str, list[str]]:
    """Names of features and truth variables of a ``features.h5`` (empty lists for none)."""
    if features is None:
        return {"feature_names": [], "feature_units": [], "truth_names": []}
    with open_h5(features) as f:
        return {
            "feature_names": [str(s) for s in f["features"].attrs["names"]],
            "feature_units": [str(s) for s in f["features"].attrs["units"]],
            "truth_names": list(f["truth"].keys()),
        }


def _pad_stack(arrays: list[np.ndarray]) -> np.ndarray:
    width = max((len(a) for a in arrays), default=0)
    out = np.full((len(arrays), width), np.nan)
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out
