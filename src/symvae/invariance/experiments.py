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

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.invariance.curves import CurvePair, LearnerCurve, blas_limit, loglog_slope
from symvae.invariance.designs import CoefDesign, GramDesign, fit_path, plain_chunks, zonal_sum
from symvae.invariance.groups import (
    InvariantBasis,
    SphereZonalKernel,
    TorusGroup,
    ZRotations,
    legendre_table,
    make_group,
    uniform_sphere,
)
from symvae.invariance.krr import DEFAULT_LAMBDAS
from symvae.invariance.theory import (
    asymptotic_exponent,
    effective_sample_multiplier,
    learning_curve_prediction,
)
from symvae.invariance.torus import DEFAULT_C, TorusKernel

__all__ = [
    "LearningCurve",
    "hard_target_energies",
    "sphere_learning_curve",
    "torus_learning_curve",
]


@dataclass(frozen=True)
class LearningCurve(CurvePair):
    """Measured and predicted learning curves of plain and G-invariant KRR on T^d or S².

    The fields of :class:`~symvae.invariance.curves.CurvePair` (seeds, ``sigma``, the ``plain``
    and ``inv`` learners' :class:`~symvae.invariance.curves.LearnerCurve`, with their oracle
    risks, deterministic-equivalent predictions and asymptotic slopes ``−2s/(2s + d)`` and
    ``−2s/(2s + d_eff)``, and the measured multiplier), and:

    Attributes
    ----------
    group, d, d_eff, order:
        The group's name, the dimension, ``dim(M/G)`` and ``|G|`` (``None``: continuous).
    s, k_max:
        Smoothness (kernel order t = s) and frequency cut-off (``l_max`` on the sphere).
    pred_multiplier:
        The predicted multiplier at each ``inv.ns``, ``(q,)``.
    """

    group: str
    d: int
    d_eff: int
    order: int | None
    s: float
    k_max: int
    pred_multiplier: NDArray[np.float64]


def hard_target_energies(knorm2: ArrayLike, s: float, dim: float) -> NDArray[np.float64]:
    """Energies ``∝ |k|^−(2s + dim)`` per eigenfunction (0 for k = 0), summing to 1, ``(m,)``."""
    knorm2 = np.asarray(knorm2, dtype=np.float64)
    safe = np.where(knorm2 > 0, knorm2, 1.0)
    energy = np.where(knorm2 > 0, safe ** (-(2 * s + dim) / 2), 0.0)
    return energy / energy.sum()


@dataclass(frozen=True)
class _Draw:
    """One seed's sample: noisy labels ``(N,)``, noise-free validation targets ``(n_val,)``,
    and builders of the invariant design and of the plain design on the first ``n`` points."""

    y_all: NDArray[np.float64]
    f_val: NDArray[np.float64]
    invariant: Callable[[], CoefDesign]
    plain: Callable[[int], GramDesign]


def _measure(
    draw: Callable[[int], _Draw],
    ns_inv: NDArray,
    ns_p: NDArray,
    seeds: NDArray,
    n_plain: int,
    lams: NDArray,
    on_edge: str,
) -> tuple[LearnerCurve, LearnerCurve]:
    """Fit both learners on every seed (the plain one on the first ``n_plain`` seeds)."""
    res_i = np.empty((4, len(seeds), len(ns_inv)))
    res_p = np.empty((4, n_plain, len(ns_p)))
    seconds_i = seconds_p = 0.0
    for row, seed in enumerate(seeds):
        sample = draw(int(seed))
        tic = time.perf_counter()
        design_i = sample.invariant()
        res_i[:, row] = fit_path(design_i, ns_inv, sample.y_all, sample.f_val, lams, on_edge)
        seconds_i += time.perf_counter() - tic
        if row >= n_plain:
            continue
        tic = time.perf_counter()
        design_p = sample.plain(int(ns_p.max()))
        res_p[:, row] = fit_path(design_p, ns_p, sample.y_all, sample.f_val, lams, on_edge)
        seconds_p += time.perf_counter() - tic
        del design_p

    def pack(ns: NDArray, res: NDArray, seconds: float) -> LearnerCurve:
        return LearnerCurve(ns, res[0], res[2], res[3].astype(bool), seconds, oracle=res[1])

    return pack(ns_p, res_p, seconds_p), pack(ns_inv, res_i, seconds_i)


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

        def plain(n: int) -> GramDesign:
            chunks = plain_chunks(kernel, x_all[:n], x_val, basis.to_plain(a_inv))
            return GramDesign.accumulate(n, n_val, chunks)

        return _Draw(y_all, f_val, lambda: CoefDesign(feat_all, feat_val, basis.mu, a_inv), plain)

    return draw


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

        def plain(n: int) -> GramDesign:
            x = x_all[:n]
            cos_xx = np.clip(x @ x.T, -1.0, 1.0)
            return GramDesign(
                gram=zonal_sum(cos_xx, kernel.weights),
                gram2=zonal_sum(cos_xx, kernel.weights * kernel.mu),
                cross_val=zonal_sum(np.clip(x_val @ x.T, -1.0, 1.0), kernel.weights),
                b=feat_all[:n] @ (kernel.mu * a_inv),
                norm2=float(a_inv @ a_inv),
            )

        return _Draw(y_all, f_val, lambda: CoefDesign(feat_all, feat_val, kernel.mu, a_inv), plain)

    return draw


