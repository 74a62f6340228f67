"""Export :class:`~symvae.events.store.Events` to LHE, HepMC3, CSV and flat ROOT files.

Small exporters for users and for round-trip tests of the readers
(:mod:`symvae.events.readers`). Every writer is atomic
(:func:`symvae.io.atomic.atomic_path`): it writes under a temporary name and renames it onto
``name``, so a failure leaves no output; ROOT files have deterministic bytes
(:func:`symvae.io.root.recreate`). Floats are written with 17 significant digits, so the
readers get the same doubles back. A ``.gz``, ``.bz2`` or ``.xz`` suffix
compresses LHE and HepMC3 output.

- :func:`write_lhe`: LHE v3 with an ``<init>`` block and one ``<event>`` per event; the
  particles are final state (status 1, mothers 0, no colour).
- :func:`write_hepmc3`: HepMC3 ASCII; per event two beam particles (status 4) into one
  vertex whose outgoing particles are the stored ones (status 1).
- :func:`write_csv`, :func:`write_root_flat`: one row per event with columns
  ``E1, px1, py1, pz1, pid1, charge1, E2, ...`` and ``weight``, for events with a fixed
  number of particles.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.readers.mapping import open_binary
from symvae.events.store import Events, first_mismatch
from symvae.io.atomic import atomic_path
from symvae.io.root import recreate as recreate_root

__all__ = ["flat_column_names", "write_csv", "write_hepmc3", "write_lhe", "write_root_flat"]

Beams = Sequence[tuple[int, float]]
DEFAULT_BEAMS: Beams = ((2212, 6500.0), (2212, 6500.0))
_FLAT_FIELDS = ("E", "px", "py", "pz", "pid", "charge")


def _source(events: Events) -> str:
    return str(events.metadata.get("source", "events"))


def _columns(events: Events) -> dict[str, NDArray[np.generic]]:
    """Flat per-particle columns ``(sum counts,)`` of ``events``."""
    return {k: ak.to_numpy(ak.flatten(events.particles[k])) for k in _FLAT_FIELDS}


def _mass(cols: dict[str, NDArray[np.generic]]) -> NDArray[np.float64]:
    """Invariant mass per particle, ``sqrt(max(E² - p², 0))`` (GeV)."""
    p2 = cols["px"] ** 2 + cols["py"] ** 2 + cols["pz"] ** 2
    return np.sqrt(np.maximum(cols["E"] ** 2 - p2, 0.0))


def _check_beams(beams: Beams) -> tuple[tuple[int, float], tuple[int, float]]:
    try:
        (pid_a, e_a), (pid_b, e_b) = beams
        checked = ((int(pid_a), float(e_a)), (int(pid_b), float(e_b)))
    except (TypeError, ValueError):
        raise ConfigError(
            f"beams: want ((pid, energy_GeV), (pid, energy_GeV)), got {beams!r}"
        ) from None
    if not all(np.isfinite(e) and e > 0 for _, e in checked):
        raise ConfigError(f"beams: energies must be positive, got {beams!r}")
    return checked


def flat_column_names(n_objects: int) -> list[str]:
    """``["E1", "px1", "py1", "pz1", "pid1", "charge1", "E2", ...]`` for ``n_objects``."""
    return [f"{f}{i}" for i in range(1, n_objects + 1) for f in _FLAT_FIELDS]


def _fixed_table(events: Events, n_objects: int) -> dict[str, NDArray[np.generic]]:
    """Columns ``E1, px1, ...`` (each ``(n,)``) for events with exactly ``n_objects`` each."""
    counts = ak.to_numpy(ak.num(events.particles, axis=1))
    i = first_mismatch(counts, n_objects)
    if i is not None:
        raise DataError(
            f"{_source(events)}: event {i} has {counts[i]} particles; a flat table "
            f"needs exactly {n_objects} per event"
        )
    cols = _columns(events)
    table = {}
    for i in range(n_objects):
        for f in _FLAT_FIELDS:
            table[f"{f}{i + 1}"] = cols[f].reshape(len(events), n_objects)[:, i]
    return table


# --------------------------------------------------------------------------- CSV, ROOT


def write_csv(path: str | Path, events: Events, n_objects: int) -> None:
    """Write events with ``n_objects`` particles each as CSV.

    Columns ``E1, px1, py1, pz1, pid1, charge1, ..., weight`` (GeV, e), one line per event;
    floats with 17 significant digits, charges with 9 (exact for float32).

    Raises
    ------
    DataError
        An event has a different number of particles.
    """
    table = _fixed_table(events, n_objects)
    names = [*table, "weight"]
    data = np.column_stack([*(table[k].astype(np.float64) for k in table), events.weight])
    fmt = [
        "%d" if n.startswith("pid") else "%.9g" if n.startswith("charge") else "%.17g"
        for n in names
    ]
    with atomic_path(path) as tmp:
        np.savetxt(tmp, data, fmt=fmt, delimiter=",", header=",".join(names), comments="")


def write_root_flat(path: str | Path, events: Events, n_objects: int, tree: str = "events") -> None:
    """Write events with ``n_objects`` particles each as a flat ROOT TTree.

    Branches ``E1, px1, py1, pz1`` (float64, GeV), ``pid1`` (int32), ``charge1`` (float32),
    ..., and ``weight`` (float64): the layout of a typical user ntuple.

    Raises
    ------
    DataError
        An event has a different number of particles.
    """
    table = _fixed_table(events, n_objects)
    table["weight"] = events.weight
    with atomic_path(path) as tmp, recreate_root(tmp) as f:
        f.mktree(tree, {k: v.dtype for k, v in table.items()})
        f[tree].extend(table)


# --------------------------------------------------------------------------- LHE


def _format_lines(columns: Sequence[tuple[str, NDArray[np.generic]]]) -> NDArray[np.str_]:
    """Join ``(printf format, values (m,))`` columns into ``m`` space-separated lines."""
    line = np.strings.mod(columns[0][0], columns[0][1])
    for fmt, values in columns[1:]:
        line = np.strings.add(np.strings.add(line, " "), np.strings.mod(fmt, values))
    return line


def _init_block(events: Events, beams: Beams) -> str:
    (pid_a, e_a), (pid_b, e_b) = _check_beams(beams)
    w = events.weight
    unit = bool(np.all(w == 1.0))
    xsec = float(w.mean()) if len(w) else 0.0
    xerr = float(w.std() / np.sqrt(len(w))) if len(w) else 0.0
    xmax = float(np.abs(w).max()) if len(w) else 0.0
    return (
        "<init>\n"
        f"{pid_a} {pid_b} {e_a:.17e} {e_b:.17e} 0 0 -1 -1 {3 if unit else -4} 1\n"
        f"{xsec:.17e} {xerr:.17e} {xmax:.17e} 1\n"
        "</init>"
    )


def _event_blocks(events: Events) -> str:
    """All ``<event>`` blocks, built column-wise with numpy string operations."""
    counts = ak.to_numpy(ak.num(events.particles, axis=1)).astype(np.int64)
    cols = _columns(events)
    total = len(cols["px"])
    zeros = np.zeros(total, dtype=np.int64)
    particle_lines = _format_lines(
        [("%d", cols["pid"]), ("%d", zeros + 1), ("%d", zeros), ("%d", zeros)]
        + [("%d", zeros), ("%d", zeros)]
        + [("%.17e", cols[k]) for k in ("px", "py", "pz", "E")]
        + [("%.17e", _mass(cols)), ("%.1f", zeros), ("%.1f", zeros + 9)]
    )
    n = len(counts)
    minus_one = np.full(n, -1.0)
    header_lines = _format_lines(
        [("%d", counts), ("%d", np.ones(n, dtype=np.int64)), ("%.17e", events.weight)]
        + [("%.1f", minus_one)] * 3
    )
    start = np.concatenate([[0], np.cumsum(counts + 3)])  # <event>, header, k lines, </event>
    lines = np.empty(int(start[-1]), dtype=object)
    lines[start[:-1]] = "<event>"
    lines[start[:-1] + 1] = header_lines
    offsets = np.cumsum(counts) - counts  # index of each event's first particle
    lines[np.repeat(start[:-1] + 2 - offsets, counts) + np.arange(total)] = particle_lines
    lines[start[1:] - 1] = "</event>"
    return "\n".join(lines.tolist())


def write_lhe(path: str | Path, events: Events, beams: Beams = DEFAULT_BEAMS) -> None:
    """Write ``events`` as a minimal Les Houches Event file (v3).

    Parameters
    ----------
    path
        Output file (``.lhe``; ``.lhe.gz`` is gzip-compressed).
    events
        The events; every particle is written as final state (status 1, mothers 0).
    beams
        ``((pid_a, energy_a), (pid_b, energy_b))`` of the ``<init>`` block (GeV).

    Notes
    -----
    ``XWGTUP`` is the event weight; the init block has ``IDWTUP = 3`` for unit weights,
    else ``-4``, ``XSECUP`` the mean weight and ``XMAXUP`` the largest ``|weight|``.
    Floats carry 17 significant digits, so they read back exactly.
    """
    from symvae import __version__

    text = (
        '<LesHouchesEvents version="3.0">\n'
        f"<!--\nwritten by symvae {__version__}\n-->\n"
        f"{_init_block(events, beams)}\n"
        + (_event_blocks(events) + "\n" if len(events) else "")
        + "</LesHouchesEvents>\n"
    )
    with atomic_path(path) as tmp, open_binary(tmp, "wb", name=Path(path)) as f:
        f.write(text.encode())


# --------------------------------------------------------------------------- HepMC3


def write_hepmc3(path: str | Path, events: Events, beams: Beams = DEFAULT_BEAMS) -> None:
    """Write ``events`` as HepMC3 ASCII (17 significant digits).

    Each event gets two beam particles (status 4, massless along ±z with the ``beams``
    energies in GeV) that enter one vertex whose outgoing particles are the stored
    particles (status 1); the event weight is stored under the name ``"default"``.
    HepMC has no charge field: readers take it from the PDG id.
    """
    import pyhepmc

    from symvae import __version__

    (pid_a, e_a), (pid_b, e_b) = _check_beams(beams)
    counts = ak.to_numpy(ak.num(events.particles, axis=1)).astype(np.int64)
    cols = _columns(events)
    mass = _mass(cols)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    run = pyhepmc.GenRunInfo()
    run.weight_names = ["default"]
    run.tools = [("symvae", __version__, "symvae.events.writers.write_hepmc3")]
    beam = {
        "px": np.zeros(2),
        "py": np.zeros(2),
        "pz": np.array([e_a, -e_b]),
        "E": np.array([e_a, e_b]),
    }
    with atomic_path(path) as tmp, open_binary(tmp, "wb", name=Path(path)) as stream:
        with pyhepmc.open(stream, "w") as out:
            for i, k in enumerate(counts):  # pyhepmc builds one event at a time
                sl = slice(offsets[i], offsets[i + 1])
                children = np.full((k + 2, 2), -1, dtype=np.int64)
                if k:
                    children[:2] = (2, k + 1)
                event = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
                event.from_hepevt(
                    i,
                    *(np.concatenate([beam[c], cols[c][sl]]) for c in ("px", "py", "pz", "E")),
                    np.concatenate([np.zeros(2), mass[sl]]),
                    np.concatenate([[pid_a, pid_b], cols["pid"][sl]]).astype(np.int32),
                    np.concatenate([[4, 4], np.ones(k, dtype=np.int32)]).astype(np.int32),
                    children=children,
                    fortran=False,
                )
                event.run_info = run
                event.weights = [float(events.weight[i])]
                out.write(event)
