"""The energy mover's distance between jets (Komiske, Metodiev, Thaler 2019).

For two jets with particles of transverse momenta ``E_i`` and ``E'_j`` (GeV) at
rapidity-azimuth positions ``(y, φ)``,

    EMD(E, E') = min_{f_ij ≥ 0}  Σ_ij f_ij θ_ij / R  +  |Σ_i E_i − Σ_j E'_j|,

with ``Σ_j f_ij ≤ E_i``, ``Σ_i f_ij ≤ E'_j``, ``Σ_ij f_ij = min(Σ E, Σ E')`` and ``θ_ij`` the
distance in ``(y, φ)``: the least "work" (GeV) that turns one jet into the other, with
``R`` the jet radius. The transport problem is solved exactly with the Python Optimal
Transport library (``ot.emd2``), the unbalanced part by a dummy particle of energy ``|ΔE|``
added to the softer jet at cost 1 per GeV (which reproduces the second term exactly).
:func:`pairwise_emd` gives all pairs of a sample, the input of the correlation dimension
(:func:`symvae.dof.correlation_dimension`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

__all__ = ["energy_movers_distance", "jet_particles", "pairwise_emd"]


def jet_particles(
    constituents: NDArray[np.float64], center: bool = True
) -> list[NDArray[np.float64]]:
    """The particles of each jet as ``(k_i, 3)`` arrays of ``(p_T [GeV], y, φ [rad])``.

    ``constituents`` is ``(n, N, 4)`` in ``(E, p_x, p_y, p_z)`` (GeV), zero-padded: padded
    rows (``E = 0``) are left out. The azimuths of each jet are shifted to within ``π`` of
    its ``p_T``-weighted axis, so that ``θ`` needs no wrap-around; with ``center`` (as in
    the jet studies of Komiske, Metodiev and Thaler) each jet is translated so that its
    ``p_T``-weighted centroid sits at ``(y, φ) = (0, 0)``: the EMD then compares the jets'
    radiation patterns, not their directions in the detector.
    """
    c = np.asarray(constituents, dtype=np.float64)
    if c.ndim != 3 or c.shape[2] != 4:
        raise ValueError(f"constituents must be (n, N, 4), got {c.shape}")
    out = []
    for jet in c:
        jet = jet[jet[:, 0] > 0]
        e, px, py, pz = jet.T
        pt = np.hypot(px, py)
        y = 0.5 * np.log((e + pz) / (e - pz))
        phi = np.arctan2(py, px)
        axis = np.arctan2((pt * np.sin(phi)).sum(), (pt * np.cos(phi)).sum())
        phi = axis + np.angle(np.exp(1j * (phi - axis)))
        if center and pt.sum() > 0:
            y = y - np.average(y, weights=pt)
            phi = phi - np.average(phi, weights=pt)
        out.append(np.column_stack([pt, y, phi]))
    return out


def energy_movers_distance(a: NDArray[np.float64], b: NDArray[np.float64], radius: float) -> float:
    """EMD (GeV) between two jets given as ``(k, 3)`` rows of ``(p_T, y, φ)``."""
    import ot

    ea, eb = np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(b[:, 0])
    cost = np.hypot(a[:, None, 1] - b[None, :, 1], a[:, None, 2] - b[None, :, 2]) / radius
    diff = float(ea.sum() - eb.sum())
    if diff > 0:  # b is softer: its dummy particle takes the difference at cost 1
        eb = np.append(eb, diff)
        cost = np.column_stack([cost, np.ones(len(ea))])
    elif diff < 0:
        ea = np.append(ea, -diff)
        cost = np.vstack([cost, np.ones(len(eb))])
    cost = np.ascontiguousarray(cost)
    return float(ot.emd2(ea, eb, cost, check_marginals=False, center_dual=False))


def pairwise_emd(
    jets: Sequence[NDArray[np.float64]], radius: float, *, progress: bool = True
) -> NDArray[np.float64]:
    """EMD of every pair ``i < j`` of ``jets`` (GeV), condensed like
    ``scipy.spatial.distance.pdist``: ``(n (n − 1) / 2,)``."""
    n = len(jets)
    out = np.empty(n * (n - 1) // 2)
    k = 0
    for i in tqdm(range(n - 1), desc="EMD", unit="jet", disable=not progress):
        for j in range(i + 1, n):
            out[k] = energy_movers_distance(jets[i], jets[j], radius)
            k += 1
    return out
