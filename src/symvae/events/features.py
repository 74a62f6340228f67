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
    the ``k``-th particle of the event (0-based); missing if absent or already taken;
``{"range": [a, b]}``
    shorthand for the selectors ``{"index": a}``, ..., ``{"index": b - 1}`` (e.g. the first
    constituents of a jet after the jet itself).

Events lacking any object are dropped (their number is ``n_dropped`` in the metadata),
except for selectors with ``"pad": true``: a missing padded object is the zero four-vector
(``E = p = 0``), as in zero-padded jet-constituent inputs. Padded objects go with the
``cartesian`` and ``invariants`` kinds only (a zero vector has no direction).

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

Each kind is written once, on awkward arrays and ``vector``'s Momentum4D
(:func:`compute_features`). ``benchmarks/reference_features.py`` holds a plain Python loop
over events, the slow reference that the tests compare against (to about 1e-9 relative) and
the benchmark measures the throughput against.
"""

from __future__ import annotations

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
    "FEATURE_LIMIT",
    "NO_REST_FRAME",
    "FeatureSpec",
    "Selector",
    "compute_features",
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

#: Largest ``|feature|`` accepted (in the feature's unit, GeV or GeV²): its square summed over
#: up to 1e8 events stays finite, so the standardization (mean, variance) and every later
#: moment of the features are finite. No physical sample comes near it (√s of the LHC is
#: 1.4e4 GeV); a value beyond it is a corrupt input (a ``1e308`` cell).
FEATURE_LIMIT = 1e150

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
    pad: bool = False
    """A missing object is the zero four-vector instead of dropping the event."""

    def describe(self) -> dict[str, Any]:
        """The selector as a JSON-serialisable dict, as written in the config."""
        pad = {"pad": True} if self.pad else {}
        if self.index is not None:
            return {"index": self.index, **pad}
        pid: int | list[int] = self.pids[0] if len(self.pids) == 1 else list(self.pids)
        out: dict[str, Any] = {"pid": pid} if self.rank is None else {"pid": pid, "rank": self.rank}
        return {**out, **pad}


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
    unknown = sorted(set(raw) - {"pid", "rank", "index", "pad"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    if ("pid" in raw) == ("index" in raw):
        raise ConfigError(f"{where}: give exactly one of 'pid', 'index' and 'range'")
    pad = raw.get("pad", False)
    if not isinstance(pad, bool):
        raise ConfigError(f"{where}.pad: expected true or false, got {pad!r}")
    if "index" in raw:
        if "rank" in raw:
            raise ConfigError(f"{where}: 'rank' goes with 'pid', not with 'index'")
        return Selector(index=_int(raw["index"], f"{where}.index", 0), pad=pad)
    pid = raw["pid"]
    pids = list(pid) if isinstance(pid, list | tuple) else [pid]
    if not pids:
        raise ConfigError(f"{where}.pid: empty list of PDG ids")
    parsed = tuple(_int(p, f"{where}.pid") for p in pids)
    rank = None if raw.get("rank") is None else _int(raw["rank"], f"{where}.rank", 0)
    return Selector(pids=parsed, rank=rank, pad=pad)


def _parse_selectors(objects: Sequence[Any]) -> tuple[Selector, ...]:
    """The selectors of ``features.objects``, each ``{"range": [a, b]}`` expanded."""
    out: list[Selector] = []
    for i, raw in enumerate(objects):
        where = f"features.objects[{i}]"
        if isinstance(raw, Mapping) and "range" in raw:
            bounds = raw["range"]
            if "pid" in raw or "index" in raw or "rank" in raw:
                raise ConfigError(f"{where}: 'range' stands alone (with 'pad' at most)")
            if not (isinstance(bounds, Sequence) and len(bounds) == 2):
                raise ConfigError(f"{where}.range: give [first, stop], got {bounds!r}")
            a, b = (_int(v, f"{where}.range", 0) for v in bounds)
            if b <= a:
                raise ConfigError(f"{where}.range: stop must exceed first, got {[a, b]}")
            rest = {k: v for k, v in raw.items() if k != "range"}
            out += [_parse_selector({"index": k, **rest}, where) for k in range(a, b)]
        else:
            out.append(_parse_selector(raw, where))
    return tuple(out)


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
    selectors = _parse_selectors(objects)
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
    if any(sel.pad for sel in selectors) and "collider" in kinds:
        raise ConfigError(
            "features.kinds: 'collider' needs a direction, which a zero-padded object lacks"
        )
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


def _found(idx: NDArray[np.int64], selectors: Sequence[Selector]) -> NDArray[np.bool_]:
    """``(n, n_objects)``: each object was found, or is padded where missing."""
    return (idx >= 0) | np.array([sel.pad for sel in selectors], dtype=bool)


def _check_kept(
    events: Events, spec: FeatureSpec, idx: NDArray[np.int64], allow_empty: bool = False
) -> NDArray[np.bool_]:
    """Mask ``(n,)`` of events with every object; :class:`DataError` if there is none (unless
    ``allow_empty``: one chunk of a larger file may have none)."""
    found = _found(idx, spec.selectors)
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


def _check_finite(
    events: Events, columns: Mapping[str, FloatArray], kept: NDArray[np.bool_], first_event: int
) -> None:
    """Raise :class:`DataError` naming the file, the event and the feature at the first
    feature that is not finite or exceeds :data:`FEATURE_LIMIT` in magnitude."""
    worst: tuple[int, str, float] | None = None
    for name, col in columns.items():
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(~(np.abs(col) <= FEATURE_LIMIT))
        if bad.size and (worst is None or bad[0] < worst[0]):
            worst = (int(bad[0]), name, float(col[bad[0]]))
    if worst is None:
        return
    row, name, value = worst
    event = int(np.flatnonzero(kept)[row]) + first_event
    spec = events.metadata.get("reader_spec")
    origin = spec.get("path") if isinstance(spec, Mapping) else None
    read = f" (read from {origin})" if origin else ""
    problem = (
        "is not finite" if not np.isfinite(value) else f"exceeds {FEATURE_LIMIT:g} in magnitude"
    )
    raise DataError(
        f"{_source(events)}{read}: event {event}, feature {name!r} = {value:g} {problem}"
    )


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
    (``(n, n_objects)`` in the ``kept`` events; every event if ``kept`` is None); an index
    ``-1`` (a missing padded object) gives the zero four-vector."""
    counts = ak.to_numpy(ak.num(particles, axis=1))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    if kept is not None:
        starts, idx = starts[kept], idx[kept]
    missing = idx < 0
    flat = np.where(missing, 0, starts[:, None] + idx)
    fields = {}
    for f in ("px", "py", "pz", "E"):
        values = ak.to_numpy(ak.flatten(particles[f]))
        fields[f] = np.where(missing, 0.0, values[flat] if values.size else 0.0)
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
    sels = list(_parse_selectors(selectors))
    if not sels:
        raise ConfigError("features.objects: give a non-empty list of selectors")
    idx = _select_indices(events.particles, sels)
    kept = _found(idx, sels).all(axis=1)
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
    first_event: int = 0,
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
    first_event:
        Index of ``events[0]`` in its file (a chunk of a larger file), for messages.

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
        particle along the beam) or exceeds :data:`FEATURE_LIMIT` in magnitude (names the
        file, the event and the feature).
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
    with np.errstate(invalid="ignore", over="ignore"):  # overflows are named just below
        columns, truth = _vector_columns(p, spec), _vector_truth(p)
    _check_finite(events, columns, kept, first_event)
    return _dataset(events, spec, columns, truth, int((~kept).sum()))
