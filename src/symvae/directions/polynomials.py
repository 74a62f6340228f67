"""Polynomials in the features: the monomial library, evaluation, gradients and residuals.

A set of ``k`` polynomials in ``d`` variables of degree at most ``D`` is stored as one shared
exponent table ``(m, d)`` (one row per monomial, graded: constant, degree 1, degree 2, ...)
and a coefficient matrix ``(k, m)``. Constraints found in data, analytic constraints from a
config and test functions of the distribution tests all use this one representation, so
their spans can be compared directly (:func:`to_table` moves a set onto another table).

Relative residual
-----------------
A polynomial ``g = Σ_j c_j φ_j`` (monomials ``φ_j``) is scored on ``n`` points by

    r(g) = RMS_n g(x) / RMS_n ‖(c_j φ_j(x))_j‖,

the RMS of ``g`` over the RMS of the Euclidean norm of its terms: how far the terms
cancel (:func:`relative_residual`). It is dimensionless, invariant under a change of units of
any feature and under rescaling ``g``; it is 0 for an exact relation, of order 1 for a
generic polynomial, and for features rounded to float32 an exact relation sits at the
rounding level ``≲ 1e-7`` however large the cancelling terms are (``E² − p_z²`` of a 5 TeV
muon).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PolynomialSet",
    "monomial_degrees",
    "monomial_exponents",
    "monomial_index",
    "monomial_library",
    "monomial_names",
    "on_table",
    "relative_residual",
    "to_table",
]


def monomial_exponents(d: int, degree: int) -> NDArray[np.int64]:
    """Exponents ``(m, d)`` of every monomial of total degree ``0..degree`` in ``d`` variables.

    Graded order: the constant first, then degree 1 in variable order, then degree 2 as
    ``x0², x0 x1, …, x1², …`` (lexicographic within a degree), and so on.
    ``m = C(d + degree, degree)``.
    """
    if d < 1 or degree < 0:
        raise ValueError(f"need d >= 1 and degree >= 0, got d={d}, degree={degree}")
    rows: list[NDArray[np.int64]] = []
    for deg in range(degree + 1):
        for combo in itertools.combinations_with_replacement(range(d), deg):
            row = np.zeros(d, dtype=np.int64)
            for i in combo:
                row[i] += 1
            rows.append(row)
    return np.asarray(rows, dtype=np.int64)


def monomial_library(x: ArrayLike, exponents: ArrayLike) -> NDArray[np.float64]:
    """Every monomial evaluated at every point: ``(n, m)`` for points ``x`` ``(n, d)``."""
    x = np.asarray(x, dtype=np.float64)
    e = np.asarray(exponents, dtype=np.int64)
    if x.ndim != 2 or e.ndim != 2 or x.shape[1] != e.shape[1]:
        raise ValueError(f"points {x.shape} and exponents {e.shape} do not match")
    out = np.ones((x.shape[0], e.shape[0]))
    for j in range(e.shape[1]):
        powers = e[:, j]
        for p in np.unique(powers[powers > 0]):
            out[:, powers == p] *= (x[:, j] ** p)[:, None]
    return out


def monomial_names(exponents: ArrayLike, names: Sequence[str]) -> list[str]:
    """Readable monomials, e.g. ``"1"``, ``"E_1"``, ``"px_1^2"``, ``"E_1*E_2"``."""
    e = np.asarray(exponents, dtype=np.int64)
    out = []
    for row in e:
        parts = [n if p == 1 else f"{n}^{p}" for n, p in zip(names, row, strict=True) if p]
        out.append("*".join(parts) if parts else "1")
    return out


def monomial_degrees(exponents: NDArray[np.int64]) -> NDArray[np.int64]:
    """Total degree ``(m,)`` of every monomial of an exponent table ``(m, d)``."""
    return exponents.sum(axis=1)


def monomial_index(exponents: NDArray[np.int64]) -> dict[tuple[int, ...], int]:
    """Row of every monomial of an exponent table ``(m, d)``, keyed by its exponents."""
    return {tuple(row): j for j, row in enumerate(exponents.tolist())}


@dataclass(frozen=True)
class PolynomialSet:
    """``k`` polynomials ``g_a(x) = Σ_j coefficients[a, j] · x^exponents[j]``.

    Attributes
    ----------
    exponents:
        ``(m, d)`` integer exponents of the monomials (see :func:`monomial_exponents`).
    coefficients:
        ``(k, m)`` coefficients, in the physical units of the features (a coefficient of a
        monomial of degree ``p`` carries units of ``[g] / [x]^p``).
    """

    exponents: NDArray[np.int64]
    coefficients: NDArray[np.float64]

    def __post_init__(self) -> None:
        e = np.asarray(self.exponents, dtype=np.int64)
        c = np.atleast_2d(np.asarray(self.coefficients, dtype=np.float64))
        if e.ndim != 2 or c.shape[1] != e.shape[0]:
            raise ValueError(f"coefficients {c.shape} do not match exponents {e.shape}")
        object.__setattr__(self, "exponents", e)
        object.__setattr__(self, "coefficients", c)

    @property
    def n_polynomials(self) -> int:
        """Number ``k`` of polynomials."""
        return self.coefficients.shape[0]

    @property
    def n_variables(self) -> int:
        """Number ``d`` of variables."""
        return self.exponents.shape[1]

    def evaluate(self, x: ArrayLike) -> NDArray[np.float64]:
        """Values ``(n, k)`` at points ``x`` ``(n, d)``."""
        return monomial_library(x, self.exponents) @ self.coefficients.T

    def gradient(self, x: ArrayLike) -> NDArray[np.float64]:
        """Gradients ``(n, k, d)``: ``∂g_a/∂x_i`` at every point."""
        x = np.asarray(x, dtype=np.float64)
        n, d = x.shape
        out = np.empty((n, self.n_polynomials, d))
        for i in range(d):
            e = self.exponents.copy()
            factor = e[:, i].astype(np.float64)
            e[:, i] = np.maximum(e[:, i] - 1, 0)
            out[:, :, i] = monomial_library(x, e) @ (self.coefficients * factor).T
        return out


def on_table(
    poly: PolynomialSet, exponents: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Coefficients ``(k, m)`` of ``poly`` on the exponent table ``exponents`` ``(m, d)``.

    Returns them with the mask ``(m_poly,)`` of the monomials of ``poly`` that are not on the
    table (their coefficients are left out).
    """
    index = monomial_index(exponents)
    out = np.zeros((poly.n_polynomials, exponents.shape[0]))
    outside = np.zeros(poly.exponents.shape[0], dtype=bool)
    for j, row in enumerate(poly.exponents.tolist()):
        if tuple(row) in index:
            out[:, index[tuple(row)]] += poly.coefficients[:, j]
        else:
            outside[j] = True
    return out, outside


