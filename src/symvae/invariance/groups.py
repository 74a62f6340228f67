"""Group actions on the torus (and z rotations of S²) and their group-averaged kernels.

For a group G acting on the inputs by measure-preserving maps that leave the kernel invariant,
``K(gx, gy) = K(x, y)``, the averaged kernel ``K_G(x, y) = mean_g K(gx, y)`` is the kernel of
the orthogonal projection onto G-invariant functions composed with the kernel's integral
operator. Its eigenfunctions are the G-invariant combinations of the plain eigenfunctions:

- translations (half-period shifts, continuous translations): ``e_k(x + b) = e^{2πi k·b} e_k(x)``
  so averaging keeps exactly the modes with ``k·b ∈ Z`` for all group elements (a mask);
- signed permutations (coordinate permutations, sign flips): ``e_k(Ax) = e_{Aᵀk}(x)``, so the
  invariant functions are orbit averages ``ψ_O ∝ Σ_{k ∈ O} e_k`` of the orbits ``O`` of ``k``.

Every torus group offers two exact routes to ``K_G`` for the truncated kernel (the box
``|k_i| ≤ k_max`` is closed under all of these groups): enumeration of the group elements
(continuous translations are replaced by the finite subgroup of ``N`` equally spaced shifts per
direction with ``N > k_max Σ_i |v_i|``, for which averaging is exact because
``mean_j e^{2πi m j/N} = [N | m]``), and the spectral route through :class:`InvariantBasis`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from symvae.invariance.torus import (
    DEFAULT_C,
    DEFAULT_T,
    TorusKernel,
    frequency_box,
    sobolev_eigenvalues,
)

__all__ = [
    "HalfShifts",
    "InvariantBasis",
    "Permutations",
    "SignFlips",
    "SphereZonalKernel",
    "TorusGroup",
    "Translations",
    "ZRotations",
    "legendre_table",
    "make_group",
    "uniform_sphere",
]


@dataclass(frozen=True)
class InvariantBasis:
    """Orthonormal G-invariant eigenfunctions of ``K_G``, written in the plain basis.

    Attributes
    ----------
    kernel:
        The plain kernel whose basis Φ the coefficients refer to.
    coef:
        Sparse ``(m, n_features)``: ``ψ_j(x) = Σ_i coef[j, i] Φ_i(x)``, orthonormal rows.
    mu:
        Eigenvalue of ``K_G`` for each ``ψ_j``, shape ``(m,)``.
    knorm2:
        ``|k|²`` of the frequencies that make up ``ψ_j``, shape ``(m,)``.
    """

    kernel: TorusKernel
    coef: sp.csr_matrix
    mu: NDArray[np.float64]
    knorm2: NDArray[np.float64]

    @property
    def size(self) -> int:
        """Number m of invariant eigenfunctions in the box."""
        return len(self.mu)

    def features(self, x: ArrayLike) -> NDArray[np.float64]:
        """Invariant eigenfunctions ``ψ(x)``, shape ``(n, m)`` for ``x`` ``(n, d)``."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        csc = self.coef.tocsc()
        support = np.flatnonzero(np.diff(csc.indptr))
        out = np.zeros((len(x), self.size))
        for chunk in self.kernel.column_chunks(len(x), support):
            out += (csc[:, chunk] @ self.kernel.features(x, chunk).T).T
        return out

    def gram(self, x: ArrayLike, y: ArrayLike | None = None) -> NDArray[np.float64]:
        """``K_G(x_i, y_j) = Σ_j μ_j ψ_j(x) ψ_j(y)``, shape ``(n_x, n_y)``."""
        fx = self.features(x)
        if y is None:
            root = fx * np.sqrt(self.mu)
            return root @ root.T
        return (fx * self.mu) @ self.features(y).T

    def to_plain(self, a: ArrayLike) -> NDArray[np.float64]:
        """Plain-basis coefficients ``coefᵀ a`` ``(n_features, ...)`` of ``Σ_j a_j ψ_j``."""
        a = np.asarray(a, dtype=np.float64)
        return np.asarray(self.coef.T @ a)

    @classmethod
    def from_mask(cls, kernel: TorusKernel, keep: NDArray[np.bool_]) -> InvariantBasis:
        """The basis made of the plain columns with ``keep`` ``(n_features,)`` true."""
        cols = np.flatnonzero(keep)
        coef = sp.csr_matrix(
            (np.ones(len(cols)), (np.arange(len(cols)), cols)),
            shape=(len(cols), kernel.n_features),
        )
        return cls(kernel, coef, kernel.mu[cols], kernel.knorm2[cols])


