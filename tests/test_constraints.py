"""Discovery of polynomial constraints g(x) = 0 on hand-built data with a known answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symvae.directions.constraints import DEFAULT_TOLERANCE, find_constraints
from symvae.directions.equations import format_equation, parse_constraint, parse_constraints
from symvae.directions.polynomials import PolynomialSet, monomial_exponents, relative_residual
from symvae.directions.scoring import close_constraints, score_candidates, score_constraints
from symvae.errors import ConfigError, DataError
from symvae.events.rambo import rambo_momenta


def _names(n_particles: int) -> list[str]:
    return [f"{c}_{i}" for i in range(1, n_particles + 1) for c in ("E", "px", "py", "pz")]


def _shells(masses: list[float]) -> list[str]:
    return [
        f"E_{i}^2 - px_{i}^2 - py_{i}^2 - pz_{i}^2 = {m}^2" for i, m in enumerate(masses, start=1)
    ]


def _directions(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _two_body(n: int, sqrt_s: float, m1: float, m2: float, seed: int = 0) -> np.ndarray:
    """Two-body final states at rest: features (E, px, py, pz) of both products, in GeV."""
    e1 = (sqrt_s**2 + m1**2 - m2**2) / (2 * sqrt_s)
    p = math.sqrt(e1**2 - m1**2)
    u = _directions(n, np.random.default_rng(seed))
    out = np.empty((n, 8))
    out[:, 0] = e1
    out[:, 1:4] = p * u
    out[:, 4] = sqrt_s - e1
    out[:, 5:8] = -p * u
    return out


def _coef(poly: PolynomialSet, row: int, monomial: tuple[int, ...]) -> float:
    index = {tuple(e): j for j, e in enumerate(poly.exponents.tolist())}
    return float(poly.coefficients[row, index[monomial]])


# ---------------------------------------------------------------------------------------
# simple geometry
# ---------------------------------------------------------------------------------------


def test_plane_in_r3_gives_one_linear_constraint_with_its_coefficients():
    rng = np.random.default_rng(1)
    xy = rng.normal(scale=3.0, size=(200, 2))
    z = (xy[:, 0] + 2 * xy[:, 1] - 4) / 3
    res = find_constraints(np.column_stack([xy, z]), ["x", "y", "z"])
    assert (res.n_linear, res.n_quadratic) == (1, 0)
    # x + 2y - 3z - 4 = 0, pivot x with coefficient 1
    got = res.linear.coefficients[0, :4]  # [1, x, y, z]
    np.testing.assert_allclose(got, [-4.0, 1.0, 2.0, -3.0], atol=1e-10)
    assert res.equations == ["x + 2*y - 3*z = 4"]
    assert res.residuals[0] < 1e-12
    assert res.free_features == ("y", "z")
    # every product of the plane with 1, x, y, z vanishes too: 4-dim null space, consistent
    assert res.null_space.n_polynomials == 4
    assert res.consistent
    assert res.gap > 1e8


def test_circle_gives_one_quadratic_and_no_linear_constraint():
    t = np.random.default_rng(2).uniform(0, 2 * np.pi, 100)
    res = find_constraints(np.column_stack([2 * np.cos(t), 2 * np.sin(t)]), ["x", "y"])
    assert (res.n_linear, res.n_quadratic) == (0, 1)
    assert res.equations == ["x^2 + y^2 = 4"]
    assert _coef(res.quadratic, 0, (0, 0)) == pytest.approx(-4.0, abs=1e-10)
    assert res.residuals[0] < 1e-12
    assert res.gap > 1e8


def test_mass_shell_hyperboloid():
    p = np.random.default_rng(3).normal(scale=10.0, size=(300, 3))
    e = np.sqrt(9.0 + np.sum(p**2, axis=1))
    res = find_constraints(np.column_stack([e, p]), ["E", "px", "py", "pz"])
    assert (res.n_linear, res.n_quadratic) == (0, 1)
    assert res.equations == ["E^2 - px^2 - py^2 - pz^2 = 9"]
    np.testing.assert_allclose(
        res.quadratic.evaluate(np.column_stack([e, p])), 0.0, atol=1e-9 * np.max(e**2)
    )


def test_gaussian_noise_has_no_constraint():
    x = np.random.default_rng(4).normal(size=(200, 3))
    res = find_constraints(x, ["a", "b", "c"])
    assert res.n_constraints == 0
    assert res.null_space.n_polynomials == 0
    assert math.isnan(res.gap)
    assert res.spectrum[0] > 1e-2
    assert "0 linear + 0 quadratic" in res.summary()


def test_thin_ring_is_an_approximate_relation_not_a_constraint():
    rng = np.random.default_rng(5)
    t = rng.uniform(0, 2 * np.pi, 2000)
    r = 1 + 0.01 * rng.normal(size=t.size)
    res = find_constraints(np.column_stack([r * np.cos(t), r * np.sin(t)]), ["x", "y"])
    assert res.n_constraints == 0
    best = res.near[0]
    assert 5e-3 < best.residual < 5e-2
    assert best.equation.startswith("x^2 + ")
    (cand,) = score_candidates(res, ["x^2 + y^2 = 1"])
    assert cand.residual == pytest.approx(best.residual, rel=0.1)
    assert cand.angle_null == pytest.approx(np.pi / 2)
    assert cand.angle_near < 0.05


# ---------------------------------------------------------------------------------------
# particle physics
# ---------------------------------------------------------------------------------------

TWO_BODY = ["E_1 + E_2 = 50", "px_1 + px_2 = 0", "py_1 + py_2 = 0", "pz_1 + pz_2 = 0"]


def test_two_body_decay_gives_five_linear_one_quadratic_and_matches_closed_analytic_span():
    x = _two_body(400, 50.0, 3.0, 10.0)
    res = find_constraints(x, _names(2))
    assert (res.n_linear, res.n_quadratic) == (5, 1)
    assert res.n_constraints == 8 - 2
    assert res.consistent
    assert res.gap > 1e8
    assert np.all(res.residuals < DEFAULT_TOLERANCE)
    # both energies are fixed: E_1 = (s + m1² - m2²) / 2√s = 24.09
    assert "E_1 = 24.09" in res.equations
    assert "E_2 = 25.91" in res.equations
    assert "px_1 + px_2 = 0" in res.equations
    # the new quadratic is the mass shell of a product, reduced by the fixed energy
    assert res.equations[-1].startswith("px_2^2 + py_2^2 + pz_2^2 = ")

    analytic = TWO_BODY + _shells([3.0, 10.0])
    score = score_constraints(res, analytic)
    assert score.dim_discovered == score.dim_analytic == 36
    assert (score.n_linear_analytic, score.n_quadratic_analytic) == (5, 1)
    assert score.counts_match
    assert score.grassmann_distance < 1e-6
    assert np.all(score.analytic_residuals < 1e-12)


def test_closure_adds_the_implied_linear_relation():
    # mass shells + conservation imply E_1 - E_2 = const: without closing, the span misses
    # the products of that relation with the monomials (32 instead of 36 dimensions)
    polys = parse_constraints(TWO_BODY + _shells([3.0, 10.0]), _names(2))
    closed = close_constraints(polys)
    assert closed.n_polynomials == 36
    naive = parse_constraints(TWO_BODY, _names(2))
    naive_closed = close_constraints(naive)
    assert naive_closed.n_polynomials == 4 + (36 - 10)
    # E_1 = 24.09 lies in the closure
    e1 = parse_constraints(["E_1 = 24.09"], _names(2))
    c = closed.coefficients
    coef, *_ = np.linalg.lstsq(c.T, e1.coefficients[0], rcond=None)
    np.testing.assert_allclose(c.T @ coef, e1.coefficients[0], atol=1e-9)


def test_three_massless_bodies_from_rambo_give_four_linear_three_quadratic():
    p = rambo_momenta(600, 3, 100.0, np.random.default_rng(6)).reshape(600, 12)
    names = _names(3)
    res = find_constraints(p, names)
    assert (res.n_linear, res.n_quadratic) == (4, 3)
    assert res.n_constraints == 12 - 5
    assert res.consistent
    assert res.gap > 1e8
    assert res.equations[0] == "E_1 + E_2 + E_3 = 100"
    assert "E_2^2 - px_2^2 - py_2^2 - pz_2^2 = 0" in res.equations
    analytic = [
        "E_1 + E_2 + E_3 = 100",
        "px_1 + px_2 + px_3 = 0",
        "py_1 + py_2 + py_3 = 0",
        "pz_1 + pz_2 + pz_3 = 0",
        *_shells([0, 0, 0]),
    ]
    score = score_constraints(res, analytic)
    assert score.counts_match
    assert (score.n_linear_analytic, score.n_quadratic_analytic) == (4, 3)
    assert score.grassmann_distance < 1e-6


def test_pp_like_pair_conserves_transverse_but_not_longitudinal_momentum():
    rng = np.random.default_rng(7)
    n = 400
    pt = rng.normal(scale=20.0, size=(n, 2))
    pz = rng.normal(scale=80.0, size=(n, 2))
    e1 = np.sqrt(np.sum(pt**2, axis=1) + pz[:, 0] ** 2)
    e2 = np.sqrt(np.sum(pt**2, axis=1) + pz[:, 1] ** 2)
    x = np.column_stack([e1, pt, pz[:, 0], e2, -pt, pz[:, 1]])
    names = _names(2)
    res = find_constraints(x, names)
    assert (res.n_linear, res.n_quadratic) == (2, 2)
    assert res.equations[:2] == ["px_1 + px_2 = 0", "py_1 + py_2 = 0"]
    # no linear constraint touches E or pz
    cols = [1 + names.index(f) for f in ("E_1", "pz_1", "E_2", "pz_2")]
    assert np.all(res.linear.coefficients[:, cols] == 0.0)
    pz_sum, e_sum = score_candidates(res, ["pz_1 + pz_2 = 0", "E_1 + E_2 = 100"])
    assert pz_sum.residual > 0.1
    assert pz_sum.angle_null > 1.0
    assert e_sum.residual > 0.1
    score = score_constraints(res, ["px_1 + px_2 = 0", "py_1 + py_2 = 0", *_shells([0, 0])])
    assert score.counts_match
    assert score.grassmann_distance < 1e-6


def test_float32_rounding_stays_far_below_the_default_tolerance():
    x = _two_body(400, 13000.0, 0.10566, 0.10566).astype(np.float32)
    res = find_constraints(x, _names(2))
    assert (res.n_linear, res.n_quadratic) == (5, 1)
    assert res.residuals.max() < DEFAULT_TOLERANCE / 5
    assert res.gap > 1e5


def test_units_do_not_change_the_answer():
    x = _two_body(300, 50.0, 3.0, 10.0, seed=8)
    gev = find_constraints(x, _names(2))
    mev = find_constraints(1000.0 * x, _names(2))
    assert (mev.n_linear, mev.n_quadratic) == (gev.n_linear, gev.n_quadratic)
    np.testing.assert_allclose(mev.spectrum[36:], gev.spectrum[36:], rtol=1e-8)
    assert "E_1 = 2.409e4" in mev.equations


def test_degree_one_and_subsampling_are_deterministic():
    x = _two_body(3000, 50.0, 3.0, 10.0, seed=9)
    a = find_constraints(x, _names(2), degree=1, max_points=500)
    b = find_constraints(x, _names(2), degree=1, max_points=500)
    assert a.n_points == 500
    assert (a.n_linear, a.n_quadratic) == (5, 0)
    np.testing.assert_array_equal(a.linear.coefficients, b.linear.coefficients)
    assert a.equations == b.equations
    assert score_constraints(a, TWO_BODY + _shells([3.0, 10.0])).counts_match


def test_relative_residual_definition():
    x = np.random.default_rng(10).normal(size=(100, 2))
    poly = parse_constraints(["x - y = 0", "x + 0*y = 0"], ["x", "y"])
    r = relative_residual(poly, x)
    # x - y: RMS(x - y) / sqrt(mean(x² + y²)) ~ 1; x alone does not cancel: exactly 1
    assert 0.8 < r[0] < 1.2
    assert r[1] == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------
# bad input and the parser
# ---------------------------------------------------------------------------------------


def test_nan_inf_and_too_few_points_are_data_errors():
    x = np.random.default_rng(11).normal(size=(50, 3))
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(DataError, match=r"NaN/inf.*columns b"):
        find_constraints(bad, ["a", "b", "c"])
    bad[3, 1] = np.inf
    with pytest.raises(DataError, match="NaN/inf"):
        find_constraints(bad, ["a", "b", "c"])
    with pytest.raises(DataError, match="need at least 10 points"):
        find_constraints(x[:9], ["a", "b", "c"])
    with pytest.raises(DataError, match="2 feature names for 3 columns"):
        find_constraints(x, ["a", "b"])


def test_parser_reads_powers_products_and_numbers():
    names = _names(2)
    shell = parse_constraint("E_1^2 - px_1**2 - py_1^2 - pz_1^2 = 0.011164", names)
    assert _coef(shell, 0, (2, 0, 0, 0, 0, 0, 0, 0)) == 1.0
    assert _coef(shell, 0, (0, 2, 0, 0, 0, 0, 0, 0)) == -1.0
    assert _coef(shell, 0, (0,) * 8) == pytest.approx(-0.011164)
    assert np.count_nonzero(shell.coefficients) == 5
    z = parse_constraint(
        "(E_1 + E_2)^2 - (px_1 + px_2)^2 - (py_1 + py_2)^2 - (pz_1 + pz_2)^2 = 91.1876^2", names
    )
    assert _coef(z, 0, (1, 0, 0, 0, 1, 0, 0, 0)) == 2.0
    assert _coef(z, 0, (0,) * 8) == pytest.approx(-(91.1876**2))
    half = parse_constraint("E_1 / 2 + E_2 * 0.5 = sqrt(4) * 10", names)
    assert _coef(half, 0, (1, 0, 0, 0, 0, 0, 0, 0)) == 0.5
    assert _coef(half, 0, (0,) * 8) == -20.0
    both = parse_constraints(["x = 1", "x*y = y^2"], ["x", "y"])
    assert both.coefficients.shape == (2, 6)
    assert format_equation(both.coefficients[1], both.exponents, ["x", "y"]) == "x*y - y^2 = 0"


@pytest.mark.parametrize(
    ("equation", "match"),
    [
        ("E_1 + q_7 = 1", r"'E_1 \+ q_7 = 1'.*unknown feature name 'q_7'"),
        ("E_1^3 = 1", "degree 3"),
        ("E_1 * E_2 * px_1 = 0", "degree 3"),
        ("E_1 + E_2", "exactly one '='"),
        ("E_1 / E_2 = 1", "divisor must be a number"),
        ("E_1^0.5 = 1", "not a non-negative integer"),
        ("E_1 - E_1 = 0", "trivial"),
        ("E_1 + = 3", "cannot parse"),
        ("__import__('os') = 1", "unsupported function"),
    ],
)
def test_parser_errors_name_the_equation_and_the_problem(equation, match):
    with pytest.raises(ConfigError, match=match):
        parse_constraint(equation, _names(2))


def test_exponent_table_of_parsed_constraints():
    poly = parse_constraints(["x + y = 1"], ["x", "y"], max_degree=1)
    np.testing.assert_array_equal(poly.exponents, monomial_exponents(2, 1))
    np.testing.assert_array_equal(poly.coefficients, [[-1.0, 1.0, 1.0]])
