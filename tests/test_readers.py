"""Event readers and writers: round trips, the real shared files, and error reporting."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest
from conftest import data_file

from symvae.errors import ConfigError, DataError
from symvae.events import Events
from symvae.events.readers import READERS, read_events_from
from symvae.events.readers.mapping import charge_from_pid
from symvae.events.writers import write_csv, write_hepmc3, write_lhe, write_root_flat
from symvae.outputs.events import read_events, write_events

FIELDS = ("px", "py", "pz", "E", "pid", "charge")
PIDS = np.array([11, -11, 13, -13, 22, 211, -211, 2212, 2112, 21, 2, -1], dtype=np.int32)
MUON_MASS = 0.10566


_data = data_file


def _random_events(n: int = 500, counts: Any = 3, seed: int = 0) -> Events:
    """Random massive particles with PDG ids and the charges those ids imply."""
    rng = np.random.default_rng(seed)
    counts = np.broadcast_to(np.asarray(counts), (n,)).astype(np.int64)
    total = int(counts.sum())
    p = rng.normal(scale=40.0, size=(total, 3))
    mass = rng.uniform(0.0, 5.0, total)
    pid = rng.choice(PIDS, total)
    cols = {"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2]}
    cols["E"] = np.sqrt((p**2).sum(axis=1) + mass**2)
    cols["pid"], cols["charge"] = pid, charge_from_pid(pid)
    return Events.from_arrays(counts, cols, rng.uniform(0.5, 2.0, n), {"source": "random"})


def _flat(events: Events, field: str) -> np.ndarray:
    return ak.to_numpy(ak.flatten(events.particles[field]))


def _assert_same(a: Events, b: Events, rtol: float = 0.0) -> None:
    np.testing.assert_array_equal(ak.num(a.particles), ak.num(b.particles))
    for f in FIELDS:
        np.testing.assert_allclose(_flat(b, f), _flat(a, f), rtol=rtol, atol=0, err_msg=f)
    np.testing.assert_allclose(b.weight, a.weight, rtol=rtol, atol=0)


def _objects(n: int) -> list[dict[str, str]]:
    """Object mappings for the writers' flat columns E1, px1, ..., charge1, ..."""
    return [{f: f"{f}{i}" for f in FIELDS} for i in range(1, n + 1)]


def _mass(p4: np.ndarray) -> np.ndarray:
    """Invariant mass of four-momenta ``(..., 4)`` ordered px, py, pz, E."""
    return np.sqrt(np.maximum(p4[..., 3] ** 2 - (p4[..., :3] ** 2).sum(-1), 0.0))


def _p4_flat(events: Events) -> np.ndarray:
    """Four-momenta ``(sum counts, 4)`` of all particles."""
    return np.stack([_flat(events, f) for f in ("px", "py", "pz", "E")], axis=-1)


def _p4(events: Events) -> np.ndarray:
    """Four-momenta ``(n, k, 4)`` of events with ``k`` particles each."""
    n = len(events)
    return np.stack([_flat(events, f).reshape(n, -1) for f in ("px", "py", "pz", "E")], axis=-1)


# --------------------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def events() -> Events:
    return _random_events()


def test_readers_registered() -> None:
    assert set(READERS) == {"root", "lhe", "hepmc", "csv"}


@pytest.mark.parametrize("fmt", ["root", "csv"])
def test_flat_round_trip(tmp_path: Path, events: Events, fmt: str) -> None:
    path = tmp_path / f"events.{fmt}"
    (write_root_flat if fmt == "root" else write_csv)(path, events, 3)
    spec = {"source": fmt, "path": path.name, "objects": _objects(3), "weight": "weight"}
    back = read_events_from(spec, base_dir=tmp_path)
    _assert_same(events, back)
    assert back.metadata["source"] == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no .part left


