"""The in-memory data model shared by every dataset generator and reader."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.errors import DataError

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """A sample of events (rows) described by named, real-valued features (columns).

    Attributes
    ----------
    features:
        Array of shape ``(n_events, n_features)``, float64, in the units of ``units``.
    feature_names:
        One name per feature column, e.g. ``("x", "y")`` or ``("E_1", "px_1", ...)``.
    units:
        One unit string per feature column (``""`` for dimensionless, ``"GeV"``, ...).
    truth:
        Generating variables per event, each an array of shape ``(n_events,)``: the
        quantities the data were drawn from (an angle, an energy, ...). The first entry
        is the one plots colour by. Readers of real data leave this empty.
    truth_units:
        Unit string per entry of ``truth``.
    metadata:
        Free-form provenance (generator name and parameters, seed, ...); JSON-serialisable.
    """

    features: NDArray[np.float64]
    feature_names: tuple[str, ...]
    units: tuple[str, ...]
    truth: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    truth_units: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        features = np.asarray(self.features, dtype=np.float64)
        object.__setattr__(self, "features", features)
        source = self.metadata.get("source", "dataset")
        if features.ndim != 2:
            raise DataError(
                f"{source}: features must be 2-D (events, features), got {features.shape}"
            )
        n, d = features.shape
        if n == 0:
            raise DataError(f"{source}: the sample is empty (0 events)")
        if len(self.feature_names) != d or len(self.units) != d:
            raise DataError(
                f"{source}: {d} feature columns but {len(self.feature_names)} names "
                f"and {len(self.units)} units"
            )
        bad = ~np.isfinite(features)
        if bad.any():
            col = int(np.argwhere(bad.any(axis=0))[0, 0])
            raise DataError(
                f"{source}: feature '{self.feature_names[col]}' has "
                f"{int(bad[:, col].sum())} non-finite values (NaN or inf)"
            )
        truth = {k: np.asarray(v, dtype=np.float64) for k, v in self.truth.items()}
        for k, v in truth.items():
            if v.shape != (n,):
                raise DataError(f"{source}: truth variable '{k}' has shape {v.shape}, want ({n},)")
        object.__setattr__(self, "truth", truth)

    @property
    def n_events(self) -> int:
        """Number of events (rows)."""
        return int(self.features.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return int(self.features.shape[1])


def toy_dataset(
    gen: str,
    features: NDArray[np.float64],
    names: Sequence[str],
    truth: Mapping[str, NDArray[np.float64]],
    *,
    units: Sequence[str] | None = None,
    truth_units: Mapping[str, str] | None = None,
    **params: Any,
) -> Dataset:
    """The :class:`Dataset` a toy generator ``gen`` returns: ``features`` ``(n, d)`` named
    ``names`` (dimensionless unless ``units``), its ``truth`` (dimensionless unless
    ``truth_units``) and metadata naming the generator followed by ``params``."""
    return Dataset(
        features=features,
        feature_names=tuple(names),
        units=tuple(units) if units is not None else ("",) * len(names),
        truth=dict(truth),
        truth_units={k: (truth_units or {}).get(k, "") for k in truth},
        metadata={"generator": gen, "source": gen, **params},
    )
