"""Shared pieces of the event readers: spec validation and column-to-four-momentum mapping.

A reader spec (one entry of ``config.yaml``) names a file and says how its columns make up
particles. For tabular sources (ROOT, CSV) each particle is an *object mapping*: a dict
from component names to a column name (``str``) or a constant (a number)::

    {"pt": "pt1", "eta": "eta1", "phi": "phi1", "mass": 0.10566, "charge": "Q1", "pid": 13}

An object gives either Cartesian coordinates (``px, py, pz`` and ``E`` or ``mass``) or
collider coordinates (``pt, eta, phi`` and ``mass`` or ``E``); ``charge`` and ``pid`` are
optional (default 0). :func:`to_four_momenta` turns the resolved columns into
``px, py, pz, E`` (GeV), ``pid`` (int32) and ``charge`` (float32).

Everything here is vectorized numpy; configuration mistakes raise
:class:`~symvae.errors.ConfigError` naming the key, unusable data
:class:`~symvae.errors.DataError` naming the file and the column.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.readers.physical import SPEC_KEY as UNPHYSICAL_KEY
from symvae.events.readers.physical import FourVectors, Values

__all__ = [
    "COMPONENTS",
    "ObjectMapping",
    "charge_from_pid",
    "check_keys",
    "describe_error",
    "existing_file",
    "flat_events",
    "nth_line",
    "object_checks",
    "open_binary",
    "parse_jagged",
    "parse_max_events",
    "parse_object",
    "parse_objects",
    "parse_select",
    "resolve_components",
    "resolve_path",
    "spec_metadata",
    "to_four_momenta",
]

CARTESIAN = ("px", "py", "pz")
COLLIDER = ("pt", "eta", "phi")
ENERGY = ("E", "mass")
OPTIONAL = ("charge", "pid")
#: Every component key an object mapping may use.
COMPONENTS = (*CARTESIAN, *COLLIDER, *ENERGY, *OPTIONAL)

Value = str | float | int


@dataclass(frozen=True)
class ObjectMapping:
    """One validated object mapping.

    Attributes
    ----------
    where : str
        Where it sits in the spec, for messages: ``"objects[1]"`` or ``"jagged"``.
    system : {"cartesian", "collider"}
        Which coordinates it gives.
    components : dict
        Component name → column name (``str``) or constant (``float``/``int``).
    """

    where: str
    system: Literal["cartesian", "collider"]
    components: Mapping[str, Value]

    @property
    def columns(self) -> list[str]:
        """Column names this object reads, in component order, without repeats."""
        names = [v for v in self.components.values() if isinstance(v, str)]
        return list(dict.fromkeys(names))


# --------------------------------------------------------------------------- spec keys


def check_keys(spec: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """Raise :class:`ConfigError` naming any key of ``spec`` not in ``allowed``.

    Keys whose value is ``None`` count as absent (a config may list every key).
    """
    unknown = sorted(k for k, v in spec.items() if k not in allowed and v is not None)
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}"
        )


def resolve_path(spec: Mapping[str, Any], base_dir: Path | None) -> Path:
    """The spec's ``path``, made absolute against ``base_dir`` when relative."""
    raw = spec.get("path")
    if not isinstance(raw, str | Path) or not str(raw):
        raise ConfigError(f"reader spec: 'path' must be a file name, got {raw!r}")
    path = Path(raw).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return path


