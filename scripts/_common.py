"""Shared plumbing of the entry points in scripts/ (no science here).

Each script runs in two ways:

- from a Snakemake rule (``script:`` directive): inputs, outputs, params, threads and log
  come from the ``snakemake`` object, and stdout/stderr go to the rule's log file;
- from the command line, with ``--help`` and explicit ``--config``/``--process`` options.

Errors that a user can cause (:class:`symvae.SymvaeError`) end the script with one line,
``symvae: error: <message>``, and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_SRC = Path(__file__).resolve().parents[1] / "src"
try:  # an installed symvae wins; a source checkout works without installing
    import symvae  # noqa: F401
except ImportError:
    sys.path.insert(0, str(_SRC))

from symvae.config import ProcessSpec, load_config  # noqa: E402
from symvae.errors import SymvaeError  # noqa: E402

__all__ = ["add_process_args", "add_results_args", "process_spec", "run"]


def add_process_args(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--process``: which process of which config to work on."""
    parser.add_argument(
        "--config", default="config.yaml", help="workflow config (default: %(default)s)"
    )
    parser.add_argument(
        "--process", required=True, help="process name, a key of 'processes' in the config"
    )
    parser.add_argument(
        "--scan",
        nargs=2,
        metavar=("SCAN", "POINT"),
        help="a point of a scan instead of the process itself: scan name and point index",
    )


def add_results_args(parser: argparse.ArgumentParser) -> None:
    """``--config`` (one or more files, merged in order) and ``--results`` (the folder)."""
    parser.add_argument(
        "--config",
        nargs="+",
        default=["config.yaml"],
        help="workflow config and overrides, merged in order (default: %(default)s)",
    )
    parser.add_argument(
        "--results", default="results", help="results folder (default: %(default)s)"
    )


def process_spec(args: argparse.Namespace) -> ProcessSpec:
    """The resolved spec, from Snakemake params or from ``--config``/``--process``
    (and ``--scan``)."""
    if getattr(args, "spec", None) is not None:  # a rule's params: the stage's view
        return ProcessSpec.from_view(args.spec)
    cfg = load_config(args.config)
    spec = cfg.process(args.process)
    if getattr(args, "scan", None):
        name, point = args.scan
        if name not in cfg.scans:
            known = ", ".join(cfg.scans) or "none"
            raise SymvaeError(f"{args.config}: no scan named '{name}' (has: {known})")
        return cfg.scans[name].point_spec(args.process, point)
    return spec


def run(
    doc: str | None,
    build: Callable[[argparse.ArgumentParser], None],
    main: Callable[[argparse.Namespace], Any],
    snakemake: Any = None,
    from_snakemake: Callable[[Any], Sequence[str] | argparse.Namespace] | None = None,
) -> None:
    """Parse arguments (command line or Snakemake), run ``main``, report errors in one line."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    build(parser)
    if snakemake is not None and from_snakemake is not None:
        got = from_snakemake(snakemake)
        args = got if isinstance(got, argparse.Namespace) else parser.parse_args(list(got))
        log = snakemake.log[0] if len(snakemake.log) else None
    else:
        args = parser.parse_args()
        log = None
    real_stderr = sys.stderr
    with contextlib.ExitStack() as stack:
        if log:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            handle = stack.enter_context(open(log, "a"))
            stack.enter_context(contextlib.redirect_stdout(handle))
            stack.enter_context(contextlib.redirect_stderr(handle))
        try:
            main(args)
        except (SymvaeError, OSError) as err:
            # OSError: an output folder that cannot be created or written (read-only file
            # system, a file where a folder should be, a full disk), named with its path
            text = str(err)
            if isinstance(err, OSError) and err.filename:
                text = f"{err.filename}: {err.strerror or err}"
            message = f"symvae: error: {text}"
            print(message, file=sys.stderr)
            if log:
                print(message, file=real_stderr)
            sys.exit(1)
