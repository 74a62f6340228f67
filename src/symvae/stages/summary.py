"""Summary: every process's relevance and directions in one file (rule ``summarize``)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symvae.errors import DataError
from symvae.io.hdf5 import atomic_h5, open_h5, write_json_attr, write_str_list_attr
from symvae.provenance import provenance

__all__ = ["summarize"]


def summarize(
    relevance_files: Mapping[str, str | Path],
    out: str | Path,
    config: Mapping[str, Any] | None = None,
    directions_files: Mapping[str, str | Path] | None = None,
) -> Path:
    """Gather every process's ``relevance.h5`` (and ``directions.h5``, where given) into
    ``summary.h5`` (schema: docs/outputs.md)."""
    from symvae.directions.steps import summary_attrs

    names = list(relevance_files)
    threshold = None
    seeds: np.ndarray | None = None
    with atomic_h5(out) as s:
        for name in names:
            path = relevance_files[name]
            with open_h5(path) as f:
                try:
                    g = s.create_group(name)
                    for key in (
                        "relevance",
                        "posterior_width",
                        "kl",
                        "n_relevant",
                        "local_dof",
                        "local_dof_twonn",
                    ):
                        g[key] = f[key][()]
                    g["seeds"] = f.attrs["seeds"]
                    g["threshold_scan/thresholds"] = f["threshold_scan/thresholds"][()]
                    g["threshold_scan/n_relevant"] = f["threshold_scan/n_relevant"][()]
                    n_rel = [int(v) for v in f["n_relevant"][()]]
                    local = [int(v) for v in f["local_dof"][()]]
                    g.attrs.update(
                        {
                            "dof_expected": int(f.attrs["dof_expected"]),
                            "dof_measured": int(statistics.median_low(local)),
                            "n_relevant": int(statistics.median_low(n_rel)),
                            "n_relevant_min": min(n_rel),
                            "n_relevant_max": max(n_rel),
                            "local_dof_twonn_median": float(np.median(f["local_dof_twonn"][()])),
                            "threshold": float(f.attrs["threshold"]),
                            "generator": str(f.attrs["generator"]),
                            "description": str(f.attrs.get("description", "")),
                            "count_note": str(f.attrs.get("count_note", "")),
                            "kind": str(f.attrs.get("kind", "toy")),
                            "exact": bool(f.attrs.get("exact", True)),
                            "compare_to": str(f.attrs.get("compare_to", "")),
                        }
                    )
                    write_str_list_attr(
                        g, "constraints", [str(c) for c in f.attrs.get("constraints", [])]
                    )
                    if "theory" in f:
                        rel = f["relevance"][()]
                        theory = np.broadcast_to(f["theory/relevance"][()], rel.shape)
                        g["relevance_theory"] = theory
                        g["eigenvalues"] = f["theory/eigenvalues"][()]
                        g["principal_angles_deg"] = f["theory/principal_angles_deg"][()]
                        g["max_abs_deviation"] = np.abs(rel - theory).max(axis=1)
                        ratio = np.zeros(rel.shape[1])
                        r = f["theory/heldout_variance_ratio"][()]
                        ratio[: min(len(r), len(ratio))] = r[: len(ratio)]
                        corrected = theory * ratio
                        g["relevance_theory_heldout"] = corrected
                        g["max_abs_deviation_heldout"] = np.abs(rel - corrected).max(axis=1)
                        g.attrs["n_relevant_theory"] = int(f["theory"].attrs["n_relevant"])
                    if directions_files and name in directions_files:
                        g.attrs.update(summary_attrs(directions_files[name]))
                    threshold = float(f.attrs["threshold"])
                    seeds = f.attrs["seeds"]
                except KeyError as err:
                    raise DataError(
                        f"{path}: not a symvae relevance file (missing {err})"
                    ) from None
        write_str_list_attr(s, "processes", names)
        s.attrs["threshold"] = threshold if threshold is not None else np.nan
        s.attrs["seeds"] = seeds if seeds is not None else np.zeros(0, dtype=np.int64)
        write_json_attr(s, "config_json", dict(config or {}))
        write_json_attr(s, "provenance_json", provenance())
    return Path(out)
