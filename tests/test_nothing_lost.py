"""Bad input never costs a result: after a good run, a corrupted input stops the next run
with one line and every earlier output stays byte-identical; a damaged output is named with
the command that rebuilds it, and that command rebuilds it and what depends on it."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import snakemake, tiny_config
from test_readers import _objects, _random_events

from symvae.events.writers import write_csv
from symvae.outputs.features import read_features
from symvae.outputs.integrity import check_file, output_files
from symvae.outputs.model import load_model

pytestmark = pytest.mark.workflow


def _digests(results: Path) -> dict[str, str]:
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in output_files(results)
    }


def _one_line(stderr: str) -> str:
    # Snakemake's own notice of the test's --configfile is not part of the message
    lines = [line for line in stderr.splitlines() if line.strip() and "is extended by" not in line]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete run of a tiny config with one CSV process (and the ring toy)."""
    work = tmp_path_factory.mktemp("nothing_lost")
    write_csv(work / "events.csv", _random_events(600, 2, seed=3), 2)
    cfg = tiny_config()
    cfg["seeds"] = [0]
    cfg["processes"] = {
        "ring": cfg["processes"]["ring"],
        "csvproc": {
            "events": {"source": "csv", "path": str(work / "events.csv"), "objects": _objects(2)},
            "features": {"objects": [{"index": 0}, {"index": 1}], "kinds": ["cartesian"]},
            "dof": 8,
            "exact": False,
            "directions": {"family": "none"},
        },
    }
    cfg["defaults"]["vae"]["latent_dim"] = 8
    (work / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    proc = snakemake(work, "--cores", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_a_corrupted_input_stops_the_rerun_and_keeps_every_result(good_run: Path) -> None:
    results = good_run / "results"
    before = _digests(results)
    assert {"csvproc/events.root", "csvproc/features.h5", "csvproc/seed0/model.pt",
            "summary.h5", "report.pdf"} <= set(before)  # fmt: skip
    csv = good_run / "events.csv"
    good = csv.read_bytes()
    stat = csv.stat()
    try:
        lines = good.decode().splitlines(keepends=True)
        lines[5] = lines[5].replace(",", ",abc,", 1)  # a text cell and a ragged row
        csv.write_text("".join(lines))
        proc = snakemake(good_run, "--cores", "2")
        assert proc.returncode != 0
        line = _one_line(proc.stderr)
        assert str(csv) in line and "line 6" in line and "earlier results are kept" in line, line
        assert _digests(results) == before
    finally:
        csv.write_bytes(good)
        os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("name", ["csvproc/seed0/model.pt", "ring/features.h5"])
def test_a_damaged_output_is_named_and_rebuilt(good_run: Path, name: str) -> None:
    results = good_run / "results"
    before = _digests(results)
    target = results / name
    content = target.read_bytes()
    target.write_bytes(content[: len(content) // 2])
    assert check_file(target) is not None
    proc = snakemake(good_run, "--cores", "2", "-n")
    assert proc.returncode != 0
    line = _one_line(proc.stderr)
    shown = target.relative_to(good_run)  # as seen from the working directory
    assert line.startswith(f"{shown}: damaged, "), line
    command = line.split("with: ", 1)[1]
    assert command == f"rm '{shown}' && snakemake --cores all --forcerun '{shown}'"
    # the documented command, as the user runs it (here with the test's snakemake call)
    target.unlink()
    proc = snakemake(good_run, "--cores", "2", "--forcerun", str(shown))
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = _digests(results)
    assert after[name] == before[name]  # rebuilt to the same bytes (same seeds)
    if name.endswith(".pt"):
        load_model(target)
    else:
        read_features(target)
    assert after == before


def test_the_readers_name_the_rebuild_command(good_run: Path, tmp_path: Path) -> None:
    """Outside the workflow, a reader of a damaged file names the file and the command."""
    for name, read in (("csvproc/seed0/model.pt", load_model), ("ring/features.h5", read_features)):
        copy = tmp_path / Path(name).name
        shutil.copy(good_run / "results" / name, copy)
        copy.write_bytes(copy.read_bytes()[:100])
        with pytest.raises(Exception) as err:
            read(copy)
        message = str(err.value)
        assert str(copy) in message and "snakemake" in message and "\n" not in message, message
