"""Local dimension estimates on clouds whose dimension is known."""

from __future__ import annotations

import numpy as np
import pytest

from symvae.dof import local_pca_dimension, local_spectrum, twonn_dimension


def _sphere(n, k, rng):
    x = rng.standard_normal((n, k + 1))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("name", "dim"),
    [("circle", 1), ("sphere2", 2), ("sphere3", 3), ("gauss3", 3), ("line_in_4d", 1)],
)
def test_local_pca_recovers_dimension(name, dim):
    rng = np.random.default_rng(0)
    if name == "circle":
        x = _sphere(2000, 1, rng) * (1 + 0.003 * rng.standard_normal((2000, 1)))
    elif name.startswith("sphere"):
        x = _sphere(3000, dim, rng)
    elif name == "gauss3":
        x = rng.standard_normal((3000, 3))
    else:
        t = rng.uniform(-1, 1, 2000)
        x = np.outer(t, [1.0, 2.0, -1.0, 0.5])
    assert local_pca_dimension(x, n_neighbors=100) == dim
    if name != "circle":
        assert abs(twonn_dimension(x) - dim) < 0.35


def test_twonn_sees_thickness_at_the_nearest_neighbour_scale():
    """TwoNN works at the scale of the nearest neighbours: a ring as thick as its point
    spacing looks 2-D to it, while local PCA over 100 neighbours sees a curve. This is why
    local PCA gives the measured dof and TwoNN is only reported beside it."""
    rng = np.random.default_rng(0)
    thin = _sphere(2000, 1, rng)
    thick = thin * (1 + 0.003 * rng.standard_normal((2000, 1)))
    assert abs(twonn_dimension(thin) - 1) < 0.1
    assert twonn_dimension(thick) > 1.5
    assert local_pca_dimension(thick, n_neighbors=100) == 1


def test_degenerate_inputs():
    assert local_pca_dimension(np.zeros((10, 0))) == 0
    assert local_pca_dimension(np.arange(50.0)[:, None]) == 1


def test_twonn_of_a_single_latent_direction():
    # a collapsed model at large β can keep one relevant direction: a 1-D cloud has dimension 1
    x = np.random.default_rng(0).normal(size=(2000, 1))
    assert abs(twonn_dimension(x) - 1.0) < 0.1
    assert twonn_dimension(np.zeros((10, 0))) == 0.0


def test_local_spectrum_measures_the_thickness_across_a_ring():
    # neighbourhoods of 100 of 3000 points are arcs of about 0.2 rad: along the ring their
    # variance is (0.21)²/12 ≈ 0.0036, across it the radial variance w²
    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, 3000)
    for width in (0.0, 0.003, 0.01):
        r = 1 + width * rng.standard_normal(3000)
        spec = local_spectrum(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        assert spec.shape == (2,) and abs(spec[0] - 0.0036) < 0.0005
        assert abs(spec[1] - width**2) < 0.15 * width**2 + 1e-5
    assert local_spectrum(np.zeros((10, 0))).shape == (0,)


@pytest.mark.parametrize("d", [2, 3, 5])
def test_local_pca_is_scikit_dimension_point_by_point(d):
    """The batched count equals scikit-dimension's lPCA (FO) fitted per neighbourhood."""
    import skdim
    from sklearn.neighbors import NearestNeighbors

    from symvae.dof import _fo_dimensions

    rng = np.random.default_rng(d)
    # a curved, anisotropic cloud: the counts vary from point to point
    t = rng.uniform(-2, 2, (600, d))
    x = np.column_stack([t, np.sin(t[:, 0]) * t[:, -1]]) * rng.uniform(0.2, 2.0, d + 1)
    counts = set()
    for k, fraction in ((20, 0.1), (50, 0.3), (8, 0.02)):
        est = skdim.id.lPCA(ver="FO", alphaFO=fraction, verbose=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            est.fit_pw(x, n_neighbors=k, n_jobs=1, smooth=False)
        _, idx = NearestNeighbors(n_neighbors=k).fit(x).kneighbors()
        ours = _fo_dimensions(x, idx, fraction, chunk=97)
        counts |= set(ours.tolist())
        np.testing.assert_array_equal(ours, est.dimension_pw_)
        assert local_pca_dimension(x, k, fraction, max_points=600) == int(
            np.median(est.dimension_pw_)
        )
    assert len(counts) > 1  # the comparison saw more than one count
