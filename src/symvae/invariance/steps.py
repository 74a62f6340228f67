"""The invariance experiments as workflow steps: run a setting, write and read its HDF5 file.

Each :class:`~symvae.config.InvarianceSetting` of the config becomes one file
``results/invariance/<name>.h5`` (:func:`run_setting`) and all of them one table
``results/invariance/summary.h5`` (:func:`summarize_invariance`). The layout is documented in
``docs/outputs.md``: every array of the learning curve is a dataset with ``description`` and
``units`` attributes, every scalar an attribute of the root, and the setting and provenance are
JSON attributes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symvae.config import InvarianceSetting
from symvae.errors import ConfigError, DataError
from symvae.io.hdf5 import atomic_h5, open_h5, read_json_attr, write_json_attr
from symvae.provenance import provenance

__all__ = ["read_curve", "run_setting", "summarize_invariance", "write_curve"]

_RISK = (
    "relative excess risk: ‖f̂ − f*‖²/‖f*‖² (torus, sphere: exact) or mean((f̂ − f)²)/var(f) "
    "on held-out events"
)
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "ns_plain": ("training-set sizes of the plain learner", "events"),
    "ns_inv": ("training-set sizes of the invariant learner", "events"),
    "seeds": ("seed of each draw (rows of the risk arrays)", ""),
    "risk_plain": (f"plain learner: {_RISK} at the validated λ, (seed, n)", ""),
    "risk_inv": (f"invariant learner: {_RISK} at the validated λ, (seed, n)", ""),
    "oracle_plain": ("plain learner: smallest excess risk along the λ path, (seed, n)", ""),
    "oracle_inv": ("invariant learner: smallest excess risk along the λ path, (seed, n)", ""),
    "delta_plain": ("plain learner: validated ridge δ = nλ, (seed, n)", ""),
    "delta_inv": ("invariant learner: validated ridge δ = nλ, (seed, n)", ""),
    "edge_plain": ("plain learner: validated λ limited by the grid, (seed, n)", "bool"),
    "edge_inv": ("invariant learner: validated λ limited by the grid, (seed, n)", "bool"),
    "pred_plain": ("plain learner: deterministic-equivalent risk at the optimal ridge", ""),
    "pred_inv": ("invariant learner: deterministic-equivalent risk at the optimal ridge", ""),
    "pred_delta_plain": ("plain learner: optimal ridge δ of the prediction", ""),
    "pred_delta_inv": ("invariant learner: optimal ridge δ of the prediction", ""),
    "multiplier": ("measured n_eff/n at each ns_inv (mean curves; NaN: out of range)", ""),
    "multiplier_lo": ("16 % bootstrap quantile of the multiplier", ""),
    "multiplier_hi": ("84 % bootstrap quantile of the multiplier", ""),
    "pred_multiplier": ("predicted n_eff/n at each ns_inv", ""),
    "generator": ("3×3 generator A of the rotations exp(tA) averaged over", ""),
}
"""Description and units of the datasets of a curve file (others get the field name)."""


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
    extra: dict[str, Any] = {}
    if setting.space == "events":
        # the events fill a d-dimensional manifold (the process's dof); a rotation about the
        # beam moves generic events along a circle, so the quotient has d − 1 dimensions
        extra = {"group": setting.group, "d": setting.d, "d_eff": (setting.d or 1) - 1}
    return write_curve(out, curve, setting, extra)


def _measure(setting: InvarianceSetting, events: str | Path | None) -> Any:
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
    from symvae.invariance.events import event_learning_curve, load_event_regression

    inputs, target = load_event_regression(events, s.target)
    return event_learning_curve(
        inputs, target, s.ns, s.seed_list, sigma=s.sigma, generator=np.asarray(s.generator),
        n_angles=s.n_angles, n_test=s.n_test, process=s.process, target_name=s.target,
        **common,
    )  # fmt: skip


def write_curve(
    path: str | Path,
    curve: Any,
    setting: InvarianceSetting,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write a learning curve (a dataclass of arrays and scalars) to ``path`` atomically.

    ``extra`` root attributes are written first (the curve's own fields win).
    """
    path = Path(path)
    with atomic_h5(path) as f:
        for key, value in (extra or {}).items():
            if value is not None:
                f.attrs[key] = value
        f.attrs["name"] = setting.name
        f.attrs["space"] = setting.space
        f.attrs["description"] = setting.description
        for field in dataclasses.fields(curve):
            value = getattr(curve, field.name)
            if isinstance(value, np.ndarray):
                dset = f.create_dataset(field.name, data=value)
                text, units = DESCRIPTIONS.get(field.name, (field.name, ""))
                dset.attrs["description"] = text
                dset.attrs["units"] = units
            elif value is None:
                continue
            elif isinstance(value, str | int | float | bool | np.generic):
                f.attrs[field.name] = value
            else:
                write_json_attr(f, field.name, value)
        f.attrs["continuous"] = getattr(curve, "order", None) is None
        write_json_attr(f, "setting", setting.to_dict())
        write_json_attr(f, "provenance", provenance())
    return path


