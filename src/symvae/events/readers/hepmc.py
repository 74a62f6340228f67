"""Read HepMC3 (and HepMC2) ASCII event files with pyhepmc.

Spec keys: ``source: hepmc``, ``path`` (``.gz``, ``.bz2``, ``.xz``, ``.zst`` are
decompressed), optional ``select`` (``status``: list of status codes to keep, default
``[1]``, the final state; ``pid``: list of PDG ids, default all) and ``max_events``.
Momenta are converted to GeV whatever the file's unit; the event weight is the first
weight of each event (1 if none); the charge follows from the PDG id. pyhepmc only reads
event by event, so this reader loops over events in Python.

HepMC3's reader stops quietly (printing to the C++ stderr) at the first record it cannot
parse; this reader captures that output, so a user sees one message, counts the event records in the file (lines starting ``E ``) and raises a
:class:`~symvae.errors.DataError` when fewer events were read, or when the file lacks its
closing ``END_EVENT_LISTING`` line (a file cut at an event boundary).
"""

from __future__ import annotations

import contextlib
import lzma
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symvae.errors import DataError
from symvae.events.readers.mapping import (
    SELECT_SPEC_KEYS,
    charge_from_pid,
    describe_error,
    open_binary,
    parse_selection,
    spec_metadata,
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


def _scan(path: Path) -> tuple[int, bool]:
    """``(number of event records (lines starting 'E '), whether the end footer is there)``."""
    count, edge, end = 0, b"\n", b""
    with open_binary(path) as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            count += (edge + chunk).count(b"\nE ")  # edge is too short to hold a match
            edge, end = (edge + chunk)[-2:], (end + chunk)[-256:]
    return count, b"END_EVENT_LISTING" in end


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
    path: Path, fmt: str, statuses: tuple[int, ...], pids: tuple[int, ...] | None, stop: int | None
) -> tuple[list[dict[str, np.ndarray]], list[float], dict[str, Any]]:
    """Per event: the selected particles' columns, the weight; plus run metadata."""
    import pyhepmc

    parts: list[dict[str, np.ndarray]] = []
    weights: list[float] = []
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
                }
            )
            w = event.weights
            weights.append(float(w[0]) if len(w) else 1.0)
            last = event
            if stop is not None and len(parts) >= stop:
                break
    meta = {"momentum_units_in_file": sorted(units), **(_run_metadata(last) if last else {})}
    return parts, weights, meta


def read_hepmc(path: Path, spec: Mapping[str, Any]) -> Events:
    """The selected particles of a HepMC ASCII file (``path``, already resolved; ``spec`` as in
    the module docstring): one event per record with the particles whose status and pid pass
    ``select``, in file order; momenta in GeV. ``DataError`` for a missing, empty, truncated or
    corrupt file, or one without events.
    """
    path, sel = parse_selection(spec, path)
    statuses, pids, stop = sel.statuses, sel.pids, sel.max_events
    fmt = _format(path)
    with _captured_stderr() as hepmc_said:
        try:
            parts, weights, run_meta = _loop(path, fmt, statuses, pids, stop)
        except (OSError, RuntimeError, ValueError) as err:
            raise DataError(f"{path}: cannot read HepMC events ({describe_error(err)})") from None
    if stop is None or len(parts) < stop:
        expected, footer = _scan(path)
        if len(parts) < expected:
            said = f" (HepMC3: {hepmc_said[0]})" if hepmc_said else ""
            raise DataError(
                f"{path}: corrupt or truncated HepMC file: event record {len(parts)} of "
                f"{expected} could not be parsed{said}"
            )
        if not footer:
            raise DataError(
                f"{path}: corrupt or truncated HepMC file: no END_EVENT_LISTING line after "
                f"{expected} events"
            )
    if not parts:
        raise DataError(f"{path}: no events")
    for line in hepmc_said:  # warnings about a file that was read in full
        print(f"HepMC3: {line}", file=sys.stderr)
    counts = np.array([len(p["px"]) for p in parts], dtype=np.int64)
    columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    columns["charge"] = charge_from_pid(columns["pid"])
    meta = {
        **spec_metadata(spec, path, "hepmc"),
        "hepmc_format": fmt,
        **run_meta,
        "weight": (run_meta.get("weight_names") or ["first event weight"])[0],
        "select": sel.describe(),
        "n_events": len(parts),
    }
    return Events.from_arrays(counts, columns, np.asarray(weights), meta)
