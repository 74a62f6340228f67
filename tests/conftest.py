"""Shared fixtures: paths of the project and a minimal valid config."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real event files: the repository's own copies first, then the project's ../shared/data.
DATA_DIRS = (ROOT / "data", ROOT.parent / "shared" / "data")


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
