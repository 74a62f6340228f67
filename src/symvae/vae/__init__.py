"""The variational autoencoder: model and training (files: :mod:`symvae.outputs.model`)."""

from symvae.vae.device import resolve_device, set_threads
from symvae.vae.ensemble import train_ensemble
from symvae.vae.jacobian import row_jacobian
from symvae.vae.model import VAE, Architecture, elbo_terms
from symvae.vae.stacked import StackedVAE
from symvae.vae.train import train_vae
from symvae.vae.trained import TrainedVAE, architecture_from_config

__all__ = [
    "VAE",
    "Architecture",
    "StackedVAE",
    "TrainedVAE",
    "architecture_from_config",
    "elbo_terms",
    "resolve_device",
    "row_jacobian",
    "set_threads",
    "train_ensemble",
    "train_vae",
]
