"""VAE training: determinism on the CPU, persistence, shapes, and the CUDA path where present."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symvae.config import VAEConfig
from symvae.datasets import generate
from symvae.errors import DataError
from symvae.outputs.model import load_model, save_model
from symvae.vae import train_vae

CFG = VAEConfig(latent_dim=3, hidden=(16, 16), epochs=4, batch_size=64, device="cpu")


def _data():
    x = generate("ring", 600, seed=0).features
    return x[:400], x[400:]


def test_same_seed_same_weights_other_seed_other_weights():
    xt, xv = _data()
    a = train_vae(xt, xv, CFG, seed=7, progress=False, threads=1)
    b = train_vae(xt, xv, CFG, seed=7, progress=False, threads=1)
    c = train_vae(xt, xv, CFG, seed=8, progress=False, threads=1)
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k]), k
    assert any(not torch.equal(v, c.model.state_dict()[k]) for k, v in a.model.state_dict().items())
    assert a.history == b.history
    assert len(a.history["val_loss"]) == CFG.epochs
    assert 1 <= a.best_epoch <= CFG.epochs


def test_save_load_round_trip(tmp_path):
    xt, xv = _data()
    trained = train_vae(xt, xv, CFG, seed=1, progress=False)
    path = tmp_path / "m" / "model.pt"
    save_model(path, trained, {"note": "test"})
    assert not list(path.parent.glob("*.part"))
    back = load_model(path)
    mu_a, var_a = trained.encode(xv)
    mu_b, var_b = back.encode(xv)
    np.testing.assert_array_equal(mu_a, mu_b)
    np.testing.assert_array_equal(var_a, var_b)
    assert mu_a.shape == (200, 3) and (var_a > 0).all()
    assert back.decode(mu_a[:5]).shape == (5, 2)
    assert back.history == trained.history and back.config == trained.config


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"missing.pt: model file not found"):
        load_model(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(DataError, match=r"bad.pt: not a readable symvae model"):
        load_model(bad)


def test_empty_sample_is_an_error():
    with pytest.raises(DataError, match=r"empty"):
        train_vae(np.zeros((0, 2)), np.zeros((5, 2)), CFG, seed=0, progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_trains_on_cuda():
    xt, xv = _data()
    cfg = VAEConfig(**{**CFG.__dict__, "device": "cuda"})
    trained = train_vae(xt, xv, cfg, seed=0, progress=False)
    assert next(trained.model.parameters()).is_cuda
    mu, _ = trained.encode(xv)
    assert mu.shape == (200, 3) and np.isfinite(mu).all()


def test_fewer_events_than_the_batch_size_train_in_one_batch():
    """A sample smaller than ``batch_size`` is one batch per epoch, not an error."""
    from symvae.config import VAEConfig
    from symvae.vae import train_vae

    x = np.random.default_rng(0).standard_normal((60, 3))
    cfg = VAEConfig(batch_size=256, epochs=5, patience=5, latent_dim=2, device="cpu")
    trained = train_vae(x[:40], x[40:], cfg, 0, progress=False)
    assert len(trained.history["epoch"]) == 5
    assert np.isfinite(trained.history["train_loss"]).all()


def test_cuda_without_a_device_is_a_config_error(monkeypatch):
    """``device: cuda`` where torch sees no CUDA device: one line naming the key and the
    fallback, before any training (``auto`` falls back to the CPU)."""
    from symvae.errors import ConfigError
    from symvae.vae.device import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match=r"'vae.device': 'cuda' requested .* use 'auto'"):
        resolve_device("cuda")
    assert resolve_device("auto") == torch.device("cpu")
