"""A rotated multivariate Gaussian with a known covariance spectrum.

The simplest dataset with an analytic answer for "how many degrees of freedom": the
covariance of ``x = U diag(sqrt(λ)) z + noise ε`` has eigenvalues ``λ + noise²`` along the
columns of the orthogonal matrix ``U``. A spectrum with a few large and many tiny entries
is a linear manifold of known dimension embedded in a higher-dimensional space.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.datasets._base import Dataset
from symvae.datasets._checks import check_float, check_n
from symvae.errors import ConfigError

__all__ = ["haar_orthogonal", "linear_gaussian"]

_NAME = "linear_gaussian"


def haar_orthogonal(d: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Draw a Haar-distributed random orthogonal matrix.

    Parameters
    ----------
    d:
        Dimension.
    rng:
        Random generator; exactly ``d * d`` standard normals are drawn from it.

    Returns
    -------
    numpy.ndarray
        Orthogonal matrix of shape ``(d, d)``, float64.

    Notes
    -----
    QR decomposition of a matrix of independent standard normals, with the signs of the
    columns of ``Q`` fixed so that ``diag(R) > 0``; without the sign fix the distribution
    is not Haar (Mezzadri 2007).
    """
    g = rng.standard_normal((d, d))
    q, r = np.linalg.qr(g)
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs[np.newaxis, :]


def linear_gaussian(
    n: int,
    rng: np.random.Generator,
    *,
    spectrum: Sequence[float] = (4.0, 2.0, 1.0, 0.5, 0.01, 0.01, 0.01, 0.01),
    noise: float = 0.0,
    rotation_seed: int | None = None,
) -> Dataset:
    """Draw a rotated Gaussian with covariance ``U diag(spectrum) Uᵀ + noise² I``.

    Parameters
    ----------
    n:
        Number of events.
    rng:
        Random generator. The rotation ``U`` is drawn from it first (unless
        ``rotation_seed`` is given), then the latent ``z`` of shape ``(n, d)``, then the
        noise ``ε`` of shape ``(n, d)`` (always drawn, so ``z`` does not depend on ``noise``).
    spectrum:
        Variances ``λ`` (dimensionless, each ``>= 0``) of the latent directions; ``d =
        len(spectrum)`` is the number of features.
    noise:
        Standard deviation (dimensionless, ``>= 0``) of isotropic Gaussian noise added to
        every feature.
    rotation_seed:
        If given, ``U`` is drawn from ``np.random.default_rng(rotation_seed)`` so the same
        rotation can be shared between samples drawn with different ``rng``.

    Returns
    -------
    Dataset
        Features ``x1 … xd`` (shape ``(n, d)``, dimensionless); truth ``z1 … zd`` (the
        standard-normal latent, each shape ``(n,)``). ``metadata["rotation"]`` is ``U`` as a
        nested list (its column ``j`` is the eigenvector of eigenvalue
        ``metadata["eigenvalues"][j] = spectrum[j] + noise²``).
    """
    n = check_n(_NAME, n)
    try:
        lam = np.asarray(spectrum, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{_NAME}: parameter 'spectrum' must be a list of numbers, got {spectrum!r}"
        ) from None
    if lam.ndim != 1 or lam.size == 0:
        raise ConfigError(
            f"{_NAME}: parameter 'spectrum' must be a non-empty list of numbers, got {spectrum!r}"
        )
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ConfigError(
            f"{_NAME}: parameter 'spectrum' must hold finite variances >= 0, got {lam.tolist()}"
        )
    noise = check_float(_NAME, "noise", noise, minimum=0.0, strict=False)
    if rotation_seed is not None and (
        isinstance(rotation_seed, bool)
        or not isinstance(rotation_seed, int | np.integer)
        or rotation_seed < 0
    ):
        raise ConfigError(
            f"{_NAME}: parameter 'rotation_seed' must be a non-negative integer or null, "
            f"got {rotation_seed!r}"
        )
    d = int(lam.size)

    rot_rng = rng if rotation_seed is None else np.random.default_rng(int(rotation_seed))
    u = haar_orthogonal(d, rot_rng)
    z = rng.standard_normal((n, d))
    eps = rng.standard_normal((n, d))
    x = (z * np.sqrt(lam)[np.newaxis, :]) @ u.T + noise * eps

    names = tuple(f"x{i + 1}" for i in range(d))
    truth = {f"z{i + 1}": z[:, i].copy() for i in range(d)}
    metadata: dict[str, Any] = {
        "generator": _NAME,
        "source": _NAME,
        "spectrum": [float(v) for v in lam],
        "noise": noise,
        "rotation_seed": None if rotation_seed is None else int(rotation_seed),
        "rotation": u.tolist(),
        "eigenvalues": [float(v) for v in lam + noise**2],
    }
    return Dataset(
        features=x,
        feature_names=names,
        units=("",) * d,
        truth=truth,
        truth_units=dict.fromkeys(truth, ""),
        metadata=metadata,
    )
