"""Function-preserving symmetries: the linear generators that leave a scalar function unchanged.

The distribution-preserving finder (:mod:`symvae.directions.generators`) asks which flows
``exp(tA)`` leave the *sample* unchanged; this module asks, as LieGAN and LieNLSD do on top
jets, which leave a *function* ``f`` of the event unchanged (a jet's invariant mass, a
classifier's output). ``f`` is invariant under the flow of ``A`` when its derivative along
the flow vanishes at every event:

    ∇f(x) · (A x) = 0   for every x,

which is linear in ``A``. Over a family of matrices ``A = Σ_j c_j B_j``
(:mod:`symvae.directions.families`) each event gives one linear equation in ``c``:
``M[i, j] = ∇f(x_i) · (B_j x_i)``. The function's symmetry algebra within the family is the
null space of ``M`` (its rows scaled to unit norm so that no event dominates by the size of
its momenta); the singular values of ``M`` show the gap that separates it, so exact and
approximate invariances (a trained classifier) read from one spectrum.

Units: ``x`` in GeV, ``f`` in any unit; generators are dimensionless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.directions.families import LinearFamily
from symvae.directions.subspaces import grassmann_distance, null_space

__all__ = [
    "FunctionSymmetry",
    "function_symmetries",
    "gradient",
    "invariance_rows",
    "span_distance",
]

#: a function of events ``(n, d)`` → values ``(n,)``, written with array operators so that it
#: accepts numpy arrays and torch tensors alike
ScalarFunction = Callable[[object], object]


def gradient(f: ScalarFunction, x: ArrayLike, batch_size: int = 65536) -> NDArray[np.float64]:
    """``∇f`` at every event: ``(n, d)`` from ``x`` ``(n, d)``, by automatic differentiation
    (torch, float64). ``f`` maps a tensor ``(m, d)`` to ``(m,)``; a torch module works too."""
    import torch

    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for start in range(0, len(x), batch_size):
        xt = torch.tensor(x[start : start + batch_size], requires_grad=True)
        values = f(xt)
        if not isinstance(values, torch.Tensor) or values.shape != xt.shape[:1]:
            raise ValueError("f must map a tensor (m, d) to a tensor (m,)")
        (grad,) = torch.autograd.grad(values.sum(), xt)
        out[start : start + batch_size] = grad.detach().numpy()
    return out


def invariance_rows(
    grad: ArrayLike, x: ArrayLike, family: LinearFamily, normalize: bool = True
) -> NDArray[np.float64]:
    """The linear conditions ``M`` ``(n, k)``: ``M[i, j] = ∇f(x_i) · (B_j x_i)``.

    With ``normalize`` every row is scaled to unit norm (rows that vanish, events where
    ``∇f = 0`` or ``x = 0``, are dropped): the null space is unchanged for an exact
    invariance, and no event outweighs another by its energy.
    """
    g = np.asarray(grad, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if g.shape != x.shape or x.ndim != 2 or x.shape[1] != family.n_features:
        raise ValueError(
            f"gradient {g.shape} and events {x.shape} must both be (n, {family.n_features})"
        )
    # (B_j x_i)_a = Σ_b B[j, a, b] x[i, b];  M[i, j] = Σ_a g[i, a] (B_j x_i)_a
    m = np.einsum("ia,jab,ib->ij", g, family.basis, x, optimize=True)
    if not normalize:
        return m
    norms = np.linalg.norm(m, axis=1)
    keep = norms > 1e-300
    return m[keep] / norms[keep, None]


@dataclass(frozen=True)
class FunctionSymmetry:
    """The generators within a family that leave a function unchanged.

    Attributes
    ----------
    family:
        The family searched (``k`` elements of size ``d × d``).
    singular_values:
        ``(k,)`` singular values of the normalized conditions ``M / √n``, ascending: the
        RMS violation ``√⟨(∇f·Ax / |∇f·B x|)²⟩`` of the unit generator along each right
        singular vector (0 for an exact symmetry).
    coefficients:
        ``(k, k)`` the right singular vectors in the same order, as columns (family
        coefficients).
    dimension:
        Number of generators counted as symmetries (singular value ≤ ``rtol``, or given).
    rtol:
        The threshold used (``nan`` when the dimension was given).
    """

    family: LinearFamily
    singular_values: NDArray[np.float64]
    coefficients: NDArray[np.float64]
    dimension: int
    rtol: float

    @property
    def generators(self) -> NDArray[np.float64]:
        """``(dimension, d, d)`` unit-norm, Frobenius-orthonormal generators, the most
        exactly preserved first."""
        return self.best(self.dimension)

    def best(self, k: int) -> NDArray[np.float64]:
        """The ``k`` best-preserved directions ``(k, d, d)`` (smallest singular values),
        whatever the counted dimension."""
        return np.einsum("kr,kab->rab", self.coefficients[:, :k], self.family.basis)

    @property
    def gap_dimension(self) -> int:
        """The dimension at the widest gap of the spectrum (largest ratio of neighbouring
        singular values): the reading for approximate invariances, with no threshold."""
        s = np.maximum(self.singular_values, 1e-300)
        if len(s) < 2:
            return 0
        ratios = s[1:] / s[:-1]
        return int(np.argmax(ratios)) + 1

    def describe(self, digits: int = 2) -> list[str]:
        """Each generator in the family's names, e.g. ``"0.71 J_z + 0.71 K_z"``."""
        return [self.family.describe(a, digits) for a in self.generators]

    def distance_to(self, algebra: ArrayLike) -> float:
        """Grassmann distance (radians) from the found algebra to the span of ``algebra``
        ``(m, d, d)`` (see :func:`span_distance`)."""
        return span_distance(self.generators, algebra)


