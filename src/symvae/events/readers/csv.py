"""Read events from a comma-separated table (one event per line) with numpy.

The first line is the header of column names; every further non-blank line is one event
with the same number of comma-separated numeric fields (no quoted fields). Spec keys:
``source: csv``, ``path``, ``objects`` (object mappings over columns, one particle each
per event), optional ``weight`` (a column) and ``max_events``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.readers.mapping import (
    check_keys,
    existing_file,
    flat_events,
    parse_max_events,
    parse_objects,
    resolve_components,
    spec_metadata,
    to_four_momenta,
)
from symvae.events.store import Events

__all__ = ["SPEC_KEYS", "read_csv"]

SPEC_KEYS = ("source", "path", "objects", "weight", "max_events")
DELIMITER = ","


def _lines(path: Path) -> tuple[list[str], NDArray[np.str_], NDArray[np.int64]]:
    """``(header names, data lines (m,), their 1-based line numbers (m,))``, blanks dropped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not a text CSV file ({err})") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError(f"{path}: no header line (file is empty or starts with a blank line)")
    header = [name.strip().strip('"') for name in lines[0].split(DELIMITER)]
    data = np.asarray(lines[1:], dtype=str)
    keep = np.flatnonzero(np.strings.str_len(np.strings.strip(data)) > 0)
    if keep.size == 0:
        raise DataError(f"{path}: no data lines after the header")
    return header, data[keep], keep + 2


def _column_indices(header: Sequence[str], wanted: Sequence[str], path: Path) -> list[int]:
    missing = [w for w in wanted if w not in header]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(map(repr, missing))} "
            f"(header: {', '.join(header)})"
        )
    duplicate = [w for w in wanted if header.count(w) > 1]
    if duplicate:
        raise DataError(f"{path}: column {duplicate[0]!r} appears more than once in the header")
    return [header.index(w) for w in wanted]


def _check_field_counts(
    rows: NDArray[np.str_], lines: NDArray[np.int64], width: int, path: Path
) -> None:
    fields = np.strings.count(rows, DELIMITER) + 1
    bad = np.flatnonzero(fields != width)
    if bad.size:
        raise DataError(
            f"{path}: line {lines[bad[0]]} has {fields[bad[0]]} fields, the header has {width}"
        )


def _parse(
    rows: NDArray[np.str_], lines: NDArray[np.int64], idx: list[int], names: list[str], path: Path
) -> NDArray[np.float64]:
    """The numeric table ``(m, len(idx))``; a bad cell raises naming column and line."""
    try:
        return np.loadtxt(
            rows, delimiter=DELIMITER, usecols=idx, ndmin=2, comments=None, dtype=np.float64
        )
    except ValueError:
        pass
    cells = np.loadtxt(rows, delimiter=DELIMITER, usecols=idx, ndmin=2, comments=None, dtype=str)
    for j, name in enumerate(names):
        try:
            cells[:, j].astype(np.float64)
        except ValueError:
            for i, cell in enumerate(cells[:, j]):  # error path only: find the first bad cell
                try:
                    float(cell)
                except ValueError:
                    raise DataError(
                        f"{path}: column {name!r}, line {lines[i]}: {str(cell)!r} is not a number"
                    ) from None
    raise DataError(f"{path}: could not parse the numeric columns {', '.join(names)}")


def read_csv(path: Path, spec: Mapping[str, Any]) -> Events:
    """Events of a CSV file (``path``, already resolved) as ``spec`` describes (module docstring):
    ``n`` events (data lines), each with ``len(objects)`` particles in that order.

    Like every reader of :data:`symvae.events.readers.READERS`, it raises ``ConfigError`` for a
    malformed spec and ``DataError`` naming the file for bad data: here a missing or empty file,
    a missing column, a line with the wrong number of fields, a non-numeric cell (with its
    column and line) or a non-finite momentum.
    """
    check_keys(spec, SPEC_KEYS)
    objects = parse_objects(spec)
    weight_name = spec.get("weight")
    if weight_name is not None and (not isinstance(weight_name, str) or not weight_name):
        raise ConfigError(f"'weight' must be a column name, got {weight_name!r}")
    stop = parse_max_events(spec)
    wanted = list(dict.fromkeys([c for m in objects for c in m.columns] + [weight_name or ""]))
    wanted = [w for w in wanted if w]

    header, rows, lines = _lines(existing_file(path))
    idx = _column_indices(header, wanted, path)
    rows, lines = rows[:stop], lines[:stop]
    _check_field_counts(rows, lines, len(header), path)
    table = _parse(rows, lines, idx, wanted, path) if wanted else np.empty((len(rows), 0))
    columns = {name: table[:, j] for j, name in enumerate(wanted)}

    def describe(col: str, i: int) -> str:
        return f"column {col!r}, line {lines[i]}"

    n, source = len(rows), str(path)
    per_object = [
        to_four_momenta(resolve_components(m, columns.__getitem__, n, source, describe))
        for m in objects
    ]
    counts, cols = flat_events(per_object)
    weight = None
    if weight_name is not None:
        weight = columns[weight_name]
        bad = np.flatnonzero(~np.isfinite(weight))
        if bad.size:
            raise DataError(f"{path}: {describe(weight_name, int(bad[0]))} (weight) is not finite")
    return Events.from_arrays(counts, cols, weight, spec_metadata(spec, path, "csv"))
