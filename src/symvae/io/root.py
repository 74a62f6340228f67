"""Deterministic ROOT files: the same content gives the same bytes in every run.

uproot (5.7) stamps a ROOT file with the wall clock (``TDatime`` of the file header, of every
directory and of every key, basket and tree) and with random UUIDs (the file's and each
directory's, from ``uuid.uuid1``: host and time). The UUIDs come from the documented
``uuid_function`` option of :func:`uproot.recreate`; for the time there is no option: every
writer module of uproot calls ``datetime.datetime.now()`` through its module-level
``datetime`` import. :func:`recreate` therefore, for as long as the file is open, replaces
that name in those modules (and only there) by a stand-in whose ``datetime.now()`` returns
:data:`FIXED_TIME`, and restores it when the file is closed. The patch is process-wide
while active and reference-counted, so nested and concurrent writers restore it correctly;
uproot's readers are not touched.

The file name stored in the ``TFile`` key is the name of the path written to, which
:func:`symvae.io.atomic.atomic_path` keeps equal to the final name.
"""

from __future__ import annotations

import datetime as _datetime
import importlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["FIXED_TIME", "FIXED_UUID", "fixed_clock", "recreate"]

#: The ``TDatime`` of every header, directory, key and basket: the first second ROOT's
#: ``TDatime`` can represent (its year counts from 1995); derived from nothing time-dependent.
FIXED_TIME = _datetime.datetime(1995, 1, 1, 0, 0, 0)
#: The UUID of the file and of every directory in it (a name-based UUID of a constant).
FIXED_UUID = uuid.uuid5(uuid.NAMESPACE_URL, "symvae:events.root")

#: uproot's writer modules that take the current time through their ``datetime`` name
_CLOCK_USERS = (
    "uproot.writing._cascade",
    "uproot.writing._cascadetree",
    "uproot.writing._cascadentuple",
    "uproot.writing.writable",
)


class _FixedDatetime(_datetime.datetime):
    """``datetime.datetime`` whose ``now()`` is :data:`FIXED_TIME`."""

    @classmethod
    def now(cls, tz: _datetime.tzinfo | None = None) -> _FixedDatetime:  # type: ignore[override]
        return cls.combine(FIXED_TIME.date(), FIXED_TIME.time(), tzinfo=tz)


class _FixedDatetimeModule(ModuleType):
    """Stands in for the ``datetime`` module: ``datetime`` is :class:`_FixedDatetime`, every
    other name is the real module's."""

    datetime = _FixedDatetime

    def __getattr__(self, name: str) -> Any:
        return getattr(_datetime, name)


_STAND_IN = _FixedDatetimeModule("datetime")
_lock = threading.Lock()
_users = 0
_saved: list[tuple[ModuleType, Any]] = []


def _fixed_uuid() -> uuid.UUID:
    return FIXED_UUID


@contextmanager
def fixed_clock() -> Iterator[None]:
    """Within the block, uproot's writers read :data:`FIXED_TIME` as the current time."""
    global _users
    with _lock:
        if _users == 0:
            for name in _CLOCK_USERS:
                module = importlib.import_module(name)
                if getattr(module, "datetime", None) is _datetime:
                    _saved.append((module, module.datetime))
                    module.datetime = _STAND_IN  # type: ignore[attr-defined]
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                while _saved:
                    module, original = _saved.pop()
                    module.datetime = original  # type: ignore[attr-defined]


@contextmanager
def recreate(path: str | Path) -> Iterator[Any]:
    """``uproot.recreate(path)`` with a fixed UUID and a fixed clock: the open file's root
    directory (an ``uproot.WritableDirectory``), closed when the block ends."""
    import uproot

    with fixed_clock(), uproot.recreate(path, uuid_function=_fixed_uuid) as f:
        yield f
