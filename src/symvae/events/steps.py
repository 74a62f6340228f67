"""The collision-event steps of the workflow: generate a chunk, merge chunks, ingest a file,
compute features. Each reads and writes files; :mod:`symvae.pipeline` re-exports them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.config import ProcessSpec
from symvae.datasets._base import Dataset
from symvae.errors import ConfigError, DataError
from symvae.events.store import (
    Events,
    iterate_events,
    read_events,
    write_events,
    write_events_chunked,
)
from symvae.io.features import make_split, write_features_chunked
from symvae.provenance import provenance

__all__ = [
    "chunk_sizes",
    "generate_event_chunk",
    "ingest_events",
    "make_event_features",
    "merge_events",
]


def chunk_sizes(n_events: int, n_chunks: int) -> list[int]:
    """Events per generation chunk: as equal as possible, the first ones one larger."""
    base, extra = divmod(n_events, n_chunks)
    return [base + (i < extra) for i in range(n_chunks)]


def generate_event_chunk(
    spec: ProcessSpec, chunk: int, out: str | Path, *, progress: bool = True
) -> Path:
    """Generate chunk ``chunk`` of a Pythia or RAMBO process (seed ``data.seed + chunk``)."""
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
    meta["provenance"] = provenance()
    write_events_chunked(out, (read_events(p) for p in chunks), meta)
    return Path(out)


def _chunk_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of an event file without reading its events."""
    for events in iterate_events(path, step_size=1):
        return dict(events.metadata)
    return {}


def ingest_events(spec: ProcessSpec, out: str | Path, base_dir: str | Path | None = None) -> Path:
    """Read a user's ROOT/LHE/HepMC3/CSV file with the config's mapping into the event store."""
    from symvae.events.readers import read_events_from

    events = read_events_from(spec.events or {}, Path(base_dir) if base_dir else None)
    meta = {**events.metadata, "process": spec.name, "provenance": provenance()}
    write_events(out, Events(events.particles, events.weight, meta))
    return Path(out)


def make_event_features(
    spec: ProcessSpec, events_path: str | Path, out: str | Path, step_size: int = 100_000
) -> Path:
    """Compute the configured four-vector features of an event file and write ``features.h5``.

    The event file is read in chunks of ``step_size`` events and the features of each chunk
    are appended to the output, so peak memory does not grow with the number of events.
    """
    from symvae.events.features import compute_features, parse_spec

    feature_spec = parse_spec(spec.features or {})
    # written after the last chunk: the event metadata is filled in by the first one
    attrs: dict[str, Any] = {
        "process": spec.name,
        "generator": spec.events["source"] if spec.events else "",
        "dof_expected": spec.dof,
        "data_seed": spec.data.seed,
        "params": dict(spec.features or {}),
        "conserved": list(spec.constraints),
        "exact": spec.exact,
        "event_metadata": {},
        "provenance": provenance(),
    }

    skipped = [0]  # events of chunks in which no event has every object
    # one stream of smearing draws over the whole file, seeded by the process's data seed
    rng = np.random.default_rng([spec.data.seed, 0x5EA5]) if feature_spec.smearing else None

    def chunks() -> Iterator[Dataset]:
        seen = 0
        for events in iterate_events(events_path, step_size):
            if seen == 0:
                meta = {k: v for k, v in events.metadata.items() if k != "provenance"}
                attrs["event_metadata"] = meta
            seen += len(events)
            ds = compute_features(events, feature_spec, allow_empty=True, rng=rng)
            if ds is None:
                skipped[0] += len(events)
            else:
                yield ds
        if seen == 0:
            raise DataError(f"{events_path}: no events to compute features from")
        if skipped[0] == seen:
            wanted = "; ".join(
                f"object {i + 1} {sel.describe()}" for i, sel in enumerate(feature_spec.selectors)
            )
            raise DataError(f"{events_path}: no event has all selected objects ({wanted})")

    def count_skipped(meta: dict[str, Any]) -> dict[str, Any]:
        meta["n_input"] = int(meta.get("n_input", 0)) + skipped[0]
        meta["n_dropped"] = int(meta.get("n_dropped", 0)) + skipped[0]
        return meta

    def split(n: int) -> NDArray[np.int8]:
        try:
            return make_split(
                n, spec.data.validation_fraction, spec.data.test_fraction, spec.data.seed
            )
        except DataError as err:
            raise DataError(f"{events_path}: {err} (after the object selection)") from None

    write_features_chunked(out, chunks(), split, attrs, count_skipped)
    return Path(out)
