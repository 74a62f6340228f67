"""Restart safety: a training job killed with SIGKILL resumes from its checkpoint and ends with
the same weights, history and relevances as an uninterrupted run."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT, tiny_config

from symvae.config import load_config
from symvae.outputs.model import load_model
from symvae.stages import evaluate, make_features
from symvae.vae import train_vae
from symvae.vae.checkpoint import fingerprint, load_checkpoint


def _config(tmp_path: Path) -> tuple[Path, dict]:
    cfg = tiny_config()
    cfg["defaults"]["data"]["n_events"] = 3000
    # many epochs and no early stop: the run lasts long enough to be killed in the middle
    cfg["defaults"]["vae"].update(epochs=300, patience=300)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path, cfg


def _train_cmd(config: Path, features: Path, out: Path) -> list[str]:
    return [
        sys.executable, str(ROOT / "scripts" / "train.py"), "--config", str(config),
        "--process", "ring", "--seed", "0", "--features", str(features), "--out", str(out),
        "--no-progress", "--checkpoint-every", "0",
    ]  # fmt: skip


def _epoch(ckpt: Path) -> int:
    try:
        return int(torch.load(ckpt, map_location="cpu", weights_only=True)["epoch"])
    except (FileNotFoundError, RuntimeError, EOFError):
        return 0


@pytest.mark.workflow
def test_sigkill_and_resume_gives_the_uninterrupted_result(tmp_path):
    config, cfg = _config(tmp_path)
    spec = load_config(cfg).process("ring")
    features = make_features(spec, tmp_path / "features.h5")

    straight = tmp_path / "straight" / "model.pt"
    subprocess.run(_train_cmd(config, features, straight), check=True, capture_output=True)
    assert not Path(str(straight) + ".ckpt").exists()  # removed when done

    killed = tmp_path / "killed" / "model.pt"
    ckpt = Path(str(killed) + ".ckpt")
    proc = subprocess.Popen(_train_cmd(config, features, killed), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _epoch(ckpt) < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stopped_at = _epoch(ckpt)
    assert proc.returncode == -signal.SIGKILL and not killed.exists()
    assert 20 <= stopped_at < 300, stopped_at  # killed in the middle, not after the end

    subprocess.run(_train_cmd(config, features, killed), check=True, capture_output=True)
    a, b = load_model(straight), load_model(killed)
    for name, tensor in a.model.state_dict().items():
        assert torch.equal(tensor, b.model.state_dict()[name]), name
    assert a.history == b.history and a.best_epoch == b.best_epoch
    assert a.resumed_from == 0 and b.resumed_from >= stopped_at  # it did resume
    assert not ckpt.exists()

    for model in (straight, killed):
        evaluate(spec, features, model, model.with_name("evaluation.h5"))
    with (
        h5py.File(straight.with_name("evaluation.h5")) as fa,
        h5py.File(killed.with_name("evaluation.h5")) as fb,
    ):
        for key in ("relevance", "posterior_width", "kl", "latent/mu"):
            np.testing.assert_array_equal(fa[key][()], fb[key][()])


def test_checkpoint_of_another_config_is_ignored(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 3))
    cfg = load_config(tiny_config()).process("ring").vae
    ckpt = tmp_path / "run.ckpt"
    first = train_vae(x[:300], x[300:], cfg, 0, progress=False, checkpoint=ckpt, checkpoint_every=0)
    assert first.resumed_from == 0
    assert load_checkpoint(ckpt, fingerprint(cfg, 0, x[:300], x[300:])) is not None
    with pytest.warns(UserWarning, match="another config"):
        other = train_vae(
            x[:300], x[300:], cfg, 1, progress=False, checkpoint=ckpt, checkpoint_every=0
        )
    fresh = train_vae(x[:300], x[300:], cfg, 1, progress=False)
    for name, tensor in fresh.model.state_dict().items():
        assert torch.equal(tensor, other.model.state_dict()[name])
    # a finished run's checkpoint resumes to the same result without training again
    again = train_vae(x[:300], x[300:], cfg, 1, progress=False, checkpoint=ckpt)
    assert again.history == other.history and again.resumed_from == len(other.history["epoch"])
    assert other.resumed_from == 0
    assert first.history != other.history
    ckpt.write_bytes(b"torn")
    with pytest.warns(UserWarning, match="unreadable"):
        train_vae(x[:300], x[300:], cfg, 1, progress=False, checkpoint=ckpt)


@pytest.mark.workflow
def test_killed_workflow_finishes_with_rerun_incomplete_and_keeps_finished_files(tmp_path):
    """SIGKILL the whole Snakemake run mid-way; ``--rerun-incomplete`` completes it without
    recomputing any output that was complete before the kill."""
    cfg = tiny_config()
    cfg["defaults"]["vae"].update(epochs=150, patience=150)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    cmd = [
        sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"),
        "--cores", "2",
    ]  # fmt: skip
    results = tmp_path / "results"
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    # one training job (every seed of a process) has finished: its benchmark file is written
    # when its script ends; then give Snakemake a moment to register the job as complete
    while time.monotonic() < deadline and proc.poll() is None:
        if list((results / "benchmarks" / "train").glob("*.tsv")):
            time.sleep(1.0)
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and every job it started
    proc.wait()
    assert not (results / "summary.h5").exists(), "the run ended before the kill"
    # outputs of jobs that were running at the kill are incomplete (Snakemake's markers hold
    # their paths, base64-encoded), even when the file itself had been renamed into place
    markers = (tmp_path / ".snakemake" / "incomplete").glob("*")
    incomplete = {tmp_path / base64.urlsafe_b64decode(m.name).decode() for m in markers}
    outputs = [*results.glob("*/seed*/model.pt"), *results.glob("*/features.h5")]
    finished = {p: p.stat().st_mtime_ns for p in outputs if p not in incomplete}
    assert any(p.name == "model.pt" for p in finished), (outputs, incomplete)

    # a killed Snakemake leaves its lock: the recipe is --unlock, then --rerun-incomplete
    subprocess.run([*cmd, "--unlock"], check=True, capture_output=True, timeout=120)
    rerun = subprocess.run(
        [*cmd, "--rerun-incomplete"], capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert (results / "summary.h5").exists() and (results / "report.pdf").exists()
    for path, mtime in finished.items():
        assert path.stat().st_mtime_ns == mtime, f"{path} was recomputed"
    assert not list(results.rglob("*.part")) and not list(results.rglob("*.ckpt"))
