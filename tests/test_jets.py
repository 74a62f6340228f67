"""Hadron-level jets from Pythia 8 clustered with FastJet: reproducible from a seed, the
Z → q q̄ dijet mass at m_Z, the top-jet mass near m_t at R = 0.8 in the 550-650 GeV window,
the clustering's bookkeeping, and the jet mass's symmetry algebra found on top jets."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from symvae.directions.families import four_vector_family, lorentz_algebra
from symvae.directions.function import function_symmetries
from symvae.errors import ConfigError
from symvae.events.jets import (
    Jets,
    cluster_jets,
    constituent_matrix,
    invariant_mass,
    jet_mass_squared,
    transverse_momentum,
)
from symvae.events.presets import ee_to_z_to_qq, pp_to_qcd_dijets, pp_to_ttbar_hadronic
from symvae.events.pythia import generate_pythia

M_Z, M_TOP = 91.1876, 172.5
WINDOW = (550.0, 650.0)


def _mass(p: ak.Array) -> np.ndarray:
    return invariant_mass(*(ak.to_numpy(p[k]) for k in ("px", "py", "pz", "E")))


def _peak(values: np.ndarray, lo: float, hi: float, width: float) -> float:
    counts, edges = np.histogram(values, bins=np.arange(lo, hi + width, width))
    i = int(np.argmax(counts))
    return float(0.5 * (edges[i] + edges[i + 1]))


@pytest.fixture(scope="module")
def z_jets() -> Jets:
    events = generate_pythia(ee_to_z_to_qq(), 1000, seed=11, progress=False)
    return cluster_jets(events, radius=1.0, algorithm="ee_antikt")


def _top_window(settings: list[str], n: int, seed: int) -> tuple[Jets, np.ndarray]:
    jets = cluster_jets(generate_pythia(settings, n, seed=seed, progress=False), 0.8, min_pt=200.0)
    lead = jets.jets.particles[:, 0]
    pt = ak.to_numpy(transverse_momentum(lead))
    return jets, (pt > WINDOW[0]) & (pt < WINDOW[1])


@pytest.fixture(scope="module")
def top_jets() -> tuple[Jets, np.ndarray]:
    return _top_window(pp_to_ttbar_hadronic(), 400, seed=12)


def test_the_same_seed_gives_the_same_jets() -> None:
    a, b, c = (
        cluster_jets(generate_pythia(ee_to_z_to_qq(), 30, seed=s, progress=False), 1.0, "ee_antikt")
        for s in (5, 5, 6)
    )
    assert ak.to_list(a.jets.particles) == ak.to_list(b.jets.particles)
    assert ak.to_list(a.leading_constituents.particles) == ak.to_list(
        b.leading_constituents.particles
    )
    assert ak.to_list(a.jets.particles) != ak.to_list(c.jets.particles)


def test_z_dijet_mass_peaks_at_mz(z_jets: Jets) -> None:
    p = z_jets.jets.particles
    two = p[ak.num(p) >= 2]
    assert len(two) > 0.95 * len(p)
    pair = ak.zip({k: two[:, 0][k] + two[:, 1][k] for k in ("px", "py", "pz", "E")})
    m = _mass(pair)
    core = m[(m > 60) & (m < 100)]
    resolution = (
        float(np.subtract(*np.percentile(core, [75, 25]))) / 1.349
    )  # Gaussian σ from the IQR
    peak = _peak(m, 60.0, 100.0, 1.0)
    assert abs(peak - M_Z) < resolution, (peak, resolution)
    # no dijet above the collision energy (a clustering that double-counts would)
    assert m.max() <= M_Z + 1e-6


def test_jets_are_the_sum_of_their_constituents_and_ordered(z_jets: Jets) -> None:
    jets, const = z_jets.jets.particles, z_jets.leading_constituents.particles
    has = ak.num(jets) > 0
    for k in ("px", "py", "pz", "E"):
        np.testing.assert_allclose(
            ak.to_numpy(ak.sum(const[k], axis=1))[has], ak.to_numpy(jets[has][:, 0][k]), atol=1e-9
        )
    energy = jets.E
    assert ak.all(energy[:, :-1] >= energy[:, 1:])
    pt = transverse_momentum(const)
    assert ak.all(pt[:, :-1] >= pt[:, 1:])


def test_neutrinos_are_left_out(z_jets: Jets) -> None:
    events = generate_pythia(ee_to_z_to_qq(), 50, seed=13, progress=False)
    pid = np.abs(ak.to_numpy(ak.flatten(events.particles.pid)))
    visible = ak.to_numpy(ak.flatten(events.particles.E))[~np.isin(pid, (12, 14, 16))].sum()
    jets = cluster_jets(events, 1.0, "ee_antikt")
    assert ak.sum(jets.jets.particles.E) == pytest.approx(visible, rel=1e-12)


def test_top_jet_mass_peaks_near_the_top_mass(top_jets: tuple[Jets, np.ndarray]) -> None:
    jets, window = top_jets
    assert window.sum() >= 80
    m = _mass(jets.jets.particles[:, 0][window])
    peak = _peak(m, 0.0, 300.0, 10.0)
    assert 160.0 <= peak <= 190.0, peak
    assert abs(np.median(m[m > 120]) - M_TOP) < 15.0


def test_qcd_jets_in_the_same_window_are_light() -> None:
    jets, window = _top_window(pp_to_qcd_dijets(), 200, seed=14)
    m = _mass(jets.jets.particles[:, 0][window])
    assert window.sum() >= 40
    assert np.median(m) < 120.0  # the top tagger's background: no peak at m_t


def test_jet_mass_on_top_jets_keeps_exactly_the_lorentz_algebra(
    top_jets: tuple[Jets, np.ndarray],
) -> None:
    jets, window = top_jets
    n = 30
    x = constituent_matrix(jets.leading_constituents, n)[window]
    assert x.shape == (window.sum(), 4 * n)
    found = function_symmetries(x, four_vector_family(n), f=jet_mass_squared(n))
    assert found.dimension == 6 == found.gap_dimension
    assert found.distance_to(lorentz_algebra(n)) < 0.1


def test_constituent_matrix_pads_with_zeros(z_jets: Jets) -> None:
    x = constituent_matrix(z_jets.leading_constituents, 80).reshape(-1, 80, 4)
    counts = ak.to_numpy(ak.num(z_jets.leading_constituents.particles))
    assert (counts < 80).any()
    for row, k in zip(x[:20], counts[:20], strict=True):
        assert np.all(row[min(k, 80) :] == 0.0) and np.all(row[: min(k, 80), 0] > 0)


def test_bad_jet_settings() -> None:
    events = generate_pythia(ee_to_z_to_qq(), 5, seed=1, progress=False)
    with pytest.raises(ConfigError, match="algorithm must be one of"):
        cluster_jets(events, 0.4, "siscone")
    with pytest.raises(ConfigError, match="radius must be positive"):
        cluster_jets(events, 0.0)
