"""An ensemble of bound planar Kepler orbits at fixed energy.

Every event is a phase-space point ``(x, y, px, py)`` (unit mass) on a prograde bound
orbit of ``H = |p|² / 2 - GM / r`` with the same energy ``E < 0`` (hence the same
semi-major axis ``a = -GM / (2E)``). Across the ensemble the eccentricity, the direction
of the Runge–Lenz vector (argument of periapsis) and the mean anomaly (time along the
orbit) vary, so the sample fills a 3-dimensional subset of the 4-D phase space.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from symvae.datasets._base import Dataset
from symvae.datasets._checks import check_float, check_n
from symvae.errors import ConfigError

__all__ = ["kepler", "solve_kepler"]

_NAME = "kepler"


def solve_kepler(
    mean_anomaly: NDArray[np.float64],
    eccentricity: NDArray[np.float64],
    *,
    tol: float = 1e-14,
    max_iter: int = 100,
) -> NDArray[np.float64]:
    """Solve Kepler's equation ``E - e sin E = M`` for the eccentric anomaly ``E``.

    Vectorised Newton iteration started at ``E = π``, which converges for every
    ``e ∈ [0, 1)`` and ``M ∈ [0, 2π]``.

    Parameters
    ----------
    mean_anomaly:
        ``M`` (rad), shape ``(n,)``, in ``[0, 2π)``.
    eccentricity:
        ``e``, shape ``(n,)``, in ``[0, 1)``.
    tol:
        Stop when every Newton step is smaller than this (rad).
    max_iter:
        Maximum number of Newton iterations.

    Returns
    -------
    numpy.ndarray
        Eccentric anomaly ``E`` (rad), shape ``(n,)``.
    """
    m = np.asarray(mean_anomaly, dtype=np.float64)
    e = np.asarray(eccentricity, dtype=np.float64)
    ea = np.full(np.broadcast(m, e).shape, np.pi)
    for _ in range(max_iter):
        step = (ea - e * np.sin(ea) - m) / (1.0 - e * np.cos(ea))
        ea = ea - step
        if np.all(np.abs(step) <= tol):
            break
    return ea


def kepler(
    n: int,
    rng: np.random.Generator,
    *,
    energy: float = -0.5,
    gm: float = 1.0,
    max_eccentricity: float = 0.7,
) -> Dataset:
    """Draw phase-space points on bound, prograde, planar Kepler orbits of fixed energy.

    Eccentricity ``e ~ U[0, max_eccentricity]``, argument of periapsis ``ω ~ U[0, 2π)``
    (the direction of the Runge–Lenz vector) and mean anomaly ``M ~ U[0, 2π)`` (uniform
    in time). Positions and velocities are computed in the perifocal frame from the
    eccentric anomaly and rotated by ``ω``.

    Parameters
    ----------
    n:
        Number of events.
    rng:
        Random generator; ``e``, ``ω`` and ``M`` are drawn in this order.
    energy:
        Orbital energy per unit mass ``E`` (natural units, ``< 0``).
    gm:
        Gravitational parameter ``GM`` (natural units, ``> 0``).
    max_eccentricity:
        Upper bound of the eccentricity distribution, in ``[0, 1)``.

    Returns
    -------
    Dataset
        Features ``x, y, px, py`` (shape ``(n, 4)``, unit mass, natural units); truth, each
        ``(n,)``: ``eccentricity``, ``periapsis_angle`` (``ω``, rad), ``mean_anomaly``
        (``M``, rad), ``energy`` and ``angular_momentum`` (``x py - y px``, ``> 0``), the
        last two computed from the features.
    """
    n = check_n(_NAME, n)
    energy = check_float(_NAME, "energy", energy)
    if energy >= 0:
        raise ConfigError(f"{_NAME}: parameter 'energy' must be < 0 (bound orbits), got {energy!r}")
    gm = check_float(_NAME, "gm", gm)
    if gm <= 0:
        raise ConfigError(f"{_NAME}: parameter 'gm' must be > 0, got {gm!r}")
    e_max = check_float(_NAME, "max_eccentricity", max_eccentricity)
    if not 0.0 <= e_max < 1.0:
        raise ConfigError(
            f"{_NAME}: parameter 'max_eccentricity' must be in [0, 1), got {max_eccentricity!r}"
        )

    a = -gm / (2.0 * energy)
    n_mean = math.sqrt(gm / a**3)
    ecc = rng.uniform(0.0, e_max, size=n)
    omega = rng.uniform(0.0, 2.0 * np.pi, size=n)
    mean_anom = rng.uniform(0.0, 2.0 * np.pi, size=n)

    ea = solve_kepler(mean_anom, ecc)
    cos_e, sin_e = np.cos(ea), np.sin(ea)
    root = np.sqrt(1.0 - ecc**2)
    denom = 1.0 - ecc * cos_e
    xp = a * (cos_e - ecc)
    yp = a * root * sin_e
    vxp = -a * n_mean * sin_e / denom
    vyp = a * n_mean * root * cos_e / denom

    cw, sw = np.cos(omega), np.sin(omega)
    x = cw * xp - sw * yp
    y = sw * xp + cw * yp
    px = cw * vxp - sw * vyp
    py = sw * vxp + cw * vyp

    e_feat = 0.5 * (px**2 + py**2) - gm / np.hypot(x, y)
    ang = x * py - y * px
    return Dataset(
        features=np.column_stack([x, y, px, py]),
        feature_names=("x", "y", "px", "py"),
        units=("", "", "", ""),
        truth={
            "eccentricity": ecc,
            "periapsis_angle": omega,
            "mean_anomaly": mean_anom,
            "energy": e_feat,
            "angular_momentum": ang,
        },
        truth_units={
            "eccentricity": "",
            "periapsis_angle": "rad",
            "mean_anomaly": "rad",
            "energy": "",
            "angular_momentum": "",
        },
        metadata={
            "generator": _NAME,
            "source": _NAME,
            "energy": energy,
            "gm": gm,
            "max_eccentricity": e_max,
            "semi_major_axis": a,
            "period": 2.0 * math.pi / n_mean,
            "conserved": ["energy", "angular_momentum", "runge_lenz"],
        },
    )
