"""The pipeline steps by hand (as in a notebook), and the documented HDF5 schema."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import tiny_config

from symvae import stages
from symvae.config import load_config
from symvae.errors import DataError
from symvae.outputs.evaluation import Evaluation
from symvae.outputs.features import FeaturesLayout, read_features
from symvae.outputs.layout import read_file, undeclared, write_file
from symvae.outputs.relevance import Relevance
from symvae.outputs.summary import Summary


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """Both tiny processes, two seeds, every step: the files of a small run."""
    out = tmp_path_factory.mktemp("results")
    cfg = load_config(tiny_config())
    files = {}
    for name, spec in cfg.processes.items():
        feats = stages.make_features(spec, out / name / "features.h5")
        evals = {}
        seeds = list(cfg.seeds)
        paths = [out / name / f"seed{seed}" / "model.pt" for seed in seeds]
        models = stages.train(spec, feats, seeds, paths, progress=False)
        for seed, model in zip(seeds, models, strict=True):
            evals[seed] = stages.evaluate(
                spec, feats, model, out / name / f"seed{seed}" / "evaluation.h5"
            )
        files[name] = stages.collect(spec, evals, out / name / "relevance.h5", features=feats)
    summary = stages.summarize(files, out / "summary.h5", {"seeds": list(cfg.seeds)})
    return {"cfg": cfg, "out": out, "relevance": files, "summary": summary}


def test_features_file_is_self_describing(run):
    ff = read_features(run["out"] / "ring" / "features.h5")
    assert ff.dataset.feature_names == ("x", "y")
    assert ff.dataset.n_events == 1500
    assert np.bincount(ff.split).tolist() == [750, 300, 450]
    assert {"theta", "r"} <= set(ff.dataset.truth)
    with h5py.File(run["out"] / "ring" / "features.h5") as f:
        assert f.attrs["process"] == "ring" and f.attrs["dof_expected"] == 1
        assert "provenance_json" in f.attrs and "params_json" in f.attrs


def test_summary_schema(run):
    cfg = run["cfg"]
    seeds, latent = len(cfg.seeds), 4
    with h5py.File(run["summary"]) as s:
        assert [str(p) for p in s.attrs["processes"]] == ["ring", "linear_gaussian"]
        for name in ("ring", "linear_gaussian"):
            g = s[name]
            for key in (
                "dof_expected",
                "dof_measured",
                "n_relevant",
                "n_relevant_min",
                "n_relevant_max",
            ):
                assert isinstance(g.attrs[key], np.integer), key
            assert g.attrs["dof_expected"] == cfg.process(name).dof
            rel = g["relevance"][()]
            assert rel.shape == (seeds, latent)
            assert (np.diff(rel, axis=1) <= 0).all(), "rows sorted in descending order"
            for key in ("posterior_width", "kl"):
                assert g[key].shape == (seeds, latent)
            for key in ("n_relevant", "local_dof", "local_dof_twonn", "seeds"):
                assert g[key].shape == (seeds,)
            assert g.attrs["n_relevant"] == int(np.median(g["n_relevant"][()]))
            t = g["threshold_scan/thresholds"][()]
            assert g["threshold_scan/n_relevant"].shape == (seeds, len(t))
        lg = s["linear_gaussian"]
        assert lg["relevance_theory"].shape == (seeds, latent)
        assert lg["max_abs_deviation"].shape == (seeds,)
        assert "relevance_theory" not in s["ring"]


def test_relevance_file_per_seed_groups(run):
    with h5py.File(run["relevance"]["linear_gaussian"]) as f:
        assert f.attrs["seeds"].tolist() == [0, 1]
        for seed in (0, 1):
            g = f[f"seed{seed}"]
            n_rel = int(g.attrs["n_relevant"])
            assert g["relevance"].shape == (4,) and g["relevant"][()].sum() == n_rel
            assert g["traversal/decoded"].shape == (n_rel, 41, 4)
            assert g["latent/mu"].shape == (200, 4)
            assert set(g["history"]) >= {"epoch", "train_loss", "val_loss"}
            assert g["theory/principal_angles_deg"].ndim == 1
        np.testing.assert_allclose(f["relevance"][0], np.sort(f["seed0/relevance"][()])[::-1])


def test_every_output_is_declared_by_its_layout_and_reads_back(run, tmp_path):
    """The run's files hold exactly what their layouts declare, and each one written back
    from what its reader returns gives the same items."""
    out = run["out"]
    files = {FeaturesLayout: sorted(out.glob("*/features.h5")),
             Evaluation: sorted(out.glob("*/seed*/evaluation.h5")),
             Relevance: sorted(out.glob("*/relevance.h5")), Summary: [out / "summary.h5"]}  # fmt: skip
    for layout, paths in files.items():
        assert paths, layout.FILE
        for path in paths:
            with h5py.File(path) as f:
                assert undeclared(f, layout) == [], path
            again = write_file(tmp_path / layout.FILE, read_file(path, layout))
            with h5py.File(path) as a, h5py.File(again) as b:
                names_a, names_b = [], []
                a.visit(names_a.append)
                b.visit(names_b.append)
                assert sorted(names_a) == sorted(names_b), path
                for name in names_a:
                    if isinstance(a[name], h5py.Dataset):
                        np.testing.assert_array_equal(a[name][()], b[name][()])
                    assert sorted(a[name].attrs) == sorted(b[name].attrs), (path, name)


def test_missing_inputs_name_the_file_and_leave_nothing(run, tmp_path):
    spec = run["cfg"].process("ring")
    with pytest.raises(DataError, match=r"nope.h5: file not found"):
        stages.train(spec, tmp_path / "nope.h5", 0, tmp_path / "m.pt", progress=False)
    with pytest.raises(DataError, match=r"nope.h5: file not found"):
        stages.collect(spec, {0: tmp_path / "nope.h5"}, tmp_path / "relevance.h5")
    assert not list(tmp_path.iterdir())
    corrupt = tmp_path / "corrupt.h5"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    with pytest.raises(DataError, match=r"corrupt.h5: not a readable HDF5 file"):
        stages.evaluate(spec, corrupt, tmp_path / "m.pt", tmp_path / "e.h5")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.h5"]


def test_failed_write_keeps_the_previous_file(run, tmp_path):
    """An error while writing leaves an existing output untouched and no temporary file."""
    target = tmp_path / "summary.h5"
    stages.summarize(run["relevance"], target)
    before = Path(target).read_bytes()
    with pytest.raises(DataError):
        stages.summarize({**run["relevance"], "ghost": tmp_path / "ghost.h5"}, target)
    assert Path(target).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.h5"]


def test_summary_is_deterministic(run, tmp_path):
    a = stages.summarize(run["relevance"], tmp_path / "a.h5")
    b = stages.summarize(run["relevance"], tmp_path / "b.h5")
    assert Path(a).read_bytes() == Path(b).read_bytes()


def test_truth_variables_keep_their_order(run):
    """The first generating variable (what plots colour by) stays first on disk."""
    ff = read_features(run["out"] / "ring" / "features.h5")
    assert list(ff.dataset.truth) == ["theta", "r"]
    with h5py.File(run["relevance"]["ring"]) as f:
        assert [str(s) for s in f.attrs["truth_names"]] == ["theta", "r"]
        assert list(f["seed0/latent/truth"]) == ["theta", "r"]
