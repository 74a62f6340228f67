"""The physics bridge: invariant targets, kernels and learning curves on collision events."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EE_MUMU_SETTINGS
from scipy.linalg import expm
from scipy.special import ive

from symvae.errors import ConfigError, DataError
from symvae.events import Events
from symvae.events.pythia import generate_pythia
from symvae.invariance.curves import blas_limit
from symvae.invariance.events import (
    LZ,
    AxialRotations,
    GaussianEventKernel,
    event_inputs,
    event_learning_curve,
    event_regression,
    four_momenta,
    pair_rapidity,
    qed_msq,
)
from symvae.outputs.events import read_events, write_events

SQRT_S = 91.1876
EE = EE_MUMU_SETTINGS


@pytest.fixture(autouse=True)
def one_blas_thread():
    """numpy's and scipy's OpenBLAS pools compete on small machines: use one thread."""
    with blas_limit(1):
        yield


def ee_mumu(n: int, seed: int, sqrt_s: float = SQRT_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Massless back-to-back μ⁻μ⁺ ``(n, 4)`` each, with cos θ from 1 + cos²θ and uniform φ."""
    rng = np.random.default_rng(seed)
    cos = np.empty(0)
    while len(cos) < n:
        z = rng.uniform(-1.0, 1.0, 2 * n)
        cos = np.concatenate([cos, z[rng.uniform(0.0, 2.0, 2 * n) < 1.0 + z**2]])
    cos, phi = cos[:n], rng.uniform(0.0, 2 * np.pi, n)
    sin = np.sqrt(1.0 - cos**2)
    direction = np.stack([sin * np.cos(phi), sin * np.sin(phi), cos], axis=1)
    p_minus = 0.5 * sqrt_s * np.column_stack([np.ones(n), direction])
    p_plus = p_minus * np.array([1.0, -1.0, -1.0, -1.0])
    return p_minus, p_plus, cos


