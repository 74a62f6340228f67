"""``invariance/<setting>.h5`` and ``invariance/summary.h5``: what a known symmetry is worth.

Written by :func:`symvae.stages.run_setting` (rule ``invariance_curve``) per setting of
``invariance.settings``, and :func:`symvae.stages.summarize_invariance` (rule
``invariance_summary``) for all of them. Learning curves of kernel ridge regression with the
plain and the group-averaged kernel: S seeds (S_p ≤ S of them for the plain learner), p and q
training-set sizes. Every dataset carries ``description`` and ``units`` attributes. Fit times
are not stored (the same inputs give the same bytes): the ``invariance_curve`` log has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.outputs.layout import Layout, attribute, dataset, members

__all__ = ["Curve", "Figures", "InvarianceSummary", "SettingSummary"]

_META = ("description", "units")
_RISK = (
    "relative excess risk: ‖f̂ − f*‖²/‖f*‖² (torus, sphere: exact) or mean((f̂ − f)²)/var(f) "
    "on held-out events"
)


def _curve(shape: str, meaning: str, unit: str = "", dtype: str = "float64", **kw: Any) -> Any:
    return dataset(shape, dtype, unit, meaning, meta=_META, **kw)


def _scalar(meaning: str, unit: str = "", **kw: Any) -> Any:
    return attribute(meaning=meaning, unit=unit, **kw)


def _figure(meaning: str, unit: str = "") -> Any:
    return attribute(meaning=meaning, unit=unit, optional=True)


@dataclass(kw_only=True)
class Figures(Layout):
    """The scalars of a setting's learning curves (shared by the curve file and the summary)."""

    d: int | None = _figure("dimension of the input space (events: the process's dof)")
    d_eff: int | None = _figure("dimension of the quotient M/G")
    order: int | None = _figure("|G| (absent for continuous groups)")
    s: float | None = _figure("Sobolev order of kernel and target")
    sigma: float | None = _figure("label noise")
    slope_plain: float | None = _figure("slope of log mean risk vs log n, plain learner")
    slope_plain_err: float | None = _figure("its bootstrap error")
    slope_inv: float | None = _figure("slope of log mean risk vs log n, invariant learner")
    slope_inv_err: float | None = _figure("its bootstrap error")
    pred_slope_plain: float | None = _figure("finite-n predicted slope, plain")
    pred_slope_inv: float | None = _figure("finite-n predicted slope, invariant")
    asymptotic_slope_plain: float | None = _figure("−2s/(2s + d)")
    asymptotic_slope_inv: float | None = _figure("−2s/(2s + d_eff)")


