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

from symvae.datasets._base import Dataset, toy_dataset
from symvae.datasets._checks import check_float, check_n
from symvae.errors import ConfigError

__all__ = ["disk", "ellipse_cloud", "ring"]


def ring(
    n: int,
    rng: np.random.Generator,
    *,
    radius: float = 1.0,
    width: float = 0.01,
    modulation: float = 0.0,
) -> Dataset:
    """Draw points on a thin ring around the origin.

    Parameters
    ----------
    radius:
        Mean radius (dimensionless, ``> 0``).
    width:
        Relative Gaussian spread of the radius (dimensionless, ``>= 0``):
        ``r = radius · (1 + width · N(0, 1))``.
    modulation:
        ``ε`` in the angular density ``p(θ) ∝ 1 + ε cos 2θ`` (dimensionless, ``0 <= ε < 1``):
        0 keeps the rotation symmetry; any ``ε > 0`` breaks it down to the rotations by π
        (and the reflections) while leaving the constraint ``r = radius`` untouched.

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
    modulation = check_float(gen, "modulation", modulation, minimum=0.0, strict=False)
    if modulation >= 1.0:
        raise ConfigError(f"{gen}: modulation must be below 1 (a density), got {modulation}")
    theta = _modulated_angles(rng.uniform(0.0, 1.0, size=n), modulation)
    r = radius * (1.0 + width * rng.standard_normal(n))
    x = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    return toy_dataset(
        gen, x, ("x", "y"), {"theta": theta, "r": r}, truth_units={"theta": "rad"},
        radius=radius, width=width, modulation=modulation,
    )  # fmt: skip


def _modulated_angles(u: np.ndarray, eps: float) -> np.ndarray:
    """Inverse CDF of ``p(θ) ∝ 1 + ε cos 2θ`` on ``[0, 2π)`` at uniforms ``u`` (Newton).

    ``F(θ) = (θ + (ε/2) sin 2θ) / 2π`` is strictly increasing for ``ε < 1``; Newton from
    ``θ = 2πu`` converges to round-off in a few steps (``F'`` stays within ``[1-ε, 1+ε]``).
    """
    target = 2.0 * np.pi * u
    if eps == 0:
        return target
    theta = target.copy()
    for _ in range(50):
        step = (theta + 0.5 * eps * np.sin(2 * theta) - target) / (1 + eps * np.cos(2 * theta))
        theta -= step
        if np.max(np.abs(step)) < 1e-13:
            break
    return np.mod(theta, 2.0 * np.pi)


def disk(n: int, rng: np.random.Generator, *, sigma: float = 1.0) -> Dataset:
    """Draw an isotropic two-dimensional Gaussian.

    Parameters
    ----------
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
    truth = {"phi": phi, "radius": rad}
    return toy_dataset(gen, x, ("x", "y"), truth, truth_units={"phi": "rad"}, sigma=sigma)


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
    truth = {"u1": u[:, 0].copy(), "u2": u[:, 1].copy()}
    return toy_dataset(
        gen, x, ("x", "y"), truth, sigmas=s, angle_deg=angle_deg, covariance=cov.tolist()
    )