@pytest.mark.parametrize("name", ["events.lhe", "events.lhe.gz"])
def test_lhe_round_trip(tmp_path: Path, events: Events, name: str) -> None:
    write_lhe(tmp_path / name, events, beams=((2212, 4000.0), (2212, 4000.0)))
    spec = {"source": "lhe", "path": str(tmp_path / name), "weight": None, "tree": None}
    back = read_events_from(spec)  # keys set to None count as absent
    _assert_same(events, back, rtol=1e-15)
    assert back.metadata["beams"][0] == {
        "pid": 2212,
        "energy_GeV": 4000.0,
        "pdf_group": 0,
        "pdf_set": -1,
    }
    assert back.metadata["weight"] == "XWGTUP"
    json.dumps(dict(back.metadata))


@pytest.mark.parametrize("name", ["events.hepmc3", "events.hepmc3.gz"])
def test_hepmc_round_trip(tmp_path: Path, events: Events, name: str) -> None:
    write_hepmc3(tmp_path / name, events)
    back = read_events_from({"source": "hepmc", "path": str(tmp_path / name)})
    _assert_same(events, back)
    assert back.metadata["weight_names"] == ["default"]
    json.dumps(dict(back.metadata))
    beams = read_events_from(
        {"source": "hepmc", "path": str(tmp_path / name), "select": {"status": [4]}}
    )
    np.testing.assert_array_equal(_flat(beams, "pid"), np.full(2 * len(events), 2212))


def test_select_and_max_events(tmp_path: Path, events: Events) -> None:
    write_lhe(tmp_path / "e.lhe", events)
    write_hepmc3(tmp_path / "e.hepmc3", events)
    leptons = [11, -11, 13, -13]
    keep = np.isin(_flat(events, "pid"), leptons)
    for source, name in (("lhe", "e.lhe"), ("hepmc", "e.hepmc3")):
        spec = {"source": source, "path": name, "select": {"pid": leptons}, "max_events": 7}
        back = read_events_from(spec, base_dir=tmp_path)
        assert len(back) == 7
        n7 = int(ak.sum(ak.num(events.particles[:7])))
        np.testing.assert_array_equal(_flat(back, "px"), _flat(events, "px")[:n7][keep[:n7]])


def test_jagged_root_round_trip(tmp_path: Path) -> None:
    import uproot

    events = _random_events(300, counts=np.arange(300) % 5, seed=4)  # 0 to 4 particles
    parts = events.particles
    pt = np.hypot(parts.px, parts.py)
    muon = ak.zip(
        {
            "pt": pt,
            "eta": np.arcsinh(parts.pz / pt),
            "phi": np.arctan2(parts.py, parts.px),
            "mass": ak.unflatten(_mass(_p4_flat(events)), ak.num(parts)),
            "px": parts.px,
            "py": parts.py,
            "pz": parts.pz,
            "E": parts.E,
            "charge": parts.charge,
            "pdgId": parts.pid,
        }
    )
    with uproot.recreate(tmp_path / "nano.root") as f:
        f.mktree("Events", {"Muon": muon.type, "w": np.float64})
        f["Events"].extend({"Muon": muon, "w": events.weight})

    spec = {"source": "root", "path": str(tmp_path / "nano.root"), "tree": "Events"}
    cart = {"px": "Muon_px", "py": "Muon_py", "pz": "Muon_pz", "E": "Muon_E"}
    opt = {"charge": "Muon_charge", "pid": "Muon_pdgId"}
    back = read_events_from({**spec, "jagged": {**cart, **opt}, "weight": "w"})
    _assert_same(events, back)

    coll = {"pt": "Muon_pt", "eta": "Muon_eta", "phi": "Muon_phi", "mass": "Muon_mass"}
    back = read_events_from({**spec, "jagged": {**coll, "charge": "Muon_charge", "pid": 13}})
    np.testing.assert_array_equal(ak.num(back.particles), ak.num(parts))
    for f in ("px", "py", "pz", "E"):
        np.testing.assert_allclose(_flat(back, f), _flat(events, f), rtol=1e-12, atol=1e-12)
    assert set(_flat(back, "pid")) <= {13}

    # through the event store and back
    write_events(tmp_path / "store.root", back)
    again = read_events(tmp_path / "store.root")
    _assert_same(back, again)
    assert again.metadata["reader_spec"]["jagged"]["pt"] == "Muon_pt"


