"""Two-dimensional point clouds: a thin ring, an isotropic disk and a rotated ellipse.

* :func:`ring` is a one-dimensional manifold (the angle) with a small radial thickness,
  the textbook case of a continuous rotation symmetry with one degree of freedom.
* :func:`disk` is an isotropic Gaussian: rotation-symmetric but with two degrees of
  freedom (angle and radius).
* :func:`ellipse_cloud` is an anisotropic Gaussian whose principal axes are rotated away
  from the feature axes, so per-feature standardisation does not make it isotropic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from symvae.datasets._base import Dataset
from symvae.datasets._checks import check_float, check_n
from symvae.errors import ConfigError

__all__ = ["disk", "ellipse_cloud", "ring"]


def ring(n: int, rng: np.random.Generator, *, radius: float = 1.0, width: float = 0.01) -> Dataset:
    """Draw points on a thin ring around the origin.

    Parameters
    ----------
    n:
        Number of events.
    rng:
        Random generator.
    radius:
        Mean radius (dimensionless, ``> 0``).
    width:
        Relative Gaussian spread of the radius (dimensionless, ``>= 0``):
        ``r = radius · (1 + width · N(0, 1))``.

    Returns
    -------
    Dataset
        Features ``x, y`` (shape ``(n, 2)``, dimensionless); truth ``theta`` (polar angle
        in ``[0, 2π)`` rad) and ``r`` (dimensionless), each of shape ``(n,)``.
    """
    gen = "ring"
    n = check_n(gen, n)
    radius = check_float(gen, "radius", radius, minimum=0.0)
    width = check_float(gen, "width", width, minimum=0.0, strict=False)
    theta = rng.uniform(0.0, 2.0 * np.pi, size=n)
    r = radius * (1.0 + width * rng.standard_normal(n))
    x = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    return Dataset(
        features=x,
        feature_names=("x", "y"),
        units=("", ""),
        truth={"theta": theta, "r": r},
        truth_units={"theta": "rad", "r": ""},
        metadata={"generator": gen, "source": gen, "radius": radius, "width": width},
    )


def disk(n: int, rng: np.random.Generator, *, sigma: float = 1.0) -> Dataset:
    """Draw an isotropic two-dimensional Gaussian.

    Parameters
    ----------
    n:
        Number of events.
    rng:
        Random generator.
    sigma:
        Standard deviation per coordinate (dimensionless, ``> 0``).

    Returns
    -------
    Dataset
        Features ``x, y`` (shape ``(n, 2)``, dimensionless); truth ``phi = atan2(y, x)``
        (in ``(-π, π]`` rad) and ``radius = hypot(x, y)`` (dimensionless), each ``(n,)``.
    """
    gen = "disk"
    n = check_n(gen, n)
    sigma = check_float(gen, "sigma", sigma, minimum=0.0)
    x = sigma * rng.standard_normal((n, 2))
    phi = np.arctan2(x[:, 1], x[:, 0])
    rad = np.hypot(x[:, 0], x[:, 1])
    return Dataset(
        features=x,
        feature_names=("x", "y"),
        units=("", ""),
        truth={"phi": phi, "radius": rad},
        truth_units={"phi": "rad", "radius": ""},
        metadata={"generator": gen, "source": gen, "sigma": sigma},
    )


def ellipse_cloud(
    n: int,
    rng: np.random.Generator,
    *,
    sigmas: Sequence[float] = (2.0, 0.5),
    angle_deg: float = 30.0,
) -> Dataset:
    """Draw an anisotropic two-dimensional Gaussian with rotated principal axes.

    Parameters
    ----------
    n:
        Number of events.
    rng:
        Random generator.
    sigmas:
        Standard deviations ``(σ1, σ2)`` along the two principal axes (dimensionless,
        each ``> 0``).
    angle_deg:
        Angle of the first principal axis from the ``x`` axis, in degrees.

    Returns
    -------
    Dataset
        Features ``x, y`` (shape ``(n, 2)``, dimensionless); truth ``u1, u2``, the
        coordinates along the principal axes (dimensionless, each ``(n,)``, with standard
        deviations ``σ1, σ2``). ``metadata["covariance"]`` is the analytic
        ``Σ = R diag(σ²) Rᵀ`` as a 2×2 nested list.
    """
    gen = "ellipse_cloud"
    n = check_n(gen, n)
    try:
        s = [float(v) for v in sigmas]
    except (TypeError, ValueError):
        raise ConfigError(
            f"{gen}: parameter 'sigmas' must be a list of two numbers, got {sigmas!r}"
        ) from None
    if len(s) != 2 or not all(math.isfinite(v) and v > 0 for v in s):
        raise ConfigError(
            f"{gen}: parameter 'sigmas' must be two finite numbers > 0, got {sigmas!r}"
        )
    angle_deg = check_float(gen, "angle_deg", angle_deg)
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    sig = np.asarray(s)
    u = rng.standard_normal((n, 2)) * sig[np.newaxis, :]
    x = u @ rot.T
    cov = rot @ np.diag(sig**2) @ rot.T
    return Dataset(
        features=x,
        feature_names=("x", "y"),
        units=("", ""),
        truth={"u1": u[:, 0].copy(), "u2": u[:, 1].copy()},
        truth_units={"u1": "", "u2": ""},
        metadata={
            "generator": gen,
            "source": gen,
            "sigmas": s,
            "angle_deg": angle_deg,
            "covariance": cov.tolist(),
        },
    )
