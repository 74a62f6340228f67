"""Loading a config: parse YAML (or a mapping), merge overrides, validate against the schema,
merge ``defaults`` into every process and check what the schema cannot, so that every error
names the offending key before any work starts."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping, Sequence
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
from symvae.config.resources import check_memory
from symvae.config.scans import ScanSetting, scan_settings
from symvae.config.source import Located, Origins, read_yaml
from symvae.config.strict import check_results, check_values, coerce_integers
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
    source: str | Path | Mapping[str, Any],
    *overrides: str | Path | Mapping[str, Any],
    origins: Sequence[str | Path] = (),
    command_line: Mapping[str, Any] | None = None,
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
    origins:
        The YAML files a mapping ``source`` was merged from, in merge order (Snakemake's
        ``workflow.configfiles``): read only to name the file and line of an error, and
        checked for duplicate keys.
    command_line:
        Settings merged over those files without a file (Snakemake's ``--config``): an
        error in one of them is located as ``--config``.

    Raises
    ------
    ConfigError
        One line: ``FILE:LINE: KEY: PROBLEM``, e.g. ``config.yaml:14:
        processes.ring.vae.epochs: must be an integer, got 5.5`` (the file and line where a
        file sets the key, or its nearest parent; only ``KEY: PROBLEM`` for a mapping).
    """
    located: list[Located] = [read_yaml(p) for p in origins]
    if command_line:
        located.append(Located.of_mapping("--config", command_line))
    try:
        raw = _read(source, located)
        for extra in overrides:
            raw = _merge(raw, _read(extra, located))
        return _load(raw)
    except ConfigError as err:
        raise ConfigError(_locate(str(err), Origins(tuple(located)))) from None


def _load(raw: dict[str, Any]) -> Config:
    check_values(raw)
    raw = coerce_integers(raw, schema(), schema())
    _validate(raw)
    raw = _only(raw)
    check_results(raw.get("results", "results"))

    defaults = {k: {**BUILTIN_DEFAULTS[k], **raw["defaults"].get(k, {})} for k in BUILTIN_DEFAULTS}
    processes: dict[str, ProcessSpec] = {}
    for name, entry in raw["processes"].items():
        merged = {k: {**defaults[k], **entry.get(k, {})} for k in defaults}
        spec = ProcessSpec.from_dict({**entry, **merged, "name": name})
        check_process(spec, f"config key 'processes.{name}", raw["processes"])
        processes[name] = spec
    config = Config(
        seeds=tuple(raw["seeds"]),
        processes=processes,
        results=raw.get("results", "results"),
        threads=raw.get("threads", 1),
        invariance=_invariance(raw.get("invariance", {}), "config key 'invariance", processes),
        scans=scan_settings(raw.get("scans", {}), processes, raw["seeds"], "", schema()),
    )
    check_memory(config.processes, config.invariance)
    return config


#: An error message as the checks write it: ``config key 'a.b.c': problem``.
_MESSAGE = re.compile(r"(?:(?P<file>[^\n]*?): )?config key '(?P<key>[^']*)'[:,]? ?(?P<rest>.*)")


def _locate(message: str, origins: Origins) -> str:
    """``FILE:LINE: KEY: PROBLEM`` of a check's message (unchanged if it names no key)."""
    match = _MESSAGE.fullmatch(message)
    if match is None:
        return message
    key, rest = match["key"], match["rest"].removeprefix(": ")
    where = _where(key.split(" (")[0], origins) if key != "<root>" else ""
    where = where or match["file"] or ""
    key = _printable(key)
    return f"{where}: {key}: {rest}" if where else f"{key}: {rest}"


