"""Shared fixtures: paths of the project and a minimal valid config."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
#: Names of temporary files and folders that no finished run may leave (symvae.io.atomic)
TEMPORARY = ("*.part*", ".*.tmp-*")
#: Real event files: the repository's own copies first, then the project's ../shared/data.
DATA_DIRS = (ROOT / "data", ROOT.parent / "shared" / "data")

# Snakemake imports every installed executor plugin when it starts, and the HTCondor bindings
# (the ``cluster`` extra) warn on import where no pool is configured. The test machine has no
# pool: an empty configuration keeps that warning out of the stderr that tests read, for every
# Snakemake started from here (``tests/test_htcondor.py`` sets the same for its own runs).
os.environ.setdefault("CONDOR_CONFIG", os.devnull)

# Tests run on every core at once (pytest-xdist, ``-n auto``): each worker computes on one
# thread, so workers do not oversubscribe the cores (torch and NumPy would each start one
# thread per core in every worker). The workflow's jobs set their own threads (config
# ``threads``); a test that needs more threads sets them itself.
if "PYTEST_XDIST_WORKER" in os.environ:
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")


def _modules_mentioning(pattern: str) -> frozenset[str]:
    return frozenset(
        f"tests/{path.name}"
        for path in Path(__file__).parent.glob("test_*.py")
        if re.search(pattern, path.read_text(encoding="utf-8"))
    )


#: Test modules that read the shared complete run (fixture ``tiny_workflow``, one per session).
SHARED_RUN_MODULES = _modules_mentioning(r"\btiny_workflow\b")
#: Test modules that run Snakemake end to end (marker ``workflow``): the long ones.
WORKFLOW_MODULES = _modules_mentioning(r"\bmark\.workflow\b")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """How pytest-xdist shares the tests among its workers: module by module (a module's
    fixtures are built once), and every module of :data:`SHARED_RUN_MODULES` on one worker,
    so that the shared complete run is made once. (``--dist loadgroup`` cannot do this with
    pytest 9: it renames test ids through an attribute pytest 9 no longer reads.)

    The longest work is handed out first (the shared run, then the other modules of
    :data:`WORKFLOW_MODULES`, then the rest, each by its number of tests), so that no worker
    starts a two-minute module while the other has nothing left to do."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedRunScheduling(LoadScopeScheduling):
        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "tiny_workflow" if module in SHARED_RUN_MODULES else module

        def _assign_work_unit(self, node: Any) -> None:
            if not self._ordered:  # the queue is complete before the first unit goes out
                units = sorted(
                    self.workqueue.items(),
                    key=lambda unit: (
                        unit[0] != "tiny_workflow",
                        unit[0] not in WORKFLOW_MODULES,
                        -len(unit[1]),
                    ),
                )
                self.workqueue.clear()
                self.workqueue.update(units)
                self._ordered = True
            super()._assign_work_unit(node)

    return SharedRunScheduling(config, log)


def data_file(name: str) -> Path:
    """A real event file by name (``data/`` of the repository, else ``../shared/data``);
    the calling test is skipped where neither holds it."""
    for folder in DATA_DIRS:
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"data file {name} not present (looked in {', '.join(map(str, DATA_DIRS))})")


#: Pythia settings of e+e- -> Z/gamma* -> mu+mu- at the Z pole, no ISR/FSR (an exact 2-body state).
EE_MUMU_SETTINGS = [
    "Beams:idA = 11",
    "Beams:idB = -11",
    "Beams:eCM = 91.1876",
    "PDF:lepton = off",
    "WeakSingleBoson:ffbar2gmZ = on",
    "23:onMode = off",
    "23:onIfAny = 13",
    "PartonLevel:ISR = off",
    "PartonLevel:FSR = off",
    "HadronLevel:all = off",
]


@pytest.fixture
def root() -> Path:
    return ROOT


