"""Per-process settings: the sections of a process (data, VAE, relevance, local dof,
directions truth) and :class:`ProcessSpec`, which holds them all.

:meth:`ProcessSpec.view` and :meth:`ProcessSpec.from_view` restrict a spec to the settings
one pipeline stage reads (:mod:`symvae.declared`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from symvae.declared import STAGE_FIELDS, PartialSection, Undeclared, select

__all__ = [
    "DataConfig",
    "DirectionsTruth",
    "LocalDofConfig",
    "ProcessSpec",
    "RelevanceConfig",
    "VAEConfig",
    "plain",
]


#: ``dof_expected`` in the output files of a process without an analytic count
NO_DOF = -1


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
class JetStudySettings:
    """The jet-symmetry study of a process whose features are the leading jet followed by
    its constituents (rule ``jet_study``, ``<process>/jet_study.h5``)."""

    constituents: tuple[int, ...] = (2, 3, 4)
    """Constituent counts k: the linear maps act on the first k constituents."""
    max_jets: int = 3000
    """Jets used by the function- and distribution-preserving finders (the first ones)."""
    emd_jets: int = 300
    """Jets in the pairwise energy mover's distances of the correlation dimension."""
    radius: float = 0.8
    """Jet radius R of the EMD (its angular term is divided by R)."""
    q_range: tuple[float, float] = (1.0, 400.0)
    """Energy-scale range of the correlation dimension (GeV)."""
    q_bins: int = 14
    """Geometric bins of Q."""
    seed: int = 0
    """Seed of the discovery/confirmation split of the distribution finder (and the tagger)."""
    background: str | None = None
    """Another process of the same feature layout: a tagger of this process (signal) against
    it is trained on the first ``max_jets`` jets of each, and the maps that leave its output
    unchanged are searched (``None``: no tagger)."""
    tagger_epochs: int = 60
    """Training epochs of the tagger."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JetStudySettings:
        """From the ``jet_study`` entry of a process (lists become tuples)."""
        d = dict(d)
        for key in ("constituents", "q_range"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)


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
    dof: int | None
    """The analytic number of degrees of freedom; ``None`` where none is known (hadron-level
    jets): files then store :data:`NO_DOF`."""
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
    jet_study: JetStudySettings | None = None
    """The jet-symmetry study (``None``: not run)."""

    @property
    def dof_attribute(self) -> int:
        """``dof`` as the files store it: :data:`NO_DOF` where none is known."""
        return NO_DOF if self.dof is None else int(self.dof)

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
        return plain(out)

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
            dof=None if d.get("dof") is None else int(d["dof"]),
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
            jet_study=(
                None if d.get("jet_study") is None else JetStudySettings.from_dict(d["jet_study"])
            ),
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


def plain(obj: Any) -> Any:
    """Mappings to dicts with string keys, tuples to lists: JSON-serialisable settings."""
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    return obj
