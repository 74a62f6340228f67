"""The variational autoencoder: model, training, persistence."""

from symvae.vae.device import resolve_device, set_threads
from symvae.vae.io import load_model, save_model
from symvae.vae.model import VAE, Architecture, elbo_terms
from symvae.vae.train import TrainedVAE, architecture_from_config, train_vae

__all__ = [
    "VAE",
    "Architecture",
    "TrainedVAE",
    "architecture_from_config",
    "elbo_terms",
    "load_model",
    "resolve_device",
    "save_model",
    "set_threads",
    "train_vae",
]
