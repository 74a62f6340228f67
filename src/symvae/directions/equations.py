"""Equations in feature names and the polynomials they stand for: parsing and printing.

:func:`parse_constraint` expands an equation such as ``"E_1^2 - px_1^2 - py_1^2 - pz_1^2 =
0.011164"`` into one polynomial ``g = lhs − rhs`` on the exponent table
``monomial_exponents(d, max_degree)``, its coefficients in the units of the features (GeV for
four-momenta). It reads the expression with :mod:`ast` and expands it itself (no ``eval``).
:func:`format_equation` prints a polynomial back in that form. Analytic constraints and
candidate relations of a config and the discovered constraints all pass through here.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from symvae.directions.polynomials import (
    PolynomialSet,
    monomial_degrees,
    monomial_exponents,
    monomial_index,
    monomial_names,
)
from symvae.errors import ConfigError

__all__ = ["as_polynomials", "format_equation", "parse_constraint", "parse_constraints"]


def _format_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, exponents without padding (``1e-7``)."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text


def format_equation(
    coefficients: ArrayLike, exponents: ArrayLike, names: Sequence[str], digits: int = 4
) -> str:
    """A readable equation ``"E_1^2 - px_1^2 - py_1^2 - pz_1^2 = 0.01116"`` of one polynomial.

    Parameters
    ----------
    coefficients:
        ``(m,)`` coefficients of the polynomial (physical units).
    exponents:
        ``(m, d)`` exponents of its monomials.
    names:
        ``d`` feature names.
    digits:
        Significant digits of every printed coefficient.

    Terms are printed by decreasing degree (feature order within a degree), exact zeros are
    left out, a coefficient that rounds to ±1 is not printed, and the constant goes to the
    right-hand side.
    """
    c = np.asarray(coefficients, dtype=np.float64).ravel()
    e = np.asarray(exponents, dtype=np.int64)
    labels = monomial_names(e, names)
    deg = monomial_degrees(e)
    order = sorted(range(len(c)), key=lambda j: (-deg[j], j))
    lhs: list[str] = []
    rhs = 0.0
    for j in order:
        if c[j] == 0.0:
            continue
        if deg[j] == 0:
            rhs -= c[j]
            continue
        mag = _format_number(abs(c[j]), digits)
        term = labels[j] if mag == "1" else f"{mag}*{labels[j]}"
        sign = "-" if c[j] < 0 else "+"
        lhs.append(("-" + term if sign == "-" else term) if not lhs else f"{sign} {term}")
    left = " ".join(lhs) if lhs else "0"
    right = _format_number(rhs, digits) if rhs != 0.0 else "0"
    return f"{left} = {right}"


# ---------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------

_Poly = dict[tuple[int, ...], float]

_FUNCTIONS: dict[str, Callable[[float], float]] = {"sqrt": math.sqrt}


class _Parser:
    """Expands an arithmetic expression in feature names into a polynomial (no eval)."""

    def __init__(self, equation: str, names: Sequence[str], max_degree: int) -> None:
        self.equation = equation
        self.index = {n: i for i, n in enumerate(names)}
        self.names = list(names)
        self.d = len(names)
        self.max_degree = max_degree

    def fail(self, why: str) -> ConfigError:
        return ConfigError(f"constraint {self.equation!r}: {why}")

    def _check(self, p: _Poly) -> _Poly:
        deg = max((sum(e) for e, c in p.items() if c != 0.0), default=0)
        if deg > self.max_degree:
            raise self.fail(f"degree {deg} exceeds the supported maximum {self.max_degree}")
        return p

    def const(self, value: float) -> _Poly:
        return {(0,) * self.d: float(value)}

    @staticmethod
    def add(a: _Poly, b: _Poly, sign: float = 1.0) -> _Poly:
        out = dict(a)
        for e, c in b.items():
            out[e] = out.get(e, 0.0) + sign * c
        return out

    def mul(self, a: _Poly, b: _Poly) -> _Poly:
        out: _Poly = {}
        for ea, ca in a.items():
            for eb, cb in b.items():
                e = tuple(i + j for i, j in zip(ea, eb, strict=True))
                out[e] = out.get(e, 0.0) + ca * cb
        return self._check(out)

    def constant_of(self, p: _Poly, what: str) -> float:
        zero = (0,) * self.d
        if any(c != 0.0 for e, c in p.items() if e != zero):
            raise self.fail(f"{what} must be a number, not an expression in features")
        return p.get(zero, 0.0)

    def visit(self, node: ast.AST) -> _Poly:
        if isinstance(node, ast.Expression):
            return self.visit(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.fail(f"unsupported constant {node.value!r}")
            return self.const(node.value)
        if isinstance(node, ast.Name):
            if node.id not in self.index:
                raise self.fail(
                    f"unknown feature name {node.id!r} (features: {', '.join(self.names)})"
                )
            e = [0] * self.d
            e[self.index[node.id]] = 1
            return self._check({tuple(e): 1.0})
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            p = self.visit(node.operand)
            return {e: -c for e, c in p.items()} if isinstance(node.op, ast.USub) else p
        if isinstance(node, ast.BinOp):
            a = self.visit(node.left)
            if isinstance(node.op, ast.Pow):
                power = self.constant_of(self.visit(node.right), "an exponent")
                if power != int(power) or power < 0:
                    raise self.fail(f"exponent {power:g} is not a non-negative integer")
                if self._is_const(a):
                    return self.const(self.constant_of(a, "a base") ** power)
                if power > self.max_degree:
                    raise self.fail(
                        f"degree {int(power)} power exceeds the supported maximum {self.max_degree}"
                    )
                out = self.const(1.0)
                for _ in range(int(power)):
                    out = self.mul(out, a)
                return out
            b = self.visit(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                return self.add(a, b, 1.0 if isinstance(node.op, ast.Add) else -1.0)
            if isinstance(node.op, ast.Mult):
                return self.mul(a, b)
            if isinstance(node.op, ast.Div):
                den = self.constant_of(b, "a divisor")
                if den == 0.0:
                    raise self.fail("division by zero")
                return {e: c / den for e, c in a.items()}
            raise self.fail(f"unsupported operator {type(node.op).__name__}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn = _FUNCTIONS.get(node.func.id)
            if fn is None or len(node.args) != 1 or node.keywords:
                raise self.fail(f"unsupported function {node.func.id!r} (only sqrt of a number)")
            arg = self.constant_of(self.visit(node.args[0]), f"the argument of {node.func.id}")
            try:
                return self.const(fn(arg))
            except ValueError as exc:
                raise self.fail(f"{node.func.id}({arg:g}): {exc}") from None
        raise self.fail(f"unsupported syntax {type(node).__name__}")

    def _is_const(self, p: _Poly) -> bool:
        zero = (0,) * self.d
        return all(c == 0.0 for e, c in p.items() if e != zero)

    def parse(self, text: str) -> _Poly:
        try:
            tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
        except SyntaxError as exc:
            raise self.fail(f"cannot parse {text.strip()!r}: {exc.msg}") from None
        return self.visit(tree)


def parse_constraint(equation: str, names: Sequence[str], max_degree: int = 2) -> PolynomialSet:
    """One equation in feature names as a polynomial ``g = lhs − rhs``.

    Parameters
    ----------
    equation:
        ``"lhs = rhs"`` with numbers, feature names, ``+ - * /``, parentheses, powers
        written ``^`` or ``**`` (non-negative integer exponents) and ``sqrt`` of numbers,
        e.g. ``"(E_1 + E_2)^2 - (px_1 + px_2)^2 - (py_1 + py_2)^2 - (pz_1 + pz_2)^2 =
        91.1876^2"``. Division only by numbers.
    names:
        The ``d`` feature names, in column order.
    max_degree:
        Largest degree allowed (any intermediate term of higher degree is an error).

    Returns
    -------
    PolynomialSet
        One polynomial on the exponent table ``monomial_exponents(d, max_degree)``, in the
        units of the features.

    Raises
    ------
    ConfigError
        Naming the equation and the problem: not exactly one ``=``, a syntax error, an
        unknown feature name, a degree above ``max_degree``, or an equation without features.
    """
    text = str(equation).replace("==", "=")
    parts = text.split("=")
    parser = _Parser(str(equation), names, max_degree)
    if len(parts) != 2:
        raise parser.fail("an equation needs exactly one '='")
    g = parser.add(parser.parse(parts[0]), parser.parse(parts[1]), -1.0)
    exps = monomial_exponents(len(names), max_degree)
    index = monomial_index(exps)
    coef = np.zeros(exps.shape[0])
    for e, c in g.items():
        coef[index[e]] += c
    if not np.any(coef[1:] != 0.0):
        raise parser.fail("no feature is left after expanding (the equation is trivial)")
    return PolynomialSet(exps, coef[None, :])


def parse_constraints(
    equations: Sequence[str], names: Sequence[str], max_degree: int = 2
) -> PolynomialSet:
    """Several equations (see :func:`parse_constraint`) as one :class:`PolynomialSet`."""
    if isinstance(equations, str):
        equations = [equations]
    exps = monomial_exponents(len(names), max_degree)
    rows = [parse_constraint(eq, names, max_degree).coefficients for eq in equations]
    return PolynomialSet(exps, np.vstack(rows) if rows else np.zeros((0, exps.shape[0])))


def as_polynomials(
    polynomials: PolynomialSet | Sequence[str], names: Sequence[str], max_degree: int = 2
) -> PolynomialSet:
    """``polynomials`` as they are, or equations in ``names`` parsed by :func:`parse_constraints`."""
    if isinstance(polynomials, PolynomialSet):
        return polynomials
    return parse_constraints(list(polynomials), names, max_degree)
