"""Four-vector features of selected objects in collision events.

A *feature spec* (a plain dict from ``config.yaml``) picks a few particles per event and
says which features to compute from their four-momenta::

    {"objects": [{"pid": 13}, {"pid": -13}],
     "kinds": ["cartesian", "collider", "invariants"],
     "beams": [[45.6, 0, 0, 45.6], [45.6, 0, 0, -45.6]]}

Selectors, applied in order, each pick one particle per event:

``{"pid": p}`` or ``{"pid": [p, ...]}``
    the first particle (in event order) whose PDG id is among the ids and that no earlier
    selector took, so two selectors ``{"pid": 13}`` take the first and the second muon;
``{"pid": [...], "rank": k}``
    the ``k``-th hardest (0-based, by descending pT, ties in event order) of all particles
    matching the ids; if an earlier selector already took it, the object is missing;
``{"index": k}``
    the ``k``-th particle of the event (0-based); missing if absent or already taken.

Events lacking any object are dropped (their number is ``n_dropped`` in the metadata).

Feature kinds (``FEATURE_KINDS``), with ``i, j`` numbering objects from 1:

``cartesian``
    ``E_i, px_i, py_i, pz_i`` (GeV) per object;
``collider``
    ``pt_i`` (GeV), ``eta_i`` (pseudorapidity), ``phi_i`` (rad), ``m_i`` (GeV) per object;
``invariants``
    pair masses ``m_ij`` (GeV) for every pair, ``m_all`` (GeV) with three objects or more and,
    when ``beams`` (``(E, px, py, pz)`` of beams *a* and *b*, GeV) are given, ``t_i =
    (p_a - p_i)²`` (GeV²) per object and ``s_hat = (Σ p_i)²`` (GeV²). For a 2 → 2 process
    ``t_1`` and ``t_2`` are the Mandelstam ``t`` and ``u``.

``"smearing": σ`` (optional, default 0) scales the three-momentum of every selected object by
``|1 + σ N(0, 1)|`` at fixed direction and mass before any feature is computed, a
detector-like momentum resolution (:mod:`symvae.events.smearing`); its draws come from the
``rng`` argument.

Masses are ``sqrt(max(m², 0))``: a massless particle whose ``E² - |p|²`` rounds negative gets
``m = 0``, never NaN (``vector``'s own ``.mass`` returns ``-sqrt(|m²|)`` there).

Truth variables (for colouring plots), with two objects or more: ``m_12`` (GeV), ``y_12``
(rapidity of the pair), ``pt_12`` (GeV), ``cos_theta_1`` (polar angle of object 1 in the
lab), ``phi_1`` (rad) and ``cos_theta_star`` (polar angle of object 1, with respect to the
z axis, in the rest frame of objects 1 + 2); with a single object only ``cos_theta_1`` and
``phi_1``. A pair with (almost) no mass, ``m_12² <= 1e-12 E_12²`` (e.g. two collinear photons),
has no usable rest frame: its ``cos_theta_star`` is NaN (truth only colours plots; the
features stay finite).

Three implementations give the same numbers (to about 1e-9 relative):
:func:`compute_features` (vectorised with awkward and ``vector``, the one to use),
:func:`compute_features_numpy` (plain NumPy on padded arrays) and
:func:`compute_features_loop` (a Python loop over events; the slow reference).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import combinations
from typing import Any

import awkward as ak
import numpy as np
import vector
from numpy.typing import NDArray

from symvae.datasets._base import Dataset
from symvae.errors import ConfigError, DataError
from symvae.events.store import Events

__all__ = [
    "FEATURE_KINDS",
    "NO_REST_FRAME",
    "FeatureSpec",
    "Selector",
    "compute_features",
    "compute_features_loop",
    "compute_features_numpy",
    "feature_columns",
    "parse_spec",
    "select_objects",
    "truth_columns",
]

vector.register_awkward()

#: Feature kinds a spec may ask for, in the order their columns appear.
FEATURE_KINDS: tuple[str, ...] = ("cartesian", "collider", "invariants")

_KIND_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "cartesian": (("E", "GeV"), ("px", "GeV"), ("py", "GeV"), ("pz", "GeV")),
    "collider": (("pt", "GeV"), ("eta", ""), ("phi", "rad"), ("m", "GeV")),
}
_TRUTH_UNITS: dict[str, str] = {
    "m_12": "GeV",
    "y_12": "",
    "pt_12": "GeV",
    "cos_theta_1": "",
    "phi_1": "rad",
    "cos_theta_star": "",
}

#: Pairs with ``m² <= NO_REST_FRAME * E²`` (a boost with gamma > 1e6) get ``cos_theta_star`` NaN.
NO_REST_FRAME = 1e-12

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------
# The spec
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    """One object to pick per event: by PDG id(s) (optionally by pT rank) or by index."""

    pids: tuple[int, ...] | None = None
    rank: int | None = None
    index: int | None = None

    def describe(self) -> dict[str, Any]:
        """The selector as a JSON-serialisable dict, as written in the config."""
        if self.index is not None:
            return {"index": self.index}
        pid: int | list[int] = self.pids[0] if len(self.pids) == 1 else list(self.pids)
        return {"pid": pid} if self.rank is None else {"pid": pid, "rank": self.rank}


@dataclass(frozen=True)
class FeatureSpec:
    """A parsed feature spec: selectors, feature kinds and optional beams ``(2, 4)`` (GeV)."""

    selectors: tuple[Selector, ...]
    kinds: tuple[str, ...]
    beams: tuple[tuple[float, float, float, float], ...] | None = None
    smearing: float = 0.0
    """Relative momentum resolution applied to the selected objects (see
    :mod:`symvae.events.smearing`); 0: the generated momenta."""

    @property
    def n_objects(self) -> int:
        """Number of objects selected per event."""
        return len(self.selectors)


def _int(value: Any, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where}: must be >= {minimum}, got {value}")
    return int(value)


def _parse_selector(raw: Any, where: str) -> Selector:
    if isinstance(raw, Selector):
        return raw
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: a selector is a mapping like {{pid: 13}}, got {raw!r}")
    unknown = sorted(set(raw) - {"pid", "rank", "index"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    if ("pid" in raw) == ("index" in raw):
        raise ConfigError(f"{where}: give exactly one of 'pid' and 'index'")
    if "index" in raw:
        if "rank" in raw:
            raise ConfigError(f"{where}: 'rank' goes with 'pid', not with 'index'")
        return Selector(index=_int(raw["index"], f"{where}.index", 0))
    pid = raw["pid"]
    pids = list(pid) if isinstance(pid, list | tuple) else [pid]
    if not pids:
        raise ConfigError(f"{where}.pid: empty list of PDG ids")
    parsed = tuple(_int(p, f"{where}.pid") for p in pids)
    rank = None if raw.get("rank") is None else _int(raw["rank"], f"{where}.rank", 0)
    return Selector(pids=parsed, rank=rank)


def _parse_beams(raw: Any) -> tuple[tuple[float, float, float, float], ...] | None:
    if raw is None:
        return None
    try:
        beams = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"features.beams: expected 2 x (E, px, py, pz), got {raw!r}") from None
    if beams.shape != (2, 4) or not np.isfinite(beams).all():
        raise ConfigError(f"features.beams: expected 2 finite x (E, px, py, pz), got {raw!r}")
    return tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in beams)


def parse_spec(spec: Mapping[str, Any] | FeatureSpec) -> FeatureSpec:
    """Validate a feature spec dict (keys ``objects``, ``kinds``, ``beams``).

    ``kinds`` defaults to ``["cartesian"]``. Raises :class:`ConfigError` naming the key.
    """
    if isinstance(spec, FeatureSpec):
        return spec
    if not isinstance(spec, Mapping):
        raise ConfigError(f"features: expected a mapping, got {spec!r}")
    unknown = sorted(set(spec) - {"objects", "kinds", "beams", "smearing"})
    if unknown:
        raise ConfigError(f"features: unknown key(s) {', '.join(map(str, unknown))}")
    objects = spec.get("objects")
    if not isinstance(objects, Sequence) or isinstance(objects, str) or not objects:
        raise ConfigError("features.objects: give a non-empty list of selectors")
    selectors = tuple(_parse_selector(o, f"features.objects[{i}]") for i, o in enumerate(objects))
    kinds = spec.get("kinds", ["cartesian"])
    if isinstance(kinds, str):
        kinds = [kinds]
    bad = [k for k in kinds if k not in FEATURE_KINDS]
    if not kinds or bad:
        raise ConfigError(
            f"features.kinds: {bad or 'empty'}; choose among {', '.join(FEATURE_KINDS)}"
        )
    if len(set(kinds)) != len(kinds):
        raise ConfigError(f"features.kinds: duplicated kind in {list(kinds)}")
    smearing = spec.get("smearing", 0.0)
    if isinstance(smearing, bool) or not isinstance(smearing, int | float) or not smearing >= 0:
        raise ConfigError(f"features.smearing: expected a number >= 0, got {smearing!r}")
    parsed = FeatureSpec(selectors, tuple(kinds), _parse_beams(spec.get("beams")), float(smearing))
    if not feature_columns(parsed)[0]:
        raise ConfigError(
            "features: 'invariants' of a single object without beams gives no feature"
        )
    return parsed


# --------------------------------------------------------------------------------------
# Column names
# --------------------------------------------------------------------------------------


def _pair_label(i: int, j: int, n_objects: int) -> str:
    """``"12"`` for objects 1 and 2 (0-based ``i, j``); ``"1_10"`` once numbers need two digits."""
    sep = "_" if n_objects >= 10 else ""
    return f"{i + 1}{sep}{j + 1}"


def _invariant_columns(spec: FeatureSpec) -> list[tuple[str, str]]:
    k = spec.n_objects
    cols = [(f"m_{_pair_label(i, j, k)}", "GeV") for i, j in combinations(range(k), 2)]
    if k >= 3:
        cols.append(("m_all", "GeV"))
    if spec.beams is not None:
        cols += [(f"t_{i + 1}", "GeV^2") for i in range(k)]
        cols.append(("s_hat", "GeV^2"))
    return cols


def feature_columns(spec: Mapping[str, Any] | FeatureSpec) -> tuple[tuple[str, ...], ...]:
    """Feature names and units of a spec, in column order.

    Returns
    -------
    tuple
        ``(names, units)``, two tuples of strings of length ``n_features``.
    """
    spec = spec if isinstance(spec, FeatureSpec) else parse_spec(spec)
    cols: list[tuple[str, str]] = []
    for kind in spec.kinds:
        if kind == "invariants":
            cols += _invariant_columns(spec)
        else:
            for i in range(spec.n_objects):
                cols += [(f"{q}_{i + 1}", unit) for q, unit in _KIND_COLUMNS[kind]]
    return tuple(c[0] for c in cols), tuple(c[1] for c in cols)


def truth_columns(n_objects: int) -> tuple[str, ...]:
    """Names of the truth variables for ``n_objects`` objects (first: the one plots colour by)."""
    if n_objects >= 2:
        return tuple(_TRUTH_UNITS)
    return ("cos_theta_1", "phi_1")


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def _source(events: Events) -> str:
    return str(events.metadata.get("source", "events"))


def _mass(m2: FloatArray) -> FloatArray:
    """``sqrt(max(m², 0))`` (GeV) from ``m²`` (GeV²), any shape."""
    return np.sqrt(np.maximum(m2, 0.0))


def _check_kept(
    events: Events, spec: FeatureSpec, idx: NDArray[np.int64], allow_empty: bool = False
) -> NDArray[np.bool_]:
    """Mask ``(n,)`` of events with every object; :class:`DataError` if there is none (unless
    ``allow_empty``: one chunk of a larger file may have none)."""
    found = idx >= 0
    kept = found.all(axis=1)
    if not kept.any() and not allow_empty:
        n_found = found.sum(axis=0)
        worst = int(np.argmin(n_found))
        sel = spec.selectors[worst]
        raise DataError(
            f"{_source(events)}: no event has all selected objects; object {worst + 1} "
            f"{sel.describe()} is found in {int(n_found[worst])} of {len(events)} events"
        )
    return kept


def _dataset(
    events: Events,
    spec: FeatureSpec,
    columns: Mapping[str, FloatArray],
    truth: Mapping[str, FloatArray],
    n_dropped: int,
) -> Dataset:
    names, units = feature_columns(spec)
    features = np.column_stack([np.asarray(columns[n], dtype=np.float64) for n in names])
    return Dataset(
        features=features,
        feature_names=names,
        units=units,
        truth={k: np.asarray(truth[k], dtype=np.float64) for k in truth_columns(spec.n_objects)},
        truth_units={k: _TRUTH_UNITS[k] for k in truth_columns(spec.n_objects)},
        metadata={
            "source": _source(events),
            "selectors": [s.describe() for s in spec.selectors],
            "kinds": list(spec.kinds),
            "beams": None if spec.beams is None else [list(b) for b in spec.beams],
            "smearing": spec.smearing,
            "n_input": len(events),
            "n_dropped": int(n_dropped),
        },
    )


def _empty_check(events: Events) -> None:
    if len(events) == 0:
        raise DataError(f"{_source(events)}: no events to compute features from")


# --------------------------------------------------------------------------------------
# Vectorised (awkward + vector)
# --------------------------------------------------------------------------------------


def _select_indices(particles: ak.Array, selectors: Sequence[Selector]) -> NDArray[np.int64]:
    """Local index ``(n, n_objects)`` of each selected particle, ``-1`` where missing."""
    n = len(particles)
    counts = ak.to_numpy(ak.num(particles, axis=1))
    out = np.full((n, len(selectors)), -1, dtype=np.int64)
    if all(sel.index is not None for sel in selectors):
        # fast path: fixed positions; a position asked for twice is used only once
        for j, sel in enumerate(selectors):
            repeated = any(s.index == sel.index for s in selectors[:j])
            if not repeated:
                out[:, j] = np.where(counts > sel.index, sel.index, -1)
        return out
    local = ak.local_index(particles.pid, axis=1)
    flat_pid = ak.to_numpy(ak.flatten(particles.pid))
    pt = (
        np.sqrt(particles.px**2 + particles.py**2)
        if any(sel.rank is not None for sel in selectors)
        else None
    )
    used = ak.zeros_like(particles.pid, dtype=bool)
    for j, sel in enumerate(selectors):  # a loop over selectors, not over events
        if sel.index is not None:
            chosen = np.where(counts > sel.index, sel.index, -1)
        else:
            match = ak.unflatten(np.isin(flat_pid, sel.pids), counts)
            if sel.rank is None:
                first = ak.min(local[match & ~used], axis=1)
                chosen = ak.to_numpy(ak.fill_none(first, -1)).astype(np.int64)
            else:
                order = ak.argsort(pt[match], axis=1, ascending=False, stable=True)
                ranked = ak.pad_none(local[match][order], sel.rank + 1, axis=1, clip=True)
                chosen = ak.to_numpy(ak.fill_none(ranked[:, sel.rank], -1)).astype(np.int64)
        hit = local == chosen
        chosen = np.where(ak.to_numpy(ak.any(hit & used, axis=1)), -1, chosen)
        used = used | hit
        out[:, j] = chosen
    return out


def _gather(
    particles: ak.Array, idx: NDArray[np.int64], kept: NDArray[np.bool_] | None = None
) -> ak.Array:
    """Momentum4D records ``(n_kept, n_objects)`` of the particles at local indices ``idx``
    (``(n, n_objects)``, all ``>= 0`` in the ``kept`` events; every event if ``kept`` is None)."""
    counts = ak.to_numpy(ak.num(particles, axis=1))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    if kept is not None:
        starts, idx = starts[kept], idx[kept]
    flat = starts[:, None] + idx
    fields = {f: ak.to_numpy(ak.flatten(particles[f]))[flat] for f in ("px", "py", "pz", "E")}
    return ak.zip(fields, with_name="Momentum4D")


def select_objects(
    events: Events, selectors: Sequence[Mapping[str, Any] | Selector]
) -> tuple[ak.Array, NDArray[np.bool_]]:
    """Pick one particle per selector in every event (rules in the module docstring).

    Parameters
    ----------
    events:
        ``n`` events.
    selectors:
        Selector dicts (``{"pid": 13}``, ``{"pid": [...], "rank": 1}``, ``{"index": 0}``).

    Returns
    -------
    objects:
        ``vector`` Momentum4D awkward array of shape ``(n_kept, n_objects)`` (fields ``px,
        py, pz, E`` in GeV) of the events that have every object, in event order.
    kept:
        Boolean mask ``(n,)`` of those events (e.g. to take their weights). Does not raise
        when no event is kept; :func:`compute_features` does.
    """
    sels = [_parse_selector(s, f"features.objects[{i}]") for i, s in enumerate(selectors)]
    if not sels:
        raise ConfigError("features.objects: give a non-empty list of selectors")
    idx = _select_indices(events.particles, sels)
    kept = (idx >= 0).all(axis=1)
    return _gather(events.particles, idx, kept), kept


def _to_np(array: Any) -> FloatArray:
    if isinstance(array, np.ndarray):
        return np.asarray(array, dtype=np.float64)
    return ak.to_numpy(array).astype(np.float64, copy=False)


def _smeared(objects: ak.Array, spec: FeatureSpec, rng: np.random.Generator | None) -> ak.Array:
    """The selected objects ``(n, k)`` with smeared momenta (:func:`smear_momenta`)."""
    from symvae.events.smearing import smear_momenta

    four = np.stack([_to_np(objects[f]) for f in ("E", "px", "py", "pz")], axis=-1)
    four = smear_momenta(four, spec.smearing, rng or np.random.default_rng(0))
    fields = {f: four[..., i] for i, f in enumerate(("E", "px", "py", "pz"))}
    return ak.zip(fields, with_name="Momentum4D")


def _per_object_vectors(objects: ak.Array, n_objects: int) -> list[Any]:
    """One NumPy-backed ``vector`` Momentum4D array ``(n,)`` per selected object.

    awkward does the jagged selection; once every event has exactly one particle per
    object, the kinematics run on flat NumPy arrays through vector's NumPy backend, which
    avoids awkward's broadcasting overhead on indexed (n, objects) arrays.
    """
    return [
        vector.array({k: _to_np(objects[k][:, i]) for k in ("px", "py", "pz", "E")})
        for i in range(n_objects)
    ]


def _vector_columns(p: Sequence[Any], spec: FeatureSpec) -> dict[str, FloatArray]:
    """Feature columns of the requested kinds from the per-object Momentum4D arrays ``p[i]``
    (each ``(n,)``)."""
    cols: dict[str, FloatArray] = {}
    k = len(p)
    for i, pi in enumerate(p, start=1):
        if "cartesian" in spec.kinds:
            cols |= {f"E_{i}": _to_np(pi.E), f"px_{i}": _to_np(pi.px)}
            cols |= {f"py_{i}": _to_np(pi.py), f"pz_{i}": _to_np(pi.pz)}
        if "collider" in spec.kinds:
            cols |= {f"pt_{i}": _to_np(pi.pt), f"eta_{i}": _to_np(pi.eta)}
            cols |= {f"phi_{i}": _to_np(pi.phi), f"m_{i}": _mass(_to_np(pi.tau2))}
    if "invariants" not in spec.kinds:
        return cols
    for i, j in combinations(range(k), 2):
        cols[f"m_{_pair_label(i, j, k)}"] = _mass(_to_np((p[i] + p[j]).tau2))
    total = reduce(lambda a, b: a + b, p)
    cols["m_all"] = _mass(_to_np(total.tau2))
    if spec.beams is not None:
        e, x, y, z = spec.beams[0]
        beam_a = vector.obj(px=x, py=y, pz=z, E=e)
        for i, pi in enumerate(p, start=1):
            cols[f"t_{i}"] = _to_np((beam_a - pi).tau2)
        cols["s_hat"] = _to_np(total.tau2)
    return cols


def _vector_truth(p: Sequence[Any]) -> dict[str, FloatArray]:
    truth = {"cos_theta_1": _to_np(p[0].costheta), "phi_1": _to_np(p[0].phi)}
    if len(p) >= 2:
        pair = p[0] + p[1]
        truth |= {"m_12": _mass(_to_np(pair.tau2)), "y_12": _to_np(pair.rapidity)}
        truth["pt_12"] = _to_np(pair.pt)
        # boostCM_of_p4 goes to the pair's rest frame (p.boost_p4(-pair) would not: negating
        # a four-vector flips its energy too).
        cos_star = _to_np(p[0].boostCM_of_p4(pair).costheta)
        rest = _to_np(pair.tau2) > NO_REST_FRAME * _to_np(pair.E) ** 2
        truth["cos_theta_star"] = np.where(rest, cos_star, np.nan)
    return truth


def compute_features(
    events: Events,
    spec: Mapping[str, Any] | FeatureSpec,
    *,
    allow_empty: bool = False,
    rng: np.random.Generator | None = None,
) -> Dataset | None:
    """Features of the selected objects, vectorised with awkward and ``vector``.

    Parameters
    ----------
    events:
        ``n`` events (momenta in GeV).
    spec:
        Feature spec dict (``objects``, ``kinds``, optional ``beams``); see the module docstring.
    allow_empty:
        Return ``None`` instead of raising when no event has every object (for one chunk of
        a larger file: :func:`symvae.stages.make_event_features` checks the total).
    rng:
        Draws of the momentum smearing when ``spec`` has ``smearing > 0`` (default a
        generator seeded with 0); pass one generator to every chunk of a file.

    Returns
    -------
    Dataset
        ``features`` ``(n_kept, n_features)`` float64 (columns from :func:`feature_columns`),
        truth variables ``(n_kept,)`` and metadata ``source, selectors, kinds, beams,
        n_input, n_dropped``.

    Raises
    ------
    ConfigError
        If the spec is malformed.
    DataError
        If no event has every selected object (the message names the source and the
        selector found least often), or if a feature is not finite (e.g. ``eta`` of a
        particle along the beam).
    """
    spec = parse_spec(spec)
    _empty_check(events)
    idx = _select_indices(events.particles, spec.selectors)
    kept = _check_kept(events, spec, idx, allow_empty)
    if not kept.any():
        return None
    objects = _gather(events.particles, idx, kept)
    if spec.smearing > 0:
        objects = _smeared(objects, spec, rng)
    p = _per_object_vectors(objects, spec.n_objects)
    return _dataset(events, spec, _vector_columns(p, spec), _vector_truth(p), int((~kept).sum()))


# --------------------------------------------------------------------------------------
# Plain NumPy on padded arrays
# --------------------------------------------------------------------------------------


def _padded(particles: ak.Array, field: str, width: int, fill: float | int) -> NDArray[Any]:
    padded = ak.fill_none(ak.pad_none(particles[field], width, axis=1, clip=True), fill)
    return ak.to_numpy(padded)


def _select_indices_numpy(
    pid: NDArray[np.int32], pt: FloatArray, counts: NDArray[np.int64], sels: Sequence[Selector]
) -> NDArray[np.int64]:
    """As :func:`_select_indices`, on padded arrays ``(n, width)``."""
    n, width = pid.shape
    slots = np.arange(width)
    valid = slots < counts[:, None]
    used = np.zeros((n, width), dtype=bool)
    out = np.full((n, len(sels)), -1, dtype=np.int64)
    for j, sel in enumerate(sels):
        if sel.index is not None:
            chosen = np.where(counts > sel.index, sel.index, -1)
        elif sel.rank is None:
            match = np.isin(pid, sel.pids) & valid & ~used
            chosen = np.where(match.any(axis=1), match.argmax(axis=1), -1)
        else:
            match = np.isin(pid, sel.pids) & valid
            order = np.argsort(-np.where(match, pt, -np.inf), axis=1, kind="stable")
            ok = match.sum(axis=1) > sel.rank
            chosen = np.where(ok, order[:, min(sel.rank, width - 1)], -1)
        hit = slots == chosen[:, None]
        chosen = np.where((hit & used).any(axis=1), -1, chosen)
        used |= hit
        out[:, j] = chosen
    return out


def _boost_to_rest(p: FloatArray, q: FloatArray) -> FloatArray:
    """Four-vectors ``p`` ``(..., 4)`` as ``(E, px, py, pz)`` in the rest frame of ``q``."""
    mass = _mass(q[..., 0] ** 2 - _mag2(q[..., 1:]))
    pdotq = (p[..., 1:] * q[..., 1:]).sum(axis=-1)
    energy = (q[..., 0] * p[..., 0] - pdotq) / mass
    coef = pdotq / (mass * (q[..., 0] + mass)) - p[..., 0] / mass
    return np.concatenate([energy[..., None], p[..., 1:] + coef[..., None] * q[..., 1:]], axis=-1)


def _mag2(v: FloatArray) -> FloatArray:
    """``|v|²`` of 3-vectors ``(..., 3)`` summed as ``x² + y² + z²`` (left to right)."""
    out = v[..., 0] ** 2
    for c in range(1, v.shape[-1]):
        out = out + v[..., c] ** 2
    return out


def _tau2(p: FloatArray) -> FloatArray:
    """``E² - |p|²`` (GeV²) of four-vectors ``(..., 4)`` as ``(E, px, py, pz)``."""
    return p[..., 0] ** 2 - _mag2(p[..., 1:])


def _numpy_columns(p: FloatArray, spec: FeatureSpec) -> dict[str, FloatArray]:
    """Feature columns from four-vectors ``p`` ``(n, n_objects, 4)`` as ``(E, px, py, pz)``."""
    cols: dict[str, FloatArray] = {}
    k = p.shape[1]
    for i in range(k):
        e, x, y, z = (p[:, i, c] for c in range(4))
        pt = np.sqrt(x**2 + y**2)
        cols |= {f"E_{i + 1}": e, f"px_{i + 1}": x, f"py_{i + 1}": y, f"pz_{i + 1}": z}
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.arcsinh(z / pt)
        eta = np.where(pt == 0, np.where(z == 0, 0.0, np.copysign(np.inf, z)), eta)
        cols |= {f"pt_{i + 1}": pt, f"eta_{i + 1}": eta, f"phi_{i + 1}": np.arctan2(y, x)}
        cols[f"m_{i + 1}"] = _mass(_tau2(p[:, i]))
    for i, j in combinations(range(k), 2):
        cols[f"m_{_pair_label(i, j, k)}"] = _mass(_tau2(p[:, i] + p[:, j]))
    total = reduce(lambda a, b: a + b, (p[:, i] for i in range(k)))
    cols["m_all"] = _mass(_tau2(total))
    if spec.beams is not None:
        beam_a = np.asarray(spec.beams[0])
        for i in range(k):
            cols[f"t_{i + 1}"] = _tau2(beam_a - p[:, i])
        cols["s_hat"] = _tau2(total)
    return cols


def _costheta(v: FloatArray) -> FloatArray:
    """``cos θ`` of 3-vectors ``(..., 3)``; 1 for a null vector (as ``vector`` does)."""
    mag = np.sqrt(_mag2(v))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mag == 0, 1.0, v[..., 2] / mag)


def _numpy_truth(p: FloatArray) -> dict[str, FloatArray]:
    truth = {"cos_theta_1": _costheta(p[:, 0, 1:]), "phi_1": np.arctan2(p[:, 0, 2], p[:, 0, 1])}
    if p.shape[1] >= 2:
        pair = p[:, 0] + p[:, 1]
        truth["m_12"] = _mass(_tau2(pair))
        truth["y_12"] = 0.5 * np.log((pair[:, 0] + pair[:, 3]) / (pair[:, 0] - pair[:, 3]))
        truth["pt_12"] = np.sqrt(pair[:, 1] ** 2 + pair[:, 2] ** 2)
        rest = _tau2(pair) > NO_REST_FRAME * pair[:, 0] ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_star = _costheta(_boost_to_rest(p[:, 0], pair)[:, 1:])
        truth["cos_theta_star"] = np.where(rest, cos_star, np.nan)
    return truth


def compute_features_numpy(
    events: Events,
    spec: Mapping[str, Any] | FeatureSpec,
    *,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """As :func:`compute_features`, in plain NumPy on arrays padded to the largest event.

    A second baseline: particles are padded to ``(n, max_multiplicity)`` NumPy arrays, the
    selection and the kinematics are NumPy array operations (no awkward, no ``vector``).
    """
    spec = parse_spec(spec)
    _empty_check(events)
    parts = events.particles
    counts = ak.to_numpy(ak.num(parts, axis=1)).astype(np.int64)
    width = max(int(counts.max()), 1)
    cols = {f: _padded(parts, f, width, 0) for f in ("E", "px", "py", "pz", "pid")}
    pt = np.sqrt(cols["px"] ** 2 + cols["py"] ** 2)
    idx = _select_indices_numpy(cols["pid"], pt, counts, spec.selectors)
    kept = _check_kept(events, spec, idx)
    four = np.stack([cols[f] for f in ("E", "px", "py", "pz")], axis=-1)  # (n, width, 4)
    p = np.take_along_axis(four[kept], idx[kept][:, :, None], axis=1)  # (n_kept, k, 4)
    if spec.smearing > 0:
        from symvae.events.smearing import smear_momenta

        p = smear_momenta(p, spec.smearing, rng or np.random.default_rng(0))
    return _dataset(events, spec, _numpy_columns(p, spec), _numpy_truth(p), int((~kept).sum()))


# --------------------------------------------------------------------------------------
# Reference: a Python loop over events
# --------------------------------------------------------------------------------------

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
