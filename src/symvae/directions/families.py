"""Families of linear maps on feature space: Frobenius-orthonormal matrix bases with names.

A generator is a ``d × d`` matrix ``A`` acting on column vectors of physical features,
``v(x) = A x``, so a sample ``x`` ``(n, d)`` moves along ``x @ A.T``; generators are
dimensionless (they map GeV to GeV). A :class:`LinearFamily` is the space of matrices a
search runs over (:mod:`symvae.directions.algebra`, :mod:`symvae.directions.generators`):
:func:`four_vector_family`, the same ``4 × 4`` block on every four-vector, named in the usual
Lorentz-algebra language (rotations ``J_x, J_y, J_z``, boosts ``K_x, K_y, K_z``, dilation
``D``, ...), or :func:`general_family`, all of ``gl(d)``. :meth:`LinearFamily.describe` prints
a generator in these names, e.g. ``"0.99 J_z + 0.01 K_z"``.

Conventions
-----------
* Every family basis is orthonormal in the Frobenius inner product ``⟨A, B⟩ = tr(Aᵀ B)`` of the
  physical-coordinate matrices, so coefficient vectors and matrices share one geometry and
  a unit coefficient vector is a unit-norm generator.
* ``J_z`` rotates ``p_x`` towards ``p_y`` (``dp_x = -p_y``, ``dp_y = p_x``); ``K_z`` boosts
  along ``+z`` (``dE = p_z``, ``dp_z = E``); the metric is ``η = diag(1, -1, -1, -1)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.errors import DataError

__all__ = [
    "LinearFamily",
    "covariance_rotations",
    "four_vector_family",
    "general_family",
    "lorentz_algebra",
    "resolve_family",
]


def _e(d: int, i: int, j: int) -> NDArray[np.float64]:
    """The ``d × d`` matrix unit ``E_ij`` (1 at row ``i``, column ``j``)."""
    m = np.zeros((d, d))
    m[i, j] = 1.0
    return m


def _unit(m: NDArray[np.float64]) -> NDArray[np.float64]:
    """``m`` scaled to unit Frobenius norm."""
    return m / np.linalg.norm(m)


@dataclass(frozen=True)
class LinearFamily:
    """A linear space of ``d × d`` matrices with a named, Frobenius-orthonormal basis.

    Attributes
    ----------
    name:
        Short description, e.g. ``"gl(2)"`` or ``"I_2 ⊗ gl(4)"``.
    basis:
        ``(k, d, d)`` matrices, orthonormal in ``⟨A, B⟩ = tr(Aᵀ B)`` (dimensionless).
    names:
        ``k`` readable names of the basis elements.
    """

    name: str
    basis: NDArray[np.float64]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        b = np.asarray(self.basis, dtype=np.float64)
        if b.ndim != 3 or b.shape[1] != b.shape[2]:
            raise ValueError(f"family basis must be (k, d, d), got shape {b.shape}")
        names = tuple(self.names)
        if len(names) != b.shape[0] or len(set(names)) != len(names):
            raise ValueError("family needs one distinct name per basis element")
        flat = b.reshape(b.shape[0], -1)
        if not np.allclose(flat @ flat.T, np.eye(b.shape[0]), atol=1e-9):
            raise ValueError("family basis is not orthonormal in the Frobenius inner product")
        object.__setattr__(self, "basis", b)
        object.__setattr__(self, "names", names)

    @property
    def dim(self) -> int:
        """Number ``k`` of basis elements."""
        return len(self.names)

    @property
    def n_features(self) -> int:
        """Size ``d`` of the matrices."""
        return self.basis.shape[1]

    def element(self, name: str) -> NDArray[np.float64]:
        """The basis matrix ``(d, d)`` called ``name`` (unit Frobenius norm)."""
        try:
            return self.basis[self.names.index(name)].copy()
        except ValueError:
            raise KeyError(f"{self.name} has no element '{name}' (known: {self.names})") from None

    def coefficients(self, matrices: ArrayLike) -> NDArray[np.float64]:
        """Frobenius projections ``(..., k)`` of matrices ``(..., d, d)`` on the basis."""
        m = np.asarray(matrices, dtype=np.float64)
        return np.tensordot(m, self.basis, axes=([-2, -1], [1, 2]))

    def describe(self, matrix: ArrayLike, digits: int = 2) -> str:
        """Readable linear combination of named elements, e.g. ``"0.99 J_z + 0.01 K_z"``.

        The matrix is scaled to unit Frobenius norm and its overall sign chosen so that the
        largest coefficient is positive (a generator is defined up to scale), so the squared
        coefficients sum to one. Terms that round to zero at ``digits`` decimals are left
        out; a part outside the family is shown as ``"+ 0.20 (outside)"``.
        """
        a = np.asarray(matrix, dtype=np.float64)
        norm = float(np.linalg.norm(a))
        if norm == 0.0:
            return "0"
        a = a / norm
        c = self.coefficients(a)
        lead = int(np.argmax(np.abs(c))) if c.size else 0
        if c.size and c[lead] < 0:
            c = -c
        outside = math.sqrt(max(0.0, 1.0 - float(c @ c)))
        cut = 0.5 * 10.0**-digits
        terms = [(abs(v), i) for i, v in enumerate(c) if abs(v) >= cut]
        terms.sort(key=lambda t: -t[0])
        text = ""
        for _, i in terms:
            v = c[i]
            if not text:
                text = f"{'-' if v < 0 else ''}{abs(v):.{digits}f} {self.names[i]}"
            else:
                text += f" {'-' if v < 0 else '+'} {abs(v):.{digits}f} {self.names[i]}"
        if outside >= cut:
            text = f"{text} + {outside:.{digits}f} (outside)" if text else "(outside)"
        return text or "0"


def _block_basis_4() -> tuple[list[NDArray[np.float64]], list[str]]:
    """Frobenius-orthonormal basis of ``gl(4)`` on ``(E, p_x, p_y, p_z)`` with physics names.

    so(1,3) (``J_i``, ``K_i``), the dilation ``D``, the Euclidean ``(E, p_i)`` rotations ``R_i``
    (``dE = -p_i``, ``dp_i = E``: they change the mass), the spatial shears ``S_ij`` and the
    traceless diagonal scalings ``Q_E`` (energy against momentum), ``Q_z`` (longitudinal
    against transverse) and ``Q_xy`` (``p_x`` against ``p_y``).
    """
    mats: list[NDArray[np.float64]] = []
    names: list[str] = []
    axes = "xyz"
    # rotations: J_i generates a right-handed rotation about axis i
    for i, (a, b) in enumerate([(2, 3), (3, 1), (1, 2)]):
        mats.append(_unit(_e(4, b, a) - _e(4, a, b)))
        names.append(f"J_{axes[i]}")
    for i in range(3):
        mats.append(_unit(_e(4, 0, i + 1) + _e(4, i + 1, 0)))
        names.append(f"K_{axes[i]}")
    mats.append(_unit(np.eye(4)))
    names.append("D")
    for i in range(3):
        mats.append(_unit(_e(4, i + 1, 0) - _e(4, 0, i + 1)))
        names.append(f"R_{axes[i]}")
    for a, b in [(1, 2), (1, 3), (2, 3)]:
        mats.append(_unit(_e(4, a, b) + _e(4, b, a)))
        names.append(f"S_{axes[a - 1]}{axes[b - 1]}")
    mats.append(_unit(np.diag([3.0, -1.0, -1.0, -1.0])))
    names.append("Q_E")
    mats.append(_unit(np.diag([0.0, -1.0, -1.0, 2.0])))
    names.append("Q_z")
    mats.append(_unit(np.diag([0.0, 1.0, -1.0, 0.0])))
    names.append("Q_xy")
    return mats, names


def four_vector_family(n_particles: int = 1) -> LinearFamily:
    """All maps ``A = I_n ⊗ B``, ``B ∈ gl(4)``: the same ``4 × 4`` block on every four-vector.

    For features that are ``n_particles`` four-vectors ``(E, p_x, p_y, p_z)`` in a row
    (``d = 4 · n_particles``, GeV). The 16 elements are named (see ``names``): rotations
    ``J_x, J_y, J_z``, boosts ``K_x, K_y, K_z``, dilation ``D``, Euclidean ``(E, p_i)``
    rotations ``R_x, R_y, R_z``, shears ``S_xy, S_xz, S_yz`` and traceless scalings
    ``Q_E, Q_z, Q_xy``; each is normalized to unit Frobenius norm as a ``d × d`` matrix.
    """
    if int(n_particles) != n_particles or n_particles < 1:
        raise ValueError(f"n_particles must be a positive integer, got {n_particles}")
    n = int(n_particles)
    mats, names = _block_basis_4()
    basis = np.stack([np.kron(np.eye(n), b) / math.sqrt(n) for b in mats])
    return LinearFamily(name=f"I_{n} ⊗ gl(4)", basis=basis, names=tuple(names))


def lorentz_algebra(n_particles: int = 1) -> NDArray[np.float64]:
    """The six so(1,3) generators ``J_x, J_y, J_z, K_x, K_y, K_z`` as ``(6, d, d)`` matrices.

    Block-diagonal on ``n_particles`` four-vectors, each of unit Frobenius norm.
    """
    fam = four_vector_family(n_particles)
    return np.stack([fam.element(n) for n in ("J_x", "J_y", "J_z", "K_x", "K_y", "K_z")])


def general_family(d: int, feature_names: Sequence[str] | None = None) -> LinearFamily:
    """All of ``gl(d)``: ``d²`` Frobenius-orthonormal matrices with readable names.

    The basis is the plane rotations ``R(a,b)`` (``da = -b``, ``db = a``), the dilation
    ``D``, the symmetric shears ``S(a,b)`` and the traceless diagonal scalings ``Q1 …``
    (Helmert contrasts ``diag(1, …, 1, -k, 0, …)``), with ``a, b`` the feature names
    (default ``x0, x1, …``; for ``d = 2`` the rotation ``R(x0,x1)`` is ``[[0, -1], [1, 0]]/√2``).
    """
    if int(d) != d or d < 1:
        raise ValueError(f"d must be a positive integer, got {d}")
    d = int(d)
    fn = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(d)]
    if len(fn) != d:
        raise ValueError(f"{len(fn)} feature names for d = {d}")
    mats: list[NDArray[np.float64]] = []
    names: list[str] = []
    for a, b in itertools.combinations(range(d), 2):
        mats.append(_unit(_e(d, b, a) - _e(d, a, b)))
        names.append(f"R({fn[a]},{fn[b]})")
    mats.append(_unit(np.eye(d)))
    names.append("D")
    for a, b in itertools.combinations(range(d), 2):
        mats.append(_unit(_e(d, a, b) + _e(d, b, a)))
        names.append(f"S({fn[a]},{fn[b]})")
    for k in range(1, d):
        diag = np.zeros(d)
        diag[:k] = 1.0
        diag[k] = -float(k)
        mats.append(_unit(np.diag(diag)))
        names.append(f"Q{k}")
    return LinearFamily(name=f"gl({d})", basis=np.stack(mats), names=tuple(names))


def covariance_rotations(cov: ArrayLike) -> NDArray[np.float64]:
    """Generators ``Σ^{1/2} R Σ^{-1/2}`` of the linear maps that preserve ``N(0, Σ)``.

    ``R`` runs over the plane rotations of so(d); the result ``(d(d-1)/2, d, d)`` spans
    ``{A : A Σ + Σ Aᵀ = 0}``, the symmetry algebra of a centred Gaussian with covariance
    ``cov`` ``(d, d)`` (for ``d = 2`` the one "squeezed rotation").
    """
    c = np.asarray(cov, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"covariance must be square, got {c.shape}")
    w, v = np.linalg.eigh(c)
    if np.any(w <= 0):
        raise DataError("covariance is not positive definite")
    half = (v * np.sqrt(w)) @ v.T
    half_inv = (v / np.sqrt(w)) @ v.T
    d = c.shape[0]
    out = [
        half @ (_e(d, b, a) - _e(d, a, b)) @ half_inv
        for a, b in itertools.combinations(range(d), 2)
    ]
    return np.stack(out) if out else np.zeros((0, d, d))


def resolve_family(family: LinearFamily | str | None, d: int) -> LinearFamily:
    """``family`` itself, or by name: ``None``/``"gl"`` (:func:`general_family`) or
    ``"four_vectors"`` (:func:`four_vector_family`), checked to act on ``d`` features."""
    if isinstance(family, LinearFamily):
        fam = family
    elif family is None or family == "gl":
        fam = general_family(d)
    elif family == "four_vectors":
        if d % 4:
            raise DataError(f"'four_vectors' family needs a multiple of 4 features, got {d}")
        fam = four_vector_family(d // 4)
    else:
        raise ValueError(f"unknown family {family!r} (use 'gl', 'four_vectors' or a LinearFamily)")
    if fam.n_features != d:
        raise DataError(f"family {fam.name} acts on {fam.n_features} features, data have {d}")
    return fam
