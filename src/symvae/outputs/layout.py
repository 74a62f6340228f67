"""Declarative HDF5 layouts: a file's datasets, attributes and groups, written down once.

A layout is a dataclass whose fields are the items of one HDF5 group. Each field says what it
is with :func:`dataset`, :func:`attribute`, :func:`group` or :func:`members`; its name is the
name on disk (``name=`` where the disk name is not a Python identifier or clashes), and its
metadata carry the shape, unit and meaning. :meth:`Layout.write` and :meth:`Layout.read` are
generic over those fields, so a file's names live only in the module that declares its
layout, and the documentation table (:func:`markdown_table`) is generated from the same
declaration.

Shapes are written with the letters of the file's documentation: ``(S, L)`` is seeds ×
latent dimensions, ``(N, d)`` events × features, and so on.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import h5py
import numpy as np

from symvae.errors import DataError
from symvae.io.hdf5 import atomic_h5, open_h5

__all__ = [
    "Item",
    "Layout",
    "Provenance",
    "attribute",
    "dataset",
    "declared_items",
    "group",
    "markdown_table",
    "members",
    "read_file",
    "shape_problems",
    "undeclared",
    "write_file",
]

Kind = Literal["dataset", "attribute", "group", "members"]
#: attribute value types: numpy scalars/arrays as stored, or these encodings
Encoding = Literal["value", "str", "str_list", "json", "int", "float", "bool"]

L = TypeVar("L", bound="Layout")


@dataclass(frozen=True)
class Item:
    """One declared item of a layout.

    ``kind``: ``dataset``; ``attribute`` (on the group, or on the dataset named by ``on``);
    ``group`` (a nested layout); ``members`` (a mapping of datasets, or of nested layouts,
    whose disk names follow ``pattern``, in the sub-group ``name`` or beside the other items
    when ``flat``). ``meta`` lists constant attributes written on a dataset from its own
    declaration: ``description`` (the meaning) and ``units``/``unit`` (the unit).
    """

    kind: Kind
    shape: str = ""
    dtype: str = ""
    unit: str = ""
    meaning: str = ""
    optional: bool = False
    name: str | None = None
    on: str | None = None
    encoding: Encoding = "value"
    layout: type[Layout] | None = None
    pattern: str = "{}"
    flat: bool = False
    meta: tuple[str, ...] = ()
    member_attrs: tuple[tuple[str, str], ...] = ()


def _field(item: Item, default: Any = dataclasses.MISSING) -> Any:
    if item.optional and default is dataclasses.MISSING:
        default = None
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata={"item": item})
    if isinstance(default, dict | list):
        return dataclasses.field(
            default_factory=lambda d=default: type(d)(d), metadata={"item": item}
        )
    return dataclasses.field(default=default, metadata={"item": item})


def dataset(
    shape: str,
    dtype: str = "float64",
    unit: str = "",
    meaning: str = "",
    *,
    optional: bool = False,
    name: str | None = None,
    meta: tuple[str, ...] = (),
) -> Any:
    """A dataset of ``shape`` and ``dtype`` (numpy name, or ``str``)."""
    return _field(Item("dataset", shape, dtype, unit, meaning, optional, name, meta=meta))


def attribute(
    encoding: Encoding = "value",
    unit: str = "",
    meaning: str = "",
    *,
    shape: str = "",
    dtype: str = "",
    optional: bool = False,
    name: str | None = None,
    on: str | None = None,
    default: Any = dataclasses.MISSING,
) -> Any:
    """An attribute of the group (or of the dataset ``on``), stored with ``encoding``:
    ``value`` as given, ``str``/``int``/``float``/``bool`` converted, ``str_list`` a UTF-8
    string array, ``json`` a JSON string."""
    dtype = dtype or {"str": "str", "str_list": "str", "json": "json", "int": "int64",
                      "float": "float64", "bool": "bool"}.get(encoding, "")  # fmt: skip
    item = Item("attribute", shape, dtype, unit, meaning, optional, name, on, encoding)
    return _field(item, default)


def group(layout: type[Layout], meaning: str = "", *, optional: bool = False,
          name: str | None = None, flat: bool = False) -> Any:  # fmt: skip
    """A sub-group with its own layout (``flat``: its items stand in this group)."""
    item = Item("group", meaning=meaning, optional=optional, name=name, layout=layout, flat=flat)
    return _field(item)


def members(
    layout: type[Layout] | None = None,
    *,
    pattern: str = "{}",
    member_attrs: Mapping[str, str] | None = None,
    **options: Any,
) -> Any:
    """A mapping ``key -> value`` stored as one item per key named ``pattern.format(key)``:
    datasets (``layout=None``) or groups of ``layout``. ``member_attrs`` maps an attribute
    written on each member dataset to the field (a mapping of the same keys) holding it;
    ``options`` are the other :class:`Item` fields (``shape``, ``dtype``, ``unit``,
    ``meaning``, ``flat``, ``name``, ``optional``)."""
    attrs = tuple((member_attrs or {}).items())
    options.setdefault("dtype", "float64")
    item = Item("members", layout=layout, pattern=pattern, member_attrs=attrs, **options)
    return _field(item, {})


def _disk(fname: str, item: Item, prefix: str = "") -> str:
    return prefix + (item.name or fname)


#: encodings that convert a value the same way on writing and on reading
_SCALARS: dict[str, Callable[[Any], Any]] = {"str": str, "int": int, "float": float, "bool": bool}


def _encode(value: Any, item: Item) -> Any:
    if item.encoding == "json":
        return json.dumps(value, sort_keys=True)
    if item.encoding == "str_list":
        return np.array([str(v) for v in value], dtype=object)
    return _SCALARS.get(item.encoding, _identity)(value)


def _decode(value: Any, item: Item) -> Any:
    if item.encoding == "json":
        return json.loads(value)
    if item.encoding == "str_list":
        return [str(v) for v in np.atleast_1d(value)]
    return _SCALARS.get(item.encoding, _identity)(value)


def _identity(value: Any) -> Any:
    return value


def _key_regex(pattern: str) -> re.Pattern[str]:
    head, _, tail = pattern.partition("{}")
    return re.compile(re.escape(head) + "(.+)" + re.escape(tail) + "$")


@dataclass
class Layout:
    """Base of every layout: the generic writer and reader over the dataclass fields."""

    #: the file this layout describes (top-level layouts only), e.g. ``relevance.h5``
    FILE: ClassVar[str] = ""
    #: the file is a dict of keys (``model.pt``), not HDF5: items are its keys
    KEYS: ClassVar[bool] = False
    #: prepended to every disk name of this layout's own items (a subclass reuses a layout's
    #: declarations under other names, e.g. ``baseline_pca`` for ``pca``)
    PREFIX: ClassVar[str] = ""

    def save(self, path: str | Path) -> Path:
        """Write this record as the root of a new HDF5 file at ``path``, atomically."""
        return write_file(path, self)

    @classmethod
    def load(cls: type[L], path: str | Path) -> L:
        """Read the HDF5 file at ``path`` as this layout."""
        return read_file(path, cls)

    @classmethod
    def items(cls) -> Iterator[tuple[str, Item]]:
        """The declared items ``(field name, item)`` in writing order."""
        for f in dataclasses.fields(cls):
            if "item" in f.metadata:
                yield f.name, f.metadata["item"]

    @classmethod
    def disk_names(cls) -> set[str]:
        """Every name this layout (and its nested layouts) writes to disk."""
        out: set[str] = set()
        for fname, item in cls.items():
            out.add(_disk(fname, item, cls.PREFIX))
            out.update(item.meta)
            out.update(attr for attr, _ in item.member_attrs)
            if item.layout is not None:
                out |= item.layout.disk_names()
        return out

    def write(self, g: h5py.Group, skip: tuple[str, ...] = ()) -> None:
        """Write every item into the open group ``g`` (but the fields in ``skip``, which the
        caller has written)."""
        for fname, item in self.items():
            if fname in skip:
                continue
            value = getattr(self, fname)
            if value is None:
                if item.optional:
                    continue
                raise DataError(f"{g.file.filename}: {g.name}: {fname} is required")
            disk = _disk(fname, item, self.PREFIX)
            if item.kind == "dataset" and item.dtype == "str":
                data = np.asarray([str(v) for v in value], dtype=object)
                g.create_dataset(disk, data=data, dtype=h5py.string_dtype())
            elif item.kind == "dataset":
                g[disk] = value
                for meta in item.meta:
                    g[disk].attrs[meta] = item.meaning if meta == "description" else item.unit
            elif item.kind == "attribute":
                target = g[item.on] if item.on else g
                if item.encoding == "str_list":
                    target.attrs.create(disk, _encode(value, item), dtype=h5py.string_dtype())
                else:
                    target.attrs[disk] = _encode(value, item)
            elif item.kind == "group":
                value.write(g if item.flat else g.create_group(disk, track_order=True))
            else:
                self._write_members(g, fname, item, value)

    def _write_members(
        self, g: h5py.Group, fname: str, item: Item, value: Mapping[Any, Any]
    ) -> None:
        disk = _disk(fname, item, self.PREFIX)
        into = g if item.flat else g.create_group(disk, track_order=True)
        attrs = {attr: getattr(self, src) for attr, src in item.member_attrs}
        for key, member in value.items():
            name = item.pattern.format(key)
            if item.layout is None:
                into[name] = member
                for attr, src in attrs.items():
                    into[name].attrs[attr] = src.get(key, "")
            else:
                member.write(into.create_group(name, track_order=True))

    @classmethod
    def read(cls: type[L], g: h5py.Group) -> L:
        """Read the items of ``g`` into a layout; a missing required item raises
        :class:`~symvae.errors.DataError` naming the file and the item."""
        values: dict[str, Any] = {}
        for fname, item in cls.items():
            disk = _disk(fname, item, cls.PREFIX)
            if item.kind == "attribute":
                source = g[item.on] if item.on and item.on in g else g
                if disk in source.attrs:
                    values[fname] = _decode(source.attrs[disk], item)
                elif not item.optional and not _has_default(cls, fname):
                    raise _missing(
                        g, f"attribute {disk!r}" + (f" of {item.on!r}" if item.on else "")
                    )
            elif item.kind == "members":
                values[fname] = cls._read_members(g, item, disk)
                for attr, src in item.member_attrs:
                    values[src] = {k: str(_member(g, item, disk, k).attrs.get(attr, ""))
                                   for k in values[fname]}  # fmt: skip
            elif item.kind == "group" and item.flat:
                inner = item.layout.disk_names()
                if not item.optional or any(n in g.attrs or n in g for n in inner):
                    values[fname] = item.layout.read(g)
            elif disk in g:
                obj = g[disk]
                if item.kind == "group":
                    values[fname] = item.layout.read(obj)
                elif item.dtype == "str":
                    values[fname] = [
                        v.decode() if isinstance(v, bytes) else str(v) for v in obj[()]
                    ]
                else:
                    values[fname] = obj[()]
            elif not item.optional:
                raise _missing(g, f"{item.kind} {disk!r}")
        return cls(**values)

    @staticmethod
    def _read_members(g: h5py.Group, item: Item, disk: str) -> dict[Any, Any]:
        source = g if item.flat else g.get(disk)
        if source is None:
            return {}
        regex = _key_regex(item.pattern)
        out: dict[Any, Any] = {}
        for name, obj in source.items():
            m = regex.match(name)
            if m is None:
                continue
            key: Any = (
                int(m.group(1)) if item.pattern != "{}" and m.group(1).isdigit() else m.group(1)
            )
            if item.layout is None:
                out[key] = obj[()]
            elif isinstance(obj, h5py.Group):
                out[key] = item.layout.read(obj)
        return out


@dataclass(kw_only=True)
class Provenance(Layout):
    """What produced a file: the settings the step read and the software that ran it."""

    config_json: dict[str, Any] = attribute("json", meaning="the settings this step read")
    provenance_json: dict[str, Any] = attribute("json", meaning="library versions and platform")


def _member(g: h5py.Group, item: Item, disk: str, key: Any) -> h5py.HLObject:
    return (g if item.flat else g[disk])[item.pattern.format(key)]


def _has_default(cls: type[Layout], fname: str) -> bool:
    f = cls.__dataclass_fields__[fname]
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _missing(g: h5py.Group, what: str) -> DataError:
    where = "" if g.name == "/" else f" in {g.name}"
    return DataError(f"{g.file.filename}: not a complete symvae file: {what} missing{where}")


def undeclared(g: h5py.Group, layout: type[Layout]) -> list[str]:
    """Every dataset, group or attribute under ``g`` that ``layout`` does not declare
    (``[]`` for a file the layout describes completely)."""
    level = _Level()
    level.add(layout)
    out = [f"{g.name}@{a}" for a in g.attrs if a not in level.attrs]
    for name, obj in g.items():
        item = level.children.get(name) or level.match(name)
        if item is None:
            out.append(obj.name)
            continue
        if isinstance(obj, h5py.Dataset):
            allowed = set(level.dataset_attrs.get(name, {})) | set(item.meta)
            allowed |= {attr for attr, _ in item.member_attrs}
            out += [f"{obj.name}@{a}" for a in obj.attrs if a not in allowed]
        elif item.layout is not None:
            out += undeclared(obj, item.layout)
        elif item.kind == "members":
            for member in obj.values():
                allowed = {attr for attr, _ in item.member_attrs}
                out += [f"{member.name}@{a}" for a in member.attrs if a not in allowed]
    return out


def declared_items(g: h5py.Group, layout: type[Layout]) -> Iterator[tuple[str, Item]]:
    """``(HDF5 path, item)`` of every dataset, group and attribute under ``g`` that
    ``layout`` declares (attributes as ``<object path>@<name>``), in the file's order: what
    each object means, for readers that do not know the layout (``symvae inspect``)."""
    level = _Level()
    level.add(layout)
    for attr in g.attrs:
        if attr in level.attrs:
            yield f"{g.name}@{attr}", level.attrs[attr]
    for name, obj in g.items():
        item = level.children.get(name) or level.match(name)
        if item is None:
            continue
        yield obj.name, item
        if isinstance(obj, h5py.Dataset):
            for attr in obj.attrs:
                if attr in level.dataset_attrs.get(name, {}):
                    yield f"{obj.name}@{attr}", level.dataset_attrs[name][attr]
        elif item.kind == "members" and not item.flat:  # the sub-group of the members
            for member in obj.values():
                yield member.name, item
                if item.layout is not None and isinstance(member, h5py.Group):
                    yield from declared_items(member, item.layout)
        elif item.layout is not None:
            yield from declared_items(obj, item.layout)


def shape_problems(g: h5py.Group, layout: type[Layout]) -> list[str]:
    """Every dataset under ``g`` whose rank or kind of type differs from its declaration
    (``[]`` when all agree), e.g. ``/relevance: 1 dimension(s), declared (S, L)``."""
    out = []
    for path, item in declared_items(g, layout):
        if "@" in path or item.layout is not None:
            continue
        obj = g.file[path]
        if item.kind == "members" and isinstance(obj, h5py.Group):
            continue
        if not isinstance(obj, h5py.Dataset):
            out.append(f"{path}: a group, declared a dataset")
            continue
        ranks = _ranks(item.shape)
        if ranks and obj.ndim not in ranks:
            out.append(f"{path}: {obj.ndim} dimension(s), declared {item.shape}")
        want, got = _type_kind(item.dtype), _type_kind(obj.dtype)
        if want and got and want != got:
            out.append(f"{path}: {got} data ({obj.dtype}), declared {item.dtype}")
    return out


def _ranks(shape: str) -> set[int]:
    """The ranks a shape declaration allows: ``(S, L)`` → {2}, ``(T,) or (S, T)`` → {1, 2}."""
    ranks = set()
    for alternative in shape.split(" or "):
        alternative = alternative.strip()
        if alternative.startswith("(") and alternative.endswith(")"):
            inner = re.sub(r"\([^()]*\)", "", alternative[1:-1])  # min(d, L) is one size
            ranks.add(len([d for d in inner.split(",") if d.strip()]))
    return ranks


def _type_kind(dtype: Any) -> str:
    """``numeric``, ``bool`` or ``string`` for a declared dtype name or a numpy dtype
    (``''`` where it says nothing, e.g. ``json``)."""
    if isinstance(dtype, str):
        if dtype == "str":
            return "string"
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            return ""
    if h5py.check_string_dtype(dtype) is not None:
        return "string"
    kinds = {"f": "numeric", "i": "numeric", "u": "numeric", "b": "bool", "S": "string",
             "U": "string", "O": "string"}  # fmt: skip
    return kinds.get(dtype.kind, "")


class _Level:
    """The names one group may hold: its attributes, children and attributes on datasets."""

    def __init__(self) -> None:
        self.attrs: dict[str, Item] = {}
        self.children: dict[str, Item] = {}
        self.dataset_attrs: dict[str, dict[str, Item]] = {}
        self.patterns: list[tuple[re.Pattern[str], Item]] = []

    def add(self, layout: type[Layout]) -> None:
        for fname, item in layout.items():
            disk = _disk(fname, item, layout.PREFIX)
            if item.kind == "attribute" and item.on:
                self.dataset_attrs.setdefault(item.on, {})[disk] = item
            elif item.kind == "attribute":
                self.attrs[disk] = item
            elif item.kind == "group" and item.flat:
                self.add(item.layout)  # type: ignore[arg-type]
            elif item.kind == "members" and item.flat:
                self.patterns.append((_key_regex(item.pattern), item))
            else:
                self.children[disk] = item

    def match(self, name: str) -> Item | None:
        return next((item for regex, item in self.patterns if regex.match(name)), None)


def write_file(path: str | Path, record: Layout) -> Path:
    """Write ``record`` as the root of a new HDF5 file at ``path``, atomically."""
    with atomic_h5(path) as f:
        record.write(f)
    return Path(path)


def read_file(path: str | Path, layout: type[L]) -> L:
    """Read the HDF5 file at ``path`` as ``layout``."""
    with open_h5(path) as f:
        try:
            return layout.read(f)
        except (KeyError, ValueError, TypeError) as err:
            raise DataError(
                f"{path}: not a readable {layout.FILE or 'symvae file'} ({err})"
            ) from None


def markdown_table(layout: type[Layout], prefix: str = "/") -> str:
    """The documentation table of ``layout``: path, kind, shape and type, unit, meaning."""
    rows = ["| path | kind | shape / type | unit | meaning |", "|---|---|---|---|---|"]
    rows += list(_rows(layout, prefix))
    return "\n".join(rows)


def _rows(layout: type[Layout], prefix: str) -> Iterator[str]:
    for fname, item in layout.items():
        disk = _disk(fname, item, layout.PREFIX)
        if item.kind == "group" and item.flat:
            yield from _rows(item.layout, prefix)  # type: ignore[arg-type]
            continue
        member = item.pattern.replace("{}", "<key>")
        if item.kind == "attribute" and layout.KEYS:
            path, inner = f"key `{disk}`", ""
        elif item.kind == "attribute":
            where = f"{prefix}{item.on}" if item.on else prefix.rstrip("/") or "/"
            path, inner = f"`{where}` attr `{disk}`", ""
        elif item.kind == "members":
            inner = f"{prefix}{member}" if item.flat else f"{prefix}{disk}/{member}"
            path = f"`{inner}`"
        else:
            inner = f"{prefix}{disk}"
            path = f"`{inner}`"
        kind = item.kind if item.kind != "members" else ("groups" if item.layout else "datasets")
        kind = "key" if layout.KEYS else kind
        shape = " ".join(x for x in (item.shape, item.dtype) if x)
        note = " (optional)" if item.optional else ""
        yield f"| {path} | {kind} | {shape} | {item.unit} | {item.meaning}{note} |"
        if item.layout is not None:
            yield from _rows(item.layout, inner + "/")
