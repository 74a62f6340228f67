"""Compare two results folders value by value: every HDF5 dataset and attribute, every
model's weights, every ROOT branch. Prints one line per difference and a closing count.

    python benchmarks/compare_results.py OLD_RESULTS NEW_RESULTS [--ignore-attr NAME ...]

ROOT and PDF files are never byte-identical across runs (timestamps, UUIDs), so ROOT files are
compared branch by branch and PDFs by page count. Attributes that record provenance (library
versions, host, the settings a step read) are ignored by default: ``--ignore-attr`` adds more.
Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import h5py
import numpy as np

DEFAULT_IGNORED = ("provenance_json", "config_json", "provenance")


def _equal(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _attrs(obj: h5py.HLObject) -> dict[str, Any]:
    return {k: obj.attrs[k] for k in obj.attrs}


def compare_h5(old: Path, new: Path, ignored: set[str], renamed: dict[str, str]) -> list[str]:
    """Differences between two HDF5 files (datasets by value, attributes by value)."""
    out: list[str] = []
    with h5py.File(old) as a, h5py.File(new) as b:
        items_a: dict[str, h5py.HLObject] = {"/": a}
        items_b: dict[str, h5py.HLObject] = {"/": b}
        a.visititems(lambda k, v: items_a.__setitem__(k, v))
        b.visititems(lambda k, v: items_b.__setitem__(k, v))
        items_a = {renamed.get(k, k): v for k, v in items_a.items()}
        for key in sorted(set(items_a) | set(items_b)):
            if key not in items_b or key not in items_a:
                out.append(f"{new.name}:{key}: only in {'old' if key in items_a else 'new'}")
                continue
            x, y = items_a[key], items_b[key]
            if isinstance(x, h5py.Dataset) and not _equal(x[()], y[()]):
                out.append(f"{new.name}:{key}: values differ")
            ax, ay = _attrs(x), _attrs(y)
            ax = {renamed.get(k, k): v for k, v in ax.items()}
            for name in sorted((set(ax) | set(ay)) - ignored):
                if name not in ax or name not in ay:
                    out.append(f"{new.name}:{key}@{name}: only in {'old' if name in ax else 'new'}")
                elif not _equal(ax[name], ay[name]):
                    out.append(f"{new.name}:{key}@{name}: {ax[name]!r} != {ay[name]!r}")
    return out


def compare_model(old: Path, new: Path) -> list[str]:
    import torch

    a = torch.load(old, map_location="cpu", weights_only=False)
    b = torch.load(new, map_location="cpu", weights_only=False)
    sa, sb = a.get("state_dict", a), b.get("state_dict", b)
    if set(sa) != set(sb):
        return [f"{new}: parameter names differ"]
    return [f"{new}: {k} differs" for k in sa if not torch.equal(sa[k], sb[k])]


def compare_root(old: Path, new: Path) -> list[str]:
    import awkward as ak
    import uproot

    out = []
    with uproot.open(old) as a, uproot.open(new) as b:
        for name in a.keys(cycle=False):
            if not hasattr(a[name], "arrays"):
                continue
            x, y = a[name].arrays(), b[name].arrays()
            if ak.to_list(x) != ak.to_list(y):
                out.append(f"{new}:{name}: values differ")
    return out


def compare(old: Path, new: Path, ignored: set[str], renamed: dict[str, str]) -> list[str]:
    """Every difference between two results folders (files matched by relative path)."""
    skip = ("logs", "benchmarks")
    files = sorted(
        p.relative_to(old)
        for p in old.rglob("*")
        if p.is_file() and p.relative_to(old).parts[0] not in skip
    )
    out = []
    for rel in files:
        a, b = old / rel, new / rel
        if not b.exists():
            out.append(f"{rel}: missing in {new}")
        elif rel.suffix == ".h5":
            out += compare_h5(a, b, ignored, renamed)
        elif rel.suffix == ".pt":
            out += compare_model(a, b)
        elif rel.suffix == ".root":
            out += compare_root(a, b)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--ignore-attr", action="append", default=[], metavar="NAME")
    parser.add_argument(
        "--renamed", default="{}", help="JSON {old name: new name} of datasets and attributes"
    )
    args = parser.parse_args()
    ignored = set(DEFAULT_IGNORED) | set(args.ignore_attr)
    diffs = compare(args.old, args.new, ignored, json.loads(args.renamed))
    for line in diffs:
        print(line)
    n = sum(1 for p in args.old.rglob("*") if p.suffix in (".h5", ".pt", ".root"))
    print(f"{n} files compared, {len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
