"""Scan settings: one process setting varied over a grid, each value a separate process variant.

A scan (config key ``scans.<name>``) names a ``parameter`` as a dotted key of a process
(``vae.beta``, ``vae.latent_dim``, ``params.width``, ``features.smearing``, ...), its
``values`` and the ``processes`` it runs on. Every (process, value) pair is a *point*: the
process's spec with that one setting replaced (:meth:`ScanSetting.point_spec`), trained and
measured like any process. ``measure`` says what the scan reports:

``dof``
    relevant count and median local dof against the analytic dof: the *plateau* is the
    widest run of consecutive values where the local dof equals the truth
    (:func:`symvae.scans.measures.plateau`);
``breaking``
    the relevance of the latent directions that the process's constraints remove (they
    regain relevance as a constraint is broken: a ring's width, momentum smearing);
``symmetry``
    no training: the two-sample p-value of a named generator (``symmetry``) on the data of
    every point, e.g. the rotation on a ring with angular density ``1 + ε cos 2θ``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import jsonschema

from symvae.config.checks import check_process
from symvae.config.process import ProcessSpec, plain
from symvae.config.strict import coerce_integers
from symvae.errors import ConfigError

__all__ = ["FEATURE_PARAMETERS", "MEASURES", "ScanSetting", "point_name", "scan_settings"]

MEASURES = ("dof", "breaking", "symmetry")

#: parameter sections that change the features (a new features.h5 per point); ``vae``
#: changes only the training and reuses the process's own features
FEATURE_PARAMETERS = ("params", "features", "data")


def point_name(index: int) -> str:
    """File-system name of the scan point ``index`` (``p0``, ``p1``, ...)."""
    return f"p{index}"


@dataclass(frozen=True)
class ScanSetting:
    """One scan: ``parameter`` over ``values`` on each of ``processes``.

    ``points[process]`` holds the resolved spec of every point, in the order of ``values``.
    """

    name: str
    parameter: str
    values: tuple[Any, ...]
    processes: tuple[str, ...]
    seeds: tuple[int, ...]
    measure: str = "dof"
    description: str = ""
    symmetry: str = ""
    reference: str = ""
    min_plateau: float = 4.0
    points: Mapping[str, tuple[ProcessSpec, ...]] = field(default_factory=dict, repr=False)

    @property
    def section(self) -> str:
        """The first part of ``parameter`` (``vae``, ``params``, ``features``, ``data``)."""
        return self.parameter.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The second part of ``parameter`` (``beta``, ``width``, ...)."""
        return self.parameter.split(".", 1)[1]

    @property
    def new_features(self) -> bool:
        """Whether every point has its own features (else it reuses the process's)."""
        return self.section in FEATURE_PARAMETERS

    @property
    def trains(self) -> bool:
        """Whether the points train VAEs (every measure but ``symmetry``)."""
        return self.measure != "symmetry"

    @property
    def point_names(self) -> list[str]:
        """``p0 … p{n-1}``, one per value."""
        return [point_name(i) for i in range(len(self.values))]

    def point_spec(self, process: str, point: str | int) -> ProcessSpec:
        """The spec of ``process`` at scan point ``point`` (a name ``p3`` or an index)."""
        try:
            index = int(point.removeprefix("p")) if isinstance(point, str) else int(point)
            if index < 0:
                raise IndexError(index)
            return self.points[process][index]
        except (KeyError, IndexError, ValueError):
            raise ConfigError(
                f"scan '{self.name}' has no point {point!r} of process '{process}'"
            ) from None

    # ---- file layout under the results folder -------------------------------------------

    def output_path(self, results: str | Path) -> Path:
        """``<results>/scans/<scan>.h5``: the scan's curves."""
        return Path(results) / "scans" / f"{self.name}.h5"

    def point_dir(self, results: str | Path, process: str, point: str | int) -> Path:
        """``<results>/scans/<scan>/<process>/p<i>``: one point's files."""
        name = point if isinstance(point, str) else point_name(point)
        return Path(results) / "scans" / self.name / process / name

    def features_path(self, results: str | Path, process: str, point: str | int) -> Path:
        """The features a point trains on: its own, or the process's (``vae.*`` scans)."""
        if self.new_features:
            return self.point_dir(results, process, point) / "features.h5"
        return Path(results) / process / "features.h5"

    def model_path(self, results: str | Path, process: str, point: str | int, seed: int) -> Path:
        """``…/p<i>/seed<s>/model.pt``."""
        return self.point_dir(results, process, point) / f"seed{seed}" / "model.pt"

    def evaluation_path(
        self, results: str | Path, process: str, point: str | int, seed: int
    ) -> Path:
        """``…/p<i>/seed<s>/evaluation.h5`` (written by the training job)."""
        return self.point_dir(results, process, point) / f"seed{seed}" / "evaluation.h5"

    def inputs(self, results: str | Path) -> dict[str, list[list[str]] | list[str]]:
        """Per process, what :func:`symvae.stages.collect_scan` reads: per point the
        evaluation files of every seed, or (``symmetry``) the point's features."""
        out: dict[str, list[list[str]] | list[str]] = {}
        for process in self.processes:
            if self.trains:
                out[process] = [
                    [str(self.evaluation_path(results, process, p, s)) for s in self.seeds]
                    for p in self.point_names
                ]
            else:
                out[process] = [
                    str(self.features_path(results, process, p)) for p in self.point_names
                ]
        return out

    def reference_inputs(self, results: str | Path, seeds: Sequence[int]) -> list[str]:
        """Evaluation files of the ``reference`` process for the main run's ``seeds``;
        empty without a reference."""
        if not self.reference or self.measure != "breaking":
            return []
        return [str(Path(results) / self.reference / f"seed{s}" / "evaluation.h5") for s in seeds]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary of the settings (without the resolved point specs)."""
        return plain({f.name: getattr(self, f.name) for f in fields(self) if f.name != "points"})


def _set(d: dict[str, Any], section: str, key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(d)
    sub = dict(out.get(section) or {})
    sub[key] = copy.deepcopy(value)
    out[section] = sub
    return out


def _check_value(
    scan: ScanSetting, spec: ProcessSpec, value: Any, where: str, schema: Mapping[str, Any]
) -> ProcessSpec:
    """The point spec of ``spec`` at ``value``, validated like a config entry."""
    section, key = scan.section, scan.key
    if section == "params":
        if not spec.generator:
            raise ConfigError(
                f"{where}.parameter': params.* needs a toy process, not '{spec.name}'"
            )
    if section == "features" and spec.features is None:
        raise ConfigError(
            f"{where}.parameter': features.* needs an event process, not '{spec.name}'"
        )
    if section == "data" and spec.has_events:
        raise ConfigError(
            f"{where}.parameter': data.* of event process '{spec.name}' would need new events"
        )
    raw = _set(spec.to_dict(), section, key, value)
    sub_schema = schema.get("definitions", {}).get(section)
    if sub_schema is not None:
        resolver = {**sub_schema, "definitions": schema.get("definitions", {})}
        raw[section] = coerce_integers(raw[section], sub_schema, schema)
        value = raw[section].get(key, value)
        try:
            jsonschema.Draft202012Validator(resolver).validate(raw[section])
        except jsonschema.ValidationError as err:
            raise ConfigError(
                f"{where}.values': {value!r} for {scan.parameter}: {err.message}"
            ) from None
    raw["description"] = f"{spec.description} [{scan.parameter} = {value}]"
    point = ProcessSpec.from_dict(raw)
    check_process(point, f"{where}.values ({scan.parameter} = {value})", {})
    return point


def scan_settings(
    raw: Mapping[str, Any],
    processes: Mapping[str, ProcessSpec],
    seeds: Sequence[int],
    where: str,
    schema: Mapping[str, Any],
) -> dict[str, ScanSetting]:
    """Resolve the ``scans`` section: every point's spec, checked before any work starts."""
    out: dict[str, ScanSetting] = {}
    for name, entry in raw.items():
        key = f"{where}config key 'scans.{name}"
        wanted = entry["processes"]
        if wanted == "exact":
            names = tuple(p for p, s in processes.items() if s.exact)
        else:
            names = tuple(wanted)
            unknown = [p for p in names if p not in processes]
            if unknown:
                raise ConfigError(
                    f"{key}.processes': unknown process(es) {', '.join(unknown)} "
                    f"(config has: {', '.join(processes)})"
                )
        measure = entry.get("measure", "dof")
        blind = [p for p in names if processes[p].dof is None]
        if measure != "symmetry" and blind:
            raise ConfigError(
                f"{key}.processes': {', '.join(blind)} has no analytic dof for measure "
                f"{measure} to compare with"
            )
        scan = ScanSetting(
            name=name,
            parameter=entry["parameter"],
            values=tuple(entry["values"]),
            processes=names,
            seeds=tuple(entry.get("seeds", seeds)),
            measure=measure,
            description=entry.get("description", ""),
            symmetry=entry.get("symmetry", ""),
            reference=entry.get("reference", ""),
            min_plateau=float(entry.get("min_plateau", 4.0)),
        )
        if measure == "symmetry" and not scan.symmetry:
            raise ConfigError(
                f"{key}.symmetry': missing (the generator that measure symmetry tests)"
            )
        if measure == "symmetry" and not scan.new_features:
            raise ConfigError(
                f"{key}.measure': symmetry tests the data, which {scan.parameter} does not change"
            )
        if scan.reference and scan.reference not in processes:
            raise ConfigError(f"{key}.reference': no process named '{scan.reference}'")
        numeric = all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in scan.values
        )
        log_grid = measure != "dof" or (
            numeric
            and min(scan.values) > 0
            and all(a < b for a, b in zip(scan.values, scan.values[1:], strict=False))
        )
        if not numeric or not log_grid:
            raise ConfigError(
                f"{key}.values': {list(scan.values)}: give finite numbers"
                + (" > 0 in increasing order (a log grid)" if measure == "dof" else "")
            )
        points = {
            p: tuple(_check_value(scan, processes[p], v, f"{key}", schema) for v in scan.values)
            for p in names
        }
        out[name] = replace(scan, points=points)
    return out
