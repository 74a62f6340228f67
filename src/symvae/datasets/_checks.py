"""Parameter checks shared by the generators: each failure names generator and parameter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symvae.errors import ConfigError

__all__ = ["check_float", "check_n", "check_positive"]


def check_n(gen: str, n: Any) -> int:
    """Return ``n`` as an int, or raise :class:`ConfigError` unless it is a positive integer."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ConfigError(f"{gen}: parameter 'n' must be a positive integer, got {n!r}")
    return int(n)


def check_float(
    gen: str, name: str, value: Any, *, minimum: float | None = None, strict: bool = True
) -> float:
    """Return ``value`` as a finite float, ``> minimum`` (``>=`` unless ``strict``) if given."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{gen}: parameter '{name}' must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ConfigError(f"{gen}: parameter '{name}' must be finite, got {value!r}")
    if minimum is not None and not (x > minimum if strict else x >= minimum):
        op = ">" if strict else ">="
        raise ConfigError(f"{gen}: parameter '{name}' must be {op} {minimum}, got {value!r}")
    return x


def check_positive(gen: str, **values: Any) -> tuple[float, ...]:
    """Every ``values`` item as a finite float ``> 0``, in the order given."""
    return tuple(check_float(gen, name, value, minimum=0.0) for name, value in values.items())
