"""``seed<k>/model.pt``: one trained VAE (weights, scaler, history, settings, provenance).

Written by :func:`symvae.stages.train` (rule ``train``: all seeds of a process in one job),
one per process and seed, as a ``torch.save`` dict whose keys are the fields of
:class:`ModelFile`; it loads with
``torch.load(path, weights_only=True)``, or as a :class:`~symvae.vae.TrainedVAE` with
:func:`load_model`. It holds no wall time (the same config and seed give the same bytes); the
training's time is in the rule's benchmark file ``benchmarks/train/<process>.tsv``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symvae.config import VAEConfig
from symvae.errors import DataError, rebuild_hint
from symvae.outputs.layout import Layout, attribute
from symvae.scaling import Standardizer

if TYPE_CHECKING:  # torch loads only when a model is read or written
    import torch

    from symvae.vae.trained import TrainedVAE

__all__ = ["ModelFile", "load_model", "model_key_problems", "read_model_payload", "save_model"]

#: the key of the training's wall time in files written before it left model.pt (ignored)
_LEGACY_SECONDS = "seconds"


@dataclass(kw_only=True)
class ModelFile(Layout):
    """The keys of ``model.pt`` (a ``torch.save`` dict, not an HDF5 file)."""

    FILE = "model.pt"
    KEYS = True

    state_dict: dict[str, torch.Tensor] = attribute(meaning="the VAE's weights (CPU tensors)")
    architecture: dict[str, Any] = attribute(meaning="kind, n_features, latent_dim, hidden")
    scaler: dict[str, list[float]] = attribute(meaning="standardization: mean, scale (per feature)")
    history: dict[str, list[float]] = attribute(meaning="per-epoch losses (as in evaluation.h5)")
    best_epoch: int = attribute(meaning="epoch of the kept weights")
    resumed_from: int = attribute(
        meaning="epoch a resumed run restarted from (0: fresh)", default=0
    )
    vae_config: dict[str, Any] = attribute(meaning="the VAE settings of the process")
    seed: int = attribute(meaning="training seed")
    provenance: dict[str, Any] = attribute(meaning="library versions, platform, inputs")


def save_model(
    path: str | Path, trained: TrainedVAE, provenance: dict[str, Any] | None = None
) -> None:
    """Write ``trained`` to ``path`` (a ``torch.save`` dict), atomically."""
    from symvae.vae.checkpoint import atomic_torch_save

    record = ModelFile(
        state_dict={k: v.detach().cpu() for k, v in trained.model.state_dict().items()},
        architecture=trained.model.arch.to_dict(),
        scaler=trained.scaler.to_dict(),
        history=trained.history,
        best_epoch=trained.best_epoch,
        resumed_from=trained.resumed_from,
        vae_config={**trained.config.__dict__, "hidden": list(trained.config.hidden)},
        seed=trained.seed,
        provenance=provenance or {},
    )
    payload = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    atomic_torch_save(Path(path), payload)


def read_model_payload(path: str | Path, device: str = "cpu") -> dict[str, Any]:
    """The dict stored in the ``model.pt`` at ``path`` as it is (keys of :class:`ModelFile`
    in a complete file), without building the model."""
    import torch

    path = Path(path)
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{path}: model file not found") from None
    except Exception as err:  # torch raises many kinds for corrupt files
        raise DataError(
            f"{path}: not a readable symvae model ({err.__class__.__name__}: "
            f"{' '.join(str(err).split())}); {rebuild_hint(path)}"
        ) from None
    if not isinstance(payload, dict):
        raise DataError(
            f"{path}: not a readable symvae model (holds a {type(payload).__name__}, "
            "not a dict); " + rebuild_hint(path)
        )
    payload.pop(_LEGACY_SECONDS, None)
    return payload


def model_key_problems(payload: dict[str, Any]) -> list[str]:
    """What the keys of a ``model.pt`` payload lack or hold beyond :class:`ModelFile`."""
    fields = {f.name: f for f in dataclasses.fields(ModelFile)}
    required = [name for name, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]  # fmt: skip
    problems = [f"key {name!r} missing" for name in required if name not in payload]
    problems += [f"key {name!r} not declared" for name in payload if name not in fields]
    return problems


def load_model(path: str | Path, device: str = "cpu") -> TrainedVAE:
    """Load a model written by :func:`save_model` onto ``device``."""
    from symvae.vae.model import VAE, Architecture
    from symvae.vae.trained import TrainedVAE

    path = Path(path)
    payload = read_model_payload(path, device)
    try:
        record = ModelFile(**payload)
    except TypeError as err:  # a key missing or one too many
        raise DataError(
            f"{path}: not a readable symvae model ({err}); {rebuild_hint(path)}"
        ) from None
    arch = dict(record.architecture)
    arch["hidden"] = tuple(arch["hidden"])
    model = VAE(Architecture(**arch))
    model.load_state_dict(record.state_dict)
    model.to(device).eval()
    cfg = dict(record.vae_config)
    cfg["hidden"] = tuple(cfg["hidden"])
    return TrainedVAE(
        model=model,
        scaler=Standardizer.from_dict(record.scaler),
        config=VAEConfig(**cfg),
        seed=int(record.seed),
        history={k: list(v) for k, v in record.history.items()},
        best_epoch=int(record.best_epoch),
        resumed_from=int(record.resumed_from),
    )
