"""Learned and true tangent spaces of the data manifold, and the angles between them.

The VAE maps an event ``u`` (standardized features) to its posterior mean ``μ(u)`` and back
through the decoder mean. Along the data, the directions the model can move an event in are
spanned by the Jacobian of that round trip restricted to the relevant latents,

    J(u) = J_dec(μ(u)) · P_rel · J_μ(u)        (d × d, rank ≤ number of relevant latents),

and its top-``k`` left singular vectors are the *learned tangent space* at ``u``. The decoder
Jacobian alone is not enough: a circle occupies two relevant latents and the decoder restricted
to both spans the whole plane; composing with the encoder Jacobian keeps only the direction
along the data (the encoder is flat across the thin ring).

The *true tangent space* comes from analytic truth (:class:`TangentTruth`): the null space of
the Jacobian ``∇g`` of the constraints ``g(x) = 0`` (a circle, a mass shell, momentum
conservation), or a fixed basis (the large-eigenvalue eigenvectors of a Gaussian; the whole
space for a disk). Everything is compared in the standardized coordinates ``u`` the VAE works
in, ``x = mean + scale ⊙ u``: tangent vectors map as ``v_u = v_x / scale`` and constraint
gradients as ``∇_u g = scale ⊙ ∇_x g``. The tangent is computed in physical units first and then
mapped, which stays accurate when a feature is constant to rounding (``E_1`` of a two-body
decay at fixed ``√s`` has a standardization scale of ~1e-12 GeV).

The score is the set of principal angles (degrees) between the learned and the true tangent
space at every event, summarised by the median and the 90th percentile of the largest angle.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from symvae.directions.polynomials import PolynomialSet, monomial_exponents
from symvae.directions.subspaces import orthonormal_basis
from symvae.errors import DataError
from symvae.scaling import Standardizer
from symvae.vae.jacobian import row_jacobian
from symvae.vae.model import VAE
from symvae.vae.trained import TrainedVAE

__all__ = [
    "MUON_MASS",
    "LearnedTangents",
    "TangentScore",
    "TangentTruth",
    "basis_truth",
    "batched_principal_angles",
    "circle_truth",
    "evaluate_tangents",
    "four_momentum_truth",
    "kepler_truth",
    "latent_jacobians",
    "learned_tangents",
    "linear_gaussian_truth",
    "oscillator_truth",
    "pendulum_truth",
    "polynomial",
    "score_tangents",
    "true_tangents",
    "truth_for",
]

#: Muon mass in GeV as Pythia 8 uses it (the PDG value is 0.1056584 GeV; the difference
#: moves the mass-shell gradient by a relative 1e-5, far below anything measured here).
MUON_MASS = 0.10566

GradientFn = Callable[[NDArray[np.float64]], NDArray[np.float64]]
"""Constraint gradients: points ``(n, d)`` in physical units -> ``∂g_a/∂x_i`` ``(n, c, d)``."""


# ---------------------------------------------------------------------------------------
# analytic truth
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TangentTruth:
    """The analytic tangent space of a dataset, in physical feature units.

    Exactly one of ``constraints`` and ``basis`` is given.

    Attributes
    ----------
    constraints:
        Constraints ``g(x) = 0`` whose common level set is the data manifold: a
        :class:`PolynomialSet` or a function returning the gradients ``(n, c, d)``. The tangent
        space at ``x`` is the null space of ``∇g(x)``.
    basis:
        ``(d, k)`` columns spanning a tangent space that is the same at every event (a linear
        manifold, or the whole space).
    dof:
        Dimension of the tangent space. For constraints it defaults to ``d`` minus the
        median numerical rank of ``∇g`` (redundant constraints, such as the second mass shell
        of a back-to-back pair, are allowed).
    description:
        What the truth is, for reports.
    """

    constraints: PolynomialSet | GradientFn | None = None
    basis: NDArray[np.float64] | None = None
    dof: int | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if (self.constraints is None) == (self.basis is None):
            raise ValueError("give exactly one of constraints and basis")
        if self.basis is not None:
            b = np.asarray(self.basis, dtype=np.float64)
            if b.ndim != 2:
                raise ValueError(f"basis must be (d, k), got shape {b.shape}")
            object.__setattr__(self, "basis", b)
        if self.dof is not None and self.dof < 0:
            raise ValueError(f"dof must be >= 0, got {self.dof}")

    def gradients(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Constraint gradients ``(n, c, d)`` at physical points ``x`` ``(n, d)``."""
        if self.constraints is None:
            raise ValueError("this truth is a fixed basis, not constraints")
        if isinstance(self.constraints, PolynomialSet):
            return self.constraints.gradient(x)
        g = np.asarray(self.constraints(x), dtype=np.float64)
        if g.ndim != 3 or g.shape[0] != x.shape[0] or g.shape[2] != x.shape[1]:
            raise ValueError(f"gradient function returned shape {g.shape} for points {x.shape}")
        return g