def describe_error(err: BaseException, limit: int = 200) -> str:
    """``"ErrorClass: message"`` on one line of at most ``limit`` characters of message.

    For wrapping a library's exception: some (uproot's deserialization errors) append a dump
    of the object being read, which says nothing to a user.
    """
    text = " ".join(str(err).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"{err.__class__.__name__}: {text}"


def existing_file(path: Path) -> Path:
    """Return ``path`` if it is a non-empty regular file, else raise :class:`DataError`."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    return path


@contextmanager
def open_binary(path: Path, mode: str = "rb", name: Path | None = None) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary reading or writing, (de)compressing by the suffix of ``name``.

    ``name`` defaults to ``path``; writers pass the final name while writing a temporary file.
    Suffixes ``.gz``, ``.bz2``, ``.xz``, ``.zst``/``.zstd`` select the compression.
    """
    suffix = (name or path).suffix.lower()
    if suffix == ".gz":
        handle: Any = gzip.open(path, mode)
    elif suffix == ".bz2":
        handle = bz2.open(path, mode)
    elif suffix == ".xz":
        handle = lzma.open(path, mode)
    elif suffix in (".zst", ".zstd"):
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        handle = zstd.open(path, mode)
    else:
        handle = open(path, mode)
    with handle:
        yield handle


def nth_line(path: Path, index: int, match: Callable[[bytes], bool]) -> int | None:
    """The number (1-based) of the ``index``-th (0-based) line of ``path`` for which
    ``match(line)`` holds, e.g. the ``<event>`` tag of an event, for messages; ``None`` when
    the file has fewer or cannot be read (the caller is already reporting an error)."""
    seen = -1
    try:
        with open_binary(path) as f:
            for number, line in enumerate(f, start=1):
                if match(line):
                    seen += 1
                    if seen == index:
                        return number
    except Exception:  # a corrupt compressed stream: the message goes without a line
        return None
    return None


def parse_max_events(spec: Mapping[str, Any]) -> int | None:
    """The spec's ``max_events``: ``None`` (all) or a positive int."""
    value = spec.get("max_events")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"'max_events' must be a positive integer, got {value!r}")
    return int(value)


def _int_list(value: Any, key: str) -> tuple[int, ...]:
    items = [value] if isinstance(value, numbers.Integral) else value
    if isinstance(items, str | bytes) or not isinstance(items, Sequence) or not items:
        raise ConfigError(f"'select.{key}' must be a non-empty list of integers")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise ConfigError(f"'select.{key}' has a non-integer entry {item!r}")
    return tuple(int(i) for i in items)


def parse_select(
    spec: Mapping[str, Any], default_status: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """The spec's ``select``: ``(statuses, pids)``; ``pids`` is ``None`` for any pid."""
    select = spec.get("select") or {}
    if not isinstance(select, Mapping):
        raise ConfigError("'select' must be a mapping with 'status' and/or 'pid'")
    unknown = sorted(set(select) - {"status", "pid"})
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(f'select.{k}' for k in unknown)}; "
            "allowed: select.status, select.pid"
        )
    status = select.get("status")
    statuses = tuple(default_status) if status is None else _int_list(status, "status")
    pid = select.get("pid")
    return statuses, None if pid is None else _int_list(pid, "pid")


def spec_metadata(spec: Mapping[str, Any], path: Path, fmt: str) -> dict[str, Any]:
    """Metadata every reader records: ``source`` (the file), ``format`` and the spec."""
    plain = json.loads(json.dumps(dict(spec), default=str))
    plain["path"] = str(path)
    return {"source": str(path), "format": fmt, "reader_spec": plain}


# --------------------------------------------------------------------------- object mappings


def _check_value(where: str, key: str, value: Any) -> Value:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{where}.{key}: must be a column name or a number, got {value!r}")
    if not np.isfinite(float(value)):
        raise ConfigError(f"{where}.{key}: constant must be finite, got {value!r}")
    if key == "pid" and float(value) != int(value):
        raise ConfigError(f"{where}.pid: constant PDG id must be an integer, got {value!r}")
    return value


