"""profiles/htcondor: the plan it makes and the submit descriptions the plugin writes from it.

No HTCondor pool is needed. The dry run plans the tiny workflow through the profile. The
submission test runs the real snakemake-executor-plugin-htcondor through
``tests/htcondor/fake_pool.py``, which replaces only the bindings' Submit/Schedd/JobEventLog:
the plugin builds every submit description from the jobs' threads and the profile's
resources, the descriptions are parsed by HTCondor's own ``htcondor2.Submit`` and recorded,
the generate jobs are run here from their description's executable and arguments (as an
execution point on a shared file system would run them) and the vae groups (train, then
evaluate) are reported removed, so no VAE is trained.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, snakemake, tiny_config

PROFILE = ROOT / "profiles" / "htcondor"
FAKE_POOL = ROOT / "tests" / "htcondor" / "fake_pool.py"
#: more than one thread, so that request_cpus shows where it comes from
THREADS = 3


def profile() -> dict:
    return yaml.safe_load((PROFILE / "config.yaml").read_text())


def resources(rule: str | None) -> dict:
    """The profile's resources of a rule (None: the defaults), defaults filled in."""
    prof = profile()
    return {**prof["default-resources"], **(prof["set-resources"].get(rule, {}) if rule else {})}


def condor_mb(mb: int) -> str:
    """request_memory as the plugin writes htcondor_request_mem_mb (MB, whole GB as GB)."""
    return f"{mb // 1024}GB" if mb % 1024 == 0 else f"{mb}MB"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config(threads=THREADS)))
    return tmp_path


def test_profile_sets_only_resources_the_plugin_reads(monkeypatch):
    """A resource the plugin does not know (mem_mb, runtime, a typo) would be silently left
    out of the submit description."""
    monkeypatch.setenv("CONDOR_CONFIG", os.devnull)  # the bindings need no pool configuration
    from snakemake_executor_plugin_htcondor import Executor

    source = inspect.getsource(Executor)
    known = set(re.findall(r'resources\.get\(\s*"(\w+)"', source))
    known |= set(re.findall(r'_set_resources\(\s*submit_dict,\s*job,\s*"(\w+)"', source))
    for listed in re.findall(r"for key in \[([^\]]*)\]", source):
        known |= set(re.findall(r'"(\w+)"', listed))
    assert {"request_memory", "request_gpus", "getenv", "htcondor_request_mem_mb"} <= known

    prof = profile()
    used = set(prof["default-resources"])
    for rule_resources in prof["set-resources"].values():
        used |= set(rule_resources)
    unknown = {
        name for name in used - known if not name.startswith(("classad_", "htcondor_submit_"))
    }
    assert not unknown, f"resources the plugin ignores: {sorted(unknown)}"
    assert prof["executor"] == "htcondor"
    assert {"train=vae", "evaluate=vae"} <= set(prof["groups"])


def test_dry_run_plans_every_job(workdir: Path):
    proc = snakemake(workdir, "--profile", str(PROFILE), "-n", timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert f"Using profile {PROFILE}" in out  # the profile, not only the defaults

    table = out[out.index("Job stats:") :]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.MULTILINE))
    n_processes = len(tiny_config()["processes"])
    assert counts["train"] == counts["evaluate"] == str(n_processes), counts
    assert counts["generate"] == str(n_processes) and counts["report"] == "1", counts
    # train and evaluate of one process form one job (the vae group)
    assert out.count("Group job vae") == n_processes, out[-3000:]
    train = resources("train")
    train_blocks = re.findall(r"rule train:\n(.*?)\n\s*resources: ([^\n]*)", out, flags=re.DOTALL)
    assert len(train_blocks) == n_processes
    for _, line in train_blocks:
        assert f"htcondor_request_mem_mb={train['htcondor_request_mem_mb']}" in line, line
        assert f"request_gpus={train['request_gpus']}" in line, line


@pytest.fixture
def submitted(workdir: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """The tiny workflow through the profile on the pretend pool: Snakemake's result and
    every recorded submit description."""
    record = workdir / "submits.jsonl"
    env = {
        **os.environ,
        "SYMVAE_FAKE_CONDOR_RECORD": str(record),
        "SYMVAE_FAKE_CONDOR_RUN": "generate",
        "CONDOR_CONFIG": os.devnull,  # the bindings need no pool configuration
        "CUDA_VISIBLE_DEVICES": "",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable, str(FAKE_POOL),
        "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"), "--profile", str(PROFILE),
        "--seconds-between-status-checks", "1",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, check=False)
    entries = (
        [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    )
    return proc, entries


def test_submit_descriptions_carry_the_profile(submitted, workdir: Path):
    proc, entries = submitted
    log = proc.stdout + proc.stderr
    processes = list(tiny_config()["processes"])
    by_rule: dict[str, list[dict]] = {}
    for entry in entries:
        rule = Path(entry["plugin"]["output"]).parent.name  # jobdir/<rule or group>/
        by_rule.setdefault(rule, []).append(entry)
    assert set(by_rule) == {"generate", "vae_evaluate_train"}, (sorted(by_rule), log[-3000:])

    # The generate jobs ran from their submit descriptions and made their outputs; the vae
    # groups were removed from the pretend queue, so the workflow stops there.
    assert log.count("was successful") == len(processes), log[-3000:]
    for process in processes:
        assert (workdir / "results" / process / "features.h5").is_file()
    assert proc.returncode != 0 and log.count("Error in group vae") == len(processes), log[-3000:]

    # One job per process: its train and evaluate jobs, with train's requests.
    groups = by_rule["vae_evaluate_train"]
    assert len(groups) == len(processes)
    train, evaluate = resources("train"), resources("evaluate")
    for entry in groups:
        parsed = entry["parsed"]
        assert any(
            f"train:process={p}" in parsed["arguments"]
            and f"evaluate:process={p}" in parsed["arguments"]
            for p in processes
        ), parsed["arguments"]
        memory = max(train["htcondor_request_mem_mb"], evaluate["htcondor_request_mem_mb"])
        assert parsed["request_memory"] == condor_mb(memory)
        assert parsed["request_cpus"] == str(THREADS)  # the config's threads
        assert parsed["request_gpus"] == str(train["request_gpus"])
        assert parsed["MY.MaxRuntime"] == str(
            max(train["classad_MaxRuntime"], evaluate["classad_MaxRuntime"])
        )
        assert parsed["getenv"] == train["getenv"]
        assert "should_transfer_files" not in parsed  # shared file system: nothing moved
        assert f"request_gpus = {train['request_gpus']}" in entry["text"]

    # Another rule: the profile's defaults, one CPU, no GPU.
    default = resources(None)
    assert condor_mb(default["htcondor_request_mem_mb"]) != condor_mb(
        train["htcondor_request_mem_mb"]
    )
    assert default["classad_MaxRuntime"] != train["classad_MaxRuntime"]
    assert len(by_rule["generate"]) == len(processes)
    for entry in by_rule["generate"]:
        parsed = entry["parsed"]
        assert parsed["request_memory"] == condor_mb(default["htcondor_request_mem_mb"])
        assert parsed["MY.MaxRuntime"] == str(default["classad_MaxRuntime"])
        assert parsed["request_cpus"] == "1"
        assert "request_gpus" not in parsed
