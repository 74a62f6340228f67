"""The training loop of symvae before seeds were batched: one seed at a time.

Kept as the baseline of ``benchmarks/training.py`` (sequential against batched) and of the
test that the ensemble reproduces it (``tests/test_ensemble.py``). It is the loop of
``symvae.vae.train_vae`` as it was (commit 3d2b911), checkpointing left out: nn.Linear layers,
fused Adam, ``ReduceLROnPlateau``, early stopping, one generator per seed for the data order
and the noise.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from symvae.config import VAEConfig
from symvae.errors import DataError
from symvae.scaling import Standardizer
from symvae.vae.device import resolve_device, set_threads
from symvae.vae.model import VAE, elbo_terms
from symvae.vae.trained import HISTORY_KEYS, TrainedVAE, architecture_from_config


def train_sequential_one(
    x_train: ArrayLike,
    x_val: ArrayLike,
    cfg: VAEConfig,
    seed: int,
    *,
    threads: int | None = None,
    progress: bool = True,
    label: str = "train",
) -> TrainedVAE:
    """Train a VAE on ``x_train`` ``(n, d)`` with early stopping on ``x_val`` ``(m, d)``.

    Features are in physical units; a :class:`Standardizer` is fitted on ``x_train``.
    Mini-batches are drawn from in-memory tensors (no per-sample data loader). The
    learning rate halves when the validation loss stalls for ``patience // 3`` epochs;
    training stops after ``patience`` epochs without improvement, and the weights of
    the best validation epoch are restored. On the CPU, the same ``seed`` and ``threads``
    give bitwise identical weights.
    """
    x_train = np.asarray(x_train, dtype=np.float64)
    x_val = np.asarray(x_val, dtype=np.float64)
    if len(x_train) == 0 or len(x_val) == 0:
        raise DataError(
            f"{label}: empty training ({len(x_train)}) or validation ({len(x_val)}) sample"
        )
    set_threads(threads)
    device = resolve_device(cfg.device)
    torch.manual_seed(seed)
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)

    scaler = Standardizer.fit(x_train, cfg.standardize)
    xt = torch.as_tensor(scaler.transform(x_train), dtype=torch.float32, device=device)
    xv = torch.as_tensor(scaler.transform(x_val), dtype=torch.float32, device=device)
    model = VAE(architecture_from_config(cfg, xt.shape[1])).to(device)
    # the fused kernel updates every parameter in one call: with models this small the
    # per-tensor loop of the default implementation is a quarter of a training step
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate, fused=True)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer,
        factor=0.5,
        patience=max(1, cfg.patience // 3),
        threshold=cfg.min_delta,
        threshold_mode="abs",
    )
    gen = torch.Generator(device="cpu").manual_seed(seed)
    # a fixed noise draw for validation: the validation loss is a deterministic function
    # of the weights
    eps_val = torch.randn(xv.shape[0], cfg.latent_dim, generator=gen).to(device)
    n, batch = xt.shape[0], min(cfg.batch_size, xt.shape[0])
    history: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    best_loss, best_epoch, best_state, stale = float("inf"), 0, None, 0
    start = time.perf_counter()
    epochs = range(1, cfg.epochs + 1)
    bar = tqdm(epochs, desc=label, disable=not progress, mininterval=1.0)
    for epoch in bar:
        model.train()
        perm = torch.randperm(n, generator=gen).to(device)
        sums = torch.zeros(2, device=device)
        for i in range(0, n - batch + 1, batch):  # drop the last incomplete batch
            xb = xt[perm[i : i + batch]]
            x_hat, mu, logvar = model(
                xb, torch.randn(batch, cfg.latent_dim, generator=gen).to(device)
            )
            recon, kl = elbo_terms(xb, x_hat, mu, logvar, cfg.sigma2)
            loss = (recon + cfg.beta * kl).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            sums += torch.stack([recon.detach().sum(), kl.detach().sum()])
        n_seen = (n // batch) * batch
        train_recon, train_kl = (sums / n_seen).tolist()

        val_recon, val_kl = _evaluate(model, xv, eps_val, cfg.sigma2)
        val_loss = val_recon + cfg.beta * val_kl
        for key, value in zip(
            HISTORY_KEYS,
            (
                epoch,
                train_recon + cfg.beta * train_kl,
                train_recon,
                train_kl,
                val_loss,
                val_recon,
                val_kl,
            ),
            strict=True,
        ):
            history[key].append(float(value))
        if not np.isfinite(val_loss):
            raise DataError(f"{label}: validation loss is not finite at epoch {epoch}")
        scheduler.step(val_loss)
        if val_loss < best_loss - cfg.min_delta:
            best_loss, best_epoch, stale = val_loss, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
        bar.set_postfix(val=f"{val_loss:.4g}", best=best_epoch, refresh=False)
        if stale >= cfg.patience:
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainedVAE(
        model=model,
        scaler=scaler,
        config=cfg,
        seed=seed,
        history=history,
        best_epoch=best_epoch,
        seconds=time.perf_counter() - start,
    )


def _evaluate(model: VAE, x: torch.Tensor, eps: torch.Tensor, sigma2: float) -> tuple[float, float]:
    model.eval()
    recon_sum = kl_sum = 0.0
    with torch.no_grad():
        for i in range(0, x.shape[0], 16384):
            xb, eb = x[i : i + 16384], eps[i : i + 16384]
            x_hat, mu, logvar = model(xb, eb)
            recon, kl = elbo_terms(xb, x_hat, mu, logvar, sigma2)
            recon_sum += float(recon.sum())
            kl_sum += float(kl.sum())
    return recon_sum / x.shape[0], kl_sum / x.shape[0]
