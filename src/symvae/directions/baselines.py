"""Intrinsic-dimension baselines on the features the VAE sees.

What does counting relevant latents add over standard estimators of intrinsic dimension? Each
baseline works on the standardized features (z-scores, as the VAE sees them) of the same
events:

- ``pca``: the number of principal components that explain a fraction (99 %) of the variance;
  a *linear* dimension, so a circle counts 2 and a curved shell more than its dof.
- ``twonn``: TwoNN (Facco et al. 2017), from the ratio of second to first nearest-neighbour
  distances; works at the smallest scale, so thickness (noise) at the point spacing adds
  dimensions.
- ``mle``: the Levina–Bickel maximum-likelihood estimator over ``n_neighbors`` neighbours
  (MacKay–Ghahramani harmonic combination of the pointwise estimates).
- ``lpca``: local PCA, the median over points of the number of covariance eigenvalues of a
  ``lpca_neighbors`` neighbourhood above ``lpca_fraction`` of its largest (Fukunaga–Olsen),
  the same rule :func:`symvae.dof.local_pca_dimension` applies to the latent means.

The estimators use scikit-dimension (``skdim``); ``lpca`` is its ``lPCA(ver="FO")`` computed
for all points at once (:func:`symvae.dof.local_pca_dimensions`, equal point by point). Each is evaluated on ``n_subsamples``
disjoint, deterministic random subsamples of at most ``max_points`` events; the value is their
mean and the spread their standard deviation (disjoint subsamples instead of bootstrap
resamples, because resampling with replacement duplicates points, which makes nearest-neighbour
distances zero). Features that are constant to rounding (relative spread below
``constant_rtol``, e.g. the muon energies of a two-body decay at fixed ``√s``) are dropped
before standardizing: standardization would blow their rounding noise up to unit variance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.errors import DataError

__all__ = ["ESTIMATORS", "BaselineEstimates", "baseline_estimates", "pca_dimension"]

#: Estimator names in report order.
ESTIMATORS: tuple[str, ...] = ("pca", "twonn", "mle", "lpca")


@dataclass(frozen=True)
class BaselineEstimates:
    """Intrinsic-dimension estimates of one point cloud.

    Attributes
    ----------
    values:
        Estimator name -> estimate (mean over subsamples; for ``pca`` the count on all points).
    spreads:
        Estimator name -> standard deviation over the subsamples (0 with one subsample).
    samples:
        Estimator name -> the estimate on each subsample.
    explained_variance:
        Explained-variance ratios of all principal components (descending), on all points.
    pca_fraction:
        The variance fraction the ``pca`` count reaches.
    n_points:
        Events per subsample.
    n_subsamples:
        Number of disjoint subsamples.
    dropped:
        Indices of the features dropped as constant.
    """

    values: dict[str, float]
    spreads: dict[str, float]
    samples: dict[str, tuple[float, ...]] = field(default_factory=dict)
    explained_variance: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    pca_fraction: float = 0.99
    n_points: int = 0
    n_subsamples: int = 0
    dropped: tuple[int, ...] = ()

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def row(self) -> dict[str, Any]:
        """Plain numbers: ``<name>`` and ``<name>_std`` per estimator, for tables and JSON."""
        out: dict[str, Any] = {}
        for name, value in self.values.items():
            out[name] = value
            out[f"{name}_std"] = self.spreads.get(name, 0.0)
        out["n_points"] = self.n_points
        out["n_subsamples"] = self.n_subsamples
        out["dropped"] = list(self.dropped)
        return out


def pca_dimension(u: ArrayLike, fraction: float = 0.99) -> tuple[int, NDArray[np.float64]]:
    """Smallest number of principal components of ``u`` ``(n, d)`` whose explained variance
    reaches ``fraction``, and all explained-variance ratios (descending)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    u = np.asarray(u, dtype=np.float64)
    if u.shape[1] == 0 or len(u) < 2:
        return 0, np.zeros(u.shape[1])
    s = np.linalg.svd(u - u.mean(axis=0), compute_uv=False)
    var = s**2
    total = var.sum()
    if total <= 0:
        return 0, np.zeros(u.shape[1])
    ratio = np.zeros(u.shape[1])
    ratio[: len(var)] = var / total
    # a tolerance so that a fraction of exactly 1 is reached despite rounding
    count = int(np.searchsorted(np.cumsum(ratio), fraction - 1e-12) + 1)
    return min(count, u.shape[1]), ratio


