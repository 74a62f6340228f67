"""Learning curves of plain and group-invariant KRR on the torus, with their predictions.

The setting of Tahmasebi & Jegelka (2023) made concrete: uniform inputs on T^d, the Sobolev
kernel of :class:`~symvae.invariance.torus.TorusKernel`, a G-invariant target that is "hard at its
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

from symvae.invariance.groups import (
    InvariantBasis,
    SphereZonalKernel,
    TorusGroup,
    ZRotations,
    legendre_table,
    make_group,
    uniform_sphere,
)
from symvae.invariance.krr import DEFAULT_LAMBDAS, RidgeSelection, select_ridge
from symvae.invariance.theory import (
    asymptotic_exponent,
    effective_sample_multiplier,
    learning_curve_prediction,
)
from symvae.invariance.torus import DEFAULT_C, TorusKernel

__all__ = [
    "LearningCurve",
    "curve_slope",
    "hard_target_energies",
    "loglog_slope",
    "median_slope",
    "sphere_learning_curve",
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
        Slopes of log mean risk (mean over seeds: the deterministic equivalent predicts the
        mean) against log n, and their bootstrap (over seeds) standard errors.
    pred_slope_plain, pred_slope_inv:
        Slopes of the predictions over the same n.
    asymptotic_slope_plain, asymptotic_slope_inv:
        ``−2s/(2s + d)`` and ``−2s/(2s + d_eff)``.
    multiplier, multiplier_lo, multiplier_hi:
        Measured ``n_eff/n`` at each ``ns_inv`` from the mean curves, with the 16 % and 84 %
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


def curve_slope(
    ns: ArrayLike,
    risks: ArrayLike,
    n_boot: int = 400,
    rng: np.random.Generator | None = None,
    statistic: str = "mean",
) -> tuple[float, float]:
    """Slope of the ``statistic`` (mean or median over seeds) curve of ``risks`` ``(S, p)``
    against ``ns`` ``(p,)`` on log–log axes, and its bootstrap standard error.

    The bootstrap resamples the S seeds (rows) with replacement.
    """
    risks = np.asarray(risks, dtype=np.float64)
    rng = np.random.default_rng(0) if rng is None else rng
    reduce = _STATISTICS[statistic]
    slope = loglog_slope(ns, reduce(risks, axis=0))
    boots = [
        loglog_slope(ns, reduce(risks[rng.integers(0, len(risks), len(risks))], axis=0))
        for _ in range(n_boot)
    ]
    return slope, float(np.std(boots, ddof=1)) if n_boot > 1 else float("nan")


def median_slope(
    ns: ArrayLike, risks: ArrayLike, n_boot: int = 400, rng: np.random.Generator | None = None
) -> tuple[float, float]:
    """:func:`curve_slope` of the median curve (robust to a few outlying seeds)."""
    return curve_slope(ns, risks, n_boot, rng, statistic="median")


_STATISTICS: dict[str, Callable[..., NDArray[np.float64]]] = {"mean": np.mean, "median": np.median}


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
    (:func:`~symvae.invariance.krr.krr_fit_primal`, coefficients ``√μ ⊙ w``), which is cheap and
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


@dataclass(frozen=True)
class _Draw:
    """One seed's sample: noisy labels ``(N,)``, noise-free validation targets ``(n_val,)``,
    and builders of the invariant design and of the plain design on the first ``n`` points."""

    y_all: NDArray[np.float64]
    f_val: NDArray[np.float64]
    invariant: Callable[[], _CoefDesign]
    plain: Callable[[int], _GramDesign]


def _measure(
    draw: Callable[[int], _Draw],
    ns_inv: NDArray,
    ns_p: NDArray,
    seeds: NDArray,
    n_plain: int,
    lams: NDArray,
    on_edge: str,
) -> tuple[_Measured, _Measured]:
    """Fit both learners on every seed (the plain one on the first ``n_plain`` seeds)."""
    res_i = np.empty((4, len(seeds), len(ns_inv)))
    res_p = np.empty((4, n_plain, len(ns_p)))
    seconds_i = seconds_p = 0.0
    for row, seed in enumerate(seeds):
        sample = draw(int(seed))
        tic = time.perf_counter()
        design_i = sample.invariant()
        res_i[:, row] = _fit_path(design_i, ns_inv, sample.y_all, sample.f_val, lams, on_edge)
        seconds_i += time.perf_counter() - tic
        if row >= n_plain:
            continue
        tic = time.perf_counter()
        design_p = sample.plain(int(ns_p.max()))
        res_p[:, row] = _fit_path(design_p, ns_p, sample.y_all, sample.f_val, lams, on_edge)
        seconds_p += time.perf_counter() - tic
        del design_p

    def pack(res: NDArray, seconds: float) -> _Measured:
        return _Measured(res[0], res[1], res[2], res[3].astype(bool), seconds)

    return pack(res_p, seconds_p), pack(res_i, seconds_i)


def _torus_draw(
    kernel: TorusKernel,
    basis: InvariantBasis,
    energies: NDArray,
    sigma: float,
    n_max: int,
    n_val: int,
) -> Callable[[int], _Draw]:
    """Uniform inputs on T^d, random-sign target coefficients ``±√energies``."""

    def draw(seed: int) -> _Draw:
        rng = np.random.default_rng(seed)
        x_all = rng.random((n_max, kernel.d))
        noise = rng.standard_normal(n_max)
        x_val = rng.random((n_val, kernel.d))
        a_inv = rng.choice((-1.0, 1.0), size=basis.size) * np.sqrt(energies)
        feat_all, feat_val = basis.features(x_all), basis.features(x_val)
        y_all = feat_all @ a_inv + sigma * noise
        f_val = feat_val @ a_inv

        def plain(n: int) -> _GramDesign:
            chunks = _plain_chunks(kernel, x_all[:n], x_val, basis.to_plain(a_inv))
            return _GramDesign.accumulate(n, n_val, chunks)

        return _Draw(y_all, f_val, lambda: _CoefDesign(feat_all, feat_val, basis.mu, a_inv), plain)

    return draw


def _zonal_sum(cosang: NDArray, weights: NDArray) -> NDArray[np.float64]:
    """``Σ_ℓ w_ℓ P_ℓ(z)`` elementwise by Clenshaw's recurrence (no ``(…, ℓ)`` table)."""
    b1 = np.zeros_like(cosang)
    b2 = np.zeros_like(cosang)
    for ell in range(len(weights) - 1, 0, -1):
        # P_{ℓ+1} = α_ℓ(z) P_ℓ + β_ℓ P_{ℓ−1}, α_ℓ = (2ℓ+1) z/(ℓ+1), β_ℓ = −ℓ/(ℓ+1)
        b0 = weights[ell] + (2 * ell + 1) / (ell + 1) * cosang * b1 - (ell + 1) / (ell + 2) * b2
        b1, b2 = b0, b1
    return weights[0] + cosang * b1 - 0.5 * b2


