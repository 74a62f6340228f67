"""Feature files computed chunk by chunk equal the ones computed in one go."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
from conftest import tiny_config

from symvae.config import load_config
from symvae.errors import DataError
from symvae.events import Events
from symvae.events.features import compute_features
from symvae.events.rambo import rambo
from symvae.outputs.events import write_events
from symvae.outputs.features import make_split, read_features
from symvae.stages import make_event_features

FEATURES = {"objects": [{"index": 0}, {"index": 1}, {"index": 2}], "kinds": ["cartesian"]}


def _spec(n: int):
    cfg = tiny_config(
        {
            "r3": {
                "events": {"source": "rambo", "n_events": n, "params": {"n_particles": 3}},
                "features": FEATURES,
                "dof": 5,
                "vae": {"latent_dim": 8},
            }
        }
    )
    return load_config(cfg).process("r3")


@pytest.mark.parametrize("step_size", [137, 100_000])
def test_chunked_features_equal_one_pass(tmp_path, step_size):
    events = rambo(1000, 3, n_particles=3)
    path = tmp_path / "events.root"
    write_events(path, events)
    spec = _spec(1000)
    make_event_features(spec, path, tmp_path / "f.h5", step_size=step_size)
    ff = read_features(tmp_path / "f.h5")
    whole = compute_features(events, FEATURES)
    np.testing.assert_array_equal(ff.dataset.features, whole.features)
    for name, values in whole.truth.items():
        np.testing.assert_array_equal(ff.dataset.truth[name], values)
    split = make_split(1000, spec.data.validation_fraction, spec.data.test_fraction, 1234)
    np.testing.assert_array_equal(ff.split, split)
    assert ff.dataset.metadata["n_input"] == 1000 and ff.attrs["n_events"] == 1000


def test_a_chunk_without_objects_is_fine_but_no_objects_at_all_is_an_error(tmp_path):
    events = rambo(300, 4, n_particles=3)
    # the first 100 events lose their third particle: that chunk keeps nothing
    short = ak.concatenate([events.particles[:100, :2], events.particles[100:]])
    path = tmp_path / "events.root"
    write_events(path, Events(short, events.weight, events.metadata))
    make_event_features(_spec(300), path, tmp_path / "f.h5", step_size=100)
    ff = read_features(tmp_path / "f.h5")
    assert ff.dataset.n_events == 200 and ff.dataset.metadata["n_dropped"] == 100

    write_events(path, Events(events.particles[:, :2], events.weight, events.metadata))
    out = tmp_path / "none.h5"
    with pytest.raises(DataError, match=r"events\.root: no event has all selected objects"):
        make_event_features(_spec(300), path, out, step_size=100)
    assert not out.exists() and not list(tmp_path.glob("*.part"))
