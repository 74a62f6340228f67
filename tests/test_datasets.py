"""Numerical checks of the analytic invariants of the dataset generators."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.stats import kstest

from symvae.datasets import GENERATORS, Dataset, generate
from symvae.datasets.kepler import solve_kepler
from symvae.errors import ConfigError, DataError


def _wrap(angle: np.ndarray) -> np.ndarray:
    """Map angles to (-π, π]."""
    return np.angle(np.exp(1j * angle))


def _assert_constant(values: np.ndarray, expected: float, rtol: float = 1e-10) -> None:
    scale = abs(expected)
    assert np.max(np.abs(values - expected)) <= rtol * scale


# --------------------------------------------------------------------------- generic


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_dataset_contract(name: str) -> None:
    ds = generate(name, 300, seed=1)
    assert isinstance(ds, Dataset)
    assert ds.features.shape == (300, len(ds.feature_names))
    assert ds.features.dtype == np.float64
    assert set(ds.truth) == set(ds.truth_units)
    assert ds.truth, "every generator provides truth"
    assert ds.metadata["generator"] == name
    assert ds.metadata["source"] == name
    import json

    json.dumps(dict(ds.metadata))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_determinism(name: str) -> None:
    a = generate(name, 200, seed=7)
    b = generate(name, 200, seed=7)
    c = generate(name, 200, seed=8)
    np.testing.assert_array_equal(a.features, b.features)
    for k in a.truth:
        np.testing.assert_array_equal(a.truth[k], b.truth[k])
    assert a.metadata == b.metadata
    assert not np.array_equal(a.features, c.features)


@pytest.mark.parametrize(
    ("name", "params", "key"),
    [
        ("linear_gaussian", {"spectrum": []}, "spectrum"),
        ("linear_gaussian", {"spectrum": [1.0, -0.1]}, "spectrum"),
        ("linear_gaussian", {"noise": -1.0}, "noise"),
        ("linear_gaussian", {"rotation_seed": -3}, "rotation_seed"),
        ("ring", {"radius": 0.0}, "radius"),
        ("ring", {"width": -0.1}, "width"),
        ("disk", {"sigma": -1.0}, "sigma"),
        ("ellipse_cloud", {"sigmas": [1.0]}, "sigmas"),
        ("ellipse_cloud", {"sigmas": [1.0, 0.0]}, "sigmas"),
        ("ellipse_cloud", {"angle_deg": float("nan")}, "angle_deg"),
        ("oscillator_1d", {"energy": 0.0}, "energy"),
        ("oscillator_1d", {"mass": -1.0}, "mass"),
        ("oscillator_2d", {"omega": 0.0}, "omega"),
        ("pendulum", {"amplitude": 3.5}, "amplitude"),
        ("pendulum", {"amplitude": 0.0}, "amplitude"),
        ("pendulum", {"amplitude": math.pi}, "amplitude"),
        ("pendulum", {"length": 0.0}, "length"),
        ("pendulum", {"g": "x"}, "g"),
        ("kepler", {"energy": 0.0}, "energy"),
        ("kepler", {"energy": 0.1}, "energy"),
        ("kepler", {"gm": 0.0}, "gm"),
        ("kepler", {"max_eccentricity": 1.0}, "max_eccentricity"),
        ("kepler", {"max_eccentricity": -0.1}, "max_eccentricity"),
    ],
)
def test_bad_parameters(name: str, params: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}.*'{key}'"):
        generate(name, 10, seed=0, params=params)


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_bad_n(n: Any) -> None:
    with pytest.raises(ConfigError, match="'n'"):
        GENERATORS["ring"](n, np.random.default_rng(0))


def test_unknown_generator() -> None:
    with pytest.raises(ConfigError, match="'nope'"):
        generate("nope", 10, seed=0)


def test_unknown_parameter_is_config_error() -> None:
    with pytest.raises(ConfigError, match="ring"):
        generate("ring", 10, seed=0, params={"radiuss": 1.0})


def test_dataset_rejects_nan_naming_feature() -> None:
    x = np.array([[0.0, 1.0], [1.0, np.nan]])
    with pytest.raises(DataError, match="'py'"):
        Dataset(features=x, feature_names=("px", "py"), units=("", ""))


# --------------------------------------------------------------------------- linear_gaussian


def test_linear_gaussian_spectrum_and_eigenvectors() -> None:
    n = 40_000
    spectrum = (4.0, 2.0, 1.0, 0.5, 0.01, 0.01, 0.01, 0.01)
    noise = 0.05
    ds = generate("linear_gaussian", n, seed=3, params={"spectrum": spectrum, "noise": noise})
    u = np.array(ds.metadata["rotation"])
    np.testing.assert_allclose(u.T @ u, np.eye(8), atol=1e-12)
    expected = np.array(spectrum) + noise**2
    np.testing.assert_allclose(ds.metadata["eigenvalues"], expected, rtol=1e-15)

    cov = np.cov(ds.features, rowvar=False)
    evals, evecs = np.linalg.eigh(cov)
    evals, evecs = evals[::-1], evecs[:, ::-1]
    # Sample variance has relative standard error sqrt(2/n) ≈ 0.007.
    np.testing.assert_allclose(evals, expected, rtol=6 * math.sqrt(2 / n))
    for j in range(4):  # the well-separated large eigenvalues
        assert abs(evecs[:, j] @ u[:, j]) > 0.99
    # Truth is the standard-normal latent.
    z = np.column_stack([ds.truth[f"z{i + 1}"] for i in range(8)])
    recon = (z * np.sqrt(spectrum)) @ u.T
    assert np.std(ds.features - recon) == pytest.approx(noise, rel=0.02)


def test_linear_gaussian_rotation_seed_shared() -> None:
    a = generate("linear_gaussian", 50, seed=1, params={"rotation_seed": 42})
    b = generate("linear_gaussian", 50, seed=2, params={"rotation_seed": 42})
    c = generate("linear_gaussian", 50, seed=1)
    assert a.metadata["rotation"] == b.metadata["rotation"]
    assert a.metadata["rotation"] != c.metadata["rotation"]
    assert not np.array_equal(a.features, b.features)


# --------------------------------------------------------------------------- planar


def test_ring_radius() -> None:
    n, radius, width = 20_000, 2.0, 0.05
    ds = generate("ring", n, seed=4, params={"radius": radius, "width": width})
    r = np.hypot(ds.features[:, 0], ds.features[:, 1])
    sd = radius * width
    assert abs(r.mean() - radius) < 5 * sd / math.sqrt(n)
    assert abs(r.std() - sd) < 5 * sd / math.sqrt(2 * n)
    np.testing.assert_allclose(r, np.abs(ds.truth["r"]), rtol=1e-12)
    theta = np.arctan2(ds.features[:, 1], ds.features[:, 0])
    assert np.max(np.abs(_wrap(theta - ds.truth["theta"]))) < 1e-12


def test_disk_truth() -> None:
    ds = generate("disk", 1000, seed=5, params={"sigma": 3.0})
    x, y = ds.features.T
    np.testing.assert_allclose(ds.truth["radius"] * np.cos(ds.truth["phi"]), x, atol=1e-12)
    np.testing.assert_allclose(ds.truth["radius"] * np.sin(ds.truth["phi"]), y, atol=1e-12)
    assert np.std(x) == pytest.approx(3.0, rel=0.1)


def test_ellipse_cloud_covariance() -> None:
    n = 40_000
    ds = generate("ellipse_cloud", n, seed=6, params={"sigmas": [2.0, 0.5], "angle_deg": 30.0})
    sigma = np.array(ds.metadata["covariance"])
    a = math.radians(30.0)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    np.testing.assert_allclose(sigma, rot @ np.diag([4.0, 0.25]) @ rot.T, atol=1e-14)
    assert abs(sigma[0, 1]) > 0.5  # correlated: per-feature scaling is not enough

    cov = np.cov(ds.features, rowvar=False)
    d = np.sqrt(np.diag(sigma))
    se = np.sqrt((np.outer(d**2, d**2) + sigma**2) / n)
    assert np.all(np.abs(cov - sigma) < 5 * se)
    # Truth: principal-axis coordinates.
    u = np.column_stack([ds.truth["u1"], ds.truth["u2"]])
    np.testing.assert_allclose(u @ rot.T, ds.features, atol=1e-12)


# --------------------------------------------------------------------------- oscillators


def test_oscillator_1d_energy_and_phase() -> None:
    energy, mass, omega = 0.7, 1.3, 2.0
    ds = generate(
        "oscillator_1d", 5000, seed=8, params={"energy": energy, "mass": mass, "omega": omega}
    )
    q, p = ds.features.T
    e = p**2 / (2 * mass) + 0.5 * mass * omega**2 * q**2
    _assert_constant(e, energy)
    _assert_constant(ds.truth["energy"], energy)
    amp = math.sqrt(2 * energy / (mass * omega**2))
    np.testing.assert_allclose(q, amp * np.cos(ds.truth["phase"]), atol=1e-12)
    # Uniform in time: phase uniform on [0, 2π).
    assert kstest(ds.truth["phase"] / (2 * np.pi), "uniform").pvalue > 1e-3


def test_oscillator_2d_shell() -> None:
    energy, mass, omega = 0.8, 2.0, 1.5
    ds = generate(
        "oscillator_2d", 20_000, seed=9, params={"energy": energy, "mass": mass, "omega": omega}
    )
    x, y, px, py = ds.features.T
    e_x = px**2 / (2 * mass) + 0.5 * mass * omega**2 * x**2
    e = e_x + py**2 / (2 * mass) + 0.5 * mass * omega**2 * y**2
    _assert_constant(e, energy)
    _assert_constant(ds.truth["energy"], energy)
    np.testing.assert_allclose(ds.truth["energy_x"], e_x, atol=1e-12)
    ang = x * py - y * px
    np.testing.assert_allclose(ds.truth["angular_momentum"], ang, atol=1e-12)
    # Uniform on the 3-sphere (Archimedes): E_x / E and L ω / E are uniform.
    assert kstest(e_x / energy, "uniform").pvalue > 1e-3
    assert kstest(ang * omega / energy, "uniform", args=(-1, 2)).pvalue > 1e-3


@pytest.mark.parametrize("amplitude", [0.3, 2.5, 3.1])
def test_pendulum_energy(amplitude: float) -> None:
    length, g = 2.0, 9.0
    ds = generate(
        "pendulum", 5000, seed=10, params={"amplitude": amplitude, "length": length, "g": g}
    )
    q, p = ds.features.T
    w2 = g / length
    e = 0.5 * p**2 - w2 * np.cos(q)
    # Relative to the natural energy scale ω0² (the energy itself can be near 0).
    assert np.max(np.abs(e - (-w2 * math.cos(amplitude)))) <= 1e-12 * w2
    assert np.max(np.abs(ds.truth["energy"] - e)) <= 1e-14 * w2
    assert np.max(np.abs(q)) <= amplitude + 1e-12
    assert np.max(np.abs(q)) > 0.99 * amplitude


def test_pendulum_hamilton_equations() -> None:
    """The sampled points lie on one trajectory of H, at the times given by the phase."""
    amplitude, length, g = 2.5, 1.0, 1.0
    ds = generate("pendulum", 40, seed=11, params={"amplitude": amplitude, "length": length})
    w2 = g / length
    period = ds.metadata["period"]
    q, p = ds.features.T
    phase = ds.truth["phase"]
    dt = np.mod(phase - phase[0], 2 * np.pi) * period / (2 * np.pi)
    order = np.argsort(dt)

    def rhs(_t: float, s: np.ndarray) -> list[float]:
        return [s[1], -w2 * math.sin(s[0])]  # dq/dt = ∂H/∂p = p, dp/dt = -∂H/∂q

    sol = solve_ivp(
        rhs,
        (0.0, dt[order[-1]]),
        [q[0], p[0]],
        t_eval=dt[order],
        method="DOP853",
        rtol=1e-12,
        atol=1e-12,
    )
    assert sol.success
    np.testing.assert_allclose(sol.y[0], q[order], atol=1e-8)
    np.testing.assert_allclose(sol.y[1], p[order], atol=1e-8)


def test_pendulum_small_amplitude_period() -> None:
    ds = generate("pendulum", 10, seed=0, params={"amplitude": 1e-4, "length": 4.0, "g": 1.0})
    assert ds.metadata["period"] == pytest.approx(2 * math.pi * 2.0, rel=1e-8)


# --------------------------------------------------------------------------- kepler


def test_kepler_invariants() -> None:
    energy, gm = -0.4, 2.0
    ds = generate(
        "kepler", 20_000, seed=12, params={"energy": energy, "gm": gm, "max_eccentricity": 0.9}
    )
    x, y, px, py = ds.features.T
    r = np.hypot(x, y)
    e = 0.5 * (px**2 + py**2) - gm / r
    _assert_constant(e, energy)
    _assert_constant(ds.truth["energy"], energy)
    ang = x * py - y * px
    assert np.all(ang > 0)
    np.testing.assert_allclose(ds.truth["angular_momentum"], ang, rtol=1e-12)
    ecc = ds.truth["eccentricity"]
    a = -gm / (2 * energy)
    np.testing.assert_allclose(ang, np.sqrt(gm * a * (1 - ecc**2)), rtol=1e-10)

    # Runge–Lenz (eccentricity) vector  A/(m gm) = (p × L)/gm - r̂.
    ax = py * ang / gm - x / r
    ay = -px * ang / gm - y / r
    np.testing.assert_allclose(np.hypot(ax, ay), ecc, atol=1e-10)
    big = ecc > 0.05
    dphi = _wrap(np.arctan2(ay, ax) - ds.truth["periapsis_angle"])
    assert np.max(np.abs(dphi[big])) < 1e-8
    assert ecc.min() >= 0 and ecc.max() <= 0.9

    # Mean anomaly from the features: E from r = a(1 - e cos E), sign from r·v.
    cos_ea = (1 - r / a) / ecc
    sin_ea = (x * px + y * py) / (ecc * math.sqrt(gm * a))
    ea = np.arctan2(sin_ea, cos_ea)
    m = np.mod(ea - ecc * np.sin(ea), 2 * np.pi)
    dm = _wrap(m - ds.truth["mean_anomaly"])
    assert np.max(np.abs(dm[big])) < 1e-8


def test_solve_kepler_high_eccentricity() -> None:
    rng = np.random.default_rng(0)
    m = rng.uniform(0, 2 * np.pi, 10_000)
    e = rng.uniform(0, 0.999, 10_000)
    ea = solve_kepler(m, e)
    assert np.max(np.abs(ea - e * np.sin(ea) - m)) < 1e-13
