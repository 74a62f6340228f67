"""The config is checked strictly at load time: every bad value is one line
``FILE:LINE: KEY: PROBLEM``, from the library and from ``snakemake``, before any job runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SNAKEMAKE, tiny_config

from symvae.config import load_config
from symvae.config.resources import check_memory
from symvae.errors import ConfigError

#: A hand-written config whose line numbers the tests know.
TEXT = textwrap.dedent(
    """\
    seeds: [0, 1]
    defaults:
      data: {n_events: 1500, validation_fraction: 0.2, test_fraction: 0.3}
      vae:
        epochs: 20
        patience: 5
        batch_size: 128
        latent_dim: 4
      relevance: {n_latent_samples: 200}
      local_dof: {n_neighbors: 30, max_points: 450}
    processes:
      ring:
        generator: ring
        dof: 1
        params: {radius: 1.0, width: 0.01}
    """
)


def _write(tmp_path: Path, text: str = TEXT, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(source: Any) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(source)
    message = str(err.value)
    assert "\n" not in message, message
    return message


def test_whole_number_floats_are_integers(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, TEXT.replace("epochs: 20", "epochs: 20.0")))
    epochs = cfg.process("ring").vae.epochs
    assert epochs == 20 and type(epochs) is int
    seeds = load_config(_write(tmp_path, TEXT.replace("[0, 1]", "[0.0, 1.0]"))).seeds
    assert seeds == (0, 1) and all(type(s) is int for s in seeds)


def test_fractional_integer_names_file_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("epochs: 20", "epochs: 5.5"))
    assert _error(path) == f"{path}:5: defaults.vae.epochs: must be an integer, got 5.5"


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_numbers_are_refused(tmp_path: Path, value: str) -> None:
    text = TEXT.replace("relevance: {n_latent_samples: 200}", f"relevance: {{threshold: {value}}}")
    path = _write(tmp_path, text)
    message = _error(path)
    assert message.startswith(f"{path}:9: defaults.relevance.threshold: must be a finite number")


@pytest.mark.parametrize("name", ["../evil", "ring(1)", "1ring", "a b", "ring.x"])
def test_process_names_are_identifiers(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, TEXT.replace("  ring:\n", f"  {name!r}:\n"))
    message = _error(path)
    assert message.startswith(f"{path}:12: processes.{name}: ") and "not a valid name" in message


@pytest.mark.parametrize(("key", "shown"), [('"\\n"', "\\n"), ('"a\\tb"', "a\\tb")])
def test_unprintable_keys_are_escaped_in_one_line(tmp_path: Path, key: str, shown: str) -> None:
    # found by test_fuzz: a newline in a YAML key made the message two lines
    path = _write(tmp_path, TEXT.replace("  ring:\n", f"  {key}:\n"))
    message = _error(path)
    assert "\n" not in message and message.startswith(f"{path}:12: processes.{shown}: ")


def test_integer_keys_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("  ring:\n", "  1:\n"))
    assert _error(path).startswith(f"{path}:12: processes.1: keys must be strings, got int 1")


@pytest.mark.parametrize(("results", "problem"), [('""', "non-empty"), ("/", "filesystem root")])
def test_results_must_be_a_folder(tmp_path: Path, results: str, problem: str) -> None:
    path = _write(tmp_path, TEXT + f"results: {results}\n")
    message = _error(path)
    assert message.startswith(f"{path}:16: results: ") and problem in message


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("    patience: 5\n", "    patience: 5\n    epochs: 9\n"))
    assert _error(path) == f"{path}:7: key 'defaults.vae.epochs' appears twice (first at line 5)"


def test_yaml_syntax_errors_are_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("seeds: [0, 1]", "seeds: [0, 1"))
    message = _error(path)
    assert re.match(rf"{re.escape(str(path))}:\d+: not valid YAML: ", message), message


@pytest.mark.parametrize(
    ("seeds", "key"),
    [("[0, 4294967296]", "seeds.1"), ("[9223372036854775808]", "seeds.0"), ("[-1]", "seeds.0")],
)
def test_seeds_lie_in_32_bits(tmp_path: Path, seeds: str, key: str) -> None:
    path = _write(tmp_path, TEXT.replace("[0, 1]", seeds))
    assert _error(path).startswith(f"{path}:1: {key}: ")


def test_empty_hidden_layers_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("    epochs: 20\n", "    epochs: 20\n    hidden: []\n"))
    assert _error(path).startswith(f"{path}:6: defaults.vae.hidden: ")


def test_too_few_events_for_a_later_step_are_refused_up_front(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("n_events: 1500", "n_events: 60"))
    message = _error(path)
    assert message.startswith(f"{path}:3: processes.ring.data.n_events: 60 events are too few")
    assert "generator search" in message and "need 100" in message
    # the same sample is fine when the step that needs 100 events is switched off
    cfg = tiny_config()
    cfg["defaults"]["data"]["n_events"] = 60
    cfg["processes"] = {"ring": {**cfg["processes"]["ring"], "directions": {"family": "none"}}}
    assert load_config(cfg).process("ring").data.n_events == 60


def test_memory_beyond_the_machine_is_refused_with_both_figures(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace("n_events: 1500", "n_events: 100000000000"))
    message = _error(path)
    assert re.match(
        rf"{re.escape(str(path))}:3: processes.ring.data.n_events: 100000000000 events need at "
        r"least [\d.]+ GiB in step 'features', the machine has [\d.]+ GiB",
        message,
    ), message
    cfg = load_config(_write(tmp_path, TEXT))
    check_memory(cfg.processes, cfg.invariance)  # the tiny config fits
    with pytest.raises(ConfigError, match="need at least"):
        check_memory(cfg.processes, cfg.invariance, available=1000.0)


def test_memory_of_the_jobs_machines_can_be_stated(tmp_path: Path, monkeypatch) -> None:
    path = _write(tmp_path, TEXT.replace("n_events: 1500", "n_events: 100000000000"))
    monkeypatch.setenv("SYMVAE_MEMORY_GIB", "100000")
    assert load_config(path).process("ring").data.n_events == 10**11
    monkeypatch.setenv("SYMVAE_MEMORY_GIB", "lots")
    assert _error(path) == "SYMVAE_MEMORY_GIB: not a number of GiB: 'lots'"


def test_overrides_are_located_in_their_own_file(tmp_path: Path) -> None:
    base = _write(tmp_path)
    over = _write(tmp_path, "defaults:\n  vae:\n    batch_size: 0\n", "over.yaml")
    with pytest.raises(ConfigError) as err:
        load_config(base, over)
    assert str(err.value).startswith(f"{over}:3: defaults.vae.batch_size: ")
    # a merged mapping (Snakemake's config) is located through the files it came from
    merged = yaml.safe_load(TEXT)
    merged["defaults"]["vae"]["batch_size"] = 0
    with pytest.raises(ConfigError) as err:
        load_config(merged, origins=[base, over])
    assert str(err.value).startswith(f"{over}:3: defaults.vae.batch_size: ")
    with pytest.raises(ConfigError) as err:
        load_config(merged, origins=[base], command_line={"defaults": {"vae": {"batch_size": 0}}})
    assert str(err.value).startswith("--config: defaults.vae.batch_size: ")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("epochs: 20", "epochs: 5.5"),
            "config.yaml:5: defaults.vae.epochs: must be an integer, got 5.5",
        ),
        (("seeds: [0, 1]", "seeds: [0, 1"), "config.yaml:"),
        (
            ("    patience: 5\n", "    patience: 5\n    patience: 6\n"),
            "config.yaml:7: key",
        ),
    ],
    ids=["fractional-integer", "yaml-syntax", "duplicate-key"],
)
def test_snakemake_prints_one_line_and_writes_nothing(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    """``snakemake -n`` on a bad config: exit 1, one line naming the file, no traceback, and
    the working directory holds nothing but the config."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "config.yaml").write_text(TEXT.replace(*change))
    proc = subprocess.run(
        [*SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "-n"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )  # fmt: skip
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr and "Error in" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and lines[0].startswith(expected), proc.stderr
    left = sorted(p.name for p in work.iterdir() if p.name != ".snakemake")
    assert left == ["config.yaml"], left
    shutil.rmtree(work)