class TorusGroup:
    """Base class: a group acting on T^d = [0, 1)^d by measure-preserving maps.

    Attributes
    ----------
    d:
        Dimension of the torus.
    order:
        Number of elements ``|G|`` (``None`` for a continuous group).
    orbit_dim:
        Dimension of a generic orbit (0 for finite groups).
    """

    d: int
    order: int | None
    orbit_dim: int = 0
    name: str = "group"

    @property
    def d_eff(self) -> int:
        """Dimension of the quotient ``T^d / G``: ``d − orbit_dim``."""
        return self.d - self.orbit_dim

    def act(self, x: ArrayLike) -> NDArray[np.float64]:
        """All images ``g x`` modulo 1, shape ``(|G|, n, d)`` for ``x`` ``(n, d)``."""
        raise NotImplementedError

    def _images(self, x: ArrayLike, kernel: TorusKernel) -> NDArray[np.float64]:
        return self.act(x)

    def invariant_basis(self, kernel: TorusKernel) -> InvariantBasis:
        """The invariant eigenfunctions of ``kernel`` averaged over the group."""
        raise NotImplementedError

    def averaged_gram(
        self,
        kernel: TorusKernel,
        x: ArrayLike,
        y: ArrayLike | None = None,
        route: str = "spectral",
    ) -> NDArray[np.float64]:
        """``K_G(x_i, y_j) = mean_g K(g x_i, y_j)``, shape ``(n_x, n_y)``.

        Parameters
        ----------
        route:
            ``"spectral"`` (the invariant eigenbasis) or ``"enumerate"`` (explicit average over
            the group elements, or over the exact quadrature subgroup for a continuous group).
        """
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if route == "spectral":
            return self.invariant_basis(kernel).gram(x, y)
        if route != "enumerate":
            raise ValueError(f"unknown route '{route}'")
        y = x if y is None else np.atleast_2d(np.asarray(y, dtype=np.float64))
        images = self._images(x, kernel)
        return np.mean([kernel.gram(gx, y) for gx in images], axis=0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d={self.d})"


class HalfShifts(TorusGroup):
    """Half-period shifts ``x ↦ x + b/2``, ``b ∈ {0, 1}^d``: a free action, ``|G| = 2^d``.

    Invariant modes: all ``k_i`` even (a mask).
    """

    name = "half_shifts"

    def __init__(self, d: int) -> None:
        self.d = int(d)
        self.order = 2**self.d
        self.shifts = np.array(list(itertools.product((0.0, 0.5), repeat=self.d)))

    def act(self, x: ArrayLike) -> NDArray[np.float64]:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return np.mod(x[None] + self.shifts[:, None, :], 1.0)

    def invariant_mask(self, kernel: TorusKernel) -> NDArray[np.bool_]:
        """True for the plain columns with all ``k_i`` even, shape ``(n_features,)``."""
        return np.all(kernel.freqs[kernel.col_freq] % 2 == 0, axis=1)

    def invariant_basis(self, kernel: TorusKernel) -> InvariantBasis:
        return InvariantBasis.from_mask(kernel, self.invariant_mask(kernel))


