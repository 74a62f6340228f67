"""Detector-like momentum smearing of selected objects.

A tracker measures a muon's direction much better than its momentum, and an analysis
assigns the particle its known mass. :func:`smear_momenta` does the same to four-vectors:
the three-momentum of every object is scaled by ``|1 + resolution · N(0, 1)|`` (one draw
per object and event), its direction is kept and the energy is recomputed from the
unchanged mass, ``E' = sqrt(m² + |p'|²)``. The mass shells therefore stay exact while
energy and momentum conservation of the selected objects are broken, by an amount set by
``resolution`` (the relative momentum resolution, dimensionless).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["smear_momenta"]


def smear_momenta(
    p: NDArray[np.float64], resolution: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Smeared copy of four-vectors ``p`` ``(n, k, 4)`` as ``(E, px, py, pz)`` in GeV.

    Parameters
    ----------
    p:
        ``n`` events of ``k`` objects each.
    resolution:
        Relative momentum resolution ``σ(|p|) / |p|`` (``>= 0``; 0 returns an exact copy).
    rng:
        Source of the ``(n, k)`` standard normal draws, taken event by event, so that a
        file read in chunks with one generator gets the same numbers as read at once.

    Returns
    -------
    ``(n, k, 4)`` smeared four-vectors: same directions and masses ``sqrt(max(E² - |p|², 0))``.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 3 or p.shape[2] != 4:
        raise ValueError(f"p must be (n, k, 4), got {p.shape}")
    if not resolution >= 0:
        raise ValueError(f"resolution must be >= 0, got {resolution}")
    out = p.copy()
    if resolution == 0 or p.size == 0:
        return out
    scale = np.abs(1.0 + resolution * rng.standard_normal(p.shape[:2]))
    three = p[..., 1:] * scale[..., None]
    m2 = np.maximum(p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1), 0.0)
    out[..., 1:] = three
    out[..., 0] = np.sqrt(m2 + np.sum(three**2, axis=-1))
    return out
