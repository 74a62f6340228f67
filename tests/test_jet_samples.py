"""Jet-level processes: the event file a jet selection writes, zero-padded constituent
features, the jet frame, the energy mover's distance and the correlation dimension, and the
config pieces that the jets profile uses (``only``, ``dof: null``)."""

from __future__ import annotations

import dataclasses
import math

import awkward as ak
import numpy as np
import pytest
from scipy.spatial.distance import pdist

from symvae.config import load_config
from symvae.dof import correlation_dimension
from symvae.errors import ConfigError
from symvae.events.emd import energy_movers_distance, jet_particles, pairwise_emd
from symvae.events.features import compute_features, feature_columns, parse_spec
from symvae.events.jets import JET_PID, JetSelection, jet_frame, jet_sample
from symvae.events.presets import ee_to_z_to_qq, pp_to_ttbar_hadronic
from symvae.events.pythia import generate_pythia
from symvae.outputs.events import read_events
from symvae.outputs.summary import dof_text, dof_verdict
from symvae.stages import generate_event_chunk

TOP = {"radius": 0.8, "min_pt": 200.0, "keep": "leading_constituents",
       "leading_pt": [550.0, 650.0]}  # fmt: skip


@pytest.fixture(scope="module")
def top_sample():
    events = generate_pythia(pp_to_ttbar_hadronic(), 120, seed=21, progress=False)
    return events, jet_sample(events, JetSelection.from_dict(TOP))


def _four(p: ak.Array) -> np.ndarray:
    return np.stack([ak.to_numpy(p[k]) for k in ("E", "px", "py", "pz")], axis=-1)


def test_leading_constituents_follow_their_jet_and_sum_to_it(top_sample) -> None:
    events, sample = top_sample
    p = sample.particles
    assert 0 < len(sample) < len(events)
    assert sample.metadata["n_clustered"] == len(events)
    assert sample.metadata["n_selected"] == len(sample)
    assert (ak.to_numpy(p.pid[:, 0]) == JET_PID).all()
    rest = p[:, 1:]
    assert ak.all(rest.pid != JET_PID)  # real PDG ids of the constituents
    jet = _four(p[:, 0])
    total = np.stack([ak.to_numpy(ak.sum(rest[k], axis=1)) for k in ("E", "px", "py", "pz")], -1)
    np.testing.assert_allclose(total, jet, rtol=1e-9, atol=1e-9)
    pt = np.hypot(jet[:, 1], jet[:, 2])
    assert ((pt > 550) & (pt < 650)).all()
    cpt = np.sqrt(rest.px**2 + rest.py**2)
    assert ak.all(cpt[:, :-1] >= cpt[:, 1:])  # descending p_T


def test_dijet_selection_keeps_two_jets() -> None:
    events = generate_pythia(ee_to_z_to_qq(), 40, seed=3, progress=False)
    sel = JetSelection.from_dict({"algorithm": "ee_antikt", "radius": 1.0, "n_jets": 2})
    sample = jet_sample(events, sel)
    assert (ak.to_numpy(ak.num(sample.particles)) == 2).all()
    e = ak.to_numpy(sample.particles.E)
    assert (e[:, 0] >= e[:, 1]).all()


@pytest.mark.parametrize(
    ("raw", "needle"),
    [({"keep": "all"}, "keep"), ({"n_jets": 0}, "n_jets"), ({"leading_pt": [600, 500]}, "leading_pt"),
     ({"radius": -1}, "radius"), ({"colour": 1}, "unknown"), ({"leading_pt": 5}, "not iterable"),
     ({"radius": "wide"}, "could not convert")],
)  # fmt: skip
def test_bad_jet_selection(raw, needle) -> None:
    with pytest.raises(ConfigError, match=needle):
        JetSelection.from_dict(raw)


def test_padded_constituent_features(top_sample) -> None:
    _, sample = top_sample
    spec = {"objects": [{"index": 0}, {"range": [1, 81], "pad": True}], "kinds": ["cartesian"]}
    names = feature_columns(spec)[0]
    assert len(names) == 4 * 81 and names[4] == "E_2" and names[-1] == "pz_81"
    ds = compute_features(sample, spec)
    assert len(ds.features) == len(sample)  # no event dropped for missing constituents
    counts = ak.to_numpy(ak.num(sample.particles)) - 1
    c = ds.features[:, 4:].reshape(len(sample), 80, 4)
    for row, n in zip(c, counts, strict=True):
        assert (row[n:] == 0).all() and (row[: min(n, 80)][:, 0] > 0).all()
    unpadded = {"objects": [{"index": 0}, {"range": [1, 81]}], "kinds": ["cartesian"]}
    kept = compute_features(sample, unpadded, allow_empty=True)
    assert kept is None or len(kept.features) == int((counts >= 80).sum())


def test_padding_refuses_directions() -> None:
    with pytest.raises(ConfigError, match="collider"):
        parse_spec({"objects": [{"range": [0, 3], "pad": True}], "kinds": ["collider"]})
    with pytest.raises(ConfigError, match="range"):
        parse_spec({"objects": [{"range": [3, 3]}], "kinds": ["cartesian"]})


