"""``<process>/events.root``: the particles of a process's events, readable with uproot alone.

Written by the ``generate_events``, ``merge_events`` and ``ingest_events`` rules
(:mod:`symvae.stages.events`); generated processes are produced in ``chunks``
(``<process>/events/chunk<i>.root``, temporary) with seeds ``data.seed + i``, then merged. A
TTree ``events`` holds one entry per event; a TObjString ``metadata`` holds JSON: the generator
(``pythia8``, ``rambo``, or the reader's format), its version and settings, the chunks' seeds,
the cross section ``sigma_pb`` ± ``sigma_err_pb``, event counts, and the input file of
ingested data with the counts of unphysical events that ingest left out
(:mod:`symvae.events.readers.physical`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from symvae.errors import DataError, rebuild_hint
from symvae.events.store import PARTICLE_FIELDS, Events
from symvae.io.atomic import atomic_path
from symvae.io.root import recreate as recreate_root
from symvae.outputs.layout import Layout, attribute

__all__ = [
    "EventsFile",
    "dropped_at_ingest",
    "iterate_events",
    "read_events",
    "write_events",
    "write_events_chunked",
]

TREE = "events"
PARTICLE = "particle"
WEIGHT = "weight"
METADATA = "metadata"
#: the jagged branches, one per particle field (``particle_px``, ...)
BRANCHES = [f"{PARTICLE}_{k}" for k in PARTICLE_FIELDS]
#: key of ``metadata`` (ingested files): unphysical events left out, by reason
UNPHYSICAL_DROPPED = "unphysical_dropped"
#: its reasons: a non-finite value; a four-vector with E < |p| beyond the tolerance
DROP_REASONS = ("non_finite", "E_below_p")


@dataclass(kw_only=True)
class EventsFile(Layout):
    """The branches of the TTree ``events`` (for the documentation; the file is ROOT)."""

    FILE = "events.root"
    KEYS = True

    nparticle: NDArray[np.int32] = attribute(dtype="int32", meaning="particles per event (counter)")
    particle_px: ak.Array = attribute(dtype="float64", unit="GeV", meaning="momentum x, jagged")
    particle_py: ak.Array = attribute(dtype="float64", unit="GeV", meaning="momentum y, jagged")
    particle_pz: ak.Array = attribute(dtype="float64", unit="GeV", meaning="momentum z (beam), jagged")  # fmt: skip
    particle_E: ak.Array = attribute(dtype="float64", unit="GeV", meaning="energy, jagged")
    particle_pid: ak.Array = attribute(dtype="int32", meaning="PDG id, jagged")
    particle_charge: ak.Array = attribute(dtype="float32", unit="e", meaning="charge, jagged")
    weight: NDArray[np.float64] = attribute(dtype="float64", meaning="event weight")
    metadata: dict[str, Any] = attribute("json", meaning="TObjString beside the tree: generator, settings, seeds, σ")  # fmt: skip
    unphysical_dropped: dict[str, int] | None = attribute("json", name=UNPHYSICAL_DROPPED, optional=True, meaning=f"key of metadata (ingested files): events left out by unphysical.action drop, per reason ({', '.join(DROP_REASONS)})")  # fmt: skip


def dropped_at_ingest(non_finite: int, E_below_p: int) -> dict[str, dict[str, int]]:
    """The metadata entry of an ingested file: events left out per reason (counts)."""
    return {UNPHYSICAL_DROPPED: dict(zip(DROP_REASONS, (non_finite, E_below_p), strict=True))}


def write_events(path: str | Path, events: Events) -> None:
    """Write ``events`` to a ROOT file at ``path`` (atomically: temporary name, then rename;
    deterministic bytes: fixed TDatime and UUID, :func:`symvae.io.root.recreate`)."""
    with atomic_path(path) as tmp, recreate_root(tmp) as f:
        f.mktree(TREE, {PARTICLE: events.particles.type, WEIGHT: np.float64})
        f[TREE].extend({PARTICLE: events.particles, WEIGHT: events.weight})
        f[METADATA] = json.dumps(dict(events.metadata), sort_keys=True)


def write_events_chunked(
    path: str | Path, chunks: Iterable[Events], metadata: Mapping[str, Any] | None = None
) -> int:
    """Write event chunks one after the other into one file (atomically), in the memory of
    one chunk. ``metadata`` defaults to the first chunk's. Returns the number of events.
    The bytes are deterministic, as those of :func:`write_events`."""
    n = 0
    with atomic_path(path) as tmp, recreate_root(tmp) as f:
        meta = None
        for events in chunks:
            if meta is None:
                meta = dict(metadata if metadata is not None else events.metadata)
                f.mktree(TREE, {PARTICLE: events.particles.type, WEIGHT: np.float64})
            f[TREE].extend({PARTICLE: events.particles, WEIGHT: events.weight})
            n += len(events)
        if meta is None:
            raise DataError(f"{path}: no event chunks to write")
        f[METADATA] = json.dumps(meta, sort_keys=True)
    return n


def _open_tree(f: Any, path: Path) -> dict[str, Any]:
    """Check the tree and its branches; the file's metadata (with its source)."""
    if TREE not in f:
        raise DataError(f"{path}: no TTree '{TREE}' (not a symvae event file)")
    missing = [b for b in [*BRANCHES, WEIGHT] if b not in f[TREE]]
    if missing:
        raise DataError(f"{path}: missing branch(es) {', '.join(missing)}")
    meta = json.loads(str(f[METADATA])) if METADATA in f else {}
    return {**meta, "source": str(path)}


@contextmanager
def _reading(path: Path) -> Iterator[Any]:
    """Open an ``events.root`` for reading; every failure is a :class:`DataError` naming it."""
    import uproot

    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        with uproot.open(path) as f:
            yield f
    except DataError:
        raise
    except Exception as err:  # uproot raises many kinds for truncated or corrupt files
        raise DataError(
            f"{path}: not a readable ROOT file ({err.__class__.__name__}: "
            f"{' '.join(str(err).split())}); {rebuild_hint(path)}"
        ) from None


def _events(arrays: Any, meta: dict[str, Any]) -> Events:
    parts = ak.zip({k: arrays[f"{PARTICLE}_{k}"] for k in PARTICLE_FIELDS})
    return Events(parts, ak.to_numpy(arrays[WEIGHT]), meta)


def iterate_events(path: str | Path, step_size: int = 100_000) -> Iterator[Events]:
    """Read an ``events.root`` in chunks of ``step_size`` events.

    Memory stays bounded by one chunk whatever the file's size (``uproot.iterate``); every
    chunk carries the file's metadata. Errors name the file.
    """
    path = Path(path)
    with _reading(path) as f:
        meta = _open_tree(f, path)
        for arrays in f[TREE].iterate([*BRANCHES, WEIGHT], step_size=step_size):
            yield _events(arrays, meta)


def read_events(path: str | Path) -> Events:
    """Read a whole ``events.root``."""
    path = Path(path)
    with _reading(path) as f:
        meta = _open_tree(f, path)
        arrays = f[TREE].arrays([*BRANCHES, WEIGHT])
    return _events(arrays, meta)
