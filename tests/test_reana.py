"""``reana.yaml`` against REANA's own specification (the vendored JSON schema of
reana-commons 0.95), and the workflow loaded from exactly the files it uploads, as REANA
loads it: the DAG builds, every step has a pinned container image."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT

HERE = Path(__file__).parent / "reana"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "reana.yaml").read_text())


def test_reana_yaml_follows_reanas_specification(spec: dict[str, Any]) -> None:
    schema = json.loads((HERE / "reana_analysis_schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(spec), key=str)
    assert not errors, [e.message for e in errors]
    assert spec["workflow"]["type"] == "snakemake"


def test_the_vendored_schema_catches_a_bad_spec() -> None:
    schema = json.loads((HERE / "reana_analysis_schema.json").read_text())
    bad = {"workflow": {"type": "snakemake", "file": "Snakefile", "engine": "x"}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))
    assert list(jsonschema.Draft7Validator(schema).iter_errors({"inputs": {}}))


def test_every_uploaded_path_exists(spec: dict[str, Any]) -> None:
    inputs = spec["inputs"]
    paths = [*inputs["files"], *inputs["directories"], spec["workflow"]["file"]]
    for rel in paths:
        assert not Path(rel).is_absolute() and ".." not in Path(rel).parts, rel
        assert (ROOT / rel).exists(), f"reana.yaml uploads {rel}, which the repository lacks"
    assert spec["inputs"]["parameters"]["input"] in inputs["files"]


def test_outputs_are_what_the_workflow_writes(spec: dict[str, Any]) -> None:
    config = yaml.safe_load((ROOT / spec["inputs"]["parameters"]["input"]).read_text())
    results = config.get("results", "results")
    assert spec["outputs"]["directories"] == [results]
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    for rel in spec["outputs"]["files"]:
        name = rel.removeprefix(f"{results}/")
        assert f'f"{{RESULTS}}/{name}"' in common, f"{rel} is not a target of rule all"


@pytest.mark.workflow
def test_reana_loads_the_workflow_from_the_uploaded_files(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for rel in spec["inputs"]["files"]:
        shutil.copy2(ROOT / rel, workspace / rel)
    for rel in spec["inputs"]["directories"]:
        shutil.copytree(ROOT / rel, workspace / rel,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))  # fmt: skip
    proc = subprocess.run(
        [sys.executable, str(HERE / "load_workflow.py"), spec["workflow"]["file"],
         spec["inputs"]["parameters"]["input"]],
        cwd=workspace, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    steps = json.loads(proc.stdout)["steps"]
    assert {"train", "evaluate", "summarize", "report"} <= {s["name"] for s in steps}
    images = {s["environment"] for s in steps}
    assert len(images) == 1, images  # one image for every step
    (image,) = images
    name, _, tag = image.rpartition(":")
    assert name and tag and tag != "latest", f"REANA needs a pinned image, got {image!r}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"-t {image} ." in dockerfile, "the Dockerfile does not build the image REANA runs"
