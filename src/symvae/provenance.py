"""Provenance recorded in every output: package versions and platform (no timestamps,
so that the same config and seeds give byte-identical files)."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

__all__ = ["provenance"]

_PACKAGES = ("symvae", "numpy", "scipy", "h5py", "torch", "scikit-dimension", "matplotlib")


def provenance(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Versions of Python and of the packages that shape the numbers, plus ``extra``."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
        "versions": versions,
        **(extra or {}),
    }
