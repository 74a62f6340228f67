"""Tests of :mod:`symvae.report` on small synthetic files that follow ``docs/outputs.md``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from symvae.errors import DataError
from symvae.report import build_report

SEEDS = [0, 1, 2]
THRESHOLD = 0.05
SCAN = np.array([0.01, 0.02, 0.05, 0.1, 0.2])
STR = h5py.string_dtype()


def _strs(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=STR)


def _process_spec() -> dict[str, dict]:
    """Four processes: linear model with theory, MLP with theory (R=1), ring (R=2), R=0."""
    return {
        "linear_gaussian": {
            "generator": "linear_gaussian",
            "dof": 2,
            "L": 4,
            "R": 2,
            "features": ["x1", "x2", "x3"],
            "units": ["GeV", "GeV", "GeV"],
            "truth": ["s1", "s2"],
            "theory": True,
            "architecture": "linear",
            "description": "Gaussian data on a rotated 2-D plane in 3-D",
            "note": "",
        },
        "linear_gaussian_mlp": {
            "generator": "linear_gaussian",
            "dof": 1,
            "L": 4,
            "R": 1,
            "features": ["x1", "x2", "x3"],
            "units": ["GeV", "GeV", "GeV"],
            "truth": ["s1"],
            "theory": True,
            "architecture": "mlp",
            "description": "the same kind of data, fitted with the default MLP",
            "note": "",
        },
        "ring": {
            "generator": "ring",
            "dof": 1,
            "L": 6,
            "R": 2,
            "features": ["x", "y"],
            "units": ["m", "m"],
            "truth": ["phi"],
            "theory": False,
            "architecture": "mlp",
            "description": "points on a circle of radius 1 with small radial noise",
            "note": (
                "A circle is a closed 1-D manifold: it cannot be embedded in a line, so the "
                "VAE needs two latent directions although the local dof is 1."
            ),
        },
        "noise_only": {
            "generator": "disk",
            "dof": 2,
            "L": 5,
            "R": 0,
            "features": ["a", "b", "c"],
            "units": ["1", "1", "1"],
            "truth": [],
            "theory": False,
            "architecture": "mlp",
            "description": "a degenerate case in which every direction collapsed",
            "note": "posterior collapse: no direction is relevant",
        },
    }


def _synthetic(spec: dict, rng: np.random.Generator) -> dict:
    """Arrays of one process, shared by its relevance.h5 and its summary group."""
    n_seeds, n_lat, n_rel = len(SEEDS), spec["L"], spec["R"]
    rel = np.full((n_seeds, n_lat), 1e-3) + rng.uniform(0, 1e-3, (n_seeds, n_lat))
    rel[:, :n_rel] = np.linspace(0.9, 0.6, max(n_rel, 1))[:n_rel] + rng.uniform(
        -0.02, 0.02, (n_seeds, n_rel)
    )
    extra = {}
    if spec["theory"]:
        lam = np.array([2.0, 0.8, 0.2])[: len(spec["features"])]
        bs2 = 0.3 if n_rel == 2 else 1.0
        th = np.pad(np.where(lam > bs2, 1 - bs2 / lam, 0.0), (0, n_lat - lam.size))
        rel = th + rng.uniform(0.0, 0.02, (n_seeds, n_lat))
        extra = {
            "theory": th,
            "eigenvalues": lam,
            "beta_sigma2": bs2,
            "angles": rng.uniform(0.1, 2.0, (n_seeds, int(np.sum(lam > bs2)))),
            "max_abs_deviation": np.max(np.abs(-np.sort(-rel, axis=1) - th), axis=1),
        }
    rel = -np.sort(-rel, axis=1)
    counts = np.array([[int(np.sum(r > t)) for t in SCAN] for r in rel])
    return {
        "relevance": rel,
        "posterior_width": np.clip(rel + 0.02, 0, 1),
        "kl": rel * 2.0,
        "n_relevant": (rel > THRESHOLD).sum(axis=1),
        "local_dof": np.full(n_seeds, spec["dof"] if n_rel else 0),
        "local_dof_twonn": spec["dof"] + rng.normal(0, 0.05, n_seeds),
        "scan": counts,
        **extra,
    }


def _write_relevance(path: Path, name: str, spec: dict, arrays: dict, rng) -> None:
    n_lat, n_rel = spec["L"], spec["R"]
    n_feat, n_t, n_m, n_ep = len(spec["features"]), 11, 300, 12
    with h5py.File(path, "w") as f:
        f.attrs["process"] = name
        f.attrs["generator"] = spec["generator"]
        f.attrs["dof_expected"] = spec["dof"]
        f.attrs["measure"] = "activity"
        f.attrs["threshold"] = THRESHOLD
        f.attrs["latent_dim"] = n_lat
        f.attrs["seeds"] = np.array(SEEDS)
        f.attrs["feature_names"] = _strs(spec["features"])
        f.attrs["feature_units"] = _strs(spec["units"])
        f.attrs["truth_names"] = _strs(spec["truth"])
        f.attrs["config_json"] = json.dumps({"vae": {"architecture": spec["architecture"]}})
        f.attrs["provenance_json"] = json.dumps({"symvae": "test"})
        f["relevance"] = arrays["relevance"]
        f["posterior_width"] = arrays["posterior_width"]
        f["kl"] = arrays["kl"]
        f["n_relevant"] = arrays["n_relevant"]
        f["local_dof"] = arrays["local_dof"]
        f["local_dof_twonn"] = arrays["local_dof_twonn"]
        f["threshold_scan/thresholds"] = SCAN
        f["threshold_scan/n_relevant"] = arrays["scan"]
        for s, seed in enumerate(SEEDS):
            g = f.create_group(f"seed{seed}")
            order = rng.permutation(n_lat)
            activity = np.empty(n_lat)
            activity[order] = arrays["relevance"][s]
            g["activity"] = activity
            g["posterior_width"] = activity + 0.01
            g["kl"] = activity * 2
            g["order"] = order
            g["relevant"] = activity > THRESHOLD
            truth = rng.uniform(-np.pi, np.pi, n_m)
            mu = rng.normal(0, 0.03, (n_m, n_lat))
            if n_rel >= 1:
                mu[:, order[0]] = np.cos(truth)
            if n_rel >= 2:
                mu[:, order[1]] = np.sin(truth)
            g["latent/mu"] = mu
            for k, var in enumerate(spec["truth"]):
                g[f"latent/truth/{var}"] = truth + k
            z = np.linspace(-2.5, 2.5, n_t)
            decoded = (
                np.stack(
                    [
                        np.stack([np.cos(z + r) * (k + 1) for k in range(n_feat)], axis=-1)
                        for r in range(n_rel)
                    ]
                )
                if n_rel
                else np.zeros((0, n_t, n_feat))
            )
            g["traversal/z"] = z
            g["traversal/decoded"] = decoded
            g["traversal/directions"] = np.asarray(order[:n_rel], dtype=np.int64)
            epochs = np.arange(1, n_ep + 1)
            g["history/epoch"] = epochs
            for key in ("train_loss", "val_loss", "train_recon", "train_kl", "val_recon", "val_kl"):
                g[f"history/{key}"] = 5.0 / epochs + rng.uniform(0, 0.1, n_ep)
            g.attrs["seed"] = seed
            g.attrs["n_relevant"] = int(arrays["n_relevant"][s])
            g.attrs["local_dof"] = int(arrays["local_dof"][s])
            g.attrs["local_dof_twonn"] = float(arrays["local_dof_twonn"][s])
            g.attrs["best_epoch"] = n_ep - 2
            g.attrs["epochs_run"] = n_ep
            g.attrs["train_seconds"] = 12.5
        if spec["theory"]:
            t = f.create_group("theory")
            t["eigenvalues"] = arrays["eigenvalues"]
            t["relevance"] = arrays["theory"]
            t["principal_angles_deg"] = arrays["angles"]
            t.attrs["beta"] = 1.0
            t.attrs["sigma2"] = arrays["beta_sigma2"]
            t.attrs["n_relevant"] = arrays["angles"].shape[1]


def _write_summary(path: Path, specs: dict, all_arrays: dict) -> None:
    with h5py.File(path, "w") as f:
        f.attrs["processes"] = _strs(list(specs))
        f.attrs["seeds"] = np.array(SEEDS)
        f.attrs["threshold"] = THRESHOLD
        f.attrs["config_json"] = json.dumps(
            {"seeds": SEEDS, "defaults": {"vae": {"architecture": "mlp"}}, "processes": {}}
        )
        f.attrs["provenance_json"] = json.dumps({"symvae": "test"})
        for name, spec in specs.items():
            a = all_arrays[name]
            g = f.create_group(name)
            g.attrs["dof_expected"] = spec["dof"]
            g.attrs["dof_measured"] = int(np.median(a["local_dof"]))
            g.attrs["n_relevant"] = int(np.median(a["n_relevant"]))
            g.attrs["n_relevant_min"] = int(a["n_relevant"].min())
            g.attrs["n_relevant_max"] = int(a["n_relevant"].max())
            g.attrs["local_dof_twonn_median"] = float(np.median(a["local_dof_twonn"]))
            g.attrs["threshold"] = THRESHOLD
            g.attrs["generator"] = spec["generator"]
            g.attrs["description"] = spec["description"]
            g.attrs["count_note"] = spec["note"]
            for key in (
                "relevance",
                "posterior_width",
                "kl",
                "n_relevant",
                "local_dof",
                "local_dof_twonn",
            ):
                g[key] = a[key]
            g["seeds"] = np.array(SEEDS)
            g["threshold_scan/thresholds"] = SCAN
            g["threshold_scan/n_relevant"] = a["scan"]
            if spec["theory"]:
                g["relevance_theory"] = np.tile(a["theory"], (len(SEEDS), 1))
                g["eigenvalues"] = a["eigenvalues"]
                g["principal_angles_deg"] = a["angles"]
                g["max_abs_deviation"] = a["max_abs_deviation"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("results")
    rng = np.random.default_rng(1234)
    specs = _process_spec()
    arrays = {name: _synthetic(spec, rng) for name, spec in specs.items()}
    paths = {}
    for name, spec in specs.items():
        (root / name).mkdir()
        paths[name] = root / name / "relevance.h5"
        _write_relevance(paths[name], name, spec, arrays[name], rng)
    summary = root / "summary.h5"
    _write_summary(summary, specs, arrays)
    return summary, paths


def _n_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_report_pages_and_determinism(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    out1 = tmp_path / "a" / "report.pdf"
    out2 = tmp_path / "b" / "report.pdf"
    build_report(summary, paths, out1)
    build_report(str(summary), {k: str(v) for k, v in paths.items()}, out2)
    data = out1.read_bytes()
    assert data.startswith(b"%PDF")
    # title + summary + 2 theory pages + 2 pages for each of 4 processes
    assert _n_pages(data) == 1 + 1 + 2 + 2 * 4
    assert data == out2.read_bytes()
    assert sorted(p.name for p in out1.parent.iterdir()) == ["report.pdf"]
    assert sorted(p.name for p in out2.parent.iterdir()) == ["report.pdf"]


def test_missing_relevance_file_leaves_nothing(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    broken = dict(paths)
    missing = tmp_path / "ring" / "relevance.h5"
    broken["ring"] = missing
    out = tmp_path / "report.pdf"
    with pytest.raises(DataError, match=re.escape(str(missing))):
        build_report(summary, broken, out)
    assert list(tmp_path.iterdir()) == []


def test_process_without_relevance_path_is_an_error(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    partial = {k: v for k, v in paths.items() if k != "noise_only"}
    out = tmp_path / "report.pdf"
    with pytest.raises(DataError, match="noise_only"):
        build_report(summary, partial, out)
    assert not out.exists()


def test_error_while_rendering_removes_temporary_file(
    inputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import symvae.report as report

    def boom(*args, **kwargs):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(report, "_process_latent_page", boom)
    summary, paths = inputs
    out = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError, match="rendering failed"):
        build_report(summary, paths, out)
    assert list(tmp_path.iterdir()) == []