def tiny_config(processes: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    """A small, fast, valid config (a ring and the linear Gaussian by default)."""
    cfg: dict[str, Any] = {
        "seeds": [0, 1],
        "threads": 1,
        "defaults": {
            "data": {"n_events": 1500, "validation_fraction": 0.2, "test_fraction": 0.3},
            "vae": {"epochs": 20, "patience": 5, "batch_size": 128, "latent_dim": 4},
            "relevance": {"n_latent_samples": 200},
            "local_dof": {"n_neighbors": 30, "max_points": 450},
        },
        "processes": processes
        or {
            "ring": {"generator": "ring", "dof": 1, "params": {"radius": 1.0, "width": 0.01}},
            "linear_gaussian": {
                "generator": "linear_gaussian",
                "dof": 2,
                "params": {"spectrum": [4.0, 1.0, 0.01, 0.01]},
                "vae": {"architecture": "linear", "sigma2": 0.1},
            },
        },
    }
    cfg.update(over)
    return copy.deepcopy(cfg)


@pytest.fixture
def tiny() -> dict[str, Any]:
    return tiny_config()


def snakemake(workdir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the workflow in ``workdir`` on its ``config.yaml`` (CPU only: the same seeds give
    the same bytes), capturing the output; never raises on failure."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(
        [
            *SNAKEMAKE,
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(workdir / "config.yaml"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def tiny_with_events() -> dict[str, Any]:
    """The tiny config plus a RAMBO process (generate, merge, features) and the CMS file
    of the repository's data/ (ingest)."""
    cfg = tiny_config()
    cfg["processes"]["rambo2"] = {
        "events": {"source": "rambo", "n_events": 1500, "chunks": 2, "params": {"n_particles": 2}},
        "features": {"objects": [{"index": 0}, {"index": 1}], "kinds": ["cartesian"]},
        "dof": 2,
    }
    cms = ROOT / "data" / "cms_zmumu_2304ev.root"
    cfg["processes"]["cms"] = {
        "events": {
            "source": "root",
            "path": str(cms),
            "tree": "events",
            "objects": [
                {"E": "E1", "px": "px1", "py": "py1", "pz": "pz1", "charge": "Q1"},
                {"E": "E2", "px": "px2", "py": "py2", "pz": "pz2", "charge": "Q2"},
            ],
        },
        "features": {"objects": [{"index": 0}, {"index": 1}], "kinds": ["cartesian"]},
        "dof": 4,
        "exact": False,
    }
    cfg["invariance"] = {
        "defaults": {"seeds": 4, "plain_seeds": 2, "n_val": 100, "n_boot": 10},
        "settings": {
            "t2": {
                "space": "torus", "d": 2, "group": "half_shifts", "cutoff": 6,
                "ns": [16, 32], "ns_plain": [32, 64, 128],
            },
            "s2": {"space": "sphere", "group": "z_rotations", "cutoff": 8, "ns": [16, 32]},
        },
    }  # fmt: skip
    cfg["scans"] = {
        "beta": {
            "parameter": "vae.beta", "values": [0.5, 2.0], "processes": ["linear_gaussian"],
            "seeds": [0],
        },
        "smear": {
            "parameter": "features.smearing", "values": [0.0, 0.05], "processes": ["rambo2"],
            "seeds": [0], "measure": "breaking",
        },
        "modulation": {
            "parameter": "params.modulation", "values": [0.0, 0.3], "processes": ["ring"],
            "measure": "symmetry", "symmetry": "rotation",
        },
    }  # fmt: skip
    return cfg


def run_tiny_workflow(workdir: Path) -> Path:
    """Run the whole workflow on :func:`tiny_with_events` in ``workdir`` (2 cores, CPU);
    the ``results`` folder. Fails the calling test if Snakemake fails."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(tiny_with_events(), sort_keys=False))
    proc = snakemake(workdir, "--cores", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir / "results"


@pytest.fixture(scope="session")
def tiny_workflow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of one complete run of :func:`tiny_with_events` (shared by the tests that
    only read it: the end-to-end checks and the reproducibility comparison)."""
    workdir = tmp_path_factory.mktemp("tiny_workflow")
    run_tiny_workflow(workdir)
    return workdir
