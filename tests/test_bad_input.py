"""Bad input end to end: every case gives one line naming the file or key, exit 1, no output.

Each case runs the workflow's own entry point (``scripts/*.py``) in a fresh interpreter, as a
Snakemake job would, so the checks see exactly what a user sees: the exit status, the whole of
stderr (one ``symvae: error: ...`` line, no traceback), and the output folder (nothing written,
and an unrelated file already there is kept).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot
import yaml
from conftest import ROOT, tiny_config
from test_readers import _objects, _random_events

from symvae.events.writers import write_csv, write_hepmc3, write_lhe, write_root_flat

FEATURES = {"objects": [{"index": 0}, {"index": 1}], "kinds": ["cartesian"]}


def _script(name: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _assert_clean_failure(
    proc: subprocess.CompletedProcess[str], out: Path, before: dict[str, bytes], *words: str
) -> None:
    """Exit 1, one stderr line with every word, and the output folder as it was."""
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("symvae: error: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert _files(out) == before


def _write_config(tmp_path: Path, processes: dict[str, Any], **over: Any) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(tiny_config(processes, **over)))
    return path


# ------------------------------------------------------------------ bad event files


def _good_events(tmp_path: Path) -> dict[str, Path]:
    events = _random_events(60, 2)
    paths = {
        "root": tmp_path / "good.root",
        "csv": tmp_path / "good.csv",
        "lhe": tmp_path / "good.lhe",
        "hepmc": tmp_path / "good.hepmc3",
    }
    write_root_flat(paths["root"], events, 2)
    write_csv(paths["csv"], events, 2)
    write_lhe(paths["lhe"], events)
    write_hepmc3(paths["hepmc"], events)
    return paths


def _truncated(src: Path, dst: Path) -> None:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])


def _zeroed(src: Path, dst: Path) -> None:
    """Zero the first 64 bytes of the basket that holds branch px1 (its key and header)."""
    with uproot.open(src) as f:
        seek = int(f["events"]["px1"].member("fBasketSeek")[0])
    data = src.read_bytes()
    dst.write_bytes(data[:seek] + bytes(64) + data[seek + 64 :])


def _csv_cell(column: str, value: str) -> Callable[[Path, Path], None]:
    def edit(src: Path, dst: Path) -> None:
        lines = src.read_text().splitlines()
        names = lines[0].split(",")
        cells = lines[5].split(",")
        cells[names.index(column)] = value
        lines[5] = ",".join(cells)
        dst.write_text("\n".join(lines) + "\n")

    return edit


def _csv_drop(column: str) -> Callable[[Path, Path], None]:
    def edit(src: Path, dst: Path) -> None:
        rows = [line.split(",") for line in src.read_text().splitlines()]
        k = rows[0].index(column)
        dst.write_text("\n".join(",".join(r[:k] + r[k + 1 :]) for r in rows) + "\n")

    return edit


def _lhe_cut_in_event(src: Path, dst: Path) -> None:
    text = src.read_text()
    second = text.index("<event>", text.index("<event>") + 1)
    dst.write_text(text[: second + 40])


def _hepmc_bad_particle(src: Path, dst: Path) -> None:
    lines = src.read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("P "))
    lines[k] = " ".join(lines[k].split()[:3]) + " abc"
    dst.write_text("\n".join(lines) + "\n")


def _empty(src: Path, dst: Path) -> None:
    dst.write_bytes(b"")


def _root_inf(src: Path, dst: Path) -> None:
    with uproot.open(src) as f:
        arrays = f["events"].arrays(library="np")
    arrays["pz2"] = arrays["pz2"].copy()
    arrays["pz2"][7] = np.inf
    with uproot.recreate(dst) as f:
        f.mktree("events", {k: v.dtype for k, v in arrays.items()})
        f["events"].extend(arrays)


#: (case id, source format, how to spoil the good file, words the message must contain)
FILE_CASES: list[tuple[str, str, Callable[[Path, Path], None], tuple[str, ...]]] = [
    ("root-truncated", "root", _truncated, ("ROOT",)),
    ("root-corrupt", "root", _zeroed, ("ROOT",)),
    ("root-inf-momentum", "root", _root_inf, ("'pz2'", "entry 7", "inf")),
    ("root-empty", "root", _empty, ("empty",)),
    ("lhe-malformed", "lhe", _lhe_cut_in_event, ("truncated",)),
    ("lhe-empty", "lhe", _empty, ("empty",)),
    ("hepmc-malformed", "hepmc", _hepmc_bad_particle, ("corrupt",)),
    ("hepmc-empty", "hepmc", _empty, ("empty",)),
    ("csv-missing-column", "csv", _csv_drop("E2"), ("'E2'",)),
    ("csv-text-cell", "csv", _csv_cell("py2", "twelve"), ("'py2'", "line 6", "twelve")),
    ("csv-nan-momentum", "csv", _csv_cell("px1", "nan"), ("'px1'", "line 6", "nan")),
    ("csv-negative-energy", "csv", _csv_cell("E1", "-1"), ("'E1'", "line 6", "E = -1.0 GeV")),
    ("csv-empty", "csv", _empty, ("empty",)),
]


@pytest.fixture(scope="module")
def good_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _good_events(tmp_path_factory.mktemp("good"))


@pytest.mark.parametrize(
    ("source", "spoil", "words"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_bad_event_file(
    tmp_path: Path,
    good_files: dict[str, Path],
    source: str,
    spoil: Callable[[Path, Path], None],
    words: tuple[str, ...],
) -> None:
    bad = tmp_path / f"bad{good_files[source].suffix}"
    spoil(good_files[source], bad)
    events: dict[str, Any] = {"source": source, "path": str(bad)}
    if source in ("root", "csv"):
        events["objects"] = _objects(2)
    config = _write_config(tmp_path, {"p": {"events": events, "features": FEATURES, "dof": 2}})
    out = tmp_path / "results"
    (out / "p").mkdir(parents=True)
    (out / "p" / "earlier.txt").write_text("an output of an earlier run")
    before = _files(out)
    proc = _script(
        "ingest_events", "--config", config, "--process", "p",
        "--out", out / "p" / "events.root", cwd=tmp_path,
    )  # fmt: skip
    _assert_clean_failure(proc, out, before, bad.name, *words)


# ------------------------------------------------------------------ bad samples


def _ingest_then_features(
    tmp_path: Path, events: dict[str, Any], features: dict[str, Any]
) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, bytes]]:
    """Ingest (which must work), then compute features: their result and the folder before."""
    config = _write_config(tmp_path, {"p": {"events": events, "features": features, "dof": 2}})
    out = tmp_path / "results"
    proc = _script(
        "ingest_events", "--config", config, "--process", "p",
        "--out", out / "p" / "events.root", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    before = _files(out)
    proc = _script(
        "event_features", "--config", config, "--process", "p",
        "--events", out / "p" / "events.root", "--out", out / "p" / "features.h5", cwd=tmp_path,
    )  # fmt: skip
    return proc, out, before


def test_zero_events_after_selection(tmp_path: Path, good_files: dict[str, Path]) -> None:
    """Ingesting works; the feature step finds no event with the selected objects."""
    features = {"objects": [{"pid": 99}], "kinds": ["cartesian"]}
    events = {"source": "root", "path": str(good_files["root"]), "objects": _objects(2)}
    proc, out, before = _ingest_then_features(tmp_path, events, features)
    _assert_clean_failure(proc, out, before, "events.root", "no event", "'pid': 99")


def _ring_config(tmp_path: Path, n_events: int) -> Path:
    ring = {"generator": "ring", "dof": 1, "data": {"n_events": n_events}}
    return _write_config(tmp_path, {"ring": ring})


def test_too_few_events(tmp_path: Path) -> None:
    config = _ring_config(tmp_path, 3)
    out = tmp_path / "results"
    out.mkdir()
    proc = _script(
        "generate", "--config", config, "--process", "ring",
        "--out", out / "ring" / "features.h5", cwd=tmp_path,
    )  # fmt: skip
    _assert_clean_failure(proc, out, {}, "processes.ring.data.n_events", "minimum of 10")


def test_fewer_events_than_the_batch_size_train(tmp_path: Path) -> None:
    """110 events (66 train) against a batch of 128: not an error, the sample trains in one batch."""
    config = _ring_config(tmp_path, 110)
    out = tmp_path / "results" / "ring"
    proc = _script(
        "generate", "--config", config, "--process", "ring", "--out", out / "features.h5",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = _script(
        "train", "--config", config, "--process", "ring", "--seed", "0",
        "--features", out / "features.h5", "--out", out / "model.pt", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (out / "model.pt").is_file() and not list(out.glob("*.ckpt"))


# ------------------------------------------------------------------ bad config


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda c: c["defaults"]["vae"].update(learning_rat=0.01), ("learning_rat",)),
        (lambda c: c.update(seedz=[0]), ("seedz",)),
        (lambda c: c["defaults"]["vae"].update(epochs="many"), ("defaults.vae.epochs", "many")),
        (lambda c: c["processes"]["ring"].update(dof=1.5), ("processes.ring.dof", "1.5")),
    ],
    ids=["unknown-nested-key", "unknown-top-key", "wrong-type", "wrong-type-process"],
)
def test_bad_config(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], words: tuple[str, ...]
):
    cfg = tiny_config()
    mutate(cfg)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "results"
    out.mkdir()
    proc = _script(
        "generate", "--config", config, "--process", "ring",
        "--out", out / "ring" / "features.h5", cwd=tmp_path,
    )  # fmt: skip
    _assert_clean_failure(proc, out, {}, "config.yaml", *words)


def test_too_few_events_in_a_file(tmp_path: Path) -> None:
    """Three events cannot be split into training, validation and test samples."""
    write_csv(tmp_path / "three.csv", _random_events(3, 2), 2)
    events = {"source": "csv", "path": str(tmp_path / "three.csv"), "objects": _objects(2)}
    proc, out, before = _ingest_then_features(tmp_path, events, FEATURES)
    _assert_clean_failure(proc, out, before, "events.root", "3 events", "too few")
