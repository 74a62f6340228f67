"""Property-based tests of the four event readers (CSV, LHE, HepMC3, ROOT) with hypothesis.

Each test generates a small valid file, then spoils it with up to three corruptions (a cut
at a random offset, random byte flips, a deleted or duplicated line, a cell replaced by NaN,
±inf, a huge number, text or a negated value, a wrong column, branch or tree name) and reads
it under a random ``unphysical`` rule. The properties:

- the reader returns or raises a :class:`~symvae.errors.SymvaeError` whose message is one
  non-empty line naming the file; nothing else escapes;
- a file left intact is read back whole;
- whatever is returned is physical: finite momenta, ``E >= |p|`` within the tolerance.

Budget: 300 cases per reader, about 10-25 s all together on one core.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from symvae.errors import SymvaeError
from symvae.events import Events
from symvae.events.readers import ingest_file
from symvae.events.writers import write_csv, write_hepmc3, write_lhe

CASES = 300
# derandomize: the same cases on every run, so a CI failure can be replayed. A random draw
# once found a vertex line that made pyhepmc's C++ reader crash the process (segmentation
# fault); the reader now refuses such files first (test_readers.py::
# test_hepmc_vertex_beyond_particles). For new draws, turn ``derandomize`` off.
FUZZ = settings(
    max_examples=CASES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PIDS = (11, -11, 13, -13, 22, 211, -211, 2212, 21)
#: what a corrupted cell becomes; "-" negates the cell (a negative energy, for instance)
BAD_CELLS = ("nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e200", "1e-320", "", "x", "1e",
             "-", "0", "-5", "1,2", "2e10")  # fmt: skip

# --------------------------------------------------------------------------- valid events


@st.composite
def events(draw: Any, max_events: int = 5, max_particles: int = 3) -> tuple[Events, int]:
    """Small valid events with a fixed number ``k`` of massive or massless particles each."""
    n = draw(st.integers(1, max_events))
    k = draw(st.integers(1, max_particles))
    finite = st.floats(-500.0, 500.0, allow_nan=False, width=64)
    p = np.array(draw(st.lists(finite, min_size=3 * n * k, max_size=3 * n * k))).reshape(-1, 3)
    mass = np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=n * k, max_size=n * k)))
    pid = np.array(draw(st.lists(st.sampled_from(PIDS), min_size=n * k, max_size=n * k)))
    cols = {"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "pid": pid}
    cols["E"] = np.hypot(np.hypot(np.hypot(p[:, 0], p[:, 1]), p[:, 2]), mass)  # no underflow
    weight = np.array(draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n)))
    return Events.from_arrays(np.full(n, k), cols, weight, {"source": "fuzz"}), k


RULES = st.fixed_dictionaries(
    {"action": st.sampled_from(["error", "drop"]), "tolerance": st.sampled_from([0.0, 1e-12, 1e-6])}
)

# --------------------------------------------------------------------------- corruptions

TEXT_OPS = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, 10**6)),
    st.tuples(
        st.just("flip"),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
    ),
    st.tuples(st.just("delete"), st.integers(0, 10**4)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**4)),
    st.tuples(
        st.just("cell"), st.integers(0, 10**4), st.integers(0, 20), st.sampled_from(BAD_CELLS)
    ),
)

_TOKEN = re.compile(rb"[^\s,]+")


def _corrupt(data: bytes, ops: list[tuple[Any, ...]]) -> bytes:
    """``data`` after every text corruption of ``ops`` in turn (indices wrap around)."""
    for op in ops:
        if not data:
            return data
        if op[0] == "cut":
            data = data[: op[1] % len(data)]
        elif op[0] == "flip":
            buf = bytearray(data)
            for pos, mask in op[1]:
                buf[pos % len(buf)] ^= mask
            data = bytes(buf)
        else:
            lines = data.split(b"\n")
            i = op[1] % len(lines)
            if op[0] == "delete":
                del lines[i]
            elif op[0] == "duplicate":
                lines.insert(i, lines[i])
            else:
                tokens = list(_TOKEN.finditer(lines[i]))
                if tokens:
                    t = tokens[op[2] % len(tokens)]
                    new = b"-" + t.group() if op[3] == "-" else op[3].encode()
                    lines[i] = lines[i][: t.start()] + new + lines[i][t.end() :]
            data = b"\n".join(lines)
    return data


# --------------------------------------------------------------------------- the property


def _check(path: Path, spec: dict[str, Any], intact: bool, n_events: int) -> None:
    """Read ``spec``: a SymvaeError naming the file in one line, or physical events (all of
    them when the file is ``intact`` and the tolerance covers rounding: at tolerance 0 a
    massless particle whose E rounds below |p| is refused, rightly)."""
    tol = spec["unphysical"]["tolerance"]
    intact = intact and tol > 0
    try:
        read = ingest_file({**spec, "path": str(path)})
    except SymvaeError as err:
        message = str(err)
        event(f"refused: {re.sub(r'[0-9]+', 'N', message.split(': ', 1)[-1])[:60]}")
        assert message.strip() and "\n" not in message.strip(), message
        assert path.name in message, message
        assert not intact, f"intact file refused: {message}"
        return
    event(f"read, {'some' if read.dropped.total else 'none'} dropped")
    parts = read.events.particles
    four = {c: ak.to_numpy(ak.flatten(parts[c])) for c in ("px", "py", "pz", "E")}
    assert all(np.isfinite(v).all() for v in four.values())
    assert np.isfinite(read.events.weight).all()
    mom = np.hypot(np.hypot(four["px"], four["py"]), four["pz"])
    assert np.all(mom - four["E"] <= tol * np.maximum(four["E"], mom))
    if intact:
        assert len(read.events) == n_events and read.dropped.total == 0


def _objects(k: int) -> list[dict[str, str]]:
    return [
        {f: f"{f}{i}" for f in ("E", "px", "py", "pz", "pid", "charge")} for i in range(1, k + 1)
    ]


# --------------------------------------------------------------------------- CSV


@FUZZ
@given(
    sample=events(),
    ops=st.lists(TEXT_OPS, max_size=3),
    rule=RULES,
    rename=st.sampled_from([None, None, None, "E1", "px1", "weight"]),
    collider=st.booleans(),
)
def test_csv_reader(tmp_path_factory, sample, ops, rule, rename, collider) -> None:
    ev, k = sample
    path = tmp_path_factory.getbasetemp() / "fuzz.csv"
    write_csv(path, ev, k)
    path.write_bytes(_corrupt(path.read_bytes(), ops))
    objects: list[dict[str, Any]] = _objects(k)
    if collider:  # the same columns read as pt, eta, phi with a mass: sinh(eta) may overflow
        objects = [{"pt": o["px"], "eta": o["py"], "phi": o["pz"], "mass": 0.1} for o in objects]
    if rename is not None:
        objects[0] = {c: ("nope" if v == rename else v) for c, v in objects[0].items()}
    spec = {"source": "csv", "objects": objects, "weight": "weight", "unphysical": rule}
    if rename == "weight":
        spec["weight"] = "nope"
    _check(path, spec, not ops and rename is None and not collider, len(ev))


# --------------------------------------------------------------------------- LHE


@FUZZ
@given(sample=events(), ops=st.lists(TEXT_OPS, max_size=3), rule=RULES)
def test_lhe_reader(tmp_path_factory, sample, ops, rule) -> None:
    ev, _ = sample
    path = tmp_path_factory.getbasetemp() / "fuzz.lhe"
    write_lhe(path, ev)
    path.write_bytes(_corrupt(path.read_bytes(), ops))
    _check(path, {"source": "lhe", "unphysical": rule}, not ops, len(ev))


# --------------------------------------------------------------------------- HepMC3


@FUZZ
@given(sample=events(), ops=st.lists(TEXT_OPS, max_size=3), rule=RULES)
def test_hepmc_reader(tmp_path_factory, sample, ops, rule) -> None:
    ev, _ = sample
    path = tmp_path_factory.getbasetemp() / "fuzz.hepmc3"
    write_hepmc3(path, ev)
    path.write_bytes(_corrupt(path.read_bytes(), ops))
    _check(path, {"source": "hepmc", "unphysical": rule}, not ops, len(ev))


# --------------------------------------------------------------------------- ROOT

VALUE_OPS = st.tuples(
    st.integers(0, 100), st.integers(0, 100), st.sampled_from([np.nan, np.inf, -np.inf, 1e308,
                                                               -1e308, 1e200, "negate"])
)  # fmt: skip
BYTE_OPS = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, 10**6)),
    st.tuples(
        st.just("flip"),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
    ),
)


@FUZZ
@given(
    sample=events(),
    values=st.lists(VALUE_OPS, max_size=2),
    ops=st.lists(BYTE_OPS, max_size=2),
    rule=RULES,
    rename=st.sampled_from([None, None, None, "tree", "px1", "E2"]),
    jagged=st.booleans(),
)
def test_root_reader(tmp_path_factory, sample, values, ops, rule, rename, jagged) -> None:
    ev, k = sample
    path = tmp_path_factory.getbasetemp() / "fuzz.root"
    names = [f"{f}{i}" for i in range(1, k + 1) for f in ("E", "px", "py", "pz")]
    table = {
        f"{f}{i}": ak.to_numpy(ev.particles[f][:, i - 1]).astype(np.float64)
        for i in range(1, k + 1)
        for f in ("E", "px", "py", "pz")
    }
    table["weight"] = ev.weight.copy()
    for row, col, bad in values:  # non-finite, huge or negated values in any branch
        arr = table[names[col % len(names)]]
        arr[row % len(arr)] = -arr[row % len(arr)] if bad == "negate" else bad
    with uproot.recreate(path) as f:
        if jagged:  # one jagged record branch Muon_E, Muon_px, ... per event
            muon = ak.zip(
                {f: np.stack([table[f"{f}{i}"] for i in range(1, k + 1)], 1).tolist()
                 for f in ("E", "px", "py", "pz")}
            )  # fmt: skip
            f.mktree("events", {"Muon": muon.type, "weight": np.float64})
            f["events"].extend({"Muon": muon, "weight": table["weight"]})
        else:
            f.mktree("events", {c: np.float64 for c in table})
            f["events"].extend(table)
    path.write_bytes(_corrupt(path.read_bytes(), ops))
    spec: dict[str, Any] = {"source": "root", "tree": "events", "weight": "weight"}
    if jagged:
        spec["jagged"] = {f: f"Muon_{f}" for f in ("E", "px", "py", "pz")}
    else:
        spec["objects"] = [{f: f"{f}{i}" for f in ("E", "px", "py", "pz")} for i in range(1, k + 1)]
    if rename == "tree":
        spec["tree"] = "Events"
    elif rename is not None:
        mapping = spec["jagged"] if jagged else spec["objects"][0]
        key = "px" if rename.startswith("px") else "E"
        mapping[key] = "nope"
    spec["unphysical"] = rule
    _check(path, spec, not values and not ops and rename is None, len(ev))
