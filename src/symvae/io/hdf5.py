"""HDF5 helpers: atomic writes and JSON/str attributes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from symvae.errors import DataError, rebuild_hint
from symvae.io.atomic import atomic_path

__all__ = ["atomic_h5", "open_h5", "read_json_attr", "write_json_attr", "write_str_list_attr"]


@contextmanager
def atomic_h5(path: str | Path) -> Iterator[h5py.File]:
    """Open ``path`` for writing under a temporary name; rename it into place on success.

    On any exception the temporary file is removed and an existing ``path`` is untouched,
    so no reader ever sees a half-written file (:func:`symvae.io.atomic.atomic_path`).
    """
    with atomic_path(path) as tmp, h5py.File(tmp, "w", track_order=True) as f:
        yield f


def open_h5(path: str | Path) -> h5py.File:
    """Open an HDF5 file for reading, with a clear error when it is missing or corrupt."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise DataError(
            f"{path}: not a readable HDF5 file ({' '.join(str(err).split())}); "
            + rebuild_hint(path)
        ) from None


def write_json_attr(obj: h5py.HLObject, name: str, value: Any) -> None:
    """Store ``value`` as a JSON string attribute ``name``."""
    obj.attrs[name] = json.dumps(value, sort_keys=True)


def read_json_attr(obj: h5py.HLObject, name: str, default: Any = None) -> Any:
    """Inverse of :func:`write_json_attr`."""
    if name not in obj.attrs:
        return default
    return json.loads(obj.attrs[name])


def write_str_list_attr(obj: h5py.HLObject, name: str, values: list[str] | tuple[str, ...]) -> None:
    """Store a list of strings as a variable-length UTF-8 string array attribute."""
    obj.attrs.create(name, np.array(list(values), dtype=object), dtype=h5py.string_dtype())
