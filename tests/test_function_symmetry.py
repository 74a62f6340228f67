"""The function-preserving finder on functions whose symmetry algebra is known exactly, and
the Grassmann distance it reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symvae.directions.families import four_vector_family, general_family, lorentz_algebra
from symvae.directions.function import function_symmetries, gradient, span_distance
from symvae.events.jets import jet_mass_squared

ETA = np.array([1.0, -1.0, -1.0, -1.0])


def _minkowski(t):
    return (t**2 * t.new_tensor(ETA)).sum(1)


def _so3() -> np.ndarray:
    fam = general_family(3)
    return np.stack([fam.element(n) for n in ("R(x0,x1)", "R(x0,x2)", "R(x1,x2)")])


def test_norm_in_3d_gives_so3() -> None:
    x = np.random.default_rng(0).normal(size=(1000, 3))
    found = function_symmetries(x, general_family(3), f=lambda t: (t**2).sum(1))
    assert found.dimension == 3 == found.gap_dimension
    assert found.distance_to(_so3()) < 1e-10
    # the next singular value is far from zero: nothing else preserves |p|²
    assert found.singular_values[3] > 0.1


def test_minkowski_norm_gives_so13() -> None:
    x = np.random.default_rng(1).normal(size=(2000, 4)) * [3.0, 1.0, 1.0, 1.0]
    found = function_symmetries(x, four_vector_family(1), f=_minkowski)
    assert found.dimension == 6 == found.gap_dimension
    assert found.distance_to(lorentz_algebra(1)) < 1e-10
    assert found.singular_values[6] > 0.1
    # the dilation is not a symmetry of m²: so(1,3) + D has one direction more
    with_d = np.concatenate([lorentz_algebra(1), four_vector_family(1).element("D")[None]])
    assert found.dimension == len(with_d) - 1


def test_jet_mass_of_padded_constituents_gives_so13() -> None:
    n = 12
    rng = np.random.default_rng(2)
    x = np.abs(rng.normal(size=(3000, n, 4))) * [2.0, 1.0, 1.0, 1.0]
    x[:, 8:] = 0.0  # zero-padded constituents, as in the jet samples
    found = function_symmetries(x.reshape(3000, -1), four_vector_family(n), f=jet_mass_squared(n))
    assert found.dimension == 6
    assert found.distance_to(lorentz_algebra(n)) < 1e-10


def test_transverse_momentum_keeps_rotations_about_z_and_what_leaves_px_py() -> None:
    # p_T² = p_x² + p_y² of one four-vector: J_z, and any map that changes only E and p_z
    # (rows E and z of the 4 × 4 block free: 8 entries), so 9 dimensions
    x = np.random.default_rng(3).normal(size=(2000, 4))
    fam = four_vector_family(1)
    found = function_symmetries(x, fam, f=lambda t: t[:, 1] ** 2 + t[:, 2] ** 2)
    assert found.dimension == 9
    for name in ("J_z", "K_z"):
        assert span_distance(found.generators, fam.element(name)[None]) < 1e-10
    for name in ("J_x", "K_x", "D"):
        assert span_distance(found.generators, fam.element(name)[None]) > 0.1


def test_a_given_gradient_gives_the_same_algebra() -> None:
    x = np.random.default_rng(4).normal(size=(500, 3))
    by_autograd = function_symmetries(x, general_family(3), f=lambda t: (t**2).sum(1))
    by_hand = function_symmetries(x, general_family(3), grad=2 * x)
    assert by_hand.dimension == 3
    assert span_distance(by_hand.generators, by_autograd.generators) < 1e-10
    np.testing.assert_allclose(gradient(lambda t: (t**2).sum(1), x), 2 * x)


def test_span_distance_measures_the_principal_angle() -> None:
    fam = four_vector_family(1)
    jz, d = fam.element("J_z"), fam.element("D")
    for theta in (0.0, 0.3, 1.2):
        tilted = math.cos(theta) * jz + math.sin(theta) * d
        assert span_distance(jz[None], tilted[None]) == pytest.approx(theta, abs=1e-9)
    # the same algebra in another basis is at distance 0
    so13 = lorentz_algebra(1)
    mixed = np.einsum(
        "ij,jab->iab", np.linalg.qr(np.random.default_rng(5).normal(size=(6, 6)))[0], so13
    )
    assert span_distance(so13, mixed) < 1e-12
    # two orthogonal algebras: every angle π/2
    assert span_distance(so13[:3], so13[3:]) == pytest.approx(math.sqrt(3) * math.pi / 2)


def test_bad_calls() -> None:
    x = np.zeros((5, 3)) + 1.0
    with pytest.raises(ValueError, match="exactly one of f and grad"):
        function_symmetries(x, general_family(3))
    with pytest.raises(ValueError, match="need more"):
        function_symmetries(x, general_family(3), grad=2 * x)
    with pytest.raises(ValueError, match=r"must both be \(n, 4\)"):
        function_symmetries(np.ones((50, 3)), four_vector_family(1), grad=np.ones((50, 3)))


def test_a_trained_tagger_is_a_differentiable_function_of_the_events() -> None:
    from sklearn.metrics import roc_auc_score

    from symvae.directions.tagger import _auc, train_tagger

    rng = np.random.default_rng(6)
    # two classes of one four-vector that differ only in the mass: an invariant task
    p = rng.normal(size=(1200, 3)) * 20.0
    mass = np.where(np.arange(1200) < 600, 80.0, 20.0)
    e = np.sqrt(mass**2 + (p**2).sum(1))
    x = np.column_stack([e, p])
    tagger = train_tagger(x[:600], x[600:], hidden=(32, 32), epochs=40, seed=0)
    assert tagger.accuracy > 0.9 and tagger.auc > 0.95
    scores = rng.normal(size=200)
    truth = (rng.uniform(size=200) < 0.4).astype(float)
    assert _auc(scores, truth) == pytest.approx(roc_auc_score(truth, scores))
    found = function_symmetries(x, four_vector_family(1), f=tagger, dim=6)
    assert found.singular_values.shape == (16,)
    np.testing.assert_allclose(
        tagger(x[:5]), tagger(__import__("torch").tensor(x[:5])).detach().numpy()
    )
