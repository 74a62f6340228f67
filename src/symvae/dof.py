"""Local number of degrees of freedom of a point cloud (e.g. the latent means).

The count of relevant latent directions is the dimension the VAE needs to *embed* the data;
a closed manifold needs more (a circle takes two directions). The local dimension of the
cloud of latent means is the manifold's own dimension: we estimate it by local PCA (the
number of eigenvalues of the covariance of each point's neighbourhood that exceed a fraction
of the largest, median over points: scikit-dimension's pointwise ``lPCA`` with the
Fukunaga–Olsen ``FO`` rule, batched), and cross-check with TwoNN (Facco et al. 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "CorrelationDimension",
    "correlation_dimension",
    "local_pca_dimension",
    "local_pca_dimensions",
    "local_spectrum",
    "twonn_dimension",
]


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

    Each neighbourhood (a point's ``n_neighbors`` nearest neighbours, the point itself left
    out) counts the covariance eigenvalues above ``variance_fraction`` times the largest: the
    pointwise estimate of scikit-dimension's ``lPCA(ver="FO", alphaFO=variance_fraction)
    .fit_pw(points, n_neighbors)``, computed for all neighbourhoods at once (batched
    eigenvalues instead of one PCA fit per point; ``tests/test_dof.py`` checks that the two
    agree point by point). A cloud with ``k = 0`` columns or fewer than ``n_neighbors + 1``
    points has dimension 0 or ``k``.
    """

    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"points must be (n, k), got {x.shape}")
    if x.shape[1] == 0:
        return 0
    if x.shape[1] == 1:
        return 1
    x = _subsample(x, max_points, seed)
    return int(np.median(local_pca_dimensions(x, n_neighbors, variance_fraction)))


def local_pca_dimensions(
    points: ArrayLike, n_neighbors: int = 100, variance_fraction: float = 0.1
) -> np.ndarray:
    """The local-PCA dimension of every point of ``points`` ``(n, k)``, ``(n,)`` integers.

    Point by point what scikit-dimension's ``lPCA(ver="FO", alphaFO=variance_fraction)
    .fit_pw(points, n_neighbors).dimension_pw_`` gives (the point's ``n_neighbors`` nearest
    neighbours, itself left out; at most ``n - 1``), for all points at once.
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"points must be (n >= 2, k), got {x.shape}")
    k = min(n_neighbors, len(x) - 1)
    _, idx = NearestNeighbors(n_neighbors=k).fit(x).kneighbors()
    return _fo_dimensions(x, idx, variance_fraction)


def _fo_dimensions(
    x: np.ndarray, idx: np.ndarray, fraction: float, chunk: int = 2048
) -> np.ndarray:
    """Per neighbourhood ``idx`` ``(n, k)``: eigenvalues of the neighbourhood covariance above
    ``fraction`` times its largest (the Fukunaga–Olsen count)."""
    out = np.empty(len(idx), dtype=np.int64)
    for start in range(0, len(idx), chunk):
        hoods = x[idx[start : start + chunk]]  # (m, k, d)
        centred = hoods - hoods.mean(axis=1, keepdims=True)
        cov = np.einsum("nki,nkj->nij", centred, centred) / max(idx.shape[1] - 1, 1)
        eig = np.linalg.eigvalsh(cov)  # ascending
        out[start : start + chunk] = (eig > fraction * eig[:, -1:]).sum(axis=1)
    return out


def local_spectrum(
    points: ArrayLike, n_neighbors: int = 100, max_points: int = 3000, seed: int = 0
) -> np.ndarray:
    """Median over points of the descending covariance eigenvalues ``(k,)`` of each point's
    neighbourhood (the point and its ``n_neighbors`` nearest neighbours) in ``points`` ``(n, k)``.

    In units of ``points`` squared: for latent means, prior units, like the activity. Along
    the manifold an eigenvalue grows with the neighbourhood's size; across it, it is the
    local thickness, which is what a broken constraint adds (a ring's width stays inside the
    two latent directions that embed the circle, so it shows here and not as a new one).
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"points must be (n, k), got {x.shape}")
    if x.shape[1] == 0 or len(x) < 2:
        return np.zeros(x.shape[1])
    x = _subsample(x, max_points, seed)
    k = min(n_neighbors, len(x) - 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    hoods = x[idx]  # (n, k + 1, d)
    centred = hoods - hoods.mean(axis=1, keepdims=True)
    cov = np.einsum("nki,nkj->nij", centred, centred) / k
    eig = np.linalg.eigvalsh(cov)[:, ::-1]
    return np.median(np.maximum(eig, 0.0), axis=0)


def twonn_dimension(points: ArrayLike, max_points: int = 3000, seed: int = 0) -> float:
    """TwoNN intrinsic-dimension estimate of ``points`` ``(n, k)`` (a float)."""
    import skdim

    x = np.asarray(points, dtype=np.float64)
    if x.shape[1] == 0:
        return 0.0
    x = _subsample(x, max_points, seed)
    # duplicates make the ratio of neighbour distances undefined
    x = np.unique(x, axis=0)
    if x.shape[1] == 1:
        # TwoNN needs only distances; scikit-dimension refuses one column, and a zero column
        # leaves every distance as it is
        x = np.column_stack([x, np.zeros(len(x))])
    return float(skdim.id.TwoNN().fit(x).dimension_)


@dataclass(frozen=True)
class CorrelationDimension:
    """The correlation dimension of a sample against the scale (Grassberger–Procaccia).

    Attributes
    ----------
    scales:
        ``(m,)`` the scales ``Q`` (the distance's unit, e.g. GeV for the EMD), increasing.
    pairs:
        ``(m,)`` the fraction of pairs closer than each scale, ``C(Q)``.
    dimension:
        ``(m − 1,)`` ``dim(Q) = d ln C / d ln Q`` between neighbouring scales (NaN where a
        count is 0), at the geometric midpoints :attr:`midpoints`.
    """

    scales: np.ndarray
    pairs: np.ndarray
    dimension: np.ndarray

    @property
    def midpoints(self) -> np.ndarray:
        """``(m − 1,)`` the geometric means of neighbouring scales."""
        return np.sqrt(self.scales[1:] * self.scales[:-1])


def correlation_dimension(distances: ArrayLike, scales: ArrayLike) -> CorrelationDimension:
    """``dim(Q) = Q ∂/∂Q ln Σ_{i<j} Θ(Q − d_ij)`` from the pairwise ``distances`` (condensed,
    ``(n (n − 1) / 2,)``) on the increasing positive ``scales`` ``(m,)``: the dimension the
    sample shows when resolved at the scale ``Q`` (Komiske, Metodiev and Thaler use it with
    the energy mover's distance, :mod:`symvae.events.emd`)."""
    d = np.sort(np.asarray(distances, dtype=np.float64).ravel())
    q = np.asarray(scales, dtype=np.float64)
    if d.size == 0:
        raise ValueError("correlation dimension: no pairs")
    if q.ndim != 1 or q.size < 2 or not (q > 0).all() or not (np.diff(q) > 0).all():
        raise ValueError("scales must be positive and increasing, at least two")
    c = np.searchsorted(d, q, side="left") / d.size
    with np.errstate(divide="ignore", invalid="ignore"):
        lc = np.log(c)
        dim = np.diff(lc) / np.diff(np.log(q))
    dim[~np.isfinite(dim)] = np.nan
    return CorrelationDimension(scales=q, pairs=c, dimension=dim)
