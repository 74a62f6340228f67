"""The batched ensemble: each seed trains as it would alone, and the shared arithmetic is
torch's (Adam, the plateau schedule, the VAE's forward pass)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from symvae.config import VAEConfig
from symvae.vae import VAE, Architecture, StackedVAE, train_ensemble, train_vae
from symvae.vae import ensemble as ensemble_module
from symvae.vae.schedule import Plateau
from symvae.vae.stacked import AdamState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reference_training import train_sequential_one

CFG = VAEConfig(
    latent_dim=3, hidden=(16, 16), epochs=25, batch_size=64, patience=4, learning_rate=0.01
)


def _data(n: int = 900, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    x = np.column_stack([np.cos(t), np.sin(t), 0.1 * rng.standard_normal(n)])[:, :d]
    return x[: n * 2 // 3], x[n * 2 // 3 :]


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("kind", ["mlp", "linear"])
def test_a_seed_in_the_ensemble_is_bitwise_the_seed_alone(kind):
    cfg = dataclasses.replace(CFG, architecture=kind, epochs=40, min_delta=0.03)
    xt, xv = _data()
    together = train_ensemble(xt, xv, cfg, [5, 1, 9], progress=False, threads=1)
    if kind == "mlp":  # the seeds stop at different epochs and leave the stack one by one
        assert sorted(len(t.history["epoch"]) for t in together) == [25, 31, 40]
    for t in together:
        alone = train_vae(xt, xv, cfg, t.seed, progress=False, threads=1)
        assert _same(t.model, alone.model), t.seed
        assert t.history == alone.history and t.best_epoch == alone.best_epoch


def test_ensemble_follows_the_sequential_loop():
    """Same initialization, data order and algorithm as the loop of one seed with torch's
    Adam and scheduler: after a few epochs the weights agree to float32 rounding (the
    hand-written Adam update rounds differently from torch's fused kernel)."""
    cfg = dataclasses.replace(CFG, epochs=3, patience=100)
    xt, xv = _data()
    (ens,) = train_ensemble(xt, xv, cfg, [3], progress=False, threads=1)
    ref = train_sequential_one(xt, xv, cfg, 3, progress=False, threads=1)
    for key, value in ref.model.state_dict().items():
        np.testing.assert_allclose(ens.model.state_dict()[key], value, atol=2e-5, rtol=0)
    np.testing.assert_allclose(ens.history["val_loss"], ref.history["val_loss"], rtol=1e-4)
    assert not _same(ens.model, VAE(ens.model.arch))  # it did train


def test_stacked_forward_is_each_models_forward():
    arch = Architecture(n_features=4, latent_dim=2, hidden=(8, 5), activation="tanh")
    models = []
    for seed in range(3):
        torch.manual_seed(seed)
        models.append(VAE(arch))
    stack = StackedVAE.from_models(models)
    x, eps = torch.randn(3, 7, 4), torch.randn(3, 7, 2)
    out = stack.forward(x, eps)
    for s, model in enumerate(models):
        # the same function (batched and plain products round alike only for some shapes)
        for got, want in zip(out, model(x[s], eps[s]), strict=True):
            torch.testing.assert_close(got[s], want, rtol=1e-6, atol=1e-6)
        # and bitwise the model's own stack of one
        alone = StackedVAE.from_models([model]).forward(x[s : s + 1], eps[s : s + 1])
        for got, want in zip(out, alone, strict=True):
            assert torch.equal(got[s], want[0])
        assert _same_state(stack.state_dict(s), model.state_dict())
    kept = stack.select([0, 2])
    assert _same_state(kept.state_dict(1), models[2].state_dict())


def _same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_stacked_adam_is_torch_adam_with_one_rate_per_model():
    arch = Architecture(n_features=3, latent_dim=2, hidden=(6,))
    torch.manual_seed(0)
    models = [VAE(arch), VAE(arch)]
    refs = [VAE(arch), VAE(arch)]
    for ref, model in zip(refs, models, strict=True):
        ref.load_state_dict(model.state_dict())
    rates = [0.01, 0.003]
    optimizers = [
        torch.optim.Adam(r.parameters(), lr=lr, foreach=False)
        for r, lr in zip(refs, rates, strict=True)
    ]
    stack = StackedVAE.from_models(models)
    adam = AdamState.zeros(stack, rates)
    x, eps = torch.randn(2, 16, 3), torch.randn(2, 16, 2)
    for _ in range(40):
        stack.grad.zero_()
        x_hat, mu, logvar = stack.forward(x, eps)
        ((x - x_hat).pow(2).sum() + mu.pow(2).sum() + logvar.pow(2).sum()).backward()
        adam.update(stack)
        for s, (ref, opt) in enumerate(zip(refs, optimizers, strict=True)):
            opt.zero_grad()
            r_hat, r_mu, r_logvar = ref(x[s], eps[s])
            ((x[s] - r_hat).pow(2).sum() + r_mu.pow(2).sum() + r_logvar.pow(2).sum()).backward()
            opt.step()
    for s, ref in enumerate(refs):
        for key, value in ref.state_dict().items():
            np.testing.assert_allclose(stack.state_dict(s)[key], value, atol=1e-5, rtol=0)


def test_plateau_is_torch_reduce_lr_on_plateau():
    rng = np.random.default_rng(1)
    for trial in range(20):
        losses = np.cumsum(rng.normal(-0.01 * (trial % 3), 0.05, 200))
        patience, threshold = int(rng.integers(1, 8)), float(rng.choice([0.0, 1e-4, 0.02]))
        param = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([param], lr=0.002)
        ref = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, factor=0.5, patience=patience, threshold=threshold, threshold_mode="abs"
        )
        ours = Plateau(0.002, factor=0.5, patience=patience, threshold=threshold)
        for loss in losses:
            ref.step(loss)
            assert ours.step(float(loss)) == opt.param_groups[0]["lr"]


def test_a_killed_ensemble_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch):
    cfg = dataclasses.replace(CFG, epochs=12, patience=3)
    xt, xv = _data()
    straight = train_ensemble(xt, xv, cfg, [0, 1, 2], progress=False)
    ckpt = tmp_path / "run.ckpt"
    validate = ensemble_module._validate

    def killed_at_epoch_7(stack, group, xv, cfg, epoch, label):
        if epoch == 7:
            raise KeyboardInterrupt
        validate(stack, group, xv, cfg, epoch, label)

    monkeypatch.setattr(ensemble_module, "_validate", killed_at_epoch_7)
    with pytest.raises(KeyboardInterrupt):
        train_ensemble(xt, xv, cfg, [0, 1, 2], progress=False, checkpoint=ckpt, checkpoint_every=0)
    monkeypatch.setattr(ensemble_module, "_validate", validate)
    resumed = train_ensemble(xt, xv, cfg, [0, 1, 2], progress=False, checkpoint=ckpt)
    for a, b in zip(straight, resumed, strict=True):
        assert _same(a.model, b.model) and a.history == b.history
        assert b.resumed_from == 6


def test_seeds_must_be_distinct():
    xt, xv = _data()
    with pytest.raises(ValueError, match="distinct"):
        train_ensemble(xt, xv, CFG, [1, 1], progress=False)
