"""A trained VAE: the model, the scaler it expects and its training record."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.typing import ArrayLike

from symvae.config import VAEConfig
from symvae.scaling import Standardizer
from symvae.vae.model import VAE, Architecture

__all__ = ["HISTORY_KEYS", "TrainedVAE", "architecture_from_config"]

#: the per-epoch record of a training, in this order (``TrainedVAE.history``, ``model.pt``)
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
    """Wall time of the training (s), resumed runs included; for a seed trained in an
    ensemble, the ensemble's. In memory only (``model.pt`` holds no time; 0.0 for a loaded
    model)."""
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
