"""Exceptions raised by symvae.

Every error a user can cause (a bad config, a missing or corrupt file, NaNs in the data)
is a :class:`SymvaeError`; its message names the file or config key and the problem, so
command-line entry points print it as one line instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "DataError", "SymvaeError", "rebuild_hint"]


class SymvaeError(Exception):
    """Base class of every error that symvae reports to a user."""


class ConfigError(SymvaeError, ValueError):
    """A configuration is malformed: the message names the offending key."""


class DataError(SymvaeError, ValueError):
    """Input data are missing, corrupt or unusable: the message names the file and field."""


def rebuild_hint(path: str | Path) -> str:
    """The command that rebuilds the workflow output ``path`` and everything made from it."""
    return (
        f"rebuild it and what depends on it with: rm '{path}' && "
        f"snakemake --cores all --forcerun '{path}'"
    )
