"""The container definitions (Dockerfile, apptainer.def) build the locked environment: a
static check, as no container engine runs in CI. Both start from Python 3.11, install with
the lock as constraint, copy only paths that exist and every file the workflow reads."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml
from conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
APPTAINER = ROOT / "apptainer.def"


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _apptainer_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"header": []}
    current = "header"
    for line in APPTAINER.read_text().splitlines():
        if line.startswith("%"):
            current = line[1:].split()[0]
            sections[current] = []
        elif line.strip() and not line.lstrip().startswith("#"):
            sections[current].append(line.strip())
    return sections


def _docker_copied() -> set[str]:
    copied = set()
    for word, args in _dockerfile():
        if word == "COPY":
            *sources, _ = shlex.split(args)
            copied |= {s.rstrip("/") for s in sources}
    return copied


def _apptainer_copied() -> set[str]:
    return {line.split()[0] for line in _apptainer_sections()["files"]}


def _workflow_inputs() -> set[str]:
    """What the workflow reads: the files and folders REANA uploads for it."""
    spec = yaml.safe_load((ROOT / "reana.yaml").read_text())["inputs"]
    return set(spec["files"]) | set(spec["directories"])


def test_both_start_from_python_311() -> None:
    froms = [args for word, args in _dockerfile() if word == "FROM"]
    assert len(froms) == 1 and re.fullmatch(r"python:3\.11(-slim)?", froms[0]), froms
    header = dict(line.split(":", 1) for line in _apptainer_sections()["header"])
    assert header["Bootstrap"].strip() == "docker"
    assert header["From"].strip() == froms[0]


@pytest.mark.parametrize("copied", [_docker_copied, _apptainer_copied], ids=["docker", "apptainer"])
def test_they_copy_what_exists_and_what_the_workflow_reads(copied) -> None:
    paths = copied()
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"copied but not in the repository: {missing}"
    assert _workflow_inputs() <= paths, sorted(_workflow_inputs() - paths)


def _install_lines() -> list[str]:
    runs = [args for word, args in _dockerfile() if word == "RUN" and "pip install" in args]
    posts = [line for line in _apptainer_sections()["post"] if "pip install" in line]
    return runs + posts


def test_both_install_from_the_lock() -> None:
    lines = _install_lines()
    assert len(lines) == 2, lines
    for line in lines:
        args = shlex.split(line)
        assert args[args.index("-c") + 1] == "requirements.lock", line
        assert any(a.startswith("-e") or a == "-e" for a in args), line
        assert args[-1] in (".[cluster]", ".[workflow]"), line
    # one install command for both; the CPU build of torch unless told otherwise (PyPI's
    # default torch wheel is the multi-GB CUDA one)
    commands = {line[line.index("pip install") :] for line in lines}
    assert len(commands) == 1, commands
    for text in (DOCKERFILE.read_text(), APPTAINER.read_text()):
        default = [
            ln
            for ln in text.splitlines()
            if ln.strip().startswith(("ARG TORCH_INDEX", "TORCH_INDEX="))
        ]
        assert len(default) == 1 and "https://download.pytorch.org/whl/cpu" in default[0]


def test_the_lock_pins_what_the_container_needs() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    for package in ("torch", "snakemake", "pythia8mc", "fastjet", "click"):
        assert re.search(rf"^{package}==\S+", lock, re.M), package


def test_dockerignore_keeps_outputs_and_environments_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "results", ".snakemake"} <= ignored


def test_snakefile_names_the_image_the_dockerfile_builds() -> None:
    match = re.search(r'^container:\s*"docker://([^"]+)"', (ROOT / "Snakefile").read_text(), re.M)
    assert match, "the Snakefile names no container image"
    assert f"-t {match.group(1)} ." in DOCKERFILE.read_text()