def polynomial(d: int, *polys: Mapping[tuple[int, ...], float]) -> PolynomialSet:
    """A :class:`PolynomialSet` in ``d`` variables from readable terms.

    Each polynomial is a mapping from a tuple of variable indices (one entry per factor:
    ``()`` the constant, ``(0,)`` ``x0``, ``(0, 0)`` ``x0²``, ``(0, 3)`` ``x0 x3``) to its
    coefficient. ``polynomial(2, {(0, 0): 1, (1, 1): 1, (): -1})`` is ``x² + y² − 1``.
    """
    degree = max((len(k) for p in polys for k in p), default=0)
    exps = monomial_exponents(d, degree)
    index = {tuple(row): j for j, row in enumerate(exps.tolist())}
    coef = np.zeros((len(polys), len(exps)))
    for a, poly in enumerate(polys):
        for term, c in poly.items():
            e = [0] * d
            for i in term:
                if not 0 <= i < d:
                    raise ValueError(f"variable index {i} outside 0..{d - 1}")
                e[i] += 1
            coef[a, index[tuple(e)]] += c
    return PolynomialSet(exps, coef)


def basis_truth(basis: ArrayLike, description: str = "") -> TangentTruth:
    """A tangent space that is the same everywhere: the span of ``basis`` ``(d, k)``."""
    b = orthonormal_basis(np.asarray(basis, dtype=np.float64))
    return TangentTruth(basis=b, dof=b.shape[1], description=description or "fixed basis")


def circle_truth(radius: float = 1.0) -> TangentTruth:
    """Points ``(x, y)`` on ``x² + y² = radius²``: tangent ``(−y, x)``."""
    g = polynomial(2, {(0, 0): 1.0, (1, 1): 1.0, (): -(radius**2)})
    return TangentTruth(constraints=g, dof=1, description=f"circle x^2 + y^2 = {radius}^2")


def oscillator_truth(
    dim: int = 1, energy: float = 0.5, mass: float = 1.0, omega: float = 1.0
) -> TangentTruth:
    """Isotropic harmonic oscillator at fixed energy, features ``(q_1..q_dim, p_1..p_dim)``:
    ``Σ p²/(2m) + m ω² q²/2 = E``, a ``(2 dim − 1)``-sphere (an ellipse for ``dim = 1``)."""
    d = 2 * dim
    terms: dict[tuple[int, ...], float] = {(): -energy}
    for i in range(dim):
        terms[(i, i)] = 0.5 * mass * omega**2
        terms[(dim + i, dim + i)] = 0.5 / mass
    return TangentTruth(
        constraints=polynomial(d, terms),
        dof=d - 1,
        description=f"{dim}-D oscillator energy shell",
    )


