"""Event generators and the event steps: analytic invariants, metadata, chunks, errors."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
from conftest import EE_MUMU_SETTINGS, ROOT

from symvae.config import load_config
from symvae.errors import ConfigError
from symvae.events import Events
from symvae.events.pythia import generate_pythia
from symvae.events.rambo import rambo, rambo_momenta
from symvae.outputs.events import read_events, write_events
from symvae.outputs.features import read_features
from symvae.stages import chunk_sizes, generate_event_chunk, make_event_features, merge_events

EE = EE_MUMU_SETTINGS


@pytest.mark.parametrize("n", [2, 3, 4])
def test_rambo_conserves_momentum_and_is_massless(n):
    p = rambo_momenta(5000, n, 250.0, np.random.default_rng(n))
    assert p.shape == (5000, n, 4)
    np.testing.assert_allclose(p.sum(axis=1), np.tile([250.0, 0, 0, 0], (5000, 1)), atol=1e-9)
    m2 = p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)
    assert np.abs(m2).max() < 1e-8 * 250.0**2
    assert (p[..., 0] > 0).all()


def test_rambo_is_flat_phase_space_for_two_bodies():
    """Two-body phase space is isotropic: cos θ uniform, |p| = √s/2."""
    p = rambo_momenta(40000, 2, 100.0, np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.norm(p[:, 0, 1:], axis=1), 50.0, rtol=1e-9)
    cos = p[:, 0, 3] / 50.0
    hist, _ = np.histogram(cos, bins=10, range=(-1, 1))
    assert np.abs(hist / 4000 - 1).max() < 0.06


def test_rambo_seeded_and_checked():
    a, b = rambo(100, 7), rambo(100, 7)
    assert ak.all(a.particles.E == b.particles.E)
    assert a.metadata["seed"] == 7 and a.metadata["generator"] == "rambo"
    with pytest.raises(ConfigError, match="n_particles"):
        rambo_momenta(10, 1, 100.0, np.random.default_rng(0))


def test_pythia_ee_mumu_is_exact_two_body():
    ev = generate_pythia(EE, 200, 5, {"pid": [13, -13]}, progress=False)
    assert len(ev) == 200
    assert ak.all(ak.num(ev.particles) == 2)
    p = ev.particles
    total = np.stack([ak.to_numpy(ak.sum(p[k], axis=1)) for k in ("E", "px", "py", "pz")], 1)
    np.testing.assert_allclose(total, np.tile([91.1876, 0, 0, 0], (200, 1)), atol=1e-6)
    m2 = ak.to_numpy(ak.flatten(p.E**2 - p.px**2 - p.py**2 - p.pz**2))
    np.testing.assert_allclose(np.sqrt(m2), 0.105658, rtol=1e-3)
    assert sorted(set(ak.to_numpy(ak.flatten(p.pid)).tolist())) == [-13, 13]
    meta = ev.metadata
    assert meta["generator"] == "pythia8" and meta["seed"] == 5 and meta["settings"] == EE
    assert meta["version"].startswith("8.3") and meta["sigma_pb"] > 0
    # same seed, same events
    again = generate_pythia(EE, 200, 5, {"pid": [13, -13]}, progress=False)
    assert ak.all(again.particles.px == ev.particles.px)


def test_pythia_rejects_bad_settings():
    with pytest.raises(ConfigError, match="not accepted"):
        generate_pythia([*EE, "Beams:eCMM = 91"], 10, 1, progress=False)
    with pytest.raises(ConfigError, match="seed"):
        generate_pythia(EE, 10, -1, progress=False)


def test_chunk_sizes():
    assert chunk_sizes(10, 3) == [4, 3, 3]
    assert sum(chunk_sizes(12001, 4)) == 12001


def test_chunks_merge_and_features(tmp_path):
    cfg = load_config(ROOT / "config.yaml")
    spec = cfg.process("ee_mumu")
    spec = type(spec).from_dict(
        {**spec.to_dict(), "events": {**spec.events, "n_events": 301, "chunks": 2}}
    )
    chunks = [
        generate_event_chunk(spec, i, tmp_path / f"c{i}.root", progress=False) for i in (0, 1)
    ]
    first = read_events(chunks[0])
    assert len(first) == 151 and first.metadata["seed"] == spec.data.seed
    merged = merge_events(spec, chunks, tmp_path / "events.root")
    ev = read_events(merged)
    assert len(ev) == 301
    assert ev.metadata["seeds"] == [spec.data.seed, spec.data.seed + 1]
    assert ev.metadata["n_accepted"] == 301 and ev.metadata["sigma_pb"] > 0
    feats = make_event_features(spec, merged, tmp_path / "features.h5")
    ff = read_features(feats)
    assert ff.dataset.feature_names == (
        "E_1",
        "px_1",
        "py_1",
        "pz_1",
        "E_2",
        "px_2",
        "py_2",
        "pz_2",
    )
    assert ff.dataset.units == ("GeV",) * 8
    np.testing.assert_allclose(
        ff.dataset.features[:, 0] + ff.dataset.features[:, 4], 91.1876, atol=1e-6
    )
    with pytest.raises(ConfigError, match="out of range"):
        generate_event_chunk(spec, 2, tmp_path / "c2.root", progress=False)


def test_event_store_keeps_weights_and_metadata(tmp_path):
    ev = Events.from_arrays(
        [1, 2],
        {
            "px": [1.0, 2.0, 3.0],
            "py": [0.0] * 3,
            "pz": [0.5] * 3,
            "E": [2.0, 3.0, 4.0],
            "pid": [22, 11, -11],
        },
        weight=np.array([0.5, 2.0]),
        metadata={"generator": "test", "sigma_pb": 1.5},
    )
    write_events(tmp_path / "e.root", ev)
    back = read_events(tmp_path / "e.root")
    assert back.weight.tolist() == [0.5, 2.0]
    assert back.metadata["sigma_pb"] == 1.5
    assert back.particles.tolist() == ev.particles.tolist()
    assert not list(tmp_path.glob("*.part"))
