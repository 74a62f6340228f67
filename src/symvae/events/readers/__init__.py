"""Readers that turn external event files into :class:`~symvae.events.store.Events`.

A reader spec is a plain mapping (one entry of ``config.yaml``) with ``source`` (one of
:data:`READERS`: ``root``, ``lhe``, ``hepmc``, ``csv``) and ``path``, plus keys that
depend on the source; see :mod:`symvae.events.readers.root`,
:mod:`~symvae.events.readers.csv`, :mod:`~symvae.events.readers.lhe` and
:mod:`~symvae.events.readers.hepmc`. Examples::

    {"source": "root", "path": "data/zmumu.root", "tree": "events",
     "objects": [{"E": "E1", "px": "px1", "py": "py1", "pz": "pz1", "charge": "Q1", "pid": 13},
                 {"E": "E2", "px": "px2", "py": "py2", "pz": "pz2", "charge": "Q2", "pid": -13}]}
    {"source": "root", "path": "nano.root", "tree": "Events",
     "jagged": {"pt": "Muon_pt", "eta": "Muon_eta", "phi": "Muon_phi", "mass": "Muon_mass",
                "charge": "Muon_charge", "pid": 13}}
    {"source": "csv", "path": "dimuon.csv",
     "objects": [{"pt": "pt1", "eta": "eta1", "phi": "phi1", "mass": 0.10566, "pid": 13}]}
    {"source": "lhe", "path": "events.lhe.gz", "select": {"status": [1], "pid": [11, -11]}}
    {"source": "hepmc", "path": "events.hepmc3", "select": {"status": [1]}}
    {"source": "csv", "path": "dimuon.csv", "objects": [...],
     "unphysical": {"action": "drop", "tolerance": 1e-6}}

Every reader screens what it read (:mod:`symvae.events.readers.physical`): an event with a
non-finite value or a four-vector with ``E < |p|`` is refused (``unphysical.action: error``,
the default) or left out and counted (``drop``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from symvae.errors import ConfigError
from symvae.events.readers.csv import read_csv
from symvae.events.readers.hepmc import read_hepmc
from symvae.events.readers.lhe import read_lhe
from symvae.events.readers.mapping import resolve_path
from symvae.events.readers.physical import Dropped, Ingested
from symvae.events.readers.root import read_root
from symvae.events.store import Events

__all__ = [
    "READERS",
    "Dropped",
    "Ingested",
    "ingest_file",
    "read_csv",
    "read_events_from",
    "read_hepmc",
    "read_lhe",
    "read_root",
]

#: Reader per ``source``: ``reader(path, spec) -> Ingested`` (the events and the counts of
#: unphysical events left out).
READERS: dict[str, Callable[[Path, Mapping[str, Any]], Ingested]] = {
    "root": read_root,
    "lhe": read_lhe,
    "hepmc": read_hepmc,
    "csv": read_csv,
}


def read_events_from(spec: Mapping[str, Any], base_dir: Path | None = None) -> Events:
    """The events a reader spec describes (:func:`ingest_file` without the counts)."""
    return ingest_file(spec, base_dir).events


def ingest_file(spec: Mapping[str, Any], base_dir: Path | None = None) -> Ingested:
    """Read the events a reader spec describes, screened for unphysical events.

    Parameters
    ----------
    spec
        Reader spec: ``source``, ``path`` and source-specific keys (module docstring).
    base_dir
        Directory that a relative ``path`` is resolved against (e.g. the config's
        directory); ``None`` leaves it relative to the working directory.

    Returns
    -------
    Ingested
        ``events``: particles ``(n, var)`` with momenta in GeV, ``weight`` ``(n,)`` and
        metadata with ``source`` (the file read), ``format`` and ``reader_spec``;
        ``dropped``: the unphysical events left out, per reason (all 0 unless
        ``unphysical.action`` is ``drop``).

    Raises
    ------
    ConfigError
        A malformed spec (names the key, e.g. 'source').
    DataError
        The file is missing, unreadable or holds unusable values, or (``unphysical.action:
        error``) an unphysical event: one line naming the file, the event (and its line or
        entry), the column or particle and the problem.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(f"reader spec must be a mapping, got {type(spec).__name__}")
    source = spec.get("source")
    if not isinstance(source, str) or source not in READERS:
        raise ConfigError(
            f"reader spec: 'source' must be one of {', '.join(READERS)}, got {source!r}"
        )
    path = resolve_path(spec, base_dir)
    try:
        return READERS[source](path, spec)
    except ConfigError as err:
        raise ConfigError(f"reader spec for {path} (source {source!r}): {err}") from None
