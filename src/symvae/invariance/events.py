"""The physics bridge: plain versus rotation-averaged kernel ridge regression on collision events.

Inputs are the 3-momenta (GeV) of selected final-state particles, shape ``(n, P, 3)``; the
targets are smooth functions of the four-momenta that are invariant under rotations about the
beam axis z. The plain learner uses a Gaussian kernel on the flattened momenta (divided by one
global, rotation-invariant scale); the invariant learner uses the same kernel averaged over the
rotation group ``{exp(tA): t ∈ [0, 2π)}`` of a 3×3 antisymmetric generator ``A`` (default
``L_z``, the rotation about z), by the trapezoid rule over equally spaced angles. The measured
learning curves give the effective-sample multiplier ``n_eff/n``
(:func:`~symvae.invariance.theory.effective_sample_multiplier`).
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import expm
from scipy.spatial.distance import pdist

from symvae.errors import ConfigError, DataError
from symvae.events.store import Events
from symvae.invariance.curves import CurvePair, LearnerCurve, blas_limit
from symvae.invariance.krr import DEFAULT_LAMBDAS, select_ridge

__all__ = [
    "LZ",
    "TARGETS",
    "AxialRotations",
    "EventLearningCurve",
    "GaussianEventKernel",
    "event_inputs",
    "event_learning_curve",
    "event_regression",
    "four_momenta",
    "pair_rapidity",
    "qed_msq",
]

LZ = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
"""Generator of rotations about z: ``exp(t L_z)`` turns x towards y by the angle t (radians)."""

EventKernel = Callable[[NDArray[np.float64], NDArray[np.float64] | None], NDArray[np.float64]]


def four_momenta(events: Events, pids: Sequence[int] = (13, -13)) -> NDArray[np.float64]:
    """Four-momenta ``(E, px, py, pz)`` (GeV) of one particle per PDG id, shape ``(n, P, 4)``.

    For each id in ``pids`` (in that order; default μ⁻ then μ⁺) the highest-energy particle with
    that id is taken. Raises :class:`~symvae.errors.DataError` if an event has none.
    """
    source = events.metadata.get("source", "events")
    out = np.empty((len(events), len(pids), 4))
    for k, pid in enumerate(pids):
        sel = events.particles[events.particles.pid == int(pid)]
        missing = np.flatnonzero(ak.to_numpy(ak.num(sel, axis=1)) == 0)
        if len(missing):
            raise DataError(
                f"{source}: {len(missing)} event(s) lack pid {pid} (first: {missing[0]})"
            )
        best = sel[ak.argmax(sel.E, axis=1, keepdims=True)][:, 0]
        for c, name in enumerate(("E", "px", "py", "pz")):
            out[:, k, c] = ak.to_numpy(best[name])
    return out


def event_inputs(events: Events, pids: Sequence[int] = (13, -13)) -> NDArray[np.float64]:
    """3-momenta ``(px, py, pz)`` (GeV) of the particles of :func:`four_momenta`, ``(n, P, 3)``."""
    return four_momenta(events, pids)[..., 1:]


def _minkowski(a: NDArray, b: NDArray) -> NDArray[np.float64]:
    """``a·b`` with metric (+, −, −, −) over the last axis ``(E, px, py, pz)``."""
    return a[..., 0] * b[..., 0] - np.sum(a[..., 1:] * b[..., 1:], axis=-1)


def qed_msq(p_minus: ArrayLike, p_plus: ArrayLike, sqrt_s: float) -> NDArray[np.float64]:
    """Tree-level ``|M|²/e⁴ = 2 (t² + u²)/s²`` of e⁺e⁻ → γ* → μ⁺μ⁻ (spin-averaged), ``(n,)``.

    The beams are massless with energy ``√s/2`` each, e⁻ along +z and e⁺ along −z;
    ``t = (p_e⁻ − p_μ⁻)²`` and ``u = (p_e⁻ − p_μ⁺)²``. ``p_minus`` and ``p_plus`` are the μ⁻ and
    μ⁺ four-momenta ``(E, px, py, pz)`` in GeV, ``(n, 4)``; ``sqrt_s`` in GeV. Dimensionless;
    equal to ``1 + cos²θ`` (θ between e⁻ and μ⁻) for massless back-to-back muons.
    """
    if not sqrt_s > 0:
        raise ConfigError(f"qed_msq: sqrt_s must be > 0 GeV, got {sqrt_s}")
    pm, pp = np.asarray(p_minus, dtype=np.float64), np.asarray(p_plus, dtype=np.float64)
    beam = 0.5 * sqrt_s * np.array([1.0, 0.0, 0.0, 1.0])
    t, u = _minkowski(beam - pm, beam - pm), _minkowski(beam - pp, beam - pp)
    return 2.0 * (t**2 + u**2) / sqrt_s**4


def pair_rapidity(p_minus: ArrayLike, p_plus: ArrayLike) -> NDArray[np.float64]:
    """Rapidity ``½ ln((E + pz)/(E − pz))`` of the pair ``p_minus + p_plus`` (each ``(n, 4)``)."""
    pair = np.asarray(p_minus, dtype=np.float64) + np.asarray(p_plus, dtype=np.float64)
    if np.any(pair[:, 0] <= np.abs(pair[:, 3])):
        raise DataError("pair_rapidity: a pair has E <= |pz| (not time-like)")
    return np.arctanh(pair[:, 3] / pair[:, 0])


def _check_inputs(x: ArrayLike, what: str = "inputs") -> NDArray[np.float64]:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise DataError(f"{what}: want 3-momenta of shape (n, P, 3), got {x.shape}")
    if not np.isfinite(x).all():
        raise DataError(f"{what}: {int((~np.isfinite(x)).sum())} non-finite momentum components")
    return x


@dataclass(frozen=True)
class GaussianEventKernel:
    """``K(x, y) = exp(−‖T x − T y‖² / (2 ℓ²))`` on flattened 3-momenta ``(n, P, 3)`` in GeV.

    ``T`` divides each 3-momentum by scales that commute with the rotations about ``axis``:
    the components perpendicular to the axis by ``scale`` and the component along it by
    ``scale_axial`` (GeV), so that ``K(gx, gy) = K(x, y)`` for every rotation g about the axis.
    Without an axis, every component is divided by ``scale`` (invariant under all rotations).
    Per-coordinate standardization would break the invariance. ``lengthscale`` ℓ is
    dimensionless (in scaled units).
    """

    scale: float
    lengthscale: float
    axis: tuple[float, float, float] | None = None
    scale_axial: float | None = None

    @classmethod
    def from_inputs(
        cls,
        inputs: ArrayLike,
        lengthscale: float | None = None,
        n_sub: int = 1000,
        axis: ArrayLike | None = None,
    ) -> GaussianEventKernel:
        """Scales from the data, ℓ by the median heuristic.

        With ``axis``: ``scale`` is the RMS of one transverse component and ``scale_axial``
        the RMS of the axial component over all particles (for pp collisions the longitudinal
        momenta are ten times the transverse ones, and one common scale would hide the
        azimuth). Without: ``scale`` is the RMS ``|p|``. ℓ defaults to the median pairwise
        distance of ``n_sub`` scaled events drawn with a fixed seed (deterministic).
        """
        x = _check_inputs(inputs)
        unit = None
        scale_axial = None
        if axis is None:
            scale = float(np.sqrt(np.mean(np.sum(x**2, axis=-1))))
        else:
            unit = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
            par = x @ unit
            scale = float(np.sqrt(np.mean(np.sum(x**2, axis=-1) - par**2) / 2.0))
            scale_axial = float(np.sqrt(np.mean(par**2)))
            if not scale_axial > 0:
                raise DataError("inputs: no momentum along the axis; no axial kernel scale")
        if not scale > 0:
            raise DataError("inputs: all momenta vanish; no kernel scale")
        kernel = cls(scale, 1.0, None if unit is None else tuple(unit), scale_axial)
        if lengthscale is None:
            sub = np.random.default_rng(0).permutation(len(x))[:n_sub]
            lengthscale = float(np.median(pdist(kernel.transform(x[np.sort(sub)]))))
        if not lengthscale > 0:
            raise ConfigError(f"lengthscale must be > 0, got {lengthscale}")
        return cls(scale, float(lengthscale), kernel.axis, scale_axial)

    def transform(self, x: ArrayLike) -> NDArray[np.float64]:
        """Scaled, flattened momenta ``T x``, shape ``(n, 3P)``."""
        x = np.asarray(x, dtype=np.float64)
        if self.axis is None or self.scale_axial is None:
            return x.reshape(len(x), -1) / self.scale
        unit = np.asarray(self.axis)
        par = (x @ unit)[..., None] * unit
        out = (x - par) / self.scale + par / self.scale_axial
        return out.reshape(len(x), -1)

    def __call__(self, x: ArrayLike, y: ArrayLike | None = None) -> NDArray[np.float64]:
        """Gram matrix ``K(x_i, y_j)``, ``(n, m)`` (symmetric when ``y`` is omitted)."""
        a = self.transform(x)
        b = a if y is None else self.transform(y)
        sq = np.sum(a**2, axis=1)[:, None] + np.sum(b**2, axis=1)[None, :] - 2.0 * (a @ b.T)
        gram = np.exp(-np.clip(sq, 0.0, None) / (2.0 * self.lengthscale**2))
        return 0.5 * (gram + gram.T) if y is None else gram


class AxialRotations:
    """The rotations ``exp(tA)``, t ∈ [0, 2π), acting on each particle's 3-momentum.

    Convention: ``A`` is antisymmetric with unit rotation rate (``‖A‖_F = √2``, axis
    ``(A₂₁, A₀₂, A₁₀)``), so that 2π is the smallest period; otherwise (not antisymmetric,
    ``exp(2πA) ≠ I`` to 1e-9, or period 2π/k) :class:`~symvae.errors.ConfigError` is raised.
    Averages use ``n_angles`` equally spaced angles ``2πj/n_angles``: the trapezoid rule on a
    smooth periodic integrand. For the Gaussian kernel and rotations about z the exact average
    is ``exp(−(|x|² + |y|² − 2 x_z·y_z)/2ℓ²) I₀(z)`` (scaled units), ``z = |Σ_p x_p⊥ ȳ_p⊥|/ℓ²``
    with transverse momenta as complex numbers, and the relative error ``≈ 2 I_N(z)/I₀(z)`` is
    below 1e-11 for z ≤ 16 at N = 32 (e⁺e⁻ → μ⁺μ⁻ at the median ℓ ≈ 2: z ≤ 0.5, round-off).
    """

    def __init__(self, generator: ArrayLike = LZ, n_angles: int = 32) -> None:
        gen = np.asarray(generator, dtype=np.float64)
        if gen.shape != (3, 3) or not np.isfinite(gen).all():
            raise ConfigError(f"generator: want a finite 3×3 matrix, got shape {gen.shape}")
        if np.abs(gen + gen.T).max() > 1e-9 * max(np.abs(gen).max(), 1.0):
            raise ConfigError("generator: not antisymmetric (rotations only: A + Aᵀ = 0)")
        rate = float(np.linalg.norm(gen) / np.sqrt(2.0))  # |ω| for the axis ω
        if rate < 0.5:
            raise ConfigError("generator: (nearly) zero, it generates no rotation")
        if np.abs(expm(2 * np.pi * gen) - np.eye(3)).max() > 1e-9:
            raise ConfigError(
                "generator: exp(2πA) ≠ I, the group is not periodic with period 2π "
                "(use AxialRotations.about(axis) for a unit-rate generator)"
            )
        if rate > 1.5:
            raise ConfigError(f"generator: period 2π/{rate:.0f}, want 2π (divide A by {rate:.0f})")
        if int(n_angles) < 1:
            raise ConfigError(f"n_angles must be >= 1, got {n_angles}")
        self.generator = gen
        self.n_angles = int(n_angles)
        self.angles = 2 * np.pi * np.arange(self.n_angles) / self.n_angles
        self.matrices = np.stack([expm(t * gen) for t in self.angles])

    @classmethod
    def about(cls, axis: ArrayLike, n_angles: int = 32) -> AxialRotations:
        """Rotations about ``axis`` (any length, 3 components), with the unit-rate generator."""
        w = np.asarray(axis, dtype=np.float64)
        norm = float(np.linalg.norm(w)) if w.shape == (3,) else 0.0
        if not norm > 0:
            raise ConfigError(f"axis: want a non-zero 3-vector, got {axis!r}")
        wx, wy, wz = w / norm
        return cls([[0.0, -wz, wy], [wz, 0.0, -wx], [-wy, wx, 0.0]], n_angles)

    @property
    def axis(self) -> tuple[float, float, float]:
        """Unit rotation axis ``(A₂₁, A₀₂, A₁₀)``."""
        w = np.array([self.generator[2, 1], self.generator[0, 2], self.generator[1, 0]])
        return tuple(float(v) for v in w / np.linalg.norm(w))  # type: ignore[return-value]

    def rotate(self, x: ArrayLike, angle: float) -> NDArray[np.float64]:
        """``exp(angle·A)`` applied to every particle of ``x`` ``(n, P, 3)``."""
        return np.asarray(x, dtype=np.float64) @ expm(angle * self.generator).T

    def act(self, x: ArrayLike) -> NDArray[np.float64]:
        """Images under the ``n_angles`` rotations, shape ``(n_angles, n, P, 3)``."""
        return np.einsum("npk,jck->jnpc", np.asarray(x, dtype=np.float64), self.matrices)

    def averaged_gram(
        self, kernel: EventKernel, x: ArrayLike, y: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """``K_G(x_i, y_j) = mean_j K(g_j x_i, y_j)`` for a rotation-invariant ``kernel``, ``(n, m)``.

        The one-sided average is symmetric (the angle set is closed under inversion); with
        ``y`` omitted the result is symmetrized against round-off and is PSD up to round-off.
        """
        x = np.asarray(x, dtype=np.float64)
        other = x if y is None else np.asarray(y, dtype=np.float64)
        gram = np.zeros((len(x), len(other)))
        for gx in self.act(x):
            gram += kernel(gx, other)
        gram /= self.n_angles
        return 0.5 * (gram + gram.T) if y is None else gram

    def quadrature_error(
        self, kernel: EventKernel, x: ArrayLike, y: ArrayLike | None = None
    ) -> float:
        """``max |K_G(n_angles) − K_G(2 n_angles)|`` over the pairs of ``x`` and ``y``."""
        finer = AxialRotations(self.generator, 2 * self.n_angles)
        diff = self.averaged_gram(kernel, x, y) - finer.averaged_gram(kernel, x, y)
        return float(np.abs(diff).max())


@dataclass(frozen=True)
class EventLearningCurve(CurvePair):
    """Measured learning curves of plain and rotation-averaged KRR on events.

    The fields of :class:`~symvae.invariance.curves.CurvePair`: the learners' risks are test
    excess risks ``mean((f̂ − f)²)/var(f)`` (dimensionless) at the validated λ, ``(S, p)`` for
    the plain and ``(S, q)`` for the invariant learner, their ``seconds`` the time of the Grams
    and fits summed over seeds; ``sigma`` is the label noise relative to ``std(f)``. And:
    ``process`` and ``target`` name the events and the regression target;
    ``quadrature_error`` is ``max |K_G(n_angles) − K_G(2 n_angles)|`` on up to 256 events
    (relative: ``K ≤ 1``) for the rotations ``exp(t·generator)``; ``scale``, ``scale_axial``
    (GeV) and ``lengthscale`` (scaled units) define the kernel (:class:`GaussianEventKernel`).
    """

    process: str
    target: str
    generator: NDArray[np.float64]
    n_angles: int
    quadrature_error: float
    scale: float
    scale_axial: float
    lengthscale: float


def _sizes(ns: Sequence[int], what: str) -> NDArray[np.int64]:
    out = np.unique(np.asarray(ns, dtype=np.int64))
    if out.size == 0 or out[0] < 2:
        raise ConfigError(f"{what}: want training-set sizes >= 2, got {list(ns)}")
    return out


@dataclass(frozen=True)
class _Draw:
    """One seed's inputs ``(train, val, test)``, noisy labels ``y``, ``f_val``, ``f_test``."""

    x: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]
    y: NDArray[np.float64]
    f_val: NDArray[np.float64]
    f_test: NDArray[np.float64]

    @classmethod
    def of(
        cls, x: NDArray, f: NDArray, seed: int, sigma: float, sizes: tuple[int, int, int]
    ) -> _Draw:
        """Disjoint test, validation and training sets (seeded permutation) and the noise."""
        n_test, n_val, n_max = sizes
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(x))
        test, val, train = np.split(perm[: n_test + n_val + n_max], [n_test, n_test + n_val])
        y = f[train] + sigma * f.std() * rng.standard_normal(n_max)
        return cls((x[train], x[val], x[test]), y, f[val], f[test])

    def fit(
        self, gram_fn: EventKernel, ns: NDArray, var: float, lams: NDArray, opts: tuple[str, bool]
    ) -> NDArray[np.float64]:
        """Rows: risk ``mean((f̂ − f)²)/var``, validated δ, edge flag; columns: nested ``ns``.

        ``opts``: ``on_edge`` and whether to center the labels by their training mean.
        """
        (on_edge, center), x_tr = opts, self.x[0][: ns.max()]
        gram = gram_fn(x_tr, None)
        cross_val, cross_test = gram_fn(self.x[1], x_tr), gram_fn(self.x[2], x_tr)
        out = np.empty((3, len(ns)))
        for j, n in enumerate(ns):
            mean = float(self.y[:n].mean()) if center else 0.0
            sel = select_ridge(
                gram[:n, :n], self.y[:n] - mean, cross_val[:, :n], self.f_val - mean, lams,
                on_edge=on_edge,
            )  # fmt: skip
            pred = cross_test[:, :n] @ sel.solutions[:, sel.best] + mean
            out[:, j] = np.mean((pred - self.f_test) ** 2) / var, sel.delta(int(n)), sel.at_edge
        return out


