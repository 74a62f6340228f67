"""Fuzzing bad input with hypothesis: the config loader and the CSV and LHE readers either
succeed or raise one of symvae's errors (a clear message, never a traceback from deep inside
a library)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from conftest import DATA_DIRS, tiny_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symvae.config import load_config
from symvae.errors import SymvaeError
from symvae.events.readers import read_events_from

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(-2, 5), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a nested config (to mutate one of them)."""
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


BASE = tiny_config()
PATHS = _paths(BASE)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATHS), LEAVES, st.booleans()), min_size=1, max_size=3))
def test_config_loader_fuzz(mutations):
    cfg = copy.deepcopy(BASE)
    for path, value, delete in mutations:
        node = cfg
        try:
            for key in path[:-1]:
                node = node[key]
            if delete and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    try:
        load_config(cfg)
    except SymvaeError as err:
        assert str(err) and "\n" not in str(err).strip()


BASE_TEXT = yaml.safe_dump(BASE, sort_keys=False)
BASE_LINES = BASE_TEXT.splitlines(keepends=True)
#: edits of one line of the YAML text: drop it, repeat it, cut it, or replace a character
EDITS = st.tuples(
    st.integers(0, len(BASE_LINES) - 1),
    st.sampled_from(["drop", "repeat", "cut", "char"]),
    st.integers(0, 40),
    st.sampled_from([*":-[]{},'\"#&*!|>%@` \t0.5e", "\n", ".nan", "1e999", "5.5"]),
)


@settings(
    max_examples=700, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EDITS, min_size=1, max_size=3))
def test_config_text_fuzz(tmp_path, edits):
    """Edited YAML text: the loader accepts it or names the file in one line (a YAML error,
    a repeated key, a bad value), never a traceback from PyYAML or the schema."""
    lines = list(BASE_LINES)
    for index, kind, at, char in edits:
        i = index % len(lines)
        if kind == "drop" and len(lines) > 1:
            lines.pop(i)
        elif kind == "repeat":
            lines.insert(i, lines[i])
        elif kind == "cut":
            lines[i] = lines[i][: at % (len(lines[i]) + 1)] + "\n"
        else:
            j = at % (len(lines[i]) + 1)
            lines[i] = lines[i][:j] + char + lines[i][j:]
    path = tmp_path / "config.yaml"
    path.write_text("".join(lines))
    try:
        load_config(path)
    except SymvaeError as err:
        message = str(err)
        assert message.startswith(str(path)) and "\n" not in message, message


def _read(path: Path, spec: dict) -> None:
    try:
        read_events_from({**spec, "path": str(path)})
    except SymvaeError as err:
        assert str(path.name) in str(err)


CSV_OBJ = {"px": "px", "py": "py", "pz": "pz", "E": "E"}
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "x", "1e", "--1", "nan", "inf", "1,2", '"3"', " 4 "]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.sampled_from(["px", "py", "pz", "E", "q", ""]), min_size=0, max_size=6),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=6),
)
def test_csv_reader_fuzz(tmp_path, header, rows):
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join([",".join(header), *(",".join(r) for r in rows)]) + "\n")
    _read(path, {"source": "csv", "objects": [CSV_OBJ]})


SHERPA = next(
    (d / "sherpa_ee_jjj.lhe" for d in DATA_DIRS if (d / "sherpa_ee_jjj.lhe").exists()), None
)
LHE_TEXT = SHERPA.read_text()[:20000] if SHERPA else None


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, 10**6), length=st.integers(0, 400), junk=st.text(max_size=40))
def test_lhe_reader_fuzz(tmp_path, cut, length, junk):
    text = LHE_TEXT or (
        '<LesHouchesEvents version="3.0">\n<init>\n11 -11 4.5e1 4.5e1 0 0 0 0 3 1\n'
        "1.0 0.1 1.0 1\n</init>\n</LesHouchesEvents>\n"
    )
    cut %= len(text)
    path = tmp_path / "fuzz.lhe"
    path.write_text(text[:cut] + junk + text[cut + length :])
    _read(path, {"source": "lhe"})
