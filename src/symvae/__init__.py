"""symvae: find symmetries and degrees of freedom in physics event data with VAEs.

The package is importable without torch being loaded: the submodules that need it
(:mod:`symvae.vae`, the training and evaluation stages) import it on first use.

Main entry points
-----------------
- :func:`symvae.config.load_config`: validate ``config.yaml``.
- :func:`symvae.datasets.generate`: draw a toy or mechanical dataset with analytic truth.
- :func:`symvae.vae.train_vae`, :func:`symvae.outputs.model.load_model`: the VAE.
- :func:`symvae.relevance.latent_relevance`: relevance of each latent direction.
- :func:`symvae.dof.local_pca_dimension`: local degrees of freedom of the latent means.
- :func:`symvae.theory.linear_vae_relevance`: the exact linear-VAE prediction.
- :mod:`symvae.stages`: the workflow's stages as functions, one module per stage.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from symvae.errors import ConfigError, DataError, SymvaeError

try:
    __version__ = version("symvae")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

_SUBMODULES = {
    "config",
    "datasets",
    "directions",
    "dof",
    "events",
    "io",
    "invariance",
    "stages",
    "plotting",
    "relevance",
    "report",
    "scaling",
    "theory",
    "vae",
}

__all__ = ["ConfigError", "DataError", "SymvaeError", "__version__", *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f"symvae.{name}")
    raise AttributeError(f"module 'symvae' has no attribute {name!r}")
