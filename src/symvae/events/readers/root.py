"""Read events from a user's ROOT TTree with uproot: flat per-object branches or jagged ones.

Spec keys: ``source: root``, ``path``, ``tree`` (optional when the file has one TTree),
exactly one of ``objects`` (a list of object mappings over flat branches, one particle
each per event) or ``jagged`` (one object mapping over jagged branches, e.g. NanoAOD's
``Muon_pt``), and optional ``weight`` (a flat branch), ``max_events`` and ``unphysical``
(:mod:`symvae.events.readers.physical`). Only the named branches are read. Messages name a
value by its entry (the event, 0-based), with jagged branches its particle in the entry, and
its branch.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.readers.mapping import (
    ObjectMapping,
    check_keys,
    describe_error,
    existing_file,
    flat_events,
    object_checks,
    parse_jagged,
    parse_max_events,
    parse_objects,
    resolve_components,
    spec_metadata,
    to_four_momenta,
)
from symvae.events.readers.physical import (
    SPEC_KEY,
    FourVectors,
    Ingested,
    Values,
    parse_unphysical,
    screen,
)
from symvae.events.store import Events

__all__ = ["SPEC_KEYS", "read_root"]

SPEC_KEYS = ("source", "path", "tree", "objects", "jagged", "weight", "max_events", SPEC_KEY)
TREE_CLASSES = ("TTree", "TNtuple", "TNtupleD")


def _layout(spec: Mapping[str, Any]) -> tuple[list[ObjectMapping] | None, ObjectMapping | None]:
    """``(objects, None)`` or ``(None, jagged)``, whichever the spec gives."""
    has_objects, has_jagged = spec.get("objects") is not None, spec.get("jagged") is not None
    if has_objects == has_jagged:
        raise ConfigError("give exactly one of 'objects' or 'jagged'")
    return (parse_objects(spec), None) if has_objects else (None, parse_jagged(spec))


def _weight_branch(spec: Mapping[str, Any]) -> str | None:
    weight = spec.get("weight")
    if weight is not None and (not isinstance(weight, str) or not weight):
        raise ConfigError(f"'weight' must be a branch name, got {weight!r}")
    return weight


def _find_tree(file: Any, name: str | None, path: Path) -> Any:
    """The TTree ``name`` of an open uproot file (the only TTree when ``name`` is None)."""
    trees = sorted({k.rsplit(";", 1)[0] for k, c in file.classnames().items() if c in TREE_CLASSES})
    if name is None:
        if len(trees) != 1:
            raise ConfigError(
                f"set 'tree'; the file has TTrees {', '.join(map(repr, trees)) or '(none)'}"
            )
        name = trees[0]
    other = {k.rsplit(";", 1)[0]: c for k, c in file.classnames().items()}
    if name not in trees and name in other:
        raise DataError(f"{path}: {name!r} is a {other[name]}, not a TTree")
    if name not in trees:
        raise DataError(
            f"{path}: no TTree {name!r} (TTrees in the file: "
            f"{', '.join(map(repr, trees)) or 'none'})"
        )
    return file[name]


def _numeric(values: Any, name: str, path: Path) -> NDArray[Any]:
    """``values`` as a 1-d numeric numpy array, or a :class:`DataError` naming the branch."""
    try:
        arr = ak.to_numpy(values)
    except Exception:  # strings, records, unions
        arr = None
    if arr is None or arr.dtype.kind not in "biuf":
        raise DataError(f"{path}: branch {name!r} is not numeric (type {ak.type(values)})")
    return arr


def _read_flat(tree: Any, name: str, stop: int | None, path: Path) -> NDArray[Any]:
    values = tree[name].array(library="ak", entry_stop=stop)
    if values.ndim != 1:
        raise DataError(
            f"{path}: branch {name!r} holds several values per entry (type "
            f"{ak.type(values)}); use a 'jagged' mapping for it"
        )
    return _numeric(values, name, path)


def _read_jagged(tree: Any, name: str, stop: int | None, path: Path) -> tuple[Any, Any]:
    """``(counts (n,), flat values (sum counts,))`` of a jagged branch."""
    values = tree[name].array(library="ak", entry_stop=stop)
    if values.ndim != 2:
        raise DataError(
            f"{path}: branch {name!r} is not a jagged list of numbers per entry (type "
            f"{ak.type(values)})"
        )
    return ak.to_numpy(ak.num(values, axis=1)), _numeric(ak.flatten(values), name, path)


def _read_branches(
    path: Path, spec: Mapping[str, Any], columns: list[str], jagged: set[str], stop: int | None
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Open the file and read ``columns``; returns ``(n_entries, flat, jagged)`` arrays."""
    import uproot

    tree_name = spec.get("tree")
    if tree_name is not None and not isinstance(tree_name, str):
        raise ConfigError(f"'tree' must be a TTree name, got {tree_name!r}")
    reading = ""  # the branch being read, for messages
    try:
        with uproot.open(path) as file:
            tree = _find_tree(file, tree_name, path)
            missing = [c for c in columns if c not in tree]
            if missing:
                raise DataError(
                    f"{path}: TTree {tree.name!r} has no branch(es) {', '.join(map(repr, missing))}"
                )
            n = tree.num_entries if stop is None else min(stop, tree.num_entries)
            flat, jag = {}, {}
            for branch in columns:
                reading = f" (TTree {tree.name!r}, branch {branch!r})"
                if branch in jagged:
                    jag[branch] = _read_jagged(tree, branch, stop, path)
                else:
                    flat[branch] = _read_flat(tree, branch, stop, path)
    except (DataError, ConfigError):
        raise
    except Exception as err:  # uproot raises many kinds for truncated or corrupt files
        raise DataError(
            f"{path}: not a readable ROOT file{reading} ({describe_error(err)})"
        ) from None
    if n == 0:
        raise DataError(f"{path}: TTree has no entries")
    return n, flat, jag


