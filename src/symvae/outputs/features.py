"""``features.h5``: the feature matrix of one process, its split and its truth.

One per process (``results/<process>/features.h5``), written by the ``generate`` rule for
toy datasets and by ``event_features`` for collision events (chunk by chunk, in bounded
memory). Read back with :func:`read_features` as a :class:`FeatureFile`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.datasets._base import Dataset
from symvae.errors import DataError
from symvae.io.hdf5 import atomic_h5, open_h5
from symvae.outputs.layout import Layout, attribute, dataset, members, read_file

__all__ = [
    "TEST",
    "TRAIN",
    "VALIDATION",
    "FeatureFile",
    "FeaturesLayout",
    "make_split",
    "read_feature_names",
    "read_features",
    "write_features",
    "write_features_chunked",
]

TRAIN, VALIDATION, TEST = 0, 1, 2
SPLIT_LABELS = "0 = train, 1 = validation, 2 = test"


@dataclass(kw_only=True)
class FeaturesLayout(Layout):
    """The items of ``features.h5``."""

    FILE = "features.h5"

    features: NDArray[np.float64] = dataset(
        "(N, d)", unit="per column", meaning="feature matrix in physical units"
    )
    names: list[str] = attribute("str_list", shape="(d,)", on="features", meaning="feature names")
    units: list[str] = attribute("str_list", shape="(d,)", on="features", meaning="feature units")
    split: NDArray[np.int8] = dataset("(N,)", "int8", meaning=SPLIT_LABELS)
    labels: str = attribute("str", on="split", meaning="the split codes", default=SPLIT_LABELS)
    truth: dict[str, NDArray[np.float64]] = members(
        shape="(N,)", unit="attr unit", meaning="generating variables (angle, energy, ...)",
        member_attrs={"unit": "truth_units"},
    )  # fmt: skip
    truth_units: dict[str, str] = field(default_factory=dict)
    metadata_json: dict[str, Any] = attribute(
        "json", meaning="generator metadata (counts, cross section, event source)", default={}
    )
    process: str = attribute("str", meaning="process name")
    generator: str = attribute("str", meaning="toy generator, or the event source")
    dof_expected: int = attribute(
        "int", meaning="analytic number of degrees of freedom (-1: none known)"
    )
    data_seed: int = attribute("int", meaning="seed of the data and the split")
    params_json: dict[str, Any] = attribute(
        "json", meaning="generator parameters, or the feature spec of collision processes"
    )
    conserved_json: list[str] = attribute("json", meaning="constraints the data obey")
    exact: bool | None = attribute("bool", meaning="every constraint exact", optional=True)
    event_metadata_json: dict[str, Any] | None = attribute(
        "json", meaning="metadata of the event file (collision processes)", optional=True
    )
    provenance_json: dict[str, Any] = attribute("json", meaning="library versions and platform")
    n_events: int = attribute("int", meaning="number of rows N")


@dataclass(frozen=True)
class FeatureFile:
    """A dataset read back from ``features.h5`` with its split labels and attributes."""

    dataset: Dataset
    split: NDArray[np.int8]
    layout: FeaturesLayout

    @property
    def attrs(self) -> dict[str, Any]:
        """The root attributes (process, generator, dof_expected, n_events, ...)."""
        return {name: getattr(self.layout, name) for name, item in FeaturesLayout.items()
                if item.kind == "attribute" and item.on is None}  # fmt: skip

    def part(self, which: int) -> NDArray[np.float64]:
        """Feature rows of one split: ``TRAIN``, ``VALIDATION`` or ``TEST``."""
        return self.dataset.features[self.split == which]

    def truth_part(self, which: int) -> dict[str, NDArray[np.float64]]:
        """Truth variables of one split."""
        mask = self.split == which
        return {k: v[mask] for k, v in self.dataset.truth.items()}


def make_split(
    n: int, validation_fraction: float, test_fraction: float, seed: int
) -> NDArray[np.int8]:
    """Random split labels ``(n,)``: 0 train, 1 validation, 2 test, with the given fractions."""
    n_val, n_test = round(n * validation_fraction), round(n * test_fraction)
    if n - n_val - n_test < 1 or n_val < 1 or n_test < 2:
        raise DataError(f"{n} events are too few to split into train/validation/test")
    labels = np.zeros(n, dtype=np.int8)
    labels[:n_val] = VALIDATION
    labels[n_val : n_val + n_test] = TEST
    return np.random.default_rng(seed).permutation(labels)


def _layout(
    dataset: Dataset, split: NDArray[np.int8], n: int, attrs: Mapping[str, Any],
    metadata: Mapping[str, Any],
) -> FeaturesLayout:  # fmt: skip
    """The layout of a file; ``attrs`` are the root attributes by field name (mappings and
    lists by their name without ``_json``)."""
    root = {(f"{k}_json" if isinstance(v, Mapping | list | tuple) else k): v
            for k, v in attrs.items()}  # fmt: skip
    return FeaturesLayout(
        features=dataset.features,
        names=list(dataset.feature_names),
        units=list(dataset.units),
        split=np.asarray(split, dtype=np.int8),
        truth=dict(dataset.truth),
        truth_units={k: dataset.truth_units.get(k, "") for k in dataset.truth},
        metadata_json=dict(metadata),
        n_events=n,
        **root,
    )


def write_features(
    path: str | Path, dataset: Dataset, split: NDArray[np.int8], attrs: Mapping[str, Any]
) -> None:
    """Write ``dataset`` and its ``split`` to ``path`` atomically; ``attrs`` are the root
    attributes of :class:`FeaturesLayout` (dicts and lists under their name less ``_json``)."""
    record = _layout(dataset, split, dataset.n_events, attrs, dataset.metadata)
    with atomic_h5(path) as f:
        record.write(f)


def write_features_chunked(
    path: str | Path,
    chunks: Iterable[Dataset],
    split: Callable[[int], NDArray[np.int8]],
    attrs: Mapping[str, Any],
    finish_metadata: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Write datasets arriving in chunks to one ``features.h5``, atomically, in bounded memory.

    Rows are appended to resizable datasets as each chunk arrives; ``split(n)`` gives the split
    labels once the total ``n`` is known (one byte per event). The file holds what
    :func:`write_features` writes for the concatenated data, except that ``metadata_json``
    sums ``n_input`` and ``n_dropped`` over the chunks (``finish_metadata``, if given, may
    amend that mapping once every chunk is in). Returns the number of rows.
    """
    n = 0
    meta: dict[str, Any] = {}
    first: Dataset | None = None
    with atomic_h5(path) as f:
        for ds in chunks:
            if first is None:
                first = ds
                d = ds.n_features
                f.create_dataset(
                    "features", shape=(0, d), maxshape=(None, d), dtype=np.float64,
                    chunks=(min(65536, max(1, 2**20 // max(d, 1))), d),
                )  # fmt: skip
                truth = f.create_group("truth", track_order=True)
                for name in ds.truth:
                    truth.create_dataset(name, shape=(0,), maxshape=(None,), dtype=np.float64)
                meta = dict(ds.metadata)
            else:
                for key in ("n_input", "n_dropped"):
                    if key in meta:
                        meta[key] = int(meta[key]) + int(ds.metadata.get(key, 0))
            m = ds.n_events
            f["features"].resize(n + m, axis=0)
            f["features"][n : n + m] = ds.features
            for name, values in ds.truth.items():
                f["truth"][name].resize((n + m,))
                f["truth"][name][n : n + m] = values
            n += m
        if first is None:
            raise DataError(f"{path}: no chunks to write")
        if finish_metadata is not None:
            meta = finish_metadata(meta)
        # the appended datasets stand; the layout writes every other item around them
        record = _layout(first, split(n), n, attrs, meta)
        record.write(f, skip=("features", "truth"))
        for name in first.truth:
            f["truth"][name].attrs["unit"] = first.truth_units.get(name, "")
    return n


def read_features(path: str | Path) -> FeatureFile:
    """Read a file written by :func:`write_features` (or :func:`write_features_chunked`)."""
    record = read_file(path, FeaturesLayout)
    metadata = {**record.metadata_json, "source": str(path)}
    dataset = Dataset(record.features, tuple(record.names), tuple(record.units), record.truth,
                      record.truth_units, metadata)  # fmt: skip
    if record.split.shape != (dataset.n_events,):
        raise DataError(
            f"{path}: 'split' has shape {record.split.shape}, want ({dataset.n_events},)"
        )
    return FeatureFile(dataset=dataset, split=record.split, layout=record)


def read_feature_names(path: str | Path) -> tuple[list[str], list[str], list[str]]:
    """The feature names, their units and the truth names of a ``features.h5``, without
    reading its rows."""
    with open_h5(path) as f:
        try:
            attrs = f["features"].attrs
            return ([str(s) for s in attrs["names"]], [str(s) for s in attrs["units"]],
                    list(f["truth"].keys()))  # fmt: skip
        except KeyError as err:
            raise DataError(f"{path}: not a symvae feature file (missing {err})") from None
