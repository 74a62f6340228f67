"""What an output file holds, in words (``symvae inspect FILE``).

:func:`describe` reads any symvae output without the caller knowing its layout: for HDF5
files every dataset with its shape, type, unit and meaning (the meaning from the file's own
``description`` attribute, else from the layout its name matches), the file's provenance and,
for ``summary.h5``, the degrees-of-freedom table; for ``model.pt`` the architecture and
training settings; for ``events.root`` the tree, its branches and the generator's metadata.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from symvae.errors import DataError
from symvae.io.hdf5 import open_h5
from symvae.outputs import events, model
from symvae.outputs.integrity import check_file
from symvae.outputs.layout import Item, declared_items, read_file
from symvae.outputs.summary import DofRow, Summary, dof_table, dof_text
from symvae.outputs.verify import layout_for

__all__ = ["describe", "dof_table_text"]

#: values of small datasets printed in full (elements)
_SMALL = 8
#: characters of an attribute's value shown
_WIDTH = 100


def describe(path: str | Path, relative: str | Path | None = None) -> str:
    """A readable account of the output at ``path``; ``relative`` (its path under the
    results folder, default its name) picks the layout used for meanings.

    Raises
    ------
    DataError
        The file is missing, damaged or of a kind symvae does not write.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    damage = check_file(path)
    if damage is not None:
        raise DataError(f"{path}: {damage}")
    relative = Path(relative) if relative is not None else _relative(path)
    if path.suffix == ".h5":
        return _hdf5(path, relative)
    if path.suffix == ".pt":
        return _model(path)
    if path.suffix == ".root":
        return _root(path)
    if path.suffix in (".pdf", ".png"):
        return f"{path}: {path.suffix[1:].upper()} figure, {path.stat().st_size} bytes"
    raise DataError(f"{path}: not a symvae output (.h5, .pt, .root, .pdf or .png)")


