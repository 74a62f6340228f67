"""The invariance experiments as steps: config, the sphere setting, curve files, report pages."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import EE_MUMU_SETTINGS, tiny_config

from symvae.config import load_config
from symvae.errors import ConfigError, DataError
from symvae.invariance import (
    SphereZonalKernel,
    legendre_table,
    sphere_learning_curve,
    uniform_sphere,
)
from symvae.invariance.designs import zonal_sum
from symvae.invariance.experiments import _sphere_draw
from symvae.stages.invariance import read_curve, run_setting, summarize_invariance

TINY_TORUS = {
    "space": "torus",
    "d": 2,
    "group": "half_shifts",
    "cutoff": 8,
    "ns": [16, 32],
    "ns_plain": [32, 64, 128, 256],
    "seeds": 6,
    "plain_seeds": 3,
    "n_val": 200,
    "n_boot": 20,
}


def _config(settings, defaults=None, processes=None):
    cfg = tiny_config(processes)
    cfg["invariance"] = {"settings": settings, **({"defaults": defaults} if defaults else {})}
    return cfg


def test_config_merges_defaults_and_builds_the_lambda_grid():
    cfg = load_config(_config({"a": TINY_TORUS}, defaults={"sigma": 0.3, "seeds": 9}))
    setting = cfg.invariance["a"]
    assert setting.sigma == 0.3 and setting.seeds == 6  # the setting wins over defaults
    assert setting.seed_list == list(range(6))
    grid = setting.lambda_grid
    assert grid[0] == pytest.approx(1e-10) and grid[-1] == pytest.approx(1e2) and len(grid) == 13


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"group": "z_rotations"}, "does not act on space 'torus'"),
        ({"d": None}, ".d: missing"),
        ({"smoothness": 1.0}, "must exceed d/2"),
        ({"space": "events", "group": "beam_rotation", "target": "qed_msq"}, ".process: missing"),
        (
            {"space": "events", "group": "beam_rotation", "target": "qed_msq", "process": "ring"},
            "no event process named 'ring'",
        ),
        ({"lambdas": {"min": 1.0, "max": 0.1}}, "min must be below max"),
        ({"plain_seeds": 7}, "exceeds seeds"),
        ({"ns": [16]}, "invariance.settings.a.ns"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_invariance_settings_name_the_key(change, message):
    setting = {**TINY_TORUS, **change}
    setting = {k: v for k, v in setting.items() if v is not None}
    with pytest.raises(ConfigError, match="invariance") as err:
        load_config(_config({"a": setting}))
    assert message in str(err.value)


def test_zonal_sum_matches_the_legendre_table():
    z = np.linspace(-1, 1, 201)
    w = np.random.default_rng(0).random(40)
    assert np.allclose(zonal_sum(z, w), legendre_table(z, 39) @ w, atol=1e-12)


def test_sphere_exact_risk_matches_monte_carlo():
    """The plain design's closed-form excess risk equals a Monte-Carlo integral on S²."""
    kernel = SphereZonalKernel(l_max=16)
    ell = np.arange(17)
    energies = np.where(ell > 0, 1.0 / (1 + ell) ** 3, 0.0)
    energies /= energies.sum()
    draw = _sphere_draw(kernel, energies, 0.5, 60, 50)(3)
    design = draw.plain(60)
    alpha = np.random.default_rng(1).standard_normal((60, 1)) * 0.1
    exact = design.risk(60, alpha)[0]

    # rebuild the sample and the target from the same seed, then integrate by Monte Carlo
    rng = np.random.default_rng(3)
    x = uniform_sphere(60, rng)
    rng.standard_normal(60)
    uniform_sphere(50, rng)
    a = rng.choice((-1.0, 1.0), size=17) * np.sqrt(energies)
    test = uniform_sphere(400_000, np.random.default_rng(9))
    f_star = (legendre_table(test[:, 2], 16) * np.sqrt(2 * ell + 1.0)) @ a
    f_hat = kernel.gram(test, x) @ alpha[:, 0]
    mc = np.mean((f_hat - f_star) ** 2)
    assert exact == pytest.approx(mc, rel=0.01)


