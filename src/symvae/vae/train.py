"""Training one VAE: an ensemble of one seed (:func:`symvae.vae.train_ensemble`)."""

from __future__ import annotations

from pathlib import Path

from numpy.typing import ArrayLike

from symvae.config import VAEConfig
from symvae.vae.ensemble import train_ensemble
from symvae.vae.trained import TrainedVAE

__all__ = ["train_vae"]


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

    Features are in physical units; a :class:`~symvae.scaling.Standardizer` is fitted on
    ``x_train``. The training is :func:`~symvae.vae.train_ensemble` with the one seed: a
    seed trained here ends with bitwise the weights it gets inside an ensemble (on the CPU).
    ``checkpoint`` and ``checkpoint_every`` as there (a checkpoint write costs about 2 ms,
    10 % of an epoch of the default model).
    """
    return train_ensemble(
        x_train,
        x_val,
        cfg,
        [seed],
        threads=threads,
        progress=progress,
        label=label,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
    )[0]
