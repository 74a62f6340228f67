"""Distribution-preserving generators: the part of a constraint algebra that keeps the density.

The flow ``x ↦ exp(tA) x`` of a generator ``A`` (a dimensionless ``d × d`` matrix acting on
events ``x`` ``(n, d)`` in physical units) preserves the density ``p`` when
``E_p[∇f(x) · A x] = 0`` for every test function ``f`` (integrate ``div(p A x) = 0`` against
``f``). :func:`distribution_generators` estimates this linear condition inside the constraint
algebra (:mod:`symvae.directions.algebra`), decides with a sequential chi-square rank test
(Kleibergen & Paap 2006) which subspace satisfies it at level ``α`` and confirms each
generator found with a kernel two-sample test (MMD) between held-out data and its
transformed copy (:mod:`symvae.directions.statistics`). :func:`find_generators` runs both
steps; :func:`~symvae.directions.scoring.score_generators` compares a found span with
analytic truth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.directions.algebra import ConstraintAlgebra, as_algebra, constraint_algebra
from symvae.directions.families import LinearFamily
from symvae.directions.polynomials import PolynomialSet, monomial_exponents, monomial_library
from symvae.directions.samples import check_events, robust_scale
from symvae.directions.statistics import (
    COV_RTOL,
    ROUNDOFF_RTOL,
    Confirmation,
    RankTests,
    confirm,
    sequential_rank_test,
)
from symvae.directions.subspaces import orthonormal_matrices
from symvae.errors import DataError

__all__ = [
    "MIN_EVENTS_DISTRIBUTION",
    "DistributionOptions",
    "GeneratorCounts",
    "GeneratorResult",
    "distribution_generators",
    "find_generators",
]

#: Fewest events :func:`distribution_generators` accepts (discovery and held-out together).
MIN_EVENTS_DISTRIBUTION = 100

#: Relative variance below which a combination of test functions counts as an exact relation,
# and relative size above which an algebra direction counts as breaking it.
_RELATION_RTOL = 1e-9
_BROKEN_RTOL = 1e-4


@dataclass(frozen=True)
class GeneratorCounts:
    """Sizes behind a :class:`GeneratorResult`.

    Attributes
    ----------
    n_trivial:
        Algebra directions that move no event at all (counted among the generators).
    n_test_functions:
        Effective number of test functions (rank of their covariance on the data).
    n_discovery, n_holdout:
        Events used by the rank test and by the confirmation.
    """

    n_trivial: int
    n_test_functions: int
    n_discovery: int
    n_holdout: int


@dataclass(frozen=True)
class GeneratorResult:
    """Distribution-preserving generators inside a constraint algebra, with the evidence.

    Attributes
    ----------
    algebra:
        The constraint algebra searched (its ``basis`` is ``(k, d, d)``).
    generators:
        ``(r, d, d)`` Frobenius-orthonormal basis of the largest subspace of the algebra not
        rejected by the rank test (best first); ``r = n_generators``.
    labels:
        Readable form of each generator in the family's names.
    candidates:
        ``(k_eff, d, d)`` all algebra directions ordered by the whitened singular value of the
        invariance system, ascending (unit norm); ``generators`` spans the first ``r``.
    candidate_labels:
        Readable form of each candidate.
    alpha:
        Level of the rank test and of the confirmation.
    rank_tests:
        The whitened singular values ``(k_eff,)`` and the sequential rank tests
        (:class:`~symvae.directions.statistics.RankTests`).
    confirmation:
        The two-sample flow tests ``(r, m)`` of every generator on the held-out events
        (:class:`~symvae.directions.statistics.Confirmation`).
    counts:
        Trivial directions, test functions and events used (:class:`GeneratorCounts`).
    notes:
        Warnings about the tests (degenerate moments, ranks left untested, ...).
    """

    algebra: ConstraintAlgebra
    generators: NDArray[np.float64]
    labels: tuple[str, ...]
    candidates: NDArray[np.float64]
    candidate_labels: tuple[str, ...]
    alpha: float
    rank_tests: RankTests
    confirmation: Confirmation
    counts: GeneratorCounts
    notes: tuple[str, ...] = field(default=())

    @property
    def n_generators(self) -> int:
        """Dimension ``r`` of the distribution-preserving subspace."""
        return self.generators.shape[0]

    @property
    def confirmed_generators(self) -> NDArray[np.float64]:
        """``(r', d, d)`` the generators also passed by the two-sample confirmation."""
        return self.generators[self.confirmation.confirmed]

    def summary(self) -> str:
        """Several lines: the algebra, the rank tests, the generators and their confirmation."""
        alg, tests, flows = self.algebra, self.rank_tests, self.confirmation
        lines = [
            f"family {alg.family.name}: constraint algebra of dimension {alg.dim}"
            f" (rtol {alg.rtol:g}, gap {alg.gap:.3g}, closure {alg.closure:.2g})",
            "  violations: " + " ".join(f"{v:.2e}" for v in alg.violations),
        ]
        lines += [f"  algebra: {lab}" for lab in alg.labels()]
        for j, lab in enumerate(self.candidate_labels):
            if np.isnan(tests.p_values[j]):
                break
            lines.append(
                f"  rank test r={j + 1}: +[{lab}] stat {tests.statistics[j]:.1f}"
                f" dof {tests.dof[j]} p {tests.p_values[j]:.3g}"
            )
        lines.append(f"{self.n_generators} distribution-preserving generator(s) at α={self.alpha}")
        for i, lab in enumerate(self.labels):
            ps = ", ".join(
                f"t={t:.3g}: p={p:.3g}"
                for t, p in zip(flows.t_values[i], flows.p_values[i], strict=True)
            )
            state = "confirmed" if flows.confirmed[i] else "NOT confirmed"
            lines.append(f"  {lab}  [MMD {ps}] {state}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _test_functions(
    x: NDArray[np.float64],
    center: NDArray[np.float64],
    scale: NDArray[np.float64],
    degree: int,
    envelope: float | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values ``(n, F)`` and gradients ``(n, F, d)`` (physical coordinates) of the test functions.

    ``f_α(x) = z^α · exp(-|z|² / (2 κ²))`` with ``z = (x - center) / scale``, ``|α| <= degree``
    (``κ = envelope``; without an envelope plain monomials of degree ``1..degree``).
    """
    z = (x - center) / scale
    d = x.shape[1]
    exps = monomial_exponents(d, degree)
    if envelope is None:
        exps = exps[1:]
    poly = PolynomialSet(exps, np.eye(exps.shape[0]))
    grad = poly.gradient(z)  # (n, F, d) in z
    values = monomial_library(z, exps)  # (n, F)
    if envelope is not None:
        weight = np.exp(-np.sum(z**2, axis=1) / (2.0 * envelope**2))
        grad = (grad - values[:, :, None] * z[:, None, :] / envelope**2) * weight[:, None, None]
        values = values * weight[:, None]
    return values, grad / scale


def _broken_relations(values: NDArray[np.float64], phi: NDArray[np.float64]) -> tuple[int, int]:
    """Exact relations among test-function values on the data, and algebra directions breaking them.

    A combination ``h`` of test functions that is constant on the data (relative variance
    ``< _RELATION_RTOL``) is a constraint of the data; a direction with ``∇h·Ax ≠ 0`` moves
    events off it. Returns ``(number of relations, dimension of the breaking directions)``.
    """
    std = values.std(axis=0)
    ok = std > ROUNDOFF_RTOL * max(float(std.max()), 1e-300)
    if not np.any(ok):
        return 0, 0
    corr = np.corrcoef(values[:, ok], rowvar=False).reshape(int(ok.sum()), int(ok.sum()))
    w, v = np.linalg.eigh(corr)
    rel = v[:, w < _RELATION_RTOL * max(float(w[-1]), 1e-300)]
    if rel.shape[1] == 0:
        return 0, 0
    scaled = phi[:, ok] / std[ok][None, :, None]  # (n, F_ok, k)
    n, f_ok, k = scaled.shape
    along = np.einsum("fh,nfk->nhk", rel, scaled).reshape(-1, k) / math.sqrt(n)
    typical = np.linalg.svd(scaled.reshape(-1, k) / math.sqrt(n * f_ok), compute_uv=False)
    broken = np.linalg.svd(along, compute_uv=False)
    return rel.shape[1], int(np.sum(broken > _BROKEN_RTOL * typical[0]))


def distribution_generators(
    x: ArrayLike,
    algebra: ConstraintAlgebra | LinearFamily | ArrayLike,
    *,
    alpha: float = 0.01,
    degree: int = 3,
    envelope: float | None = 2.0,
    holdout: float = 0.4,
    t_scales: Sequence[float] = (1.0, 2.0, 4.0),
    n_permutations: int = 500,
    max_mmd_events: int = 1000,
    refine: int = 2,
    seed: int = 0,
) -> GeneratorResult:
    """Which generators of ``algebra`` preserve the data distribution, by a statistical test.

    The density ``p`` is invariant under the flow of ``v(x) = A x`` iff
    ``E_p[∇f(x)·A x] = 0`` for all test functions ``f``. With ``A = Σ_j c_j A_j`` over the
    algebra basis and ``F`` test functions this reads ``G c = 0`` for the ``F × k`` matrix
    ``G = E[Φ]``, ``Φ_{fj}(x) = ∇f(x)·A_j x``, estimated by the mean of the per-event ``Φ``.

    **Rank test.** A distribution-preserving subspace of dimension ``r`` means
    ``rank G = k - r``. The events are split (``holdout``). On the discovery part the
    per-event ``Φ_n`` are whitened, test functions by their covariance averaged over the
    algebra directions and directions by theirs averaged over the test functions, and the
    mean ``Θ`` is decomposed ``Θ = U S Vᵀ``. For ``r = 1, 2, …`` the Kleibergen–Paap (2006)
    rank statistic is the Hotelling ``T²`` of the per-event projections ``U_⊥ᵀ Θ_n V_r``
    (``V_r``: the ``r`` smallest right singular vectors; ``U_⊥``: the ``F - k + r`` left ones
    outside the ``k - r`` largest); under ``rank G = k - r`` it is asymptotically ``χ²`` with
    ``r (F - k + r)`` degrees of freedom. The F form of Hotelling's test is used, with the
    numerical rank of the covariance as dimension. Before each test the test-function
    whitening is re-estimated ``refine`` times from the covariance of the current ``r``
    candidates (plus 10 % of the averaged one), the efficient two-step GMM weighting: it
    sharpens the estimated generator (pp-like sample: 0.018 → 0.002 rad) and calibrates the
    p-values. The answer is the largest ``r`` such that no test ``1..r`` rejects at level
    ``alpha`` (bottom-up, stopping at the first rejection; the chance to lose a true
    generator is at most about ``r · alpha``), spanned by the ``r`` smallest whitened singular
    directions. p-values are asymptotic and come out conservative on heavy-tailed samples.

    The moments must be non-degenerate: a direction that moves events off an exact
    constraint of the data (a relation among test-function values with zero variance) makes
    the statistic jump at the true generator, so the test belongs inside the
    :func:`constraint_algebra`; such directions are detected and reported in ``notes``.

    **Confirmation.** On the held-out events, split into two disjoint halves ``a`` and ``b``
    (at most ``max_mmd_events`` each), each generator ``A`` is tested by MMD
    (:func:`~symvae.directions.statistics.mmd_test`, Gaussian kernel, median heuristic, robust-standardized coordinates)
    between ``a`` and ``exp(tA) b`` for ``t = s · τ``, ``s ∈ t_scales``, where
    ``τ = 1 / median |A x / scale|`` is the flow time that moves a typical event by one robust
    standard deviation. This makes ``t`` meaningful for compact generators (rotations: about
    ``s`` radians at unit standardized radius) and non-compact ones (boosts, dilations:
    rapidity or log-scale shifts of order ``s``) alike. A generator is confirmed when every
    p-value is ``>= alpha / len(t_scales)`` (Bonferroni). The MMD guards against gross
    errors; it is much less powerful than the rank test against mild anisotropies.

    Parameters
    ----------
    x:
        Events ``(n, d)`` in physical units.
    algebra:
        A :class:`ConstraintAlgebra`, a :class:`LinearFamily` (its whole span), or matrices
        ``(k, d, d)`` (orthonormalized, described in ``gl(d)`` names).
    alpha:
        Level of every test.
    degree, envelope:
        Test functions ``z^α exp(-|z|²/(2κ²))`` for ``|α| <= degree`` on robust-standardized
        ``z = (x - median) / (1.4826 MAD)``, ``κ = envelope``; the Gaussian envelope makes
        each per-event contribution bounded, so heavy-tailed features (GeV spectra) do not
        spoil the central limit theorem behind the test. ``envelope=None`` uses plain
        monomials of degree ``1..degree``.
    holdout:
        Fraction of events kept for the confirmation.
    t_scales:
        Flow times of the confirmation in units of ``τ``.
    n_permutations:
        Permutations per MMD test (at least ``len(t_scales) / alpha`` to be able to reject).
    max_mmd_events:
        At most this many events in each MMD sample (random subset).
    refine:
        Re-whitening steps before each rank test (0: averaged whitening only).
    seed:
        Seed of the split, subsets and permutations.

    Returns
    -------
    GeneratorResult
    """
    x = check_events(x, MIN_EVENTS_DISTRIBUTION, "distribution_generators")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    alg = as_algebra(algebra, x)
    fam = alg.family
    n, d = x.shape
    notes: list[str] = []
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_hold = max(4, round(holdout * n))
    disc, held = x[order[n_hold:]], x[order[:n_hold]]
    if not np.any(np.ptp(disc, axis=0) > 0):
        raise DataError("distribution_generators: all events are identical")
    center, scale = robust_scale(disc)

    k = alg.dim
    empty = np.zeros((0, d, d))
    if k == 0:
        return GeneratorResult(
            algebra=alg,
            generators=empty,
            labels=(),
            candidates=empty,
            candidate_labels=(),
            alpha=alpha,
            rank_tests=RankTests.empty(),
            confirmation=Confirmation.empty(len(t_scales)),
            counts=GeneratorCounts(
                n_trivial=0, n_test_functions=0, n_discovery=len(disc), n_holdout=len(held)
            ),
            notes=("the algebra is empty",),
        )

    # per-event invariance contributions Φ_n (n, F, k)
    values, grad = _test_functions(disc, center, scale, degree, envelope)
    moved = np.einsum("jab,nb->nja", alg.basis, disc)  # (n, k, d): A_j x_n
    phi = np.einsum("nfa,nja->nfj", grad, moved)
    n_rel, n_broken = _broken_relations(values, phi)
    if n_broken:
        notes.append(
            f"{n_broken} algebra direction(s) move events off exact relations that the data obey"
            f" ({n_rel} found among the test functions): the invariance moments are degenerate"
            " there and the rank test unreliable; restrict the algebra with constraint_algebra"
        )
    # unit RMS per test function; functions the algebra moves only at round-off level are
    # dropped (normalizing them would turn round-off into a spurious, non-random signal)
    rms = np.sqrt(np.mean(phi**2, axis=(0, 2)))
    live = rms > ROUNDOFF_RTOL * max(float(rms.max()), 1e-300)
    phi = phi[:, live] / rms[live][None, :, None]
    nd = phi.shape[0]

    # algebra directions that move no event are trivially distribution-preserving
    moment = np.einsum("nja,nla->jl", moved / scale, moved / scale) / nd
    wk, vk = np.linalg.eigh(moment)
    active = wk > COV_RTOL * max(float(wk[-1]), 1e-300)
    trivial = vk[:, ~active]  # (k, k0) coefficient vectors
    n_trivial = trivial.shape[1]
    phi = phi @ vk[:, active]  # (n, F, k_act) in the active coordinates

    tests, directions, r_hat, f_eff = sequential_rank_test(
        phi, alpha=alpha, refine=refine, notes=notes
    )

    # candidates in algebra coefficients, ascending singular value (frame of the last accepted
    # test, so the first r_hat span the accepted subspace)
    coef = vk[:, active] @ directions  # (k, k_act)
    cand = np.tensordot(coef.T, alg.basis, axes=(1, 0))
    cand = cand / np.linalg.norm(cand, axis=(1, 2), keepdims=True)
    for c in cand:
        c *= np.sign(fam.coefficients(c)[np.argmax(np.abs(fam.coefficients(c)))]) or 1.0
    triv = np.tensordot(trivial.T, alg.basis, axes=(1, 0)) if n_trivial else empty
    gens = orthonormal_matrices(np.concatenate([triv, cand[:r_hat]]))
    for g in gens:
        g *= np.sign(fam.coefficients(g)[np.argmax(np.abs(fam.coefficients(g)))]) or 1.0
    if n_trivial:
        notes.append(f"{n_trivial} algebra direction(s) move no event (trivial symmetries)")

    # confirmation on held-out events: two disjoint halves, a vs exp(tA) b
    confirmation = confirm(
        held,
        gens,
        center,
        scale,
        rng,
        alpha,
        t_scales=t_scales,
        n_permutations=n_permutations,
        max_mmd_events=max_mmd_events,
        seed=seed,
        notes=notes,
    )
    return GeneratorResult(
        algebra=alg,
        generators=gens,
        labels=tuple(fam.describe(g) for g in gens),
        candidates=cand,
        candidate_labels=tuple(fam.describe(c) for c in cand),
        alpha=alpha,
        rank_tests=tests,
        confirmation=confirmation,
        counts=GeneratorCounts(
            n_trivial=n_trivial, n_test_functions=f_eff, n_discovery=nd, n_holdout=len(held)
        ),
        notes=tuple(notes),
    )


class DistributionOptions(TypedDict, total=False):
    """Keyword options of :func:`distribution_generators`, passed on by :func:`find_generators`."""

    alpha: float
    degree: int
    envelope: float | None
    holdout: float
    t_scales: Sequence[float]
    n_permutations: int
    max_mmd_events: int
    refine: int
    seed: int


def find_generators(
    x: ArrayLike,
    constraints: PolynomialSet | Sequence[PolynomialSet] | None = None,
    family: LinearFamily | str | None = None,
    *,
    rtol: float = 1e-3,
    dim: int | None = None,
    **options: Unpack[DistributionOptions],
) -> GeneratorResult:
    """:func:`constraint_algebra` of ``family`` then its part that preserves the distribution.

    ``rtol`` and ``dim`` go to :func:`constraint_algebra`, the ``options`` (``alpha``,
    ``degree``, ``envelope``, ``holdout``, ``t_scales``, ``n_permutations``,
    ``max_mmd_events``, ``refine``, ``seed``) to :func:`distribution_generators`.
    """
    alg = constraint_algebra(x, constraints, family, rtol=rtol, dim=dim)
    return distribution_generators(x, alg, **options)
