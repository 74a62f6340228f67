"""The statistical tests of the generator search: rank tests, MMD two-sample tests, flows.

* :func:`mmd_test`: kernel two-sample test, squared MMD with a Gaussian kernel (median
  heuristic) and its permutation p-value.
* :func:`hotelling` and :func:`sequential_rank_test`: the Kleibergen–Paap (2006) rank tests
  of the invariance moments on the discovery events, "the ``r`` smallest whitened directions
  preserve the distribution", ``r = 1, 2, …`` bottom-up (:class:`RankTests`).
* :func:`flow_test` and :func:`confirm`: a sample against its image under the flow
  ``x ↦ exp(tA) x`` by :func:`mmd_test`, on two disjoint halves of held-out events
  (:class:`FlowTest`, :class:`Confirmation`).

Events are ``(n, d)`` in physical units and are compared in robust-standardized coordinates
(:func:`~symvae.directions.samples.robust_scale`); generators ``A`` are dimensionless
``(d, d)`` matrices, flow parameters ``t`` are in units of ``A`` (radians for a unit rotation),
p-values are probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.linalg import expm

from symvae.directions.samples import check_events, robust_scale
from symvae.errors import DataError

__all__ = [
    "COV_RTOL",
    "ROUNDOFF_RTOL",
    "Confirmation",
    "FlowTest",
    "RankTests",
    "confirm",
    "flow_test",
    "hotelling",
    "mmd_test",
    "sequential_rank_test",
]

#: Eigenvalues of a covariance below this fraction of the largest are treated as zero variance.
COV_RTOL = 1e-10
#: Test functions whose contributions are below this fraction of the largest are round-off.
ROUNDOFF_RTOL = 1e-8
#: Share of the direction-averaged covariance mixed into the refined whitening.
_REFINE_RIDGE = 0.1


# --------------------------------------------------------------------------------------------
# two-sample test
# --------------------------------------------------------------------------------------------


def mmd_test(
    x: ArrayLike,
    y: ArrayLike,
    *,
    n_permutations: int = 500,
    seed: int = 0,
    bandwidth: float | None = None,
) -> tuple[float, float]:
    """Kernel two-sample test: squared MMD with a Gaussian kernel and its permutation p-value.

    Parameters
    ----------
    x, y:
        Samples ``(n, d)`` and ``(m, d)`` in the same (ideally standardized) coordinates.
    n_permutations:
        Number of random relabellings; the p-value is ``(1 + #{MMD²_perm >= MMD²}) / (1 + B)``,
        so it cannot be smaller than ``1 / (1 + B)``.
    seed:
        Seed of the permutations.
    bandwidth:
        Kernel width ``σ`` in ``k(a, b) = exp(-|a - b|² / (2σ²))``; default the median
        pairwise distance of the pooled sample (median heuristic).

    Returns
    -------
    (mmd2, p_value):
        The biased (V-statistic) squared MMD and its permutation p-value.
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise DataError(f"mmd_test needs two (n, d) samples, got {a.shape} and {b.shape}")
    pooled = np.concatenate([a, b])
    sq = np.sum(pooled**2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * pooled @ pooled.T, 0.0)
    if bandwidth is None:
        iu = np.triu_indices(len(pooled), k=1)
        med = float(np.median(d2[iu]))
        bw2 = med if med > 0 else 1.0
    else:
        bw2 = float(bandwidth) ** 2
    kern = np.exp(-d2 / (2.0 * bw2))
    n_a, n_b = len(a), len(b)
    w = np.concatenate([np.full(n_a, 1.0 / n_a), np.full(n_b, -1.0 / n_b)])
    observed = float(w @ kern @ w)
    rng = np.random.default_rng(seed)
    perms = np.stack([rng.permutation(w) for _ in range(n_permutations)], axis=1)
    null = np.sum(perms * (kern @ perms), axis=0)
    p = (1.0 + float(np.sum(null >= observed - 1e-12 * abs(observed)))) / (1.0 + n_permutations)
    return observed, p


# --------------------------------------------------------------------------------------------
# rank tests
# --------------------------------------------------------------------------------------------


def _inv_sqrt(cov: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(r, p)`` map ``W`` with ``W cov Wᵀ = I_r`` on the numerically nonzero eigenspace."""
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    top = float(w[-1]) if w.size else 0.0
    keep = w > COV_RTOL * top if top > 0 else np.zeros(w.shape, dtype=bool)
    return (v[:, keep] / np.sqrt(w[keep])).T


def hotelling(psi: NDArray[np.float64]) -> tuple[float, int, float]:
    """Hotelling test of zero mean for per-event vectors ``psi`` ``(n, p)``.

    Components of (numerically) zero variance are not counted in the degrees of freedom but a
    nonzero mean along them is penalized against ``COV_RTOL`` times the largest variance, so
    an exactly deterministic violation still rejects. The F form
    ``T² (n - p) / (p (n - 1)) ~ F(p, n - p)`` is used (exact for Gaussian contributions).
    """
    n = psi.shape[0]
    mean = psi.mean(axis=0)
    cov = np.cov(psi, rowvar=False, ddof=1).reshape(psi.shape[1], psi.shape[1])
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    top = float(w[-1])
    if top <= 0:
        return (0.0, 0, 1.0) if np.allclose(mean, 0.0) else (math.inf, 0, 0.0)
    keep = w > COV_RTOL * top
    proj = v.T @ mean
    t2 = n * float(np.sum(proj[keep] ** 2 / w[keep]))
    t2 += n * float(np.sum(proj[~keep] ** 2)) / (COV_RTOL * top)
    p = int(np.sum(keep))
    if n - p < 1:
        return t2, p, float("nan")
    f_stat = t2 * (n - p) / (p * (n - 1))
    return t2, p, float(stats.f.sf(f_stat, p, n - p))


@dataclass(frozen=True)
class _Frame:
    """Whitened invariance system: per-event ``Y_n = Uᵀ W_F Φ_n W_k V`` and its pieces."""

    y: NDArray[np.float64]  # (n, F_eff, k_act), rows and columns in descending order
    w_k: NDArray[np.float64]  # (k_act, k_act) whitened direction -> active coefficients
    v_desc: NDArray[np.float64]  # (k_act, k_act) right singular vectors, descending
    singular_values: NDArray[np.float64]  # (k_act,) ascending, zero-padded

    @property
    def f_eff(self) -> int:
        """Effective number of whitened test functions."""
        return self.y.shape[1]

    @property
    def k_act(self) -> int:
        """Number of active (event-moving) directions."""
        return self.singular_values.size

    def ascending(self) -> NDArray[np.float64]:
        """``(k_act, k_act)`` candidate coefficient vectors (columns), smallest first."""
        return self.w_k @ self.v_desc[:, ::-1]

    @classmethod
    def build(cls, phi: NDArray[np.float64], cov_f: NDArray[np.float64]) -> _Frame:
        """Whiten ``phi`` ``(n, F, k_act)`` with the test-function covariance ``cov_f``
        ``(F, F)`` and the direction covariance it implies, then rotate to the SVD of the mean."""
        nd, _, k_act = phi.shape
        theta = np.einsum("gf,nfj->ngj", _inv_sqrt(cov_f), phi)  # (n, F_eff, k_act)
        f_eff = theta.shape[1]
        if k_act == 0:
            none = np.zeros((0, 0))
            return cls(
                y=np.zeros((nd, f_eff, 0)), w_k=none, v_desc=none, singular_values=np.zeros(0)
            )
        centred = theta - theta.mean(axis=0)
        cov_k = np.einsum("ngj,ngl->jl", centred, centred) / ((nd - 1) * max(f_eff, 1))
        ws, vs = np.linalg.eigh(cov_k)
        w_k = vs / np.sqrt(np.maximum(ws, COV_RTOL * max(float(ws[-1]), 1e-300)))
        theta = theta @ w_k
        u, s, vt = np.linalg.svd(theta.mean(axis=0), full_matrices=True)
        s_full = np.zeros(k_act)
        s_full[: len(s)] = s
        v_desc = vt.T
        y = np.einsum("gi,ngl->nil", u, theta @ v_desc, optimize=True)
        return cls(y=y, w_k=w_k, v_desc=v_desc, singular_values=np.sort(s_full))


@dataclass(frozen=True)
class RankTests:
    """The sequential rank tests of a distribution-preserving subspace (see
    :func:`sequential_rank_test`).

    Attributes
    ----------
    singular_values:
        ``(k_eff,)`` ascending whitened singular values of the mean invariance matrix
        (dimensionless).
    statistics, dof, p_values:
        ``(k_eff,)`` rank-test statistic, degrees of freedom and p-value of "the first
        ``j + 1`` candidates span a distribution-preserving subspace" (``nan`` where not
        tested, i.e. after the first rejection).
    """

    singular_values: NDArray[np.float64]
    statistics: NDArray[np.float64]
    dof: NDArray[np.int64]
    p_values: NDArray[np.float64]

    @classmethod
    def empty(cls) -> RankTests:
        """No directions, no tests."""
        return cls(
            singular_values=np.zeros(0),
            statistics=np.zeros(0),
            dof=np.zeros(0, dtype=np.int64),
            p_values=np.zeros(0),
        )


def sequential_rank_test(
    phi: NDArray[np.float64], *, alpha: float, refine: int, notes: list[str]
) -> tuple[RankTests, NDArray[np.float64], int, int]:
    """Largest distribution-preserving subspace of ``k`` directions not rejected at ``alpha``.

    ``phi`` ``(n, F, k)`` holds the per-event invariance contributions ``∇f(x_n)·A_j x_n`` of
    ``F`` test functions and ``k`` directions (unit RMS per test function). The per-event
    ``Φ_n`` are whitened, test functions by their covariance averaged over the directions and
    directions by theirs averaged over the test functions, and for ``r = 1, 2, …`` the
    Hotelling test (:func:`hotelling`) of the projections on the ``r`` smallest whitened
    directions runs after ``refine`` re-whitening steps (see
    :func:`~symvae.directions.generators.distribution_generators`), stopping at the first
    rejection. Notes on ranks left untested and on too few test functions are appended to
    ``notes``.

    Returns
    -------
    (tests, directions, rank, n_test_functions):
        The :class:`RankTests`; the candidate coefficient vectors ``(k, k)`` (columns over the
        ``k`` directions, ascending whitened singular value, in the frame of the last accepted
        test so that the first ``rank`` span the accepted subspace); the accepted dimension;
        the effective number of test functions.
    """
    nd, _, k_act = phi.shape
    # whitening: test functions by their covariance averaged over directions and vice versa
    cov_avg = np.zeros((phi.shape[1], phi.shape[1]))
    for j in range(k_act):
        cov_avg += np.cov(phi[:, :, j], rowvar=False).reshape(cov_avg.shape)
    cov_avg /= max(k_act, 1)
    frame = _Frame.build(phi, cov_avg)
    f_eff = frame.f_eff
    if f_eff < k_act:
        notes.append(
            f"only {f_eff} effective test functions for {k_act} algebra directions:"
            " raise degree for a complete test"
        )
    first = frame

    stat = np.full(k_act, np.nan)
    dof = np.zeros(k_act, dtype=np.int64)
    pval = np.full(k_act, np.nan)
    r_hat = 0
    accepted = frame
    for r in range(1, k_act + 1):
        # re-whiten with the covariance of the r candidate directions themselves (two-step
        # GMM): components their contributions hardly vary in then weigh as they do in the test
        for _ in range(refine):
            cand_cov = np.zeros_like(cov_avg)
            for c in frame.ascending()[:, :r].T:
                cc = np.cov(phi @ c, rowvar=False).reshape(cov_avg.shape)
                cand_cov += cc / max(float(np.trace(cc)), 1e-300)
            cand_cov = cand_cov / r + _REFINE_RIDGE * cov_avg / float(np.trace(cov_avg))
            frame = _Frame.build(phi, cand_cov)
        q = frame.k_act - r
        psi = frame.y[:, q:, q:].reshape(nd, -1)
        if psi.shape[1] == 0 or 2 * psi.shape[1] > nd:
            notes.append(
                f"rank test r={r} not run: {psi.shape[1]} dimensions need at least"
                f" {2 * psi.shape[1]} discovery events, have {nd}"
            )
            break
        stat[r - 1], dof[r - 1], pval[r - 1] = hotelling(psi)
        if not pval[r - 1] >= alpha:
            break
        r_hat = r
        accepted = frame
    tests = RankTests(
        singular_values=first.singular_values, statistics=stat, dof=dof, p_values=pval
    )
    return tests, accepted.ascending(), r_hat, f_eff


# --------------------------------------------------------------------------------------------
# flows
# --------------------------------------------------------------------------------------------


def _flow_speed_scale(
    a: NDArray[np.float64], x: NDArray[np.float64], scale: NDArray[np.float64]
) -> float:
    """``1 / median |A x / scale|``: the flow time that moves a typical event by one unit."""
    speed = np.linalg.norm((x @ a.T) / scale, axis=1)
    ref = float(np.median(np.linalg.norm(x / scale, axis=1)))
    med = float(np.median(speed))
    if med <= ROUNDOFF_RTOL * ref:
        med = float(np.mean(speed))
    # a direction that moves (almost) no event: any t is as good as another
    return 1.0 / med if med > ROUNDOFF_RTOL * ref else 1.0


@dataclass(frozen=True)
class FlowTest:
    """Two-sample test of a sample against its image under the flow ``x ↦ exp(tA) x``.

    Attributes
    ----------
    t_values:
        ``(m,)`` flow parameters (dimensionless; radians for a unit rotation ``J``).
    statistics, p_values:
        ``(m,)`` squared MMD and permutation p-values (see :func:`mmd_test`).
    """

    t_values: NDArray[np.float64]
    statistics: NDArray[np.float64]
    p_values: NDArray[np.float64]

    def passed(self, alpha: float) -> bool:
        """Not rejected: every p-value ``>= alpha / m`` (Bonferroni over the ``t`` values)."""
        m = len(self.p_values)
        return bool(np.all(self.p_values >= alpha / m)) if m else True


def _flow_test(
    xa: NDArray[np.float64],
    xb: NDArray[np.float64],
    generator: NDArray[np.float64],
    center: NDArray[np.float64],
    scale: NDArray[np.float64],
    t_scales: Sequence[float],
    n_permutations: int,
    seed: int,
) -> FlowTest:
    """MMD of ``xa`` against ``exp(tA) xb`` for ``t = s · τ``, ``s ∈ t_scales``.

    See :func:`flow_test`; ``center`` and ``scale`` ``(d,)`` define the standardized
    coordinates, ``seed + j`` seeds the permutations of the ``j``-th ``t``.
    """
    tau = _flow_speed_scale(generator, xb, scale)
    za = (xa - center) / scale
    t_vals, mmd2, pv = [], [], []
    for j, s_t in enumerate(t_scales):
        t = float(s_t) * tau
        moved = xb @ expm(t * generator).T
        stat, p = mmd_test(
            za, (moved - center) / scale, n_permutations=n_permutations, seed=seed + j
        )
        t_vals.append(t)
        mmd2.append(stat)
        pv.append(p)
    return FlowTest(np.array(t_vals), np.array(mmd2), np.array(pv))


def flow_test(
    x: ArrayLike,
    generator: ArrayLike,
    *,
    t_scales: Sequence[float] = (1.0, 2.0, 4.0),
    n_permutations: int = 500,
    max_events: int = 1000,
    seed: int = 0,
) -> FlowTest:
    """Does the flow of ``generator`` ``(d, d)`` preserve the distribution of ``x`` ``(n, d)``?

    The events are split at random into two disjoint halves ``a`` and ``b`` (at most
    ``max_events`` each); ``a`` is compared with ``exp(tA) b`` by :func:`mmd_test` in
    robust-standardized coordinates (median, ``1.4826 · MAD`` of ``x``) for
    ``t = s · τ``, ``s ∈ t_scales``, where ``τ = 1 / median |A x / scale|`` is the flow time that
    moves a typical event by one robust standard deviation (so ``t`` is meaningful for
    rotations and for non-compact boosts and dilations alike). Use :meth:`FlowTest.passed`
    to decide at a level ``α``.
    """
    x = check_events(x, 4, "flow_test")
    a = np.asarray(generator, dtype=np.float64)
    if a.shape != (x.shape[1], x.shape[1]):
        raise DataError(f"generator must be ({x.shape[1]}, {x.shape[1]}), got {a.shape}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    half = len(x) // 2
    xa, xb = x[order[:half][:max_events]], x[order[half:][:max_events]]
    center, scale = robust_scale(x)
    return _flow_test(xa, xb, a, center, scale, t_scales, n_permutations, seed + 1)


@dataclass(frozen=True)
class Confirmation:
    """Flow tests of several generators on held-out events (see :func:`confirm`).

    Attributes
    ----------
    t_values:
        ``(r, m)`` flow parameters of the confirmation ``x ↦ exp(t A) x``, per generator.
    statistics, p_values:
        ``(r, m)`` squared MMD and permutation p-value between held-out events and the
        transformed held-out events, per generator and ``t``.
    confirmed:
        ``(r,)`` whether every confirmation p-value of the generator is ``>= alpha / m``
        (Bonferroni over the ``m`` values of ``t``).
    """

    t_values: NDArray[np.float64]
    statistics: NDArray[np.float64]
    p_values: NDArray[np.float64]
    confirmed: NDArray[np.bool_]

    @classmethod
    def empty(cls, m: int) -> Confirmation:
        """No generators, ``m`` flow parameters each."""
        return cls(
            t_values=np.zeros((0, m)),
            statistics=np.zeros((0, m)),
            p_values=np.zeros((0, m)),
            confirmed=np.zeros(0, dtype=bool),
        )


def confirm(
    held: NDArray[np.float64],
    generators: NDArray[np.float64],
    center: NDArray[np.float64],
    scale: NDArray[np.float64],
    rng: np.random.Generator,
    alpha: float,
    *,
    t_scales: Sequence[float],
    n_permutations: int,
    max_mmd_events: int,
    seed: int,
    notes: list[str],
) -> Confirmation:
    """Flow test of every generator ``(r, d, d)`` on held-out events ``held`` ``(n, d)`` at
    level ``alpha``.

    ``held`` is split into two disjoint halves ``a`` and ``b`` (at most ``max_mmd_events``
    each, random subsets drawn from ``rng``) and ``a`` is compared with ``exp(tA) b`` for
    ``t = s · τ``, ``s ∈ t_scales`` (:func:`flow_test`), in the robust-standardized
    coordinates ``(x - center) / scale``; the permutations of generator ``i`` are seeded from
    ``seed + 1 + m · i``. A note is appended to ``notes`` when ``n_permutations`` cannot
    reach ``p < alpha / m``.
    """
    half = len(held) // 2
    held_a, held_b = held[:half], held[half:]
    if len(held_a) > max_mmd_events:
        held_a = held_a[rng.choice(len(held_a), max_mmd_events, replace=False)]
    if len(held_b) > max_mmd_events:
        held_b = held_b[rng.choice(len(held_b), max_mmd_events, replace=False)]
    m = len(t_scales)
    if n_permutations + 1 < m / alpha:
        notes.append(
            f"{n_permutations} permutations cannot reach p < alpha/{m}: raise n_permutations"
        )
    flows = [
        _flow_test(held_a, held_b, g, center, scale, t_scales, n_permutations, seed + 1 + m * i)
        for i, g in enumerate(generators)
    ]
    t_vals = np.array([f.t_values for f in flows]).reshape(len(generators), m)
    mmd_stat = np.array([f.statistics for f in flows]).reshape(len(generators), m)
    mmd_p = np.array([f.p_values for f in flows]).reshape(len(generators), m)
    confirmed = np.array([f.passed(alpha) for f in flows], dtype=bool)
    return Confirmation(t_values=t_vals, statistics=mmd_stat, p_values=mmd_p, confirmed=confirmed)
