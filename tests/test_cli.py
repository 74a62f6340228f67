"""The ``symvae`` console command: help of every subcommand, ``inspect`` (the dof table of
summary.h5), ``verify`` (truncated, incomplete and undeclared outputs named), ``config
--explain`` (every key of the default config explained from the schema) and ``run``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import h5py
import pytest
import yaml
from conftest import ROOT

from symvae.cli.workflow import snakemake_args
from symvae.config.explain import config_keys, explain
from symvae.errors import ConfigError
from symvae.outputs.layout import read_file
from symvae.outputs.summary import Summary, dof_table
from symvae.outputs.verify import layout_for, verify_results

SYMVAE = Path(sys.executable).parent / "symvae"
SUBCOMMANDS = ("run", "inspect", "verify", "config")


def _symvae(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [str(SYMVAE), *args], capture_output=True, text=True, cwd=cwd, env=env,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture
def results(tiny_workflow: Path, tmp_path: Path) -> Path:
    """A copy of a complete run's results, free to damage."""
    return Path(shutil.copytree(tiny_workflow / "results", tmp_path / "results"))


def test_the_console_command_is_installed() -> None:
    assert SYMVAE.exists(), f"{SYMVAE} missing: pip install -e . installs the symvae command"


@pytest.mark.parametrize("sub", ["", *SUBCOMMANDS])
def test_help_of_every_subcommand(sub: str) -> None:
    proc = _symvae(*([sub] if sub else []), "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: symvae"), proc.stdout
    if not sub:
        for name in SUBCOMMANDS:
            assert f"  {name} " in proc.stdout