@dataclass(kw_only=True)
class Curve(Figures):
    """The items of ``invariance/<setting>.h5``."""

    FILE = "invariance/<setting>.h5"

    group: str = _scalar("the symmetry group")
    name: str = _scalar("setting name")
    space: str = _scalar("torus, sphere or events")
    description: str = _scalar("the setting in words")
    k_max: int | None = _scalar("frequency cut-off (k_max, or l_max on the sphere)", optional=True)
    process: str | None = _scalar("process of the events (space events)", optional=True)
    target: str | None = _scalar("regression target (space events)", optional=True)
    ns_plain: NDArray[np.int64] = _curve("(p,)", "training-set sizes of the plain learner", "events", "int64")  # fmt: skip
    ns_inv: NDArray[np.int64] = _curve("(q,)", "training-set sizes of the invariant learner", "events", "int64")  # fmt: skip
    seeds: NDArray[np.int64] = _curve("(S,)", "seed of each draw (rows of the risk arrays)", dtype="int64")  # fmt: skip
    risk_plain: NDArray[np.float64] = _curve("(S_p, p)", f"plain learner: {_RISK} at the validated λ, (seed, n)")  # fmt: skip
    risk_inv: NDArray[np.float64] = _curve("(S, q)", f"invariant learner: {_RISK} at the validated λ, (seed, n)")  # fmt: skip
    oracle_plain: NDArray[np.float64] | None = _curve("(S_p, p)", "plain learner: smallest excess risk along the λ path, (seed, n)", optional=True)  # fmt: skip
    oracle_inv: NDArray[np.float64] | None = _curve("(S, q)", "invariant learner: smallest excess risk along the λ path, (seed, n)", optional=True)  # fmt: skip
    delta_plain: NDArray[np.float64] = _curve("(S_p, p)", "plain learner: validated ridge δ = nλ, (seed, n)")  # fmt: skip
    delta_inv: NDArray[np.float64] = _curve("(S, q)", "invariant learner: validated ridge δ = nλ, (seed, n)")  # fmt: skip
    edge_plain: NDArray[np.bool_] = _curve("(S_p, p)", "plain learner: validated λ limited by the grid, (seed, n)", "bool", "bool")  # fmt: skip
    edge_inv: NDArray[np.bool_] = _curve("(S, q)", "invariant learner: validated λ limited by the grid, (seed, n)", "bool", "bool")  # fmt: skip
    pred_plain: NDArray[np.float64] | None = _curve("(p,)", "plain learner: deterministic-equivalent risk at the optimal ridge", optional=True)  # fmt: skip
    pred_inv: NDArray[np.float64] | None = _curve("(q,)", "invariant learner: deterministic-equivalent risk at the optimal ridge", optional=True)  # fmt: skip
    pred_delta_plain: NDArray[np.float64] | None = _curve("(p,)", "plain learner: optimal ridge δ of the prediction", optional=True)  # fmt: skip
    pred_delta_inv: NDArray[np.float64] | None = _curve("(q,)", "invariant learner: optimal ridge δ of the prediction", optional=True)  # fmt: skip
    multiplier: NDArray[np.float64] = _curve("(q,)", "measured n_eff/n at each ns_inv (mean curves; NaN: out of range)")  # fmt: skip
    multiplier_lo: NDArray[np.float64] = _curve("(q,)", "16 % bootstrap quantile of the multiplier")  # fmt: skip
    multiplier_hi: NDArray[np.float64] = _curve("(q,)", "84 % bootstrap quantile of the multiplier")  # fmt: skip
    pred_multiplier: NDArray[np.float64] | None = _curve("(q,)", "predicted n_eff/n at each ns_inv", optional=True)  # fmt: skip
    generator: NDArray[np.float64] | None = _curve("(3, 3)", "3×3 generator A of the rotations exp(tA) averaged over", optional=True)  # fmt: skip
    n_angles: int | None = _scalar("quadrature angles of the group average", optional=True)
    quadrature_error: float | None = _scalar("error of that quadrature", optional=True)
    scale: float | None = _scalar("kernel scale", optional=True)
    scale_axial: float | None = _scalar("kernel scale along the axis", optional=True)
    lengthscale: float | None = _scalar("kernel length scale", optional=True)
    continuous: bool = attribute("bool", meaning="the group is continuous")
    setting: dict[str, Any] = attribute("json", meaning="the resolved config entry")
    provenance: dict[str, Any] = attribute("json", meaning="library versions and platform")


@dataclass(kw_only=True)
class SettingSummary(Figures):
    """One setting's group of ``invariance/summary.h5``."""

    space: str = attribute("str", meaning="torus, sphere or events")
    group: str = attribute("str", meaning="the symmetry group")
    description: str = attribute("str", meaning="the setting in words")
    ns_inv: NDArray[np.int64] = dataset("(q,)", "int64", "events", "training-set sizes")
    multiplier: NDArray[np.float64] = dataset("(q,)", meaning="measured n_eff/n")
    multiplier_lo: NDArray[np.float64] = dataset("(q,)", meaning="16 % bootstrap quantile")
    multiplier_hi: NDArray[np.float64] = dataset("(q,)", meaning="84 % bootstrap quantile")
    pred_multiplier: NDArray[np.float64] | None = dataset(
        "(q,)", meaning="predicted n_eff/n", optional=True
    )
    steepening: float = attribute("float", meaning="slope_inv − slope_plain")
    steepening_err: float = attribute("float", meaning="its error")
    pred_steepening: float | None = attribute("float", meaning="its prediction", optional=True)
    max_rel_dev_plain: float | None = attribute(
        "float", meaning="max over n of |mean measured risk / predicted − 1|, plain", optional=True
    )
    max_rel_dev_inv: float | None = attribute("float", meaning="the same, invariant", optional=True)


@dataclass(kw_only=True)
class InvarianceSummary(Layout):
    """The items of ``invariance/summary.h5``."""

    FILE = "invariance/summary.h5"

    groups: dict[str, SettingSummary] = members(
        SettingSummary, flat=True, meaning="one per setting"
    )
    settings: list[str] = attribute("str_list", meaning="setting names")
    provenance: dict[str, Any] = attribute("json", meaning="library versions and platform")
