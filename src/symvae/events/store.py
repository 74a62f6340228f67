"""The event store: particles per event as jagged arrays, one ROOT file per process.

An :class:`Events` holds, for ``n`` events, an awkward array ``particles`` of shape
``(n, var)`` whose records have the fields ``px, py, pz, E`` (GeV), ``pid`` (PDG id, int32)
and ``charge`` (units of e, float32), plus a per-event ``weight`` of shape ``(n,)`` and a
JSON-serialisable ``metadata`` dict (generator, version, settings, seed, cross section...).

On disk (:func:`write_events`) it is a ROOT file with a TTree ``events`` with branches
``nparticle`` (counter), ``particle_px``, ``particle_py``, ``particle_pz``, ``particle_E``,
``particle_pid``, ``particle_charge`` (jagged) and ``weight``, and a TObjString ``metadata``
holding the JSON; uproot alone reads it back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from symvae.errors import DataError

__all__ = [
    "PARTICLE_FIELDS",
    "Events",
    "concatenate",
    "iterate_events",
    "read_events",
    "write_events",
]

#: Fields of a particle record and their dtypes.
PARTICLE_FIELDS: dict[str, type] = {
    "px": np.float64,
    "py": np.float64,
    "pz": np.float64,
    "E": np.float64,
    "pid": np.int32,
    "charge": np.float32,
}
TREE = "events"


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


def write_events(path: str | Path, events: Events) -> None:
    """Write ``events`` to a ROOT file at ``path`` (atomically: temporary name, then rename)."""
    import uproot

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with uproot.recreate(tmp) as f:
            f.mktree(TREE, {"particle": events.particles.type, "weight": np.float64})
            f[TREE].extend({"particle": events.particles, "weight": events.weight})
            f["metadata"] = json.dumps(dict(events.metadata), sort_keys=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_events_chunked(
    path: str | Path, chunks: Iterable[Events], metadata: Mapping[str, Any] | None = None
) -> int:
    """Write event chunks one after the other into one file (atomically), in the memory of
    one chunk. ``metadata`` defaults to the first chunk's. Returns the number of events."""
    import uproot

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    n = 0
    try:
        with uproot.recreate(tmp) as f:
            meta = None
            for events in chunks:
                if meta is None:
                    meta = dict(metadata if metadata is not None else events.metadata)
                    f.mktree(TREE, {"particle": events.particles.type, "weight": np.float64})
                f[TREE].extend({"particle": events.particles, "weight": events.weight})
                n += len(events)
            if meta is None:
                raise DataError(f"{path}: no event chunks to write")
            f["metadata"] = json.dumps(meta, sort_keys=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def iterate_events(path: str | Path, step_size: int = 100_000) -> Iterator[Events]:
    """Read a file written by :func:`write_events` in chunks of ``step_size`` events.

    Memory stays bounded by one chunk whatever the file's size (``uproot.iterate``); every
    chunk carries the file's metadata. Errors name the file, as in :func:`read_events`.
    """
    import uproot

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    branches = [f"particle_{k}" for k in PARTICLE_FIELDS]
    try:
        with uproot.open(path) as f:
            if TREE not in f:
                raise DataError(f"{path}: no TTree '{TREE}' (not a symvae event file)")
            missing = [b for b in [*branches, "weight"] if b not in f[TREE]]
            if missing:
                raise DataError(f"{path}: missing branch(es) {', '.join(missing)}")
            meta = json.loads(str(f["metadata"])) if "metadata" in f else {}
            meta = {**meta, "source": str(path)}
            for arrays in f[TREE].iterate([*branches, "weight"], step_size=step_size):
                parts = ak.zip({k: arrays[f"particle_{k}"] for k in PARTICLE_FIELDS})
                yield Events(parts, ak.to_numpy(arrays["weight"]), meta)
    except DataError:
        raise
    except Exception as err:  # uproot raises many kinds for truncated or corrupt files
        raise DataError(
            f"{path}: not a readable ROOT file ({err.__class__.__name__}: {err})"
        ) from None


def read_events(path: str | Path) -> Events:
    """Read a file written by :func:`write_events`."""
    import uproot

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        with uproot.open(path) as f:
            if TREE not in f:
                raise DataError(f"{path}: no TTree '{TREE}' (not a symvae event file)")
            branches = [f"particle_{k}" for k in PARTICLE_FIELDS]
            missing = [b for b in [*branches, "weight"] if b not in f[TREE]]
            if missing:
                raise DataError(f"{path}: missing branch(es) {', '.join(missing)}")
            arrays = f[TREE].arrays([*branches, "weight"])
            meta = json.loads(str(f["metadata"])) if "metadata" in f else {}
    except DataError:
        raise
    except Exception as err:  # uproot raises many kinds for truncated or corrupt files
        raise DataError(
            f"{path}: not a readable ROOT file ({err.__class__.__name__}: {err})"
        ) from None
    parts = ak.zip({k: arrays[f"particle_{k}"] for k in PARTICLE_FIELDS})
    return Events(parts, ak.to_numpy(arrays["weight"]), {**meta, "source": str(path)})
