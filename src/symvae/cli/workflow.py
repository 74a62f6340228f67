"""Running the workflow from Python: Snakemake's API with a progress bar (``symvae run``).

:func:`snakemake_args` turns the options of ``symvae run`` into Snakemake's command line;
:func:`run_workflow` hands them to Snakemake's own parser and API (``snakemake.cli.parse_args``
and ``args_to_api``, so profiles, executors and every Snakemake option behave as on the
command line) and follows the run's progress events with a tqdm bar.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from symvae.errors import ConfigError

__all__ = ["find_snakefile", "run_workflow", "snakemake_args"]

#: the scheduler's lines that the progress bar makes redundant
_CHATTER = re.compile(r"^(Select jobs to execute|Execute \d+ jobs)\.\.\.$")


def find_snakefile(snakefile: str | Path | None = None) -> Path:
    """The workflow's ``Snakefile``: ``snakefile`` if given, else ``./Snakefile``, else the
    one of the clone symvae is installed from (``pip install -e``).

    Raises
    ------
    ConfigError
        No Snakefile is found (symvae installed from a wheel and run outside a clone).
    """
    if snakefile is not None:
        path = Path(snakefile)
        if not path.is_file():
            raise ConfigError(f"{path}: no such Snakefile")
        return path
    here = Path("Snakefile")
    if here.is_file():
        return here
    clone = Path(__file__).resolve().parents[3] / "Snakefile"
    if clone.is_file():
        return clone
    raise ConfigError(
        "no Snakefile: run symvae from a clone of the repository, or pass --snakefile"
    )


def snakemake_args(
    *,
    snakefile: Path,
    configfile: str | Path | None = None,
    profile: str | Path | None = None,
    cores: str | None = None,
    directory: str | Path | None = None,
    dry_run: bool = False,
    quiet: bool = True,
    extra: Sequence[str] = (),
) -> list[str]:
    """Snakemake's command line for these options (``extra`` passed on as it is).

    ``quiet`` leaves Snakemake's per-job lines out (``--quiet rules host``; its progress
    lines are drawn as the bar by :func:`run_workflow`); warnings and errors are always
    printed.
    """
    args = ["--snakefile", str(snakefile)]
    if configfile is not None:
        if not Path(configfile).is_file():
            raise ConfigError(f"{configfile}: no such config file")
        args += ["--configfile", str(configfile)]
    if profile is not None:
        if not Path(profile).is_dir():
            raise ConfigError(f"{profile}: no such profile folder")
        args += ["--profile", str(profile)]
    if directory is not None:
        args += ["--directory", str(directory)]
    if cores is not None:
        args += ["--cores", str(cores)]
    elif profile is None and "--cores" not in extra and "-c" not in extra:
        args += ["--cores", "all"]
    if dry_run:
        args.append("--dry-run")
    if quiet:
        args += ["--quiet", "rules", "host"]
    return [*args, *extra]


class _Progress(logging.Filter):
    """Follows Snakemake's progress and job events (a filter on its logger sees every record,
    whatever handlers Snakemake installs) and draws them as a tqdm bar."""

    def __init__(self) -> None:
        from snakemake_interface_logger_plugins.common import LogEvent

        super().__init__()
        self.bar: Any = None
        self.events = LogEvent

    def filter(self, record: logging.LogRecord) -> bool:
        LogEvent = self.events  # the enum, imported once in __init__
        event = getattr(record, "event", None)
        if event == LogEvent.PROGRESS:
            self._bar(int(record.total))  # type: ignore[attr-defined]
            self.bar.n = int(record.done)  # type: ignore[attr-defined]
            self.bar.refresh()
            return False  # the bar replaces the "N of M steps done" line
        if event == LogEvent.JOB_INFO:
            self._bar(None)
            self.bar.set_postfix_str(str(getattr(record, "rule_name", "")), refresh=True)
        if event is None and _CHATTER.match(record.getMessage()):
            return False  # the scheduler's "Select jobs" / "Execute N jobs" between bar updates
        return event != LogEvent.JOB_FINISHED

    def _bar(self, total: int | None) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc="workflow", unit="job")
        elif total is not None and self.bar.total != total:
            self.bar.total = total

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_workflow(args: Sequence[str], progress: bool = True) -> bool:
    """Run Snakemake with the command line ``args`` (see :func:`snakemake_args`) in this
    process; ``True`` when every job succeeded. Needs the ``workflow`` extra."""
    try:
        from snakemake.cli import args_to_api, parse_args
        from snakemake.exceptions import print_exception
        from snakemake.logging import logger
    except ImportError as err:
        raise ConfigError(
            f"symvae run needs Snakemake ({err}); install the workflow extra: "
            'pip install -c requirements.lock -e ".[workflow]"'
        ) from None
    bar = _Progress() if progress else None
    if bar is not None:
        logger.addFilter(bar)
    try:
        parser, parsed = parse_args(list(args))
        return bool(args_to_api(parsed, parser))
    except SystemExit as err:  # argparse's own errors and --help
        return err.code in (0, None)
    except Exception as err:  # what Snakemake's main prints for its own command
        print_exception(err)
        return False
    finally:
        if bar is not None:
            logger.removeFilter(bar)
            bar.close()