def to_table(poly: PolynomialSet, exponents: NDArray[np.int64], what: str) -> NDArray[np.float64]:
    """Coefficients ``(k, m)`` of ``poly`` re-expressed on the exponent table ``exponents``.

    Raises ``ValueError`` (naming ``what``) for another number of variables or for a nonzero
    term whose monomial is not on the table.
    """
    if poly.n_variables != exponents.shape[1]:
        raise ValueError(
            f"{what}: polynomials in {poly.n_variables} variables, expected {exponents.shape[1]}"
        )
    out, outside = on_table(poly, exponents)
    lost = outside & np.any(poly.coefficients != 0.0, axis=0)
    if lost.any():
        row = poly.exponents[int(np.argmax(lost))].tolist()
        top = int(monomial_degrees(exponents).max()) if exponents.size else 0
        raise ValueError(f"{what}: monomial {row} lies outside the degree-{top} table")
    return out


def relative_residual(polynomials: PolynomialSet, x: ArrayLike) -> NDArray[np.float64]:
    """Relative residual of every polynomial on the points ``x``.

    Parameters
    ----------
    polynomials:
        ``k`` polynomials in ``d`` variables, coefficients in physical units.
    x:
        ``(n, d)`` points in physical units.

    Returns
    -------
    ``(k,)`` values ``RMS_n g(x) / RMS_n ‖(c_j φ_j(x))_j‖`` (dimensionless; 0 for an exact
    relation, including a polynomial whose terms all vanish on the points).
    """
    lib = monomial_library(x, polynomials.exponents)
    g = lib @ polynomials.coefficients.T
    terms = np.mean(lib**2, axis=0) @ (polynomials.coefficients.T**2)
    num = np.mean(g**2, axis=0)
    return np.sqrt(np.divide(num, terms, out=np.zeros_like(num), where=terms > 0))
