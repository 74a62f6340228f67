"""Reading config files strictly: YAML syntax errors and duplicate keys are refused with the
file and line, and every key path is mapped to the line that sets it, so that a later error
about ``processes.ring.vae.epochs`` can say ``config.yaml:14:``.

PyYAML's ``safe_load`` keeps the last of two equal keys without a word; here the composed
node tree is walked first, so a repeated key is an error naming both lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from symvae.errors import ConfigError

__all__ = ["KeyPath", "Located", "Origins", "read_yaml"]

#: A key path in a config, e.g. ``("processes", "ring", "vae", "epochs")``.
KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Located:
    """A parsed config file and the line (1-based) of every key path it sets."""

    path: Path
    data: Any
    lines: Mapping[KeyPath, int] = field(default_factory=dict)
    """Line of each key path; 0 where the source has no lines (command-line settings)."""

    @classmethod
    def of_mapping(cls, label: str, data: Mapping[str, Any]) -> Located:
        """Settings given without a file (e.g. Snakemake's ``--config``), named ``label``."""
        lines: dict[KeyPath, int] = {}

        def walk(obj: Any, prefix: KeyPath) -> None:
            if isinstance(obj, Mapping):
                for key, value in obj.items():
                    lines[(*prefix, str(key))] = 0
                    walk(value, (*prefix, str(key)))

        walk(data, ())
        return cls(Path(label), dict(data), lines)


def read_yaml(path: str | Path) -> Located:
    """Parse one YAML config file strictly.

    Raises
    ------
    ConfigError
        ``FILE: config file not found``, ``FILE:LINE: not valid YAML: <problem>`` or
        ``FILE:LINE: key 'a.b' appears twice (first at line N)``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the config file: {err}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[KeyPath, int] = {}
        if node is not None:
            _walk(node, (), lines, path)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = " ".join(str(p) for p in (err.context, err.problem) if p)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    return Located(path, data, lines)


def _walk(node: yaml.Node, prefix: KeyPath, lines: dict[KeyPath, int], path: Path) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            ident = (key_node.tag, str(key_node.value))
            name = ".".join((*prefix, str(key_node.value)))
            if ident in seen:
                raise ConfigError(
                    f"{path}:{line}: key '{name}' appears twice (first at line {seen[ident]})"
                )
            seen[ident] = line
            key = (*prefix, str(key_node.value))
            lines[key] = line
            _walk(value_node, key, lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = (*prefix, str(i))
            lines[key] = item.start_mark.line + 1
            _walk(item, key, lines, path)


@dataclass(frozen=True)
class Origins:
    """The files a config was merged from, in merge order (later files win)."""

    files: Sequence[Located] = ()

    def locate(self, key: str, *, exact: bool = False) -> str:
        """``FILE:LINE`` of the file and line that set ``key`` (dotted, e.g.
        ``processes.ring.vae.epochs``) or its nearest parent.

        The last file that sets the key wins, as in the merge; a key set without a file
        (command-line settings) gives the source's name alone; a key that no file sets
        gives the last file's name; empty without files (an in-memory mapping). Names with dots in them (``../evil``) match
        too: keys are compared as dotted strings. With ``exact``, only the key itself.
        """
        best: tuple[int, int, str] | None = None
        for rank, located in enumerate(self.files):
            for path, line in located.lines.items():
                name = ".".join(path)
                if key == name or (not exact and key.startswith(name + ".")):
                    where = f"{located.path}:{line}" if line else str(located.path)
                    if best is None or (len(name), rank) >= best[:2]:
                        best = (len(name), rank, where)
        if best is not None:
            return best[2]
        # a key no file sets (a missing required key): the last file read, without a line
        return "" if exact or not self.files else str(self.files[-1].path)
