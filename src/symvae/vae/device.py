"""Device and thread selection for training and inference."""

from __future__ import annotations

import torch

__all__ = ["resolve_device", "set_threads"]


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else the CPU; ``cuda`` fails clearly without it."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    """Limit torch's intra-op threads (a job must not use more cores than it was given)."""
    if threads is not None and threads > 0:
        torch.set_num_threads(threads)
