"""Relevance measures on hand-built encoders with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symvae.config import VAEConfig
from symvae.relevance import count_relevant, latent_relevance, threshold_scan
from symvae.scaling import Standardizer
from symvae.vae import VAE, Architecture, TrainedVAE


def test_measures_from_known_posteriors():
    rng = np.random.default_rng(0)
    n = 200_000
    # direction 0: mean carries a unit-ish signal, posterior variance 0.1;
    # direction 1: collapsed to the prior; direction 2: weak signal
    mu = np.stack(
        [np.sqrt(0.9) * rng.standard_normal(n), np.zeros(n), 0.2 * rng.standard_normal(n)], 1
    )
    var = np.column_stack([np.full(n, 0.1), np.ones(n), np.full(n, 0.96)])
    rel = latent_relevance(mu, var)
    np.testing.assert_allclose(rel.activity, [0.9, 0.0, 0.04], atol=0.01)
    np.testing.assert_allclose(rel.posterior_width, [0.9, 0.0, 0.04], atol=1e-12)
    kl0 = 0.5 * (0.9 + 0.1 - 1 - np.log(0.1))
    np.testing.assert_allclose(
        rel.kl, [kl0, 0.0, 0.5 * (0.04 + 0.96 - 1 - np.log(0.96))], atol=0.01
    )
    assert rel.order.tolist() == [0, 2, 1]
    assert rel.relevant(0.1).tolist() == [True, False, False]
    assert count_relevant(rel.activity, 0.02) == 2
    assert threshold_scan(rel.activity, [0.01, 0.1, 0.95]).tolist() == [2, 1, 0]


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="share a shape"):
        latent_relevance(np.zeros((5, 2)), np.ones((5, 3)))


def test_hand_built_linear_encoder():
    """A linear VAE whose encoder reads x1 with gain 0.5 and ignores x2: activity 0.25·Var(x1)."""
    arch = Architecture(n_features=2, latent_dim=2, kind="linear")
    model = VAE(arch)
    with torch.no_grad():
        model.mu_head.weight.copy_(torch.tensor([[0.5, 0.0], [0.0, 0.0]]))
        model.mu_head.bias.zero_()
        model.logvar_head.weight.zero_()
        model.logvar_head.bias.copy_(torch.log(torch.tensor([0.2, 1.0])))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((100_000, 2)) * [2.0, 3.0] + [1.0, -1.0]
    trained = TrainedVAE(
        model, Standardizer(np.array([1.0, -1.0]), np.ones(2)), VAEConfig(), seed=0
    )
    mu, var = trained.encode(x)
    rel = latent_relevance(mu, var)
    np.testing.assert_allclose(rel.activity, [0.25 * 4.0, 0.0], rtol=0.02, atol=1e-9)
    np.testing.assert_allclose(rel.posterior_width, [0.8, 0.0], atol=1e-6)
    assert count_relevant(rel.activity, 0.1) == 1