def event_learning_curve(
    inputs: ArrayLike,
    target: ArrayLike,
    ns: Sequence[int],
    seeds: Sequence[int],
    *,
    ns_plain: Sequence[int] | None = None,
    sigma: float = 0.5,
    n_val: int = 500,
    n_test: int = 2000,
    generator: ArrayLike = LZ,
    n_angles: int = 32,
    lams: ArrayLike | None = None,
    lengthscale: float | None = None,
    on_edge: str = "flag",
    center: bool = True,
    n_boot: int = 400,
    process: str = "events",
    target_name: str = "target",
    blas_threads: int | None = 1,
    plain_seeds: int | None = None,
) -> EventLearningCurve:
    """Learning curves of plain and rotation-averaged Gaussian KRR on events, and ``n_eff/n``.

    Per seed, disjoint test, validation and training subsets of the events are drawn (a seeded
    permutation), labels are ``y = f + σ·std(f)·ε`` with ε standard normal, λ is chosen on the
    noise-free validation targets (:func:`~symvae.invariance.krr.select_ridge`), and both learners
    are fitted on nested training sets (the first n of the draw; same points for both).

    ``inputs`` are 3-momenta (GeV) ``(N, P, 3)`` (:func:`event_inputs`) and ``target`` the
    noise-free, invariant values ``f`` ``(N,)``. ``ns``/``ns_plain`` are the training sizes of
    the invariant and plain learners (default the same; give the plain one sizes up to 4–8×
    ``max(ns)`` so that it reaches the invariant risks). ``sigma`` is relative to ``std(f)``
    over the N events; ``generator`` and ``n_angles`` define the group
    (:class:`AxialRotations`); ``lengthscale`` is in units of the RMS ``|p|`` (default: median
    heuristic, :meth:`GaussianEventKernel.from_inputs`); ``lams`` is the coarse λ grid (default
    :data:`~symvae.invariance.krr.DEFAULT_LAMBDAS`); ``on_edge`` is ``"flag"`` or ``"raise"`` for a
    λ limited by its grid; with ``center`` both learners fit the labels minus their training
    mean and add it back (the kernel need not learn the constant); ``n_boot`` bootstrap
    resamples of the seeds give the uncertainties; the plain learner (the expensive one) is
    fitted on the first ``plain_seeds`` seeds only (default all). BLAS runs on ``blas_threads`` threads (1:
    the numpy and scipy OpenBLAS pools do not compete). A quadrature error above 1e-8 warns.
    """
    x = _check_inputs(inputs)
    f = np.asarray(target, dtype=np.float64)
    if f.shape != (len(x),) or not np.isfinite(f).all():
        raise DataError(f"target: want {len(x)} finite values, got shape {f.shape}")
    var = float(f.var())
    if not var > 1e-24 * float(np.mean(f**2)):
        raise DataError(f"target '{target_name}' is constant on these events: no relative risk")
    ns_i, ns_p = _sizes(ns, "ns"), _sizes(ns if ns_plain is None else ns_plain, "ns_plain")
    sizes = (n_test, n_val, int(max(ns_i.max(), ns_p.max())))
    if sum(sizes) > len(x):
        raise DataError(f"need n_test + n_val + max(n) = {sum(sizes)} events, have {len(x)}")
    group = AxialRotations(generator, n_angles)
    kernel = GaussianEventKernel.from_inputs(x, lengthscale, axis=group.axis)
    grid = DEFAULT_LAMBDAS if lams is None else np.asarray(lams, dtype=np.float64)
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    n_plain = len(seeds_arr) if plain_seeds is None else min(int(plain_seeds), len(seeds_arr))

    def averaged(a: NDArray, b: NDArray | None) -> NDArray:
        return group.averaged_gram(kernel, a, b)

    res: list[list[NDArray]] = [[], []]
    secs = [0.0, 0.0]
    with blas_limit(blas_threads):
        for seed in seeds_arr:
            draw = _Draw.of(x, f, int(seed), sigma, sizes)
            for k, (gram_fn, sizes_k) in enumerate(((kernel, ns_p), (averaged, ns_i))):
                if k == 0 and len(res[0]) >= n_plain:
                    continue
                tic = time.perf_counter()
                res[k].append(draw.fit(gram_fn, sizes_k, var, grid, (on_edge, center)))
                secs[k] += time.perf_counter() - tic
        quad_err = group.quadrature_error(kernel, x[:256])
    if quad_err > 1e-8:
        warnings.warn(f"K_G quadrature error {quad_err:.2g} > 1e-8: raise n_angles", stacklevel=2)
    stacked = [np.stack(r, axis=1) for r in res]  # rows: risk, δ, edge flag
    plain, inv = (
        LearnerCurve(ns_k, rows[0], rows[1], rows[2].astype(bool), t)
        for ns_k, rows, t in zip((ns_p, ns_i), stacked, secs, strict=True)
    )
    return EventLearningCurve.from_learners(
        seeds_arr, float(sigma), plain, inv, n_boot, process=process, target=target_name,
        generator=group.generator, n_angles=group.n_angles, quadrature_error=quad_err,
        scale=kernel.scale, scale_axial=float(kernel.scale_axial or 0.0),
        lengthscale=kernel.lengthscale,
    )  # fmt: skip


