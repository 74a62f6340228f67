"""Feature files: ``features.h5`` with the feature matrix, names, units, split and truth."""

from __future__ import annotations

from collections.abc import Mapping
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
