"""Physical sanity of ingested events: finite values and four-vectors with ``E >= |p|``.

Every file reader (:data:`symvae.events.readers.READERS`) screens the events it read before
it stores them. An event is *unphysical* when

- any value it reads is not finite (NaN, ±inf: a momentum, energy or mass component, a
  charge or PDG id column, the event weight), or a momentum computed from finite columns
  overflows (``pt = 1e308`` at ``eta = 5``: ``pz = inf``); reason ``non_finite``;
- or one of its four-vectors has ``E < |p|`` beyond the tolerance,
  ``|p| - E > tolerance · max(E, |p|)`` (``|p|`` in GeV, computed without overflow); a
  negative energy always counts; reason ``E_below_p``. An event that has both counts as
  ``non_finite``.

The reader spec's ``unphysical`` mapping says what happens then: ``action: error`` (the
default) refuses the file with a :class:`~symvae.errors.DataError` naming the file, the first
unphysical event (its index, and its line or entry), the column or particle and the
problem; ``action: drop`` leaves those events out and reports how many per reason
(:class:`Dropped`). ``tolerance`` defaults to ``1e-6``: the LHE files of POWHEG and Sherpa
print momenta with 10-11 significant digits, so massless particles there have ``|p| - E``
up to ``6e-10 · E``; a tolerance of 0 would refuse them.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.store import Events

__all__ = [
    "ACTIONS",
    "DEFAULT_ACTION",
    "DEFAULT_TOLERANCE",
    "Dropped",
    "FourVectors",
    "Ingested",
    "Unphysical",
    "Values",
    "parse_unphysical",
    "screen",
]

#: What ingest may do with an unphysical event.
ACTIONS = ("error", "drop")
#: Default ``unphysical.action``: refuse the file.
DEFAULT_ACTION: Literal["error", "drop"] = "error"
#: Default ``unphysical.tolerance`` (relative, dimensionless).
DEFAULT_TOLERANCE = 1e-6
#: The spec key of the rule.
SPEC_KEY = "unphysical"

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Unphysical:
    """The rule of a reader spec: ``action`` (``error`` or ``drop``) and the relative
    ``tolerance`` (dimensionless, >= 0) of the ``E < |p|`` test."""

    action: Literal["error", "drop"] = DEFAULT_ACTION
    tolerance: float = DEFAULT_TOLERANCE


@dataclass(frozen=True)
class Dropped:
    """Events left out by ``action: drop``, per reason (counts of events)."""

    non_finite: int = 0
    E_below_p: int = 0

    @property
    def total(self) -> int:
        """All events left out."""
        return self.non_finite + self.E_below_p


@dataclass(frozen=True)
class Ingested:
    """What a reader returns: the ``events`` it keeps and the unphysical ones it ``dropped``."""

    events: Events
    dropped: Dropped = Dropped()


@dataclass(frozen=True)
class Values:
    """Values that must be finite: ``values`` ``(m,)``, the event of each ``event`` ``(m,)``
    (int64, 0-based), and ``describe(i)``, where entry ``i`` sits, for messages
    (``"line 17 (event 15), column 'px1' (objects[0].px)"``)."""

    values: FloatArray
    event: IntArray
    describe: Callable[[int], str]


@dataclass(frozen=True)
class FourVectors:
    """Four-momenta ``px, py, pz, E`` (GeV, each ``(m,)``) to test for ``E >= |p|``, the
    event of each ``event`` ``(m,)``, and ``describe(i)`` naming entry ``i`` (its event and
    its energy column or particle). ``computed``: the components were computed from other
    values (collider coordinates, a mass), so a non-finite one is an overflow."""

    px: FloatArray
    py: FloatArray
    pz: FloatArray
    E: FloatArray
    event: IntArray
    describe: Callable[[int], str]
    computed: bool = False


def parse_unphysical(spec: Mapping[str, Any]) -> Unphysical:
    """The spec's ``unphysical`` mapping (absent or ``None``: the defaults).

    Raises
    ------
    ConfigError
        Not a mapping, an unknown key, an unknown action or a tolerance that is not a
        finite number >= 0 (names the key).
    """
    raw = spec.get(SPEC_KEY)
    if raw is None:
        return Unphysical()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"'{SPEC_KEY}' must be a mapping with 'action' and/or 'tolerance'")
    unknown = sorted(str(k) for k in raw if k not in ("action", "tolerance"))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(f'{SPEC_KEY}.{k}' for k in unknown)}; "
            f"allowed: {SPEC_KEY}.action, {SPEC_KEY}.tolerance"
        )
    action = raw.get("action", DEFAULT_ACTION)
    if action not in ACTIONS:
        raise ConfigError(
            f"'{SPEC_KEY}.action' must be one of {', '.join(ACTIONS)}, got {action!r}"
        )
    tol = raw.get("tolerance", DEFAULT_TOLERANCE)
    if (
        isinstance(tol, bool)
        or not isinstance(tol, numbers.Real)
        or not np.isfinite(float(tol))
        or tol < 0
    ):
        raise ConfigError(f"'{SPEC_KEY}.tolerance' must be a number >= 0, got {tol!r}")
    return Unphysical(action, float(tol))


def _norm(px: FloatArray, py: FloatArray, pz: FloatArray) -> FloatArray:
    """``|p|`` (GeV) without overflow of the squares (``hypot``)."""
    return np.hypot(np.hypot(px, py), pz)


def _first(bad: NDArray[np.bool_], event: IntArray) -> int:
    """The bad entry of the lowest event (``bad`` has at least one)."""
    idx = np.flatnonzero(bad)
    return int(idx[np.argmin(event[idx])])


def screen(
    source: str,
    n_events: int,
    rule: Unphysical,
    values: Sequence[Values],
    vectors: Sequence[FourVectors],
) -> tuple[NDArray[np.bool_], Dropped]:
    """Which of ``n_events`` events to keep under ``rule`` (module docstring).

    Parameters
    ----------
    source
        The file, for messages.
    n_events
        Events read.
    rule
        The spec's rule (:func:`parse_unphysical`).
    values
        Everything read that must be finite.
    vectors
        The four-momenta to test (their components must be finite too).

    Returns
    -------
    keep, dropped
        Mask ``(n_events,)`` of the events to store (all ``True`` unless ``action`` is
        ``drop``) and the counts per reason.

    Raises
    ------
    DataError
        ``action: error`` and an unphysical event: one line naming ``source``, the first
        such event, the column or particle and the problem. ``action: drop`` and no event
        left.
    """
    non_finite = np.zeros(n_events, dtype=bool)
    below = np.zeros(n_events, dtype=bool)
    # (event, check number, entry) of the first bad entry of each check, and its message
    found: list[tuple[int, int, int]] = []
    messages: list[Callable[[int], str]] = []

    def check(
        bad: NDArray[np.bool_],
        event: IntArray,
        target: NDArray[np.bool_],
        text: Callable[[int], str],
    ) -> None:
        if bad.any():
            target[event[bad]] = True
            i = _first(bad, event)
            found.append((int(event[i]), len(messages), i))
        messages.append(text)

    for v in values:
        arr = np.asarray(v.values, dtype=np.float64)
        check(
            ~np.isfinite(arr),
            v.event,
            non_finite,
            lambda i, v=v, arr=arr: f"{v.describe(i)}: {arr[i]} is not finite",
        )
    for p in vectors:
        comps = {"px": p.px, "py": p.py, "pz": p.pz, "E": p.E}
        finite = np.ones(len(p.E), dtype=bool)
        for name, arr in comps.items():
            bad = ~np.isfinite(arr)
            finite &= ~bad
            how = "computed from finite values: an overflow" if p.computed else "not finite"

            def text(
                i: int, p: FourVectors = p, name: str = name, arr: Any = arr, how: str = how
            ) -> str:
                return f"{p.describe(i)}: {name} = {arr[i]} ({how})"

            check(bad, p.event, non_finite, text)
        with np.errstate(invalid="ignore", over="ignore"):
            mom = _norm(p.px, p.py, p.pz)
            excess = mom - p.E > rule.tolerance * np.maximum(p.E, mom)

        def text_below(i: int, p: FourVectors = p, mom: Any = mom) -> str:
            return (
                f"{p.describe(i)}: E = {float(p.E[i])!r} GeV < |p| = {float(mom[i])!r} GeV "
                "(unphysical four-vector)"
            )

        check(excess & finite, p.event, below, text_below)

    below &= ~non_finite
    dropped = Dropped(int(non_finite.sum()), int(below.sum()))
    keep = ~(non_finite | below)
    if dropped.total and rule.action == "error":
        _, order, entry = min(found)
        raise DataError(
            f"{source}: {messages[order](entry)}; {dropped.total} of {n_events} events "
            f"unphysical ({SPEC_KEY}.action: drop leaves them out)"
        )
    if dropped.total == n_events:
        raise DataError(
            f"{source}: every event is unphysical ({dropped.non_finite} with a non-finite "
            f"value, {dropped.E_below_p} with E < |p| beyond tolerance {rule.tolerance:g}); "
            "nothing left to ingest"
        )
    return keep, dropped
