"""The variational autoencoder: Gaussian encoder with diagonal covariance, Gaussian decoder."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

__all__ = ["ACTIVATIONS", "VAE", "Architecture", "elbo_terms"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "gelu": nn.GELU,
}


@dataclass(frozen=True)
class Architecture:
    """Shape of a :class:`VAE`.

    ``kind="linear"`` makes encoder mean, encoder log-variance and decoder single affine
    maps: the exactly solvable linear VAE. ``kind="mlp"`` uses ``hidden`` layer widths
    (the decoder mirrors the encoder).
    """

    n_features: int
    latent_dim: int
    kind: str = "mlp"
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "silu"

    def to_dict(self) -> dict[str, object]:
        """Plain dictionary, stored with the weights."""
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


def _mlp(sizes: Sequence[int], activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """VAE mapping features ``x`` of shape ``(batch, d)`` to latents of shape ``(batch, L)``.

    The encoder outputs the posterior mean ``mu`` and log-variance ``logvar`` of
    ``q(z|x) = N(mu, diag(exp(logvar)))``; the decoder outputs the mean of ``p(x|z)``.
    Inputs are standardized features (see :class:`symvae.scaling.Standardizer`).
    """

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.arch = arch
        d, latent = arch.n_features, arch.latent_dim
        if arch.kind == "linear":
            self.encoder = nn.Identity()
            self.mu_head = nn.Linear(d, latent)
            self.logvar_head = nn.Linear(d, latent)
            self.decoder = nn.Linear(latent, d)
        elif arch.kind == "mlp":
            h = list(arch.hidden)
            self.encoder = nn.Sequential(
                _mlp([d, *h], arch.activation), ACTIVATIONS[arch.activation]()
            )
            self.mu_head = nn.Linear(h[-1], latent)
            self.logvar_head = nn.Linear(h[-1], latent)
            self.decoder = _mlp([latent, *reversed(h), d], arch.activation)
        else:
            raise ValueError(f"unknown architecture kind '{arch.kind}'")

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and log-variance, each of shape ``(batch, L)``."""
        h = self.encoder(x)
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z: Tensor) -> Tensor:
        """Decoder mean of shape ``(batch, d)`` for latents ``z`` of shape ``(batch, L)``."""
        return self.decoder(z)

    def forward(self, x: Tensor, eps: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Reconstruction, mean and log-variance; ``eps`` (standard normal) is drawn if absent."""
        mu, logvar = self.encode(x)
        if eps is None:
            eps = torch.randn_like(mu)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decode(z), mu, logvar


def elbo_terms(
    x: Tensor, x_hat: Tensor, mu: Tensor, logvar: Tensor, sigma2: float
) -> tuple[Tensor, Tensor]:
    """Per-event reconstruction term ``|x − x̂|²/(2 s²)`` and KL to N(0, 1).

    Inputs ``(..., d)`` and ``(..., L)``: ``(batch, ·)`` for one model, ``(seeds, batch, ·)``
    for an ensemble; outputs have the leading shape, ``(batch,)`` or ``(seeds, batch)``.

    The negative ELBO is ``recon + beta * kl`` up to the constant ``d/2 · log(2π s²)``.
    """
    recon = (x - x_hat).pow(2).sum(dim=-1) / (2.0 * sigma2)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)
    return recon, kl
