"""Toy datasets: draw a process's features directly (rule ``generate``)."""

from __future__ import annotations

from pathlib import Path

from symvae.config import ProcessSpec
from symvae.datasets import generate
from symvae.outputs.features import (
    make_split,
    write_features,
)
from symvae.provenance import provenance

__all__ = ["make_features"]


def make_features(spec: ProcessSpec, out: str | Path) -> Path:
    """Generate the events of ``spec`` and write ``features.h5`` (with split and truth)."""
    ds = generate(spec.generator, spec.data.n_events, spec.data.seed, spec.params)
    split = make_split(
        ds.n_events, spec.data.validation_fraction, spec.data.test_fraction, spec.data.seed
    )
    write_features(
        out,
        ds,
        split,
        {
            "process": spec.name,
            "generator": spec.generator,
            "dof_expected": spec.dof_attribute,
            "data_seed": spec.data.seed,
            "params": dict(spec.params),
            "conserved": list(spec.conserved),
            "provenance": provenance(),
        },
    )
    return Path(out)
