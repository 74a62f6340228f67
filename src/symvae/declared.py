"""Stage views of a process's settings: each pipeline stage sees only what it declares.

A workflow rule passes its step exactly the settings that step reads (:data:`STAGE_FIELDS`),
so that Snakemake re-runs a job only when one of *those* settings changes: a new ``vae.beta``
retrains but regenerates nothing, a new relevance threshold re-evaluates but retrains nothing.

The step rebuilds its :class:`~symvae.config.ProcessSpec` from that narrow view. Every
setting left out of it is an :class:`Undeclared` placeholder that raises
:class:`UndeclaredSettingError` on any use, so a step that reads a setting its stage does not
declare fails loudly in the tests instead of silently depending on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

__all__ = [
    "STAGE_FIELDS",
    "PartialSection",
    "Undeclared",
    "UndeclaredSettingError",
    "select",
]

#: For each stage, the settings of a process it reads: a top-level field of
#: :class:`~symvae.config.ProcessSpec` (``"vae"``) or one key of a section (``"data.seed"``).
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    # toy datasets: draw the features directly (rule generate)
    "toy": ("name", "generator", "params", "dof", "conserved", "data"),
    # collision events: generate a chunk, merge the chunks, or read the user's file
    "events": ("name", "events", "data.seed"),
    # four-vector features of the events, and the train/validation/test split
    "features": (
        "name",
        "events.source",
        "features",
        "dof",
        "constraints",
        "exact",
        "data.seed",
        "data.validation_fraction",
        "data.test_fraction",
    ),
    "train": ("name", "vae"),
    # relevance measures of every seed's model, and the symmetry directions
    "evaluate": (
        "name",
        "generator",
        "params",
        "dof",
        "vae.latent_dim",
        "vae.architecture",
        "vae.beta",
        "vae.sigma2",
        "vae.device",
        "relevance",
        "local_dof",
        "directions",
    ),
    # jet_study.h5: the symmetries of a leading jet's constituents
    "jet_study": ("name", "jet_study"),
    # per-process relevance.h5: the seeds side by side with the process's truth
    "relevance": (
        "name",
        "generator",
        "description",
        "count_note",
        "dof",
        "exact",
        "compare_to",
        "constraints",
        "conserved",
        "events.source",
        "vae.latent_dim",
        "relevance.threshold",
        "relevance.scan",
    ),
}


# a scan point trains and evaluates its model in one job
STAGE_FIELDS["train+evaluate"] = tuple(
    dict.fromkeys(STAGE_FIELDS["train"] + STAGE_FIELDS["evaluate"])
)


class UndeclaredSettingError(RuntimeError):
    """A step read a setting that its stage does not declare (a bug in symvae, not in the
    user's input): add the setting to :data:`STAGE_FIELDS` or stop reading it."""


def _refuse(key: str, stage: str) -> NoReturn:
    raise UndeclaredSettingError(
        f"stage '{stage}' read the setting '{key}', which it does not declare "
        "(symvae.declared.STAGE_FIELDS)"
    )


class Undeclared:
    """Stands for a setting outside the running stage's view: every use raises."""

    __slots__ = ("_key", "_stage")

    def __init__(self, key: str, stage: str) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_stage", stage)

    def __getattr__(self, attr: str) -> NoReturn:
        _refuse(f"{self._key}.{attr}", self._stage)

    def __getitem__(self, item: Any) -> NoReturn:
        _refuse(f"{self._key}.{item}", self._stage)

    def get(self, item: Any, default: Any = None) -> NoReturn:
        _refuse(f"{self._key}.{item}", self._stage)

    def __iter__(self) -> NoReturn:
        _refuse(self._key, self._stage)

    def __len__(self) -> NoReturn:
        _refuse(self._key, self._stage)

    def __bool__(self) -> NoReturn:
        _refuse(self._key, self._stage)

    def __eq__(self, other: object) -> NoReturn:
        _refuse(self._key, self._stage)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Undeclared({self._key!r}, stage={self._stage!r})"


class PartialSection(Mapping[str, Any]):
    """Some keys of a settings section (``data.seed`` without ``data.n_events``): the declared
    keys read as attributes or items, any other raises."""

    def __init__(self, key: str, values: Mapping[str, Any], stage: str) -> None:
        self._key, self._values, self._stage = key, dict(values), stage

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        if attr in self._values:
            return self._values[attr]
        _refuse(f"{self._key}.{attr}", self._stage)

    def __getitem__(self, item: str) -> Any:
        if item in self._values:
            return self._values[item]
        _refuse(f"{self._key}.{item}", self._stage)

    def __iter__(self) -> Iterator[str]:
        _refuse(self._key, self._stage)

    def __len__(self) -> int:
        _refuse(self._key, self._stage)

    def __bool__(self) -> bool:
        return True

    def declared(self) -> dict[str, Any]:
        """The declared keys and their values."""
        return dict(self._values)

    def __repr__(self) -> str:
        return f"PartialSection({self._key!r}, {self._values!r}, stage={self._stage!r})"


def select(settings: Mapping[str, Any], stage: str) -> dict[str, Any]:
    """The part of a process's plain settings (``ProcessSpec.to_dict()``) that ``stage``
    reads, nested as in the original: ``{"name": ..., "data": {"seed": ...}, ...}``."""
    try:
        fields = STAGE_FIELDS[stage]
    except KeyError:
        known = ", ".join(STAGE_FIELDS)
        raise ValueError(f"unknown stage '{stage}' (known: {known})") from None
    view: dict[str, Any] = {}
    for field in fields:
        section, _, key = field.partition(".")
        value = settings.get(section)
        if not key:
            view[section] = value
        elif value is not None:
            view.setdefault(section, {})[key] = value[key]
        else:  # a section that the process does not have (events of a toy)
            view[section] = None
    return view
