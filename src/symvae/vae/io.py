"""Saving and loading trained models (weights, scaler, history, provenance)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from symvae.config import VAEConfig
from symvae.errors import DataError
from symvae.scaling import Standardizer
from symvae.vae.checkpoint import atomic_torch_save
from symvae.vae.model import VAE, Architecture
from symvae.vae.train import TrainedVAE

__all__ = ["load_model", "save_model"]


def save_model(
    path: str | Path, trained: TrainedVAE, provenance: dict[str, Any] | None = None
) -> None:
    """Write ``trained`` to ``path`` (a ``torch.save`` dict), atomically."""
    path = Path(path)
    payload = {
        "state_dict": {k: v.detach().cpu() for k, v in trained.model.state_dict().items()},
        "architecture": trained.model.arch.to_dict(),
        "scaler": trained.scaler.to_dict(),
        "history": trained.history,
        "best_epoch": trained.best_epoch,
        "seconds": trained.seconds,
        "resumed_from": trained.resumed_from,
        "vae_config": {**trained.config.__dict__, "hidden": list(trained.config.hidden)},
        "seed": trained.seed,
        "provenance": provenance or {},
    }
    atomic_torch_save(path, payload)


def load_model(path: str | Path, device: str = "cpu") -> TrainedVAE:
    """Load a model written by :func:`save_model` onto ``device``."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{path}: model file not found") from None
    except Exception as err:  # torch raises many kinds for corrupt files
        raise DataError(
            f"{path}: not a readable symvae model ({err.__class__.__name__}: {err})"
        ) from None
    arch = dict(payload["architecture"])
    arch["hidden"] = tuple(arch["hidden"])
    model = VAE(Architecture(**arch))
    model.load_state_dict(payload["state_dict"])
    model.to(device).eval()
    cfg = dict(payload["vae_config"])
    cfg["hidden"] = tuple(cfg["hidden"])
    return TrainedVAE(
        model=model,
        scaler=Standardizer.from_dict(payload["scaler"]),
        config=VAEConfig(**cfg),
        seed=int(payload["seed"]),
        history={k: list(v) for k, v in payload["history"].items()},
        best_epoch=int(payload["best_epoch"]),
        seconds=float(payload["seconds"]),
        resumed_from=int(payload.get("resumed_from", 0)),
    )
