"""Training: every seed of one process as one batched ensemble (rule ``train``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from symvae.config import ProcessSpec
from symvae.errors import ConfigError
from symvae.outputs.features import (
    TRAIN,
    VALIDATION,
    read_features,
)
from symvae.provenance import provenance

__all__ = ["train"]


def train(
    spec: ProcessSpec,
    features: str | Path,
    seeds: int | Sequence[int],
    out: str | Path | Sequence[str | Path],
    *,
    threads: int | None = None,
    progress: bool = True,
    checkpoint_every: float = 10.0,
) -> list[Path]:
    """Train one VAE per seed on the training split of ``features``; save seed ``seeds[k]``
    to ``out[k]`` (one seed and one path are accepted too).

    The seeds train together (:func:`symvae.vae.train_ensemble`); each ends with the weights
    it would get alone. The training state is checkpointed to ``<out[0]>.ckpt`` at most every
    ``checkpoint_every`` seconds (0: every epoch); a run killed and started again resumes there
    and ends with the same weights. The checkpoint is removed once every model is written.
    """
    from symvae.outputs.model import save_model
    from symvae.vae import train_ensemble

    seed_list = [int(seeds)] if isinstance(seeds, int) else [int(s) for s in seeds]
    outs = [Path(out)] if isinstance(out, str | Path) else [Path(p) for p in out]
    if len(seed_list) != len(outs):
        raise ConfigError(f"{len(seed_list)} seeds but {len(outs)} model paths: {outs}")
    ff = read_features(features)
    ckpt = Path(str(outs[0]) + ".ckpt")
    trained = train_ensemble(
        ff.part(TRAIN),
        ff.part(VALIDATION),
        spec.vae,
        seed_list,
        threads=threads,
        progress=progress,
        label=f"{spec.name} seeds {', '.join(map(str, seed_list))}",
        checkpoint=ckpt,
        checkpoint_every=checkpoint_every,
    )
    for path, model in zip(outs, trained, strict=True):
        save_model(path, model, provenance({"process": spec.name, "features": str(features)}))
    ckpt.unlink(missing_ok=True)
    return outs
