"""Read Les Houches Event files (``.lhe``, ``.lhe.gz``) with pylhe.

Spec keys: ``source: lhe``, ``path``, optional ``select`` (``status``: list of ISTUP codes
to keep, default ``[1]``, the final state; ``pid``: list of PDG ids to keep, default all)
, ``max_events`` and ``unphysical`` (:mod:`symvae.events.readers.physical`: the selected
particles' momenta and the weight are screened). The event weight is ``XWGTUP``; the particle charge follows from the
PDG id (LHE does not store it). Metadata keep the ``<init>`` block (beams, PDFs,
weighting strategy, processes with cross sections), generator tags and the ids of any
reweighting weights.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from symvae.errors import DataError
from symvae.events.readers.mapping import (
    SELECT_SPEC_KEYS,
    charge_from_pid,
    describe_error,
    nth_line,
    open_binary,
    parse_selection,
    spec_metadata,
)
from symvae.events.readers.physical import (
    FourVectors,
    Ingested,
    Values,
    parse_unphysical,
    screen,
)
from symvae.events.store import Events, first_mismatch

__all__ = ["SPEC_KEYS", "read_lhe"]

SPEC_KEYS = SELECT_SPEC_KEYS


class _Counter:
    """Counts the events an iterator has yielded, to name the one that failed."""

    def __init__(self) -> None:
        self.n = 0

    def wrap(self, events: Iterable[Any]) -> Iterator[Any]:
        for event in events:
            yield event
            self.n += 1


def _parse(path: Path, stop: int | None) -> tuple[Any, ak.Array]:
    """``(pylhe file object, awkward events)``; malformed content raises :class:`DataError`."""
    import pylhe

    counter = _Counter()
    lhef = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            lhef = pylhe.LHEFile.fromfile(path)
            arr = pylhe.to_awkward(counter.wrap(itertools.islice(lhef.events, stop)))
        except (
            ValueError,
            IndexError,
            TypeError,
            KeyError,
            AttributeError,
            ArithmeticError,
        ) as err:
            where = "header/init" if lhef is None else _where(path, counter.n)
            if isinstance(err, IndexError):  # pylhe indexes the split fields of a line
                err = IndexError("a line has too few fields")
            field = _bad_field(path, counter.n) if lhef is not None else None
            raise DataError(
                f"{path}: malformed LHE file ({where}: {field or describe_error(err)})"
            ) from None
        finally:
            close = getattr(getattr(lhef, "events", None), "close", None)
            if close is not None:
                close()
    for w in caught:  # pylhe reports XML errors as a warning and stops reading
        if str(w.message).startswith("Parse Error"):
            raise DataError(
                f"{path}: malformed or truncated LHE file after {counter.n} events ({w.message})"
            )
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if len(arr) == 0:
        raise DataError(f"{path}: no <event> blocks")
    return lhef, arr


#: fields of the first line of an event block and of a particle line (LHE, hep-ph/0609017)
_HEADER_FIELDS = ("NUP", "IDPRUP", "XWGTUP", "SCALUP", "AQEDUP", "AQCDUP")
_PARTICLE_FIELDS = ("IDUP", "ISTUP", "MOTHUP1", "MOTHUP2", "ICOLUP1", "ICOLUP2", "px", "py",
                    "pz", "E", "m", "VTIMUP", "SPINUP")  # fmt: skip


def _bad_field(path: Path, index: int) -> str | None:
    """``"line 17, field 'pz': 'x' is not a number"``: the first field of event ``index``'s
    header or particle lines that is not a number, or a line with too few fields; ``None``
    if there is none (or the event is not found)."""
    start = nth_line(path, index, _is_event_tag)
    if start is None:
        return None
    with open_binary(path) as f:
        lines = itertools.islice(f, start, None)  # the lines after the <event> tag
        for k, raw in enumerate(lines):
            text = raw.strip()
            if not text or text.startswith(b"#"):
                continue
            if text.startswith(b"<"):
                return None
            names = _HEADER_FIELDS if k == 0 else _PARTICLE_FIELDS
            tokens = text.split()
            for name, token in zip(names, tokens, strict=False):
                try:
                    float(token)
                except ValueError:
                    value = token.decode(errors="replace")
                    return f"line {start + 1 + k}, field {name}: {value!r} is not a number"
            if len(tokens) < len(names):
                return f"line {start + 1 + k} has {len(tokens)} fields, want {len(names)}"
    return None


def _init_metadata(lhef: Any) -> dict[str, Any]:
    """JSON-able summary of the ``<init>`` block and header of a pylhe file."""
    info, procs = lhef.init.initInfo, lhef.init.procInfo
    beams = [
        {
            "pid": int(getattr(info, f"beam{s}")),
            "energy_GeV": float(getattr(info, f"energy{s}")),
            "pdf_group": int(getattr(info, f"PDFgroup{s}")),
            "pdf_set": int(getattr(info, f"PDFset{s}")),
        }
        for s in "AB"
    ]
    meta: dict[str, Any] = {
        "lhe_version": lhef.version,
        "beams": beams,
        "sqrt_s_GeV": float(2.0 * np.sqrt(info.energyA * info.energyB)),  # head-on, massless
        "weighting_strategy": int(info.weightingStrategy),
        "processes": [
            {
                "id": int(p.procId),
                "cross_section_pb": float(p.xSection),
                "error_pb": float(p.error),
                "max_weight": float(p.unitWeight),
            }
            for p in procs
        ],
        "cross_section_pb": float(sum(p.xSection for p in procs)),
        "generators": [{"name": g.name, "version": g.version} for g in lhef.init.generators],
    }
    initrwgt = getattr(lhef.header, "initrwgt", None)
    if initrwgt is not None:
        meta["weight_names"] = list(initrwgt.list_weights_ids())
    return meta


def _is_event_tag(line: bytes) -> bool:
    text = line.lstrip()
    return text.startswith(b"<event") and not text.startswith(b"<eventgroup")


def _where(path: Path, index: int) -> str:
    """``"event 15 (<event> at line 1234)"``: event ``index`` (0-based) and its tag's line."""
    line = nth_line(path, index, _is_event_tag)
    return f"event {index}" + (f" (<event> at line {line})" if line is not None else "")


