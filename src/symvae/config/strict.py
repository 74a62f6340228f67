"""Checks of a raw config before the JSON schema sees it, and the one coercion it allows.

- every mapping key is a string, and the names of processes, invariance settings and scans
  are identifiers (``[A-Za-z][A-Za-z0-9_]*``): they become folder names and Snakemake
  wildcards, so ``../evil`` or ``ring(1)`` would escape ``results/`` or break the rules;
- every number is finite (YAML's ``.nan`` and ``.inf`` are refused everywhere);
- where the schema asks for an integer, a whole-number float (``5.0``) is taken as the
  integer ``5``; ``5.5`` stays a float and the schema refuses it.

Errors are :class:`~symvae.errors.ConfigError` with the message
``config key 'a.b.c': <problem>``; :func:`symvae.config.load.load_config` adds the file and
line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from symvae.errors import ConfigError

__all__ = ["NAME", "check_results", "check_values", "coerce_integers", "key_name"]

#: What a process, invariance setting or scan may be called.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: Mappings whose keys are names the workflow turns into folders and wildcards.
_NAMED = {("processes",), ("scans",), ("invariance", "settings")}


def key_name(path: tuple[Any, ...]) -> str:
    """``a.b.c`` of a key path (the form every config message uses)."""
    return ".".join(str(p) for p in path) or "<root>"


def check_values(raw: Any, path: tuple[Any, ...] = ()) -> None:
    """Refuse non-string keys, bad names and non-finite numbers anywhere in ``raw``."""
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if not isinstance(key, str):
                raise ConfigError(
                    f"config key '{key_name((*path, key))}': keys must be strings, got "
                    f"{type(key).__name__} {key!r} (quote it)"
                )
            if path in _NAMED and not NAME.fullmatch(key):
                raise ConfigError(
                    f"config key '{key_name((*path, key))}': {key!r} is not a valid name "
                    "(a letter, then letters, digits or '_')"
                )
            check_values(value, (*path, key))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            check_values(value, (*path, i))
    elif isinstance(raw, float) and not math.isfinite(raw):
        raise ConfigError(f"config key '{key_name(path)}': must be a finite number, got {raw}")


def check_results(results: Any) -> None:
    """The output folder: a non-empty path that is not a filesystem root."""
    if not isinstance(results, str) or not results.strip():
        raise ConfigError(f"config key 'results': must be a non-empty folder, got {results!r}")
    resolved = Path(results).expanduser().resolve()
    if resolved == Path(resolved.anchor):
        raise ConfigError(
            f"config key 'results': {results!r} is a filesystem root; name a folder for the results"
        )


def coerce_integers(raw: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """``raw`` with whole-number floats turned into ints where ``schema`` wants an integer.

    Follows ``$ref`` (local ``#/…``), ``properties``, ``additionalProperties``, ``items`` and
    the subschemas of ``allOf``/``anyOf``/``oneOf``/``then``/``else``; everything else is
    returned unchanged (and the schema validates it afterwards).
    """
    schema = _resolve(schema, root)
    if isinstance(raw, float) and raw.is_integer() and _wants_integer(schema):
        raw = int(raw)
    if isinstance(raw, Mapping):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out = {}
        for key, value in raw.items():
            sub = props.get(key, extra if isinstance(extra, Mapping) else None)
            out[key] = coerce_integers(value, sub, root) if sub is not None else value
        raw = out
    elif isinstance(raw, list) and isinstance(schema.get("items"), Mapping):
        raw = [coerce_integers(v, schema["items"], root) for v in raw]
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator, []):
            raw = coerce_integers(raw, sub, root)
    for branch in ("then", "else"):
        if isinstance(schema.get(branch), Mapping):
            raw = coerce_integers(raw, schema[branch], root)
    return raw


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _wants_integer(schema: Mapping[str, Any]) -> bool:
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    return "integer" in types and "number" not in types
