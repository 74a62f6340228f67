"""Shared plumbing of the entry points in scripts/ (no science here).

Each script runs in two ways:

- from the command line, with ``--help`` and explicit ``--config``/``--process`` options;
- from a Snakemake rule (``script:`` directive). Each argument is named once, in the
  script's parser: :func:`from_snakemake` fills argument ``dest`` from the rule's
  ``params.dest``, ``input.dest``, ``output.dest`` or ``wildcards.dest`` (the first that
  exists; ``threads`` from the rule's threads), so a rule names its files after the options.
  An argument of ``KEY=PATH`` items (:func:`keyed`) takes its paths from ``input.dest`` (or
  ``output.dest``) and its keys from ``params.dest``; ``--config`` of several files is the
  workflow's merged config. Stdout and stderr go to the rule's log.

Errors that a user can cause (:class:`symvae.SymvaeError`) end the script with one line,
``symvae: error: <message>``, and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SRC = Path(__file__).resolve().parents[1] / "src"
try:  # an installed symvae wins; a source checkout works without installing
    import symvae  # noqa: F401
except ImportError:
    sys.path.insert(0, str(_SRC))

from symvae.config import ProcessSpec, load_config  # noqa: E402
from symvae.errors import SymvaeError  # noqa: E402

__all__ = [
    "add_process_args",
    "add_results_args",
    "from_snakemake",
    "keyed",
    "process_spec",
    "run",
    "workflow_only",
]


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
    # a rule's params.spec: the settings its stage reads (symvae.declared), never typed by hand
    parser.add_argument("--spec", type=workflow_only, help=argparse.SUPPRESS)


def workflow_only(text: str) -> Any:
    """Type of an option that only a workflow rule sets (through its params)."""
    raise argparse.ArgumentTypeError("--spec is set by the workflow, not on the command line")


class _Keyed(argparse.Action):
    """``--name KEY=PATH`` (repeatable) into a dict ``{KEY: PATH}``."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        found = dict(getattr(namespace, self.dest, None) or {})
        for item in values if isinstance(values, list) else [values]:
            key, sep, path = item.partition("=")
            if not sep or not key or not path:
                parser.error(f"{option}: expected KEY=PATH, got '{item}'")
            found[key] = path
        setattr(namespace, self.dest, found)


def keyed(parser: argparse.ArgumentParser, flag: str, what: str, **kwargs: Any) -> None:
    """An option of ``KEY=PATH`` items (one or more), parsed into ``{KEY: PATH}``."""
    parser.add_argument(flag, nargs="+", action=_Keyed, metavar="KEY=PATH", help=what, **kwargs)


def from_snakemake(parser: argparse.ArgumentParser, smk: Any) -> argparse.Namespace:
    """The script's arguments from a Snakemake job, by name (see the module docstring)."""
    args = argparse.Namespace()
    for action in parser._actions:
        dest = action.dest
        if dest == "help":
            continue
        value: Any = action.default
        sources = [smk.params, smk.input, smk.output, smk.wildcards]
        found = [getattr(src, dest) for src in sources if dest in src.keys()]
        if isinstance(action, _Keyed):
            paths = next((getattr(src, dest) for src in sources[1:3] if dest in src.keys()), [])
            value = dict(zip(getattr(smk.params, dest), map(str, paths), strict=True))
        elif dest == "threads":
            value = smk.threads
        elif dest == "config" and not found:  # the workflow's own, merged config
            value = [dict(smk.config)] if action.nargs == "+" else action.default
        elif found:
            value = found[0]
            if action.nargs in ("+", "*"):
                value = [str(v) for v in ([value] if isinstance(value, str) else value)]
            elif isinstance(value, list):  # an input function's list of at most one path
                value = str(value[0]) if value else None
            elif isinstance(value, str) and action.type not in (None, str, workflow_only):
                value = action.type(value)
        setattr(args, dest, value)
    return args


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
) -> None:
    """Parse arguments (command line or Snakemake), run ``main``, report errors in one line."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    build(parser)
    if snakemake is not None:
        args = from_snakemake(parser, snakemake)
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
