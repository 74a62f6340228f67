"""What a scan measures at each point (the stage that writes ``scans/<scan>.h5`` is
:func:`symvae.stages.collect_scan`). Per process and point it stacks the relevant counts,
local dofs and sorted relevances of every seed and adds

- ``measure dof``: the median over seeds of the local dof and the *plateau*, the widest run
  of consecutive values where it equals the analytic dof (:func:`plateau`), with its
  span ``factor = value_hi / value_lo``;
- ``measure breaking``: the relevances of the directions beyond the count of the first
  point (the exact one): the directions a constraint removed regain relevance as it is
  broken; and the local variance of the latent means beyond the analytic dof, which is
  where a broken constraint shows when the directions already used can hold it (the ring's
  width lives in the plane of its two latent directions); a ``reference`` process (e.g. ISR
  on) is stored beside;
- ``measure symmetry``: per point, the p-values of the rank test and the MMD confirmation
  that the named generator preserves the distribution (:func:`symmetry_pvalues`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Plateau",
    "SymmetryPValues",
    "plateau",
    "symmetry_pvalues",
]


@dataclass(frozen=True)
class Plateau:
    """The widest run of consecutive scan values where the measured dof equals the truth.

    ``lo`` and ``hi`` are the first and last value of the run (``nan`` when there is none),
    ``factor`` their ratio (1 for a single point, 0 for none), ``indices`` the run's points.
    """

    lo: float
    hi: float
    factor: float
    indices: tuple[int, ...]

    def spans(self, factor: float) -> bool:
        """Whether the plateau spans at least ``factor`` in the parameter."""
        return bool(self.indices) and self.factor >= factor * (1 - 1e-9)


def plateau(values: ArrayLike, measured: ArrayLike, truth: float) -> Plateau:
    """The plateau of ``measured`` ``(n,)`` at ``truth`` over increasing ``values`` ``(n,)``.

    Values must be positive (a log grid); points whose measurement is ``nan`` break a run.
    Among runs of equal span, the first one (smallest values) is returned.
    """
    v = np.asarray(values, dtype=np.float64)
    m = np.asarray(measured, dtype=np.float64)
    if v.shape != m.shape or v.ndim != 1:
        raise ValueError(f"values and measured must be (n,), got {v.shape} and {m.shape}")
    if np.any(v <= 0) or np.any(np.diff(v) <= 0):
        raise ValueError("values must be positive and increasing")
    ok = np.isfinite(m) & (np.abs(m - truth) < 1e-9)
    best: tuple[int, ...] = ()
    best_factor = 0.0
    i = 0
    while i < len(v):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(v) and ok[j + 1]:
            j += 1
        factor = float(v[j] / v[i])
        if factor > best_factor:
            best, best_factor = tuple(range(i, j + 1)), factor
        i = j + 1
    if not best:
        return Plateau(float("nan"), float("nan"), 0.0, ())
    return Plateau(float(v[best[0]]), float(v[best[-1]]), best_factor, best)


@dataclass(frozen=True)
class SymmetryPValues:
    """Does a generator preserve the distribution of a sample? The two tests' p-values.

    ``rank`` is the p-value of the Stein rank test that the generator's flow leaves
    ``E[∇f · A x] = 0`` for every test function (the powerful one); ``mmd`` the MMD
    confirmation's p-value, Bonferroni-combined over its flow times (``min(1, m · min p)``).
    """

    rank: float
    mmd: float
    n_events: int


def symmetry_pvalues(
    x: ArrayLike, generator: ArrayLike, *, max_events: int = 12_000, seed: int = 0
) -> SymmetryPValues:
    """p-values that ``generator`` ``(d, d)`` preserves the distribution of ``x`` ``(n, d)``.

    Uses :func:`symvae.directions.generators.distribution_generators` with the one-element
    algebra ``{generator}`` (a random subset of at most ``max_events`` events).
    """
    from symvae.directions.generators import distribution_generators

    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(generator, dtype=np.float64)
    if len(x) > max_events:
        idx = np.random.default_rng(seed).choice(len(x), max_events, replace=False)
        x = x[np.sort(idx)]
    result = distribution_generators(x, a[None], seed=seed)
    rank = float(result.rank_tests.p_values[0])
    if result.n_generators:
        p = np.asarray(result.confirmation.p_values[0], dtype=np.float64)
    else:
        from symvae.directions.statistics import flow_test

        p = flow_test(x, a, seed=seed).p_values
    mmd = float(min(1.0, len(p) * float(np.min(p)))) if len(p) else float("nan")
    return SymmetryPValues(rank=rank, mmd=mmd, n_events=len(x))
