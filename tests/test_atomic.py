"""Atomic writes: a writer that fails midway leaves no file at the final path, no temporary
file, and an earlier file at that path untouched (:mod:`symvae.io.atomic`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import torch

from symvae.events.store import Events
from symvae.events.writers import write_csv, write_lhe
from symvae.io.atomic import atomic_path, temporary_folder_prefix
from symvae.outputs.events import write_events, write_events_chunked
from symvae.outputs.layout import Layout, attribute, dataset
from symvae.vae.checkpoint import atomic_torch_save

EARLIER = b"an earlier complete file"


class Boom(RuntimeError):
    """The failure injected into a writer."""


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _fails_cleanly(
    folder: Path,
    name: str,
    write: Callable[[Path], object],
    error: type[BaseException] = Boom,
) -> None:
    """``write(path)`` raises ``error``; without an earlier file nothing is left in
    ``folder``, with one the earlier file is all there is, unchanged."""
    target = folder / name
    with pytest.raises(error):
        write(target)
    assert _listing(folder) == []
    target.write_bytes(EARLIER)
    with pytest.raises(error):
        write(target)
    assert _listing(folder) == [name]
    assert target.read_bytes() == EARLIER


def test_success_moves_the_file_into_place(tmp_path):
    target = tmp_path / "sub" / "x.bin"
    with atomic_path(target) as tmp:
        assert tmp.name == "x.bin" and tmp.parent.parent == target.parent
        assert tmp.parent.name.startswith(temporary_folder_prefix(target))
        assert tmp.parent.name.startswith(".")
        tmp.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new"
    assert _listing(target.parent) == ["x.bin"]


def test_an_exception_midway_leaves_nothing(tmp_path):
    def write(path: Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_bytes(b"half")
            raise Boom

    _fails_cleanly(tmp_path, "x.bin", write)


def test_an_interrupt_leaves_nothing(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(EARLIER)
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert _listing(tmp_path) == ["x.bin"] and target.read_bytes() == EARLIER


def test_a_writer_that_writes_nothing_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="left no file"), atomic_path(tmp_path / "x"):
        pass
    assert _listing(tmp_path) == []


@dataclass(kw_only=True)
class _Record(Layout):
    values: np.ndarray = dataset("(n,)")  # noqa: RUF009 (a layout declaration)
    label: str = attribute("str")


class _Exploding:
    """A value h5py fails to store, after the items before it are written."""

    def __str__(self) -> str:
        raise Boom


def test_layout_save(tmp_path):
    ok = _Record(values=np.arange(3.0), label="fine")
    _fails_cleanly(
        tmp_path,
        "r.h5",
        lambda p: _Record(values=np.arange(1e5), label=_Exploding()).save(p),  # type: ignore[arg-type]
    )
    ok.save(tmp_path / "r.h5")
    assert _Record.load(tmp_path / "r.h5").label == "fine"


def test_torch_save(tmp_path):
    class Unpicklable:
        def __reduce__(self) -> tuple:
            raise Boom

    _fails_cleanly(
        tmp_path,
        "m.pt",
        lambda p: atomic_torch_save(p, {"w": torch.ones(1000), "x": Unpicklable()}),
    )


def _events(n: int = 40, **metadata: object) -> Events:
    rng = np.random.default_rng(0)
    fields = {k: rng.normal(size=2 * n) for k in ("px", "py", "pz", "E")}
    fields["pid"] = np.tile([13, -13], n)
    fields["charge"] = np.tile([-1.0, 1.0], n)
    parts = ak.unflatten(ak.zip(fields), np.full(n, 2))
    return Events(parts, np.ones(n), {"generator": "test", **metadata})


def test_events_root_writers(tmp_path):
    def chunks() -> Iterator[Events]:
        yield _events()
        raise Boom  # the second chunk fails to arrive

    (tmp_path / "chunked").mkdir()
    _fails_cleanly(tmp_path / "chunked", "events.root", lambda p: write_events_chunked(p, chunks()))
    # metadata that JSON cannot encode fails after the tree is written
    unencodable = _events(bad=Boom())
    (tmp_path / "whole").mkdir()
    _fails_cleanly(
        tmp_path / "whole", "events.root", lambda p: write_events(p, unencodable), TypeError
    )


def test_export_writers(tmp_path, monkeypatch):
    import symvae.events.writers as writers

    def explode(*args: object, **kwargs: object) -> None:
        raise Boom

    events = _events()
    monkeypatch.setattr(writers.np, "savetxt", explode)
    (tmp_path / "csv").mkdir()
    _fails_cleanly(tmp_path / "csv", "e.csv", lambda p: write_csv(p, events, 2))
    monkeypatch.undo()
    monkeypatch.setattr(writers, "_event_blocks", explode)
    (tmp_path / "lhe").mkdir()
    _fails_cleanly(tmp_path / "lhe", "e.lhe", lambda p: write_lhe(p, events))


def test_report_and_overview(tmp_path, monkeypatch):
    """The PDF report and the overview PNG, failing on a late page or panel."""
    from test_report import _process_spec, _write_all

    import symvae.report.build as build

    summary, relevance, _ = _write_all(tmp_path / "in", _process_spec())
    out = tmp_path / "out"
    out.mkdir()

    def explode(*args: object, **kwargs: object) -> None:
        raise Boom

    monkeypatch.setattr(build, "_process_latent_page", explode)
    _fails_cleanly(out, "report.pdf", lambda p: build.build_report(summary, relevance, p))
    monkeypatch.setattr(build, "plot_traversals", explode)
    first = relevance["ring"] if "ring" in relevance else next(iter(relevance.values()))
    (out / "png").mkdir()
    _fails_cleanly(out / "png", "overview.png", lambda p: build.plot_overview(first, p))


def test_a_full_disk_names_the_output(tmp_path: Path) -> None:
    import errno
    import os

    from symvae.errors import DataError
    from symvae.io.atomic import atomic_path

    target = tmp_path / "out" / "features.h5"
    with pytest.raises(DataError, match=r"out/features.h5: cannot be written \(No space left"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert not target.exists() and list(target.parent.iterdir()) == []
