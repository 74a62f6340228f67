"""Training several seeds of one VAE as one batched ensemble.

Every seed keeps its own initialization (``torch.manual_seed(seed)`` before its model is
built), its own random generator (data order, reparametrization noise, the fixed validation
noise), its own Adam moments and learning rate, its own schedule and early stopping. Only the
arithmetic is shared: the seeds' weights are stacked (:class:`~symvae.vae.stacked.StackedVAE`),
each layer of all of them is one batched matrix product over a ``(seeds, batch, features)``
tensor, and one Adam step updates all of them, so a step of ``S`` seeds costs the kernel
launches and the Python of one.

On the CPU a seed's slice of a batched product or update is bitwise what it is when the seed
is trained alone, so a seed trained in an ensemble ends with bitwise the weights it gets alone
(:func:`symvae.vae.train_vae`, an ensemble of one). A seed that stops early leaves the stack;
the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor
from tqdm.auto import tqdm

from symvae.config import VAEConfig
from symvae.errors import DataError
from symvae.scaling import Standardizer
from symvae.vae.checkpoint import fingerprint, load_checkpoint, save_checkpoint
from symvae.vae.device import resolve_device, set_threads
from symvae.vae.model import VAE, elbo_terms
from symvae.vae.schedule import Plateau
from symvae.vae.stacked import AdamState, StackedVAE
from symvae.vae.trained import HISTORY_KEYS, TrainedVAE, architecture_from_config

__all__ = ["train_ensemble"]

_VALIDATION_CHUNK = 16384


@dataclass
class _Member:
    """One seed of the ensemble: everything that makes its training its own."""

    seed: int
    schedule: Plateau
    generator: torch.Generator
    eps_val: Tensor
    history: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in HISTORY_KEYS})
    best_loss: float = float("inf")
    best_epoch: int = 0
    best_state: dict[str, Tensor] | None = None
    stale: int = 0
    stopped: bool = False
    resumed_from: int = 0
    final: dict[str, Tensor] | None = None
    """The weights it had when it left the stack (stopped, or the last epoch)."""

    def state(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule.state_dict(),
            "generator": self.generator.get_state(),
            "history": self.history,
            "best_loss": self.best_loss,
            "best_epoch": self.best_epoch,
            "best_state": self.best_state,
            "stale": self.stale,
            "stopped": self.stopped,
            "final": self.final,
        }

    def restore(self, state: dict[str, Any], epoch: int) -> None:
        self.schedule = Plateau(**state["schedule"])
        self.generator.set_state(state["generator"])
        self.history = state["history"]
        self.best_loss, self.best_epoch = state["best_loss"], state["best_epoch"]
        self.best_state, self.stale = state["best_state"], state["stale"]
        self.stopped, self.final = state["stopped"], state["final"]
        self.resumed_from = epoch


def _member(seed: int, cfg: VAEConfig, n_val: int, device: torch.device) -> _Member:
    schedule = Plateau(
        cfg.learning_rate,
        factor=0.5,
        patience=max(1, cfg.patience // 3),
        threshold=cfg.min_delta,
    )
    generator = torch.Generator(device="cpu").manual_seed(seed)
    # a fixed noise draw for validation: the validation loss is a deterministic function
    # of the weights
    eps_val = torch.randn(n_val, cfg.latent_dim, generator=generator).to(device)
    return _Member(seed, schedule, generator, eps_val)


def _initial_model(seed: int, arch: Any, device: torch.device) -> VAE:
    torch.manual_seed(seed)
    return VAE(arch).to(device)


def train_ensemble(
    x_train: ArrayLike,
    x_val: ArrayLike,
    cfg: VAEConfig,
    seeds: Sequence[int],
    *,
    threads: int | None = None,
    progress: bool = True,
    label: str = "train",
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 10.0,
) -> list[TrainedVAE]:
    """Train one VAE per seed on ``x_train`` ``(n, d)``, early stopping on ``x_val`` ``(m, d)``.

    Features are in physical units; one :class:`Standardizer` is fitted on ``x_train`` and
    shared by all seeds. Each seed draws its own mini-batches from in-memory tensors (the last
    incomplete batch is dropped), halves its learning rate when its validation loss stalls
    for ``patience // 3`` epochs, stops after ``patience`` epochs without improvement and
    keeps the weights of its best validation epoch. Returns the trained models in the order
    of ``seeds``. On the CPU, the same seeds and ``threads`` give bitwise identical weights,
    and a seed's weights do not depend on which other seeds share its ensemble.

    With ``checkpoint`` (a file path), the complete state of every seed is written there
    atomically after the first epoch that ends at least ``checkpoint_every`` seconds after the
    previous write (0: every epoch); a run that finds a checkpoint of the same config, seeds
    and data resumes from it, and ends with the weights and history of an uninterrupted run.
    The caller removes the file when done.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"{label}: seeds must be distinct and at least one, got {seeds}")
    x_train = np.asarray(x_train, dtype=np.float64)
    x_val = np.asarray(x_val, dtype=np.float64)
    if len(x_train) == 0 or len(x_val) == 0:
        raise DataError(
            f"{label}: empty training ({len(x_train)}) or validation ({len(x_val)}) sample"
        )
    set_threads(threads)
    device = resolve_device(cfg.device)
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)

    scaler = Standardizer.fit(x_train, cfg.standardize)
    xt = torch.as_tensor(scaler.transform(x_train), dtype=torch.float32, device=device)
    xv = torch.as_tensor(scaler.transform(x_val), dtype=torch.float32, device=device)
    arch = architecture_from_config(cfg, xt.shape[1])
    members = [_member(s, cfg, xv.shape[0], device) for s in seeds]
    stack = StackedVAE.from_models([_initial_model(s, arch, device) for s in seeds])
    adam = AdamState.zeros(stack, [m.schedule.lr for m in members])
    active = list(range(len(members)))  # the members in the stack, in its order

    first_epoch, done_seconds = 1, 0.0
    run_key = _fingerprint(cfg, seeds, x_train, x_val) if checkpoint is not None else ""
    state = load_checkpoint(checkpoint, run_key) if checkpoint is not None else None
    if state is not None:
        for m in members:
            m.restore(state["members"][str(m.seed)], state["epoch"])
        active = [i for i, m in enumerate(members) if not m.stopped]
        if active:  # else every seed has its weights already
            saved = state["adam"]
            stack = StackedVAE(
                arch, [{k: v.to(device) for k, v in st.items()} for st in state["stack"]]
            )
            adam = AdamState(
                saved["exp_avg"].to(device),
                saved["exp_avg_sq"].to(device),
                saved["lr"],
                saved["step"],
            )
        first_epoch, done_seconds = state["epoch"] + 1, state["seconds"]
    start = time.perf_counter() - done_seconds
    last_write = -float("inf")

    batch = min(cfg.batch_size, xt.shape[0])
    epochs = range(first_epoch, cfg.epochs + 1) if active else range(0)
    bar = tqdm(epochs, desc=label, disable=not progress, mininterval=1.0)
    for epoch in bar:
        group = [members[i] for i in active]
        _train_epoch(stack, adam, group, xt, batch, cfg)
        _validate(stack, group, xv, cfg, epoch, label)
        adam.lr = torch.tensor([m.schedule.lr for m in group], dtype=torch.float64)
        if epoch == cfg.epochs:
            for m in group:
                m.stopped = True
        if any(m.stopped for m in group):
            for s, m in enumerate(group):
                if m.stopped:
                    m.final = stack.state_dict(s)
            keep = [s for s, m in enumerate(group) if not m.stopped]
            if keep:
                old, stack = stack, stack.select(keep)
                adam = adam.select(stack, old, keep)
            active = [active[s] for s in keep]
        if checkpoint is not None and time.perf_counter() - last_write >= checkpoint_every:
            last_write = time.perf_counter()
            save_checkpoint(
                checkpoint,
                {
                    "fingerprint": run_key,
                    "epoch": epoch,
                    "seconds": time.perf_counter() - start,
                    "members": {str(m.seed): m.state() for m in members},
                    "stack": [stack.state_dict(s) for s in range(len(active))],
                    "adam": {
                        "exp_avg": adam.exp_avg,
                        "exp_avg_sq": adam.exp_avg_sq,
                        "lr": adam.lr,
                        "step": adam.step,
                    },
                },
            )
        bar.set_postfix(training=f"{len(active)}/{len(members)}", refresh=False)
        if not active:
            break
    bar.close()

    seconds = time.perf_counter() - start
    out = []
    for s, m in enumerate(members):
        model = VAE(arch).to(device)
        weights = m.best_state or m.final
        if weights is None:  # epochs: 0 in the stack still
            weights = stack.state_dict(active.index(s))
        model.load_state_dict(weights)
        model.eval()
        out.append(
            TrainedVAE(
                model=model,
                scaler=scaler,
                config=cfg,
                seed=m.seed,
                history=m.history,
                best_epoch=m.best_epoch,
                seconds=seconds,
                resumed_from=m.resumed_from,
            )
        )
    return out


