"""Loading a config: parse YAML (or a mapping), merge overrides, validate against the schema,
merge ``defaults`` into every process and check what the schema cannot, so that every error
names the offending key before any work starts."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from symvae.config.checks import check_process
from symvae.config.invariance import SPACE_GROUPS, InvarianceSetting
from symvae.config.process import (
    DataConfig,
    LocalDofConfig,
    ProcessSpec,
    RelevanceConfig,
    VAEConfig,
)
from symvae.config.scans import ScanSetting, scan_settings
from symvae.errors import ConfigError

__all__ = ["BUILTIN_DEFAULTS", "Config", "load_config", "schema"]


@dataclass(frozen=True)
class Config:
    """A validated workflow configuration."""

    seeds: tuple[int, ...]
    processes: Mapping[str, ProcessSpec]
    results: str = "results"
    threads: int = 1
    invariance: Mapping[str, InvarianceSetting] = field(default_factory=dict)
    scans: Mapping[str, ScanSetting] = field(default_factory=dict)
    """Scans by name; empty in the default run."""

    def process(self, name: str) -> ProcessSpec:
        """The spec of process ``name``; a clear error if the config has none."""
        try:
            return self.processes[name]
        except KeyError:
            known = ", ".join(self.processes)
            raise ConfigError(f"unknown process '{name}' (config has: {known})") from None


BUILTIN_DEFAULTS: dict[str, Any] = {
    "data": asdict(DataConfig()),
    "vae": asdict(VAEConfig()),
    "relevance": asdict(RelevanceConfig()),
    "local_dof": asdict(LocalDofConfig()),
}


@cache
def schema() -> dict[str, Any]:
    """The JSON schema of ``config.yaml`` (shipped as ``symvae/schemas/config.schema.yaml``)."""
    text = resources.files("symvae").joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def load_config(
    source: str | Path | Mapping[str, Any], *overrides: str | Path | Mapping[str, Any]
) -> Config:
    """Validate a configuration and merge defaults into every process.

    Parameters
    ----------
    source:
        Path of a YAML file, or an already parsed mapping (e.g. Snakemake's ``config``).
    overrides:
        Further files or mappings merged over ``source`` in order, nested mappings key by
        key, as Snakemake merges ``--configfile`` over the workflow's config (e.g.
        ``load_config("config.yaml", "profiles/paper/paper.yaml")``).

    Raises
    ------
    ConfigError
        With a message naming the key, e.g. ``config key 'defaults.vae.beta': -1 is less
        than or equal to the minimum of 0``.
    """
    raw, where = _read(source)
    for extra in overrides:
        more, more_where = _read(extra)
        raw = _merge(raw, more)
        where = f"{where.rstrip(': ')} + {more_where}" if where else more_where
    _validate(raw, where)

    defaults = {k: {**BUILTIN_DEFAULTS[k], **raw["defaults"].get(k, {})} for k in BUILTIN_DEFAULTS}
    processes: dict[str, ProcessSpec] = {}
    for name, entry in raw["processes"].items():
        merged = {k: {**defaults[k], **entry.get(k, {})} for k in defaults}
        spec = ProcessSpec.from_dict({**entry, **merged, "name": name})
        check_process(spec, f"{where}config key 'processes.{name}", raw["processes"])
        processes[name] = spec
    return Config(
        seeds=tuple(raw["seeds"]),
        processes=processes,
        results=raw.get("results", "results"),
        threads=raw.get("threads", 1),
        invariance=_invariance(
            raw.get("invariance", {}), f"{where}config key 'invariance", processes
        ),
        scans=scan_settings(raw.get("scans", {}), processes, raw["seeds"], where, schema()),
    )


def _read(source: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """A parsed config and the prefix that names its file in error messages."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            raw = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: not valid YAML: {err}") from None
        where = f"{path}: "
    else:
        raw, where = copy.deepcopy(dict(source)), ""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}config must be a mapping, got {type(raw).__name__}")
    return dict(raw), where


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``over``: nested mappings key by key, anything else replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _validate(raw: Mapping[str, Any], where: str) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    lines = [_describe(e) for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    raise ConfigError(where + "; ".join(lines) + more)


def _describe(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        keys = ", ".join(f"'{'.'.join(filter(None, [path, k]))}'" for k in missing)
        return f"config key {keys}: missing (required)"
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        keys = ", ".join(f"'{'.'.join(filter(None, [path, k]))}'" for k in extra)
        return f"config key {keys}: unknown key (allowed: {', '.join(sorted(allowed))})"
    if (
        error.validator == "oneOf"
        and isinstance(error.instance, Mapping)
        and "dof" in error.instance
    ):
        has = {k for k in ("generator", "events", "features") if k in error.instance}
        if "generator" in has and "events" in has:
            return f"config key '{path}': give either 'generator' or 'events', not both"
        if "events" in has:
            return f"config key '{path}.features': missing (required with 'events')"
        return (
            f"config key '{path}.generator': missing (required: 'generator' for a toy "
            "dataset, or 'events' and 'features' for collision events)"
        )
    if error.validator == "enum" and path.endswith("generator"):
        return (
            f"config key '{path}': unknown generator {error.instance!r} "
            f"(known: {', '.join(error.validator_value)})"
        )
    return f"config key '{path or '<root>'}': {error.message}"


def _invariance(
    raw: Mapping[str, Any], key: str, processes: Mapping[str, ProcessSpec]
) -> dict[str, InvarianceSetting]:
    """Merge ``invariance.defaults`` into every setting and check what the schema cannot."""
    defaults = raw.get("defaults", {})
    out: dict[str, InvarianceSetting] = {}
    for name, entry in raw.get("settings", {}).items():
        where = f"{key}.settings.{name}"
        merged = {**defaults, **entry, "name": name}
        for required in ("space", "group", "ns"):
            if required not in merged:
                raise ConfigError(f"{where}.{required}': missing")
        setting = InvarianceSetting.from_dict(merged)
        _check_setting(setting, where, processes)
        if setting.space == "events" and setting.d is None:
            # the dimension of the event manifold: the process's degrees of freedom
            setting = dataclasses.replace(setting, d=processes[setting.process].dof)
        out[name] = setting
    return out


def _check_setting(s: InvarianceSetting, where: str, processes: Mapping[str, ProcessSpec]) -> None:
    if s.group not in SPACE_GROUPS[s.space]:
        raise ConfigError(
            f"{where}.group': '{s.group}' does not act on space '{s.space}' "
            f"(known: {', '.join(SPACE_GROUPS[s.space])})"
        )
    if s.space == "torus":
        if s.d is None:
            raise ConfigError(f"{where}.d': missing (the dimension of the torus)")
        if s.smoothness <= s.d / 2:
            raise ConfigError(
                f"{where}.smoothness': s = {s.smoothness} must exceed d/2 = {s.d / 2} "
                "(else the kernel has no finite trace)"
            )
        if s.cutoff is None and s.d > 3:
            raise ConfigError(f"{where}.cutoff': required for d > 3 (the box has (2k+1)^d modes)")
    if s.space == "events":
        for field_name in ("process", "target"):
            if not getattr(s, field_name):
                raise ConfigError(f"{where}.{field_name}': missing (required for space events)")
        if s.process not in processes or not processes[s.process].has_events:
            events = [p for p, spec in processes.items() if spec.has_events]
            raise ConfigError(
                f"{where}.process': no event process named '{s.process}' "
                f"(event processes: {', '.join(events) or 'none'})"
            )
    lo, hi, _ = s.lambdas
    if not lo < hi:
        raise ConfigError(f"{where}.lambdas': min must be below max, got {lo} and {hi}")
    if s.plain_seeds is not None and s.plain_seeds > s.seeds:
        raise ConfigError(f"{where}.plain_seeds': {s.plain_seeds} exceeds seeds = {s.seeds}")
