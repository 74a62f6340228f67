"""The linear-VAE prediction, subspace angles, and a trained linear VAE against theory."""

from __future__ import annotations

import numpy as np

from symvae.config import VAEConfig
from symvae.datasets import generate
from symvae.relevance import latent_relevance
from symvae.theory import covariance_spectrum, linear_vae_relevance, principal_angles_deg
from symvae.vae import train_vae


def test_prediction_formula():
    pred = linear_vae_relevance([4.0, 0.05, 1.0, 0.5], beta=1.0, sigma2=0.1, latent_dim=6)
    np.testing.assert_allclose(pred, [1 - 0.1 / 4, 1 - 0.1 / 1, 1 - 0.1 / 0.5, 0, 0, 0])
    assert linear_vae_relevance([0.3], beta=2.0, sigma2=0.2).tolist() == [0.0]


def test_principal_angles():
    a = np.eye(3)[:, :2]
    rot = np.array([[1, 0, 0], [0, np.cos(0.3), -np.sin(0.3)], [0, np.sin(0.3), np.cos(0.3)]])
    np.testing.assert_allclose(
        np.sort(principal_angles_deg(a, rot @ a)), [0.0, np.degrees(0.3)], atol=1e-9
    )
    np.testing.assert_allclose(principal_angles_deg(a, a @ [[2, 1], [0, 3]]), [0, 0], atol=1e-7)


def test_trained_linear_vae_matches_theory():
    """Activities of a trained linear VAE on its training inputs equal 1 − βs²/λ (±0.03).

    The linear VAE aligns its latent axes with the principal axes slowly: on these 6000
    events it needs about 250 epochs (150 leave it visibly off the optimum).
    """
    ds = generate("linear_gaussian", 8000, seed=3, params={"spectrum": [4.0, 1.0, 0.3, 0.01]})
    x_train, x_val = ds.features[:6000], ds.features[6000:]
    cfg = VAEConfig(architecture="linear", latent_dim=4, sigma2=0.1, epochs=500, patience=40)
    trained = train_vae(x_train, x_val, cfg, seed=0, progress=False)
    lam, _ = covariance_spectrum(trained.scaler.transform(x_train))
    theory = linear_vae_relevance(lam, cfg.beta, cfg.sigma2, cfg.latent_dim)
    mu, var = trained.encode(x_train)
    rel = latent_relevance(mu, var)
    measured = rel.activity[rel.order]
    np.testing.assert_allclose(measured, theory, atol=0.03)
    np.testing.assert_allclose(rel.posterior_width[rel.order], theory, atol=0.03)
