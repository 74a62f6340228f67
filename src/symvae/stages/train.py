"""Training: one VAE per process and seed (rule ``train``)."""

from __future__ import annotations

from pathlib import Path

from symvae.config import ProcessSpec
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
    seed: int,
    out: str | Path,
    *,
    threads: int | None = None,
    progress: bool = True,
    checkpoint_every: float = 10.0,
) -> Path:
    """Train one VAE on the training split of ``features`` and save it to ``out``.

    The training state is checkpointed to ``<out>.ckpt`` at most every ``checkpoint_every``
    seconds (0: every epoch); a run killed and started again resumes there and ends with the
    same weights. The checkpoint is removed once ``out`` is written.
    """
    from symvae.outputs.model import save_model
    from symvae.vae import train_vae

    ff = read_features(features)
    ckpt = Path(str(out) + ".ckpt")
    trained = train_vae(
        ff.part(TRAIN),
        ff.part(VALIDATION),
        spec.vae,
        seed,
        threads=threads,
        progress=progress,
        label=f"{spec.name} seed {seed}",
        checkpoint=ckpt,
        checkpoint_every=checkpoint_every,
    )
    save_model(out, trained, provenance({"process": spec.name, "features": str(features)}))
    ckpt.unlink(missing_ok=True)
    return Path(out)
