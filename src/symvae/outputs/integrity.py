"""Integrity of written outputs: is a file at a final path complete?

Every writer writes atomically (:mod:`symvae.io.atomic`), so a damaged output means
something outside symvae cut or changed it (a full disk on another tool's copy, a truncated
transfer, a user's editor). Snakemake cannot tell: it compares times, not contents, and a
damaged file would stand as done while every later job fails on it. The workflow therefore
checks every existing output before it plans any job (:func:`damaged`), and the readers
name the command that rebuilds a file they cannot read (:func:`rebuild_hint`).

The checks read little and import nothing heavy:

- HDF5 (``.h5``): the file opens (the superblock records the end of file, so HDF5 itself
  notices a truncated file) and every object is reachable;
- ``model.pt`` (a zip archive): the central directory is intact and every member's CRC
  matches;
- ROOT (``.root``): the header's magic and its ``fEND`` equal the file's size;
- PDF: ``%PDF`` at the start and ``%%EOF`` near the end; PNG: the signature and a final
  ``IEND`` chunk.
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from symvae.errors import rebuild_hint

__all__ = ["CHECKED_SUFFIXES", "check_file", "damaged", "output_files", "rebuild_hint"]

#: Suffixes of the files whose integrity is checked.
CHECKED_SUFFIXES = (".h5", ".pt", ".root", ".pdf", ".png")

_PNG = b"\x89PNG\r\n\x1a\n"


def check_file(path: str | Path) -> str | None:
    """What is wrong with the output at ``path`` (``None``: complete and readable)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if size == 0:
        return "empty (0 bytes)"
    check = _CHECKS.get(path.suffix)
    try:
        return check(path, size) if check is not None else None
    except OSError as err:
        return f"cannot be read ({err})"


def _hdf5(path: Path, size: int) -> str | None:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            f.visititems(lambda name, obj: None)
    except (OSError, RuntimeError, KeyError) as err:
        return f"not a complete HDF5 file ({' '.join(str(err).split())})"
    return None


def _zip(path: Path, size: int) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError) as err:
        return f"not a complete model archive ({err})"
    return f"member {bad} fails its CRC check" if bad is not None else None


def _root(path: Path, size: int) -> str | None:
    with path.open("rb") as f:
        head = f.read(4 + 4 + 4 + 8)
    if len(head) < 16 or head[:4] != b"root":
        return "not a ROOT file (no 'root' magic)"
    version = struct.unpack(">i", head[4:8])[0]
    big = version >= 1_000_000
    if big and len(head) < 20:
        return "not a complete ROOT file (header cut)"
    end = struct.unpack(">q", head[12:20])[0] if big else struct.unpack(">i", head[12:16])[0]
    if end != size:
        return f"not a complete ROOT file (header says {end} bytes, file has {size})"
    return None


def _pdf(path: Path, size: int) -> str | None:
    with path.open("rb") as f:
        start = f.read(5)
        f.seek(max(0, size - 1024))
        tail = f.read()
    if start != b"%PDF-" or b"%%EOF" not in tail:
        return "not a complete PDF (no %PDF header or %%EOF trailer)"
    return None


def _png(path: Path, size: int) -> str | None:
    with path.open("rb") as f:
        start = f.read(8)
        f.seek(max(0, size - 12))
        tail = f.read()
    if start != _PNG or tail[4:8] != b"IEND":
        return "not a complete PNG (no signature or IEND chunk)"
    return None


_CHECKS = {".h5": _hdf5, ".pt": _zip, ".root": _root, ".pdf": _pdf, ".png": _png}


def output_files(results: str | Path) -> Iterator[Path]:
    """The checked outputs under ``results``, in sorted order (temporary folders of writes
    in progress, logs and benchmarks left out)."""
    results = Path(results)
    if not results.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(results):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix in CHECKED_SUFFIXES:
                yield Path(dirpath) / name


def damaged(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """The damaged files among ``paths``, each with its problem."""
    out = []
    for path in paths:
        problem = check_file(path)
        if problem is not None:
            out.append((Path(path), problem))
    return out
