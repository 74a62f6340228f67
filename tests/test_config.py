"""Config validation: every mistake names its key, at parse time."""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT, tiny_config

from symvae.config import ProcessSpec, load_config
from symvae.errors import ConfigError


def test_default_config_is_valid():
    cfg = load_config(ROOT / "config.yaml")
    assert len(cfg.seeds) == 3
    assert {"linear_gaussian", "ring", "kepler", "pendulum"} <= set(cfg.processes)
    ring = cfg.process("ring")
    # defaults merged, per-process overrides kept
    assert ring.vae.beta == 1.0 and ring.dof == 1
    assert cfg.process("linear_gaussian").vae.architecture == "linear"
    assert ring.relevance.threshold in ring.relevance.scan


def test_spec_round_trips_through_a_plain_dict():
    spec = load_config(tiny_config()).process("ring")
    assert ProcessSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda c: c["defaults"]["vae"].update(beta=-1.0), "defaults.vae.beta"),
        (
            lambda c: c["processes"]["ring"].setdefault("vae", {}).update(beta=0),
            "processes.ring.vae.beta",
        ),
        (lambda c: c["processes"]["ring"].pop("generator"), "processes.ring.generator"),
        (lambda c: c["processes"]["ring"].pop("dof"), "processes.ring.dof"),
        (lambda c: c.pop("seeds"), "seeds"),
        (lambda c: c["processes"]["ring"].update(generator="torus"), "processes.ring.generator"),
        (lambda c: c["defaults"]["vae"].update(latnet_dim=4), "defaults.vae.latnet_dim"),
        (
            lambda c: c["processes"]["ring"]["params"].update(radius_=2),
            "processes.ring.params.radius_",
        ),
        (
            lambda c: c["defaults"]["relevance"].update(threshold=1.5),
            "defaults.relevance.threshold",
        ),
        (lambda c: c["defaults"]["vae"].update(epochs="many"), "defaults.vae.epochs"),
        (lambda c: c.update(seeds=[]), "seeds"),
        (
            lambda c: c["defaults"]["data"].update(validation_fraction=0.5, test_fraction=0.45),
            "processes.ring.data",
        ),
        (lambda c: c["processes"]["ring"].update(dof=9), "processes.ring.vae.latent_dim"),
    ],
)
def test_bad_config_names_the_key(mutate, key):
    cfg = tiny_config()
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert str(err.value).startswith(f"{key}: "), str(err.value)


def test_unknown_generator_lists_known_ones():
    cfg = tiny_config()
    cfg["processes"]["ring"]["generator"] = "torus"
    with pytest.raises(ConfigError, match=r"unknown generator 'torus'.*kepler"):
        load_config(cfg)


def test_unknown_process_lookup():
    with pytest.raises(ConfigError, match=r"unknown process 'nope'"):
        load_config(tiny_config()).process("nope")


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"missing.yaml: config file not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seeds: [0, 1\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):
        load_config(bad)
    neg = tmp_path / "neg.yaml"
    cfg = tiny_config()
    cfg["defaults"]["vae"]["beta"] = -2
    neg.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match=r"neg.yaml:\d+: defaults.vae.beta: "):
        load_config(neg)


def test_overrides_merge_key_by_key_like_snakemake():
    cfg = load_config(ROOT / "config.yaml", ROOT / "profiles" / "paper" / "paper.yaml")
    assert len(cfg.seeds) == 10 and cfg.results == "results/paper"
    ee = cfg.process("ee_mumu")
    assert ee.events["n_events"] == 100000 and ee.events["chunks"] == 10
    assert ee.events["settings"][0] == "Beams:idA = 11"  # untouched keys survive
    assert {"ttbar_tops", "ttbar_decays", "pp_mumu_isr", "rambo4"} <= set(cfg.processes)
    # every process of the default config is in the paper run
    assert set(load_config(ROOT / "config.yaml").processes) <= set(cfg.processes)


def test_override_errors_name_both_files(tmp_path):
    bad = tmp_path / "over.yaml"
    bad.write_text("defaults: {vae: {beta: -3}}\n")
    with pytest.raises(ConfigError, match=r"over.yaml:1: defaults.vae.beta: "):
        load_config(ROOT / "config.yaml", bad)
