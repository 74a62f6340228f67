"""Checking a results folder: is every output complete and what its layout declares?

:func:`verify_results` walks the folder (:func:`~symvae.outputs.integrity.output_files`),
checks each file's integrity (:func:`~symvae.outputs.integrity.check_file`: a truncated or
cut file is caught here) and then its content against the layout of its name
(:func:`layout_for`): every required item present (:meth:`Layout.read`), nothing undeclared
(:func:`~symvae.outputs.layout.undeclared`), datasets of the declared rank and kind of type
(:func:`~symvae.outputs.layout.shape_problems`); ``model.pt`` has the keys of
:class:`~symvae.outputs.model.ModelFile`, ``events.root`` the tree and branches of
:mod:`~symvae.outputs.events`. PDF and PNG files are checked for integrity only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from symvae.errors import DataError, SymvaeError
from symvae.io.hdf5 import open_h5
from symvae.outputs import FILES, events, model
from symvae.outputs.integrity import check_file, output_files
from symvae.outputs.layout import Layout, read_file, shape_problems, undeclared

__all__ = ["Problem", "Verification", "layout_for", "verify_file", "verify_results"]

#: undeclared items named in one problem line before "and N more"
_SHOWN = 4


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file."""

    path: Path
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


@dataclass
class Verification:
    """The outcome of :func:`verify_results`."""

    results: Path
    checked: list[Path] = field(default_factory=list)
    """Every file looked at, in sorted order."""
    problems: list[Problem] = field(default_factory=list)
    unknown: list[Path] = field(default_factory=list)
    """HDF5 files whose name matches no symvae output (integrity checked, layout not)."""

    @property
    def ok(self) -> bool:
        """Whether no file has a problem."""
        return not self.problems

    @property
    def bad_files(self) -> list[Path]:
        """The files with at least one problem, in order."""
        return list(dict.fromkeys(p.path for p in self.problems))

    def summary(self) -> str:
        """One line: how many files were checked and how many have problems."""
        n = len(self.checked)
        unknown = f", {len(self.unknown)} not a symvae output (layout not checked)"
        unknown = unknown if self.unknown else ""
        if self.ok:
            return f"{self.results}: {n} files checked, all complete and as declared{unknown}"
        bad = len(self.bad_files)
        return (
            f"{self.results}: {n} files checked, {bad} with problems "
            f"({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}){unknown}"
        )


def _pattern(path: str) -> re.Pattern[str]:
    """``<process>/seed<k>/model.pt`` → a regex matching the end of a relative path."""
    parts = re.split(r"<[^>]+>", path)
    body = "[^/]+".join(re.escape(p) for p in parts)
    return re.compile(rf"(?:^|/){body}$")


#: (regex, module, layout, specificity) per FILES entry, most specific first: more path
#: components, then fewer placeholders (``invariance/summary.h5`` before
#: ``invariance/<setting>.h5`` before ``summary.h5``)
_MATCHERS = sorted(
    ((_pattern(path), layout, (-path.count("/"), path.count("<"))) for path, _, layout in FILES),
    key=lambda m: m[2],
)


def layout_for(relative: str | Path) -> type[Layout] | None:
    """The layout of the output at ``relative`` (a path under the results folder, e.g.
    ``ring/seed0/evaluation.h5`` or ``scans/beta/ring/p0/features.h5``); ``None`` for a
    file that is no symvae output."""
    text = Path(relative).as_posix()
    for regex, layout, _ in _MATCHERS:
        if regex.search(text):
            return layout
    return None


def verify_file(path: str | Path, relative: str | Path | None = None) -> list[str]:
    """What is wrong with the output at ``path`` (``[]``: complete and as declared);
    ``relative`` is its path under the results folder (default its name), which picks the
    layout."""
    path = Path(path)
    damage = check_file(path)
    if damage is not None:
        return [f"damaged: {damage}"]
    layout = layout_for(relative if relative is not None else path.name)
    if layout is None or path.suffix in (".pdf", ".png"):
        return []
    try:
        if layout is model.ModelFile:
            return model.model_key_problems(model.read_model_payload(path))
        if layout is events.EventsFile:
            return _root_problems(path)
        return _hdf5_problems(path, layout)
    except SymvaeError as err:
        return [_without_path(str(err), path)]


def _hdf5_problems(path: Path, layout: type[Layout]) -> list[str]:
    try:
        read_file(path, layout)
    except DataError as err:
        return [_without_path(str(err), path)]
    with open_h5(path) as f:
        extra = undeclared(f, layout)
        problems = shape_problems(f, layout)
    if extra:
        more = f" and {len(extra) - _SHOWN} more" if len(extra) > _SHOWN else ""
        shown = ", ".join(extra[:_SHOWN])
        problems.append(f"not declared by the {layout.FILE} layout: {shown}{more}")
    return problems


def _root_problems(path: Path) -> list[str]:
    """The tree and branches as the reader checks them (:func:`events._open_tree`), the
    metadata string required beside them, and the first entry read."""
    try:
        with events._reading(path) as f:
            events._open_tree(f, path)
            if events.METADATA not in f:
                return [f"no '{events.METADATA}' string beside the tree"]
            f[events.TREE].arrays([*events.BRANCHES, events.WEIGHT], entry_stop=1)
    except DataError as err:
        return [_without_path(str(err), path)]
    return []


def _without_path(message: str, path: Path) -> str:
    """A library message less its leading ``<path>: `` (the problem line names the file)."""
    for prefix in (f"{path}: ", f"{path.resolve()}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def verify_results(results: str | Path) -> Verification:
    """Check every output under the folder ``results``.

    Raises
    ------
    DataError
        ``results`` is not a folder, or holds no output file at all.
    """
    results = Path(results)
    if not results.is_dir():
        raise DataError(f"{results}: not a folder")
    report = Verification(results)
    for path in output_files(results):
        relative = path.relative_to(results)
        report.checked.append(path)
        if path.suffix in (".h5", ".pt", ".root") and layout_for(relative) is None:
            report.unknown.append(path)
        report.problems += [Problem(path, what) for what in verify_file(path, relative)]
    if not report.checked:
        raise DataError(f"{results}: no output files (.h5, .pt, .root, .pdf, .png) under it")
    return report
