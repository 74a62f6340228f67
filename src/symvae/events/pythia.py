"""Event generation with Pythia 8 (the ``pythia8mc`` Python bindings).

Generator settings come from the config as Pythia's own setting strings; this module adds
only the seed and silences the event listings. The particles kept per event are chosen by a
small selection spec: which record (the complete ``event`` or the hard ``process``), final
state only or given status codes, and PDG ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from symvae.errors import ConfigError, DataError
from symvae.events.store import Events

__all__ = ["QUIET", "generate_pythia", "pythia_version"]

#: Settings that keep Pythia's output short; applied before the user's settings.
QUIET = (
    "Print:quiet = on",
    "Next:numberCount = 0",
    "Next:numberShowEvent = 0",
    "Next:numberShowProcess = 0",
    "Next:numberShowInfo = 0",
)
_MB_TO_PB = 1e9


def _pythia_module():
    """The Pythia 8 bindings: ``pythia8mc`` from PyPI, or ``pythia8`` from conda-forge."""
    try:
        import pythia8mc
    except ImportError:
        import pythia8 as pythia8mc  # conda-forge names the same bindings pythia8
    return pythia8mc


def pythia_version() -> str:
    """Version of the installed Pythia 8 bindings."""
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("pythia8mc", "pythia8"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "unknown"


def _selector(keep: Mapping[str, Any]):
    record = keep.get("record", "event")
    if record not in ("event", "process"):
        raise ConfigError(f"pythia: 'keep.record' must be 'event' or 'process', got {record!r}")
    final = bool(keep.get("final", record == "event"))
    status = {abs(int(s)) for s in keep.get("status", [])} or None
    pids = {int(p) for p in keep.get("pid", [])} or None

    def accept(p) -> bool:
        if final and not p.isFinal():
            return False
        if status is not None and p.statusAbs() not in status:
            return False
        return pids is None or p.id() in pids

    return record, accept


def generate_pythia(
    settings: Sequence[str],
    n_events: int,
    seed: int,
    keep: Mapping[str, Any] | None = None,
    *,
    progress: bool = True,
    label: str = "pythia",
) -> Events:
    """Generate ``n_events`` accepted events and keep the selected particles.

    Parameters
    ----------
    settings:
        Pythia setting strings (``"Beams:eCM = 91.1876"``, ...). Each must be accepted.
    n_events:
        Number of events to return.
    seed:
        Pythia's random seed (0 ≤ seed ≤ 900 000 000).
    keep:
        ``{"record": "event" | "process", "final": bool, "status": [codes], "pid": [ids]}``;
        default: final-state particles of the complete event.

    Returns
    -------
    Events
        Metadata: generator, version, settings, seed, cross section and its error (pb),
        tried and accepted event counts.
    """
    pythia8mc = _pythia_module()

    if not 0 <= seed <= 900_000_000:
        raise ConfigError(f"pythia: seed must be in [0, 900000000], got {seed}")
    record_name, accept = _selector(keep or {})
    pythia = pythia8mc.Pythia("", False)
    for line in (*QUIET, *settings, "Random:setSeed = on", f"Random:seed = {seed}"):
        if not pythia.readString(line):
            raise ConfigError(f"pythia: setting not accepted: {line!r}")
    if not pythia.init():
        raise DataError("pythia: init() failed (check the settings and PYTHIA8DATA)")

    counts = np.zeros(n_events, dtype=np.int64)
    cols: dict[str, list[float]] = {k: [] for k in ("px", "py", "pz", "E", "pid", "charge")}
    px, py, pz, e, pid, charge = (cols[k].append for k in ("px", "py", "pz", "E", "pid", "charge"))
    failures = 0
    with tqdm(total=n_events, desc=label, disable=not progress, mininterval=1.0) as bar:
        i = 0
        while i < n_events:
            if not pythia.next():
                failures += 1
                if failures > max(100, n_events // 10):
                    raise DataError(
                        f"pythia: {failures} failed events (more than 10%); check the settings"
                    )
                continue
            record = pythia.event if record_name == "event" else pythia.process
            k = 0
            for p in record:
                if accept(p):
                    px(p.px())
                    py(p.py())
                    pz(p.pz())
                    e(p.e())
                    pid(p.id())
                    charge(p.charge())
                    k += 1
            counts[i] = k
            i += 1
            bar.update(1)
    info = pythia.infoPython()
    meta = {
        "generator": "pythia8",
        "version": pythia_version(),
        "settings": list(settings),
        "keep": dict(keep or {}),
        "seed": seed,
        "sigma_pb": info.sigmaGen() * _MB_TO_PB,
        "sigma_err_pb": info.sigmaErr() * _MB_TO_PB,
        "n_tried": int(info.nTried()),
        "n_accepted": int(info.nAccepted()),
        "n_failed": failures,
    }
    return Events.from_arrays(counts, {k: np.asarray(v) for k, v in cols.items()}, metadata=meta)
