"""Settings of one invariance experiment (config key ``invariance.settings.<name>``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from symvae.config.process import plain

__all__ = ["SPACE_GROUPS", "InvarianceSetting"]


@dataclass(frozen=True)
class InvarianceSetting:
    """One learning-curve experiment: plain against group-invariant kernel ridge regression.

    See the ``invariance`` section of the config schema for every field; ``None`` means the
    library default (e.g. the frequency cut-off). ``seeds`` is a count: draws use the seeds
    ``first_seed … first_seed + seeds − 1``.
    """

    name: str
    space: str
    group: str
    ns: tuple[int, ...]
    ns_plain: tuple[int, ...] | None = None
    description: str = ""
    d: int | None = None
    seeds: int = 40
    plain_seeds: int | None = None
    first_seed: int = 0
    sigma: float = 0.5
    smoothness: float = 2.0
    cutoff: int | None = None
    n_val: int = 1000
    n_test: int = 5000
    n_boot: int = 400
    lambdas: tuple[float, float, int] = (1e-10, 1e2, 1)
    process: str = ""
    target: str = ""
    generator: tuple[tuple[float, ...], ...] = ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    n_angles: int = 32

    @property
    def seed_list(self) -> list[int]:
        """The seeds of the draws."""
        return list(range(self.first_seed, self.first_seed + self.seeds))

    @property
    def lambda_grid(self) -> list[float]:
        """The coarse λ grid (log-spaced, both ends included)."""
        lo, hi = math.log10(self.lambdas[0]), math.log10(self.lambdas[1])
        num = max(2, round((hi - lo) * self.lambdas[2]) + 1)
        return [10 ** (lo + (hi - lo) * i / (num - 1)) for i in range(num)]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable dictionary (stored as provenance in outputs)."""
        return plain(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> InvarianceSetting:
        """From a merged config entry (``lambdas`` as a mapping or a triple)."""
        d = dict(d)
        lam = d.pop("lambdas", None)
        if isinstance(lam, Mapping):
            base = cls.__dataclass_fields__["lambdas"].default
            lam = (lam.get("min", base[0]), lam.get("max", base[1]), lam.get("per_decade", base[2]))
        if lam is not None:
            d["lambdas"] = (float(lam[0]), float(lam[1]), int(lam[2]))
        for key in ("ns", "ns_plain"):
            if d.get(key) is not None:
                d[key] = tuple(sorted(int(n) for n in d[key]))
        if d.get("generator") is not None:
            d["generator"] = tuple(tuple(float(v) for v in row) for row in d["generator"])
        return cls(**d)


TORUS_GROUPS = ("half_shifts", "permutations", "sign_flips", "translations_23", "diagonal")
SPACE_GROUPS = {"torus": TORUS_GROUPS, "sphere": ("z_rotations",), "events": ("beam_rotation",)}
