"""Intrinsic-dimension baselines on clouds of known dimension."""

from __future__ import annotations

import numpy as np
import pytest

from symvae.directions.baselines import BaselineEstimates, baseline_estimates, pca_dimension
from symvae.errors import DataError


def _plane(n, rng):
    basis = np.linalg.qr(rng.standard_normal((3, 2)))[0]
    return rng.uniform(-1, 1, (n, 2)) @ basis.T * [1.0, 3.0, 0.5] + [10.0, 0.0, -4.0]


def _circle(n, rng):
    phi = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([np.cos(phi), np.sin(phi)])


def test_plane_in_three_dimensions():
    est = baseline_estimates(_plane(1200, np.random.default_rng(0)), max_points=400, n_subsamples=3)
    assert isinstance(est, BaselineEstimates)
    assert est["pca"] == 2
    assert abs(est["twonn"] - 2) < 0.3
    assert abs(est["mle"] - 2) < 0.3
    assert est["lpca"] == 2
    assert est.n_points == 400 and est.n_subsamples == 3
    assert all(np.isfinite(v) for v in est.spreads.values())
    assert all(len(s) == 3 for s in est.samples.values())
    assert est.explained_variance[2] < 1e-12
    row = est.row()
    assert set(row) >= {"pca", "pca_std", "twonn", "twonn_std", "mle", "lpca", "n_points"}


def test_circle_is_one_dimensional_for_neighbour_estimators():
    est = baseline_estimates(
        _circle(1500, np.random.default_rng(1)), max_points=500, n_subsamples=3
    )
    assert est["pca"] == 2  # a linear method needs the plane
    assert abs(est["twonn"] - 1) < 0.2
    assert abs(est["mle"] - 1) < 0.2
    assert est["lpca"] == 1
    assert all(np.isfinite(v) and v >= 0 for v in est.spreads.values())


def test_deterministic_and_duplicates_are_harmless():
    rng = np.random.default_rng(2)
    x = _circle(300, rng)
    x = np.vstack([x, x[:100]])  # duplicated events
    a = baseline_estimates(x, max_points=200, n_subsamples=2, estimators=("twonn", "mle"))
    b = baseline_estimates(x, max_points=200, n_subsamples=2, estimators=("twonn", "mle"))
    assert a.values == b.values
    assert set(a.values) == {"twonn", "mle"}
    assert all(np.isfinite(v) for v in a.values.values())


def test_features_constant_to_rounding_are_dropped():
    rng = np.random.default_rng(3)
    x = _circle(600, rng)
    energy = 45.5938 + rng.normal(0, 1e-12, 600)  # rounding noise around a constant
    est = baseline_estimates(
        np.column_stack([energy, x, np.zeros(600)]), max_points=300, n_subsamples=2
    )
    assert est.dropped == (0, 3)
    assert est["pca"] == 2 and est["lpca"] == 1


def test_pca_fraction():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2000, 3)) * [10.0, 2.0, 0.01]
    n99, ratio = pca_dimension(x, 0.99)
    assert n99 == 2 and 0.9 < ratio[0] < 0.99
    assert pca_dimension(x, 0.9)[0] == 1
    assert pca_dimension(x, 1.0)[0] == 3
    with pytest.raises(ValueError, match="fraction"):
        pca_dimension(x, 0.0)


def test_non_finite_and_tiny_inputs_are_errors():
    x = np.random.default_rng(5).standard_normal((50, 3))
    x[7, 1] = np.nan
    with pytest.raises(DataError, match=r"non-finite.*columns \[1\]"):
        baseline_estimates(x)
    x[7, 1] = np.inf
    with pytest.raises(DataError, match="non-finite"):
        baseline_estimates(x)
    with pytest.raises(DataError, match="too few"):
        baseline_estimates(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unknown estimators"):
        baseline_estimates(np.zeros((10, 3)), estimators=("pca", "nope"))


def test_one_feature_is_a_line():
    x = np.random.default_rng(6).standard_normal((100, 1))
    est = baseline_estimates(x, max_points=50, n_subsamples=2)
    assert est.values == {"pca": 1.0, "twonn": 1.0, "mle": 1.0, "lpca": 1.0}


def test_lpca_is_scikit_dimensions_lpca():
    """The batched lpca baseline is scikit-dimension's lPCA (FO) median, number for number."""
    import skdim

    from symvae.directions.baselines import _lpca

    rng = np.random.default_rng(3)
    t = rng.uniform(-2, 2, (400, 2))
    u = np.column_stack([t, np.sin(2 * t[:, 0]) * t[:, 1], 0.05 * rng.normal(size=400)])
    for k, fraction in ((100, 0.1), (20, 0.3)):
        est = skdim.id.lPCA(ver="FO", alphaFO=fraction, verbose=False)
        with np.errstate(all="ignore"):
            est.fit_pw(u, n_neighbors=k, n_jobs=1, smooth=False)
        assert _lpca(u, k, fraction) == float(np.median(est.dimension_pw_))
