"""What a configuration key means, read from the config schema (``symvae config --explain``).

A key is the dotted path of a setting as it is written in ``config.yaml``:
``defaults.vae.beta``, ``processes.ring.vae.latent_dim``, ``invariance.settings.torus2.ns``,
``scans.beta.values``. Names the user chooses (a process, a scan, an invariance setting) may
be written as they are or as a placeholder such as ``<name>``; list items as ``0``, ``1`` ...
or ``[]``. :func:`explain` returns the key's type, meaning and allowed range from
``symvae/schemas/config.schema.yaml`` and, where the code supplies one, its default;
:func:`config_keys` lists every key the schema knows.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from symvae.config.invariance import InvarianceSetting
from symvae.config.load import schema
from symvae.config.process import (
    DataConfig,
    JetStudySettings,
    LocalDofConfig,
    RelevanceConfig,
    VAEConfig,
)
from symvae.errors import ConfigError

__all__ = ["KeyInfo", "config_keys", "explain"]

#: the code's defaults of the schema's definitions (``defaults.vae.beta`` unset → 1.0)
_DEFAULTS: dict[str, type] = {
    "vae": VAEConfig,
    "relevance": RelevanceConfig,
    "local_dof": LocalDofConfig,
    "jet_study": JetStudySettings,
    "data": DataConfig,
    "invariance_setting": InvarianceSetting,
}
#: the placeholder shown for names the user chooses, and for list items
_NAME, _ITEM = "<name>", "[]"
_NO_DEFAULT = object()


@dataclass(frozen=True)
class KeyInfo:
    """Everything the schema says about one configuration key."""

    key: str
    """The key as asked for, e.g. ``processes.ring.vae.beta``."""
    canonical: str
    """The key with chosen names as placeholders, e.g. ``processes.<name>.vae.beta``."""
    types: tuple[str, ...]
    """JSON-schema types (``number``, ``integer``, ``string``, ``array``, ``object`` ...)."""
    description: str
    allowed: str
    """The allowed values in words: ``> 0``, ``one of: mlp, linear``, ``1 to 4`` (``''``: any
    value of the type)."""
    default: Any = _NO_DEFAULT
    default_from: str = ""
    """Where the default comes from, e.g. ``symvae.config.process.VAEConfig``."""
    required: bool = False
    children: tuple[str, ...] = ()
    """The keys one level below (objects)."""

    @property
    def has_default(self) -> bool:
        """Whether the code gives the key a value when the config leaves it out."""
        return self.default is not _NO_DEFAULT

    def __str__(self) -> str:
        lines = [self.key if self.key == self.canonical else f"{self.key}  ({self.canonical})"]
        if self.description:
            lines.append(f"  meaning:  {self.description}")
        lines.append(f"  type:     {' or '.join(self.types) or 'any'}")
        if self.allowed:
            lines.append(f"  allowed:  {self.allowed}")
        if self.has_default:
            lines.append(f"  default:  {_show(self.default)}  (from {self.default_from})")
        elif self.required:
            lines.append("  default:  none, the key is required")
        if self.children:
            lines.append(f"  keys:     {', '.join(self.children)}")
        return "\n".join(lines)


def explain(key: str) -> KeyInfo:
    """The schema's entry for the dotted ``key``.

    Raises
    ------
    ConfigError
        The schema knows no such key (the message names the closest known keys).
    """
    root = schema()
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError("config key: empty; give a dotted key such as defaults.vae.beta")
    node, definition, required, canonical = root, "", False, []
    for i, part in enumerate(parts):
        node, definition = _resolve(root, node, definition)
        child = _child(root, node, part)
        if child is None:
            raise ConfigError(_unknown(key, ".".join(canonical), node, root, parts[i]))
        sub, is_named, name_required = child
        canonical.append(_NAME if is_named else (_ITEM if _is_item(part) else part))
        required = name_required
        node = sub
    own = str(node.get("description", ""))  # a description beside a $ref is the key's own
    node, _ = _resolve(root, node, definition)
    default, source = _default(definition, canonical[-1])
    return KeyInfo(
        key=key.strip(),
        canonical=".".join(canonical),
        types=_types(root, node),
        description=own or str(node.get("description", "")),
        allowed=_allowed(root, node),
        default=default,
        default_from=source,
        required=required,
        children=tuple(_properties(root, node))
        + ((_NAME,) if isinstance(node.get("additionalProperties"), Mapping) else ()),
    )


def config_keys() -> list[str]:
    """Every key the schema declares, with ``<name>`` for chosen names, ``[]`` for list
    items, in the schema's order."""
    root = schema()
    return list(_walk(root, root, ""))


def _walk(root: Mapping[str, Any], node: Mapping[str, Any], prefix: str) -> Iterator[str]:
    node, _ = _resolve(root, node, "")
    for name, sub in _properties(root, node).items():
        key = f"{prefix}{name}"
        yield key
        yield from _walk(root, sub, key + ".")
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        yield f"{prefix}{_NAME}"
        yield from _walk(root, extra, f"{prefix}{_NAME}.")


