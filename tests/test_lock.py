"""The lock file pins every dependency, satisfies pyproject.toml, and is what is installed.

``requirements.lock`` is written by ``.ci/lock`` (pip-tools) and CI installs with
``pip install -c requirements.lock -e ".[test]"``, so in a CI environment every locked package
that is installed must carry the locked version.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def _lock() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for number, line in enumerate(LOCK.read_text().splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        match = PIN.match(text)
        assert match, f"requirements.lock:{number}: not an exact pin: {line!r}"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements.lock:{number}: {name} pinned twice"
        pins[name] = Version(match.group(2))
    return pins


def _requirements() -> list[Requirement]:
    """Every requirement of the project with its test extra, self-references followed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    out = [Requirement(r) for r in project["dependencies"]]
    todo, seen = ["test"], set()
    while todo:
        extra = todo.pop()
        seen.add(extra)
        for text in extras[extra]:
            req = Requirement(text)
            if canonicalize_name(req.name) == "symvae":
                todo += [e for e in req.extras if e not in seen]
            else:
                out.append(req)
    return out


def test_lock_pins_every_requirement_within_its_range():
    pins = _lock()
    assert "symvae" not in pins
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is not in requirements.lock: run bash .ci/lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside pyproject's {req}"
        )


def test_lock_keeps_the_hand_chosen_pins():
    pins = _lock()
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            req = Requirement(text)
            assert req.specifier.contains(pins[canonicalize_name(req.name)]), text


def test_installed_environment_is_the_lock():
    """Installed from the lock (CI does): every locked package present has its locked version."""
    pins = _lock()
    installed = {
        canonicalize_name(d.metadata["Name"]): Version(d.version) for d in metadata.distributions()
    }
    if not all(canonicalize_name(r.name) in installed for r in _requirements()):
        pytest.skip("the test extra is not installed")
    wrong = {
        name: (str(installed[name]), str(version))
        for name, version in pins.items()
        if name in installed and installed[name].public != version.public
    }
    assert not wrong, f"installed (left) differs from requirements.lock (right): {wrong}"


def test_ci_and_readme_install_from_the_lock():
    ci = (ROOT / ".ci" / "run").read_text()
    assert '-c requirements.lock -e ".[test]"' in ci
    readme = (ROOT / "README.md").read_text()
    assert readme.count("-c requirements.lock") >= 2
    assert "constraints.txt -e" not in readme + ci
