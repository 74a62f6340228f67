"""Local number of degrees of freedom of a point cloud (e.g. the latent means).

The count of relevant latent directions is the dimension the VAE needs to *embed* the data;
a closed manifold needs more (a circle takes two directions). The local dimension of the
cloud of latent means is the manifold's own dimension: we estimate it by local PCA (the
number of eigenvalues of the covariance of each point's neighbourhood that exceed a fraction
of the largest, median over points; scikit-dimension's ``lPCA`` with the Fukunaga–Olsen
``FO`` rule), and cross-check with TwoNN (Facco et al. 2017).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["local_pca_dimension", "twonn_dimension"]


def _subsample(x: np.ndarray, max_points: int, seed: int) -> np.ndarray:
    if len(x) <= max_points:
        return x
    idx = np.random.default_rng(seed).choice(len(x), max_points, replace=False)
    return x[np.sort(idx)]


def local_pca_dimension(
    points: ArrayLike,
    n_neighbors: int = 100,
    variance_fraction: float = 0.1,
    max_points: int = 3000,
    seed: int = 0,
) -> int:
    """Median over points of the local-PCA dimension of ``points`` ``(n, k)``.

    Each neighbourhood (the point and its ``n_neighbors`` nearest neighbours) counts the
    covariance eigenvalues above ``variance_fraction`` times the largest. A cloud with
    ``k = 0`` columns or fewer than ``n_neighbors + 1`` points has dimension 0 or ``k``.
    """
    import skdim

    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"points must be (n, k), got {x.shape}")
    if x.shape[1] == 0:
        return 0
    if x.shape[1] == 1:
        return 1
    x = _subsample(x, max_points, seed)
    k = min(n_neighbors, len(x) - 1)
    est = skdim.id.lPCA(ver="FO", alphaFO=variance_fraction, verbose=False)
    # skdim also computes eigenvalue gaps, which divide by zero on flat neighbourhoods
    with np.errstate(divide="ignore", invalid="ignore"):
        est.fit_pw(x, n_neighbors=k, n_jobs=1, smooth=False)
    return int(np.median(est.dimension_pw_))


def twonn_dimension(points: ArrayLike, max_points: int = 3000, seed: int = 0) -> float:
    """TwoNN intrinsic-dimension estimate of ``points`` ``(n, k)`` (a float)."""
    import skdim

    x = np.asarray(points, dtype=np.float64)
    if x.shape[1] == 0:
        return 0.0
    x = _subsample(x, max_points, seed)
    # duplicates make the ratio of neighbour distances undefined
    x = np.unique(x, axis=0)
    return float(skdim.id.TwoNN().fit(x).dimension_)