def _common_counts(jag: Mapping[str, tuple[Any, Any]], path: Path) -> NDArray[np.int64]:
    """The particle counts shared by all jagged branches."""
    names = list(jag)
    counts = np.asarray(jag[names[0]][0], dtype=np.int64)
    for name in names[1:]:
        diff = np.flatnonzero(jag[name][0] != counts)
        if diff.size:
            raise DataError(
                f"{path}: jagged branches {names[0]!r} and {name!r} have different lengths "
                f"(first at entry {diff[0]})"
            )
    return counts


def read_root(path: Path, spec: Mapping[str, Any]) -> Ingested:
    """Events of a ROOT TTree (``path``, already resolved) as ``spec`` describes (module
    docstring): ``n`` events; with ``objects`` each has ``len(objects)`` particles in order;
    ``unphysical.action: drop`` leaves the unphysical ones out.

    Errors as for every reader (:func:`symvae.events.readers.read_events_from`): a missing or
    corrupt file, a missing tree or branch, non-numeric values or, unless dropped, an
    unphysical event (a non-finite value, E < |p|).
    """
    check_keys(spec, SPEC_KEYS)
    objects, jagged = _layout(spec)
    weight_name = _weight_branch(spec)
    stop = parse_max_events(spec)
    rule = parse_unphysical(spec)
    mappings = objects if objects is not None else [jagged]
    columns = list(dict.fromkeys(c for m in mappings for c in m.columns))
    jag_cols = set(jagged.columns) if jagged is not None else set()
    if weight_name is not None and weight_name in jag_cols:
        raise ConfigError(f"'weight' branch {weight_name!r} is a particle branch")
    wanted = columns + ([weight_name] if weight_name and weight_name not in columns else [])
    n, flat, jag = _read_branches(existing_file(path), spec, wanted, jag_cols, stop)

    source = str(path)
    events = np.arange(n, dtype=np.int64)
    checks: list[Values] = []
    vectors: list[FourVectors] = []
    if objects is not None:
        per_object = []
        for m in objects:
            resolved = resolve_components(m, flat.__getitem__, n, source, _entry_describer)
            momenta = to_four_momenta(resolved)
            values, four = object_checks(m, resolved, momenta, events, _entry_describer, _entry)
            checks += values
            vectors.append(four)
            per_object.append(momenta)
    else:
        counts = _common_counts(jag, path)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        of_particle = np.repeat(events, counts)

        def locate(i: int) -> str:
            event = int(of_particle[i])
            return f"entry {event} (particle {i - offsets[event]})"

        def describe(col: str, i: int) -> str:
            return f"{locate(i)}, branch {col!r}"

        resolved = resolve_components(
            jagged, lambda c: jag[c][1], int(offsets[-1]), source, describe
        )
        cols = to_four_momenta(resolved)
        values, four = object_checks(jagged, resolved, cols, of_particle, describe, locate)
        checks += values
        vectors.append(four)
    weight = None
    if weight_name is not None:
        weight = np.asarray(flat[weight_name], dtype=np.float64)
        checks.append(
            Values(weight, events, lambda i: f"{_entry_describer(weight_name, i)} (weight)")
        )
    keep, dropped = screen(source, n, rule, checks, vectors)
    if objects is not None:
        if dropped.total:
            per_object = [{k: v[keep] for k, v in o.items()} for o in per_object]
        counts, cols = flat_events(per_object)
    elif dropped.total:
        cols = {k: v[keep[of_particle]] for k, v in cols.items()}
        counts = counts[keep]
    if dropped.total and weight is not None:
        weight = weight[keep]
    meta = spec_metadata(spec, path, "root")
    return Ingested(Events.from_arrays(counts, cols, weight, meta), dropped)


def _entry(index: int) -> str:
    return f"entry {index}"


def _entry_describer(column: str, index: int) -> str:
    return f"{_entry(index)}, branch {column!r}"
