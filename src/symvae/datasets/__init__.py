"""Dataset generators with analytic truth, and the registry that names them.

A generator is a function ``generate(n, rng, **params) -> Dataset`` that draws ``n`` events
with the random generator ``rng``. Each module holds one family of generators; the registry
maps the ``generator:`` name used in ``config.yaml`` to the function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from symvae.datasets._base import Dataset
from symvae.datasets.kepler import kepler
from symvae.datasets.linear_gaussian import linear_gaussian
from symvae.datasets.oscillators import oscillator_1d, oscillator_2d, pendulum
from symvae.datasets.planar import disk, ellipse_cloud, ring
from symvae.errors import ConfigError

__all__ = ["GENERATORS", "Dataset", "generate"]

Generator = Callable[..., Dataset]

#: Name used in ``config.yaml`` -> generator function.
GENERATORS: dict[str, Generator] = {
    "linear_gaussian": linear_gaussian,
    "ring": ring,
    "disk": disk,
    "ellipse_cloud": ellipse_cloud,
    "oscillator_1d": oscillator_1d,
    "oscillator_2d": oscillator_2d,
    "kepler": kepler,
    "pendulum": pendulum,
}


def generate(name: str, n: int, seed: int, params: Mapping[str, Any] | None = None) -> Dataset:
    """Draw ``n`` events from the generator ``name`` with the given integer ``seed``."""
    try:
        func = GENERATORS[name]
    except KeyError:
        known = ", ".join(sorted(GENERATORS))
        raise ConfigError(f"unknown generator '{name}' (known: {known})") from None
    params = dict(params or {})
    try:
        return func(n, np.random.default_rng(seed), **params)
    except TypeError as err:  # unexpected keyword: name it
        raise ConfigError(f"generator '{name}': {err}") from None