def test_collider_mapping_and_constants(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("pt, eta,phi,q\r\n10,0, 0,1\r\n\r\n20,1.5,-2,-1\r\n\r\n")  # blanks, CRLF
    obj = {"pt": "pt", "eta": "eta", "phi": "phi", "mass": 0.5, "charge": "q", "pid": -13}
    back = read_events_from({"source": "csv", "path": str(path), "objects": [obj]})
    pt, eta, phi = np.array([10.0, 20.0]), np.array([0.0, 1.5]), np.array([0.0, -2.0])
    np.testing.assert_allclose(_flat(back, "px"), pt * np.cos(phi))
    np.testing.assert_allclose(_flat(back, "py"), pt * np.sin(phi))
    np.testing.assert_allclose(_flat(back, "pz"), pt * np.sinh(eta))
    np.testing.assert_allclose(_flat(back, "E"), np.sqrt((pt * np.cosh(eta)) ** 2 + 0.25))
    np.testing.assert_array_equal(_flat(back, "pid"), [-13, -13])
    np.testing.assert_array_equal(_flat(back, "charge"), [1, -1])
    np.testing.assert_array_equal(back.weight, [1.0, 1.0])


# --------------------------------------------------------------------------- shared real files

CMS_ROOT_SPEC: dict[str, Any] = {
    "source": "root",
    "path": "cms_zmumu_2304ev.root",
    "tree": "events",
    "objects": [
        {"E": "E1", "px": "px1", "py": "py1", "pz": "pz1", "charge": "Q1", "pid": 13},
        {"E": "E2", "px": "px2", "py": "py2", "pz": "pz2", "charge": "Q2", "pid": -13},
    ],
    "weight": None,
    "max_events": None,
}


def test_cms_root() -> None:
    import uproot

    path = _data("cms_zmumu_2304ev.root")
    events = read_events_from(CMS_ROOT_SPEC, base_dir=path.parent)
    assert len(events) == 2304
    assert set(ak.num(events.particles)) == {2}
    mass = _mass(_p4(events).sum(axis=1))
    stored = uproot.open(path)["events"]["M"].array(library="np")
    np.testing.assert_allclose(mass, stored, rtol=1e-3, atol=0.01)
    np.testing.assert_allclose(_mass(_p4(events)), MUON_MASS, rtol=1e-3)  # single muons
    assert set(_flat(events, "charge")) == {-1.0, 1.0}
    assert events.metadata["source"] == str(path)


def test_cms_csv() -> None:
    csv = _data("cms_zmumu_run2011a.csv")
    objs = [
        {"pt": f"pt{i}", "eta": f"eta{i}", "phi": f"phi{i}", "mass": MUON_MASS, "charge": f"Q{i}"}
        for i in (1, 2)
    ]
    events = read_events_from(
        {"source": "csv", "path": "cms_zmumu_run2011a.csv", "objects": objs}, base_dir=csv.parent
    )
    assert len(events) == 10583
    mass = _mass(_p4(events).sum(axis=1))
    hist, edges = np.histogram(mass, bins=np.arange(60.0, 121.0, 1.0))
    assert 89.0 <= edges[np.argmax(hist)] <= 93.0
    assert 88.0 < np.median(mass) < 93.0


@pytest.mark.parametrize("name", ["powheg_pp_z.lhe", "sherpa_ee_jjj.lhe"])
def test_lhe_momentum_conservation(name: str) -> None:
    path = _data(name)
    out = read_events_from({"source": "lhe", "path": str(path)})
    inc = read_events_from({"source": "lhe", "path": str(path), "select": {"status": [-1]}})
    assert len(out) == len(inc) == 100
    assert set(ak.num(inc.particles)) == {2}
    p_out = np.stack([ak.to_numpy(ak.sum(out.particles[f], axis=1)) for f in FIELDS[:4]], -1)
    p_in = np.stack([ak.to_numpy(ak.sum(inc.particles[f], axis=1)) for f in FIELDS[:4]], -1)
    scale = p_in[:, 3:4]
    assert np.max(np.abs(p_out - p_in) / scale) < 1e-8  # files print 10-11 digits
    if name.startswith("sherpa"):
        sqrt_s = out.metadata["sqrt_s_GeV"]
        assert sqrt_s == 44.0
        np.testing.assert_allclose(p_out, np.tile([0, 0, 0, sqrt_s], (100, 1)), atol=1e-8)
    assert np.all(out.weight > 0)
    assert out.metadata["processes"]


# --------------------------------------------------------------------------- errors


def _raises(exc: type[Exception], spec: dict[str, Any], *words: str) -> None:
    """Reading ``spec`` raises ``exc`` mentioning every word; no files appear or vanish."""
    folder = Path(spec["path"]).parent
    before = sorted(folder.iterdir()) if folder.is_dir() else []
    with pytest.raises(exc) as info:
        read_events_from(spec)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert (sorted(folder.iterdir()) if folder.is_dir() else []) == before


@pytest.fixture
def flat_root(tmp_path: Path, events: Events) -> Path:
    write_root_flat(tmp_path / "flat.root", events, 3)
    return tmp_path / "flat.root"


def test_missing_file(tmp_path: Path) -> None:
    for source in READERS:
        spec = {"source": source, "path": str(tmp_path / f"nope.{source}")}
        if source in ("root", "csv"):
            spec["objects"] = _objects(1)
        _raises(DataError, spec, f"nope.{source}", "not found")


def test_missing_branch_and_tree(flat_root: Path) -> None:
    objs = _objects(2)
    objs[1]["pz"] = "pz9"
    _raises(DataError, {"source": "root", "path": str(flat_root), "objects": objs}, "'pz9'")
    spec = {"source": "root", "path": str(flat_root), "tree": "Events", "objects": _objects(1)}
    _raises(DataError, spec, str(flat_root), "'Events'", "'events'")


def test_missing_csv_column(tmp_path: Path, events: Events) -> None:
    write_csv(tmp_path / "e.csv", events, 3)
    objs = _objects(3)
    objs[2]["E"] = "energy3"
    spec = {"source": "csv", "path": str(tmp_path / "e.csv"), "objects": objs}
    _raises(DataError, spec, "e.csv", "'energy3'")


def _csv_with(tmp_path: Path, events: Events, line: int, column: str, cell: str) -> Path:
    write_csv(tmp_path / "e.csv", events, 3)
    lines = (tmp_path / "e.csv").read_text().splitlines()
    names = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[names.index(column)] = cell
    lines[line - 1] = ",".join(cells)
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    return tmp_path / "e.csv"


def test_non_numeric_csv_cell(tmp_path: Path, events: Events) -> None:
    path = _csv_with(tmp_path, events, 7, "py2", "12.3.4")
    spec = {"source": "csv", "path": str(path), "objects": _objects(3)}
    _raises(DataError, spec, "e.csv", "'py2'", "line 7", "12.3.4")


def test_ragged_csv_line(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("px,py,pz,E\n1,2,3,4\n1,2,3\n")
    obj = {"px": "px", "py": "py", "pz": "pz", "E": "E"}
    spec = {"source": "csv", "path": str(tmp_path / "e.csv"), "objects": [obj]}
    _raises(DataError, spec, "e.csv", "line 3", "3 fields")


def test_nan_momentum(tmp_path: Path, events: Events) -> None:
    import uproot

    path = _csv_with(tmp_path, events, 4, "px2", "nan")
    spec = {"source": "csv", "path": str(path), "objects": _objects(3)}
    _raises(DataError, spec, "e.csv", "'px2'", "objects[1].px", "line 4")

    pz = np.array([1.0, np.nan, 2.0])
    with uproot.recreate(tmp_path / "nan.root") as f:
        f.mktree("t", {"px": np.float64, "py": np.float64, "pz": np.float64})
        f["t"].extend({"px": np.ones(3), "py": np.ones(3), "pz": pz})
    obj = {"px": "px", "py": "py", "pz": "pz", "mass": 0.0}
    spec = {"source": "root", "path": str(tmp_path / "nan.root"), "objects": [obj]}
    _raises(DataError, spec, "nan.root", "'pz'", "objects[0].pz", "entry 1")


def test_corrupt_root(tmp_path: Path, flat_root: Path) -> None:
    data = flat_root.read_bytes()
    (tmp_path / "trunc.root").write_bytes(data[: len(data) // 2])
    middle = len(data) // 2
    broken = data[: middle - 3000] + bytes(6000) + data[middle + 3000 :]
    (tmp_path / "corrupt.root").write_bytes(broken)
    (tmp_path / "text.root").write_text("not a root file\n")
    for name in ("trunc.root", "corrupt.root", "text.root"):
        spec = {"source": "root", "path": str(tmp_path / name), "objects": _objects(3)}
        _raises(DataError, spec, name, "ROOT")


def _sherpa_lines() -> list[str]:
    return _data("sherpa_ee_jjj.lhe").read_text().splitlines()


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda ls: ls[:40], ["truncated"]),  # cut inside an event
        (lambda ls: [*ls[:29], "      11 -1  0  0", *ls[30:]], ["event 0"]),  # short line
        (lambda ls: [*ls[:30], ls[30].replace("0.0000000000e+00", "x", 1), *ls[31:]], ["'x'"]),
        (lambda ls: [*ls[:28], "   5" + ls[28][4:], *ls[29:]], ["event 0", "NUP=5"]),
        (lambda ls: ["hello, not XML"], ["malformed"]),
        (lambda ls: [ls[0], "<event>", "</event>", "</LesHouchesEvents>"], ["init"]),
    ],
    ids=["truncated", "short-line", "non-numeric", "nup", "not-xml", "no-init"],
)
def test_malformed_lhe(tmp_path: Path, edit: Any, words: list[str]) -> None:
    path = tmp_path / "bad.lhe"
    path.write_text("\n".join(edit(_sherpa_lines())) + "\n")
    _raises(DataError, {"source": "lhe", "path": str(path)}, "bad.lhe", *words)


def test_corrupt_hepmc(tmp_path: Path, events: Events) -> None:
    write_hepmc3(tmp_path / "e.hepmc3", events)
    text = (tmp_path / "e.hepmc3").read_text()
    (tmp_path / "trunc.hepmc3").write_text(text[: len(text) // 2])
    lines = text.splitlines()
    p_line = next(i for i, line in enumerate(lines) if line.startswith("P 3 "))
    lines[p_line] = "P 3 -1 11 abc"
    (tmp_path / "bad.hepmc3").write_text("\n".join(lines) + "\n")
    (tmp_path / "lhe.hepmc3").write_bytes(gzip.decompress(gzip.compress(b"<LesHouchesEvents>")))
    for name in ("trunc.hepmc3", "bad.hepmc3"):
        _raises(DataError, {"source": "hepmc", "path": str(tmp_path / name)}, name, "corrupt")
    _raises(DataError, {"source": "hepmc", "path": str(tmp_path / "lhe.hepmc3")}, "not a HepMC")


def test_hepmc_vertex_beyond_particles(tmp_path: Path, events: Events) -> None:
    """A vertex listing an incoming particle the event lacks made HepMC3's reader crash the
    process (a segmentation fault found by the reader fuzz tests): it is refused first."""
    write_hepmc3(tmp_path / "e.hepmc3", events)
    lines = (tmp_path / "e.hepmc3").read_text().splitlines()
    e_lines = [i for i, line in enumerate(lines) if line.startswith("E ")]
    v_line = next(i for i in range(e_lines[2], e_lines[3]) if lines[i].startswith("V "))
    n = sum(line.startswith("P ") for line in lines[e_lines[2] : e_lines[3]])
    lines[v_line] = lines[v_line].replace("[1,2]", f"[1,{n + 117}]")
    (tmp_path / "bad.hepmc3").write_text("\n".join(lines) + "\n")
    spec = {"source": "hepmc", "path": str(tmp_path / "bad.hepmc3")}
    _raises(DataError, spec, "bad.hepmc3", f"line {v_line + 1}", "event 2", f"{n + 117}")


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_hepmc_scan_chunks(tmp_path: Path, events: Events, chunk: int, monkeypatch: Any) -> None:
    """The file scan finds the same counts, lines and bad records whatever its chunk size."""
    from symvae.events.readers import hepmc

    write_hepmc3(tmp_path / "e.hepmc3", events)
    lines = (tmp_path / "e.hepmc3").read_text().splitlines()
    p_lines = [i for i, line in enumerate(lines) if line.startswith("P ")]
    v_lines = [i for i, line in enumerate(lines) if line.startswith("V ")]
    fields = lines[p_lines[40]].split()
    lines[p_lines[40]] = " ".join([*fields[:5], "x" + fields[5], *fields[6:]])
    lines[v_lines[30]] = lines[v_lines[30]].replace("[1,2]", "[0,2]")
    (tmp_path / "bad.hepmc3").write_bytes(("\n".join(lines)).encode())  # no final newline
    whole = {name: hepmc._scan(tmp_path / name) for name in ("e.hepmc3", "bad.hepmc3")}
    assert whole["e.hepmc3"].bad_field is None and whole["e.hepmc3"].bad_vertex is None
    e_lines = [i for i, line in enumerate(lines) if line.startswith("E ")]
    n = sum(line.startswith("P ") for line in lines[e_lines[30] : e_lines[31]])
    assert whole["bad.hepmc3"].bad_vertex == (30, v_lines[30] + 1, 0, n)
    assert whole["bad.hepmc3"].bad_field == (8, p_lines[40] + 1, 5, ("x" + fields[5]).encode())
    monkeypatch.setattr(hepmc, "_CHUNK", chunk)
    for name, expected in whole.items():
        assert hepmc._scan(tmp_path / name) == expected


@pytest.mark.parametrize("source", sorted(READERS))
def test_empty_file(tmp_path: Path, source: str) -> None:
    (tmp_path / "empty").write_bytes(b"")
    spec: dict[str, Any] = {"source": source, "path": str(tmp_path / "empty")}
    if source in ("root", "csv"):
        spec["objects"] = _objects(1)
    _raises(DataError, spec, "empty", "empty")


def test_header_only_csv(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("E1,px1,py1,pz1,pid1,charge1\n")
    spec = {"source": "csv", "path": str(tmp_path / "h.csv"), "objects": _objects(1)}
    _raises(DataError, spec, "h.csv", "no data")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"source": "parquet"}, ["'source'"]),
        (
            {"objects": [{"px": "a", "py": "b", "pz": "c", "E": "d"}, {"pt": "a", "py": "b"}]},
            ["objects[1]", "'py'", "'pt'"],
        ),
        ({"objects": [{"pt": "a", "eta": "b", "E": "d"}]}, ["objects[0]", "'phi'"]),
        ({"objects": [{"pt": "a", "eta": "b", "phi": "c"}]}, ["objects[0]", "'E'"]),
        ({"objects": [{"pt": "a", "eta": "b", "phi": "c", "m": 1.0}]}, ["objects[0]", "'m'"]),
        ({"objects": [{"pt": "a", "eta": "b", "phi": "c", "E": None}]}, ["objects[0].E"]),
        ({"objects": []}, ["'objects'"]),
        ({"jagged": {"pt": "a", "eta": "b", "phi": "c", "mass": 1}}, ["exactly one"]),
        ({"max_events": -1}, ["'max_events'"]),
        ({"weights": "w"}, ["'weights'"]),
    ],
)
def test_config_errors(flat_root: Path, change: dict[str, Any], words: list[str]) -> None:
    spec = {"source": "root", "path": str(flat_root), "objects": _objects(1), **change}
    _raises(ConfigError, spec, *words)


def test_writers_refuse_ragged_events(tmp_path: Path) -> None:
    ragged = _random_events(20, counts=np.arange(20) % 3)
    for writer in (write_csv, write_root_flat):
        with pytest.raises(DataError, match="event 0 has 0 particles"):
            writer(tmp_path / "out", ragged, 2)
    assert list(tmp_path.iterdir()) == []
