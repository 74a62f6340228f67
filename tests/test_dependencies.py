"""Each output depends only on what it reads: after a complete run of a tiny config, a dry run
plans exactly the jobs that a changed setting touches (and nothing when nothing changed)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, tiny_with_events

from symvae.config import ProcessSpec, load_config
from symvae.declared import STAGE_FIELDS, UndeclaredSettingError

pytestmark = pytest.mark.workflow

#: Jobs without a process wildcard that gather every process: they re-run on any change.
AGGREGATES = {"summarize", "report", "all"}
EVENT_STEPS = {"generate", "generate_chunk", "merge_chunks", "ingest", "event_features"}
JOB = re.compile(r"^(?:local)?rule (\w+):\n((?:    .*\n)*)", re.MULTILINE)


def _config() -> dict[str, Any]:
    """The config of the shared complete run (``tiny_workflow``): two seeds, a chunked RAMBO
    process, an ingested file, invariance settings and scans."""
    cfg = tiny_with_events()
    assert cfg["seeds"] == [0, 1]
    return cfg


def _snakemake(workdir: Path, cfg: dict[str, Any], *args: str) -> str:
    # beside the shared run, not its config.yaml: the other tests of that run read it as is
    changed = workdir.parent / f"{workdir.name}-changed.yaml"
    changed.write_text(yaml.safe_dump(cfg, sort_keys=False))
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")),
            *("--directory", str(workdir), "--configfile", str(changed)),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _planned(workdir: Path, cfg: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(rule, process or None) of every job a dry run plans."""
    return [(rule, process) for rule, process, _ in _planned_scans(workdir, cfg)]


def _planned_scans(workdir: Path, cfg: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(rule, process or None, scan or None) of every job a dry run plans."""
    out = _snakemake(workdir, cfg, "-n")
    jobs = []
    for rule, body in JOB.findall(out):
        process = re.search(r"wildcards: .*?\bprocess=(\w+)", body)
        scan = re.search(r"wildcards: .*?\bscan=(\w+)", body)
        jobs.append((rule, *(m.group(1) if m else None for m in (process, scan))))
    return jobs


@pytest.fixture(scope="module")
def done(tiny_workflow: Path) -> Path:
    """The shared complete run; dry runs only read it (they plan, and write no output)."""
    return tiny_workflow


def test_nothing_changed_plans_nothing(done: Path) -> None:
    assert _planned(done, _config()) == []


def test_beta_of_one_process_retrains_only_it(done: Path) -> None:
    cfg = _config()
    cfg["processes"]["ring"]["vae"] = {"beta": 2.0}
    jobs = _planned(done, cfg)
    assert {("train", "ring")} <= set(jobs)
    assert sum(rule == "train" for rule, _ in jobs) == 1  # one job for both seeds of ring
    assert not [j for j in jobs if j[0] in EVENT_STEPS]
    assert {p for _, p in jobs} == {"ring", None}
    assert {rule for rule, p in jobs if p is None} <= AGGREGATES


def test_relevance_threshold_retrains_nothing(done: Path) -> None:
    cfg = _config()
    cfg["defaults"]["relevance"]["threshold"] = 0.2
    jobs = _planned(done, cfg)
    rules = {rule for rule, _ in jobs}
    assert "evaluate" in rules and "collect" in rules
    assert not rules & ({"train"} | EVENT_STEPS)


def test_one_process_changed_touches_no_other(done: Path) -> None:
    cfg = _config()
    cfg["processes"]["rambo2"]["events"]["n_events"] = 1300
    jobs = _planned_scans(done, cfg)
    assert {"generate_chunk", "merge_chunks", "event_features", "train"} <= {r for r, *_ in jobs}
    assert {p for _, p, _ in jobs} == {"rambo2", None}
    # the smear scan runs on rambo2's events: it is collected again, no other scan is
    assert {(rule, scan) for rule, p, scan in jobs if p is None} - {
        (rule, None) for rule in AGGREGATES
    } == {("scan_collect", "smear")}


def test_features_change_keeps_events(done: Path) -> None:
    cfg = _config()
    cfg["processes"]["rambo2"]["features"]["kinds"] = ["cartesian", "invariants"]
    jobs = _planned(done, cfg)
    rules = {rule for rule, _ in jobs}
    assert "event_features" in rules and "train" in rules
    assert not rules & {"generate_chunk", "merge_chunks"}


# ------------------------------------------------------------------- the views themselves


def test_every_stage_view_round_trips() -> None:
    cfg = load_config(ROOT / "config.yaml")
    for stage in STAGE_FIELDS:
        for spec in cfg.processes.values():
            view = spec.view(stage)
            assert ProcessSpec.from_view(copy.deepcopy(view)).view(stage) == view


def test_an_undeclared_setting_raises() -> None:
    spec = load_config(ROOT / "config.yaml").process("ee_mumu")
    train = ProcessSpec.from_view(spec.view("train"))
    assert train.vae == spec.vae
    with pytest.raises(UndeclaredSettingError, match=r"relevance\.threshold"):
        _ = train.relevance.threshold
    features = ProcessSpec.from_view(spec.view("features"))
    assert features.data.seed == spec.data.seed and features.kind == "generated"
    with pytest.raises(UndeclaredSettingError, match=r"data\.n_events"):
        _ = features.data.n_events
    with pytest.raises(UndeclaredSettingError, match=r"events\.n_events"):
        _ = features.events["n_events"]
