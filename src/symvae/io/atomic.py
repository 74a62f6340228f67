"""Atomic writes: a file appears at its final path complete, or not at all.

Every writer of symvae (HDF5 layouts, ``events.root``, ``model.pt`` and checkpoints, plots,
the PDF report, the event-format writers) writes through :func:`atomic_path`: it writes to a
file *of the same name* in a hidden temporary folder ``.<name>.tmp-<pid>-<random>/`` beside
the target, and :func:`os.replace` moves it onto the target once the writer succeeded (an
atomic rename, the folder being on the same file system). On any exception, or a
``KeyboardInterrupt``, the temporary folder is removed and an earlier file at the target
stays untouched.

The temporary file keeps the final file name because some formats store it: ROOT files
(uproot writes the name into the ``TFile`` key) and ``torch.save`` archives (their entries
are prefixed with the name's stem). Writing under the final name makes the bytes the same as
a direct write, and the same in every run. The folder name is hidden (leading dot) and
carries a suffix no Snakemake output pattern of the workflow matches.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from symvae.errors import DataError

__all__ = ["atomic_path", "temporary_folder_prefix"]


def temporary_folder_prefix(path: str | Path) -> str:
    """The name prefix of the temporary folder of a write to ``path``: ``.<name>.tmp-<pid>-``."""
    return f".{Path(path).name}.tmp-{os.getpid()}-"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s content to; move it onto ``path`` on success.

    The parent folder of ``path`` is created if missing. The yielded path has the same name
    as ``path``, in a new hidden folder beside it. If the ``with`` block raises (anything,
    ``KeyboardInterrupt`` included), or leaves no file at the yielded path, the temporary
    folder is removed, nothing is written at ``path`` and an existing file there is kept.
    An :class:`OSError` of the write (a full disk) becomes a
    :class:`~symvae.errors.DataError` naming ``path``.

    Examples
    --------
    >>> with atomic_path("results/x.npy") as tmp:  # doctest: +SKIP
    ...     np.save(tmp, array)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=temporary_folder_prefix(path), dir=path.parent))
    tmp = folder / path.name
    try:
        try:
            yield tmp
            if not tmp.is_file():
                raise FileNotFoundError(f"{path}: the writer left no file at {tmp}")
            os.replace(tmp, path)
        except OSError as err:
            if isinstance(err, FileNotFoundError) and str(err).startswith(str(path)):
                raise
            # a full disk or a lost mount: name the output, not the temporary file
            reason = err.strerror or " ".join(str(err).split())
            raise DataError(f"{path}: cannot be written ({reason})") from err
    finally:
        shutil.rmtree(folder, ignore_errors=True)