def test_jet_frame_puts_the_axis_on_z_and_keeps_angles(top_sample) -> None:
    _, sample = top_sample
    spec = {"objects": [{"range": [1, 11], "pad": True}], "kinds": ["cartesian"]}
    c = compute_features(sample, spec).features.reshape(len(sample), 10, 4)
    axis = _four(sample.particles[:, 0])[:, 1:]
    r = jet_frame(c, axis)
    np.testing.assert_allclose(r[..., 0], c[..., 0])
    gram = np.einsum("nik,njk->nij", c[..., 1:], c[..., 1:])
    np.testing.assert_allclose(np.einsum("nik,njk->nij", r[..., 1:], r[..., 1:]), gram,
                               rtol=1e-9, atol=1e-6)  # fmt: skip
    moved = jet_frame(np.concatenate([np.zeros((len(axis), 1)), axis], 1)[:, None], axis)[:, 0]
    np.testing.assert_allclose(moved[:, 1:3], 0.0, atol=1e-9)
    assert (moved[:, 3] > 0).all()


def test_emd_of_known_configurations() -> None:
    a = np.array([[100.0, 0.0, 0.0], [50.0, 0.3, 0.1]])
    assert energy_movers_distance(a, a, 0.8) == pytest.approx(0.0, abs=1e-9)
    b = a.copy()
    b[1, 1] += 0.2  # move 50 GeV by Δy = 0.2: work 50 · 0.2 / R
    assert energy_movers_distance(a, b, 0.8) == pytest.approx(50 * 0.2 / 0.8)
    c = a.copy()
    c[0, 0] = 90.0  # 10 GeV less: the energy term
    assert energy_movers_distance(a, c, 0.8) == pytest.approx(10.0)
    assert energy_movers_distance(c, a, 0.8) == pytest.approx(10.0)
    d = pairwise_emd([a, b, c], 0.8, progress=False)
    assert d.shape == (3,) and d[0] == pytest.approx(12.5)


def test_jet_particles_wrap_the_azimuth() -> None:
    pt, phis = 10.0, np.array([math.pi - 0.05, -math.pi + 0.05])
    c = np.zeros((1, 3, 4))
    for i, phi in enumerate(phis):
        c[0, i] = [pt, pt * math.cos(phi), pt * math.sin(phi), 0.0]
    (jet,) = jet_particles(c, center=False)
    assert jet.shape == (2, 3)  # the padded row is left out
    assert abs(jet[0, 2] - jet[1, 2]) == pytest.approx(0.1)
    (centered,) = jet_particles(c)
    np.testing.assert_allclose(centered[:, 1:].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(centered[:, 2], [-0.05, 0.05], atol=1e-12)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_correlation_dimension_of_uniform_cubes(dim: int) -> None:
    x = np.random.default_rng(dim).random((1500, dim))
    cd = correlation_dimension(pdist(x), np.geomspace(0.01, 0.1, 6))
    assert np.nanmedian(cd.dimension) == pytest.approx(dim, abs=0.25)
    assert cd.pairs.shape == (6,) and (np.diff(cd.pairs) >= 0).all()
    with pytest.raises(ValueError, match="increasing"):
        correlation_dimension(pdist(x), [0.1, 0.01])


def test_jets_profile_runs_only_its_processes() -> None:
    cfg = load_config("config.yaml", "profiles/jets/jets.yaml")
    assert list(cfg.processes) == ["ee_zqq_dijets", "top_jets", "qcd_jets"]
    assert not cfg.invariance and not cfg.scans
    assert cfg.processes["top_jets"].dof is None
    assert cfg.processes["top_jets"].dof_attribute == -1


def test_only_and_dof_null_are_checked(tmp_path) -> None:
    over = tmp_path / "over.yaml"
    over.write_text("only: [nope]\n")
    with pytest.raises(ConfigError, match="no process or invariance setting named nope"):
        load_config("config.yaml", over)
    over.write_text("only: [ring]\nprocesses:\n  ring:\n    dof: null\n")
    with pytest.raises(ConfigError, match="exact: false"):
        load_config("config.yaml", over)
    assert dof_verdict(3, -1, False) == "unknown" and dof_text(-1) == "–"


def test_generation_chunk_writes_the_selected_jets(tmp_path) -> None:
    spec = load_config("config.yaml", "profiles/jets/jets.yaml").processes["ee_zqq_dijets"]
    spec = dataclasses.replace(spec, events={**spec.events, "n_events": 30})
    out = generate_event_chunk(spec, 0, tmp_path / "chunk0.root", progress=False)
    events = read_events(out)
    assert len(events) == events.metadata["n_selected"] <= 30
    assert events.metadata["jets"]["algorithm"] == "ee_antikt"
    assert (ak.to_numpy(ak.num(events.particles)) == 2).all()


def test_jet_mass_histograms_and_plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from symvae.plotting.jets import MASS_MARKS, jet_mass_histogram, plot_jet_masses

    h = jet_mass_histogram(np.r_[np.full(30, 172.0), np.full(10, 80.0), 300.0], "leading-jet mass")
    assert h.sum(flow=False) == 40 and h.sum(flow=True) == 41
    assert h.axes[0].centers[int(h.values().argmax())] == pytest.approx(171.25)
    ax = Figure().add_subplot()
    plot_jet_masses(ax, {"top": h})
    assert len(ax.get_lines()) == len(MASS_MARKS)
    assert "top: leading-jet mass" in [t.get_text() for t in ax.get_legend().get_texts()]
