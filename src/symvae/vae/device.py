"""Device and thread selection for training and inference."""

from __future__ import annotations

import torch

from symvae.errors import ConfigError

__all__ = ["resolve_device", "set_threads"]


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else the CPU; ``cuda`` without a CUDA device is a
    :class:`~symvae.errors.ConfigError` (checked in the training job, not at load time: a
    cluster's login node that plans the workflow often has no GPU while its nodes do)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "config key 'vae.device': 'cuda' requested but this machine has no CUDA device "
            "(torch.cuda.is_available() is False); use 'auto' to fall back to the CPU"
        )
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    """Limit torch's intra-op threads (a job must not use more cores than it was given)."""
    if threads is not None and threads > 0:
        torch.set_num_threads(threads)
