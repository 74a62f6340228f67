"""Lie algebra generators of constraints and of the distribution, on cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from symvae import datasets
from symvae.directions.algebra import ConstraintAlgebra, constraint_algebra
from symvae.directions.families import (
    covariance_rotations,
    four_vector_family,
    general_family,
    lorentz_algebra,
)
from symvae.directions.generators import distribution_generators, find_generators
from symvae.directions.polynomials import PolynomialSet, monomial_exponents
from symvae.directions.scoring import score_generators
from symvae.directions.statistics import flow_test, mmd_test
from symvae.directions.subspaces import principal_angles
from symvae.errors import DataError

SQRT_S = 91.1876  # GeV
M_MU = 0.1057  # GeV
FAM2 = four_vector_family(2)


# ------------------------------------------------------------------ hand-built data sets


def _cos_theta(rng: np.random.Generator, n: int) -> np.ndarray:
    """cos θ with density ∝ 1 + cos²θ (rejection sampling)."""
    out = np.empty(0)
    while out.size < n:
        c = rng.uniform(-1.0, 1.0, 2 * n)
        out = np.concatenate([out, c[rng.uniform(0.0, 2.0, 2 * n) < 1.0 + c**2]])
    return out[:n]


def _quadrics(d: int, rows: list[dict[tuple[int, ...], float]]) -> PolynomialSet:
    """Polynomials of degree <= 2 from {variables: coefficient} (``()`` is the constant)."""
    exps = monomial_exponents(d, 2)
    index = {tuple(e): i for i, e in enumerate(exps)}
    coef = np.zeros((len(rows), len(exps)))
    for a, terms in enumerate(rows):
        for mono, value in terms.items():
            e = [0] * d
            for i in mono:
                e[i] += 1
            coef[a, index[tuple(e)]] += value
    return PolynomialSet(exps, coef)


def _mass_shell(first: int, m2: float) -> dict[tuple[int, ...], float]:
    e, px, py, pz = range(first, first + 4)
    return {(e, e): 1.0, (px, px): -1.0, (py, py): -1.0, (pz, pz): -1.0, (): -m2}


def two_body(n: int, seed: int, m: float = 10.0) -> tuple[np.ndarray, PolynomialSet]:
    """Decay at rest at fixed √s into two products of mass ``m``, dN/dcosθ ∝ 1 + cos²θ."""
    rng = np.random.default_rng(seed)
    e = SQRT_S / 2
    p = np.sqrt(e**2 - m**2)
    c = _cos_theta(rng, n)
    s = np.sqrt(1 - c**2)
    phi = rng.uniform(0, 2 * np.pi, n)
    p1 = p * np.stack([s * np.cos(phi), s * np.sin(phi), c], axis=1)
    x = np.column_stack([np.full(n, e), p1, np.full(n, e), -p1])
    constraints = _quadrics(
        8,
        [
            {(0,): 1.0, (): -e},
            {(4,): 1.0, (0,): -1.0},
            {(1,): 1.0, (5,): 1.0},
            {(2,): 1.0, (6,): 1.0},
            {(3,): 1.0, (7,): 1.0},
            {(1, 1): 1.0, (2, 2): 1.0, (3, 3): 1.0, (): -(p**2)},
        ],
    )
    return x, constraints


def pp_like(n: int, seed: int, m: float = 0.0) -> tuple[np.ndarray, PolynomialSet]:
    """Two particles of mass ``m`` with balanced pT, random mass and longitudinal boost."""
    rng = np.random.default_rng(seed)
    mass = rng.uniform(40.0, 80.0, n)
    y = rng.normal(0.0, 1.5, n)
    c = _cos_theta(rng, n)
    s = np.sqrt(1 - c**2)
    phi = rng.uniform(0, 2 * np.pi, n)
    e = mass / 2
    p = np.sqrt(e**2 - m**2)
    p1 = p[:, None] * np.stack([s * np.cos(phi), s * np.sin(phi), c], axis=1)
    ch, sh = np.cosh(y), np.sinh(y)
    e1, z1 = e * ch + p1[:, 2] * sh, e * sh + p1[:, 2] * ch
    e2, z2 = e * ch - p1[:, 2] * sh, e * sh - p1[:, 2] * ch
    x = np.column_stack([e1, p1[:, 0], p1[:, 1], z1, e2, -p1[:, 0], -p1[:, 1], z2])
    constraints = _quadrics(
        8,
        [
            {(1,): 1.0, (5,): 1.0},
            {(2,): 1.0, (6,): 1.0},
            _mass_shell(0, m**2),
            _mass_shell(4, m**2),
        ],
    )
    return x, constraints


def hyperboloid(n: int, seed: int, m: float = 1.0) -> tuple[np.ndarray, PolynomialSet]:
    """Four-vectors on the mass shell E² - |p|² = m² (p Gaussian), one constraint."""
    rng = np.random.default_rng(seed)
    p = rng.normal(0.0, 2.0 * m, (n, 3))
    x = np.column_stack([np.sqrt(m**2 + np.sum(p**2, axis=1)), p])
    return x, _quadrics(4, [_mass_shell(0, m**2)])


def skewed(n: int, seed: int) -> np.ndarray:
    """Centred two-component Gaussian mixture: skewed, no linear symmetry."""
    rng = np.random.default_rng(seed)
    first = rng.random(n) < 0.7
    x = np.where(
        first[:, None],
        rng.normal([-0.6, 0.0], [0.5, 1.0], (n, 2)),
        rng.normal([1.4, 0.5], 0.3, (n, 2)),
    )
    return x - x.mean(axis=0)


def planar(name: str, n: int = 3000, seed: int = 1) -> np.ndarray:
    return datasets.generate(name, n, seed).features


# ------------------------------------------------------------------ families


def test_four_vector_family_names_and_action():
    fam = four_vector_family(1)
    assert fam.dim == 16 and fam.n_features == 4
    flat = fam.basis.reshape(16, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(16), atol=1e-12)
    x = np.array([5.0, 1.0, 2.0, 3.0])  # (E, px, py, pz)
    jz, kz = fam.element("J_z") * np.sqrt(2), fam.element("K_z") * np.sqrt(2)
    np.testing.assert_allclose(jz @ x, [0.0, -2.0, 1.0, 0.0])
    np.testing.assert_allclose(kz @ x, [3.0, 0.0, 0.0, 5.0])
    # so(1,3): [J_x, J_y] = J_z and [K_x, K_y] = -J_z for the unnormalized generators
    jx, jy = fam.element("J_x") * np.sqrt(2), fam.element("J_y") * np.sqrt(2)
    kx, ky = fam.element("K_x") * np.sqrt(2), fam.element("K_y") * np.sqrt(2)
    np.testing.assert_allclose(jx @ jy - jy @ jx, jz, atol=1e-12)
    np.testing.assert_allclose(kx @ ky - ky @ kx, -jz, atol=1e-12)
    # Lorentz generators preserve the Minkowski metric: Aᵀ η + η A = 0
    eta = np.diag([1.0, -1.0, -1.0, -1.0])
    for a in lorentz_algebra(1):
        np.testing.assert_allclose(a.T @ eta + eta @ a, 0.0, atol=1e-12)
    with pytest.raises(KeyError):
        fam.element("L_z")


def test_describe_reads_like_physics():
    a = 0.99 * FAM2.element("J_z") + 0.1 * FAM2.element("K_z")
    assert FAM2.describe(a) == "0.99 J_z + 0.10 K_z"
    assert FAM2.describe(-3 * FAM2.element("D")) == "1.00 D"
    assert FAM2.describe(np.zeros((8, 8))) == "0"
    # a map outside I ⊗ gl(4) (acting on one particle only) is flagged as such
    one = np.zeros((8, 8))
    one[:4, :4] = FAM2.element("J_z")[:4, :4]
    assert "(outside)" in FAM2.describe(one)
    gl2 = general_family(2, ["x", "y"])
    assert gl2.names[0] == "R(x,y)"
    np.testing.assert_allclose(gl2.element("R(x,y)"), [[0, -1 / np.sqrt(2)], [1 / np.sqrt(2), 0]])


# ------------------------------------------------------------------ constraint algebra


def test_no_constraints_gives_the_whole_family():
    x = planar("disk", 200)
    alg = constraint_algebra(x, None, "gl")
    assert isinstance(alg, ConstraintAlgebra) and alg.dim == 4
    assert constraint_algebra(np.ones((20, 8)), [], "four_vectors").dim == 16


def test_hyperboloid_gives_the_lorentz_algebra():
    x, shell = hyperboloid(2000, seed=2)
    alg = constraint_algebra(x, shell, "four_vectors")
    assert alg.dim == 6
    assert score_generators(alg.basis, lorentz_algebra(1)).distance < 1e-8
    assert alg.labels() == ["1.00 J_x", "1.00 J_y", "1.00 J_z", "1.00 K_x", "1.00 K_y", "1.00 K_z"]
    assert alg.violations[5] < 1e-12 < 1e-2 < alg.violations[6]  # the dilation breaks E² - p² = m²
    assert alg.gap > 1e6 and alg.closure < 1e-10


@pytest.fixture(scope="module")
def ee_result():
    x, constraints = two_body(4000, seed=3)
    return find_generators(x, constraints, "four_vectors", seed=0)


def test_two_body_constraints_give_so3(ee_result):
    alg = ee_result.algebra
    so3 = np.stack([FAM2.element(n) for n in ("J_x", "J_y", "J_z")])
    assert alg.dim == 3
    assert score_generators(alg.basis, so3).distance < 1e-8
    assert alg.violations[2] < 1e-12 and alg.violations[3] > 1e-2


def test_two_body_distribution_has_only_jz(ee_result):
    assert ee_result.n_generators == 1, ee_result.summary()
    score = score_generators(ee_result.generators, FAM2.element("J_z"))
    assert score.dimension_match and score.distance < 0.2
    coefficient, name = ee_result.labels[0].split()[:2]
    assert name == "J_z" and float(coefficient) > 0.95
    assert ee_result.rank_tests.p_values[0] >= 0.01 and ee_result.rank_tests.p_values[1] < 1e-6
    assert ee_result.confirmation.confirmed.all()
    assert "J_z" in ee_result.summary()


@pytest.fixture(scope="module")
def pp_result():
    x, constraints = pp_like(4000, seed=4)
    return x, find_generators(x, constraints, FAM2, seed=0)


def test_pp_constraints_contain_rotation_boost_and_dilation(pp_result):
    _, res = pp_result
    alg = res.algebra
    assert alg.dim == 3  # massless: J_z, K_z and the dilation
    names = np.stack([FAM2.element(n) for n in ("J_z", "K_z", "D")])
    assert score_generators(alg.basis, names).distance < 1e-8


def test_pp_distribution_has_only_jz(pp_result):
    x, res = pp_result
    assert res.n_generators == 1, res.summary()
    assert score_generators(res.generators, FAM2.element("J_z")).distance < 0.1
    assert res.confirmation.confirmed.all()
    # the rejected directions really change the distribution: boost and dilation fail the MMD
    for name in ("K_z", "D"):
        flow = flow_test(x, FAM2.element(name))
        assert flow.p_values.min() < 0.01 and not flow.passed(0.01)


def test_massive_mass_shell_keeps_the_dilation_only_approximately():
    x, constraints = pp_like(1000, seed=5, m=M_MU)
    alg = constraint_algebra(x, constraints, FAM2)
    # dilation violates E² - p² = m² by ~ m²/E² per event: kept at the default rtol ...
    assert alg.dim == 3 and 1e-10 < alg.violations[2] < 1e-4
    # ... and dropped by a tolerance below that level
    tight = constraint_algebra(x, constraints, FAM2, rtol=1e-10)
    assert tight.dim == 2
    jk = np.stack([FAM2.element("J_z"), FAM2.element("K_z")])
    assert score_generators(tight.basis, jk).distance < 1e-6


# ------------------------------------------------------------------ two-dimensional clouds


@pytest.mark.parametrize("name", ["disk", "ring"])
def test_isotropic_clouds_give_the_rotation(name):
    res = find_generators(planar(name), None, "gl", seed=0)
    assert res.algebra.dim == 4
    assert res.n_generators == 1, res.summary()
    rot = general_family(2).element("R(x0,x1)")
    assert score_generators(res.generators, rot).distance < 0.1
    assert res.confirmation.confirmed.all()


def test_anisotropic_gaussian_gives_the_squeezed_rotation():
    x = planar("ellipse_cloud")
    res = find_generators(x, None, "gl", seed=0)
    assert res.n_generators == 1, res.summary()
    expected = covariance_rotations(np.cov(x.T))
    assert score_generators(res.generators, expected).distance < 0.1
    # far from the plain rotation, which does not preserve the ellipse
    assert score_generators(res.generators, general_family(2).element("R(x0,x1)")).distance > 0.5
    assert res.confirmation.confirmed.all()


def test_skewed_mixture_has_no_generator():
    res = find_generators(skewed(3000, seed=6), None, "gl", seed=0)
    assert res.n_generators == 0
    assert res.rank_tests.p_values[0] < 1e-10
    assert res.generators.shape == (0, 2, 2)


def test_directions_leaving_the_constraint_surface_are_flagged():
    x, constraints = two_body(1500, seed=9)
    whole = distribution_generators(x, FAM2, n_permutations=50)
    assert any("constraint_algebra" in note for note in whole.notes)
    inside = distribution_generators(x, constraint_algebra(x, constraints, FAM2), n_permutations=50)
    assert not any("constraint_algebra" in note for note in inside.notes)


def test_explicit_matrices_as_algebra_and_determinism():
    x = planar("disk", 600)
    mats = np.stack([[[0.0, -1.0], [1.0, 0.0]], np.eye(2)])
    first = distribution_generators(x, mats, n_permutations=100, seed=7)
    again = distribution_generators(x, mats, n_permutations=100, seed=7)
    assert first.n_generators == 1
    np.testing.assert_array_equal(first.generators, again.generators)
    np.testing.assert_array_equal(first.confirmation.p_values, again.confirmation.p_values)


# ------------------------------------------------------------------ tests and scores


def test_mmd_test_separates_shifted_samples():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    assert mmd_test(a, b, n_permutations=200)[1] > 0.01
    assert mmd_test(a, b + np.array([0.5, 0.0]), n_permutations=200)[1] < 0.01


def test_score_generators_in_standardized_coordinates_ignores_units():
    found = np.array([[0.05, -1.0], [1.0, 0.1]])
    expected = np.array([[0.0, -1.0], [1.0, 0.0]])
    spread = np.array([2.0, 0.5])  # per-feature standard deviations
    units = np.diag([1000.0, 1.0])  # e.g. the first feature in MeV instead of GeV
    in_units = [units @ a @ np.linalg.inv(units) for a in (found, expected)]
    ref = score_generators(found, expected, scale=spread)
    moved = score_generators(*in_units, scale=units @ spread)
    assert ref.n_found == ref.n_expected == 1 and ref.dimension_match
    assert moved.distance == pytest.approx(ref.distance, rel=1e-9)
    assert 0.0 < ref.distance < 0.2
    # in physical coordinates the score depends on the units (here the 1000x entry dominates)
    assert score_generators(*in_units).distance < 0.01 * ref.distance
    assert principal_angles(np.zeros((4, 0)), expected.reshape(4, 1)).size == 0


def test_bad_input_is_a_data_error():
    x = planar("disk", 300)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        constraint_algebra(bad, None, "gl")
    with pytest.raises(DataError, match="at least"):
        distribution_generators(x[:50], general_family(2))
    with pytest.raises(DataError, match="acts on"):
        constraint_algebra(x, None, FAM2)
    with pytest.raises(DataError, match="multiple of 4"):
        constraint_algebra(x, None, "four_vectors")
    with pytest.raises(DataError, match="variables"):
        constraint_algebra(x, two_body(20, 0)[1], "gl")
