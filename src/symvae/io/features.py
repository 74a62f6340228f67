"""Feature files: ``features.h5`` with the feature matrix, names, units, split and truth."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.datasets._base import Dataset
from symvae.errors import DataError
from symvae.io.hdf5 import atomic_h5, open_h5, read_json_attr, write_json_attr, write_str_list_attr

__all__ = [
    "TEST",
    "TRAIN",
    "VALIDATION",
    "FeatureFile",
    "make_split",
    "read_features",
    "write_features",
    "write_features_chunked",
]

TRAIN, VALIDATION, TEST = 0, 1, 2


@dataclass(frozen=True)
class FeatureFile:
    """A dataset read back from ``features.h5`` with its split labels and attributes."""

    dataset: Dataset
    split: NDArray[np.int8]
    attrs: Mapping[str, Any]

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


def write_features(
    path: str | Path, dataset: Dataset, split: NDArray[np.int8], attrs: Mapping[str, Any]
) -> None:
    """Write ``dataset`` and its ``split`` to ``path`` atomically; ``attrs`` go to the root
    (dicts and lists are stored as JSON strings under ``<key>_json``)."""
    with atomic_h5(path) as f:
        ds = f.create_dataset("features", data=dataset.features)
        write_str_list_attr(ds, "names", dataset.feature_names)
        write_str_list_attr(ds, "units", dataset.units)
        f.create_dataset("split", data=np.asarray(split, dtype=np.int8))
        f["split"].attrs["labels"] = "0 = train, 1 = validation, 2 = test"
        truth = f.create_group("truth", track_order=True)
        for name, values in dataset.truth.items():
            truth.create_dataset(name, data=values)
            truth[name].attrs["unit"] = dataset.truth_units.get(name, "")
        write_json_attr(f, "metadata_json", dict(dataset.metadata))
        for key, value in attrs.items():
            if isinstance(value, Mapping | list | tuple):
                write_json_attr(f, f"{key}_json", value)
            else:
                f.attrs[key] = value
        f.attrs["n_events"] = dataset.n_events


def write_features_chunked(
    path: str | Path,
    chunks: Iterable[Dataset],
    split: Callable[[int], NDArray[np.int8]],
    attrs: Mapping[str, Any],
    finish_metadata: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Write datasets arriving in chunks to one ``features.h5``, atomically, in bounded memory.

    Rows are appended to resizable datasets as each chunk arrives; ``split(n)`` gives the split
    labels once the total ``n`` is known (one byte per event). The file is identical to what
    :func:`write_features` writes for the concatenated data, except that ``metadata_json``
    sums ``n_input`` and ``n_dropped`` over the chunks (``finish_metadata``, if given, may
    amend that mapping once every chunk is in). Returns the number of rows.
    """
    n = 0
    meta: dict[str, Any] = {}
    with atomic_h5(path) as f:
        feats = None
        for ds in chunks:
            if feats is None:
                feats = f.create_dataset(
                    "features", shape=(0, ds.n_features), maxshape=(None, ds.n_features),
                    dtype=np.float64, chunks=(min(65536, max(1, 2**20 // max(ds.n_features, 1))), ds.n_features),
                )  # fmt: skip
                write_str_list_attr(feats, "names", ds.feature_names)
                write_str_list_attr(feats, "units", ds.units)
                truth = f.create_group("truth", track_order=True)
                for name in ds.truth:
                    truth.create_dataset(name, shape=(0,), maxshape=(None,), dtype=np.float64)
                    truth[name].attrs["unit"] = ds.truth_units.get(name, "")
                meta = dict(ds.metadata)
            else:
                for key in ("n_input", "n_dropped"):
                    if key in meta:
                        meta[key] = int(meta[key]) + int(ds.metadata.get(key, 0))
            m = ds.n_events
            feats.resize(n + m, axis=0)
            feats[n : n + m] = ds.features
            for name, values in ds.truth.items():
                f["truth"][name].resize((n + m,))
                f["truth"][name][n : n + m] = values
            n += m
        if feats is None:
            raise DataError(f"{path}: no chunks to write")
        f.create_dataset("split", data=np.asarray(split(n), dtype=np.int8))
        f["split"].attrs["labels"] = "0 = train, 1 = validation, 2 = test"
        if finish_metadata is not None:
            meta = finish_metadata(meta)
        write_json_attr(f, "metadata_json", meta)
        for key, value in attrs.items():
            if isinstance(value, Mapping | list | tuple):
                write_json_attr(f, f"{key}_json", value)
            else:
                f.attrs[key] = value
        f.attrs["n_events"] = n
    return n


def read_features(path: str | Path) -> FeatureFile:
    """Read a file written by :func:`write_features`."""
    with open_h5(path) as f:
        try:
            ds = f["features"]
            names = tuple(str(s) for s in ds.attrs["names"])
            units = tuple(str(s) for s in ds.attrs["units"])
            features = ds[()]
            split = f["split"][()]
            truth = {k: v[()] for k, v in f["truth"].items()}
            truth_units = {k: str(v.attrs.get("unit", "")) for k, v in f["truth"].items()}
            metadata = read_json_attr(f, "metadata_json", {})
            attrs = {k: v for k, v in f.attrs.items()}
        except KeyError as err:
            raise DataError(f"{path}: not a symvae feature file (missing {err})") from None
    metadata = {**metadata, "source": str(path)}
    dataset = Dataset(features, names, units, truth, truth_units, metadata)
    if split.shape != (dataset.n_events,):
        raise DataError(f"{path}: 'split' has shape {split.shape}, want ({dataset.n_events},)")
    return FeatureFile(dataset=dataset, split=split, attrs=attrs)
