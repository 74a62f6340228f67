"""Event samples for the generator searches: validation and robust standardization.

A sample is an array ``(n, d)`` of events in physical units (GeV for four-vectors). The
searches and tests of :mod:`symvae.directions.algebra`, :mod:`symvae.directions.statistics`
and :mod:`symvae.directions.generators` check it with :func:`check_events` and compare
events in the robust-standardized coordinates ``(x − median) / (1.4826 · MAD)`` of
:func:`robust_scale`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.errors import DataError

__all__ = ["check_events", "robust_scale"]


def check_events(x: ArrayLike, minimum: int, what: str) -> NDArray[np.float64]:
    """``x`` as a float array ``(n, d)`` of finite values with ``n >= minimum``; raises
    :class:`DataError` naming ``what`` otherwise."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"{what}: features are not numeric ({err})") from None
    if arr.ndim != 2:
        raise DataError(f"{what}: features must be (n, d), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.all(np.isfinite(arr), axis=1)))
        raise DataError(f"{what}: {bad} events have NaN or infinite features")
    if arr.shape[0] < minimum:
        raise DataError(f"{what}: needs at least {minimum} events, got {arr.shape[0]}")
    return arr


def robust_scale(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and ``1.4826 · MAD`` per feature, falling back to the std, then the largest scale."""
    center = np.median(x, axis=0)
    scale = 1.4826 * np.median(np.abs(x - center), axis=0)
    ref = max(float(np.max(np.abs(center))), float(np.max(scale)), 1e-300)
    small = scale <= 1e-9 * ref
    scale[small] = np.std(x[:, small], axis=0)
    big = max(float(np.max(scale)), 1e-300)
    scale[scale <= 1e-9 * big] = big
    return center, scale