def pendulum_truth(omega0_sq: float = 1.0) -> TangentTruth:
    """Pendulum at fixed energy, features ``(q, p)``: ``p²/2 − ω0² cos q = E``."""

    def grad(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.stack([omega0_sq * np.sin(x[:, 0]), x[:, 1]], axis=1)[:, None, :]

    return TangentTruth(constraints=grad, dof=1, description="pendulum energy shell")


def kepler_truth(gm: float = 1.0) -> TangentTruth:
    """Planar Kepler orbits at fixed energy, features ``(x, y, px, py)``:
    ``|p|²/2 − GM/r = E`` (one constraint, three degrees of freedom)."""

    def grad(x: NDArray[np.float64]) -> NDArray[np.float64]:
        r3 = np.hypot(x[:, 0], x[:, 1]) ** 3
        return np.stack([gm * x[:, 0] / r3, gm * x[:, 1] / r3, x[:, 2], x[:, 3]], axis=1)[
            :, None, :
        ]

    return TangentTruth(constraints=grad, dof=3, description="Kepler energy shell")


def four_momentum_truth(
    masses: Sequence[float],
    sqrt_s: float | None = None,
    momentum_axes: str = "xyz",
) -> TangentTruth:
    """Final states of ``len(masses)`` particles with features ``(E, px, py, pz)`` per particle.

    Constraints: every mass shell ``E_i² − |p_i|² = m_i²``; total energy ``Σ E_i = √s`` when
    ``sqrt_s`` is given; total momentum ``Σ p_i = 0`` along each axis in ``momentum_axes``
    (``"xyz"`` at a lepton collider, ``"xy"`` at a hadron collider at leading order, where the
    partons' longitudinal momenta are free). The dimension is ``d`` minus the rank of the
    constraint Jacobian (for two particles in the CM frame the second mass shell is implied).
    """
    n = len(masses)
    d = 4 * n
    polys: list[dict[tuple[int, ...], float]] = []
    for i, m in enumerate(masses):
        e = 4 * i
        polys.append(
            {(e, e): 1.0, (e + 1, e + 1): -1.0, (e + 2, e + 2): -1.0, (e + 3, e + 3): -1.0,
             (): -float(m) ** 2}
        )  # fmt: skip
    if sqrt_s is not None:
        polys.append({**{(4 * i,): 1.0 for i in range(n)}, (): -float(sqrt_s)})
    for axis in momentum_axes:
        k = "xyz".index(axis) + 1
        polys.append({(4 * i + k,): 1.0 for i in range(n)})
    return TangentTruth(
        constraints=polynomial(d, *polys),
        description=f"{n} particles, masses {list(masses)}, "
        f"sqrt(s) {'free' if sqrt_s is None else sqrt_s}, momentum balance in {momentum_axes}",
    )


def linear_gaussian_truth(
    rotation: ArrayLike, eigenvalues: ArrayLike, min_eigenvalue: float | None = None
) -> TangentTruth:
    """The span of the eigenvectors (columns of ``rotation``) with large eigenvalues.

    ``min_eigenvalue`` separates large from small (small ones act as approximate linear
    constraints); by default it sits at the largest ratio between consecutive sorted
    eigenvalues.
    """
    u = np.asarray(rotation, dtype=np.float64)
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != lam.size:
        raise ValueError(f"rotation {u.shape} does not match {lam.size} eigenvalues")
    if min_eigenvalue is None:
        s = np.sort(lam)[::-1]
        if s.size < 2:
            min_eigenvalue = -np.inf
        else:
            ratios = s[:-1] / np.maximum(s[1:], np.finfo(float).tiny)
            cut = int(np.argmax(ratios))
            min_eigenvalue = 0.5 * (s[cut] + s[cut + 1])
    keep = lam > min_eigenvalue
    return TangentTruth(
        basis=u[:, keep],
        dof=int(keep.sum()),
        description=f"eigenvectors with eigenvalue > {min_eigenvalue:.3g}",
    )


def truth_for(
    name: str,
    params: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    n_features: int | None = None,
) -> TangentTruth:
    """Analytic tangent truth of a dataset or process known to symvae, by name.

    ``name`` is a generator (``ring``, ``disk``, ``ellipse_cloud``, ``linear_gaussian``,
    ``oscillator_1d``, ``oscillator_2d``, ``pendulum``, ``kepler``) with its ``params``, or
    one of the exact collider processes ``ee_mumu`` (``sqrt_s`` default 91.1876 GeV),
    ``pp_mumu_lo`` and ``rambo3`` (``sqrt_s`` default 100 GeV). ``linear_gaussian`` needs
    the dataset ``metadata`` (``rotation`` and ``eigenvalues``). Raises :class:`DataError` for
    other names (real data, or processes whose constraints are approximate).
    """
    p = dict(params or {})
    meta = dict(metadata or {})
    if name == "ring":
        return circle_truth(float(p.get("radius", 1.0)))
    if name in ("disk", "ellipse_cloud"):
        return basis_truth(np.eye(n_features or 2), "the whole space")
    if name == "linear_gaussian":
        if "rotation" not in meta or "eigenvalues" not in meta:
            raise DataError("linear_gaussian: metadata needs 'rotation' and 'eigenvalues'")
        return linear_gaussian_truth(meta["rotation"], meta["eigenvalues"])
    if name in ("oscillator_1d", "oscillator_2d"):
        return oscillator_truth(
            1 if name == "oscillator_1d" else 2,
            float(p.get("energy", 0.5)),
            float(p.get("mass", 1.0)),
            float(p.get("omega", 2.0 if name == "oscillator_1d" else 1.0)),
        )
    if name == "pendulum":
        return pendulum_truth(float(p.get("g", 1.0)) / float(p.get("length", 1.0)))
    if name == "kepler":
        return kepler_truth(float(p.get("gm", 1.0)))
    if name == "ee_mumu":
        m = float(p.get("mass", MUON_MASS))
        return four_momentum_truth([m, m], float(p.get("sqrt_s", 91.1876)), "xyz")
    if name == "pp_mumu_lo":
        m = float(p.get("mass", MUON_MASS))
        return four_momentum_truth([m, m], None, "xy")
    if name == "rambo3":
        return four_momentum_truth([0.0] * 3, float(p.get("sqrt_s", 100.0)), "xyz")
    raise DataError(f"no analytic tangent space known for '{name}'")


def true_tangents(
    x: ArrayLike,
    truth: TangentTruth,
    scaler: Standardizer | None = None,
    rtol: float = 1e-8,
    constant_rtol: float = 1e-9,
) -> NDArray[np.float64]:
    """Orthonormal bases ``(n, d, k)`` of the true tangent space at events ``x`` ``(n, d)``.

    ``x`` is in physical units; the bases are in the standardized coordinates of ``scaler``
    (physical coordinates without one). For constraints the tangent at each event is the
    null space of ``∇g(x)`` computed in physical units, of dimension ``truth.dof`` (or ``d``
    minus the median numerical rank at ``rtol`` of the largest singular value), then mapped by
    ``v -> v / scale`` and orthonormalized.

    Features whose standardization scale is at most ``constant_rtol`` times their mean are
    constant to rounding (``E_1`` of a two-body decay at fixed ``√s``): a scale of 1e-12 would
    blow the 1e-13 relative error of a null-space vector up to O(1), so these features are
    held fixed (an extra constraint ``x_j = const``, and an exactly zero component).
    """
    x = _check_points(x)
    n, d = x.shape
    fixed = np.zeros(d, dtype=bool)
    if scaler is not None:
        scale = np.asarray(scaler.scale, dtype=np.float64)
        if scale.shape != (d,):
            raise ValueError(f"scaler has {scale.size} features, events have {d}")
        fixed = scale <= constant_rtol * np.abs(np.asarray(scaler.mean, dtype=np.float64))
    if truth.basis is not None:
        if truth.basis.shape[0] != d:
            raise ValueError(f"basis has {truth.basis.shape[0]} rows for {d} features")
        tx = np.array(np.broadcast_to(truth.basis, (n, *truth.basis.shape)))
    else:
        g = truth.gradients(x)
        if fixed.any():
            pins = np.broadcast_to(np.eye(d)[fixed], (n, int(fixed.sum()), d))
            g = np.concatenate([g, pins], axis=1)
        _, s, vt = np.linalg.svd(g, full_matrices=True)  # s (n, min(c, d)), vt (n, d, d)
        if truth.dof is not None:
            k = truth.dof
        else:
            top = np.maximum(s[:, :1], np.finfo(float).tiny)
            rank = np.sum(s > rtol * top, axis=1)
            k = d - int(np.median(rank))
        if not 0 <= k <= d:
            raise ValueError(f"tangent dimension {k} outside 0..{d}")
        tx = np.swapaxes(vt[:, d - k :, :], 1, 2)  # right singular vectors of the zero block
    if scaler is None:
        return tx
    tx = tx / scale[None, :, None]
    tx[:, fixed, :] = 0.0
    return _orthonormalize(tx)


# ---------------------------------------------------------------------------------------
# learned tangents
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnedTangents:
    """Learned tangent spaces at ``n`` events, in standardized coordinates.

    Attributes
    ----------
    k:
        Dimension of the learned tangent space.
    relevant:
        Indices of the relevant latents used.
    basis:
        ``(n, d, k)`` orthonormal: the top-``k`` left singular vectors of ``J(u)``.
    singular_values:
        ``(n, min(d, L))`` singular values of ``J(u) = J_dec P_rel J_μ``, descending (at most
        the number of relevant latents are non-zero); the gap after the ``k``-th separates
        tangent from normal directions.
    decoder_singular_values:
        ``(n, min(d, R))`` singular values of the decoder Jacobian restricted to the ``R``
        relevant latents, ``J_dec P_rel`` (a diagnostic: for a closed curve both are large).
    """

    k: int
    relevant: NDArray[np.int64]
    basis: NDArray[np.float64]
    singular_values: NDArray[np.float64]
    decoder_singular_values: NDArray[np.float64]

    @property
    def gap(self) -> NDArray[np.float64]:
        """Per event ``σ_k / σ_{k+1}`` (``inf`` where ``σ_{k+1} = 0`` or ``k`` is the last)."""
        s = self.singular_values
        if self.k == 0:
            return np.full(len(s), np.nan)
        if self.k >= s.shape[1]:
            return np.full(len(s), np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s[:, self.k] > 0, s[:, self.k - 1] / s[:, self.k], np.inf)


def _unwrap(model: VAE | TrainedVAE) -> VAE:
    return model.model if isinstance(model, TrainedVAE) else model


def latent_jacobians(
    model: VAE | TrainedVAE,
    u: ArrayLike,
    batch: int = 4096,
    dtype: torch.dtype = torch.float64,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Encoder-mean and decoder Jacobians at standardized events ``u`` ``(n, d)``.

    Returns ``mu`` ``(n, L)``, ``J_μ = ∂μ/∂u`` ``(n, L, d)`` and ``J_dec = ∂x̂/∂z`` at
    ``z = μ(u)`` ``(n, d, L)``, computed by backpropagation
    (:func:`~symvae.vae.jacobian.row_jacobian`) on the model's device, in ``dtype`` (a float64
    copy of the weights by default, so that small singular values are resolved).
    """
    vae = _unwrap(model)
    device = next(vae.parameters()).device
    net = copy.deepcopy(vae).to(dtype=dtype).eval()
    for prm in net.parameters():
        prm.requires_grad_(False)

    def mu_fn(v: torch.Tensor) -> torch.Tensor:
        return net.mu_head(net.encoder(v))

    def dec_fn(z: torch.Tensor) -> torch.Tensor:
        return net.decoder(z)

    u = np.asarray(u, dtype=np.float64)
    mus, jms, jds = [], [], []
    for start in range(0, len(u), batch):
        t = torch.as_tensor(u[start : start + batch], dtype=dtype, device=device)
        with torch.no_grad():
            mu = mu_fn(t)
        jms.append(row_jacobian(mu_fn, t).double().cpu().numpy())
        jds.append(row_jacobian(dec_fn, mu).double().cpu().numpy())
        mus.append(mu.double().cpu().numpy())
    if not mus:
        latent = vae.arch.latent_dim
        d = vae.arch.n_features
        return np.zeros((0, latent)), np.zeros((0, latent, d)), np.zeros((0, d, latent))
    return np.concatenate(mus), np.concatenate(jms), np.concatenate(jds)


def _relevant_indices(relevant: ArrayLike, latent_dim: int) -> NDArray[np.int64]:
    r = np.asarray(relevant)
    if r.dtype == bool:
        if r.shape != (latent_dim,):
            raise ValueError(f"relevant mask has shape {r.shape}, want ({latent_dim},)")
        return np.flatnonzero(r).astype(np.int64)
    idx = np.unique(r.astype(np.int64))
    if idx.size and (idx[0] < 0 or idx[-1] >= latent_dim):
        raise ValueError(f"relevant indices {idx.tolist()} outside 0..{latent_dim - 1}")
    return idx


def learned_tangents(
    model: VAE | TrainedVAE,
    u: ArrayLike,
    relevant: ArrayLike,
    k: int,
    batch: int = 4096,
) -> LearnedTangents:
    """Learned tangent spaces at standardized events ``u`` ``(n, d)``.

    ``relevant`` is a boolean mask ``(L,)`` or indices of the relevant latents; ``k`` the
    tangent dimension (the analytic dof when known, else a measured local dof).
    """
    vae = _unwrap(model)
    u = _check_points(u)
    latent, d = vae.arch.latent_dim, vae.arch.n_features
    if u.shape[1] != d:
        raise DataError(f"events have {u.shape[1]} features, the model expects {d}")
    rel = _relevant_indices(relevant, latent)
    if not 0 <= k <= min(d, rel.size):
        raise ValueError(f"tangent dimension k={k} outside 0..min(d={d}, relevant={rel.size})")
    _, jm, jd = latent_jacobians(vae, u, batch=batch)
    jd_rel = jd[:, :, rel]  # (n, d, R)
    jac = jd_rel @ jm[:, rel, :]  # (n, d, d)
    left, s, _ = np.linalg.svd(jac)
    s_dec = np.linalg.svd(jd_rel, compute_uv=False) if rel.size else np.zeros((len(u), 0))
    return LearnedTangents(
        k=k,
        relevant=rel,
        basis=np.ascontiguousarray(left[:, :, :k]),
        singular_values=s[:, : min(d, latent)],
        decoder_singular_values=s_dec,
    )


# ---------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------


def batched_principal_angles(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Principal angles (degrees, ascending) between ``a[i]`` ``(d, k)`` and ``b[i]`` ``(d, m)``.

    Both stacks ``(n, d, ·)`` must have orthonormal columns. The result is ``(n, min(k, m))``.
    Small angles come from the sines (the part of ``a`` outside ``b``), large ones from the
    cosines, as in :func:`scipy.linalg.subspace_angles`, so both ends are accurate.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 3 or b.ndim != 3 or a.shape[:2] != b.shape[:2]:
        raise ValueError(f"need stacks (n, d, k) and (n, d, m), got {a.shape} and {b.shape}")
    if a.shape[2] > b.shape[2]:
        a, b = b, a
    n, _, k = a.shape
    if k == 0:
        return np.zeros((n, 0))
    cos = np.linalg.svd(np.swapaxes(b, 1, 2) @ a, compute_uv=False)  # (n, k) descending
    cos = np.clip(cos, 0.0, 1.0)
    resid = a - b @ (np.swapaxes(b, 1, 2) @ a)
    sin = np.sort(np.clip(np.linalg.svd(resid, compute_uv=False), 0.0, 1.0), axis=1)
    ang = np.where(cos**2 > 0.5, np.arcsin(sin), np.arccos(cos))
    return np.sort(np.degrees(ang), axis=1)


@dataclass(frozen=True)
class TangentScore:
    """Principal angles between learned and true tangent spaces at every event.

    Attributes
    ----------
    angles:
        ``(n, min(k_learned, k_true))`` principal angles in degrees, ascending per event.
    k_learned, k_true:
        Dimensions of the two spaces.
    relevant:
        Latent indices the learned tangent used.
    singular_values:
        ``(min(d, L),)`` median over events of the singular values of ``J_dec P_rel J_μ``.
    gap_median:
        Median over events of ``σ_k / σ_{k+1}`` (``inf``: the next one is exactly zero).
    """

    angles: NDArray[np.float64]
    k_learned: int
    k_true: int
    relevant: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    singular_values: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    gap_median: float = float("nan")

    @property
    def max_angle(self) -> NDArray[np.float64]:
        """Largest principal angle per event ``(n,)`` (0 where a space is empty)."""
        if self.angles.shape[1] == 0:
            return np.zeros(len(self.angles))
        return self.angles[:, -1]

    @property
    def median(self) -> float:
        """Median over events of the largest angle (degrees)."""
        return float(np.median(self.max_angle))

    @property
    def p90(self) -> float:
        """90th percentile over events of the largest angle (degrees)."""
        return float(np.percentile(self.max_angle, 90))

    @property
    def median_all(self) -> float:
        """Median of all principal angles of all events (degrees)."""
        return float(np.median(self.angles)) if self.angles.size else 0.0

    @property
    def p90_all(self) -> float:
        """90th percentile of all principal angles of all events (degrees)."""
        return float(np.percentile(self.angles, 90)) if self.angles.size else 0.0

    def summary(self) -> dict[str, Any]:
        """Plain numbers for tables and JSON."""
        return {
            "n_events": len(self.angles),
            "k_learned": self.k_learned,
            "k_true": self.k_true,
            "relevant": self.relevant.tolist(),
            "median_max_angle_deg": self.median,
            "p90_max_angle_deg": self.p90,
            "median_angle_deg": self.median_all,
            "p90_angle_deg": self.p90_all,
            "gap_median": self.gap_median,
            "singular_values_median": self.singular_values.tolist(),
        }


def score_tangents(learned: LearnedTangents | ArrayLike, true: ArrayLike) -> TangentScore:
    """Principal angles between learned tangents (or a basis stack ``(n, d, k)``) and true
    tangent bases ``(n, d, m)``."""
    if isinstance(learned, LearnedTangents):
        basis = learned.basis
        rel, sv = learned.relevant, np.median(learned.singular_values, axis=0)
        gap = learned.gap
        gap_med = float(np.median(gap)) if gap.size else float("nan")
    else:
        basis = np.asarray(learned, dtype=np.float64)
        rel, sv, gap_med = np.zeros(0, dtype=np.int64), np.zeros(0), float("nan")
    true = np.asarray(true, dtype=np.float64)
    return TangentScore(
        angles=batched_principal_angles(basis, true),
        k_learned=basis.shape[2],
        k_true=true.shape[2],
        relevant=rel,
        singular_values=sv,
        gap_median=gap_med,
    )


def evaluate_tangents(
    trained: TrainedVAE,
    x: ArrayLike,
    truth: TangentTruth,
    relevant: ArrayLike | None = None,
    k: int | str | None = None,
    threshold: float = 0.1,
    max_events: int | None = 3000,
    seed: int = 0,
) -> TangentScore:
    """Score a trained VAE's tangent spaces against ``truth`` on events ``x`` (physical units).

    ``relevant`` defaults to the latents whose activity on ``x`` exceeds ``threshold``. ``k``
    defaults to the dimension of the true tangent space (the analytic dof); ``"local"`` uses
    the local-PCA dimension of the relevant latent means (:func:`symvae.dof.local_pca_dimension`,
    for data without analytic truth); it is capped at the number of relevant latents. At most
    ``max_events`` events (a deterministic subsample drawn with ``seed``) are used.
    """
    from symvae.dof import local_pca_dimension
    from symvae.relevance import latent_relevance

    x = _check_points(x)
    if max_events is not None and len(x) > max_events:
        idx = np.sort(np.random.default_rng(seed).choice(len(x), max_events, replace=False))
        x = x[idx]
    true = true_tangents(x, truth, trained.scaler)
    mu = None
    if relevant is None:
        mu, var = trained.encode(x)
        relevant = latent_relevance(mu, var).relevant(threshold)
    rel = _relevant_indices(relevant, trained.model.arch.latent_dim)
    if k is None:
        k = true.shape[2]
    elif k == "local":
        if mu is None:
            mu, _ = trained.encode(x)
        k = local_pca_dimension(mu[:, rel])
    elif isinstance(k, str):
        raise ValueError(f"k must be an integer, None or 'local', got {k!r}")
    k = int(min(k, rel.size, x.shape[1]))
    learned = learned_tangents(trained, trained.scaler.transform(x), rel, k)
    return score_tangents(learned, true)


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _check_points(x: ArrayLike) -> NDArray[np.float64]:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise DataError(f"events must be (n, d), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError(f"events hold {int(np.sum(~np.isfinite(x)))} non-finite values")
    return x


def _orthonormalize(stack: NDArray[np.float64]) -> NDArray[np.float64]:
    """Orthonormal bases of the column spans of ``stack`` ``(n, d, k)`` (full column rank)."""
    if stack.shape[2] == 0:
        return np.zeros(stack.shape)
    q, _ = np.linalg.qr(stack)
    return q