def torus_learning_curve(
    d: int,
    group: TorusGroup | str,
    ns: Sequence[int],
    seeds: Sequence[int],
    sigma: float = 0.5,
    s: float = 2.0,
    *,
    k_max: int | None = None,
    target_dim: int | None = None,
    **options: Any,
) -> LearningCurve:
    """Learning curves of plain and G-invariant KRR on T^d, measured and predicted.

    The other parameters are keyword-only and shared with :func:`sphere_learning_curve`.

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
    k_max:
        Frequency cut-off (see :class:`~symvae.invariance.torus.TorusKernel`).
    target_dim:
        D, the dimension the target fills (default ``d_eff`` of the group).

    Other Parameters
    ----------------
    ns_plain:
        Sizes for the plain learner (e.g. reaching ``|G| max(ns)`` for the multiplier).
    c:
        Kernel offset (see :class:`~symvae.invariance.torus.TorusKernel`), default
        :data:`~symvae.invariance.torus.DEFAULT_C`.
    n_val:
        Size of the noise-free validation set (default 1000).
    lams:
        Coarse λ grid (default :data:`~symvae.invariance.krr.DEFAULT_LAMBDAS`, 1e-10…1e2).
    on_edge:
        ``"raise"`` (default) or ``"flag"`` when a validated λ is limited by the grid.
    n_boot:
        Bootstrap resamples of the seeds for the slope and multiplier uncertainties (400).
    pred_grid_points:
        Points of the log-spaced n grid on which the plain prediction is interpolated for the
        predicted multiplier (64).
    plain_seeds:
        Fit the plain learner on only the first ``plain_seeds`` seeds (default: all). Its risk
        varies much less across seeds than the invariant learner's (whose fits are cheap), so
        this saves most of the time; the bootstrap then resamples the two sets independently.
    blas_threads:
        BLAS threads during the computation (default 1; via ``threadpoolctl`` when installed;
        ``None`` leaves the setting alone). numpy and scipy wheels each bundle an OpenBLAS, and
        when their calls alternate (Gram products, Cholesky solves) the two thread pools
        compete: on a 2-core machine the fits ran up to 8× slower with 2 threads than with 1.

    Returns
    -------
    LearningCurve
    """
    opts = _Options(**options)
    grp = make_group(group, d) if isinstance(group, str) else group
    kernel = TorusKernel(d, t=s, c=opts.c, k_max=k_max)
    basis = grp.invariant_basis(kernel)
    energies = hard_target_energies(
        basis.knorm2, s, grp.d_eff if target_dim is None else target_dim
    )
    ns_inv, ns_p = opts.sizes(ns)
    draw = _torus_draw(
        kernel, basis, energies, sigma, int(max(ns_inv.max(), ns_p.max())), opts.n_val
    )
    return _learning_curve(
        draw,
        (_Spectrum(kernel.mu, basis.to_plain(np.sqrt(energies)) ** 2), _Spectrum(basis.mu, energies)),
        grp.name, d, grp.d_eff, grp.order, s, sigma, kernel.k_max, ns_inv, ns_p, seeds, opts,
    )  # fmt: skip


