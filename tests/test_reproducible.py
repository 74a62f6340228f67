"""Deterministic bytes: the same config and seeds on the CPU give byte-identical files.

Result files hold no wall time, date, host name or random UUID (wall times are in
``results/benchmarks/`` and the logs only), so a second run of the tiny workflow reproduces
every output of the first one bit for bit; ``events.root`` included, whose timestamps and
UUIDs :mod:`symvae.io.root` fixes.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
from conftest import TEMPORARY, run_tiny_workflow

from symvae.events.store import Events
from symvae.io import root
from symvae.outputs.events import read_events, write_events, write_events_chunked

#: what Snakemake writes beside the results: wall times and logs, different in every run
NOT_RESULTS = ("benchmarks", "logs")
#: every kind of output the comparison must cover (relative glob patterns)
KINDS = (
    "*/events.root", "*/features.h5", "*/seed*/model.pt", "*/seed*/evaluation.h5",
    "*/relevance.h5", "*/directions.h5", "summary.h5", "invariance/*.h5",
    "invariance/summary.h5", "scans/*.h5", "scans/*/*/*/features.h5",
    "scans/*/*/*/seed*/model.pt", "report.pdf", "*/overview.png",
)  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(results: Path) -> dict[str, str]:
    """SHA-256 of every file under ``results`` (but benchmarks and logs), by relative path."""
    return {
        str(p.relative_to(results)): _sha256(p)
        for p in sorted(results.rglob("*"))
        if p.is_file() and p.relative_to(results).parts[0] not in NOT_RESULTS
    }


def differing(first: dict[str, str], second: dict[str, str]) -> list[str]:
    """The relative paths whose digests differ or that only one run has."""
    return sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))


def test_differing_names_what_changed():
    """The comparison fails on a changed, a missing and an extra file."""
    a = {"x.h5": "1", "y.h5": "2", "z.h5": "3"}
    b = {"x.h5": "1", "y.h5": "changed", "w.h5": "4"}
    assert differing(a, b) == ["w.h5", "y.h5", "z.h5"]
    assert differing(a, dict(a)) == []


@pytest.mark.workflow
def test_two_runs_give_byte_identical_files(tiny_workflow, tmp_path):
    first_results = tiny_workflow / "results"
    second_results = run_tiny_workflow(tmp_path / "again")
    first, second = digests(first_results), digests(second_results)
    for pattern in KINDS:
        assert list(first_results.glob(pattern)), f"no {pattern} in the run"
    assert len(first) >= 50, sorted(first)
    assert differing(first, second) == []
    for results in (first_results, second_results):
        assert not [p for pattern in TEMPORARY for p in results.rglob(pattern)]


def _events(n: int, seed: int) -> Events:
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 4, n)
    fields = {k: rng.normal(size=counts.sum()) for k in ("px", "py", "pz", "E")}
    fields["pid"] = rng.choice([13, -13, 22], counts.sum()).astype(np.int32)
    fields["charge"] = rng.choice([-1.0, 1.0], counts.sum()).astype(np.float32)
    parts = ak.unflatten(ak.zip(fields), counts)
    return Events(parts, rng.uniform(0.5, 1.5, n), {"generator": "test", "seed": seed})


def test_events_root_bytes_do_not_depend_on_the_clock(tmp_path):
    """The same events written a second later, into another folder, give the same bytes,
    read back unchanged, and uproot's clock is its own again afterwards."""
    events = _events(200, 0)
    a, b = tmp_path / "a" / "events.root", tmp_path / "b" / "events.root"
    write_events(a, events)
    time.sleep(1.1)  # TDatime counts seconds
    write_events(b, events)
    assert _sha256(a) == _sha256(b)
    back = read_events(b)
    assert ak.to_list(back.particles) == ak.to_list(events.particles)
    np.testing.assert_array_equal(back.weight, events.weight)
    assert back.metadata["generator"] == "test"
    import uproot.writing._cascade as cascade

    assert cascade.datetime is datetime

    c, d = tmp_path / "c" / "events.root", tmp_path / "d" / "events.root"
    assert write_events_chunked(c, [_events(50, 1), _events(70, 2)]) == 120
    time.sleep(1.1)
    write_events_chunked(d, [_events(50, 1), _events(70, 2)])
    assert _sha256(c) == _sha256(d)
    assert len(read_events(d)) == 120


def test_fixed_clock_nests_and_restores():
    import uproot.writing._cascadetree as tree

    with root.fixed_clock():
        assert tree.datetime.datetime.now() == root.FIXED_TIME
        with root.fixed_clock():
            assert tree.datetime.datetime.now() == root.FIXED_TIME
            assert tree.datetime.timedelta is datetime.timedelta
        assert tree.datetime.datetime.now() == root.FIXED_TIME
    assert tree.datetime is datetime
    with pytest.raises(RuntimeError), root.fixed_clock():
        raise RuntimeError("writer failed")
    assert tree.datetime is datetime
