"""Four-vector features of a process's events, with the train/validation/test split (rule
``event_features``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.config import ProcessSpec
from symvae.datasets._base import Dataset
from symvae.errors import DataError
from symvae.outputs.events import iterate_events
from symvae.outputs.features import (
    make_split,
    write_features_chunked,
)
from symvae.provenance import provenance

__all__ = ["make_event_features"]


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
        "dof_expected": spec.dof_attribute,
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
            ds = compute_features(events, feature_spec, allow_empty=True, rng=rng, first_event=seen)
            seen += len(events)
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
