"""The invariance experiments (rules ``invariance_curve``, ``invariance_summary``).

Each :class:`~symvae.config.InvarianceSetting` of the config becomes one file
``results/invariance/<name>.h5`` (:func:`run_setting`) and all of them one table
``results/invariance/summary.h5`` (:func:`summarize_invariance`); their layouts are in
:mod:`symvae.outputs.invariance`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from symvae.config import InvarianceSetting
from symvae.errors import ConfigError
from symvae.outputs.invariance import Curve, Figures, InvarianceSummary, SettingSummary
from symvae.provenance import provenance

if TYPE_CHECKING:
    from symvae.invariance.curves import CurvePair

__all__ = ["read_curve", "run_setting", "summarize_invariance", "write_curve"]


def run_setting(
    setting: InvarianceSetting, out: str | Path, events: str | Path | None = None
) -> Path:
    """Measure one setting's learning curves and write them to ``out`` (HDF5).

    Parameters
    ----------
    setting:
        The experiment (from :func:`symvae.config.load_config`'s ``invariance``).
    out:
        Output file, written atomically.
    events:
        The events ROOT file of ``setting.process`` (space ``events`` only).
    """
    curve = _measure(setting, events)
    # wall times go to the log (the rule's benchmark file has the job's), never into the file
    print(
        f"{setting.name}: fits took {curve.plain.seconds:.2f} s (plain) and "
        f"{curve.inv.seconds:.2f} s (invariant), summed over seeds",
        file=sys.stderr,
    )
    extra: dict[str, Any] = {}
    if setting.space == "events":
        # the events fill a d-dimensional manifold (the process's dof); a rotation about the
        # beam moves generic events along a circle, so the quotient has d − 1 dimensions
        extra = {"group": setting.group, "d": setting.d, "d_eff": (setting.d or 1) - 1}
    return write_curve(out, curve, setting, extra)


def _measure(setting: InvarianceSetting, events: str | Path | None) -> CurvePair:
    from symvae.invariance import experiments

    s = setting
    common: dict[str, Any] = {
        "ns_plain": s.ns_plain,
        "n_val": s.n_val,
        "lams": np.asarray(s.lambda_grid),
        "n_boot": s.n_boot,
        "plain_seeds": s.plain_seeds,
        "on_edge": "flag",
    }
    if s.space == "torus":
        return experiments.torus_learning_curve(
            int(s.d or 0), s.group, s.ns, s.seed_list, s.sigma, s.smoothness,
            k_max=s.cutoff, **common,
        )  # fmt: skip
    if s.space == "sphere":
        return experiments.sphere_learning_curve(
            s.ns, s.seed_list, s.sigma, s.smoothness, l_max=s.cutoff or 64, **common
        )
    if events is None:
        raise ConfigError(f"invariance setting '{s.name}': space 'events' needs an events file")
    from symvae.invariance.events import event_learning_curve, event_regression
    from symvae.outputs.events import read_events

    inputs, target = event_regression(read_events(events), s.target)
    return event_learning_curve(
        inputs, target, s.ns, s.seed_list, sigma=s.sigma, generator=np.asarray(s.generator),
        n_angles=s.n_angles, n_test=s.n_test, process=s.process, target_name=s.target,
        **common,
    )  # fmt: skip


def write_curve(
    path: str | Path,
    curve: CurvePair,
    setting: InvarianceSetting,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write a learning curve to ``path`` atomically, under the names of its flat fields.

    ``extra`` items fill what the curve itself does not carry (the curve's own fields win).
    """
    fields = curve.flat_fields()
    values = {**{k: v for k, v in (extra or {}).items() if v is not None}, **fields}
    record = Curve(
        name=setting.name,
        space=setting.space,
        description=setting.description,
        continuous=getattr(curve, "order", None) is None,
        setting=setting.to_dict(),
        provenance=provenance(),
        **values,
    )
    return record.save(path)


def read_curve(path: str | Path) -> Curve:
    """Read a curve file (:class:`symvae.outputs.invariance.Curve`).

    Raises
    ------
    symvae.errors.DataError
        If the file is missing, unreadable or lacks a required item.
    """
    return Curve.load(path)


def summarize_invariance(paths: Mapping[str, str | Path], out: str | Path) -> Path:
    """One group per setting with the table's figures; read every input before writing.

    Per setting: the scalars of the curve (dimensions, slopes and their predictions),
    the measured and predicted multipliers over ``ns_inv``, and the largest relative deviation
    of the mean measured risk from the prediction, ``max_rel_dev_plain``/``_inv``, and the
    steepening ``slope_inv − slope_plain`` (``steepening``, ``steepening_err``,
    ``pred_steepening``).
    """
    curves = {name: read_curve(p) for name, p in paths.items()}
    groups = {name: _setting_summary(c) for name, c in curves.items()}
    record = InvarianceSummary(groups=groups, settings=list(curves), provenance=provenance())
    return record.save(out)


def _max_rel_dev(risk: NDArray[np.float64], pred: NDArray[np.float64] | None) -> float | None:
    if pred is None:
        return None
    return float(np.max(np.abs(risk.mean(axis=0) / pred - 1.0)))


def _setting_summary(c: Curve) -> SettingSummary:
    pred_steepening = None
    if c.pred_slope_inv is not None and c.pred_slope_plain is not None:
        pred_steepening = c.pred_slope_inv - c.pred_slope_plain
    return SettingSummary(
        space=str(c.space), group=str(c.group), description=str(c.description),
        **{name: getattr(c, name) for name, _ in Figures.items()},
        ns_inv=c.ns_inv, multiplier=c.multiplier, multiplier_lo=c.multiplier_lo,
        multiplier_hi=c.multiplier_hi, pred_multiplier=c.pred_multiplier,
        # how much steeper the invariant curve is (continuous groups lower d_eff)
        steepening=c.slope_inv - c.slope_plain,
        steepening_err=float(np.hypot(c.slope_inv_err, c.slope_plain_err)),
        pred_steepening=pred_steepening,
        max_rel_dev_plain=_max_rel_dev(c.risk_plain, c.pred_plain),
        max_rel_dev_inv=_max_rel_dev(c.risk_inv, c.pred_inv),
    )  # fmt: skip
