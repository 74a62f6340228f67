"""Configuration: schema validation, defaults and per-process settings.

The workflow's ``config.yaml`` has three parts: ``seeds`` (training seeds), ``defaults``
(data, VAE, relevance and local-dimension settings shared by every process) and
``processes`` (one entry per dataset, naming its generator, its analytic degrees of freedom
and any per-process overrides of the defaults). :func:`load_config` validates a config
against the JSON schema shipped with the package and merges the defaults into each process,
so that every error names the offending key before any work starts.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from symvae.declared import STAGE_FIELDS, PartialSection, Undeclared, select
from symvae.errors import ConfigError

__all__ = [
    "BUILTIN_DEFAULTS",
    "Config",
    "DataConfig",
    "InvarianceSetting",
    "LocalDofConfig",
    "ProcessSpec",
    "RelevanceConfig",
    "VAEConfig",
    "load_config",
    "schema",
]


@dataclass(frozen=True)
class DataConfig:
    """How many events a generator draws and how they are split.

    ``validation_fraction`` of the events drive early stopping, ``test_fraction`` are held
    out for the relevance measures; the rest train. ``seed`` seeds generator and split.
    """

    n_events: int = 12000
    validation_fraction: float = 0.15
    test_fraction: float = 0.25
    seed: int = 1234


@dataclass(frozen=True)
class VAEConfig:
    """Architecture and training settings of one VAE.

    The loss per event is ``|x − x̂|² / (2 sigma2) + beta · KL(q(z|x) ‖ N(0, 1))`` on
    standardized features (``sigma2`` is the decoder variance s² in those units), averaged
    over a batch.
    """

    architecture: str = "mlp"
    latent_dim: int = 8
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "silu"
    beta: float = 1.0
    sigma2: float = 0.01
    epochs: int = 300
    batch_size: int = 256
    learning_rate: float = 2e-3
    patience: int = 30
    min_delta: float = 1e-4
    standardize: str = "per_feature"
    device: str = "auto"


@dataclass(frozen=True)
class RelevanceConfig:
    """When a latent direction counts as relevant.

    The default threshold 0.1 sits in the wide gap between collapsed directions
    (activity ≈ 0) and used ones (activity ≈ 1 − βs²/λ, close to 1); ``scan`` re-counts
    at other thresholds to show that the count does not depend on the choice.
    """

    threshold: float = 0.1
    scan: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.3)
    n_latent_samples: int = 2000


@dataclass(frozen=True)
class LocalDofConfig:
    """Local PCA of the latent means: neighbourhood size and eigenvalue cut."""

    n_neighbors: int = 100
    variance_fraction: float = 0.1
    max_points: int = 3000


@dataclass(frozen=True)
class DirectionsTruth:
    """Analytic truth of a process for the symmetry-direction step (all optional).

    Equations are written in the process's feature names, e.g. ``"E_1 + E_2 = 91.1876"`` or
    ``"E_1^2 - px_1^2 - py_1^2 - pz_1^2 = 0.011164"`` (degree at most 2).
    """

    constraints: tuple[str, ...] = ()
    """Exact constraints: the discovered constraint space is scored against them."""
    approximate: tuple[str, ...] = ()
    """Relations that hold only approximately (a ring's radius, the Z mass shell)."""
    tangent: str = "auto"
    """True tangent space: ``constraints`` (null space of the gradients of ``constraints``
    and ``approximate``), ``principal`` (the large-eigenvalue eigenvectors of a
    linear_gaussian), ``full`` (no constraint), ``none`` (unknown), or ``auto``."""
    family: str = "auto"
    """Linear maps searched for generators: ``four_vectors`` (one 4×4 block acting on every
    particle), ``general`` (all of gl(d)), ``none`` (skip), or ``auto``."""
    algebra: tuple[str, ...] | None = None
    """Expected constraint-preserving generators, by name (``J_z``, ``K_z``, ``D``, ...)."""
    symmetries: tuple[str, ...] | None = None
    """Expected distribution-preserving generators, by name (``J_z``, ``rotation``,
    ``squeezed_rotation``: Σ^{1/2} J Σ^{-1/2} with Σ the covariance of the data)."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DirectionsTruth:
        """From the ``directions`` entry of a process (lists become tuples)."""

        def names(key: str) -> tuple[str, ...] | None:
            return None if d.get(key) is None else tuple(str(v) for v in d[key])

        return cls(
            constraints=tuple(d.get("constraints", ())),
            approximate=tuple(d.get("approximate", ())),
            tangent=str(d.get("tangent", "auto")),
            family=str(d.get("family", "auto")),
            algebra=names("algebra"),
            symmetries=names("symmetries"),
        )


@dataclass(frozen=True)
class ProcessSpec:
    """Everything the workflow needs to know about one process (dataset)."""

    name: str
    dof: int
    generator: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    conserved: tuple[str, ...] = ()
    count_note: str = ""
    events: Mapping[str, Any] | None = None
    features: Mapping[str, Any] | None = None
    exact: bool = True
    constraints: tuple[str, ...] = ()
    compare_to: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    relevance: RelevanceConfig = field(default_factory=RelevanceConfig)
    local_dof: LocalDofConfig = field(default_factory=LocalDofConfig)
    directions: DirectionsTruth = field(default_factory=DirectionsTruth)

    @property
    def has_events(self) -> bool:
        """Whether the process starts from collision events (else a toy generator)."""
        if isinstance(self.events, Undeclared):
            self.events["source"]  # raises: the stage did not declare the events
        return self.events is not None

    @property
    def generated_events(self) -> bool:
        """Whether its events are generated here (Pythia, RAMBO) rather than read from a file."""
        return self.events is not None and self.events["source"] in ("pythia", "rambo")

    @property
    def n_chunks(self) -> int:
        """Number of generation jobs (1 for toys and files)."""
        return int(self.events.get("chunks", 1)) if self.generated_events else 1

    @property
    def kind(self) -> str:
        """``"toy"`` (features drawn directly), ``"generated"`` or ``"file"`` (events)."""
        if not self.has_events:
            return "toy"
        return "generated" if self.generated_events else "file"

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable dictionary (stored as provenance in outputs). A spec
        rebuilt from a stage's view (:meth:`from_view`) gives only the declared settings."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Undeclared):
                continue
            if isinstance(value, PartialSection):
                value = value.declared()
            elif dataclasses.is_dataclass(value):
                value = asdict(value)
            out[f.name] = value
        return _plain(out)

    def view(self, stage: str) -> dict[str, Any]:
        """The settings that ``stage`` reads (:data:`symvae.declared.STAGE_FIELDS`), as a
        plain dict for a workflow rule's params: ``{"stage": ..., "settings": {...}}``."""
        return {"stage": stage, "settings": select(self.to_dict(), stage)}

    @classmethod
    def from_view(cls, view: Mapping[str, Any]) -> ProcessSpec:
        """Rebuild a spec from :meth:`view`: declared settings as usual, settings of which
        only some keys are declared as :class:`~symvae.declared.PartialSection`, and every
        other setting an :class:`~symvae.declared.Undeclared` that raises on use."""
        stage, settings = str(view["stage"]), view["settings"]
        full = cls.from_dict({"name": settings["name"], "dof": 0, **settings})
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            declared = [k for k in STAGE_FIELDS[stage] if k.partition(".")[0] == f.name]
            if not declared:
                kwargs[f.name] = Undeclared(f.name, stage)
            elif f.name in declared or settings.get(f.name) is None:
                kwargs[f.name] = getattr(full, f.name)
            else:
                kwargs[f.name] = PartialSection(f.name, settings[f.name], stage)
        return cls(**kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProcessSpec:
        """Inverse of :meth:`to_dict` (no validation: use :func:`load_config` for that)."""
        return cls(
            name=d["name"],
            generator=d.get("generator", ""),
            dof=int(d["dof"]),
            events=copy.deepcopy(d["events"]) if d.get("events") is not None else None,
            features=copy.deepcopy(d["features"]) if d.get("features") is not None else None,
            exact=bool(d.get("exact", True)),
            constraints=tuple(d.get("constraints", ())),
            compare_to=d.get("compare_to", ""),
            params=dict(d.get("params", {})),
            description=d.get("description", ""),
            conserved=tuple(d.get("conserved", ())),
            count_note=d.get("count_note", ""),
            data=DataConfig(**d.get("data", {})),
            vae=_vae(d.get("vae", {})),
            relevance=_relevance(d.get("relevance", {})),
            local_dof=LocalDofConfig(**d.get("local_dof", {})),
            directions=DirectionsTruth.from_dict(d.get("directions", {})),
        )


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
        """Plain, JSON-serialisable dictionary (stored as provenance in outputs). A spec
        rebuilt from a stage's view (:meth:`from_view`) gives only the declared settings."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Undeclared):
                continue
            if isinstance(value, PartialSection):
                value = value.declared()
            elif dataclasses.is_dataclass(value):
                value = asdict(value)
            out[f.name] = value
        return _plain(out)

    def view(self, stage: str) -> dict[str, Any]:
        """The settings that ``stage`` reads (:data:`symvae.declared.STAGE_FIELDS`), as a
        plain dict for a workflow rule's params: ``{"stage": ..., "settings": {...}}``."""
        return {"stage": stage, "settings": select(self.to_dict(), stage)}

    @classmethod
    def from_view(cls, view: Mapping[str, Any]) -> ProcessSpec:
        """Rebuild a spec from :meth:`view`: declared settings as usual, settings of which
        only some keys are declared as :class:`~symvae.declared.PartialSection`, and every
        other setting an :class:`~symvae.declared.Undeclared` that raises on use."""
        stage, settings = str(view["stage"]), view["settings"]
        full = cls.from_dict({"name": settings["name"], "dof": 0, **settings})
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            declared = [k for k in STAGE_FIELDS[stage] if k.partition(".")[0] == f.name]
            if not declared:
                kwargs[f.name] = Undeclared(f.name, stage)
            elif f.name in declared or settings.get(f.name) is None:
                kwargs[f.name] = getattr(full, f.name)
            else:
                kwargs[f.name] = PartialSection(f.name, settings[f.name], stage)
        return cls(**kwargs)

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


_TORUS_GROUPS = ("half_shifts", "permutations", "sign_flips", "translations_23", "diagonal")
_SPACE_GROUPS = {"torus": _TORUS_GROUPS, "sphere": ("z_rotations",), "events": ("beam_rotation",)}


@dataclass(frozen=True)
class Config:
    """A validated workflow configuration."""

    seeds: tuple[int, ...]
    processes: Mapping[str, ProcessSpec]
    results: str = "results"
    threads: int = 1
    invariance: Mapping[str, InvarianceSetting] = field(default_factory=dict)
    scans: Mapping[str, Any] = field(default_factory=dict)
    """Scans by name (:class:`symvae.scans.ScanSetting`); empty in the default run."""

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
        _check_process(spec, f"{where}config key 'processes.{name}", raw["processes"])
        processes[name] = spec
    from symvae.scans.settings import scan_settings

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


def _check_process(spec: ProcessSpec, key: str, processes: Mapping[str, Any]) -> None:
    from symvae.datasets import GENERATORS

    if spec.generator:
        _check_params(GENERATORS[spec.generator], spec.params, f"{key}.params", spec.generator)
    if spec.events is not None and spec.events["source"] == "rambo":
        from symvae.events.rambo import rambo

        _check_params(rambo, spec.events.get("params", {}), f"{key}.events.params", "rambo")
    truth = spec.directions
    if spec.features is not None and (truth.constraints or truth.approximate):
        from symvae.directions.constraints import parse_constraints
        from symvae.events.features import feature_columns

        names = feature_columns(spec.features)[0]
        for which in ("constraints", "approximate"):
            try:
                parse_constraints(getattr(truth, which), names)
            except ConfigError as err:
                raise ConfigError(f"{key}.directions.{which}': {err}") from None
    if spec.compare_to and spec.compare_to not in processes:
        raise ConfigError(f"{key}.compare_to': no process named '{spec.compare_to}'")
    d = spec.data
    if d.validation_fraction + d.test_fraction >= 0.9:
        raise ConfigError(
            f"{key}.data': validation_fraction + test_fraction must leave at least 10% "
            f"for training, got {d.validation_fraction} + {d.test_fraction}"
        )
    if spec.vae.latent_dim < spec.dof:
        raise ConfigError(
            f"{key}.vae.latent_dim': {spec.vae.latent_dim} latent directions cannot hold "
            f"dof = {spec.dof}"
        )


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
    if s.group not in _SPACE_GROUPS[s.space]:
        raise ConfigError(
            f"{where}.group': '{s.group}' does not act on space '{s.space}' "
            f"(known: {', '.join(_SPACE_GROUPS[s.space])})"
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


def _check_params(func: Any, params: Mapping[str, Any], key: str, name: str) -> None:
    accepted = {
        p.name for p in inspect.signature(func).parameters.values() if p.kind == p.KEYWORD_ONLY
    }
    for param in params:
        if param not in accepted:
            raise ConfigError(
                f"{key}.{param}': unknown parameter of generator '{name}' "
                f"(accepted: {', '.join(sorted(accepted))})"
            )


def _vae(d: Mapping[str, Any]) -> VAEConfig:
    d = dict(d)
    if "hidden" in d:
        d["hidden"] = tuple(d["hidden"])
    return VAEConfig(**d)


def _relevance(d: Mapping[str, Any]) -> RelevanceConfig:
    d = dict(d)
    cfg = RelevanceConfig(**d)
    # the scan always includes the threshold in use, sorted and without repeats
    scan = tuple(sorted({*cfg.scan, cfg.threshold}))
    return RelevanceConfig(cfg.threshold, scan, cfg.n_latent_samples)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj
