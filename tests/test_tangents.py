"""Learned and true tangent spaces: hand-built models with known Jacobians, analytic constraints,
the map to standardized coordinates, and one small trained VAE."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from symvae.config import VAEConfig
from symvae.datasets import generate
from symvae.directions.subspaces import principal_angles
from symvae.directions.tangents import (
    MUON_MASS,
    TangentTruth,
    basis_truth,
    batched_principal_angles,
    circle_truth,
    evaluate_tangents,
    learned_tangents,
    linear_gaussian_truth,
    polynomial,
    score_tangents,
    true_tangents,
    truth_for,
)
from symvae.errors import DataError
from symvae.scaling import Standardizer
from symvae.vae import train_vae
from symvae.vae.model import VAE, Architecture

torch.set_num_threads(1)


def _linear_vae(enc: np.ndarray, dec: np.ndarray) -> VAE:
    """A linear VAE with encoder-mean weights ``enc`` (L, d) and decoder weights ``dec`` (d, L)."""
    latent, d = enc.shape
    vae = VAE(Architecture(n_features=d, latent_dim=latent, kind="linear"))
    with torch.no_grad():
        vae.mu_head.weight.copy_(torch.as_tensor(enc))
        vae.mu_head.bias.zero_()
        vae.decoder.weight.copy_(torch.as_tensor(dec))
        vae.decoder.bias.zero_()
    return vae


class _ToCircle(nn.Module):
    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return u / u.norm(dim=-1, keepdim=True)


def _circle_vae() -> VAE:
    """Encoder mean: radial projection onto the unit circle; decoder: identity."""
    vae = VAE(Architecture(n_features=2, latent_dim=2, kind="linear"))
    vae.encoder = _ToCircle()
    with torch.no_grad():
        vae.mu_head.weight.copy_(torch.eye(2))
        vae.mu_head.bias.zero_()
        vae.decoder.weight.copy_(torch.eye(2))
        vae.decoder.bias.zero_()
    return vae


def _sphere_directions(n, rng):
    v = rng.standard_normal((n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_plane_projection_model_recovers_the_plane():
    rng = np.random.default_rng(0)
    plane = np.linalg.qr(rng.standard_normal((3, 2)))[0]
    # three latents: two along the plane, one collapsed (its encoder row is zero)
    enc = np.vstack([plane.T, np.zeros((1, 3))])
    dec = np.hstack([plane, rng.standard_normal((3, 1))])
    u = rng.standard_normal((50, 3))
    learned = learned_tangents(_linear_vae(enc, dec), u, relevant=[True, True, False], k=2)
    assert learned.basis.shape == (50, 3, 2)
    assert learned.singular_values.shape == (50, 3)
    np.testing.assert_allclose(learned.singular_values[:, :2], 1.0, atol=1e-6)
    np.testing.assert_allclose(learned.singular_values[:, 2], 0.0, atol=1e-6)
    true = true_tangents(u, basis_truth(plane))
    score = score_tangents(learned, true)
    assert score.angles.shape == (50, 2)
    assert score.median < 1e-3 and score.p90 < 1e-3
    assert np.isinf(score.gap_median) or score.gap_median > 1e6
    # the collapsed latent's decoder column points out of the plane: using it is wrong
    wrong = learned_tangents(_linear_vae(enc, dec), u, relevant=[0, 2], k=2)
    assert score_tangents(wrong, true).median > 10


def test_circle_projection_model_gives_the_tangent_not_the_plane():
    rng = np.random.default_rng(1)
    phi = rng.uniform(0, 2 * np.pi, 40)
    u = np.column_stack([np.cos(phi), np.sin(phi)]) * (1 + 0.01 * rng.standard_normal((40, 1)))
    vae = _circle_vae()
    learned = learned_tangents(vae, u, relevant=[0, 1], k=1)
    # the decoder restricted to both latents spans the plane; the round trip only the tangent
    np.testing.assert_allclose(learned.decoder_singular_values, 1.0, atol=1e-6)
    assert np.all(learned.singular_values[:, 1] < 1e-6)
    tangent = np.column_stack([-u[:, 1], u[:, 0]])
    cos = np.abs(np.sum(learned.basis[:, :, 0] * tangent, axis=1)) / np.linalg.norm(tangent, axis=1)
    np.testing.assert_allclose(cos, 1.0, atol=1e-9)
    score = score_tangents(learned, true_tangents(u, circle_truth(1.0)))
    assert score.median < 1e-4


def test_circle_constraint_tangent_is_minus_y_x():
    phi = np.linspace(0, 2 * np.pi, 13)
    x = np.column_stack([np.cos(phi), np.sin(phi)])
    t = true_tangents(x, circle_truth())
    assert t.shape == (13, 2, 1)
    cross = t[:, 0, 0] * x[:, 0] + t[:, 1, 0] * x[:, 1]  # orthogonal to the radius
    np.testing.assert_allclose(cross, 0.0, atol=1e-12)
    np.testing.assert_allclose(np.abs(t[:, 0, 0] * -x[:, 1] + t[:, 1, 0] * x[:, 0]), 1.0)


def test_mass_shell_tangent_is_orthogonal_to_the_euclidean_gradient():
    rng = np.random.default_rng(2)
    m = 0.5
    p = rng.standard_normal((30, 3)) * 10
    e = np.sqrt(m**2 + np.sum(p**2, axis=1))
    x = np.column_stack([e, p])
    shell = TangentTruth(
        constraints=polynomial(4, {(0, 0): 1, (1, 1): -1, (2, 2): -1, (3, 3): -1, (): -(m**2)})
    )
    t = true_tangents(x, shell)
    assert t.shape == (30, 4, 3)  # dimension from the rank of the gradient
    grad = np.column_stack([e, -p])
    np.testing.assert_allclose(np.einsum("nd,ndk->nk", grad, t), 0.0, atol=1e-9)
    np.testing.assert_allclose(
        np.swapaxes(t, 1, 2) @ t, np.broadcast_to(np.eye(3), (30, 3, 3)), atol=1e-12
    )


def test_tangents_map_to_standardized_coordinates():
    """An ellipse in physical units that is the unit circle in standardized ones: the true
    tangent there is (−u_y, u_x), and a model that projects u onto the circle agrees."""
    rng = np.random.default_rng(3)
    mean, scale = np.array([5.0, -2.0]), np.array([30.0, 0.2])
    scaler = Standardizer(mean, scale)
    phi = rng.uniform(0, 2 * np.pi, 60)
    u = np.column_stack([np.cos(phi), np.sin(phi)])
    x = scaler.inverse(u)
    # ((x - m) / s)^2 summed = 1, written out as a polynomial in x
    a = 1 / scale**2
    ellipse = polynomial(
        2,
        {(0, 0): a[0], (0,): -2 * a[0] * mean[0], (1, 1): a[1], (1,): -2 * a[1] * mean[1],
         (): a[0] * mean[0] ** 2 + a[1] * mean[1] ** 2 - 1},
    )  # fmt: skip
    np.testing.assert_allclose(ellipse.evaluate(x), 0.0, atol=1e-9)
    t = true_tangents(x, TangentTruth(constraints=ellipse, dof=1), scaler)
    cos = np.abs(t[:, 0, 0] * -u[:, 1] + t[:, 1, 0] * u[:, 0])
    np.testing.assert_allclose(cos, 1.0, atol=1e-9)
    # physical tangent v mapped as v / scale, not v * scale
    t_phys = true_tangents(x, TangentTruth(constraints=ellipse, dof=1))
    mapped = t_phys[:, :, 0] / scale
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    np.testing.assert_allclose(np.abs(np.sum(mapped * t[:, :, 0], axis=1)), 1.0, atol=1e-9)
    learned = learned_tangents(_circle_vae(), u, relevant=[0, 1], k=1)
    assert score_tangents(learned, t).p90 < 1e-4
    # a fixed basis maps the same way
    tb = true_tangents(x, basis_truth([[1.0], [1.0]]), scaler)
    expected = np.array([1 / scale[0], 1 / scale[1]]) / np.linalg.norm(1 / scale)
    np.testing.assert_allclose(np.abs(tb[0, :, 0]), expected, atol=1e-12)


def test_two_body_decay_with_energies_constant_to_rounding():
    """e+e- -> mu mu: E_1 = E_2 = sqrt(s)/2 up to rounding, so their standardization scale is
    ~1e-12; the tangent must still be the 2-D sphere of directions with no energy component."""
    rng = np.random.default_rng(4)
    sqrt_s = 91.1876
    e = np.full(200, sqrt_s / 2) + rng.normal(0, 3e-12, 200)
    p = _sphere_directions(200, rng) * np.sqrt((sqrt_s / 2) ** 2 - MUON_MASS**2)
    x = np.column_stack([e, p, sqrt_s - e, -p])
    truth = truth_for("ee_mumu")
    # Standardizer.fit treats these energies as constant (scale 1); a scaler fitted naively
    # (plain std) has scale ~1e-12, and the tangent must not care
    scaler = Standardizer(x.mean(axis=0), x.std(axis=0))
    assert scaler.scale[0] < 1e-10
    assert Standardizer.fit(x).scale[0] == 1.0
    t = true_tangents(x, truth, scaler)
    assert t.shape == (200, 8, 2)
    assert np.abs(t[:, [0, 4], :]).max() < 1e-6
    # the tangent is (dp, -dp) with dp orthogonal to p, in standardized units
    v = np.zeros((200, 8, 2))
    for i in range(200):
        q = np.linalg.qr(np.column_stack([p[i], rng.standard_normal((3, 2))]))[0][:, 1:]
        v[i, 1:4], v[i, 5:8] = q, -q
    v /= scaler.scale[None, :, None]
    v[:, [0, 4]] = 0.0
    v = np.linalg.qr(v)[0]
    assert batched_principal_angles(t, v).max() < 1e-3


@pytest.mark.parametrize(("name", "dof"), [("ee_mumu", 2), ("pp_mumu_lo", 4), ("rambo3", 5)])
def test_collider_truth_dimensions(name, dof):
    rng = np.random.default_rng(5)
    n = 20
    if name == "rambo3":
        # three massless momenta summing to zero with total energy 100
        p1, p2 = rng.standard_normal((n, 3)) * 10, rng.standard_normal((n, 3)) * 10
        p3 = -(p1 + p2)
        parts = [np.column_stack([np.linalg.norm(q, axis=1), q]) for q in (p1, p2, p3)]
        x = np.hstack(parts)
        x *= 100 / x[:, 0::4].sum(axis=1, keepdims=True)
    else:
        pt = rng.standard_normal((n, 2)) * 20
        pz1, pz2 = rng.standard_normal(n) * 100, rng.standard_normal(n) * 100
        if name == "ee_mumu":
            pz2 = -pz1
        p1 = np.column_stack([pt, pz1])
        p2 = np.column_stack([-pt, pz2])
        e1 = np.sqrt(MUON_MASS**2 + np.sum(p1**2, axis=1))
        e2 = np.sqrt(MUON_MASS**2 + np.sum(p2**2, axis=1))
        x = np.column_stack([e1, p1, e2, p2])
    truth = truth_for(name)
    t = true_tangents(x, truth)
    assert t.shape == (n, x.shape[1], dof)
    np.testing.assert_allclose(np.einsum("nkd,ndj->nkj", truth.gradients(x), t), 0.0, atol=1e-8)


def test_linear_gaussian_truth_keeps_the_large_eigenvalues():
    ds = generate("linear_gaussian", 10, seed=0)
    truth = truth_for("linear_gaussian", metadata=ds.metadata)
    assert truth.dof == 4
    u = np.asarray(ds.metadata["rotation"])
    assert principal_angles(truth.basis, u[:, :4]).max() < 1e-10
    assert linear_gaussian_truth(u, [3.0, 2.0, 1.0, 0.5, 0.4, 0.3, 0.2, 0.1], 0.35).dof == 5
    with pytest.raises(DataError, match="rotation"):
        truth_for("linear_gaussian")
    with pytest.raises(DataError, match="no analytic tangent"):
        truth_for("cms_zmumu")


def test_batched_angles_match_scipy():
    rng = np.random.default_rng(6)
    a = np.linalg.qr(rng.standard_normal((25, 6, 2)))[0]
    b = np.linalg.qr(rng.standard_normal((25, 6, 3)))[0]
    ang = batched_principal_angles(a, b)
    ref = np.array([np.degrees(principal_angles(a[i], b[i])) for i in range(25)])
    np.testing.assert_allclose(ang, ref, atol=1e-8)
    tiny = np.linalg.qr(a + 1e-9 * rng.standard_normal(a.shape))[0]
    assert batched_principal_angles(a, tiny).max() < 1e-5  # small angles from the sines


def test_non_finite_events_are_rejected():
    x = np.array([[1.0, 0.0], [np.nan, 1.0]])
    with pytest.raises(DataError, match="non-finite"):
        true_tangents(x, circle_truth())


def test_trained_vae_on_a_ring_follows_the_circle():
    x = generate("ring", 2000, seed=0).features
    cfg = VAEConfig(
        latent_dim=3,
        hidden=(32, 32),
        epochs=100,
        patience=100,
        batch_size=128,
        learning_rate=0.005,
        device="cpu",
    )
    trained = train_vae(x[:1600], x[1600:], cfg, seed=0, progress=False, threads=1)
    score = evaluate_tangents(trained, x[1600:], truth_for("ring"))
    assert score.k_learned == score.k_true == 1
    assert score.relevant.size == 2  # a circle occupies two latents
    assert score.median < 5.0, score.summary()
    assert score.gap_median > 5.0  # the round trip separates tangent from normal
    local = evaluate_tangents(trained, x[1600:], truth_for("ring"), k="local")
    assert local.k_learned == 1
