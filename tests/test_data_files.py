"""The real event files under data/: present, intact (SHA-256 of data/README.md), readable."""

from __future__ import annotations

import hashlib
import re

import pytest
from conftest import ROOT

DATA = ROOT / "data"
TABLE = re.compile(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", re.MULTILINE)
CHECKSUMS = dict(TABLE.findall((DATA / "README.md").read_text()))


def test_every_file_is_listed_and_small() -> None:
    shipped = {p.name for p in DATA.iterdir() if p.name != "README.md"}
    assert shipped == set(CHECKSUMS)
    assert sum((DATA / name).stat().st_size for name in shipped) < 2 * 1024**2


@pytest.mark.parametrize("name", sorted(CHECKSUMS))
def test_checksum(name: str) -> None:
    digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
    assert digest == CHECKSUMS[name], f"data/{name} differs from its checksum in data/README.md"


def test_default_config_reads_only_the_repository() -> None:
    from symvae.config import load_config

    cfg = load_config(ROOT / "config.yaml")
    for spec in cfg.processes.values():
        if spec.kind == "file":
            path = ROOT / spec.events["path"]
            assert path.resolve().is_relative_to(ROOT), f"{spec.name} reads {path}"
            assert path.exists()
