"""Read HepMC3 (and HepMC2) ASCII event files with pyhepmc.

Spec keys: ``source: hepmc``, ``path`` (``.gz``, ``.bz2``, ``.xz``, ``.zst`` are
decompressed), optional ``select`` (``status``: list of status codes to keep, default
``[1]``, the final state; ``pid``: list of PDG ids, default all), ``max_events`` and
``unphysical`` (:mod:`symvae.events.readers.physical`: the selected particles' momenta and
the weight are screened).
Momenta are converted to GeV whatever the file's unit; the event weight is the first
weight of each event (1 if none); the charge follows from the PDG id. pyhepmc only reads
event by event, so this reader loops over events in Python.

HepMC3's reader stops quietly (printing to the C++ stderr) at the first record it cannot
parse; this reader captures that output, so a user sees one message, counts the event
records in the file (lines starting ``E ``) and raises a
:class:`~symvae.errors.DataError` when fewer events were read, or when the file lacks its
closing ``END_EVENT_LISTING`` line (a file cut at an event boundary). The file is scanned
before pyhepmc sees it: a vertex line that lists an incoming particle id the event does not
have makes HepMC3's reader crash the process (it indexes its particle table unchecked), so
such a file is refused with the line and the id.
"""

from __future__ import annotations

import contextlib
import lzma
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from symvae.errors import DataError
from symvae.events.readers.mapping import (
    SELECT_SPEC_KEYS,
    Selection,
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
from symvae.events.store import Events

__all__ = ["SPEC_KEYS", "read_hepmc"]

SPEC_KEYS = SELECT_SPEC_KEYS
_CHUNK = 1 << 24


def _format(path: Path) -> str:
    """``"hepmc3"`` or ``"hepmc2"`` from the file's first bytes, else :class:`DataError`."""
    try:
        with open_binary(path) as f:
            head = f.read(512)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise DataError(f"{path}: cannot read ({describe_error(err)})") from None
    if b"HepMC::Asciiv3" in head:
        return "hepmc3"
    if b"HepMC::IO_GenEvent" in head:
        return "hepmc2"
    raise DataError(f"{path}: not a HepMC ASCII file (no HepMC::Asciiv3 or IO_GenEvent header)")


#: a particle line holding a character that is not part of a decimal number
_SUSPECT = re.compile(rb"^P [^\n]*[^0-9eE+\-. \t\r\n][^\n]*$", re.MULTILINE)
#: fields of a particle line, by format (for messages)
_P_FIELDS = {
    "hepmc3": ("P", "id", "parent", "pid", "px", "py", "pz", "E", "m", "status"),
    "hepmc2": ("P", "barcode", "pid", "px", "py", "pz", "E", "m", "status", "theta", "phi"),
}


@dataclass(frozen=True)
class _Scan:
    """What one pass over the file finds: event records (lines ``E ...``), whether the
    ``END_EVENT_LISTING`` footer is there, the first particle field that is not a number as
    ``(event, line, field number, text)`` and the first vertex that lists an incoming
    particle the event does not have as ``(event, line, particle id, particles in the event)``.
    """

    events: int
    footer: bool
    bad_field: tuple[int, int, int, bytes] | None
    bad_vertex: tuple[int, int, int, int] | None = None


def _first_bad_field(body: bytes) -> tuple[int, int, bytes] | None:
    """``(offset of its line, field number, text)`` of the first non-numeric field of a
    particle line in ``body`` (whole lines); ``nan``/``inf`` count as numbers here (the
    screening of :mod:`~symvae.events.readers.physical` handles them)."""
    for match in _SUSPECT.finditer(body):
        for k, token in enumerate(match.group().split()[1:], start=1):
            try:
                float(token)
            except ValueError:
                return match.start(), k, token
    return None


#: a HepMC3 vertex line's list of incoming particle ids, ``V id status [1,2,...]``
_VERTEX_IN = re.compile(rb"^V [^\n\[]*\[([^\]\n]*)\]", re.MULTILINE)
_INT = re.compile(rb"[+-]?[0-9]+")


def _first_bad_vertex(body: bytes) -> tuple[int, int, int] | None:
    """``(offset of its line, particle id, particles in the event)``
    of the first vertex line of ``body`` (whole events, from an ``E`` line on) that lists an
    incoming particle id outside ``1..n``, ``n`` the event's particle lines. HepMC3's reader
    indexes its particle table with such an id unchecked and crashes the process
    (segmentation fault), so the file is refused before it is handed over."""
    starts = [m.start() for m in re.finditer(rb"^E ", body, re.MULTILINE)] + [len(body)]
    if len(starts) == 1:
        return None
    k = 0
    for match in _VERTEX_IN.finditer(body):
        while match.start() >= starts[k + 1]:
            k += 1
        ids = [int(t) for t in _INT.findall(match.group(1))]
        if not ids or match.start() < starts[0]:
            continue
        n = (b"\n" + body[starts[k] : starts[k + 1]]).count(b"\nP ")
        if (bad := next((i for i in ids if not 1 <= i <= n), None)) is not None:
            return match.start(), bad, n
    return None


def _scan(path: Path, vertices: bool = True) -> _Scan:
    """One pass over the file in chunks of 16 MiB (see :class:`_Scan`; vertex lines are
    checked when ``vertices``, HepMC3's format); a chunk is cut before its last ``E`` line,
    so each event is seen whole."""
    count, lines, carry, end = 0, 0, b"", b""
    bad: tuple[int, int, int, bytes] | None = None
    vertex: tuple[int, int, int, int] | None = None

    def take(body: bytes, last: bool) -> None:
        nonlocal count, lines, bad, vertex

        def where(at: int) -> tuple[int, int]:  # (event, line) of offset ``at`` of body
            event = count + (b"\n" + body[:at]).count(b"\nE ") - 1
            return event, lines + body.count(b"\n", 0, at) + 1

        if bad is None and (found := _first_bad_field(body)) is not None:
            at, k, token = found
            bad = (*where(at), k, token)
        if vertices and vertex is None and (hit := _first_bad_vertex(body)) is not None:
            at, pid, n = hit
            vertex = (*where(at), pid, n)
        count += (b"\n" + body).count(b"\nE ")
        lines += body.count(b"\n") + int(last and not body.endswith(b"\n") and bool(body))

    with open_binary(path) as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            block = carry + chunk
            cut = block.rfind(b"\nE ") + 1
            if cut == 0:  # no event starts in this block: keep it for the next one
                carry = block
            else:
                take(block[:cut], False)
                carry = block[cut:]
            end = (end + chunk)[-256:]
    take(carry, True)
    return _Scan(count, b"END_EVENT_LISTING" in end, bad, vertex)


def _record_line(path: Path, index: int) -> str:
    """``"event 15 (E record at line 1234)"``: event ``index`` (0-based) and its line."""
    line = nth_line(path, index, lambda text: text.startswith(b"E "))
    return f"event {index}" + (f" (E record at line {line})" if line is not None else "")


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """Capture what C++ code writes to file descriptor 2; the lines land in the yielded list."""
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode(errors="replace")
            lines.extend(line.strip() for line in text.splitlines() if line.strip())


def _run_metadata(event: Any) -> dict[str, Any]:
    """Weight names, tools and cross section of the last event read."""
    meta: dict[str, Any] = {}
    run = event.run_info
    if run is not None:
        meta["weight_names"] = [str(w) for w in run.weight_names]
        meta["tools"] = [
            {"name": t.name, "version": t.version, "description": t.description} for t in run.tools
        ]
    xs = event.cross_section
    if xs is not None and xs.is_valid():
        meta["cross_section_pb"] = float(xs.xsec())
        meta["cross_section_error_pb"] = float(xs.xsec_err())
    return meta


def _loop(
    path: Path,
    fmt: str,
    sel: Selection,
    parts: list[dict[str, np.ndarray]],
    weights: list[float],
) -> dict[str, Any]:
    """Append per event the selected particles' columns to ``parts`` and the weight to
    ``weights`` (so a failure knows how far it got); returns the run metadata."""
    import pyhepmc

    statuses, pids, stop = sel.statuses, sel.pids, sel.max_events
    units: set[str] = set()
    last = None
    with pyhepmc.open(path, format=fmt) as f:
        for event in f:
            units.add(event.momentum_unit.name)
            if event.momentum_unit != pyhepmc.Units.GEV:
                event.set_units(pyhepmc.Units.GEV, event.length_unit)
            a = event.numpy.particles
            keep = np.isin(a.status, statuses)
            if pids is not None:
                keep &= np.isin(a.pid, pids)
            parts.append(
                {
                    "px": a.px[keep],
                    "py": a.py[keep],
                    "pz": a.pz[keep],
                    "E": a.e[keep],
                    "pid": a.pid[keep],
                    "id": a.id[keep],
                }
            )
            w = event.weights
            weights.append(float(w[0]) if len(w) else 1.0)
            last = event
            if stop is not None and len(parts) >= stop:
                break
    return {"momentum_units_in_file": sorted(units), **(_run_metadata(last) if last else {})}


def read_hepmc(path: Path, spec: Mapping[str, Any]) -> Ingested:
    """The selected particles of a HepMC ASCII file (``path``, already resolved; ``spec`` as in
    the module docstring): one event per record with the particles whose status and pid pass
    ``select``, in file order; momenta in GeV; ``unphysical.action: drop`` leaves unphysical
    events out. ``DataError`` for a missing, empty, truncated or corrupt file, one without
    events or, unless dropped, an unphysical event (named by its index, the line of its
    ``E`` record and the particle's HepMC id).
    """
    path, sel = parse_selection(spec, path)
    rule = parse_unphysical(spec)
    fmt = _format(path)
    try:
        scan = _scan(path, vertices=fmt == "hepmc3")
    except Exception as err:  # a corrupt compressed stream
        raise DataError(f"{path}: cannot read ({describe_error(err)})") from None
    if scan.bad_vertex is not None:
        event, line, pid, n = scan.bad_vertex
        raise DataError(
            f"{path}: corrupt HepMC file: line {line} (event {event}): a vertex lists incoming "
            f"particle {pid}, but the event has {n} particle{'s' * (n != 1)}"
        )
    parts: list[dict[str, np.ndarray]] = []
    weights: list[float] = []
    with _captured_stderr() as hepmc_said:
        try:
            run_meta = _loop(path, fmt, sel, parts, weights)
        except (OSError, RuntimeError, ValueError) as err:
            raise DataError(
                f"{path}: cannot read HepMC {_record_line(path, len(parts))} "
                f"({describe_error(err)})"
            ) from None
    if scan.bad_field is not None and (scan.bad_field[0] < len(parts) or len(parts) < scan.events):
        event, line, k, token = scan.bad_field
        names = _P_FIELDS[fmt]
        name = f" ({names[k]})" if k < len(names) else ""
        where = f"event {event}" if event >= 0 else "before the first event"
        raise DataError(
            f"{path}: corrupt HepMC file: line {line} ({where}), particle field {k}{name}: "
            f"{token.decode(errors='replace')!r} is not a number"
        )
    if sel.max_events is None or len(parts) < sel.max_events:
        if len(parts) < scan.events:
            said = f" (HepMC3: {hepmc_said[0]})" if hepmc_said else ""
            raise DataError(
                f"{path}: corrupt or truncated HepMC file: {_record_line(path, len(parts))} "
                f"of {scan.events} could not be parsed{said}"
            )
        if not scan.footer:
            raise DataError(
                f"{path}: corrupt or truncated HepMC file: no END_EVENT_LISTING line after "
                f"{scan.events} events"
            )
    if not parts:
        raise DataError(f"{path}: no events")
    for line in hepmc_said:  # warnings about a file that was read in full
        print(f"HepMC3: {line}", file=sys.stderr)
    counts = np.array([len(p["px"]) for p in parts], dtype=np.int64)
    columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    ids = columns.pop("id")
    weight = np.asarray(weights, dtype=np.float64)
    n = len(parts)
    events = np.arange(n, dtype=np.int64)
    of_particle = np.repeat(events, counts)

    def locate(e: int) -> str:
        return _record_line(path, e)

    def particle(j: int) -> str:
        return f"{locate(int(of_particle[j]))}, particle {ids[j]} (pid {columns['pid'][j]})"

    four = FourVectors(*(columns[c] for c in ("px", "py", "pz", "E")), of_particle, particle)
    checks = [Values(weight, events, lambda e: f"{locate(e)}, weight")]
    kept, dropped = screen(str(path), n, rule, checks, [four])
    if dropped.total:
        columns = {k: v[kept[of_particle]] for k, v in columns.items()}
        counts, weight = counts[kept], weight[kept]
    columns["charge"] = charge_from_pid(columns["pid"])
    meta = {
        **spec_metadata(spec, path, "hepmc"),
        "hepmc_format": fmt,
        **run_meta,
        "weight": (run_meta.get("weight_names") or ["first event weight"])[0],
        "select": sel.describe(),
        "n_events": len(counts),
    }
    return Ingested(Events.from_arrays(counts, columns, weight, meta), dropped)