def function_symmetries(
    x: ArrayLike,
    family: LinearFamily,
    f: ScalarFunction | None = None,
    grad: ArrayLike | None = None,
    rtol: float | None = 1e-6,
    dim: int | None = None,
) -> FunctionSymmetry:
    """The linear generators of ``family`` that leave ``f`` unchanged on the events ``x``.

    Parameters
    ----------
    x:
        ``(n, d)`` events (GeV), ``n`` well above the family size ``k``.
    family:
        The matrices searched, e.g. :func:`~symvae.directions.families.four_vector_family`.
    f, grad:
        The function (differentiated by :func:`gradient`) or its gradient ``(n, d)``.
    rtol:
        Singular values of ``M/√n`` at most ``rtol`` count as symmetries (default 1e-6, for
        functions known to float precision); ``dim`` gives the dimension instead.
    """
    x = np.asarray(x, dtype=np.float64)
    if (f is None) == (grad is None):
        raise ValueError("give exactly one of f and grad")
    g = gradient(f, x) if grad is None else np.asarray(grad, dtype=np.float64)
    m = invariance_rows(g, x, family)
    if m.shape[0] < family.dim:
        raise ValueError(
            f"{m.shape[0]} usable events for a family of {family.dim} generators: need more"
        )
    m = m / np.sqrt(m.shape[0])
    vectors, singular = null_space(m, dim=family.dim)  # every right singular vector, ascending
    if dim is not None:
        if not 0 <= dim <= family.dim:
            raise ValueError(f"dim {dim} outside 0..{family.dim}")
        n_sym, used = int(dim), float("nan")
    elif rtol is not None:
        n_sym, used = int(np.sum(singular <= rtol)), float(rtol)
    else:
        raise ValueError("give rtol or dim")
    return FunctionSymmetry(
        family=family, singular_values=singular, coefficients=vectors, dimension=n_sym, rtol=used
    )


def span_distance(a: ArrayLike, b: ArrayLike) -> float:
    """Grassmann distance (radians, ``‖θ‖₂`` of the principal angles) between the spans of
    two sets of ``d × d`` matrices ``(k, d, d)`` and ``(m, d, d)``, in the Frobenius
    geometry; over ``min(k, m)`` angles when the dimensions differ (compare the dimensions
    separately). 0 for the same algebra in any basis."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return grassmann_distance(a.reshape(len(a), -1).T, b.reshape(len(b), -1).T)