_REQUIRED = ("ns_plain", "ns_inv", "risk_plain", "risk_inv", "multiplier")


def read_curve(path: str | Path) -> dict[str, Any]:
    """Every dataset (as arrays) and attribute of a curve file; ``setting`` as a mapping.

    Raises
    ------
    symvae.errors.DataError
        If the file is missing, unreadable or lacks a required dataset.
    """
    path = Path(path)
    with open_h5(path) as f:
        missing = [k for k in _REQUIRED if k not in f]
        if missing:
            raise DataError(f"{path}: not an invariance curve file (missing {', '.join(missing)})")
        out: dict[str, Any] = {k: f[k][()] for k in f}
        for key, value in f.attrs.items():
            if key in ("setting", "provenance"):
                out[key] = read_json_attr(f, key)
            else:
                out[key] = value.item() if isinstance(value, np.generic) else value
    out.setdefault("order", None)
    return out


_TABLE_SCALARS = (
    "d", "d_eff", "order", "s", "sigma", "slope_plain", "slope_plain_err", "slope_inv",
    "slope_inv_err", "pred_slope_plain", "pred_slope_inv", "asymptotic_slope_plain",
    "asymptotic_slope_inv", "seconds_plain", "seconds_inv",
)  # fmt: skip


def summarize_invariance(paths: Mapping[str, str | Path], out: str | Path) -> Path:
    """One group per setting with the table's figures; read every input before writing.

    Per setting: the scalars of the curve (dimensions, slopes and their predictions, timings),
    the measured and predicted multipliers over ``ns_inv``, and the largest relative deviation
    of the mean measured risk from the prediction, ``max_rel_dev_plain``/``_inv``, and the
    steepening ``slope_inv − slope_plain`` (``steepening``, ``steepening_err``,
    ``pred_steepening``).
    """
    curves = {name: read_curve(p) for name, p in paths.items()}
    with atomic_h5(out) as f:
        f.attrs["settings"] = list(curves)
        for name, c in curves.items():
            g = f.create_group(name)
            for key in ("space", "group", "description"):
                g.attrs[key] = str(c.get(key, ""))
            for key in _TABLE_SCALARS:
                if c.get(key) is not None:
                    g.attrs[key] = c[key]
            for key in ("ns_inv", "multiplier", "multiplier_lo", "multiplier_hi"):
                g.create_dataset(key, data=c[key])
            if "pred_multiplier" in c:
                g.create_dataset("pred_multiplier", data=c["pred_multiplier"])
            # how much steeper the invariant curve is (continuous groups lower d_eff)
            g.attrs["steepening"] = c["slope_inv"] - c["slope_plain"]
            g.attrs["steepening_err"] = float(np.hypot(c["slope_inv_err"], c["slope_plain_err"]))
            if "pred_slope_inv" in c:
                g.attrs["pred_steepening"] = c["pred_slope_inv"] - c["pred_slope_plain"]
            for learner in ("plain", "inv"):
                if f"pred_{learner}" in c:
                    dev = c[f"risk_{learner}"].mean(axis=0) / c[f"pred_{learner}"] - 1.0
                    g.attrs[f"max_rel_dev_{learner}"] = float(np.max(np.abs(dev)))
        write_json_attr(f, "provenance", provenance())
    return Path(out)
