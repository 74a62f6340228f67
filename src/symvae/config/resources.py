"""Up-front resource checks: the fewest events each process needs and a lower bound on the
memory of its largest step, refused at load time (before any job runs) instead of after
an hour of training.

The memory figures are lower bounds: the arrays a step must hold at once (float64 features,
their float32 training copy, a kernel step's Gram matrix), without the interpreter, the
libraries or temporaries. A config is refused only when even that exceeds the memory of the
machines that run the jobs (this machine's physical memory, or ``SYMVAE_MEMORY_GIB`` when
jobs run elsewhere, e.g. on cluster nodes larger than the login node).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping

from symvae.config.invariance import InvarianceSetting
from symvae.config.process import ProcessSpec
from symvae.errors import ConfigError

__all__ = [
    "MIN_EVENTS_GENERATORS",
    "available_memory",
    "check_memory",
    "memory_needed",
    "minimum_events",
    "n_events",
]

#: Events the generator search of the directions step needs (its distribution tests).
MIN_EVENTS_GENERATORS = 100

_GIB = 2.0**30


def n_events(spec: ProcessSpec) -> int | None:
    """Events of a process as the config fixes them (``None``: a file, counted at ingest)."""
    if not spec.has_events:
        return spec.data.n_events
    if spec.generated_events:
        return int(spec.events["n_events"])
    max_events = spec.events.get("max_events")
    return int(max_events) if max_events is not None else None


def minimum_events(spec: ProcessSpec) -> tuple[int, str]:
    """The fewest events the steps of ``spec`` need, and the step that needs them."""
    d = spec.data
    # the split: >= 1 validation, >= 2 test (round half to even, as make_split) and >= 1 train
    need, why = 3, "the train/validation/test split"
    for n in range(3, 10_000):
        n_val, n_test = round(n * d.validation_fraction), round(n * d.test_fraction)
        if n - n_val - n_test >= 1 and n_val >= 1 and n_test >= 2:
            need = n
            break
    if spec.directions.family != "none" and need < MIN_EVENTS_GENERATORS:
        need, why = MIN_EVENTS_GENERATORS, "the generator search of the directions step"
    return need, why


def memory_needed(spec: ProcessSpec, n_features: int) -> dict[str, float]:
    """Lower bounds in bytes of each step's memory for ``spec`` with ``n_features`` columns."""
    n = n_events(spec)
    if n is None:
        return {}
    columns = float(n) * n_features
    return {
        "features": columns * 8.0,  # the (n, d) float64 feature matrix
        "train": columns * (8.0 + 4.0),  # the matrix and its float32 tensor
    }


def available_memory() -> float:
    """Bytes of memory of the machines that run the jobs (see the module docstring)."""
    env = os.environ.get("SYMVAE_MEMORY_GIB")
    if env:
        try:
            value = float(env)
        except ValueError:
            raise ConfigError(f"SYMVAE_MEMORY_GIB: not a number of GiB: {env!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise ConfigError(f"SYMVAE_MEMORY_GIB: must be a positive number, got {env!r}")
        return value * _GIB
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_memory(
    processes: Mapping[str, ProcessSpec],
    invariance: Mapping[str, InvarianceSetting],
    available: float | None = None,
    n_features: Callable[[ProcessSpec], int] | None = None,
) -> None:
    """Refuse a config whose largest step cannot fit in memory, naming both figures.

    ``n_features`` gives a process's feature count (default: from its feature spec, or a
    two-event draw of its toy generator).
    """
    have = available_memory() if available is None else available
    count = n_features or _n_features
    for name, spec in processes.items():
        n = n_events(spec)
        if n is None:
            continue
        for step, need in memory_needed(spec, count(spec)).items():
            if need > have:
                key = "data.n_events" if not spec.has_events else "events.n_events"
                key = "events.max_events" if spec.kind == "file" else key
                raise ConfigError(
                    f"config key 'processes.{name}.{key}': {n} events need at least "
                    f"{need / _GIB:.1f} GiB in step '{step}', the machine has "
                    f"{have / _GIB:.1f} GiB (set SYMVAE_MEMORY_GIB if jobs run on larger nodes)"
                )
    for name, setting in invariance.items():
        n = max(setting.ns)
        need = float(n) * n * 8.0  # one (n, n) float64 Gram matrix of the largest sample
        if need > have:
            raise ConfigError(
                f"config key 'invariance.settings.{name}.ns': n = {max(setting.ns)} needs at "
                f"least {need / _GIB:.1f} GiB for one Gram matrix, the machine has "
                f"{have / _GIB:.1f} GiB"
            )


def _n_features(spec: ProcessSpec) -> int:
    if spec.features is not None:
        from symvae.events.features import feature_columns

        return len(feature_columns(spec.features)[0])
    import numpy as np

    from symvae.datasets import GENERATORS

    try:
        draw = GENERATORS[spec.generator](10, np.random.default_rng(0), **spec.params)
    except ConfigError as err:  # a bad generator parameter, found here first
        raise ConfigError(f"config key 'processes.{spec.name}.params': {err}") from None
    return int(draw.features.shape[1])
