"""Read events from a comma-separated table (one event per line) with numpy.

The first line is the header of column names; every further non-blank line is one event
with the same number of comma-separated numeric fields (no quoted fields). Spec keys:
``source: csv``, ``path``, ``objects`` (object mappings over columns, one particle each
per event), optional ``weight`` (a column), ``max_events`` and ``unphysical``
(:mod:`symvae.events.readers.physical`). Messages name a value by its line in the file (the
header is line 1), its event (0-based, blank lines skipped) and its column.
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
    object_checks,
    parse_max_events,
    parse_objects,
    resolve_components,
    spec_metadata,
    to_four_momenta,
)
from symvae.events.readers.physical import (
    SPEC_KEY,
    Ingested,
    Values,
    parse_unphysical,
    screen,
)
from symvae.events.store import Events

__all__ = ["SPEC_KEYS", "read_csv"]

SPEC_KEYS = ("source", "path", "objects", "weight", "max_events", SPEC_KEY)
DELIMITER = ","


def _lines(path: Path) -> tuple[list[str], NDArray[np.str_], NDArray[np.int64]]:
    """``(header names, data lines (m,), their 1-based line numbers (m,))``, blanks dropped."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        where = "the header" if line == 1 else f"line {line}"
        raise DataError(
            f"{path}: not a text CSV file: {where} has byte {raw[err.start]:#04x}, not UTF-8"
        ) from None
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
            f"{path}: line {lines[bad[0]]} (event {bad[0]}) has {fields[bad[0]]} fields, "
            f"the header has {width}"
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
                        f"{path}: line {lines[i]} (event {i}), column {name!r}: "
                        f"{str(cell)!r} is not a number"
                    ) from None
    raise DataError(f"{path}: could not parse the numeric columns {', '.join(names)}")


def read_csv(path: Path, spec: Mapping[str, Any]) -> Ingested:
    """Events of a CSV file (``path``, already resolved) as ``spec`` describes (module docstring):
    ``n`` events (data lines), each with ``len(objects)`` particles in that order, less the
    unphysical ones that ``unphysical.action: drop`` leaves out.

    Like every reader of :data:`symvae.events.readers.READERS`, it raises ``ConfigError`` for a
    malformed spec and ``DataError`` naming the file for bad data: here a missing or empty file,
    a missing column, a line with the wrong number of fields, a non-numeric cell (with its
    column and line) or, unless dropped, an unphysical event (a non-finite value, E < |p|).
    """
    check_keys(spec, SPEC_KEYS)
    objects = parse_objects(spec)
    weight_name = spec.get("weight")
    if weight_name is not None and (not isinstance(weight_name, str) or not weight_name):
        raise ConfigError(f"'weight' must be a column name, got {weight_name!r}")
    stop = parse_max_events(spec)
    rule = parse_unphysical(spec)
    wanted = list(dict.fromkeys([c for m in objects for c in m.columns] + [weight_name or ""]))
    wanted = [w for w in wanted if w]

    header, rows, lines = _lines(existing_file(path))
    idx = _column_indices(header, wanted, path)
    rows, lines = rows[:stop], lines[:stop]
    _check_field_counts(rows, lines, len(header), path)
    table = _parse(rows, lines, idx, wanted, path) if wanted else np.empty((len(rows), 0))
    columns = {name: table[:, j] for j, name in enumerate(wanted)}

    def locate(i: int) -> str:
        return f"line {lines[i]} (event {i})"

    def describe(col: str, i: int) -> str:
        return f"{locate(i)}, column {col!r}"

    n, source = len(rows), str(path)
    event = np.arange(n, dtype=np.int64)
    checks, vectors, per_object = [], [], []
    for m in objects:
        resolved = resolve_components(m, columns.__getitem__, n, source, describe)
        momenta = to_four_momenta(resolved)
        values, four = object_checks(m, resolved, momenta, event, describe, locate)
        checks += values
        vectors.append(four)
        per_object.append(momenta)
    weight = None
    if weight_name is not None:
        weight = columns[weight_name]
        checks.append(Values(weight, event, lambda i: f"{describe(weight_name, i)} (weight)"))
    keep, dropped = screen(source, n, rule, checks, vectors)
    if dropped.total:
        per_object = [{k: v[keep] for k, v in o.items()} for o in per_object]
        weight = None if weight is None else weight[keep]
    counts, cols = flat_events(per_object)
    events = Events.from_arrays(counts, cols, weight, spec_metadata(spec, path, "csv"))
    return Ingested(events, dropped)