def test_sphere_invariance_steepens_the_curve():
    lc = sphere_learning_curve(
        [64, 128, 256, 512], range(100), ns_plain=[64, 128, 256, 512], plain_seeds=6,
        l_max=32, n_val=500, n_boot=100, lams=np.logspace(-10, 2, 13),
    )  # fmt: skip
    assert not lc.plain.edge.any() and not lc.inv.edge.any()
    assert lc.inv.pred_slope < lc.plain.pred_slope - 0.05
    assert lc.inv.slope < lc.plain.slope
    for measured, predicted in ((lc.plain.risk, lc.plain.pred), (lc.inv.risk, lc.inv.pred)):
        ratio = measured.mean(axis=0) / predicted
        assert np.all(np.abs(ratio - 1) < 0.3), ratio
    assert np.all(lc.inv.risk.mean(axis=0) < lc.plain.risk.mean(axis=0))


def test_run_setting_writes_a_self_describing_file(tmp_path):
    cfg = load_config(_config({"t2": TINY_TORUS}))
    out = run_setting(cfg.invariance["t2"], tmp_path / "t2.h5")
    with h5py.File(out) as f:
        assert f["risk_inv"].shape == (6, 2) and f["risk_plain"].shape == (3, 4)
        assert "relative" in f["risk_inv"].attrs["description"]
        assert f.attrs["group"] == "half_shifts" and f.attrs["order"] == 4
        assert not f.attrs["continuous"]
    curve = read_curve(out)
    assert curve.setting["ns"] == [16, 32] and "python" in str(curve.provenance).lower()
    again = run_setting(cfg.invariance["t2"], tmp_path / "again.h5")
    assert np.array_equal(read_curve(again).risk_inv, curve.risk_inv)  # deterministic

    summary = summarize_invariance({"t2": out}, tmp_path / "summary.h5")
    with h5py.File(summary) as f:
        assert list(f.attrs["settings"]) == ["t2"]
        g = f["t2"]
        assert g.attrs["order"] == 4 and g["pred_multiplier"].shape == (2,)
        assert np.isfinite(g.attrs["max_rel_dev_inv"])


def test_read_curve_names_a_bad_file(tmp_path):
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f["x"] = [1]
    with pytest.raises(DataError, match=r"bad\.h5.*missing"):
        read_curve(bad)
    with pytest.raises(DataError, match=r"missing\.h5"):
        read_curve(tmp_path / "missing.h5")


def test_event_setting_runs_from_an_event_file(tmp_path):
    """Space ``events``: inputs and target from a symvae event file, d from the process."""
    from symvae.events.pythia import generate_pythia
    from symvae.outputs.events import write_events

    cfg = tiny_config()
    settings = EE_MUMU_SETTINGS
    cfg["processes"]["ee"] = {
        "events": {"source": "pythia", "n_events": 900, "settings": settings},
        "features": {"objects": [{"pid": 13}, {"pid": -13}], "kinds": ["cartesian"]},
        "dof": 2,
    }
    cfg["invariance"] = {
        "settings": {
            "ee": {
                "space": "events", "process": "ee", "target": "qed_msq",
                "group": "beam_rotation", "ns": [16, 32, 64], "ns_plain": [16, 32, 64, 128],
                "seeds": 4, "plain_seeds": 2, "n_val": 100, "n_test": 300, "n_boot": 20,
            }
        }
    }  # fmt: skip
    setting = load_config(cfg).invariance["ee"]
    assert setting.d == 2
    path = tmp_path / "ee.root"
    write_events(path, generate_pythia(settings, 900, 5, {"pid": [13, -13]}, progress=False))
    out = run_setting(setting, tmp_path / "ee.h5", events=path)
    curve = read_curve(out)
    assert curve.d == 2 and curve.d_eff == 1 and curve.order is None
    assert curve.risk_plain.shape == (2, 4) and curve.risk_inv.shape == (4, 3)
    assert curve.process == "ee" and curve.target == "qed_msq"
    assert curve.generator.shape == (3, 3) and curve.quadrature_error < 1e-10
    # the invariant learner beats the plain one at every n
    assert np.all(curve.risk_inv.mean(axis=0) < curve.risk_plain.mean(axis=0)[:3])
