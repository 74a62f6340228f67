"""Relevance of latent directions, measured on held-out data.

For latent direction i with posterior ``q(z_i|x) = N(μ_i(x), σ_i²(x))``:

- activity ``A_i = Var_x[μ_i(x)]`` (the primary relevance; Burda et al. 2016),
- posterior width ``1 − ⟨σ_i²⟩``,
- ``KL_i = ⟨½(μ_i² + σ_i² − 1 − log σ_i²)⟩`` in nats.

Collapsed directions have A ≈ 0, σ ≈ 1, KL ≈ 0; used ones have A close to 1. For a
well-trained VAE the aggregate posterior matches the prior, so A_i + ⟨σ_i²⟩ ≈ 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Relevance", "count_relevant", "latent_relevance", "threshold_scan"]


@dataclass(frozen=True)
class Relevance:
    """Per-direction relevance measures, each of shape ``(L,)`` in latent index order."""

    activity: NDArray[np.float64]
    posterior_width: NDArray[np.float64]
    kl: NDArray[np.float64]

    @property
    def order(self) -> NDArray[np.int64]:
        """Latent indices sorted by descending activity (ties: lower index first)."""
        return np.argsort(-self.activity, kind="stable")

    def relevant(self, threshold: float) -> NDArray[np.bool_]:
        """Boolean mask ``(L,)``: activity above ``threshold``."""
        return self.activity > threshold


def latent_relevance(mu: ArrayLike, var: ArrayLike) -> Relevance:
    """Relevance measures from posterior means ``mu`` and variances ``var``, both ``(n, L)``."""
    mu = np.asarray(mu, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    if mu.shape != var.shape or mu.ndim != 2 or len(mu) < 2:
        raise ValueError(
            f"mu and var must share a shape (n >= 2, L), got {mu.shape} and {var.shape}"
        )
    activity = mu.var(axis=0)
    width = 1.0 - var.mean(axis=0)
    kl = 0.5 * (mu**2 + var - 1.0 - np.log(var)).mean(axis=0)
    return Relevance(activity=activity, posterior_width=width, kl=kl)


def count_relevant(activity: ArrayLike, threshold: float) -> int:
    """Number of directions whose activity exceeds ``threshold``."""
    return int(np.sum(np.asarray(activity) > threshold))


def threshold_scan(activity: ArrayLike, thresholds: Sequence[float]) -> NDArray[np.int64]:
    """Count of relevant directions at each threshold, shape ``(T,)``."""
    a = np.asarray(activity)
    return np.array([count_relevant(a, t) for t in thresholds], dtype=np.int64)
