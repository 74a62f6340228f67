"""Phase-space samples of integrable oscillators at fixed energy.

Each generator samples the microcanonical (uniform-in-time) distribution on one energy
shell, so the energy computed from the features is constant to rounding and the number
of remaining degrees of freedom is known analytically:

* :func:`oscillator_1d`: harmonic oscillator, a closed curve in ``(q, p)`` (1 dof, the phase).
* :func:`oscillator_2d`: isotropic 2-D harmonic oscillator, the 3-sphere
  ``H(x, y, px, py) = E`` (3 dof); the angular momentum is conserved along trajectories
  but varies across the ensemble.
* :func:`pendulum`: the nonlinear pendulum in libration, sampled with the exact Jacobi
  elliptic solution (1 dof, the phase).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import ellipj, ellipk

from symvae.datasets._base import Dataset, toy_dataset
from symvae.datasets._checks import check_n, check_positive
from symvae.errors import ConfigError

__all__ = ["oscillator_1d", "oscillator_2d", "pendulum", "pendulum_energy"]


def _harmonic_energy(
    q: NDArray[np.float64], p: NDArray[np.float64], mass: float, omega: float
) -> NDArray[np.float64]:
    """Energy ``p² / (2m) + m ω² q² / 2`` of one harmonic degree of freedom, elementwise."""
    return p**2 / (2.0 * mass) + 0.5 * mass * omega**2 * q**2


def oscillator_1d(
    n: int, rng: np.random.Generator, *, energy: float = 0.5, mass: float = 1.0, omega: float = 2.0
) -> Dataset:
    """Draw phase-space points of a 1-D harmonic oscillator at fixed energy.

    ``H = p² / (2m) + m ω² q² / 2``. The phase ``φ ~ U[0, 2π)`` (uniform in time), and
    ``q = A cos φ``, ``p = -m ω A sin φ`` with ``A = sqrt(2E / (m ω²))``.

    Parameters
    ----------
    energy, mass, omega:
        Energy ``E``, mass ``m`` and angular frequency ``ω`` (natural units, each ``> 0``).

    Returns
    -------
    Dataset
        Features ``q, p`` (shape ``(n, 2)``, natural units); truth ``phase`` (rad, in
        ``[0, 2π)``) and ``energy`` (computed from the features, constant to rounding),
        each of shape ``(n,)``.
    """
    gen = "oscillator_1d"
    n = check_n(gen, n)
    energy, mass, omega = check_positive(gen, energy=energy, mass=mass, omega=omega)
    amp = math.sqrt(2.0 * energy / (mass * omega**2))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=n)
    q = amp * np.cos(phase)
    p = -mass * omega * amp * np.sin(phase)
    e = _harmonic_energy(q, p, mass, omega)
    return toy_dataset(
        gen, np.column_stack([q, p]), ("q", "p"), {"phase": phase, "energy": e},
        truth_units={"phase": "rad"}, energy=energy, mass=mass, omega=omega, amplitude=amp,
        period=2.0 * math.pi / omega, conserved=["energy"],
    )  # fmt: skip


def oscillator_2d(
    n: int, rng: np.random.Generator, *, energy: float = 0.5, mass: float = 1.0, omega: float = 1.0
) -> Dataset:
    """Draw points uniformly (microcanonically) on the energy shell of a 2-D isotropic oscillator.

    ``H = (px² + py²) / (2m) + m ω² (x² + y²) / 2 = E``. In the scaled coordinates
    ``u = (sqrt(m ω²) x, sqrt(m ω²) y, px / sqrt(m), py / sqrt(m))`` the shell is the
    3-sphere ``|u| = sqrt(2E)`` and the microcanonical measure is uniform on it, so ``u`` is
    a normalised 4-D standard normal scaled to radius ``sqrt(2E)``.

    Parameters
    ----------
    rng:
        Random generator; draws the ``(n, 4)`` standard normal.
    energy, mass, omega:
        As for :func:`oscillator_1d`.

    Returns
    -------
    Dataset
        Features ``x, y, px, py`` (shape ``(n, 4)``, natural units); truth, each ``(n,)``:
        ``angular_momentum`` ``L = x py - y px`` (conserved along each trajectory, varies in
        ``[-E/ω, E/ω]`` across the ensemble), ``energy_x`` (``px²/2m + m ω² x²/2``) and
        ``energy`` (total, constant to rounding), all computed from the features.
    """
    gen = "oscillator_2d"
    n = check_n(gen, n)
    energy, mass, omega = check_positive(gen, energy=energy, mass=mass, omega=omega)
    g = rng.standard_normal((n, 4))
    norm = np.linalg.norm(g, axis=1, keepdims=True)
    # A 4-D standard normal has norm 0 with probability 0; guard against it anyway.
    norm[norm == 0.0] = 1.0
    u = g / norm * math.sqrt(2.0 * energy)
    k = math.sqrt(mass * omega**2)
    x, y = u[:, 0] / k, u[:, 1] / k
    px, py = u[:, 2] * math.sqrt(mass), u[:, 3] * math.sqrt(mass)
    e_x = _harmonic_energy(x, px, mass, omega)
    e_y = _harmonic_energy(y, py, mass, omega)
    ang = x * py - y * px
    truth = {"angular_momentum": ang, "energy_x": e_x, "energy": e_x + e_y}
    return toy_dataset(
        gen, np.column_stack([x, y, px, py]), ("x", "y", "px", "py"), truth, energy=energy,
        mass=mass, omega=omega, conserved=["energy", "angular_momentum", "energy_x"],
    )  # fmt: skip


def pendulum_energy(
    q: NDArray[np.float64], p: NDArray[np.float64], omega0_sq: float
) -> NDArray[np.float64]:
    """Pendulum Hamiltonian ``H = p² / 2 - ω0² cos q`` (unit mass·length²).

    Parameters
    ----------
    q:
        Angle from the downward vertical (rad), any shape.
    p:
        Conjugate momentum (angular velocity, rad per unit time), same shape as ``q``.
    omega0_sq:
        ``ω0² = g / length``.

    Returns
    -------
    numpy.ndarray
        Energy, same shape as ``q``.
    """
    return 0.5 * p**2 - omega0_sq * np.cos(q)


def pendulum(
    n: int, rng: np.random.Generator, *, amplitude: float = 2.5, length: float = 1.0, g: float = 1.0
) -> Dataset:
    """Draw phase-space points of a librating pendulum, uniformly in time over one period.

    ``H = p² / 2 - ω0² cos q`` with ``ω0² = g / length`` (unit mass·length²). With
    ``k = sin(amplitude / 2)`` and ``m = k²`` the exact solution through ``q = 0, p > 0``
    at ``t = 0`` is ``q(t) = 2 arcsin(k sn(ω0 t | m))``, ``p(t) = 2 k ω0 cn(ω0 t | m)``
    (indeed ``dq/dt = p``), with period ``T = 4 K(m) / ω0``.

    Parameters
    ----------
    n:
        Number of events.
    rng:
        Random generator; ``t ~ U[0, T)``.
    amplitude:
        Turning angle (rad), in ``(0, π)``.
    length, g:
        Pendulum length and gravitational acceleration (natural units, each ``> 0``).

    Returns
    -------
    Dataset
        Features ``q`` (rad) and ``p`` (shape ``(n, 2)``); truth ``phase = 2π t / T``
        (rad, in ``[0, 2π)``) and ``energy`` (computed from the features; equal to
        ``-ω0² cos(amplitude)`` to ~1e-12), each of shape ``(n,)``.
    """
    gen = "pendulum"
    n = check_n(gen, n)
    try:
        amp = float(amplitude)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{gen}: parameter 'amplitude' must be a number, got {amplitude!r}"
        ) from None
    if not (math.isfinite(amp) and 0.0 < amp < math.pi):
        raise ConfigError(f"{gen}: parameter 'amplitude' must be in (0, π) rad, got {amplitude!r}")
    length, g = check_positive(gen, length=length, g=g)
    omega0_sq = g / length
    omega0 = math.sqrt(omega0_sq)
    k = math.sin(0.5 * amp)
    m = k * k
    period = 4.0 * float(ellipk(m)) / omega0

    t = rng.uniform(0.0, period, size=n)
    sn, cn, _dn, _ph = ellipj(omega0 * t, m)
    q = 2.0 * np.arcsin(k * sn)
    p = 2.0 * k * omega0 * cn
    phase = 2.0 * np.pi * t / period
    e = pendulum_energy(q, p, omega0_sq)
    return toy_dataset(
        gen, np.column_stack([q, p]), ("q", "p"), {"phase": phase, "energy": e},
        units=("rad", ""), truth_units={"phase": "rad"}, amplitude=amp, length=length, g=g,
        omega0=omega0, modulus_k=k, period=period, energy=-omega0_sq * math.cos(amp),
        conserved=["energy"],
    )  # fmt: skip
