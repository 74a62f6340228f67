"""The event store: particles per event as jagged arrays, one ROOT file per process.

An :class:`Events` holds, for ``n`` events, an awkward array ``particles`` of shape
``(n, var)`` whose records have the fields ``px, py, pz, E`` (GeV), ``pid`` (PDG id, int32)
and ``charge`` (units of e, float32), plus a per-event ``weight`` of shape ``(n,)`` and a
JSON-serialisable ``metadata`` dict (generator, version, settings, seed, cross section...).

On disk it is ``events.root`` (:mod:`symvae.outputs.events`: writer, reader, branch names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.errors import DataError

__all__ = ["PARTICLE_FIELDS", "Events", "concatenate", "first_mismatch"]

#: Fields of a particle record and their dtypes.
PARTICLE_FIELDS: dict[str, type] = {
    "px": np.float64,
    "py": np.float64,
    "pz": np.float64,
    "E": np.float64,
    "pid": np.int32,
    "charge": np.float32,
}


@dataclass(frozen=True)
class Events:
    """Particles of ``n`` events: ``particles`` ``(n, var)`` records, ``weight`` ``(n,)``."""

    particles: ak.Array
    weight: NDArray[np.float64]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        source = self.metadata.get("source", "events")
        missing = [f for f in PARTICLE_FIELDS if f not in ak.fields(self.particles)]
        if missing:
            raise DataError(f"{source}: particle records lack field(s) {', '.join(missing)}")
        parts = ak.zip(
            {k: ak.values_astype(self.particles[k], t) for k, t in PARTICLE_FIELDS.items()}
        )
        object.__setattr__(self, "particles", parts)
        weight = np.asarray(self.weight, dtype=np.float64)
        if weight.shape != (len(parts),):
            raise DataError(f"{source}: weight has shape {weight.shape}, want ({len(parts)},)")
        object.__setattr__(self, "weight", weight)
        for name in ("px", "py", "pz", "E"):
            flat = ak.to_numpy(ak.flatten(parts[name]))
            bad = ~np.isfinite(flat)
            if bad.any():
                raise DataError(
                    f"{source}: momentum component '{name}' has {int(bad.sum())} non-finite "
                    "values (NaN or inf)"
                )

    def __len__(self) -> int:
        return len(self.particles)

    @classmethod
    def from_arrays(
        cls,
        counts: Sequence[int] | NDArray[np.integer],
        columns: Mapping[str, NDArray[Any]],
        weight: NDArray[np.float64] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Events:
        """Build from flat per-particle ``columns`` (each ``(sum(counts),)``) and ``counts`` ``(n,)``.

        ``pid`` defaults to 0 and ``charge`` to 0 where absent; ``weight`` to 1.
        """
        counts = np.asarray(counts, dtype=np.int64)
        total = int(counts.sum())
        cols = {}
        for name, dtype in PARTICLE_FIELDS.items():
            values = columns.get(name)
            cols[name] = np.zeros(total, dtype) if values is None else np.asarray(values, dtype)
        parts = ak.unflatten(ak.zip(cols), counts)
        w = np.ones(len(counts)) if weight is None else weight
        return cls(parts, w, dict(metadata or {}))


def concatenate(chunks: Sequence[Events], metadata: Mapping[str, Any] | None = None) -> Events:
    """Join event sets (e.g. generation chunks) in order."""
    if not chunks:
        raise DataError("no event chunks to concatenate")
    return Events(
        ak.concatenate([c.particles for c in chunks]),
        np.concatenate([c.weight for c in chunks]),
        dict(metadata if metadata is not None else chunks[0].metadata),
    )


def first_mismatch(values: ArrayLike, expected: ArrayLike) -> int | None:
    """Index of the first entry of ``values`` that differs from ``expected`` (broadcast), or
    ``None`` when all agree: the event an error message names."""
    bad = np.flatnonzero(np.asarray(values) != np.asarray(expected))
    return int(bad[0]) if bad.size else None