def parse_object(obj: Any, where: str) -> ObjectMapping:
    """Validate one object mapping (see the module docstring).

    Raises
    ------
    ConfigError
        Naming ``where`` and the key: not a mapping, an unknown key, a bad value,
        coordinates of both systems, or a missing component.
    """
    if not isinstance(obj, Mapping):
        raise ConfigError(f"{where}: must be a mapping of components, got {obj!r}")
    unknown = sorted(set(obj) - set(COMPONENTS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown component(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(COMPONENTS)}"
        )
    cart = [k for k in CARTESIAN if k in obj]
    coll = [k for k in COLLIDER if k in obj]
    if cart and coll:
        raise ConfigError(
            f"{where}: mixes Cartesian ({cart[0]!r}) and collider ({coll[0]!r}) coordinates; "
            "give px, py, pz or pt, eta, phi"
        )
    if not cart and not coll:
        raise ConfigError(f"{where}: needs px, py, pz or pt, eta, phi (missing 'px' or 'pt')")
    system: Literal["cartesian", "collider"] = "cartesian" if cart else "collider"
    needed = CARTESIAN if cart else COLLIDER
    for key in needed:
        if key not in obj:
            raise ConfigError(f"{where}: missing component {key!r} ({system} coordinates)")
    if "E" in obj and "mass" in obj:
        raise ConfigError(f"{where}: give either 'E' or 'mass', not both")
    if "E" not in obj and "mass" not in obj:
        raise ConfigError(f"{where}: missing component 'E' (or 'mass')")
    comps = {k: _check_value(where, k, obj[k]) for k in COMPONENTS if k in obj}
    return ObjectMapping(where, system, comps)


def parse_objects(spec: Mapping[str, Any]) -> list[ObjectMapping]:
    """Validate the spec's ``objects``: a non-empty list of object mappings."""
    objs = spec.get("objects")
    if isinstance(objs, str | bytes | Mapping) or not isinstance(objs, Sequence) or not objs:
        raise ConfigError("'objects' must be a non-empty list of object mappings")
    return [parse_object(o, f"objects[{i}]") for i, o in enumerate(objs)]


def parse_jagged(spec: Mapping[str, Any]) -> ObjectMapping:
    """Validate the spec's ``jagged`` mapping; at least one component must be a branch."""
    mapping = parse_object(spec.get("jagged"), "jagged")
    if not mapping.columns:
        raise ConfigError("jagged: at least one component must name a jagged branch")
    return mapping


# --------------------------------------------------------------------------- columns → momenta


def resolve_components(
    mapping: ObjectMapping,
    lookup: Callable[[str], NDArray[Any]],
    size: int,
    source: str,
    describe: Callable[[str, int], str],
) -> dict[str, NDArray[np.float64]]:
    """Fetch every component of ``mapping`` as a float64 array of shape ``(size,)``.

    Non-finite values are left in place: :func:`object_checks` hands them to the screening
    of :mod:`symvae.events.readers.physical`, which refuses or drops their events.

    Parameters
    ----------
    mapping
        A validated object mapping.
    lookup
        Column name → numeric array of shape ``(size,)``.
    size
        Number of values per component (events, or particles for jagged data).
    source
        The file, for messages.
    describe
        ``(column, index) → "entry 7, branch 'px1'"``-style location for messages.

    Raises
    ------
    DataError
        A ``pid`` column holds finite values that are not integer PDG ids (names the
        column and the first position).
    """
    out: dict[str, NDArray[np.float64]] = {}
    for key, value in mapping.components.items():
        if isinstance(value, str):
            arr = np.asarray(lookup(value), dtype=np.float64)
            if key == "pid":
                with np.errstate(invalid="ignore"):
                    frac = np.flatnonzero(
                        np.isfinite(arr) & ((arr != np.round(arr)) | (np.abs(arr) >= 2**31))
                    )
                if frac.size:
                    raise DataError(
                        f"{source}: {describe(value, int(frac[0]))} ({mapping.where}.pid) is "
                        f"{arr[frac[0]]}, not an integer PDG id"
                    )
        else:
            arr = np.full(size, float(value))
        out[key] = arr
    return out


def object_checks(
    mapping: ObjectMapping,
    resolved: Mapping[str, NDArray[np.float64]],
    momenta: Mapping[str, NDArray[Any]],
    event: NDArray[np.int64],
    describe: Callable[[str, int], str],
    locate: Callable[[int], str],
) -> tuple[list[Values], FourVectors]:
    """What the screening (:func:`symvae.events.readers.physical.screen`) checks of one
    object: every column it reads (``resolved``, from :func:`resolve_components`) and its
    four-momenta (``momenta``, from :func:`to_four_momenta`, GeV).

    ``event`` ``(m,)`` gives the event of each entry; ``describe(column, i)`` and
    ``locate(i)`` say where entry ``i`` is, with and without a column.
    """
    values = [
        Values(
            resolved[key],
            event,
            lambda i, col=col, key=key: f"{describe(col, i)} ({mapping.where}.{key})",
        )
        for key, col in mapping.components.items()
        if isinstance(col, str)
    ]
    energy = mapping.components.get("E")
    if isinstance(energy, str):

        def where(i: int) -> str:
            return f"{describe(energy, i)} ({mapping.where})"
    else:

        def where(i: int) -> str:
            return f"{locate(i)}, {mapping.where}"

    computed = mapping.system == "collider" or not isinstance(energy, str)
    vectors = FourVectors(
        momenta["px"], momenta["py"], momenta["pz"], momenta["E"], event, where, computed
    )
    return values, vectors


def to_four_momenta(values: Mapping[str, NDArray[np.float64]]) -> dict[str, NDArray[Any]]:
    """Four-momenta from resolved components (all arrays of one shape ``(m,)``).

    Collider coordinates map as ``px = pt cos(phi)``, ``py = pt sin(phi)``,
    ``pz = pt sinh(eta)``; a ``mass`` gives ``E = sqrt(px² + py² + pz² + mass²)``.

    Returns
    -------
    dict
        ``px, py, pz, E`` (float64, GeV), ``pid`` (int32), ``charge`` (float32), each ``(m,)``.
    """
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite values are screened
        if "px" in values:
            px, py, pz = values["px"], values["py"], values["pz"]
        else:
            pt, eta, phi = values["pt"], values["eta"], values["phi"]
            px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        if "E" in values:
            energy = values["E"]
        else:
            energy = np.sqrt(px * px + py * py + pz * pz + values["mass"] ** 2)
    zeros = np.zeros_like(px)
    pid, charge = (np.asarray(values.get(k, zeros), dtype=np.float64) for k in ("pid", "charge"))
    return {
        "px": px,
        "py": py,
        "pz": pz,
        "E": energy,
        "pid": np.where(np.isfinite(pid), pid, 0).astype(np.int32),
        "charge": np.where(np.isfinite(charge), charge, 0).astype(np.float32),
    }


def flat_events(per_object: Sequence[Mapping[str, NDArray[Any]]]) -> tuple[Any, dict[str, Any]]:
    """Interleave ``k`` objects (each field ``(n,)``) into per-particle columns ``(n*k,)``.

    Returns ``(counts, columns)`` for :meth:`Events.from_arrays`, particles in object order.
    """
    n = len(per_object[0]["px"])
    columns = {
        key: np.stack([o[key] for o in per_object], axis=1).reshape(-1) for key in per_object[0]
    }
    return np.full(n, len(per_object), dtype=np.int64), columns


def charge_from_pid(pid: NDArray[np.integer]) -> NDArray[np.float32]:
    """Electric charge (units of e) of PDG ids ``pid`` (any shape), 0 where unknown.

    Uses :func:`particle.pdgid.charge` (installed with pylhe) once per distinct id.
    """
    from particle.pdgid import charge

    pid = np.asarray(pid, dtype=np.int64)
    unique, inverse = np.unique(pid, return_inverse=True)
    table = np.array([float(charge(int(p)) or 0) for p in unique], dtype=np.float32)
    return table[inverse].reshape(pid.shape)


#: Keys of the readers that select particles by status and pid (``lhe``, ``hepmc``).
SELECT_SPEC_KEYS = ("source", "path", "select", "max_events", UNPHYSICAL_KEY)


@dataclass(frozen=True)
class Selection:
    """Which particles of an event file to keep, and how many events to read."""

    statuses: tuple[int, ...]
    pids: tuple[int, ...] | None
    max_events: int | None

    def describe(self) -> dict[str, Any]:
        """The selection as stored in the events' metadata."""
        return {
            "status": list(self.statuses),
            "pid": None if self.pids is None else list(self.pids),
        }


def parse_selection(spec: Mapping[str, Any], path: Path) -> tuple[Path, Selection]:
    """Check a selecting reader's ``spec`` and its file; final particles (status 1) by
    default."""
    check_keys(spec, SELECT_SPEC_KEYS)
    statuses, pids = parse_select(spec, default_status=(1,))
    stop = parse_max_events(spec)
    return existing_file(path), Selection(statuses, pids, stop)
