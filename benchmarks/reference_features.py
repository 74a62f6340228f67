"""The per-event Python loop that computes the four-vector features: the slow,
obviously-correct reference of :func:`symvae.events.features.compute_features`.

The benchmark (``benchmarks/events.py``) measures the package's throughput against it and
the tests (``tests/test_features.py``) check the package's features against it; the package
itself never runs it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import reduce
from itertools import combinations
from typing import Any

import awkward as ak
import numpy as np

from symvae.datasets._base import Dataset
from symvae.errors import ConfigError
from symvae.events.features import (
    NO_REST_FRAME,
    FeatureSpec,
    Selector,
    _check_kept,
    _dataset,
    _empty_check,
    _pair_label,
    parse_spec,
)
from symvae.events.store import Events

__all__ = ["compute_features_loop"]

FloatArray = np.ndarray

P4 = tuple[float, float, float, float]  # (E, px, py, pz) in GeV


def _tau2_1(p: P4) -> float:
    return p[0] * p[0] - (p[1] * p[1] + p[2] * p[2] + p[3] * p[3])


def _mass_1(p: P4) -> float:
    return math.sqrt(max(_tau2_1(p), 0.0))


def _add(a: P4, b: P4) -> P4:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def _eta_1(p: P4) -> float:
    pt = math.sqrt(p[1] * p[1] + p[2] * p[2])
    if pt == 0.0:
        return 0.0 if p[3] == 0.0 else math.copysign(math.inf, p[3])
    return math.asinh(p[3] / pt)


def _costheta_1(p: P4) -> float:
    mag = math.sqrt(p[1] * p[1] + p[2] * p[2] + p[3] * p[3])
    return 1.0 if mag == 0.0 else p[3] / mag


def _boost_to_rest_1(p: P4, q: P4) -> P4:
    """``p`` in the rest frame of ``q`` (both ``(E, px, py, pz)``, GeV)."""
    mass = _mass_1(q)
    pdotq = p[1] * q[1] + p[2] * q[2] + p[3] * q[3]
    coef = pdotq / (mass * (q[0] + mass)) - p[0] / mass
    energy = (q[0] * p[0] - pdotq) / mass
    return (energy, p[1] + coef * q[1], p[2] + coef * q[2], p[3] + coef * q[3])


def _pick_1(
    sel: Selector, lo: int, hi: int, pid: list[int], pt: list[float], used: set[int]
) -> int | None:
    """Flat index of the particle ``sel`` picks among ``lo:hi``, or None."""
    if sel.index is not None:
        g = lo + sel.index
        return g if g < hi and g not in used else None
    if sel.rank is None:
        return next((g for g in range(lo, hi) if pid[g] in sel.pids and g not in used), None)
    cands = sorted((g for g in range(lo, hi) if pid[g] in sel.pids), key=lambda g: -pt[g])
    if len(cands) <= sel.rank or cands[sel.rank] in used:
        return None
    return cands[sel.rank]


def _event_columns(p: list[P4], beams: Any) -> dict[str, float]:
    k = len(p)
    row: dict[str, float] = {}
    for i, (e, x, y, z) in enumerate(p, start=1):
        row |= {f"E_{i}": e, f"px_{i}": x, f"py_{i}": y, f"pz_{i}": z}
        row |= {f"pt_{i}": math.sqrt(x * x + y * y), f"eta_{i}": _eta_1(p[i - 1])}
        row |= {f"phi_{i}": math.atan2(y, x), f"m_{i}": _mass_1(p[i - 1])}
    for i, j in combinations(range(k), 2):
        row[f"m_{_pair_label(i, j, k)}"] = _mass_1(_add(p[i], p[j]))
    total = reduce(_add, p)
    row["m_all"] = _mass_1(total)
    if beams is not None:
        a = beams[0]
        for i, q in enumerate(p, start=1):
            row[f"t_{i}"] = _tau2_1((a[0] - q[0], a[1] - q[1], a[2] - q[2], a[3] - q[3]))
        row["s_hat"] = _tau2_1(total)
    return row


def _event_truth(p: list[P4]) -> dict[str, float]:
    row = {"cos_theta_1": _costheta_1(p[0]), "phi_1": math.atan2(p[0][2], p[0][1])}
    if len(p) >= 2:
        pair = _add(p[0], p[1])
        row["m_12"] = _mass_1(pair)
        row["y_12"] = 0.5 * math.log((pair[0] + pair[3]) / (pair[0] - pair[3]))
        row["pt_12"] = math.sqrt(pair[1] * pair[1] + pair[2] * pair[2])
        rest = _tau2_1(pair) > NO_REST_FRAME * pair[0] ** 2
        row["cos_theta_star"] = _costheta_1(_boost_to_rest_1(p[0], pair)) if rest else math.nan
    return row


def _flat_lists(events: Events) -> tuple[list[int], dict[str, list[Any]]]:
    parts = events.particles
    offsets = np.concatenate([[0], np.cumsum(ak.to_numpy(ak.num(parts, axis=1)))])
    flat = {f: ak.to_numpy(ak.flatten(parts[f])).tolist() for f in ("E", "px", "py", "pz", "pid")}
    return offsets.tolist(), flat


def compute_features_loop(events: Events, spec: Mapping[str, Any] | FeatureSpec) -> Dataset:
    """As :func:`compute_features`, with a plain Python loop over events (``math`` per event).

    The slow, obviously-correct reference used by tests and benchmarks.
    """
    spec = parse_spec(spec)
    if spec.smearing > 0:
        raise ConfigError("features.smearing: the loop reference computes unsmeared features")
    _empty_check(events)
    offsets, f = _flat_lists(events)
    pt = [math.sqrt(x * x + y * y) for x, y in zip(f["px"], f["py"], strict=True)]
    idx = np.full((len(events), spec.n_objects), -1, dtype=np.int64)
    rows: list[dict[str, float]] = []
    truths: list[dict[str, float]] = []
    for ev in range(len(events)):
        lo, hi = offsets[ev], offsets[ev + 1]
        picked: list[int] = []
        for j, sel in enumerate(spec.selectors):
            g = _pick_1(sel, lo, hi, f["pid"], pt, set(picked))
            if g is not None:  # go on after a miss, as the vectorised selection does
                picked.append(g)
                idx[ev, j] = g - lo
        if len(picked) == spec.n_objects:
            p = [(f["E"][g], f["px"][g], f["py"][g], f["pz"][g]) for g in picked]
            rows.append(_event_columns(p, spec.beams))
            truths.append(_event_truth(p))
    kept = _check_kept(events, spec, idx)
    return _dataset(events, spec, _stack(rows), _stack(truths), int((~kept).sum()))


def _stack(rows: list[dict[str, float]]) -> dict[str, FloatArray]:
    if not rows:
        return {}
    return {k: np.array([r[k] for r in rows], dtype=np.float64) for k in rows[0]}