def _subsamples(n: int, max_points: int, n_subsamples: int, seed: int) -> list[NDArray[np.int64]]:
    """Disjoint random index sets, each of ``min(max_points, n // n_subsamples)`` events."""
    size = max(1, min(max_points, n // n_subsamples))
    count = min(n_subsamples, n // size)
    perm = np.random.default_rng(seed).permutation(n)
    return [np.sort(perm[i * size : (i + 1) * size]) for i in range(count)]


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    # skdim divides by zero on flat neighbourhoods and warns about neighbour counts
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _twonn(u: NDArray[np.float64], discard_fraction: float) -> float:
    import skdim

    u = np.unique(u, axis=0)  # duplicates make the distance ratio undefined
    if len(u) < 3:
        return float("nan")
    return float(
        _quiet(lambda: skdim.id.TwoNN(discard_fraction=discard_fraction).fit(u).dimension_)
    )


def _mle(u: NDArray[np.float64], n_neighbors: int) -> float:
    import skdim

    u = np.unique(u, axis=0)
    if len(u) < 3:
        return float("nan")
    k = min(n_neighbors, len(u) - 1)
    return float(_quiet(lambda: skdim.id.MLE().fit(u, n_neighbors=k).dimension_))


def _lpca(u: NDArray[np.float64], n_neighbors: int, fraction: float) -> float:
    # scikit-dimension's lPCA (FO) point by point, batched: symvae.dof.local_pca_dimensions
    # equals est.fit_pw(...).dimension_pw_ (tests/test_dof.py) at a fraction of its time
    from symvae.dof import local_pca_dimensions

    if len(u) < 3:
        return float("nan")
    with np.errstate(all="ignore"):
        return float(np.median(local_pca_dimensions(u, n_neighbors, fraction)))


def baseline_estimates(
    x: ArrayLike,
    *,
    estimators: tuple[str, ...] = ESTIMATORS,
    pca_fraction: float = 0.99,
    max_points: int = 2000,
    n_subsamples: int = 5,
    n_neighbors: int = 20,
    lpca_neighbors: int = 100,
    lpca_fraction: float = 0.1,
    twonn_discard: float = 0.1,
    constant_rtol: float = 1e-9,
    seed: int = 0,
) -> BaselineEstimates:
    """Intrinsic-dimension baselines of events ``x`` ``(n, d)`` (physical units).

    The features are z-scored on all events after dropping those constant to rounding (spread
    at most ``constant_rtol`` times their magnitude). ``pca`` is counted on all events (its
    spread over the subsamples); the neighbour-based estimators on ``n_subsamples`` disjoint
    subsamples of at most ``max_points`` events drawn with ``seed``. Raises
    :class:`DataError` for non-finite values or fewer than 3 events.
    """
    unknown = set(estimators) - set(ESTIMATORS)
    if unknown:
        raise ValueError(f"unknown estimators {sorted(unknown)} (known: {list(ESTIMATORS)})")
    if n_subsamples < 1 or max_points < 3:
        raise ValueError(
            f"need n_subsamples >= 1 and max_points >= 3, got {n_subsamples}, {max_points}"
        )
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise DataError(f"features must be (n, d), got shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        cols = np.flatnonzero(bad.any(axis=0)).tolist()
        raise DataError(
            f"features hold {int(bad.sum())} non-finite values (NaN or inf) in columns {cols}"
        )
    if len(x) < 3:
        raise DataError(f"{len(x)} events are too few for intrinsic-dimension estimates")
    mean, std = x.mean(axis=0), x.std(axis=0)
    constant = std <= constant_rtol * np.maximum(np.abs(mean), std)
    dropped = tuple(int(i) for i in np.flatnonzero(constant))
    u = (x[:, ~constant] - mean[~constant]) / std[~constant]

    sets = _subsamples(len(u), max_points, n_subsamples, seed)
    samples: dict[str, list[float]] = {name: [] for name in estimators}
    pca_all, ratio = pca_dimension(u, pca_fraction)
    for idx in sets:
        part = u[idx]
        for name in estimators:
            if u.shape[1] == 0:
                value = 0.0
            elif u.shape[1] == 1 and name != "pca":
                value = 1.0  # skdim needs two features; a line is one-dimensional
            elif name == "pca":
                value = float(pca_dimension(part, pca_fraction)[0])
            elif name == "twonn":
                value = _twonn(part, twonn_discard)
            elif name == "mle":
                value = _mle(part, n_neighbors)
            else:
                value = _lpca(part, lpca_neighbors, lpca_fraction)
            samples[name].append(value)
    values: dict[str, float] = {}
    spreads: dict[str, float] = {}
    for name in estimators:
        arr = np.asarray(samples[name])
        values[name] = float(pca_all) if name == "pca" else float(np.mean(arr))
        spreads[name] = float(np.std(arr, ddof=1)) if len(arr) > 1 else 0.0
    return BaselineEstimates(
        values=values,
        spreads=spreads,
        samples={k: tuple(v) for k, v in samples.items()},
        explained_variance=ratio,
        pca_fraction=pca_fraction,
        n_points=len(sets[0]) if sets else 0,
        n_subsamples=len(sets),
        dropped=dropped,
    )