def _sphere_draw(
    kernel: SphereZonalKernel,
    energies: NDArray,
    sigma: float,
    n_max: int,
    n_val: int,
) -> Callable[[int], _Draw]:
    """Uniform inputs on S², a zonal target ``Σ_ℓ a_ℓ Y_ℓ0`` with ``a_ℓ = ±√energy_ℓ``.

    ``Y_ℓ0 = √(2ℓ+1) P_ℓ(z)`` (orthonormal for the uniform probability measure) are the
    eigenfunctions of the z-rotation-averaged kernel; the plain kernel's Gram matrices are
    zonal sums (addition theorem), so the exact excess risk needs no harmonics with m ≠ 0.
    """
    ell = np.arange(kernel.l_max + 1)
    root = np.sqrt(2 * ell + 1.0)

    def draw(seed: int) -> _Draw:
        rng = np.random.default_rng(seed)
        x_all = uniform_sphere(n_max, rng)
        noise = rng.standard_normal(n_max)
        x_val = uniform_sphere(n_val, rng)
        a_inv = rng.choice((-1.0, 1.0), size=len(ell)) * np.sqrt(energies)
        feat_all = legendre_table(x_all[:, 2], kernel.l_max) * root
        feat_val = legendre_table(x_val[:, 2], kernel.l_max) * root
        y_all = feat_all @ a_inv + sigma * noise
        f_val = feat_val @ a_inv

        def plain(n: int) -> _GramDesign:
            x = x_all[:n]
            cos_xx = np.clip(x @ x.T, -1.0, 1.0)
            return _GramDesign(
                gram=_zonal_sum(cos_xx, kernel.weights),
                gram2=_zonal_sum(cos_xx, kernel.weights * kernel.mu),
                cross_val=_zonal_sum(np.clip(x_val @ x.T, -1.0, 1.0), kernel.weights),
                b=feat_all[:n] @ (kernel.mu * a_inv),
                norm2=float(a_inv @ a_inv),
            )

        return _Draw(y_all, f_val, lambda: _CoefDesign(feat_all, feat_val, kernel.mu, a_inv), plain)

    return draw


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
            ns_p, risk_p[idx_p].mean(axis=0), ns_inv, risk_i[idx].mean(axis=0)
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
        A :class:`~symvae.invariance.groups.TorusGroup` or a name for
        :func:`~symvae.invariance.groups.make_group`.
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
        Kernel offset and frequency cut-off (see :class:`~symvae.invariance.torus.TorusKernel`).
    target_dim:
        D, the dimension the target fills (default ``d_eff`` of the group).
    n_val:
        Size of the noise-free validation set.
    lams:
        Coarse λ grid (default :data:`~symvae.invariance.krr.DEFAULT_LAMBDAS`, 1e-10…1e2).
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
    ns_inv, ns_p = _sizes(ns, ns_plain)
    draw = _torus_draw(kernel, basis, energies, sigma, int(max(ns_inv.max(), ns_p.max())), n_val)
    return _learning_curve(
        draw,
        _Spectra(kernel.mu, basis.to_plain(np.sqrt(energies)) ** 2, basis.mu, energies),
        grp.name, d, grp.d_eff, grp.order, s, sigma, kernel.k_max, ns_inv, ns_p, seeds,
        plain_seeds, lams, on_edge, n_boot, pred_grid_points, blas_threads,
    )  # fmt: skip


