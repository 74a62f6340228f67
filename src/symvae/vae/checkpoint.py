"""Training checkpoints: everything needed to resume a run bitwise where it stopped.

A checkpoint holds the model, optimizer and scheduler states, the random generator that draws
batches and noise, the history and the early-stopping bookkeeping after a completed epoch,
plus a fingerprint of the inputs (config, seed, data). :func:`load_checkpoint` returns it only
if the fingerprint matches, so a checkpoint left by a different config or sample is ignored.
Files are written under a temporary name and renamed, so a kill never leaves a torn one.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from symvae.config import VAEConfig
from symvae.io.atomic import atomic_path

__all__ = ["atomic_torch_save", "fingerprint", "load_checkpoint", "save_checkpoint"]


def fingerprint(cfg: VAEConfig, seed: int | Sequence[int], *arrays: np.ndarray) -> str:
    """SHA-256 of the training config, the seed (or seeds, of an ensemble) and the bytes and
    shapes of ``arrays``."""
    seeds: int | tuple[int, ...] = (
        int(seed) if isinstance(seed, int | np.integer) else tuple(int(s) for s in seed)
    )
    h = hashlib.sha256(repr((sorted(asdict(cfg).items()), seeds)).encode())
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def atomic_torch_save(path: str | Path, obj: Any) -> None:
    """``torch.save`` under a temporary name, then rename: readers never see a torn file.

    The temporary file has ``path``'s name (:func:`symvae.io.atomic.atomic_path`): torch
    prefixes the archive's entries with the name's stem, so the bytes are those of a direct
    ``torch.save(obj, path)``, the same in every run.
    """
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write a training ``state`` to ``path`` atomically."""
    atomic_torch_save(path, state)


def load_checkpoint(path: str | Path, key: str) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if it exists and was written for fingerprint ``key``.

    An unreadable checkpoint or one with another fingerprint is ignored with a warning
    (training then starts from scratch and overwrites it).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a torn or foreign file: start afresh
        warnings.warn(f"{path}: unreadable checkpoint ignored ({err})", stacklevel=2)
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != key:
        warnings.warn(f"{path}: checkpoint of another config or sample ignored", stacklevel=2)
        return None
    return state