def test_inspect_prints_the_dof_table_of_summary(tiny_workflow: Path) -> None:
    path = tiny_workflow / "results" / "summary.h5"
    proc = _symvae("inspect", str(path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "degrees of freedom" in out
    rows = dof_table(read_file(path, Summary))
    assert [r.process for r in rows] == list(yaml.safe_load(
        (tiny_workflow / "config.yaml").read_text())["processes"])  # fmt: skip
    table = out[out.index("degrees of freedom") :].splitlines()[3:]
    assert len(table) == len(rows)
    for line, row in zip(table, rows, strict=True):
        cells = line.split()
        assert cells[:5] == [
            row.process, str(row.dof_expected), str(row.n_relevant),
            f"{row.n_relevant_min}-{row.n_relevant_max}", str(row.dof_measured),
        ]  # fmt: skip
    # datasets come with their units and meanings, read from the file
    assert "[nat]" in out and "relevant count per seed" in out


@pytest.mark.parametrize(
    "name", ["ring/seed0/model.pt", "rambo2/events.root", "ring/seed0/evaluation.h5"]
)
def test_inspect_reads_every_kind_of_output(tiny_workflow: Path, name: str) -> None:
    proc = _symvae("inspect", str(tiny_workflow / "results" / name))
    assert proc.returncode == 0, proc.stderr
    expected = {
        "model.pt": "architecture:",
        "events.root": "tree 'events'",
        "evaluation.h5": "/relevance",
    }
    assert expected[Path(name).name] in proc.stdout


def test_inspect_names_a_damaged_file(results: Path) -> None:
    path = results / "ring" / "relevance.h5"
    os.truncate(path, path.stat().st_size // 2)
    proc = _symvae("inspect", str(path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert str(path) in proc.stderr and "not a complete HDF5 file" in proc.stderr


def test_verify_passes_a_complete_run(results: Path) -> None:
    proc = _symvae("verify", str(results))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = verify_results(results)
    assert report.ok and not report.unknown
    assert len(report.checked) >= 40
    assert f"{len(report.checked)} files checked, all complete" in proc.stdout


def test_verify_flags_truncated_files(results: Path) -> None:
    h5 = results / "ring" / "relevance.h5"
    pt = results / "ring" / "seed1" / "model.pt"
    root = results / "rambo2" / "events.root"
    for path in (h5, pt, root):
        os.truncate(path, path.stat().st_size * 2 // 3)
    proc = _symvae("verify", str(results))
    assert proc.returncode == 1
    flagged = [line for line in proc.stdout.splitlines() if ": damaged:" in line]
    assert sorted(line.split(": damaged:")[0] for line in flagged) == sorted(
        map(str, (h5, pt, root))
    )
    assert "3 with problems" in proc.stdout


def test_verify_flags_missing_and_undeclared_items(results: Path) -> None:
    evaluation = results / "ring" / "seed0" / "evaluation.h5"
    with h5py.File(evaluation, "a") as f:
        del f["relevance"]
    relevance = results / "ring" / "relevance.h5"
    with h5py.File(relevance, "a") as f:
        f["stray"] = [1.0, 2.0]
    problems = {p.path: p.what for p in verify_results(results).problems}
    assert set(problems) == {evaluation, relevance}
    assert "relevance" in problems[evaluation]
    assert "/stray" in problems[relevance] and "not declared" in problems[relevance]


def test_verify_flags_a_dataset_of_the_wrong_rank(results: Path) -> None:
    path = results / "ring" / "relevance.h5"
    with h5py.File(path, "a") as f:
        rows = f["relevance"][()]
        del f["relevance"]
        f["relevance"] = rows.ravel()
    (problem,) = verify_results(results).problems
    assert problem.path == path and "1 dimension(s), declared" in problem.what


def test_verify_of_a_folder_without_outputs(tmp_path: Path) -> None:
    proc = _symvae("verify", str(tmp_path))
    assert proc.returncode == 2
    assert "no output files" in proc.stderr and str(tmp_path) in proc.stderr


@pytest.mark.parametrize(
    ("relative", "layout"),
    [
        ("ring/seed3/model.pt", "ModelFile"),
        ("invariance/summary.h5", "InvarianceSummary"),
        ("invariance/torus2.h5", "Curve"),
        ("summary.h5", "Summary"),
        ("scans/beta/ring/p0/features.h5", "FeaturesLayout"),
        ("ring/notes.h5", None),
    ],
)
def test_layout_by_path(relative: str, layout: str | None) -> None:
    found = layout_for(relative)
    assert (found.__name__ if found is not None else None) == layout


def _flat_keys(d: Any, prefix: str = "") -> list[str]:
    if not isinstance(d, dict):
        return []
    out = []
    for k, v in d.items():
        out.append(prefix + str(k))
        out += _flat_keys(v, f"{prefix}{k}.")
    return out


@pytest.mark.parametrize(
    "config",
    ["config.yaml", "profiles/paper/paper.yaml", "profiles/scans/scans.yaml",
     "profiles/jets/jets.yaml"],
)  # fmt: skip
def test_every_key_of_the_shipped_configs_is_explained(config: str) -> None:
    path = ROOT / config
    if not path.exists():
        pytest.skip(f"{config} not in this checkout")
    keys = _flat_keys(yaml.safe_load(path.read_text()))
    assert keys
    for key in keys:
        info = explain(key)
        assert info.description or info.children, key


def test_every_schema_key_explains_itself() -> None:
    keys = config_keys()
    assert "defaults.vae.beta" in keys and "processes.<name>.vae.latent_dim" in keys
    leaves = [explain(k) for k in keys]
    undescribed = [i.canonical for i in leaves if not i.description and not i.children]
    assert not undescribed, "keys without a meaning in the schema"


def test_explain_gives_meaning_range_and_the_codes_default() -> None:
    proc = _symvae("config", "--explain", "processes.ring.vae.beta")
    assert proc.returncode == 0, proc.stderr
    assert "processes.<name>.vae.beta" in proc.stdout
    assert "KL weight" in proc.stdout and "> 0" in proc.stdout
    from symvae.config.process import VAEConfig

    assert f"default:  {VAEConfig().beta}" in proc.stdout
    info = explain("defaults.relevance.threshold")
    assert info.allowed == "> 0 and < 1" and info.default == 0.1
    assert explain("seeds").required and not explain("seeds").has_default


def test_explain_of_an_unknown_key_suggests_the_closest() -> None:
    proc = _symvae("config", "--explain", "defaults.vae.betta")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "did you mean beta?" in proc.stderr
    with pytest.raises(ConfigError, match="no key 'nope' at the top level"):
        explain("nope")


def test_snakemake_args(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("{}")
    args = snakemake_args(snakefile=ROOT / "Snakefile", configfile=cfg, dry_run=True)
    assert args[:4] == ["--snakefile", str(ROOT / "Snakefile"), "--configfile", str(cfg)]
    assert "--cores" in args and "--dry-run" in args and "--quiet" in args
    profiled = snakemake_args(snakefile=ROOT / "Snakefile", profile=ROOT / "profiles" / "paper")
    assert "--cores" not in profiled  # the profile decides
    with pytest.raises(ConfigError, match="no such config file"):
        snakemake_args(snakefile=ROOT / "Snakefile", configfile=tmp_path / "missing.yaml")


@pytest.mark.workflow
def test_run_rebuilds_an_output_with_a_progress_bar(tiny_workflow: Path, tmp_path: Path) -> None:
    work = Path(shutil.copytree(tiny_workflow, tmp_path / "work", symlinks=True))
    (work / "results" / "summary.h5").unlink()
    proc = _symvae("run", "-n", "--config", "config.yaml", "--snakefile", str(ROOT / "Snakefile"),
                   cwd=work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (work / "results" / "summary.h5").exists()
    proc = _symvae("run", "--config", "config.yaml", "--cores", "2", "--snakefile",
                   str(ROOT / "Snakefile"), cwd=work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "workflow: 100%" in proc.stderr
    assert verify_results(work / "results").ok