def _fingerprint(cfg: VAEConfig, seeds: Sequence[int], *arrays: np.ndarray) -> str:
    # one seed keeps the fingerprint of a single training
    return fingerprint(cfg, seeds[0] if len(seeds) == 1 else tuple(seeds), *arrays)


def _train_epoch(
    stack: StackedVAE,
    adam: AdamState,
    group: Sequence[_Member],
    xt: Tensor,
    batch: int,
    cfg: VAEConfig,
) -> None:
    """One epoch of every seed in the stack, each over its own permutation of the data."""
    device = xt.device
    n, latent = xt.shape[0], cfg.latent_dim
    steps = n // batch  # the last incomplete batch is dropped
    perms, noise = [], []
    for m in group:
        perms.append(torch.randperm(n, generator=m.generator))
        noise.append(torch.randn(steps, batch, latent, generator=m.generator))
    # every seed's epoch in its own order, gathered once: (S, n, d)
    shuffled = xt[torch.stack(perms).to(device)]
    eps_all = torch.stack(noise, dim=1).to(device)  # (steps, S, batch, L)
    sums = torch.zeros(len(group), 2, device=device)
    for k in range(steps):
        xb = shuffled[:, k * batch : (k + 1) * batch]
        x_hat, mu, logvar = stack.forward(xb, eps_all[k])
        recon, kl = elbo_terms(xb, x_hat, mu, logvar, cfg.sigma2)
        # the sum of the seeds' mean losses: each seed's gradient is its own loss's
        loss = (recon + cfg.beta * kl).mean(dim=1).sum()
        stack.grad.zero_()
        loss.backward()
        adam.update(stack)
        sums += torch.stack([recon.detach().sum(dim=1), kl.detach().sum(dim=1)], dim=1)
    for m, (recon_mean, kl_mean) in zip(group, (sums / (steps * batch)).tolist(), strict=True):
        m.history["train_loss"].append(float(recon_mean + cfg.beta * kl_mean))
        m.history["train_recon"].append(float(recon_mean))
        m.history["train_kl"].append(float(kl_mean))


