"""Collision events: generate a chunk, merge the chunks, or read the user's file (rules
``generate_chunk``, ``merge_chunks``, ``ingest``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symvae.config import ProcessSpec
from symvae.errors import ConfigError
from symvae.events.store import Events
from symvae.outputs.events import (
    dropped_at_ingest,
    iterate_events,
    read_events,
    write_events,
    write_events_chunked,
)
from symvae.provenance import provenance

__all__ = ["chunk_sizes", "generate_event_chunk", "ingest_events", "merge_events"]


def chunk_sizes(n_events: int, n_chunks: int) -> list[int]:
    """Events per generation chunk: as equal as possible, the first ones one larger."""
    base, extra = divmod(n_events, n_chunks)
    return [base + (i < extra) for i in range(n_chunks)]


def generate_event_chunk(
    spec: ProcessSpec, chunk: int, out: str | Path, *, progress: bool = True
) -> Path:
    """Generate chunk ``chunk`` of a Pythia or RAMBO process (seed ``data.seed + chunk``);
    with ``events.jets``, the clustered jets or leading-jet constituents that it selects
    (:func:`symvae.events.jets.jet_sample`)."""
    ev = spec.events or {}
    if not spec.generated_events:
        raise ConfigError(f"process '{spec.name}': events are read from a file, not generated")
    if not 0 <= chunk < spec.n_chunks:
        raise ConfigError(
            f"process '{spec.name}': chunk {chunk} out of range 0..{spec.n_chunks - 1}"
        )
    n = chunk_sizes(int(ev["n_events"]), spec.n_chunks)[chunk]
    seed = spec.data.seed + chunk
    label = f"{spec.name} chunk {chunk}"
    if ev["source"] == "pythia":
        from symvae.events.pythia import generate_pythia

        events = generate_pythia(
            ev["settings"], n, seed, ev.get("keep"), progress=progress, label=label
        )
    else:
        from symvae.events.rambo import rambo

        events = rambo(n, seed, **ev.get("params", {}))
    if ev.get("jets") is not None:
        from symvae.events.jets import JetSelection, jet_sample

        events = jet_sample(events, JetSelection.from_dict(ev["jets"], f"{spec.name}.events.jets"))
    meta = {**events.metadata, "process": spec.name, "chunk": chunk}
    write_events(out, Events(events.particles, events.weight, meta))
    return Path(out)


def merge_events(spec: ProcessSpec, chunks: Sequence[str | Path], out: str | Path) -> Path:
    """Join the chunks of one process into its event file, combining their metadata.

    The chunks are streamed into the output one file at a time (memory of one chunk).
    """
    metas = [_chunk_metadata(p) for p in chunks]
    meta: dict[str, Any] = {
        k: v for k, v in metas[0].items() if k not in ("seed", "chunk", "source")
    }
    meta["seeds"] = [m.get("seed") for m in metas]
    meta["n_chunks"] = len(metas)
    if all("sigma_pb" in m for m in metas):
        # each chunk estimates the same cross section: combine with weights n_accepted
        n = np.array([m["n_accepted"] for m in metas], dtype=float)
        sig = np.array([m["sigma_pb"] for m in metas])
        err = np.array([m["sigma_err_pb"] for m in metas])
        meta["sigma_pb"] = float(np.sum(n * sig) / n.sum())
        meta["sigma_err_pb"] = float(np.sqrt(np.sum((n * err) ** 2)) / n.sum())
        for key in ("n_tried", "n_accepted", "n_failed"):
            meta[key] = int(sum(m[key] for m in metas))
    if all("n_selected" in m for m in metas):  # jet-level events: clustered and kept
        for key in ("n_clustered", "n_selected"):
            meta[key] = int(sum(m[key] for m in metas))
    meta["provenance"] = provenance()
    write_events_chunked(out, (read_events(p) for p in chunks), meta)
    return Path(out)


def _chunk_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of an event file without reading its events."""
    for events in iterate_events(path, step_size=1):
        return dict(events.metadata)
    return {}


def ingest_events(spec: ProcessSpec, out: str | Path, base_dir: str | Path | None = None) -> Path:
    """Read a user's ROOT/LHE/HepMC3/CSV file with the config's mapping into the event store.

    Unphysical events (a non-finite value, a four-vector with E < |p|) are refused or, with
    ``events.unphysical.action: drop``, left out; the metadata keep their counts per reason.
    """
    from symvae.events.readers import ingest_file

    read = ingest_file(spec.events or {}, Path(base_dir) if base_dir else None)
    events, dropped = read.events, read.dropped
    meta = {
        **events.metadata,
        **dropped_at_ingest(dropped.non_finite, dropped.E_below_p),
        "process": spec.name,
        "provenance": provenance(),
    }
    write_events(out, Events(events.particles, events.weight, meta))
    return Path(out)
