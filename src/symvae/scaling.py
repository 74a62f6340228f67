"""Feature standardization: the scaler is stored with every trained model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Standardizer"]


@dataclass(frozen=True)
class Standardizer:
    """Affine map ``x -> (x - mean) / scale`` applied per feature.

    Attributes
    ----------
    mean, scale:
        Arrays of shape ``(n_features,)`` in the features' physical units.
    """

    mean: NDArray[np.float64]
    scale: NDArray[np.float64]

    @classmethod
    def fit(cls, x: ArrayLike, kind: str = "per_feature") -> Standardizer:
        """Fit on ``x`` of shape ``(n, d)``: ``per_feature`` (z-score) or ``none`` (identity).

        Constant features keep scale 1 so that they map to 0 instead of dividing by zero.
        A feature counts as constant when its spread is at the level of the rounding error
        of its values (``std <= 1e-9 · max|x|``): the energy of either product of a two-body
        decay at fixed √s has a float64 spread of ~1e-12 GeV, and dividing by it would blow
        rounding noise up to order one.
        """
        x = np.asarray(x, dtype=np.float64)
        d = x.shape[1]
        if kind == "none":
            return cls(np.zeros(d), np.ones(d))
        if kind != "per_feature":
            raise ValueError(f"unknown standardization '{kind}'")
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        size = np.abs(x).max(axis=0) if len(x) else np.zeros(d)
        scale = np.where(scale > 1e-9 * size, scale, 1.0)
        return cls(mean, scale)

    def transform(self, x: ArrayLike) -> NDArray[np.float64]:
        """Standardize ``x`` of shape ``(n, d)``."""
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.scale

    def inverse(self, u: ArrayLike) -> NDArray[np.float64]:
        """Map standardized ``u`` of shape ``(..., d)`` back to physical units."""
        return np.asarray(u, dtype=np.float64) * self.scale + self.mean

    def to_dict(self) -> dict[str, list[float]]:
        """Plain lists, for storing with a model."""
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, list[float]]) -> Standardizer:
        """Inverse of :meth:`to_dict`."""
        return cls(
            np.asarray(d["mean"], dtype=np.float64), np.asarray(d["scale"], dtype=np.float64)
        )
