"""Polynomials in the features: the monomial library, evaluation and gradients.

A set of ``k`` polynomials in ``d`` variables of degree at most ``D`` is stored as one shared
exponent table ``(m, d)`` (one row per monomial, graded: constant, degree 1, degree 2, ...)
and a coefficient matrix ``(k, m)``. Constraints found in data, analytic constraints from a
config and test functions of the distribution tests all use this one representation, so
their spans can be compared directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["PolynomialSet", "monomial_exponents", "monomial_library", "monomial_names"]


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