def dof_table_text(rows: list[DofRow]) -> str:
    """The degrees-of-freedom table as aligned text, one line per process."""
    head = ["process", "dof", "relevant", "range", "local dof", "TwoNN", "PCA", "verdict"]
    body = [
        [
            r.process,
            dof_text(r.dof_expected),
            str(r.n_relevant),
            f"{r.n_relevant_min}-{r.n_relevant_max}",
            str(r.dof_measured),
            f"{r.local_dof_twonn:.2f}",
            "-" if r.pca is None else f"{r.pca:g}",
            r.verdict,
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _relative(path: Path) -> Path:
    """The path from the results folder down (``ring/seed0/model.pt``), guessed from the
    folder names: up to three trailing components suffice for every layout."""
    parts = path.resolve().parts
    if "results" in parts:
        return Path(*parts[len(parts) - parts[::-1].index("results") :])
    return Path(*parts[-3:])


def _hdf5(path: Path, relative: Path) -> str:
    layout = layout_for(relative)
    meanings: dict[str, Item] = {}
    with open_h5(path) as f:
        if layout is not None:
            meanings = dict(declared_items(f, layout))
        kind = layout.__name__ if layout is not None else "not a symvae layout"
        lines = [f"{path}  (HDF5, {kind})"]
        lines += _attributes(f.attrs, meanings)
        rows: list[list[str]] = []
        f.visititems(lambda name, obj: rows.append(_hdf5_row(f"/{name}", obj, meanings)))
    if rows:
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines.append("  datasets and groups:")
        lines += [
            "    " + "  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + r[3]
            for r in rows
        ]
    if layout is Summary:
        lines += ["", "degrees of freedom (median over seeds; range of the relevant count):"]
        lines.append(dof_table_text(dof_table(read_file(path, Summary))))
    return "\n".join(line.rstrip() for line in lines)


def _hdf5_row(name: str, obj: Any, meanings: dict[str, Item]) -> list[str]:
    item = meanings.get(obj.name)
    unit = obj.attrs.get("units", obj.attrs.get("unit", item.unit if item else ""))
    meaning = obj.attrs.get("description", item.meaning if item else "")
    unit, meaning = _text(unit), _text(meaning)
    if not hasattr(obj, "shape"):
        return [name + "/", "group", "", f"  {meaning}" if meaning else ""]
    shape = "scalar" if obj.shape == () else "×".join(map(str, obj.shape))
    what = [f"[{unit}]"] if unit else []
    what += [meaning] if meaning else []
    if obj.size and obj.size <= _SMALL and obj.ndim <= 1 and obj.dtype.kind in "fiub":
        what.append(f"= {_values(obj[()])}")
    return [name, shape, str(obj.dtype), ("  " + " ".join(what)) if what else ""]


def _attributes(attrs: Any, meanings: dict[str, Item]) -> list[str]:
    """The file's own attributes: value and meaning; JSON records (configuration,
    provenance) by their size, the provenance's versions in brief."""
    out = ["  attributes:"] if len(attrs) else []
    for key, value in attrs.items():
        item = meanings.get(f"/@{key}")
        meaning = f"  ({item.meaning})" if item is not None and item.meaning else ""
        text = _text(value)
        if key.endswith("_json"):
            shown = f"JSON, {len(text)} characters"
            if key == "provenance_json":
                shown += _versions(text)
            out.append(f"    {key}: {shown}{meaning}")
        else:
            text = text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"
            out.append(f"    {key} = {text}{meaning}")
    return out


def _versions(text: str) -> str:
    try:
        record = json.loads(text)
    except ValueError:
        return ""
    versions = record.get("versions", {}) if isinstance(record, dict) else {}
    picked = [f"{k} {versions[k]}" for k in ("symvae", "torch", "numpy") if k in versions]
    where = [str(record[k]) for k in ("git_commit", "python") if k in record]
    return f" ({', '.join(picked + where)})" if picked or where else ""


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.ndarray):
        return _values(value)
    return str(value)


def _values(value: Any) -> str:
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return np.array2string(arr, precision=4, separator=", ") if arr.ndim else f"{arr:.6g}"
    return np.array2string(arr, separator=", ") if arr.ndim else str(arr)


def _model(path: Path) -> str:
    payload = model.read_model_payload(path)
    problems = model.model_key_problems(payload)
    lines = [f"{path}  (PyTorch model, ModelFile)"]
    arch = payload.get("architecture", {})
    if arch:
        lines.append("  architecture: " + ", ".join(f"{k}={v}" for k, v in arch.items()))
    cfg = payload.get("vae_config", {})
    if cfg:
        lines.append("  training:     " + ", ".join(f"{k}={v}" for k, v in cfg.items()))
    for key in ("seed", "features", "history"):
        if key not in payload:
            continue
        value = payload[key]
        if key == "history" and isinstance(value, dict):
            value = ", ".join(
                f"{k}: {len(v)} epochs" for k, v in value.items() if hasattr(v, "__len__")
            )
        elif isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        lines.append(f"  {key}: {value}")
    state = payload.get("state_dict", {})
    if state:
        n = sum(int(np.prod(tuple(t.shape))) for t in state.values())
        lines.append(f"  parameters: {n} in {len(state)} tensors")
    lines.append(f"  keys: {', '.join(payload)}")
    lines += [f"  problem: {p}" for p in problems]
    return "\n".join(lines)


def _root(path: Path) -> str:
    with events._reading(path) as f:  # any failure: a DataError naming the file
        lines = [f"{path}  (ROOT)"]
        for key, cls in f.classnames().items():
            lines.append(f"  {key}: {cls}")
        if events.TREE in f:
            tree = f[events.TREE]
            lines.append(f"  tree '{events.TREE}': {tree.num_entries} events")
            for name, branch in tree.items():
                lines.append(f"    {name}: {branch.typename}")
        if events.METADATA in f:
            meta = json.loads(str(f[events.METADATA]))
            lines.append("  metadata:")
            lines += [f"    {k}: {json.dumps(v)[:120]}" for k, v in meta.items()]
    return "\n".join(lines)
