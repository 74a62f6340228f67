"""The Snakemake workflow end to end on a tiny config, and its command-line entry points."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml
from conftest import ROOT, SNAKEMAKE, TEMPORARY, snakemake, tiny_config, tiny_with_events

from symvae.config import load_config
from symvae.outputs.features import read_features

SCRIPTS = [
    "generate",
    "train",
    "evaluate",
    "collect",
    "summarize",
    "report",
    "plot_process",
    "scan_collect",
]


@pytest.mark.workflow
def test_tiny_workflow_end_to_end(tiny_workflow):
    cfg = tiny_with_events()
    results = tiny_workflow / "results"
    assert (results / "report.pdf").read_bytes().startswith(b"%PDF")
    assert not (results / "rambo2" / "events").exists() or not list(
        (results / "rambo2" / "events").glob("chunk*.root")
    ), "generation chunks are temporary"
    with h5py.File(results / "summary.h5") as s:
        assert [str(p) for p in s.attrs["processes"]] == list(cfg["processes"])
        assert s["rambo2"].attrs["kind"] == "generated"
        if "cms" in cfg["processes"]:
            assert s["cms"].attrs["kind"] == "file" and not s["cms"].attrs["exact"]
    for process in ("ring", "linear_gaussian"):
        assert (results / process / "overview.png").stat().st_size > 10_000
        assert (results / "benchmarks" / "train" / f"{process}.tsv").exists()
    with h5py.File(results / "summary.h5") as s:
        assert s["ring"].attrs["dof_expected"] == 1
        assert s["linear_gaussian"]["relevance"].shape == (2, 4)
        # the symmetry directions: the ring's tangent is known, its rotation searched for
        assert np.isfinite(s["ring"].attrs["tangent_angle_median_deg"])
        assert s["ring"].attrs["generators_found"] >= 0
        assert s["linear_gaussian"].attrs["constraints_found"] == 0
    with h5py.File(results / "invariance" / "summary.h5") as s:
        assert [str(n) for n in s.attrs["settings"]] == ["t2", "s2"]
        assert s["t2"].attrs["order"] == 4 and s["s2"].attrs["d_eff"] == 1
    # the scans: one training per point and seed, curves per scan
    with h5py.File(results / "scans" / "beta.h5") as f:
        assert f["linear_gaussian"]["local_dof"].shape == (2, 1)
        assert "plateau_factor" in f["linear_gaussian"].attrs
    with h5py.File(results / "scans" / "smear.h5") as f:
        assert f["rambo2"]["freed_relevance"].shape[:2] == (2, 1)
    smeared = read_features(results / "scans" / "smear" / "rambo2" / "p1" / "features.h5")
    plain = read_features(results / "scans" / "smear" / "rambo2" / "p0" / "features.h5")
    assert smeared.dataset.metadata["smearing"] == 0.05
    np.testing.assert_array_equal(plain.dataset.features, read_features(
        results / "rambo2" / "features.h5").dataset.features)  # fmt: skip
    assert not np.allclose(smeared.dataset.features, plain.dataset.features)
    with h5py.File(results / "scans" / "modulation.h5") as f:
        assert f["ring"]["rank_p_value"].shape == (2,)
    assert not (results / "scans" / "beta" / "linear_gaussian" / "p0" / "features.h5").exists()
    assert not [p for pattern in TEMPORARY for p in results.rglob(pattern)]
    # a second run has nothing to do
    again = snakemake(tiny_workflow, "--cores", "2", "-n")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["defaults"]["vae"].update(beta=-1), "defaults.vae.beta"),
        (lambda c: c["processes"]["ring"].pop("dof"), "dof"),
        (lambda c: c["processes"]["ring"].update(generator="torus"), "torus"),
    ],
)
def test_bad_config_fails_at_parse_time(tmp_path, mutate, message):
    cfg = tiny_config()
    mutate(cfg)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(tmp_path, "-n", timeout=120)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_have_help(script):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{script}.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout and "Snakemake rule" in proc.stdout


def test_script_reports_user_errors_in_one_line(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config()))
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "train.py"),
            "--config",
            str(tmp_path / "config.yaml"),
            "--process",
            "ring",
            "--seed",
            "0",
            "--features",
            str(tmp_path / "missing.h5"),
            "--out",
            str(tmp_path / "m.pt"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"symvae: error: {tmp_path / 'missing.h5'}: file not found"
    ]
    assert not (tmp_path / "m.pt").exists()


def test_unwritable_output_folder_is_one_line_and_leaves_nothing(tmp_path):
    """A file where the output folder should be (root ignores permission bits, so a
    read-only folder would not fail here): one line naming the path, exit 1, no output."""
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config()))
    (tmp_path / "blocked").write_text("a file, not a folder")
    out = tmp_path / "blocked" / "ring" / "features.h5"
    proc = subprocess.run(
        [
            sys.executable, str(ROOT / "scripts" / "generate.py"), "--config",
            str(tmp_path / "config.yaml"), "--process", "ring", "--out", str(out),
        ],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symvae: error: "), proc.stderr
    assert "blocked" in lines[0] and "Not a directory" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "config.yaml"]


def _profile_dry_run(profile: str, *args: str) -> str:
    """The rules that ``snakemake -n --profile profiles/<profile>`` plans (it must succeed)."""
    proc = subprocess.run(
        [*SNAKEMAKE, "-n", "--profile", f"profiles/{profile}", *args, "--quiet", "rules"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    return out


@pytest.mark.workflow
def test_paper_profile_dry_run():
    out = _profile_dry_run("paper")
    assert "ttbar_decays" in out or "generate_chunk" in out


@pytest.mark.workflow
def test_jets_profile_dry_run(tmp_path):
    # only the jet processes, generated with their clustering, and no invariance experiment
    out = _profile_dry_run("jets", "--config", f"results={tmp_path}")
    assert "generate_chunk" in out and "train" in out
    assert "invariance" not in out and "ingest" not in out


@pytest.mark.workflow
def test_scans_profile_dry_run(tmp_path):
    # a fresh results folder: every scan point of the profile is planned
    out = _profile_dry_run("scans", "--config", f"results={tmp_path}")
    for rule in ("scan_train", "scan_generate", "scan_event_features", "scan_collect"):
        assert rule in out
    # one training job per point (every seed of the scan in it), one rule per scan
    cfg = load_config(ROOT / "config.yaml", ROOT / "profiles" / "scans" / "scans.yaml")
    counts = dict(line.split() for line in out.splitlines() if len(line.split()) == 2)
    for name, scan in cfg.scans.items():
        points = len(scan.values) * len(scan.processes)
        assert counts.get(f"scan_train_{name}") == (str(points) if scan.trains else None), name