def sphere_learning_curve(
    ns: Sequence[int],
    seeds: Sequence[int],
    sigma: float = 0.5,
    s: float = 2.0,
    *,
    ns_plain: Sequence[int] | None = None,
    c: float = DEFAULT_C,
    l_max: int = 64,
    n_val: int = 1000,
    lams: ArrayLike | None = None,
    on_edge: str = "raise",
    n_boot: int = 400,
    pred_grid_points: int = 64,
    plain_seeds: int | None = None,
    blas_threads: int | None = 1,
) -> LearningCurve:
    """Learning curves of plain and z-rotation-invariant KRR on S² (``d = 2``, ``d_eff = 1``).

    The kernel is :class:`~symvae.invariance.groups.SphereZonalKernel` (``μ_ℓ = (c +
    ℓ(ℓ+1))^−s``, RKHS ``H^s(S²)``, truncated at ``l_max``); the invariant learner uses its
    closed-form average over rotations about z (:class:`~symvae.invariance.groups.ZRotations`),
    whose eigenfunctions are the zonal harmonics ``Y_ℓ0``. The target is zonal and hard at its
    smoothness in one dimension (energy ``∝ (ℓ(ℓ+1))^−(2s + 1)/2`` per ``Y_ℓ0``, unit norm).
    The other arguments are those of :func:`torus_learning_curve`. Expect slopes that
    converge slowly on the sphere: the finite-n prediction, not the asymptote, is the yardstick.
    """
    kernel = SphereZonalKernel(t=s, c=c, l_max=l_max)
    ell = np.arange(l_max + 1)
    energies = hard_target_energies(ell * (ell + 1.0), s, 1)
    ns_inv, ns_p = _sizes(ns, ns_plain)
    draw = _sphere_draw(kernel, energies, sigma, int(max(ns_inv.max(), ns_p.max())), n_val)
    # the plain spectrum: μ_ℓ with multiplicity 2ℓ + 1, the target's energy on m = 0 only
    mult = 2 * ell + 1
    mu_plain = np.repeat(kernel.mu, mult)
    v2_plain = np.zeros_like(mu_plain)
    v2_plain[np.cumsum(mult) - mult] = energies
    grp = ZRotations()
    return _learning_curve(
        draw,
        _Spectra(mu_plain, v2_plain, kernel.mu, energies),
        grp.name, grp.d, grp.d_eff, grp.order, s, sigma, l_max, ns_inv, ns_p, seeds,
        plain_seeds, lams, on_edge, n_boot, pred_grid_points, blas_threads,
    )  # fmt: skip


