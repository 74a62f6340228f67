"""Scans: settings, plateau finder, smearing, the ring's modulation and the symmetry test."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import tiny_config

from symvae.config import load_config
from symvae.datasets.planar import ring
from symvae.errors import ConfigError
from symvae.events.smearing import smear_momenta
from symvae.outputs.evaluation import Evaluation, Latent, ThresholdScan, Traversal
from symvae.scans.measures import plateau, symmetry_pvalues
from symvae.stages import collect_scan

# ---- plateau ---------------------------------------------------------------------------------


def test_plateau_finds_the_widest_run():
    values = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16]
    measured = [3, 2, 2, 3, 2, 2, 2, 1]
    p = plateau(values, measured, 2)
    assert p.indices == (4, 5, 6) and p.lo == 2 and p.hi == 8 and p.factor == 4
    assert p.spans(4) and not p.spans(4.1)


def test_plateau_nan_breaks_a_run_and_ties_take_the_first():
    p = plateau([1, 2, 4, 8, 16], [1, 1, np.nan, 1, 1], 1)
    assert p.indices == (0, 1) and p.factor == 2


def test_no_plateau():
    p = plateau([1, 2, 4], [3, 3, 3], 2)
    assert p.indices == () and p.factor == 0 and not p.spans(1)
    single = plateau([1, 2, 4], [3, 2, 3], 2)
    assert single.factor == 1 and single.spans(1) and not single.spans(2)


def test_plateau_rejects_unsorted_or_nonpositive_values():
    with pytest.raises(ValueError, match="increasing"):
        plateau([1, 0.5], [1, 1], 1)
    with pytest.raises(ValueError, match="positive"):
        plateau([0, 1], [1, 1], 1)


# ---- settings --------------------------------------------------------------------------------


def _with_scans(scans, processes=None):
    cfg = tiny_config(processes)
    cfg["scans"] = scans
    return cfg


def test_point_specs_replace_one_setting():
    cfg = load_config(
        _with_scans(
            {
                "beta": {"parameter": "vae.beta", "values": [0.5, 2.0], "processes": "exact"},
                "width": {
                    "parameter": "params.width",
                    "values": [0.0, 0.1],
                    "processes": ["ring"],
                    "measure": "breaking",
                },
            }
        )
    )
    beta = cfg.scans["beta"]
    assert beta.processes == ("ring", "linear_gaussian") and beta.seeds == (0, 1)
    spec = beta.point_spec("ring", "p1")
    assert spec.vae.beta == 2.0 and spec.vae.latent_dim == cfg.process("ring").vae.latent_dim
    assert spec.params == cfg.process("ring").params
    assert not beta.new_features
    assert str(beta.features_path("res", "ring", "p1")) == "res/ring/features.h5"
    width = cfg.scans["width"]
    assert width.new_features and width.point_spec("ring", 0).params["width"] == 0.0
    assert str(width.features_path("res", "ring", 1)) == "res/scans/width/ring/p1/features.h5"
    assert width.inputs("res")["ring"][1] == [
        "res/scans/width/ring/p1/seed0/evaluation.h5",
        "res/scans/width/ring/p1/seed1/evaluation.h5",
    ]
    with pytest.raises(ConfigError, match="no point 'p7'"):
        width.point_spec("ring", "p7")


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ({"parameter": "vae.beta", "values": [-1, 1], "processes": ["ring"]}, "scans.beta.values"),
        ({"parameter": "vae.beta", "values": [1, 2], "processes": ["torus"]}, "unknown process"),
        ({"parameter": "vae.bta", "values": [1, 2], "processes": ["ring"]}, "bta"),
        ({"parameter": "params.radiu", "values": [1, 2], "processes": ["ring"]}, "radiu"),
        ({"parameter": "vae.beta", "values": ["a", 2], "processes": ["ring"]}, "finite numbers"),
        ({"parameter": "vae.beta", "values": [2, 1, 4], "processes": ["ring"]}, "increasing order"),
        (
            {"parameter": "params.width", "values": [0, 1], "processes": ["ring"], "measure": "symmetry"},
            "symmetry",
        ),
        (
            {"parameter": "vae.beta", "values": [1, 2], "processes": ["ring"], "measure": "symmetry",
             "symmetry": "rotation"},
            "does not change",
        ),
        ({"parameter": "vae.latent_dim", "values": [1, 4], "processes": ["linear_gaussian"]}, "latent_dim"),
    ],
)  # fmt: skip
def test_bad_scans_name_the_key(scan, message):
    with pytest.raises(ConfigError, match=message) as err:
        load_config(_with_scans({"beta": scan}))
    assert "scans.beta" in str(err.value)


def test_scan_profiles_resolve(tmp_path):
    from conftest import ROOT

    cfg = load_config(ROOT / "config.yaml", ROOT / "profiles" / "scans" / "scans.yaml")
    exact = [p for p, s in cfg.processes.items() if s.exact]
    assert cfg.scans["beta"].processes == tuple(exact) and len(exact) >= 10
    smear = cfg.scans["ee_mumu_smearing"]
    assert smear.point_spec("ee_mumu", 3).features["smearing"] == smear.values[3]


# ---- smearing --------------------------------------------------------------------------------


def _muons(n, rng):
    p = rng.normal(size=(n, 2, 3)) * 20
    m2 = 0.105658**2
    e = np.sqrt(m2 + np.sum(p**2, axis=-1))
    return np.concatenate([e[..., None], p], axis=-1)


def test_smearing_keeps_masses_and_directions_and_breaks_the_momentum_scale():
    rng = np.random.default_rng(0)
    p = _muons(20_000, rng)
    s = smear_momenta(p, 0.02, np.random.default_rng(1))
    m2 = lambda q: q[..., 0] ** 2 - np.sum(q[..., 1:] ** 2, axis=-1)  # noqa: E731
    np.testing.assert_allclose(m2(s), m2(p), rtol=1e-6, atol=1e-6)
    unit = lambda q: q[..., 1:] / np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(unit(s), unit(p), atol=1e-12)
    ratio = np.linalg.norm(s[..., 1:], axis=-1) / np.linalg.norm(p[..., 1:], axis=-1)
    assert abs(ratio.std() - 0.02) < 0.001 and abs(ratio.mean() - 1) < 0.001
    np.testing.assert_array_equal(smear_momenta(p, 0.0, rng), p)


def test_smearing_in_chunks_draws_the_same_numbers():
    p = _muons(1000, np.random.default_rng(0))
    whole = smear_momenta(p, 0.05, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    parts = np.concatenate([smear_momenta(p[:300], 0.05, rng), smear_momenta(p[300:], 0.05, rng)])
    np.testing.assert_array_equal(parts, whole)


def test_smeared_features_are_the_smeared_four_vectors():
    import awkward as ak

    from symvae.events.features import compute_features
    from symvae.events.rambo import rambo

    events = rambo(500, np.random.default_rng(0), n_particles=3, sqrt_s=100.0)
    spec = {"objects": [{"index": 0}, {"index": 1}], "kinds": ["cartesian"], "smearing": 0.05}
    a = compute_features(events, spec, rng=np.random.default_rng(4))
    four = np.stack(
        [ak.to_numpy(events.particles[f][:, :2]) for f in ("E", "px", "py", "pz")], axis=-1
    )
    smeared = smear_momenta(four, 0.05, np.random.default_rng(4))
    for i in range(2):
        for c, f in enumerate(("E", "px", "py", "pz")):
            column = a.features[:, a.feature_names.index(f"{f}_{i + 1}")]
            np.testing.assert_allclose(column, smeared[:, i, c], rtol=1e-12)
    plain = compute_features(events, {**spec, "smearing": 0.0})
    assert not np.allclose(a.features, plain.features)
    assert a.metadata["smearing"] == 0.05
    with pytest.raises(ConfigError, match="smearing"):
        compute_features(events, {**spec, "smearing": -1})


# ---- the ring's angular modulation and the symmetry test -------------------------------------


def test_ring_modulation_has_the_analytic_moment():
    d = ring(200_000, np.random.default_rng(1), modulation=0.3, width=0.0)
    theta = d.truth["theta"]
    # E[cos 2θ] = ε/2 and E[cos 4θ] = 0 under p(θ) ∝ 1 + ε cos 2θ (standard errors ~0.0016)
    assert abs(np.mean(np.cos(2 * theta)) - 0.15) < 0.006
    assert abs(np.mean(np.cos(4 * theta))) < 0.006
    np.testing.assert_allclose(np.hypot(*d.features.T), 1.0)
    with pytest.raises(ConfigError, match="below 1"):
        ring(10, np.random.default_rng(0), modulation=1.0)


def test_rotation_p_value_falls_with_the_modulation():
    j = np.array([[0.0, -1.0], [1.0, 0.0]])
    p0 = symmetry_pvalues(ring(6000, np.random.default_rng(2)).features, j)
    p3 = symmetry_pvalues(ring(6000, np.random.default_rng(2), modulation=0.3).features, j)
    assert p0.rank > 0.01 and p0.mmd > 0.01
    assert p3.rank < 1e-6


# ---- collect ---------------------------------------------------------------------------------


def _evaluation(path, seed, n_relevant, local_dof, relevance, spectrum=()):
    """A complete evaluation.h5 with the given figures (the rest empty)."""
    relevance = np.asarray(relevance, dtype=float)
    n = len(relevance)
    record = Evaluation(
        seed=seed, n_relevant=n_relevant, local_dof=local_dof, local_dof_twonn=float(local_dof),
        best_epoch=0, epochs_run=0, threshold=0.1, relevance=relevance,
        posterior_width=np.zeros(n), kl=np.zeros(n), order=np.argsort(-relevance),
        local_spectrum=np.asarray(spectrum, dtype=float), relevant=relevance > 0.1,
        threshold_scan=ThresholdScan(thresholds=np.zeros(0), n_relevant=np.zeros(0, int)),
        latent=Latent(mu=np.zeros((0, n)), truth={}),
        traversal=Traversal(z=np.zeros(0), decoded=np.zeros((0, 0, 2)), directions=np.zeros(0, int)),
        history={},
    )  # fmt: skip
    record.save(path)


def test_collect_scan_writes_the_plateau_and_the_freed_relevance(tmp_path):
    cfg = load_config(
        _with_scans(
            {
                "beta": {"parameter": "vae.beta", "values": [0.5, 1, 2, 4], "processes": ["ring"]},
                "width": {
                    "parameter": "params.width",
                    "values": [0.0, 0.1],
                    "processes": ["ring"],
                    "measure": "breaking",
                },
            }
        )
    )
    beta = cfg.scans["beta"]
    local = {0: [2, 2], 1: [1, 1], 2: [1, 2], 3: [1, 1]}  # medians 2, 1, 1.5, 1
    for i in range(4):
        for s in (0, 1):
            path = beta.evaluation_path(tmp_path, "ring", i, s)
            _evaluation(path, s, 2, local[i][s], [0.0, 0.9, 0.8, 0.01])
    out = collect_scan(beta, beta.inputs(tmp_path), tmp_path / "beta.h5")
    with h5py.File(out) as f:
        g = f["ring"]
        assert g["n_relevant"].shape == (4, 2)
        np.testing.assert_array_equal(g["local_dof_median"][()], [2, 1, 1.5, 1])
        assert g.attrs["plateau_factor"] == 1 and not g.attrs["plateau_ok"]
        np.testing.assert_array_equal(g["relevance"][0, 0], [0.9, 0.8, 0.01, 0.0])
        assert f.attrs["parameter"] == "vae.beta"
    width = cfg.scans["width"]
    for i, act in enumerate(([0.9, 0.8, 0.001, 0.0], [0.9, 0.8, 0.5, 0.0])):
        spectrum = [0.004, 1e-6] if i == 0 else [0.004, 0.002, 0.001]
        for s in (0, 1):
            path = width.evaluation_path(tmp_path, "ring", i, s)
            _evaluation(path, s, 2 + i, 1, act, spectrum)
    out = collect_scan(width, width.inputs(tmp_path), tmp_path / "width.h5")
    with h5py.File(out) as f:
        g = f["ring"]
        assert g.attrs["exact_count"] == 2
        np.testing.assert_allclose(g["freed_relevance"][:, 0, 0], [0.001, 0.5])
        # beyond the ring's dof 1, zero-padded where a model has fewer relevant directions
        np.testing.assert_allclose(g["freed_local_variance"][:, 1], [[1e-6, 0.0], [0.002, 0.001]])