def pp_like(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """ee_mumu-like pairs of random mass, boosted along z: muons with pT balance, pz ≠ 0."""
    rng = np.random.default_rng(seed)
    mass = rng.uniform(40.0, 80.0, n)
    p_minus, p_plus, _ = ee_mumu(n, seed + 1, 1.0)
    p_minus, p_plus = p_minus * mass[:, None], p_plus * mass[:, None]
    rap = rng.normal(0.0, 1.5, n)
    ch, sh = np.cosh(rap), np.sinh(rap)

    def boost(p: np.ndarray) -> np.ndarray:
        e, pz = ch * p[:, 0] + sh * p[:, 3], sh * p[:, 0] + ch * p[:, 3]
        return np.column_stack([e, p[:, 1], p[:, 2], pz])

    return boost(p_minus), boost(p_plus)


def rotate4(p: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Rotate the 3-momentum part of four-momenta ``(n, 4)`` by ``rot`` ``(n, 3, 3)`` or (3, 3)."""
    out = p.copy()
    out[:, 1:] = np.einsum("...ij,...j->...i", rot, p[:, 1:])
    return out


def z_rotations(angles: np.ndarray) -> np.ndarray:
    """Rotation matrices about z by ``angles`` ``(n,)`` → ``(n, 3, 3)``."""
    c, s, o, i = np.cos(angles), np.sin(angles), np.zeros_like(angles), np.ones_like(angles)
    return np.stack([c, -s, o, s, c, o, o, o, i], axis=1).reshape(-1, 3, 3)


def inputs_of(p_minus: np.ndarray, p_plus: np.ndarray) -> np.ndarray:
    return np.stack([p_minus[:, 1:], p_plus[:, 1:]], axis=1)


def test_qed_msq_is_one_plus_cos2_and_targets_are_z_invariant():
    p_minus, p_plus, cos = ee_mumu(2000, 0)
    f = qed_msq(p_minus, p_plus, SQRT_S)
    np.testing.assert_allclose(f, 1.0 + cos**2, rtol=0, atol=1e-12)
    rot = z_rotations(np.random.default_rng(1).uniform(0, 2 * np.pi, 2000))
    np.testing.assert_allclose(qed_msq(rotate4(p_minus, rot), rotate4(p_plus, rot), SQRT_S), f)
    # not invariant under rotations about x: the beams single out z
    rx = expm(0.7 * np.array([[0.0, 0, 0], [0, 0, -1], [0, 1, 0]]))
    assert np.abs(qed_msq(rotate4(p_minus, rx), rotate4(p_plus, rx), SQRT_S) - f).max() > 0.1

    q_minus, q_plus = pp_like(2000, 2)
    rap = pair_rapidity(q_minus, q_plus)
    assert np.abs(rap).max() > 1.0 and np.abs(pair_rapidity(p_minus, p_plus)).max() < 1e-12
    np.testing.assert_allclose(
        pair_rapidity(rotate4(q_minus, rot), rotate4(q_plus, rot)), rap, atol=1e-12
    )
    with pytest.raises(ConfigError, match="sqrt_s"):
        qed_msq(p_minus, p_plus, 0.0)


def test_event_inputs_pick_particles_by_id_in_order():
    p_minus, p_plus, _ = ee_mumu(3, 0)
    photon, soft = np.array([1.0, 0.6, 0.0, 0.8]), np.array([0.5, 0.0, 0.3, 0.39])
    # per event: μ⁺, a photon, a soft μ⁻, the hard μ⁻ (the order of the record must not matter)
    parts = [p_plus, np.tile(photon, (3, 1)), np.tile(soft, (3, 1)), p_minus]
    rows = np.stack(parts, axis=1).reshape(-1, 4)
    cols = {k: rows[:, i] for i, k in enumerate(("E", "px", "py", "pz"))}
    events = Events.from_arrays([4, 4, 4], {**cols, "pid": np.tile([-13, 22, 13, 13], 3)})
    np.testing.assert_array_equal(four_momenta(events), np.stack([p_minus, p_plus], axis=1))
    assert event_inputs(events).shape == (3, 2, 3)
    np.testing.assert_array_equal(
        event_inputs(events, pids=(22,))[:, 0], np.tile(photon[1:], (3, 1))
    )
    with pytest.raises(DataError, match="pid 11"):
        event_inputs(events, pids=(13, 11))


def test_kernel_is_rotation_invariant_with_a_global_scale():
    rng = np.random.default_rng(3)
    x, y = 30.0 * rng.standard_normal((40, 3, 3)), 30.0 * rng.standard_normal((50, 3, 3))
    both = np.concatenate([x, y])
    kernel = GaussianEventKernel.from_inputs(both)
    assert kernel.scale == pytest.approx(np.sqrt(np.mean(np.sum(both**2, axis=-1))))
    gram = kernel(x, y)
    for rot in (expm(1.1 * LZ), AxialRotations.about([1.0, -2.0, 0.5]).matrices[5]):
        np.testing.assert_allclose(kernel(x @ rot.T, y @ rot.T), gram, rtol=1e-12, atol=1e-14)
    sym = kernel(x)
    np.testing.assert_array_equal(sym, sym.T)
    np.testing.assert_allclose(np.diag(sym), 1.0)


def test_axial_scales_keep_the_rotations_about_the_axis_only():
    """Separate transverse and axial scales: invariant about z, not about x."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((60, 2, 3)) * [20.0, 20.0, 300.0]  # pp-like: |pz| >> pT
    kernel = GaussianEventKernel.from_inputs(x, axis=(0.0, 0.0, 2.0))
    assert kernel.scale == pytest.approx(np.sqrt(np.mean(x[..., :2] ** 2)))
    assert kernel.scale_axial == pytest.approx(np.sqrt(np.mean(x[..., 2] ** 2)))
    gram = kernel(x)
    np.testing.assert_allclose(kernel(x @ expm(0.7 * LZ).T), gram, rtol=1e-12, atol=1e-14)
    rot_x = AxialRotations.about([1.0, 0.0, 0.0]).matrices[3]
    assert np.abs(kernel(x @ rot_x.T) - gram).max() > 0.1


def gaussian_average_exact(kernel: GaussianEventKernel, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Closed form of the z-rotation average: ``exp(−(|x|² + |y|² − 2 a)/2ℓ²) I₀(√(b² + c²)/ℓ²)``.

    With ``(gx)·y = a + b cos t + c sin t``: a from the z parts, b the transverse dot product
    and c the transverse cross product (all in units of the kernel scale).
    """
    a_, b_ = (kernel.transform(v).reshape(v.shape) for v in (x, y))
    ell2 = kernel.lengthscale**2
    a = np.einsum("np,mp->nm", a_[..., 2], b_[..., 2])
    b = np.einsum("npk,mpk->nm", a_[..., :2], b_[..., :2])
    c = np.einsum("np,mp->nm", a_[..., 0], b_[..., 1]) - np.einsum(
        "np,mp->nm", a_[..., 1], b_[..., 0]
    )
    norms = np.sum(a_**2, axis=(1, 2))[:, None] + np.sum(b_**2, axis=(1, 2))[None, :]
    z = np.hypot(b, c) / ell2
    return np.exp(-(norms - 2 * a) / (2 * ell2) + z) * ive(0, z)


@pytest.mark.parametrize("lengthscale", [None, 0.5])
def test_averaged_gram_is_symmetric_psd_invariant_and_exact(lengthscale):
    p_minus, p_plus, _ = ee_mumu(300, 4)
    x = inputs_of(p_minus, p_plus)
    kernel = GaussianEventKernel.from_inputs(x, lengthscale)
    group = AxialRotations()
    gram = group.averaged_gram(kernel, x)
    np.testing.assert_array_equal(gram, gram.T)
    vals = np.linalg.eigvalsh(gram)
    assert vals.min() > -1e-12 * vals.max()
    # invariant in each argument, also for angles off the quadrature grid
    gx = group.rotate(x[:100], 0.123)
    np.testing.assert_allclose(
        group.averaged_gram(kernel, gx, x[100:]), gram[:100, 100:], atol=1e-13
    )
    np.testing.assert_allclose(
        group.averaged_gram(kernel, x[:100], gx), gram[:100, :100], atol=1e-13
    )
    # the brute-force average over the same angles, and the exact group average
    brute = np.mean([kernel(x[:50] @ expm(t * LZ).T, x[50:]) for t in group.angles], axis=0)
    np.testing.assert_allclose(group.averaged_gram(kernel, x[:50], x[50:]), brute, atol=1e-14)
    exact = gaussian_average_exact(kernel, x[:50], x[50:])
    np.testing.assert_allclose(brute, exact, rtol=1e-12)
    # the average keeps the invariant part only: it depends on the polar angle alone
    assert np.abs(gram - kernel(x)).max() > 1e-3


def test_quadrature_error_is_small_at_32_angles_and_measures_coarse_grids():
    p_minus, p_plus, _ = ee_mumu(200, 5)
    x = inputs_of(p_minus, p_plus)
    for lengthscale in (None, 0.5):
        kernel = GaussianEventKernel.from_inputs(x, lengthscale)
        assert AxialRotations(n_angles=32).quadrature_error(kernel, x) < 1e-12
    kernel = GaussianEventKernel.from_inputs(x, 0.5)
    coarse = AxialRotations(n_angles=4)
    err = coarse.quadrature_error(kernel, x)
    true = np.abs(coarse.averaged_gram(kernel, x) - gaussian_average_exact(kernel, x, x)).max()
    assert 1e-3 < err and 0.5 * true < err < 2.0 * true


def test_generator_validation():
    with pytest.raises(ConfigError, match="3×3"):
        AxialRotations(np.eye(2))
    with pytest.raises(ConfigError, match="antisymmetric"):
        AxialRotations(LZ + 0.1 * np.eye(3))
    with pytest.raises(ConfigError, match="period 2π"):
        AxialRotations(0.5 * LZ)
    with pytest.raises(ConfigError, match="divide A by 2"):
        AxialRotations(2.0 * LZ)
    with pytest.raises(ConfigError, match="zero"):
        AxialRotations(np.zeros((3, 3)))
    with pytest.raises(ConfigError, match="n_angles"):
        AxialRotations(LZ, 0)
    with pytest.raises(ConfigError, match="axis"):
        AxialRotations.about([0.0, 0.0, 0.0])
    np.testing.assert_allclose(AxialRotations.about([0.0, 0.0, 3.0]).generator, LZ)
    tilted = AxialRotations.about([1.0, 1.0, 1.0], n_angles=3)
    np.testing.assert_allclose(tilted.matrices[1] @ [1.0, 0, 0], [0, 1.0, 0], atol=1e-12)


def ee_curve(seeds: list[int]):
    p_minus, p_plus, _ = ee_mumu(2200, 6)
    x = inputs_of(p_minus, p_plus)
    f = qed_msq(p_minus, p_plus, SQRT_S)
    return event_learning_curve(
        x, f, [16, 32, 64, 128], seeds, ns_plain=[16, 32, 64, 128, 256, 512, 1024], n_val=300,
        n_test=800, n_boot=100, process="ee_mumu", target_name="qed_msq",
    )  # fmt: skip


def test_invariant_learner_needs_fewer_events_on_ee_mumu():
    curve = ee_curve(list(range(8)))
    assert curve.plain.risk.shape == (8, 7) and curve.inv.risk.shape == (8, 4)
    med_p, med_i = np.median(curve.plain.risk, 0), np.median(curve.inv.risk, 0)
    assert np.all(med_i < med_p[:4])  # the same n
    assert np.all(np.diff(med_p) < 0) and curve.plain.slope < -0.5
    assert np.isfinite(curve.multiplier).all() and np.all(curve.multiplier > 1.5)
    assert np.all(curve.multiplier_lo <= curve.multiplier_hi)
    assert curve.quadrature_error < 1e-12 and curve.lengthscale > 0
    # |p| = √s/2 and dN/dcosθ ∝ 1 + cos²θ: <cos²θ> = 0.4, so the RMS of pz is √0.4 |p| and of
    # one transverse component √0.3 |p|
    assert curve.scale == pytest.approx(0.5 * SQRT_S * np.sqrt(0.3), rel=0.04)
    assert curve.scale_axial == pytest.approx(0.5 * SQRT_S * np.sqrt(0.4), rel=0.04)
    assert not curve.plain.edge.any() and not curve.inv.edge.any()


def test_a_wrong_symmetry_does_not_help():
    """Averaging over rotations about x forces an invariance that 1 + cos²θ lacks."""
    p_minus, p_plus, _ = ee_mumu(1400, 7)
    x, f = inputs_of(p_minus, p_plus), qed_msq(p_minus, p_plus, SQRT_S)
    curve = event_learning_curve(
        x, f, [64, 256], [0, 1, 2], generator=AxialRotations.about([1.0, 0, 0]).generator,
        n_val=300, n_test=800, n_boot=0,
    )  # fmt: skip
    assert np.all(np.median(curve.inv.risk, 0) > 2.0 * np.median(curve.plain.risk, 0))
    assert np.isnan(curve.multiplier_lo).all()


def test_learning_curve_is_deterministic_and_checks_inputs():
    a, b = ee_curve([3, 4]), ee_curve([3, 4])
    fields_a, fields_b = a.flat_fields(), b.flat_fields()
    for name in ("risk_plain", "risk_inv", "delta_plain", "delta_inv", "multiplier"):
        np.testing.assert_array_equal(fields_a[name], fields_b[name])
    x = inputs_of(*ee_mumu(500, 0)[:2])
    with pytest.raises(DataError, match="constant"):
        event_learning_curve(x, np.ones(500), [16], [0], n_val=50, n_test=50)
    with pytest.raises(DataError, match="need n_test"):
        event_learning_curve(x, x[:, 0, 2], [16, 450], [0], n_val=50, n_test=50)
    with pytest.raises(DataError, match="shape"):
        event_learning_curve(x[:, 0], x[:, 0, 2], [16], [0])
    with pytest.raises(ConfigError, match="antisymmetric"):
        event_learning_curve(x, x[:, 0, 2], [16], [0], n_val=50, n_test=50, generator=np.eye(3))


def test_load_event_regression_from_pythia(tmp_path):
    events = generate_pythia(EE, 300, 3, {"pid": [13, -13]}, progress=False)
    path = tmp_path / "ee.root"
    write_events(path, events)
    x, f = event_regression(read_events(path), "qed_msq")
    p = four_momenta(events)
    cos = p[:, 0, 3] / np.linalg.norm(p[:, 0, 1:], axis=1)
    assert x.shape == (300, 2, 3)
    np.testing.assert_allclose(f, 1.0 + cos**2, atol=1e-4)  # massive muons: O(m²/s) ~ 1e-5
    _, rap = event_regression(read_events(path), "pair_rapidity")
    assert np.abs(rap).max() < 1e-9
    with pytest.raises(ConfigError, match="target"):
        event_regression(read_events(path), "mass")
    stripped = Events(events.particles, events.weight, {})
    write_events(tmp_path / "bare.root", stripped)
    with pytest.raises(DataError, match="sqrt_s"):
        event_regression(read_events(tmp_path / "bare.root"), "qed_msq")
    _, f2 = event_regression(read_events(tmp_path / "bare.root"), "qed_msq", sqrt_s=SQRT_S)
    np.testing.assert_array_equal(f2, f)