def read_lhe(path: Path, spec: Mapping[str, Any]) -> Ingested:
    """The selected particles of an LHE file (``path``, already resolved; ``spec`` as in the
    module docstring): one event per ``<event>`` block with the particles whose status and pid
    pass ``select``, in file order; ``weight`` is ``XWGTUP``; ``unphysical.action: drop``
    leaves unphysical events out.

    ``DataError`` for a missing, empty, truncated or malformed file (XML, a short particle
    line, a non-numeric field, an event whose particle count differs from its NUP) and, unless
    dropped, an unphysical event (a non-finite value, E < |p|), named by its index, the line
    of its ``<event>`` tag and the particle's position in the event.
    """
    path, sel = parse_selection(spec, path)
    rule = parse_unphysical(spec)
    statuses, pids = sel.statuses, sel.pids
    lhef, arr = _parse(path, sel.max_events)

    declared = ak.to_numpy(arr.eventinfo.nparticles)
    listed = ak.to_numpy(ak.num(arr.particles, axis=1))
    i = first_mismatch(declared, listed)
    if i is not None:
        raise DataError(
            f"{path}: {_where(path, i)} declares NUP={declared[i]} particles but lists {listed[i]}"
        )
    parts = arr.particles
    status = ak.to_numpy(ak.flatten(parts.status))
    pid = ak.to_numpy(ak.flatten(parts.id))
    keep = np.isin(status, statuses) & (np.isin(pid, pids) if pids is not None else True)
    counts = ak.to_numpy(ak.sum(ak.unflatten(keep, listed), axis=1))
    columns = {
        name: ak.to_numpy(ak.flatten(parts.vector[field])).astype(np.float64)[keep]
        for name, field in (("px", "px"), ("py", "py"), ("pz", "pz"), ("E", "e"))
    }
    columns["pid"] = pid[keep]
    columns["charge"] = charge_from_pid(pid[keep])
    weight = ak.to_numpy(arr.eventinfo.weight).astype(np.float64)

    n = len(arr)
    events = np.arange(n, dtype=np.int64)
    position = np.flatnonzero(keep) - np.repeat(np.cumsum(listed) - listed, counts)
    of_particle = np.repeat(events, counts)

    def locate(e: int) -> str:
        return _where(path, e)

    def particle(j: int) -> str:
        return (
            f"{locate(int(of_particle[j]))}, particle {position[j]} (pid {columns['pid'][j]}, "
            f"status {status[keep][j]})"
        )

    four = FourVectors(*(columns[c] for c in ("px", "py", "pz", "E")), of_particle, particle)
    checks = [Values(weight, events, lambda e: f"{locate(e)}, XWGTUP (weight)")]
    kept, dropped = screen(str(path), n, rule, checks, [four])
    if dropped.total:
        columns = {k: v[kept[of_particle]] for k, v in columns.items()}
        counts, weight = counts[kept], weight[kept]
    try:
        with np.errstate(invalid="ignore"):
            init = _init_metadata(lhef)
    except (ValueError, TypeError, AttributeError, ArithmeticError) as err:
        raise DataError(f"{path}: malformed <init> block ({describe_error(err)})") from None
    meta = {
        **spec_metadata(spec, path, "lhe"),
        **init,
        "weight": "XWGTUP",
        "select": sel.describe(),
        "n_events": len(counts),
        "sum_weights": float(weight.sum()),
    }
    return Ingested(Events.from_arrays(counts, columns, weight, meta), dropped)
