"""Output layouts: every file round-trips through its writer and reader, files hold nothing
undeclared, HDF5 is opened only by the layout modules, and docs/outputs.md is generated."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from symvae.errors import DataError
from symvae.outputs import FILES
from symvae.outputs.docs import render
from symvae.outputs.layout import Item, Layout, read_file, undeclared, write_file

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "symvae"
HDF5_LAYOUTS = [(path, layout) for path, _, layout in FILES if not layout.KEYS]


def _value(item: Item, key: int) -> Any:
    """A made-up value of the declared kind (``key`` varies it)."""
    if item.kind == "attribute":
        if item.encoding in ("str", "str_list", "json", "int", "float", "bool"):
            return {"str": f"text {key}", "str_list": ["a", f"b{key}"], "json": {"k": [key, 1]},
                    "int": key + 3, "float": key + 0.5, "bool": key % 2 == 0}[item.encoding]  # fmt: skip
        return np.arange(key + 2, dtype=item.dtype or "float64")
    if item.kind == "members":
        if item.layout is not None:
            name = key if item.pattern != "{}" else f"p{key}"  # seed<k> keys are ints
            return {name: example(item.layout, key + 1)}
        return {f"v{key}": np.linspace(0.0, 1.0, 4 + key)}
    if item.kind == "group":
        return example(item.layout, key + 1)  # type: ignore[arg-type]
    if item.dtype == "str":
        return [f"s{i}" for i in range(3 + key)]
    dtype = item.dtype
    values = np.arange(2 * (3 + key)) % 2 if dtype in ("bool", "int8") else np.arange(2 * (3 + key))
    values = values.astype(dtype)
    return values.reshape(2, -1) if key % 2 else values


def example(layout: type[Layout], key: int = 0) -> Layout:
    """A record of ``layout`` with every item, optional ones included, filled in."""
    values: dict[str, Any] = {}
    for i, (name, item) in enumerate(layout.items()):
        values[name] = _value(item, key + i)
        for _, src in item.member_attrs:
            values[src] = {k: f"unit {k}" for k in values[name]}
    return layout(**values)


def _same(a: Any, b: Any) -> bool:
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


@pytest.mark.parametrize(("path", "layout"), HDF5_LAYOUTS, ids=[p for p, _ in HDF5_LAYOUTS])
def test_every_layout_round_trips_through_its_writer_and_reader(tmp_path, path, layout):
    record = example(layout)
    out = write_file(tmp_path / "file.h5", record)
    back = read_file(out, layout)
    assert _same(record, back)
    with h5py.File(out) as f:
        assert undeclared(f, layout) == []


@pytest.mark.parametrize(("path", "layout"), HDF5_LAYOUTS, ids=[p for p, _ in HDF5_LAYOUTS])
def test_a_missing_item_is_named_with_the_file(tmp_path, path, layout):
    out = write_file(tmp_path / "file.h5", example(layout))
    name, item = next((n, i) for n, i in layout.items() if not i.optional and i.kind != "members")
    with h5py.File(out, "a") as f:
        disk = item.name or name
        target = f[item.on] if item.on else f
        del (target.attrs if item.kind == "attribute" else target)[disk]
    with pytest.raises(DataError, match=f"file.h5.*{disk}"):
        read_file(out, layout)


def test_undeclared_items_are_reported(tmp_path):
    _, layout = HDF5_LAYOUTS[0]
    out = write_file(tmp_path / "file.h5", example(layout))
    with h5py.File(out, "a") as f:
        f["stray"] = np.zeros(2)
        f.attrs["stray_attr"] = 1
        first = next(k for k in f if isinstance(f[k], h5py.Dataset) and k != "stray")
        f[first].attrs["stray_on_dataset"] = 1
    with h5py.File(out) as f:
        found = undeclared(f, layout)
    assert sorted(found) == sorted(["/@stray_attr", "/stray", f"/{first}@stray_on_dataset"])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_layout_modules_open_hdf5_files():
    """Each file's dataset and attribute names live in its layout module: no other module
    can spell them, because no other module reads or writes HDF5."""
    allowed = {PACKAGE / "io" / "hdf5.py", PACKAGE / "io" / "__init__.py"}
    allowed |= set((PACKAGE / "outputs").glob("*.py"))
    offenders = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p not in allowed and _imports(p) & {"h5py", "symvae.io.hdf5", "symvae.io"}
    )
    assert offenders == []


def test_outputs_doc_is_generated_from_the_layouts():
    committed = (ROOT / "docs" / "outputs.md").read_text()
    assert committed == render(), "regenerate: python -m symvae.outputs.docs > docs/outputs.md"
