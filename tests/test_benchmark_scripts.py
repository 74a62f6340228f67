"""Every benchmark script answers ``--help`` (without running its measurement)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

BENCHMARKS = sorted(
    p.name for p in (ROOT / "benchmarks").glob("*.py") if p.read_text().find("__main__") >= 0
)


def test_every_benchmark_is_listed() -> None:
    assert {"training.py", "workflow.py", "paper_floor.py"} <= set(BENCHMARKS)


@pytest.mark.parametrize("script", BENCHMARKS)
def test_benchmark_has_help(script: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage:"), proc.stdout[:200]
