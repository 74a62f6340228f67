"""Physical sanity on ingest: unphysical events (a non-finite value, a four-vector with
E < |p|) are refused with a message naming file, event and column, or dropped and counted
(events.root metadata, features.h5, report); huge values are caught at the features."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import awkward as ak
import numpy as np
import pytest
import uproot
from test_readers import _objects, _random_events

from symvae.config import ProcessSpec, load_config
from symvae.errors import ConfigError, DataError
from symvae.events import Events
from symvae.events.readers import ingest_file, read_events_from
from symvae.events.readers.physical import DEFAULT_TOLERANCE, parse_unphysical
from symvae.events.writers import write_csv, write_hepmc3, write_lhe, write_root_flat
from symvae.outputs.events import UNPHYSICAL_DROPPED, read_events
from symvae.outputs.features import read_features

CART = {"E": "E1", "px": "px1", "py": "py1", "pz": "pz1"}
HEADER = "E1,px1,py1,pz1,w"


def _csv(tmp_path: Path, rows: list[str], name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _spec(path: Path, **rule: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"source": "csv", "path": str(path), "objects": [CART], "weight": "w"}
    if rule:
        spec["unphysical"] = rule
    return spec


GOOD = ["5,1,2,3,1", "10,0,0,-9,2", "7,3,3,3,1", "2,0,0,2,1", "3,1,1,1,4"]


# --------------------------------------------------------------------------- error messages


def test_csv_message_names_line_event_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, [GOOD[0], "", "3.2,4.1,0,0,1", *GOOD[1:]])  # blank line 3
    with pytest.raises(DataError) as info:
        read_events_from(_spec(path))
    message = str(info.value)
    assert message.startswith(
        f"{path}: line 4 (event 1), column 'E1' (objects[0]): E = 3.2 GeV < |p| = 4.1 GeV "
        "(unphysical four-vector)"
    ), message
    assert "1 of 6 events" in message and "\n" not in message


@pytest.mark.parametrize(
    ("cell", "column", "words"),
    [
        ("nan", 2, ["line 3 (event 1)", "column 'py1' (objects[0].py)", "nan is not finite"]),
        ("-inf", 0, ["line 3 (event 1)", "column 'E1' (objects[0].E)", "-inf is not finite"]),
        ("inf", 4, ["line 3 (event 1)", "column 'w' (weight)", "inf is not finite"]),
        ("-7", 0, ["line 3 (event 1)", "column 'E1'", "E = -7.0 GeV < |p| = 3.0 GeV"]),
    ],
)
def test_csv_bad_cells(tmp_path: Path, cell: str, column: int, words: list[str]) -> None:
    row = ["1", "1", "2", "2", "1"]
    row[column] = cell
    path = _csv(tmp_path, [GOOD[0], ",".join(row), GOOD[1]])
    with pytest.raises(DataError) as info:
        read_events_from(_spec(path))
    for word in [path.name, *words]:
        assert word in str(info.value), (word, str(info.value))


def test_collider_overflow_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("pt,eta,phi\n10,0.5,1\n1e308,3,0\n")
    obj = {"pt": "pt", "eta": "eta", "phi": "phi", "mass": 0.1}
    with pytest.raises(DataError, match=r"line 3 \(event 1\), objects\[0\]: pz = inf \(computed"):
        read_events_from({"source": "csv", "path": str(path), "objects": [obj]})


def _below(events: Events, event: int, particle: int) -> Events:
    """``events`` with the energy of one particle set below its |p|."""
    counts = ak.to_numpy(ak.num(events.particles))
    cols = {k: ak.to_numpy(ak.flatten(events.particles[k])).copy() for k in events.particles.fields}
    j = int(counts[:event].sum()) + particle
    cols["E"][j] = 0.5 * np.sqrt(cols["px"][j] ** 2 + cols["py"][j] ** 2 + cols["pz"][j] ** 2)
    return Events.from_arrays(counts, cols, events.weight, events.metadata)


def _line_of(path: Path, prefix: str, index: int) -> int:
    """1-based number of the ``index``-th line of ``path`` starting with ``prefix``."""
    lines = path.read_text().splitlines()
    return [i + 1 for i, line in enumerate(lines) if line.startswith(prefix)][index]


def test_root_lhe_hepmc_messages(tmp_path: Path) -> None:
    bad = _below(_random_events(10, 2, seed=3), 6, 1)
    write_root_flat(tmp_path / "x.root", bad, 2)
    write_lhe(tmp_path / "x.lhe", bad)
    write_hepmc3(tmp_path / "x.hepmc3", bad)
    pid = int(ak.to_numpy(bad.particles.pid[6])[1])
    lhe, hepmc = (
        _line_of(tmp_path / "x.lhe", "<event>", 6),
        _line_of(tmp_path / "x.hepmc3", "E ", 6),
    )
    expect = {
        "x.root": ("root", "entry 6, branch 'E2' (objects[1]): E = "),
        "x.lhe": ("lhe", f"event 6 (<event> at line {lhe}), particle 1 (pid {pid}, status 1): "),
        "x.hepmc3": ("hepmc", f"event 6 (E record at line {hepmc}), particle "),
    }
    for name, (source, words) in expect.items():
        spec: dict[str, Any] = {"source": source, "path": str(tmp_path / name)}
        if source == "root":
            spec["objects"] = _objects(2)
        with pytest.raises(DataError) as info:
            read_events_from(spec)
        message = str(info.value)
        assert message.startswith(f"{tmp_path / name}: {words}"), message
        assert "(unphysical four-vector); 1 of 10 events" in message
    assert f"(pid {pid}): E = " in message


def test_jagged_root_message(tmp_path: Path) -> None:
    e = np.array([[5.0, 1.0], [3.0], [4.0, 2.0, 9.0]], dtype=object)
    px = [[1.0, 0.5], [1.0], [1.0, 2.5, 1.0]]  # entry 2, particle 1: E = 2 < |p| = 2.5
    muon = ak.zip(
        {"E": ak.Array(list(e)), "px": px, "py": ak.zeros_like(px), "pz": ak.zeros_like(px)}
    )
    with uproot.recreate(tmp_path / "j.root") as f:
        f.mktree("Events", {"Muon": muon.type})
        f["Events"].extend({"Muon": muon})
    spec = {"source": "root", "path": str(tmp_path / "j.root"),
            "jagged": {c: f"Muon_{c}" for c in ("E", "px", "py", "pz")}}  # fmt: skip
    with pytest.raises(DataError, match=r"entry 2 \(particle 1\), branch 'Muon_E' \(jagged\): E"):
        read_events_from(spec)
    read = ingest_file({**spec, "unphysical": {"action": "drop"}})
    assert len(read.events) == 2 and read.dropped.E_below_p == 1
    assert ak.to_list(ak.num(read.events.particles)) == [2, 1]


def test_lhe_non_finite(tmp_path: Path) -> None:
    write_lhe(tmp_path / "x.lhe", _random_events(5, 2, seed=1))
    lines = (tmp_path / "x.lhe").read_text().splitlines()
    event_lines = [i for i, line in enumerate(lines) if line == "<event>"]
    k = event_lines[3] + 3  # event 3, second particle
    fields = lines[k].split()
    fields[8] = "nan"  # pz
    lines[k] = " ".join(fields)
    (tmp_path / "x.lhe").write_text("\n".join(lines) + "\n")
    spec = {"source": "lhe", "path": str(tmp_path / "x.lhe")}
    with pytest.raises(DataError, match=rf"event 3 \(<event> at line {event_lines[3] + 1}\), "
                       r"particle 1 \(pid -?\d+, status 1\): pz = nan \(not finite\)"):  # fmt: skip
        read_events_from(spec)
    read = ingest_file({**spec, "unphysical": {"action": "drop"}})
    assert len(read.events) == 4 and read.dropped.non_finite == 1


# --------------------------------------------------------------------------- drop and counts


def test_drop_counts_by_reason(tmp_path: Path) -> None:
    rows = [GOOD[0], "nan,1,1,1,1", GOOD[1], "3,4,0,0,1", GOOD[2], "5,inf,0,0,1", "-1,0,0,0,9",
            *GOOD[3:], "1,1,1,1,nan"]  # fmt: skip
    path = _csv(tmp_path, rows)
    read = ingest_file(_spec(path, action="drop"))
    assert (read.dropped.non_finite, read.dropped.E_below_p) == (3, 2)
    good = ingest_file(_spec(_csv(tmp_path, GOOD, "good.csv")))
    assert good.dropped.total == 0
    for f in ("px", "py", "pz", "E"):
        np.testing.assert_array_equal(
            ak.to_numpy(ak.flatten(read.events.particles[f])),
            ak.to_numpy(ak.flatten(good.events.particles[f])),
        )
    np.testing.assert_array_equal(read.events.weight, [1, 2, 1, 1, 4])


def test_drop_in_every_format(tmp_path: Path) -> None:
    bad = _below(_below(_random_events(12, 2, seed=5), 2, 0), 9, 1)
    write_root_flat(tmp_path / "x.root", bad, 2)
    write_csv(tmp_path / "x.csv", bad, 2)
    write_lhe(tmp_path / "x.lhe", bad)
    write_hepmc3(tmp_path / "x.hepmc3", bad)
    keep = np.ones(12, dtype=bool)
    keep[[2, 9]] = False
    for source, name in (("root", "x.root"), ("csv", "x.csv"), ("lhe", "x.lhe"),
                         ("hepmc", "x.hepmc3")):  # fmt: skip
        spec: dict[str, Any] = {"source": source, "path": str(tmp_path / name),
                                "unphysical": {"action": "drop"}}  # fmt: skip
        if source in ("root", "csv"):
            spec |= {"objects": _objects(2), "weight": "weight"}
        read = ingest_file(spec)
        assert (read.dropped.non_finite, read.dropped.E_below_p) == (0, 2), name
        np.testing.assert_allclose(read.events.weight, bad.weight[keep], err_msg=name)
        np.testing.assert_allclose(
            ak.to_numpy(ak.flatten(read.events.particles.px)),
            ak.to_numpy(ak.flatten(bad.particles.px[keep])),
            err_msg=name,
        )


def test_every_event_dropped(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["nan,1,1,1,1", "1,2,2,2,1"])
    with pytest.raises(DataError, match=r"x\.csv: every event is unphysical \(1 with a non-finite"):
        ingest_file(_spec(path, action="drop"))


# --------------------------------------------------------------------------- tolerance


@pytest.mark.parametrize(
    ("deficit", "tolerance", "accepted"),
    [
        (1e-7, None, True),  # default 1e-6
        (2e-6, None, False),
        (1e-7, 1e-8, False),
        (1e-3, 1e-2, True),
        (0.0, 0.0, True),  # E = |p| exactly: physical at any tolerance
        (1e-15, 0.0, False),
    ],
)
def test_tolerance(tmp_path: Path, deficit: float, tolerance: float | None, accepted: bool) -> None:
    p = np.array([3.0, 4.0, 12.0])  # |p| = 13
    energy = 13.0 * (1.0 - deficit)
    path = _csv(tmp_path, [GOOD[0], f"{energy!r},{p[0]},{p[1]},{p[2]},1"])
    spec = _spec(path) if tolerance is None else _spec(path, tolerance=tolerance)
    if accepted:
        assert len(read_events_from(spec)) == 2
    else:
        with pytest.raises(DataError, match="unphysical four-vector"):
            read_events_from(spec)


def test_rule_parsing() -> None:
    assert parse_unphysical({}).action == "error"
    assert parse_unphysical({"unphysical": None}).tolerance == DEFAULT_TOLERANCE == 1e-6
    assert parse_unphysical({"unphysical": {"action": "drop"}}).action == "drop"
    for bad, word in [
        ({"action": "skip"}, "unphysical.action"),
        ({"tolerance": -1}, "unphysical.tolerance"),
        ({"tolerance": float("nan")}, "unphysical.tolerance"),
        ({"tolerance": True}, "unphysical.tolerance"),
        ({"tol": 1}, "unphysical.tol"),
        ("drop", "'unphysical'"),
    ]:
        with pytest.raises(ConfigError, match=word):
            parse_unphysical({"unphysical": bad})


def test_config_schema_accepts_the_rule() -> None:
    from conftest import tiny_config

    events = {"source": "csv", "path": "x.csv", "objects": [CART],
              "unphysical": {"action": "drop", "tolerance": 1e-4}}  # fmt: skip
    features = {"objects": [{"index": 0}], "kinds": ["cartesian"]}
    cfg = load_config(tiny_config({"p": {"events": events, "features": features, "dof": 3}}))
    assert cfg.process("p").events["unphysical"] == {"action": "drop", "tolerance": 1e-4}
    events["unphysical"] = {"action": "ignore"}
    with pytest.raises(ConfigError, match="unphysical"):
        load_config(tiny_config({"p": {"events": events, "features": features, "dof": 3}}))


# --------------------------------------------------------------------------- stored counts


def _process(events: dict[str, Any]) -> ProcessSpec:
    features = {"objects": [{"index": 0}, {"index": 1}], "kinds": ["cartesian"]}
    return ProcessSpec(name="p", dof=6, events=events, features=features)


def test_counts_in_events_features_and_report(tmp_path: Path) -> None:
    from symvae.report.data import _read_features
    from symvae.report.processes import _features_pages
    from symvae.stages import ingest_events, make_event_features

    bad = _below(_random_events(80, 2, seed=2), 5, 0)
    write_csv(tmp_path / "x.csv", bad, 2)
    text = (tmp_path / "x.csv").read_text().splitlines()
    text[12] = text[12].replace(text[12].split(",")[1], "nan", 1)  # event 11, px1
    (tmp_path / "x.csv").write_text("\n".join(text) + "\n")
    events = {"source": "csv", "path": str(tmp_path / "x.csv"), "objects": _objects(2),
              "unphysical": {"action": "drop"}}  # fmt: skip
    spec = _process(events)
    ingest_events(spec, tmp_path / "events.root")
    stored = read_events(tmp_path / "events.root")
    assert len(stored) == 78
    assert stored.metadata[UNPHYSICAL_DROPPED] == {"non_finite": 1, "E_below_p": 1}

    make_event_features(spec, tmp_path / "events.root", tmp_path / "features.h5")
    meta = read_features(tmp_path / "features.h5").layout.event_metadata_json
    assert meta[UNPHYSICAL_DROPPED] == {"non_finite": 1, "E_below_p": 1}

    feats = _read_features(tmp_path / "features.h5", "p")
    page = _features_pages(SimpleNamespace(name="p", kind="file", generator="csv"), feats)[0]
    words = " ".join(t.get_text() for t in page.texts).replace("\n", " ")
    assert "Ingest left out 2 unphysical event(s)" in words, words
    assert "1 with a non-finite value, 1 with E < |p|" in words, words

    # a good file: zeros stored, no line in the report
    write_csv(tmp_path / "good.csv", _random_events(80, 2, seed=2), 2)
    ingest_events(_process({**events, "path": str(tmp_path / "good.csv")}), tmp_path / "g.root")
    assert read_events(tmp_path / "g.root").metadata[UNPHYSICAL_DROPPED] == {
        "non_finite": 0,
        "E_below_p": 0,
    }


# --------------------------------------------------------------------------- huge values


def test_huge_values_caught_at_the_features(tmp_path: Path) -> None:
    """E = px = 1e308 is a valid (lightlike) four-vector; its features cannot be standardized:
    the features step names the file, the event and the feature."""
    from symvae.stages import ingest_events, make_event_features

    events = _random_events(40, 2, seed=7)
    write_csv(tmp_path / "x.csv", events, 2)
    lines = (tmp_path / "x.csv").read_text().splitlines()
    cells = lines[30].split(",")  # line 31: event 29, in the second chunk of 16
    cells[0:4] = ["1e308", "1e308", "0", "0"]  # E1, px1, py1, pz1
    lines[30] = ",".join(cells)
    (tmp_path / "x.csv").write_text("\n".join(lines) + "\n")
    spec = _process({"source": "csv", "path": str(tmp_path / "x.csv"), "objects": _objects(2)})
    ingest_events(spec, tmp_path / "events.root")
    with pytest.raises(DataError) as info:
        make_event_features(spec, tmp_path / "events.root", tmp_path / "f.h5", step_size=16)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'events.root'} (read from {tmp_path / 'x.csv'}): ")
    assert "event 29, feature 'E_1' = 1e+308 exceeds 1e+150 in magnitude" in message
    assert not (tmp_path / "f.h5").exists()