def _validate(
    stack: StackedVAE,
    group: Sequence[_Member],
    xv: Tensor,
    cfg: VAEConfig,
    epoch: int,
    label: str,
) -> None:
    """Validation loss of every seed on its fixed noise; its schedule and early stopping."""
    recon_sum = torch.zeros(len(group), dtype=torch.float64)
    kl_sum = torch.zeros(len(group), dtype=torch.float64)
    eps = torch.stack([m.eps_val for m in group])
    with torch.no_grad():
        for i in range(0, xv.shape[0], _VALIDATION_CHUNK):
            xb = xv[i : i + _VALIDATION_CHUNK].expand(len(group), -1, -1)
            x_hat, mu, logvar = stack.forward(xb, eps[:, i : i + _VALIDATION_CHUNK])
            recon, kl = elbo_terms(xb, x_hat, mu, logvar, cfg.sigma2)
            recon_sum += recon.sum(dim=1).double().cpu()
            kl_sum += kl.sum(dim=1).double().cpu()
    for s, m in enumerate(group):
        val_recon = float(recon_sum[s]) / xv.shape[0]
        val_kl = float(kl_sum[s]) / xv.shape[0]
        val_loss = val_recon + cfg.beta * val_kl
        m.history["epoch"].append(float(epoch))
        m.history["val_loss"].append(val_loss)
        m.history["val_recon"].append(val_recon)
        m.history["val_kl"].append(val_kl)
        if not np.isfinite(val_loss):
            raise DataError(
                f"{label}: seed {m.seed}: validation loss is not finite at epoch {epoch}"
            )
        m.schedule.step(val_loss)
        if val_loss < m.best_loss - cfg.min_delta:
            m.best_loss, m.best_epoch, m.stale = val_loss, epoch, 0
            m.best_state = stack.state_dict(s)
        else:
            m.stale += 1
        m.stopped = m.stale >= cfg.patience