class Translations(TorusGroup):
    """Continuous translations ``x ↦ x + Σ_r t_r v_r`` along integer directions ``v_r``.

    Parameters
    ----------
    d:
        Dimension of the torus.
    directions:
        Integer direction vectors, shape ``(r, d)``, e.g. ``[[0, 1, 0], [0, 0, 1]]`` (axes x2,
        x3) or ``[[1, 1, 1]]`` (the diagonal). Each generates a closed circle subgroup.

    Invariant modes: ``k · v_r = 0`` for all r (a mask); ``d_eff = d − rank(V)``.
    """

    name = "translations"

    def __init__(self, d: int, directions: ArrayLike) -> None:
        self.d = int(d)
        v = np.atleast_2d(np.asarray(directions))
        if v.shape[1] != self.d or not np.array_equal(v, np.round(v)):
            raise ValueError("directions must be integer vectors of length d")
        self.directions = v.astype(np.int64)
        self.order = None
        self.orbit_dim = int(np.linalg.matrix_rank(self.directions))

    @classmethod
    def axes(cls, d: int, axes: list[int]) -> Translations:
        """Translations along the coordinate axes ``axes`` (0-based)."""
        return cls(d, np.eye(d, dtype=np.int64)[axes])

    @classmethod
    def diagonal(cls, d: int) -> Translations:
        """Translations along ``(1, …, 1)``."""
        return cls(d, np.ones((1, d), dtype=np.int64))

    def translate(self, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
        """``x + Σ_r t_r v_r`` modulo 1 for amounts ``t`` ``(r,)``; shape ``(n, d)``."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return np.mod(x + np.asarray(t, dtype=np.float64) @ self.directions, 1.0)

    def quadrature_size(self, kernel: TorusKernel) -> int:
        """Shifts per direction, ``N = k_max max_r Σ_i |v_ri| + 1``, that make averaging exact."""
        return int(kernel.k_max * np.abs(self.directions).sum(axis=1).max() + 1)

    def act(self, x: ArrayLike, n_per_direction: int = 8) -> NDArray[np.float64]:
        """Images under the finite subgroup of ``N`` equally spaced shifts per direction.

        Returns shape ``(N^r, n, d)``. Averaging over it is exact for modes with
        ``|k·v_r| < N``.
        """
        grid = np.arange(n_per_direction) / n_per_direction
        ts = np.array(list(itertools.product(grid, repeat=len(self.directions))))
        return np.stack([self.translate(x, t) for t in ts])

    def _images(self, x: ArrayLike, kernel: TorusKernel) -> NDArray[np.float64]:
        return self.act(x, self.quadrature_size(kernel))

    def invariant_mask(self, kernel: TorusKernel) -> NDArray[np.bool_]:
        """True for the plain columns with ``k·v_r = 0`` for all r, shape ``(n_features,)``."""
        return np.all(kernel.freqs[kernel.col_freq] @ self.directions.T == 0, axis=1)

    def invariant_basis(self, kernel: TorusKernel) -> InvariantBasis:
        return InvariantBasis.from_mask(kernel, self.invariant_mask(kernel))


class _SignedPermutationGroup(TorusGroup):
    """A finite group of signed permutation matrices ``A_g`` acting by ``x ↦ A_g x`` mod 1."""

    matrices: NDArray[np.int64]

    def act(self, x: ArrayLike) -> NDArray[np.float64]:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return np.mod(np.einsum("gij,nj->gni", self.matrices, x), 1.0)

    def invariant_basis(self, kernel: TorusKernel) -> InvariantBasis:
        """Orbit averages: one real function per orbit ``O = −O``, two per pair ``{O, −O}``.

        With ``|O|`` the orbit size, ``ψ = |O|^(−1/2) Σ_{k∈O} cos(2π k·x)`` for ``O = −O``,
        else ``√(2/|O|) Σ_{k∈O} cos(2π k·x)`` and ``√(2/|O|) Σ_{k∈O} sin(2π k·x)``; all
        orthonormal, with eigenvalue ``μ_k`` (constant on orbits).
        """
        box = frequency_box(kernel.d, kernel.k_max)
        flat = kernel.box_index
        images = np.einsum("gij,fi->gfj", self.matrices, box)  # A_gᵀ k
        keys_all = np.stack([flat(im) for im in images])  # (|G|, F)
        key = keys_all.min(axis=0)
        neg_key = key[flat(-box)]
        mu_box = kernel.mu[kernel.box_columns()[0]]
        if not np.allclose(mu_box[keys_all], mu_box[None], rtol=1e-13, atol=0):
            raise ValueError("the kernel is not invariant under the group")
        cos_col, sin_col, sign = kernel.box_columns()
        orbit_ids, orbit_of, orbit_size = np.unique(key, return_inverse=True, return_counts=True)
        size = orbit_size[orbit_of].astype(np.float64)
        self_conj = neg_key == key
        primary = key < neg_key  # the member orbit of each pair {O, −O} that gets the rows
        rows_c = np.full(len(orbit_ids), -1)
        rows_s = np.full(len(orbit_ids), -1)
        orbit_self = np.zeros(len(orbit_ids), bool)
        orbit_self[orbit_of] = self_conj
        orbit_primary = np.zeros(len(orbit_ids), bool)
        orbit_primary[orbit_of] = primary
        orbit_knorm2 = np.zeros(len(orbit_ids))
        orbit_knorm2[orbit_of] = (box**2).sum(axis=1)
        has_cos = orbit_self | orbit_primary
        order = np.lexsort((orbit_ids, orbit_knorm2))
        next_row = 0
        for o in order:
            if has_cos[o]:
                rows_c[o] = next_row
                next_row += 1
                if orbit_primary[o]:
                    rows_s[o] = next_row
                    next_row += 1
        entries_r, entries_c, entries_v = [], [], []
        sel = self_conj  # O = −O: one cosine row
        scale = np.where(cos_col == 0, 1.0, 1.0 / math.sqrt(2.0))
        entries_r.append(rows_c[orbit_of[sel]])
        entries_c.append(cos_col[sel])
        entries_v.append(scale[sel] / np.sqrt(size[sel]))
        sel = primary  # the pair {O, −O}: a cosine and a sine row
        entries_r += [rows_c[orbit_of[sel]], rows_s[orbit_of[sel]]]
        entries_c += [cos_col[sel], sin_col[sel]]
        entries_v += [1.0 / np.sqrt(size[sel]), sign[sel] / np.sqrt(size[sel])]
        coef = sp.coo_matrix(
            (np.concatenate(entries_v), (np.concatenate(entries_r), np.concatenate(entries_c))),
            shape=(next_row, kernel.n_features),
        ).tocsr()
        coef.sum_duplicates()
        row_orbit = np.empty(next_row, dtype=np.int64)
        row_orbit[rows_c[has_cos]] = np.flatnonzero(has_cos)
        row_orbit[rows_s[orbit_primary]] = np.flatnonzero(orbit_primary)
        knorm2 = orbit_knorm2[row_orbit]
        mu = sobolev_eigenvalues(knorm2, kernel.t, kernel.c)
        return InvariantBasis(kernel, coef, mu, knorm2)


class Permutations(_SignedPermutationGroup):
    """Coordinate permutations ``x ↦ (x_π(1), …, x_π(d))``, ``|G| = d!`` (with fixed points)."""

    name = "permutations"

    def __init__(self, d: int) -> None:
        self.d = int(d)
        perms = list(itertools.permutations(range(self.d)))
        self.order = len(perms)
        self.matrices = np.stack([np.eye(self.d, dtype=np.int64)[list(p)] for p in perms])


class SignFlips(_SignedPermutationGroup):
    """Sign flips ``x_i ↦ −x_i`` of any subset of coordinates, ``|G| = 2^d`` (fixed points)."""

    name = "sign_flips"

    def __init__(self, d: int) -> None:
        self.d = int(d)
        signs = np.array(list(itertools.product((1, -1), repeat=self.d)), dtype=np.int64)
        self.order = len(signs)
        self.matrices = np.stack([np.diag(s) for s in signs])


def make_group(name: str, d: int) -> TorusGroup:
    """A group by name: ``half_shifts``, ``permutations``, ``sign_flips``, ``translations_23``
    (translations of the last ``d − 1`` axes) or ``diagonal`` (translations along (1, …, 1)).
    """
    if name == "half_shifts":
        return HalfShifts(d)
    if name == "permutations":
        return Permutations(d)
    if name == "sign_flips":
        return SignFlips(d)
    if name == "translations_23":
        return Translations.axes(d, list(range(1, d)))
    if name == "diagonal":
        return Translations.diagonal(d)
    raise ValueError(f"unknown group '{name}'")


# ---------------------------------------------------------------- the sphere S² and z rotations


def uniform_sphere(n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """``n`` uniform unit vectors on S², shape ``(n, 3)``."""
    v = rng.standard_normal((n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def legendre_table(z: ArrayLike, l_max: int) -> NDArray[np.float64]:
    """Legendre polynomials ``P_ℓ(z)`` for ``ℓ = 0…l_max``, shape ``(*z.shape, l_max + 1)``."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty((*z.shape, l_max + 1))
    out[..., 0] = 1.0
    if l_max >= 1:
        out[..., 1] = z
    for ell in range(1, l_max):
        out[..., ell + 1] = ((2 * ell + 1) * z * out[..., ell] - ell * out[..., ell - 1]) / (
            ell + 1
        )
    return out


class SphereZonalKernel:
    """Zonal kernel ``K(x, y) = Σ_ℓ μ_ℓ (2ℓ + 1) P_ℓ(x·y)`` on S², ``μ_ℓ = (c + ℓ(ℓ+1))^(−t)``.

    With the uniform probability measure the degree-ℓ spherical harmonics are eigenfunctions
    with eigenvalue μ_ℓ (multiplicity 2ℓ + 1). The sum is truncated at ``l_max``; the dropped
    part is at most ``Σ_{ℓ > l_max} (2ℓ+1) μ_ℓ ≤ (l_max)^(2−2t)/(t−1)`` (≈ 2.4e-4 for t = 2,
    l_max = 64), a bound on the sup-norm error.
    """

    def __init__(self, t: float = DEFAULT_T, c: float = DEFAULT_C, l_max: int = 64) -> None:
        self.t = float(t)
        self.c = float(c)
        self.l_max = int(l_max)
        ell = np.arange(self.l_max + 1)
        self.mu = (self.c + ell * (ell + 1.0)) ** (-self.t)
        self.weights = self.mu * (2 * ell + 1)

    def gram(self, x: ArrayLike, y: ArrayLike | None = None) -> NDArray[np.float64]:
        """``K(x_i, y_j)`` for unit vectors ``x`` ``(n_x, 3)``, ``y`` ``(n_y, 3)``."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        y = x if y is None else np.atleast_2d(np.asarray(y, dtype=np.float64))
        cosang = np.clip(x @ y.T, -1.0, 1.0)
        return legendre_table(cosang, self.l_max) @ self.weights


class ZRotations:
    """Rotations of S² about the z axis (SO(2)): ``d_eff = 1``.

    The average of a zonal kernel over the group keeps the m = 0 harmonics only:
    ``K_G(x, y) = Σ_ℓ μ_ℓ (2ℓ + 1) P_ℓ(z_x) P_ℓ(z_y)`` (closed form, from the addition theorem).
    The average over ``N`` equally spaced angles is exact for harmonics with ``|m| < N``; its
    error is at most ``Σ_{ℓ ≥ N} (2ℓ + 1) μ_ℓ`` (zero for ``N > l_max``).
    """

    d = 2
    orbit_dim = 1
    order = None
    name = "z_rotations"

    @property
    def d_eff(self) -> int:
        """Dimension of ``S² / SO(2)``: 1."""
        return self.d - self.orbit_dim

    @staticmethod
    def rotate(x: ArrayLike, angle: float) -> NDArray[np.float64]:
        """Rotate unit vectors ``x`` ``(n, 3)`` by ``angle`` (radians) about z."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        ca, sa = math.cos(angle), math.sin(angle)
        rot = np.array([[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]])
        return x @ rot.T

    def act(self, x: ArrayLike, n_angles: int) -> NDArray[np.float64]:
        """Images under ``n_angles`` equally spaced rotations, shape ``(n_angles, n, 3)``."""
        return np.stack([self.rotate(x, 2 * np.pi * j / n_angles) for j in range(n_angles)])

    def averaged_gram(
        self,
        kernel: SphereZonalKernel,
        x: ArrayLike,
        y: ArrayLike | None = None,
        n_angles: int | None = None,
    ) -> NDArray[np.float64]:
        """``K_G(x_i, y_j)``: closed form (``n_angles=None``) or quadrature over ``n_angles``."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        y = x if y is None else np.atleast_2d(np.asarray(y, dtype=np.float64))
        if n_angles is None:
            px = legendre_table(x[:, 2], kernel.l_max)
            py = legendre_table(y[:, 2], kernel.l_max)
            return (px * kernel.weights) @ py.T
        return np.mean([kernel.gram(gx, y) for gx in self.act(x, n_angles)], axis=0)

    @staticmethod
    def quadrature_error_bound(kernel: SphereZonalKernel, n_angles: int) -> float:
        """Sup-norm bound ``Σ_{n_angles ≤ ℓ ≤ l_max} (2ℓ + 1) μ_ℓ`` of the quadrature error."""
        return float(kernel.weights[n_angles:].sum())
