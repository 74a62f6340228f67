"""The variational autoencoder: model and training (files: :mod:`symvae.outputs.model`)."""

from symvae.vae.device import resolve_device, set_threads
from symvae.vae.model import VAE, Architecture, elbo_terms
from symvae.vae.train import TrainedVAE, architecture_from_config, train_vae

__all__ = [
    "VAE",
    "Architecture",
    "TrainedVAE",
    "architecture_from_config",
    "elbo_terms",
    "resolve_device",
    "set_threads",
    "train_vae",
]
