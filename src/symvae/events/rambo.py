"""RAMBO: flat phase space of n massless particles at fixed centre-of-mass energy.

Kleiss, Stirling & Ellis, Comput. Phys. Commun. 40 (1986) 359. Every event has the same
weight for massless particles, so the sample is an exact, unweighted draw from the n-body
phase space: Σp = (√s, 0, 0, 0) and p_i² = 0 exactly (to rounding), with 3n − 4 degrees of
freedom. Vectorized over events.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError
from symvae.events.store import Events

__all__ = ["rambo", "rambo_momenta"]


#: events per block: large enough to amortize numpy's overhead, small enough to stay in cache
_BLOCK = 1 << 15


def rambo_momenta(
    n_events: int, n_particles: int, sqrt_s: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Four-momenta of shape ``(n_events, n_particles, 4)``, components (E, px, py, pz) in GeV."""
    if n_particles < 2:
        raise ConfigError(f"rambo: parameter 'n_particles' must be >= 2, got {n_particles}")
    if not sqrt_s > 0:
        raise ConfigError(f"rambo: parameter 'sqrt_s' must be > 0 GeV, got {sqrt_s}")
    out = np.empty((n_events, n_particles, 4))
    for start in range(0, n_events, _BLOCK):
        _fill_block(out[start : start + _BLOCK], sqrt_s, rng)
    return out


def _fill_block(p: NDArray[np.float64], sqrt_s: float, rng: np.random.Generator) -> None:
    """Fill ``p`` ``(n, k, 4)`` with RAMBO momenta, in place (few temporaries)."""
    r = rng.random((4, *p.shape[:2]))
    # isotropic massless momenta with energies drawn from q0 · exp(−q0)
    cos_t = r[0]
    cos_t *= 2.0
    cos_t -= 1.0
    phi = r[1]
    phi *= 2.0 * np.pi
    q0 = r[2]
    q0 *= r[3]
    np.log(q0, out=q0)
    q0 *= -1.0
    q_sin = np.sqrt(1.0 - cos_t * cos_t)
    q_sin *= q0
    p[..., 0] = q0
    np.multiply(q_sin, np.cos(phi), out=p[..., 1])
    np.multiply(q_sin, np.sin(phi), out=p[..., 2])
    np.multiply(q0, cos_t, out=p[..., 3])
    # boost and rescale so that the total momentum is (sqrt_s, 0, 0, 0)
    total = p.sum(axis=1)  # (n, 4)
    mass = np.sqrt(total[:, 0] ** 2 - np.einsum("nk,nk->n", total[:, 1:], total[:, 1:]))
    b = -total[:, 1:] / mass[:, None]  # (n, 3)
    gamma = total[:, 0] / mass
    a = 1.0 / (1.0 + gamma)
    x = sqrt_s / mass
    bq = np.matmul(p[..., 1:], b[:, :, None])[..., 0]  # (n, k): b · q_i
    q_e = p[..., 0].copy()
    p[..., 0] = gamma[:, None] * q_e + bq
    p[..., 1:] += b[:, None, :] * (q_e + a[:, None] * bq)[..., None]
    p *= x[:, None, None]


def rambo(
    n_events: int, seed: int, *, n_particles: int = 3, sqrt_s: float = 100.0, pid: int = 21
) -> Events:
    """``n_events`` RAMBO events of ``n_particles`` massless particles (PDG id ``pid``).

    Parameters
    ----------
    n_events:
        Number of events.
    seed:
        Seed of the random generator.
    n_particles:
        Particles per event (n ≥ 2); the phase space has 3n − 4 degrees of freedom.
    sqrt_s:
        Centre-of-mass energy in GeV.
    pid:
        PDG id given to every particle (default 21, gluons).
    """
    p = rambo_momenta(n_events, n_particles, float(sqrt_s), np.random.default_rng(seed))
    counts = np.full(n_events, n_particles)
    flat = p.reshape(-1, 4)
    return Events.from_arrays(
        counts,
        {
            "E": flat[:, 0],
            "px": flat[:, 1],
            "py": flat[:, 2],
            "pz": flat[:, 3],
            "pid": np.full(len(flat), pid),
        },
        metadata={
            "generator": "rambo",
            "n_particles": n_particles,
            "sqrt_s_GeV": float(sqrt_s),
            "pid": pid,
            "seed": seed,
        },
    )