def _resolve(
    root: Mapping[str, Any], node: Mapping[str, Any], definition: str
) -> tuple[Mapping[str, Any], str]:
    """Follow ``$ref`` links (remembering the last definition's name)."""
    while "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        node, definition = root["definitions"][name], name
    return node, definition


def _alternatives(root: Mapping[str, Any], node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``node`` and the branches of its ``oneOf``/``anyOf``/``allOf``, references followed."""
    out = [node]
    for combinator in ("oneOf", "anyOf", "allOf"):
        for branch in node.get(combinator, ()):
            out += _alternatives(root, _resolve(root, branch, "")[0])
    return out


def _properties(root: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for alt in _alternatives(root, node):
        props.update(alt.get("properties", {}))
    return props


def _child(
    root: Mapping[str, Any], node: Mapping[str, Any], part: str
) -> tuple[Mapping[str, Any], bool, bool] | None:
    """(schema of ``part`` under ``node``, whether it is a chosen name, whether required)."""
    for alt in _alternatives(root, node):
        if part in alt.get("properties", {}):
            return alt["properties"][part], False, part in alt.get("required", ())
    for alt in _alternatives(root, node):
        extra = alt.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra, True, False
        if _is_item(part) and isinstance(alt.get("items"), Mapping):
            return alt["items"], False, False
    for alt in _alternatives(root, node):
        if _open(alt):  # free keys, checked by the code that reads them
            parent = str(alt.get("description", "")).rstrip(".")
            meaning = f"a free key; {parent}" if parent else "a free key"
            return {"description": meaning}, False, False
    return None


def _open(node: Mapping[str, Any]) -> bool:
    """Whether ``node`` is an object whose keys the schema leaves free (``params``)."""
    return (
        node.get("type") == "object"
        and not node.get("properties")
        and node.get("additionalProperties", True) is True
    )


def _is_item(part: str) -> bool:
    return part.isdigit() or part == _ITEM


def _types(root: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[str, ...]:
    types: list[str] = []
    for alt in _alternatives(root, node):
        kind = alt.get("type")
        kinds = [kind] if isinstance(kind, str) else list(kind or ())
        if "enum" in alt and not kinds:
            kinds = ["string"]
        if kinds == ["array"] and isinstance(alt.get("items"), Mapping):
            inner = _types(root, _resolve(root, alt["items"], "")[0])
            kinds = [f"array of {' or '.join(inner)}" if inner else "array"]
        types += [k for k in kinds if k not in types]
    return tuple(types)


def _allowed(root: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    words = []
    for alt in _alternatives(root, node):
        words += _bounds(alt)
        items = alt.get("items")
        if isinstance(items, Mapping):
            inner = _bounds(_resolve(root, items, "")[0])
            if inner:
                words.append("each item " + ", ".join(inner))
    return "; ".join(dict.fromkeys(words))


def _bounds(node: Mapping[str, Any]) -> list[str]:
    """The constraints of one schema node in words."""
    out = []
    if "enum" in node:
        out.append("one of: " + ", ".join(map(str, node["enum"])))
    low = [f"≥ {node['minimum']}"] if "minimum" in node else []
    low += [f"> {node['exclusiveMinimum']}"] if "exclusiveMinimum" in node else []
    high = [f"≤ {node['maximum']}"] if "maximum" in node else []
    high += [f"< {node['exclusiveMaximum']}"] if "exclusiveMaximum" in node else []
    if low or high:
        out.append(" and ".join(low + high))
    if "pattern" in node:
        out.append(f"matching {node['pattern']}")
    if "minItems" in node:
        out.append(f"at least {node['minItems']} item(s)")
    if "maxItems" in node:
        out.append(f"at most {node['maxItems']} item(s)")
    if node.get("uniqueItems"):
        out.append("no repeats")
    return out


def _default(definition: str, name: str) -> tuple[Any, str]:
    cls = _DEFAULTS.get(definition)
    if cls is None:
        return _NO_DEFAULT, ""
    for f in dataclasses.fields(cls):
        if f.name != name:
            continue
        if f.default is not dataclasses.MISSING:
            return f.default, f"{cls.__module__}.{cls.__qualname__}"
        if f.default_factory is not dataclasses.MISSING:
            return f.default_factory(), f"{cls.__module__}.{cls.__qualname__}"
    return _NO_DEFAULT, ""


def _show(value: Any) -> str:
    if value is None:
        return "unset (the library chooses, see the meaning)"
    if isinstance(value, tuple):
        value = list(value)
    return repr(value) if isinstance(value, str) else str(value)


def _unknown(
    key: str, parent: str, node: Mapping[str, Any], root: Mapping[str, Any], part: str
) -> str:
    known = list(_properties(root, node))
    where = f"under {parent}" if parent else "at the top level"
    close = difflib.get_close_matches(part, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    listing = f" (keys {where}: {', '.join(known)})" if known else f" ({parent} has no sub-keys)"
    return f"config key {key}: no key {part!r} {where}{hint}{listing}"
