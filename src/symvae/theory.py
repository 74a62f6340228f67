"""Exact predictions: the linear VAE on Gaussian data, and subspace comparisons.

A VAE whose reconstruction term is ``|x − x̂|²/(2s²)`` with KL weight β is, in the linear
case, probabilistic PCA with noise variance βs² (Lucas et al. 2019, "Don't blame the ELBO";
Rolinek et al. 2019 for why diagonal posteriors pick the PCA axes). With eigenvalues λ_i of
the covariance of the inputs as the VAE sees them, the optimum has activity
``1 − βs²/λ_i`` for ``λ_i > βs²`` and 0 otherwise, and posterior variance ``βs²/λ_i``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import subspace_angles

__all__ = ["covariance_spectrum", "linear_vae_relevance", "principal_angles_deg"]


def covariance_spectrum(x: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Eigenvalues ``(d,)`` (descending) and eigenvectors ``(d, d)`` (columns) of ``cov(x)``."""
    x = np.asarray(x, dtype=np.float64)
    vals, vecs = np.linalg.eigh(np.cov(x, rowvar=False, bias=True))
    order = np.argsort(vals)[::-1]
    return vals[order], vecs[:, order]


def linear_vae_relevance(
    eigenvalues: ArrayLike, beta: float, sigma2: float, latent_dim: int | None = None
) -> NDArray[np.float64]:
    """Predicted activity per direction, sorted descending, padded with zeros to ``latent_dim``.

    Parameters
    ----------
    eigenvalues:
        Covariance eigenvalues λ_i of the (standardized) inputs, shape ``(d,)``.
    beta, sigma2:
        KL weight β and decoder variance s².
    latent_dim:
        Length of the result (default ``d``); only ``min(d, latent_dim)`` can be active.
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64))[::-1]
    noise = beta * sigma2
    pred = np.where(lam > noise, 1.0 - noise / np.where(lam > 0, lam, np.inf), 0.0)
    length = len(lam) if latent_dim is None else latent_dim
    out = np.zeros(length)
    k = min(length, len(pred))
    out[:k] = pred[:k]
    return out


def principal_angles_deg(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Principal angles (degrees) between the column spans of ``a`` (d, k) and ``b`` (d, m).

    Returns ``min(k, m)`` angles, largest first (as :func:`scipy.linalg.subspace_angles`).
    """
    return np.degrees(
        subspace_angles(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    )