def sphere_learning_curve(
    ns: Sequence[int],
    seeds: Sequence[int],
    sigma: float = 0.5,
    s: float = 2.0,
    *,
    l_max: int = 64,
    **options: Any,
) -> LearningCurve:
    """Learning curves of plain and z-rotation-invariant KRR on S² (``d = 2``, ``d_eff = 1``).

    The kernel is :class:`~symvae.invariance.groups.SphereZonalKernel` (``μ_ℓ = (c +
    ℓ(ℓ+1))^−s``, RKHS ``H^s(S²)``, truncated at ``l_max``); the invariant learner uses its
    closed-form average over rotations about z (:class:`~symvae.invariance.groups.ZRotations`),
    whose eigenfunctions are the zonal harmonics ``Y_ℓ0``. The target is zonal and hard at its
    smoothness in one dimension (energy ``∝ (ℓ(ℓ+1))^−(2s + 1)/2`` per ``Y_ℓ0``, unit norm).
    The other arguments, and the keyword ``options`` (``ns_plain``, ``c``, ``n_val``, ``lams``,
    ``on_edge``, ``n_boot``, ``pred_grid_points``, ``plain_seeds``, ``blas_threads``), are those of
    :func:`torus_learning_curve`. Expect slopes that
    converge slowly on the sphere: the finite-n prediction, not the asymptote, is the yardstick.
    """
    opts = _Options(**options)
    kernel = SphereZonalKernel(t=s, c=opts.c, l_max=l_max)
    ell = np.arange(l_max + 1)
    energies = hard_target_energies(ell * (ell + 1.0), s, 1)
    ns_inv, ns_p = opts.sizes(ns)
    draw = _sphere_draw(kernel, energies, sigma, int(max(ns_inv.max(), ns_p.max())), opts.n_val)
    # the plain spectrum: μ_ℓ with multiplicity 2ℓ + 1, the target's energy on m = 0 only
    mult = 2 * ell + 1
    mu_plain = np.repeat(kernel.mu, mult)
    v2_plain = np.zeros_like(mu_plain)
    v2_plain[np.cumsum(mult) - mult] = energies
    grp = ZRotations()
    return _learning_curve(
        draw,
        (_Spectrum(mu_plain, v2_plain), _Spectrum(kernel.mu, energies)),
        grp.name, grp.d, grp.d_eff, grp.order, s, sigma, l_max, ns_inv, ns_p, seeds, opts,
    )  # fmt: skip


@dataclass(frozen=True)
class _Options:
    """The keyword options shared by :func:`torus_learning_curve` and
    :func:`sphere_learning_curve` (documented in the former), with their defaults."""

    ns_plain: Sequence[int] | None = None
    c: float = DEFAULT_C
    n_val: int = 1000
    lams: ArrayLike | None = None
    on_edge: str = "raise"
    n_boot: int = 400
    pred_grid_points: int = 64
    plain_seeds: int | None = None
    blas_threads: int | None = 1

    def sizes(self, ns: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Sorted training-set sizes of the invariant and the plain learner."""
        ns_inv = np.asarray(sorted(ns), dtype=np.int64)
        ns_p = (
            ns_inv if self.ns_plain is None else np.asarray(sorted(self.ns_plain), dtype=np.int64)
        )
        return ns_inv, ns_p


@dataclass(frozen=True)
class _Spectrum:
    """Eigenvalues of one learner's kernel and the target's energy per eigenfunction."""

    mu: NDArray[np.float64]
    v2: NDArray[np.float64]

    def predict(self, curve: LearnerCurve, sigma: float, asymptotic: float) -> LearnerCurve:
        """``curve`` with its deterministic-equivalent risk, optimal δ and their slope."""
        pred, pred_delta = learning_curve_prediction(self.mu, self.v2, curve.ns, sigma**2)
        return dataclasses.replace(
            curve, pred=pred, pred_delta=pred_delta, pred_slope=loglog_slope(curve.ns, pred),
            asymptotic_slope=asymptotic,
        )  # fmt: skip


def _learning_curve(
    draw: Callable[[int], _Draw],
    spectra: tuple[_Spectrum, _Spectrum],
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
    opts: _Options,
) -> LearningCurve:
    """Measure both learners, predict their curves and fit slopes and multipliers."""
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    plain_seeds = opts.plain_seeds
    n_plain = len(seeds_arr) if plain_seeds is None else min(int(plain_seeds), len(seeds_arr))
    lam_grid = DEFAULT_LAMBDAS if opts.lams is None else np.asarray(opts.lams, dtype=np.float64)
    with blas_limit(opts.blas_threads):
        plain, inv = _measure(draw, ns_inv, ns_p, seeds_arr, n_plain, lam_grid, opts.on_edge)

    # predictions: the same truncated spectra and target energies
    sp_plain, sp_inv = spectra
    plain = sp_plain.predict(plain, sigma, asymptotic_exponent(s, d))
    inv = sp_inv.predict(inv, sigma, asymptotic_exponent(s, d_eff))
    reach = 4 * (order if order is not None else 64) * ns_inv.max()
    fine = np.unique(np.geomspace(ns_inv.min(), reach, opts.pred_grid_points).round().astype(int))
    pred_fine, _ = learning_curve_prediction(sp_plain.mu, sp_plain.v2, fine, sigma**2)
    return LearningCurve.from_learners(
        seeds_arr, sigma, plain, inv, opts.n_boot, group=group, d=d, d_eff=d_eff, order=order, s=s,
        k_max=cutoff, pred_multiplier=effective_sample_multiplier(fine, pred_fine, ns_inv, inv.pred),
    )  # fmt: skip
