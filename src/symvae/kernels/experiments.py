"""Learning curves of plain and group-invariant KRR on the torus, with their predictions.

The setting of Tahmasebi & Jegelka (2023) made concrete: uniform inputs on T^d, the Sobolev
kernel of :class:`~symvae.kernels.torus.TorusKernel`, a G-invariant target that is "hard at its
smoothness" (per invariant eigenfunction, coefficient² ∝ ``|k|^−(2s + D)`` with random signs,
D the dimension the target fills, ``‖f*‖ = 1``, no constant term), labels with Gaussian noise
σ, and λ validated on a noise-free validation set. Training sets are nested within a seed (the
first n of one sample), and the plain and invariant learners see the same points. Excess risks
``‖f̂ − f*‖²_{L²}`` are exact (Parseval on the basis coefficients; no test set).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.kernels.groups import InvariantBasis, TorusGroup, make_group
from symvae.kernels.krr import DEFAULT_LAMBDAS, RidgeSelection, select_ridge
from symvae.kernels.theory import (
    asymptotic_exponent,
    effective_sample_multiplier,
    learning_curve_prediction,
)
from symvae.kernels.torus import DEFAULT_C, TorusKernel

__all__ = [
    "LearningCurve",
    "hard_target_energies",
    "loglog_slope",
    "median_slope",
    "torus_learning_curve",
]


@dataclass(frozen=True)
class LearningCurve:
    """Measured and predicted learning curves (arrays indexed ``[seed, n]`` or ``[n]``).

    Attributes
    ----------
    group, d, d_eff, order:
        The group's name, the torus dimension, ``dim(T^d/G)`` and ``|G|`` (``None``: continuous).
    s, sigma, k_max:
        Smoothness (kernel order t = s), noise standard deviation, frequency cut-off.
    ns_plain, ns_inv:
        Training-set sizes of the plain and invariant learners, ``(p,)`` and ``(q,)``.
    seeds:
        Seeds, ``(S,)``; the plain learner uses the first ``S_p`` of them (``S_p ≤ S``).
    risk_plain, risk_inv:
        Exact excess risk at the validated λ, ``(S_p, p)`` and ``(S, q)``.
    oracle_plain, oracle_inv:
        The smallest excess risk over the λ path (oracle ridge), same shapes.
    delta_plain, delta_inv:
        Validated ridge ``δ = nλ``, same shapes.
    edge_plain, edge_inv:
        Whether the validation optimum was limited by the λ grid, same shapes (bool).
    pred_plain, pred_inv, pred_delta_plain, pred_delta_inv:
        Deterministic-equivalent risk and optimal δ, ``(p,)`` and ``(q,)``.
    slope_plain, slope_inv, slope_plain_err, slope_inv_err:
        Slopes of log median risk vs log n and their bootstrap (over seeds) standard errors.
    pred_slope_plain, pred_slope_inv:
        Slopes of the predictions over the same n.
    asymptotic_slope_plain, asymptotic_slope_inv:
        ``−2s/(2s + d)`` and ``−2s/(2s + d_eff)``.
    multiplier, multiplier_lo, multiplier_hi:
        Measured ``n_eff/n`` at each ``ns_inv`` from the median curves, with the 16 % and 84 %
        bootstrap quantiles, ``(q,)`` (NaN where ``R_inv(n)`` is outside the plain curve).
    pred_multiplier:
        The predicted multiplier, ``(q,)``.
    seconds_plain, seconds_inv:
        Wall-clock time of the plain and invariant fits summed over seeds (s).
    """

    group: str
    d: int
    d_eff: int
    order: int | None
    s: float
    sigma: float
    k_max: int
    ns_plain: NDArray[np.int64]
    ns_inv: NDArray[np.int64]
    seeds: NDArray[np.int64]
    risk_plain: NDArray[np.float64]
    risk_inv: NDArray[np.float64]
    oracle_plain: NDArray[np.float64]
    oracle_inv: NDArray[np.float64]
    delta_plain: NDArray[np.float64]
    delta_inv: NDArray[np.float64]
    edge_plain: NDArray[np.bool_]
    edge_inv: NDArray[np.bool_]
    pred_plain: NDArray[np.float64]
    pred_inv: NDArray[np.float64]
    pred_delta_plain: NDArray[np.float64]
    pred_delta_inv: NDArray[np.float64]
    slope_plain: float
    slope_plain_err: float
    slope_inv: float
    slope_inv_err: float
    pred_slope_plain: float
    pred_slope_inv: float
    asymptotic_slope_plain: float
    asymptotic_slope_inv: float
    multiplier: NDArray[np.float64]
    multiplier_lo: NDArray[np.float64]
    multiplier_hi: NDArray[np.float64]
    pred_multiplier: NDArray[np.float64]
    seconds_plain: float
    seconds_inv: float


def hard_target_energies(knorm2: ArrayLike, s: float, dim: float) -> NDArray[np.float64]:
    """Energies ``∝ |k|^−(2s + dim)`` per eigenfunction (0 for k = 0), summing to 1, ``(m,)``."""
    knorm2 = np.asarray(knorm2, dtype=np.float64)
    safe = np.where(knorm2 > 0, knorm2, 1.0)
    energy = np.where(knorm2 > 0, safe ** (-(2 * s + dim) / 2), 0.0)
    return energy / energy.sum()


def loglog_slope(ns: ArrayLike, risks: ArrayLike) -> float:
    """Least-squares slope of ``log risk`` against ``log n``."""
    return float(np.polyfit(np.log(np.asarray(ns, float)), np.log(np.asarray(risks, float)), 1)[0])


def median_slope(
    ns: ArrayLike, risks: ArrayLike, n_boot: int = 400, rng: np.random.Generator | None = None
) -> tuple[float, float]:
    """Slope of the median curve of ``risks`` ``(S, p)`` and its bootstrap standard error.

    The bootstrap resamples the S seeds (rows) with replacement.
    """
    risks = np.asarray(risks, dtype=np.float64)
    rng = np.random.default_rng(0) if rng is None else rng
    slope = loglog_slope(ns, np.median(risks, axis=0))
    boots = [
        loglog_slope(ns, np.median(risks[rng.integers(0, len(risks), len(risks))], axis=0))
        for _ in range(n_boot)
    ]
    return slope, float(np.std(boots, ddof=1)) if n_boot > 1 else float("nan")


@dataclass
class _GramDesign:
    """One seed's fits from one pass over the eigenbasis, without keeping the features.

    ``gram = Φ diag(μ) Φᵀ`` ``(N, N)``, ``gram2 = Φ diag(μ²) Φᵀ`` ``(N, N)``, ``cross_val =
    Φ_val diag(μ) Φᵀ`` ``(n_val, N)``, ``b = Φ diag(μ) a*`` ``(N,)`` and ``norm2 = ‖a*‖²``, so
    that ``f̂ = Σ_j α_j K(·, x_j)`` has the exact excess risk
    ``‖f̂ − f*‖² = αᵀ gram2 α − 2 bᵀα + norm2`` (Parseval). Used for the plain kernel, whose
    Gram matrix is well conditioned (more eigenfunctions than points).
    """

    gram: NDArray[np.float64]
    gram2: NDArray[np.float64]
    cross_val: NDArray[np.float64]
    b: NDArray[np.float64]
    norm2: float

    @classmethod
    def accumulate(
        cls, n_all: int, n_val: int, chunks: Iterable[tuple[NDArray, NDArray, NDArray, NDArray]]
    ) -> _GramDesign:
        """Sum over column chunks ``(Φ_all, Φ_val, μ, a*)`` of the eigenbasis."""
        out = cls(
            np.zeros((n_all, n_all)), np.zeros((n_all, n_all)), np.zeros((n_val, n_all)),
            np.zeros(n_all), 0.0,
        )  # fmt: skip
        for feat_all, feat_val, mu, a in chunks:
            root = feat_all * np.sqrt(mu)
            out.gram += root @ root.T
            scaled = feat_all * mu
            out.gram2 += scaled @ scaled.T
            out.cross_val += (feat_val * mu) @ feat_all.T
            out.b += scaled @ a
            out.norm2 += float(a @ a)
        return out

    def risk(self, n: int, alphas: NDArray) -> NDArray[np.float64]:
        """Exact excess risk of the fits with dual coefficients ``alphas`` ``(n, r)`` → ``(r,)``."""
        quad = np.einsum("ir,ir->r", alphas, self.gram2[:n, :n] @ alphas)
        return quad - 2.0 * (self.b[:n] @ alphas) + self.norm2

    def select(
        self, n: int, y: NDArray, f_val: NDArray, lams: NDArray, on_edge: str
    ) -> tuple[RidgeSelection, NDArray[np.float64]]:
        """Validated fit on the first ``n`` points and the exact risk along the λ path."""
        sel = select_ridge(
            self.gram[:n, :n], y[:n], self.cross_val[:, :n], f_val, lams, on_edge=on_edge
        )
        return sel, _path_risks(sel, lambda sols: self.risk(n, sols))


@dataclass
class _CoefDesign:
    """One seed's fits through the basis coefficients (features kept in memory).

    With fewer eigenfunctions than points (m < n) the fit is solved in feature form
    (:func:`~symvae.kernels.krr.krr_fit_primal`, coefficients ``√μ ⊙ w``), which is cheap and
    stable where the Gram matrix is singular; otherwise in dual form (coefficients
    ``μ ⊙ Φᵀα``). The excess risk is ``‖c − a*‖²``.
    """

    feat_all: NDArray[np.float64]
    feat_val: NDArray[np.float64]
    mu: NDArray[np.float64]
    a: NDArray[np.float64]

    def _risk(self, coef: NDArray) -> NDArray[np.float64]:
        return np.sum((coef - self.a[:, None]) ** 2, axis=0)

    def select(
        self, n: int, y: NDArray, f_val: NDArray, lams: NDArray, on_edge: str
    ) -> tuple[RidgeSelection, NDArray[np.float64]]:
        """Validated fit on the first ``n`` points and the exact risk along the λ path."""
        root_mu = np.sqrt(self.mu)[:, None]
        psi = self.feat_all[:n] * root_mu.T
        if len(self.mu) < n:
            sel = select_ridge(
                None, y[:n], self.feat_val * root_mu.T, f_val, lams, on_edge=on_edge, features=psi
            )
            return sel, _path_risks(sel, lambda w: self._risk(root_mu * w))

        def coefficients(alphas: NDArray) -> NDArray:
            return root_mu * (psi.T @ alphas)

        sel = select_ridge(
            psi @ psi.T,
            y[:n],
            lambda alphas: self.feat_val @ coefficients(alphas),
            f_val,
            lams,
            on_edge=on_edge,
        )
        return sel, _path_risks(sel, lambda alphas: self._risk(coefficients(alphas)))


def _path_risks(sel: RidgeSelection, risk: Callable[[NDArray], NDArray]) -> NDArray[np.float64]:
    """Exact risk for every λ of a selection (``inf`` where Cholesky failed), ``(r,)``."""
    ok = np.all(np.isfinite(sel.solutions), axis=0)
    out = np.full(len(sel.lams), np.inf)
    out[ok] = risk(sel.solutions[:, ok])
    return out


def _plain_chunks(
    kernel: TorusKernel, x_all: NDArray, x_val: NDArray, a_plain: NDArray
) -> Iterator[tuple[NDArray, NDArray, NDArray, NDArray]]:
    cols = np.arange(kernel.n_features)
    for chunk in kernel.column_chunks(len(x_all) + len(x_val), cols):
        yield (
            kernel.features(x_all, chunk),
            kernel.features(x_val, chunk),
            kernel.mu[chunk],
            a_plain[chunk],
        )


def _fit_path(
    design: _GramDesign | _CoefDesign,
    ns: NDArray,
    y_all: NDArray,
    f_val: NDArray,
    lams: NDArray,
    on_edge: str,
) -> NDArray[np.float64]:
    """Rows: validated risk, oracle risk, validated δ, edge flag (0/1); columns: ``ns``."""
    out = np.empty((4, len(ns)))
    for j, n in enumerate(ns):
        sel, risks = design.select(int(n), y_all, f_val, lams, on_edge)
        out[:, j] = risks[sel.best], risks.min(), sel.delta(int(n)), sel.at_edge
    return out


@dataclass(frozen=True)
class _Measured:
    """Per-seed results of one learner: four arrays ``(S, len(ns))`` and the time spent (s)."""

    risk: NDArray[np.float64]
    oracle: NDArray[np.float64]
    delta: NDArray[np.float64]
    edge: NDArray[np.bool_]
    seconds: float


def _measure(
    kernel: TorusKernel,
    basis: InvariantBasis,
    energies: NDArray,
    ns_inv: NDArray,
    ns_p: NDArray,
    seeds: NDArray,
    n_plain: int,
    sigma: float,
    n_val: int,
    lams: NDArray,
    on_edge: str,
) -> tuple[_Measured, _Measured]:
    """Fit both learners on every seed (the plain one on the first ``n_plain`` seeds)."""
    n_max = int(max(ns_inv.max(), ns_p.max()))
    res_i = np.empty((4, len(seeds), len(ns_inv)))
    res_p = np.empty((4, n_plain, len(ns_p)))
    seconds_i = seconds_p = 0.0
    for row, seed in enumerate(seeds):
        rng = np.random.default_rng(int(seed))
        x_all = rng.random((n_max, kernel.d))
        noise = rng.standard_normal(n_max)
        x_val = rng.random((n_val, kernel.d))
        a_inv = rng.choice((-1.0, 1.0), size=basis.size) * np.sqrt(energies)

        tic = time.perf_counter()
        feat_all, feat_val = basis.features(x_all), basis.features(x_val)
        y_all = feat_all @ a_inv + sigma * noise
        f_val = feat_val @ a_inv
        design_i = _CoefDesign(feat_all, feat_val, basis.mu, a_inv)
        res_i[:, row] = _fit_path(design_i, ns_inv, y_all, f_val, lams, on_edge)
        seconds_i += time.perf_counter() - tic
        if row >= n_plain:
            continue

        tic = time.perf_counter()
        n_p = int(ns_p.max())
        chunks = _plain_chunks(kernel, x_all[:n_p], x_val, basis.to_plain(a_inv))
        design_p = _GramDesign.accumulate(n_p, n_val, chunks)
        res_p[:, row] = _fit_path(design_p, ns_p, y_all, f_val, lams, on_edge)
        seconds_p += time.perf_counter() - tic
        del design_p

    def pack(res: NDArray, seconds: float) -> _Measured:
        return _Measured(res[0], res[1], res[2], res[3].astype(bool), seconds)

    return pack(res_p, seconds_p), pack(res_i, seconds_i)


def _bootstrap_multiplier(
    ns_p: NDArray,
    risk_p: NDArray,
    ns_inv: NDArray,
    risk_i: NDArray,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """16 % and 84 % quantiles of the multiplier over resampled seeds, each ``(q,)``.

    Seeds are resampled in pairs when both learners have the same seeds, else independently.
    """
    if n_boot <= 0:
        return np.full(len(ns_inv), np.nan), np.full(len(ns_inv), np.nan)
    s_i, s_p = len(risk_i), len(risk_p)
    boots = np.empty((n_boot, len(ns_inv)))
    for b in range(n_boot):
        idx = rng.integers(0, s_i, s_i)
        idx_p = idx if s_p == s_i else rng.integers(0, s_p, s_p)
        boots[b] = effective_sample_multiplier(
            ns_p, np.median(risk_p[idx_p], axis=0), ns_inv, np.median(risk_i[idx], axis=0)
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        lo, hi = np.nanquantile(boots, [0.16, 0.84], axis=0)
    return lo, hi


def torus_learning_curve(
    d: int,
    group: TorusGroup | str,
    ns: Sequence[int],
    seeds: Sequence[int],
    sigma: float = 0.5,
    s: float = 2.0,
    *,
    ns_plain: Sequence[int] | None = None,
    c: float = DEFAULT_C,
    k_max: int | None = None,
    target_dim: int | None = None,
    n_val: int = 1000,
    lams: ArrayLike | None = None,
    on_edge: str = "raise",
    n_boot: int = 400,
    pred_grid_points: int = 64,
    plain_seeds: int | None = None,
    blas_threads: int | None = 1,
) -> LearningCurve:
    """Learning curves of plain and G-invariant KRR on T^d, measured and predicted.

    Parameters
    ----------
    d:
        Dimension of the torus.
    group:
        A :class:`~symvae.kernels.groups.TorusGroup` or a name for
        :func:`~symvae.kernels.groups.make_group`.
    ns:
        Training-set sizes of the invariant learner (and of the plain one unless ``ns_plain``).
    seeds:
        One independent draw (inputs, noise, target signs, validation set) per seed.
    sigma:
        Label-noise standard deviation (the target has unit L² norm).
    s:
        Smoothness: kernel order ``t = s`` and target hardness ``|k|^−(2s + D)``.
    ns_plain:
        Sizes for the plain learner (e.g. reaching ``|G| max(ns)`` for the multiplier).
    c, k_max:
        Kernel offset and frequency cut-off (see :class:`~symvae.kernels.torus.TorusKernel`).
    target_dim:
        D, the dimension the target fills (default ``d_eff`` of the group).
    n_val:
        Size of the noise-free validation set.
    lams:
        Coarse λ grid (default :data:`~symvae.kernels.krr.DEFAULT_LAMBDAS`, 1e-10…1e2).
    on_edge:
        ``"raise"`` or ``"flag"`` when a validated λ is limited by the grid.
    n_boot:
        Bootstrap resamples of the seeds for the slope and multiplier uncertainties.
    pred_grid_points:
        Points of the log-spaced n grid on which the plain prediction is interpolated for the
        predicted multiplier.
    plain_seeds:
        Fit the plain learner on only the first ``plain_seeds`` seeds (default: all). Its risk
        varies much less across seeds than the invariant learner's (whose fits are cheap), so
        this saves most of the time; the bootstrap then resamples the two sets independently.
    blas_threads:
        BLAS threads during the computation (via ``threadpoolctl`` when installed; ``None``
        leaves the setting alone). numpy and scipy wheels each bundle an OpenBLAS, and when
        their calls alternate (Gram products, Cholesky solves) the two thread pools compete:
        on a 2-core machine the fits ran up to 8× slower with 2 threads than with 1.

    Returns
    -------
    LearningCurve
    """
    grp = make_group(group, d) if isinstance(group, str) else group
    kernel = TorusKernel(d, t=s, c=c, k_max=k_max)
    basis = grp.invariant_basis(kernel)
    energies = hard_target_energies(
        basis.knorm2, s, grp.d_eff if target_dim is None else target_dim
    )
    ns_inv = np.asarray(sorted(ns), dtype=np.int64)
    ns_p = ns_inv if ns_plain is None else np.asarray(sorted(ns_plain), dtype=np.int64)
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    n_plain = len(seeds_arr) if plain_seeds is None else min(int(plain_seeds), len(seeds_arr))
    lam_grid = DEFAULT_LAMBDAS if lams is None else np.asarray(lams, dtype=np.float64)
    with _blas_limit(blas_threads):
        plain, inv = _measure(
            kernel, basis, energies, ns_inv, ns_p, seeds_arr, n_plain, sigma, n_val, lam_grid,
            on_edge,
        )  # fmt: skip

    # predictions: the same truncated spectra and target energies
    v2_plain = basis.to_plain(np.sqrt(energies)) ** 2
    pred_p, pdelta_p = learning_curve_prediction(kernel.mu, v2_plain, ns_p, sigma**2)
    pred_i, pdelta_i = learning_curve_prediction(basis.mu, energies, ns_inv, sigma**2)
    reach = 4 * (grp.order if grp.order is not None else 64) * ns_inv.max()
    fine = np.unique(np.geomspace(ns_inv.min(), reach, pred_grid_points).round().astype(int))
    pred_fine, _ = learning_curve_prediction(kernel.mu, v2_plain, fine, sigma**2)

    rng = np.random.default_rng(12345)
    slope_p, err_p = median_slope(ns_p, plain.risk, n_boot, rng)
    slope_i, err_i = median_slope(ns_inv, inv.risk, n_boot, rng)
    med_p, med_i = np.median(plain.risk, axis=0), np.median(inv.risk, axis=0)
    lo, hi = _bootstrap_multiplier(ns_p, plain.risk, ns_inv, inv.risk, n_boot, rng)
    return LearningCurve(
        group=grp.name,
        d=d,
        d_eff=grp.d_eff,
        order=grp.order,
        s=s,
        sigma=sigma,
        k_max=kernel.k_max,
        ns_plain=ns_p,
        ns_inv=ns_inv,
        seeds=seeds_arr,
        risk_plain=plain.risk,
        risk_inv=inv.risk,
        oracle_plain=plain.oracle,
        oracle_inv=inv.oracle,
        delta_plain=plain.delta,
        delta_inv=inv.delta,
        edge_plain=plain.edge,
        edge_inv=inv.edge,
        pred_plain=pred_p,
        pred_inv=pred_i,
        pred_delta_plain=pdelta_p,
        pred_delta_inv=pdelta_i,
        slope_plain=slope_p,
        slope_plain_err=err_p,
        slope_inv=slope_i,
        slope_inv_err=err_i,
        pred_slope_plain=loglog_slope(ns_p, pred_p),
        pred_slope_inv=loglog_slope(ns_inv, pred_i),
        asymptotic_slope_plain=asymptotic_exponent(s, d),
        asymptotic_slope_inv=asymptotic_exponent(s, grp.d_eff),
        multiplier=effective_sample_multiplier(ns_p, med_p, ns_inv, med_i),
        multiplier_lo=lo,
        multiplier_hi=hi,
        pred_multiplier=effective_sample_multiplier(fine, pred_fine, ns_inv, pred_i),
        seconds_plain=plain.seconds,
        seconds_inv=inv.seconds,
    )


def _blas_limit(threads: int | None) -> AbstractContextManager[object]:
    """Limit BLAS threads with ``threadpoolctl`` if asked for and available."""
    if threads is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up only
        return nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")
