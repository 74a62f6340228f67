"""The workflow on a real (single-node) SLURM cluster gives the numbers of a local run.

``tests/slurm/cluster.sh`` installs SLURM from Debian's packages if needed and starts munged,
slurmctld and slurmd by hand; the tiny workflow then runs through
``snakemake --profile profiles/slurm`` (the executor plugin submits every job with sbatch)
and its ``summary.h5`` is compared number by number with a local run. The daemons are stopped
by their PID files whatever happens. The test is skipped, with the reason, only where the
machine cannot run the daemons (not root, no packages and no apt, a real cluster's config).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml
from conftest import ROOT, tiny_config

CLUSTER = ROOT / "tests" / "slurm" / "cluster.sh"


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running single-node cluster: the environment to reach it."""
    state = tmp_path_factory.mktemp("slurm")
    start = subprocess.run(
        ["bash", str(CLUSTER), "start", str(state)], capture_output=True, text=True, timeout=600
    )
    try:
        if start.returncode == 77:
            pytest.skip(start.stderr.strip())
        assert start.returncode == 0, start.stdout + start.stderr
        yield {**os.environ, "SLURM_CONF": str(state / "slurm.conf")}
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(state)], timeout=120, check=False)


def _command(workdir: Path, *args: str) -> list[str]:
    return [
        "timeout", "-k", "10", "420", sys.executable, "-m", "snakemake",
        "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"), *args,
    ]  # fmt: skip


def _run(workdir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(workdir, *args), capture_output=True, text=True, env=env, check=False
    )


def _numbers(path: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    with h5py.File(path) as f:
        f.visititems(
            lambda name, obj: (
                out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
            )
        )
        for process in f.attrs["processes"]:
            for key in ("dof_measured", "n_relevant", "local_dof_twonn_median"):
                out[f"{process}/@{key}"] = np.asarray(f[process].attrs[key])
    return out


@pytest.mark.workflow
def test_workflow_on_slurm_equals_local_run(slurm, tmp_path):
    cfg = yaml.safe_dump(tiny_config())
    cluster, local = tmp_path / "cluster", tmp_path / "local"
    for folder in (cluster, local):
        folder.mkdir()
        (folder / "config.yaml").write_text(cfg)

    # The run up to summary.h5 (every step that computes a number; the plots and the report
    # only draw them). The local run goes on beside the cluster run, which mostly waits for
    # the executor's status checks.
    target = "results/summary.h5"
    here = subprocess.Popen(
        _command(local, "--cores", "1", target),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        on_slurm = _run(
            cluster, slurm, "--profile", str(ROOT / "profiles" / "slurm"),
            "--jobs", "4", target, "--latency-wait", "5", "--slurm-status-command", "squeue",
            "--slurm-init-seconds-before-status-checks", "1",
            "--default-resources", "slurm_partition=main", "mem_mb=1000", "runtime=30",
            # the test node has 2 CPUs: one group per process trains its two seeds side by side
            "--group-components", "vae=1",
            "--set-resources", "train:mem_mb=1000", "evaluate:mem_mb=1000",
        )  # fmt: skip
    finally:
        local_output, _ = here.communicate(timeout=420)
    assert on_slurm.returncode == 0, on_slurm.stderr[-4000:]
    submitted = on_slurm.stderr.count("submitted with SLURM jobid")
    # generate of each process and one group per process went through sbatch; collect and
    # summarize (local rules) ran where Snakemake runs
    assert submitted == 4, on_slurm.stderr[-4000:]
    assert "localrule summarize" in on_slurm.stderr
    assert "group" in on_slurm.stderr  # train and evaluate were submitted as groups

    assert here.returncode == 0, local_output[-4000:]
    a, b = _numbers(cluster / target), _numbers(local / target)
    assert a.keys() == b.keys() and len(a) > 10
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