def _sizes(
    ns: Sequence[int], ns_plain: Sequence[int] | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    ns_inv = np.asarray(sorted(ns), dtype=np.int64)
    ns_p = ns_inv if ns_plain is None else np.asarray(sorted(ns_plain), dtype=np.int64)
    return ns_inv, ns_p


@dataclass(frozen=True)
class _Spectra:
    """Eigenvalues and target energies per eigenfunction of the plain and invariant kernels."""

    mu_plain: NDArray[np.float64]
    v2_plain: NDArray[np.float64]
    mu_inv: NDArray[np.float64]
    v2_inv: NDArray[np.float64]


def _learning_curve(
    draw: Callable[[int], _Draw],
    spectra: _Spectra,
    group: str,
    d: int,
    d_eff: int,
    order: int | None,
    s: float,
    sigma: float,
    cutoff: int,
    ns_inv: NDArray[np.int64],
    ns_p: NDArray[np.int64],
    seeds: Sequence[int],
    plain_seeds: int | None,
    lams: ArrayLike | None,
    on_edge: str,
    n_boot: int,
    pred_grid_points: int,
    blas_threads: int | None,
) -> LearningCurve:
    """Measure both learners, predict their curves and fit slopes and multipliers."""
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    n_plain = len(seeds_arr) if plain_seeds is None else min(int(plain_seeds), len(seeds_arr))
    lam_grid = DEFAULT_LAMBDAS if lams is None else np.asarray(lams, dtype=np.float64)
    with _blas_limit(blas_threads):
        plain, inv = _measure(draw, ns_inv, ns_p, seeds_arr, n_plain, lam_grid, on_edge)

    # predictions: the same truncated spectra and target energies
    sp = spectra
    pred_p, pdelta_p = learning_curve_prediction(sp.mu_plain, sp.v2_plain, ns_p, sigma**2)
    pred_i, pdelta_i = learning_curve_prediction(sp.mu_inv, sp.v2_inv, ns_inv, sigma**2)
    reach = 4 * (order if order is not None else 64) * ns_inv.max()
    fine = np.unique(np.geomspace(ns_inv.min(), reach, pred_grid_points).round().astype(int))
    pred_fine, _ = learning_curve_prediction(sp.mu_plain, sp.v2_plain, fine, sigma**2)

    rng = np.random.default_rng(12345)
    slope_p, err_p = curve_slope(ns_p, plain.risk, n_boot, rng)
    slope_i, err_i = curve_slope(ns_inv, inv.risk, n_boot, rng)
    mean_p, mean_i = plain.risk.mean(axis=0), inv.risk.mean(axis=0)
    lo, hi = _bootstrap_multiplier(ns_p, plain.risk, ns_inv, inv.risk, n_boot, rng)
    return LearningCurve(
        group=group,
        d=d,
        d_eff=d_eff,
        order=order,
        s=s,
        sigma=sigma,
        k_max=cutoff,
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
        asymptotic_slope_inv=asymptotic_exponent(s, d_eff),
        multiplier=effective_sample_multiplier(ns_p, mean_p, ns_inv, mean_i),
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
