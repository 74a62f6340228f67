"""Checks before any job runs, so that a bad input or a damaged output never costs a result.

Snakemake deletes a job's outputs before it runs the job, and plans by modification times
only. Two things would therefore lose earlier results or leave them standing broken:

- an input file that changed and no longer reads (a corrupted CSV): its ``ingest`` job
  would delete the earlier ``events.root`` and fail, and a rerun after the fix would start
  again from nothing. :func:`preflight` reads every file input that is newer than its
  ``events.root`` with the same reader and checks (:func:`symvae.events.readers.ingest_file`)
  while the workflow is planned: a bad file stops the plan with one line and every earlier
  output stays as it was;
- an output cut or changed after it was written (a truncated ``model.pt``): Snakemake would
  take it as done. :func:`preflight` checks every existing output
  (:mod:`symvae.outputs.integrity`) and names the first damaged one with the command that
  rebuilds it and what depends on it.
"""

from __future__ import annotations

from pathlib import Path

from symvae.config import Config
from symvae.errors import DataError, SymvaeError
from symvae.outputs.integrity import damaged, output_files, rebuild_hint

__all__ = ["changed_inputs", "preflight"]


def changed_inputs(config: Config) -> list[tuple[str, Path, Path]]:
    """File inputs newer than the ``events.root`` made from them: ``(process, input, events)``."""
    out = []
    for name, spec in config.processes.items():
        if spec.kind != "file":
            continue
        source = Path(spec.events["path"])
        events = Path(config.results) / name / "events.root"
        if source.is_file() and events.is_file():
            if source.stat().st_mtime_ns > events.stat().st_mtime_ns:
                out.append((name, source, events))
    return out


def preflight(config: Config) -> None:
    """Refuse to plan when an output is damaged or a changed input no longer reads.

    Raises
    ------
    DataError
        One line: the damaged file, its problem and the command that rebuilds it; or the
        input's own error (file, event or line, column) and which earlier output is kept.
    """
    broken = damaged(output_files(config.results))
    if broken:
        path, problem = broken[0]
        more = f" ({len(broken) - 1} more damaged files)" if len(broken) > 1 else ""
        raise DataError(f"{path}: damaged, {problem}{more}; {rebuild_hint(path)}")
    from symvae.events.readers import ingest_file

    for name, source, events in changed_inputs(config):
        try:
            ingest_file(config.processes[name].events)
        except SymvaeError as err:
            raise DataError(
                f"{err} [{source} changed since {events} was made from it; nothing was run "
                "and the earlier results are kept]"
            ) from None
