"""Training one VAE: in-memory mini-batches, early stopping on a validation split."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from symvae.config import VAEConfig
from symvae.errors import DataError
from symvae.scaling import Standardizer
from symvae.vae.checkpoint import fingerprint, load_checkpoint, save_checkpoint
from symvae.vae.device import resolve_device, set_threads
from symvae.vae.model import VAE, Architecture, elbo_terms

__all__ = ["TrainedVAE", "architecture_from_config", "train_vae"]

HISTORY_KEYS = ("epoch", "train_loss", "train_recon", "train_kl", "val_loss", "val_recon", "val_kl")


@dataclass
class TrainedVAE:
    """A trained model with the scaler it expects and its training record."""

    model: VAE
    scaler: Standardizer
    config: VAEConfig
    seed: int
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    seconds: float = 0.0
    """Wall time of the training (s), resumed runs included; in memory only (``model.pt``
    holds no time; 0.0 for a loaded model)."""
    resumed_from: int = 0
    """The epoch of the checkpoint the run resumed from (0: started from scratch)."""

    def encode(self, x: ArrayLike, batch: int = 65536) -> tuple[np.ndarray, np.ndarray]:
        """Posterior means and variances, each (n, L), of features ``x`` (n, d), physical units."""
        u = self.scaler.transform(x)
        device = next(self.model.parameters()).device
        mus, variances = [], []
        self.model.eval()
        with torch.no_grad():
            for start in range(0, len(u), batch):
                t = torch.as_tensor(u[start : start + batch], dtype=torch.float32, device=device)
                mu, logvar = self.model.encode(t)
                mus.append(mu.double().cpu().numpy())
                variances.append(logvar.double().exp().cpu().numpy())
        return np.concatenate(mus), np.concatenate(variances)

    def decode(self, z: ArrayLike) -> np.ndarray:
        """Decoder means in physical units, ``(n, d)``, for latents ``z`` ``(n, L)``."""
        device = next(self.model.parameters()).device
        self.model.eval()
        with torch.no_grad():
            t = torch.as_tensor(np.asarray(z), dtype=torch.float32, device=device)
            u = self.model.decode(t).double().cpu().numpy()
        return self.scaler.inverse(u)


def architecture_from_config(cfg: VAEConfig, n_features: int) -> Architecture:
    """The :class:`Architecture` that ``cfg`` describes for ``n_features`` inputs."""
    return Architecture(
        n_features=n_features,
        latent_dim=cfg.latent_dim,
        kind=cfg.architecture,
        hidden=tuple(cfg.hidden),
        activation=cfg.activation,
    )


def train_vae(
    x_train: ArrayLike,
    x_val: ArrayLike,
    cfg: VAEConfig,
    seed: int,
    *,
    threads: int | None = None,
    progress: bool = True,
    label: str = "train",
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 10.0,
) -> TrainedVAE:
    """Train a VAE on ``x_train`` ``(n, d)`` with early stopping on ``x_val`` ``(m, d)``.

    Features are in physical units; a :class:`Standardizer` is fitted on ``x_train``.
    Mini-batches are drawn from in-memory tensors (no per-sample data loader). The
    learning rate halves when the validation loss stalls for ``patience // 3`` epochs;
    training stops after ``patience`` epochs without improvement, and the weights of
    the best validation epoch are restored. On the CPU, the same ``seed`` and ``threads``
    give bitwise identical weights.

    With ``checkpoint`` (a file path), the complete training state is written there after
    the first epoch that ends at least ``checkpoint_every`` seconds after the previous write
    (0: every epoch; a write costs about 2 ms, 10 % of an epoch of the default model), and
    atomically; a run that finds a checkpoint of the same config, seed and
    data resumes from it: a run killed at any point and started again ends with the same
    weights and history as an uninterrupted one. The caller removes the file when done.
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
    first_epoch, done_seconds = 1, 0.0
    run_key = fingerprint(cfg, seed, x_train, x_val) if checkpoint is not None else ""
    state = load_checkpoint(checkpoint, run_key) if checkpoint is not None else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        history = state["history"]
        best_loss, best_epoch, stale = state["best_loss"], state["best_epoch"], state["stale"]
        best_state = state["best_state"]
        first_epoch, done_seconds = state["epoch"] + 1, state["seconds"]
    start = time.perf_counter() - done_seconds
    last_write = -float("inf")

    stopped = state is not None and state["stopped"]
    epochs = range(first_epoch, cfg.epochs + 1) if not stopped else range(0)
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
        if checkpoint is not None and time.perf_counter() - last_write >= checkpoint_every:
            last_write = time.perf_counter()
            save_checkpoint(
                checkpoint,
                {
                    "fingerprint": run_key,
                    "epoch": epoch,
                    "stopped": stale >= cfg.patience,
                    "seconds": time.perf_counter() - start,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "generator": gen.get_state(),
                    "history": history,
                    "best_loss": best_loss,
                    "best_epoch": best_epoch,
                    "best_state": best_state,
                    "stale": stale,
                },
            )
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
        resumed_from=first_epoch - 1,
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