TARGETS = ("qed_msq", "pair_rapidity")
"""Target names understood by :func:`event_regression`."""

_ECM = re.compile(r"^\s*Beams:eCM\s*=\s*([0-9.eE+-]+)\s*$", re.IGNORECASE)


def _sqrt_s(metadata: Mapping[str, Any]) -> float | None:
    """√s (GeV) from ``sqrt_s_GeV`` (RAMBO, LHE) or Pythia's ``Beams:eCM`` setting, else None."""
    if "sqrt_s_GeV" in metadata:
        return float(metadata["sqrt_s_GeV"])
    for line in metadata.get("settings", []):
        match = _ECM.match(str(line))
        if match:
            return float(match.group(1))
    return None


def event_regression(
    events: Events,
    target: str,
    *,
    sqrt_s: float | None = None,
    pids: Sequence[int] = (13, -13),
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Inputs ``(n, P, 3)`` (GeV) and target values ``(n,)`` of ``events`` (e.g. an
    ``events.root`` read with :func:`symvae.outputs.events.read_events`).

    ``target`` is one of :data:`TARGETS`; the first two ``pids`` are taken as μ⁻ and μ⁺. For
    ``"qed_msq"``, √s comes from the file's metadata when present, else from ``sqrt_s`` (GeV).
    """
    if target not in TARGETS:
        raise ConfigError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    p = four_momenta(events, pids)
    if target == "pair_rapidity":
        return p[..., 1:], pair_rapidity(p[:, 0], p[:, 1])
    root_s = _sqrt_s(events.metadata)
    root_s = sqrt_s if root_s is None else root_s
    if root_s is None:
        source = events.metadata.get("source", "events")
        raise DataError(f"{source}: no sqrt(s) in the metadata; pass sqrt_s (GeV)")
    return p[..., 1:], qed_msq(p[:, 0], p[:, 1], root_s)