def _printable(text: str) -> str:
    """``text`` with every unprintable character (a newline in a YAML key, ...) escaped as
    Python writes it: the message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: A process's or invariance setting's key that ``defaults`` may set instead.
_DEFAULTED = re.compile(r"(?P<head>processes|invariance\.settings)\.[^.]+\.(?P<rest>.+)")


def _where(key: str, origins: Origins) -> str:
    """Where ``key`` is set; a merged value that the entry does not set itself is located
    at the ``defaults`` key it came from."""
    exact = origins.locate(key, exact=True)
    if exact:
        return exact
    match = _DEFAULTED.fullmatch(key)
    if match is not None:
        section = "defaults" if match["head"] == "processes" else "invariance.defaults"
        default = origins.locate(f"{section}.{match['rest']}", exact=True)
        if default:
            return default
    return origins.locate(key)


def _read(source: str | Path | Mapping[str, Any], located: list[Located]) -> dict[str, Any]:
    """A parsed config (a file is read strictly and joins ``located``)."""
    if isinstance(source, str | Path):
        file = read_yaml(source)
        located.append(file)
        raw: Any = file.data
        where = f"{file.path}: "
    else:
        raw, where = copy.deepcopy(dict(source)), ""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}config must be a mapping, got {type(raw).__name__}")
    return dict(raw)


def _only(raw: dict[str, Any]) -> dict[str, Any]:
    """The config cut to the processes and invariance settings that ``only`` names (a
    profile that runs a part of the study): scans left with none of their processes go too."""
    names = raw.get("only")
    if names is None:
        return raw
    settings = raw.get("invariance", {}).get("settings", {})
    unknown = [n for n in names if n not in raw["processes"] and n not in settings]
    if unknown:
        raise ConfigError(
            f"config key 'only': no process or invariance setting named {', '.join(unknown)}"
        )
    out = {**raw, "processes": {k: v for k, v in raw["processes"].items() if k in names}}
    if not out["processes"]:
        raise ConfigError("config key 'only': names no process")
    if "invariance" in raw:
        kept = {k: v for k, v in settings.items() if k in names}
        out["invariance"] = {**raw["invariance"], "settings": kept}
    scans = {}
    for key, scan in raw.get("scans", {}).items():
        wanted = scan["processes"]
        if wanted == "exact" or any(p in names for p in wanted):
            keep = wanted if wanted == "exact" else [p for p in wanted if p in names]
            scans[key] = {**scan, "processes": keep}
    if "scans" in raw:
        out["scans"] = scans
    return out


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``over``: nested mappings key by key, anything else replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _validate(raw: Mapping[str, Any]) -> None:
    """The first schema violation (in key order), as ``config key 'a.b': problem``."""
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(_describe(errors[0]) + more)


def _describe(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    key = path or "<root>"
    if error.validator == "required":
        missing = [".".join(filter(None, [path, k])) for k in error.validator_value
                   if k not in error.instance]  # fmt: skip
        also = f" (and {', '.join(missing[1:])})" if len(missing) > 1 else ""
        return f"config key '{missing[0]}': missing (required){also}"
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        name = ".".join(filter(None, [path, str(extra[0])])) if extra else key
        return f"config key '{name}': unknown key (allowed: {', '.join(sorted(allowed))})"
    if error.validator == "propertyNames":
        return (
            f"config key '{key}.{error.instance}': {error.instance!r} is not a valid name "
            "(a letter, then letters, digits or '_')"
        )
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
    if error.validator == "type":
        return f"config key '{key}': must be {_TYPES.get(str(error.validator_value), 'of type ' + str(error.validator_value))}, got {error.instance!r}"
    return f"config key '{key}': {error.message}"


#: How a type error names the wanted type.
_TYPES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


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
            dof = processes[setting.process].dof
            if dof is None:
                raise ConfigError(
                    f"{where}.d': process '{setting.process}' has no analytic dof to take "
                    "the dimension from; give d"
                )
            setting = dataclasses.replace(setting, d=dof)
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
    if s.first_seed + s.seeds > 2**32:
        raise ConfigError(
            f"{where}.first_seed': seeds run to first_seed + seeds - 1 = "
            f"{s.first_seed + s.seeds - 1}, beyond 2^32 - 1"
        )
    if s.plain_seeds is not None and s.plain_seeds > s.seeds:
        raise ConfigError(f"{where}.plain_seeds': {s.plain_seeds} exceeds seeds = {s.seeds}")
