"""Jets at hadron level: visible final-state particles clustered with FastJet.

:func:`cluster_jets` clusters every event of an :class:`~symvae.events.store.Events`
(hadron-level Pythia output, or any file of final-state particles) with scikit-hep's
``fastjet`` and returns :class:`Jets`: the jets of each event, hardest first, and the
constituents of each event's leading jet, ordered by transverse momentum. Both are
:class:`Events` again (a jet is a particle with ``pid`` :data:`JET_PID`), so they go through
the existing event files and features unchanged. :func:`constituent_matrix` gives the leading
jet's first ``N`` constituent four-vectors, zero-padded, as one ``(n, 4N)`` array: the input of
the function-preserving finder (:mod:`symvae.directions.function`) and of top-tagging studies.

Algorithms: ``antikt`` (and ``kt``, ``cambridge``) with distance ``ΔR`` in rapidity and
azimuth for hadron colliders, ordered by ``p_T``; ``ee_antikt`` (FastJet's
``ee_genkt_algorithm`` with ``p = −1``, distance by the opening angle) for e+e- events,
ordered by energy. Momenta in GeV.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.features import _mass
from symvae.events.store import Events

__all__ = [
    "ALGORITHMS",
    "INVISIBLE",
    "JET_CONTENTS",
    "JET_PID",
    "JetSelection",
    "Jets",
    "cluster_jets",
    "constituent_matrix",
    "invariant_mass",
    "jet_frame",
    "jet_mass_squared",
    "jet_sample",
    "transverse_momentum",
]

#: the ``pid`` of a jet in the event store (not a PDG particle code: 0 is unused there)
JET_PID = 0
#: |PDG id| left out of the clustering: neutrinos (invisible in a detector)
INVISIBLE = (12, 14, 16)
#: the algorithms :func:`cluster_jets` accepts
ALGORITHMS = ("antikt", "kt", "cambridge", "ee_antikt")


@dataclass(frozen=True)
class Jets:
    """The jets of ``n`` events and the constituents of each leading jet.

    Attributes
    ----------
    jets:
        ``(n, var)`` jets per event, hardest first (``p_T``, or energy for ``ee_antikt``).
    leading_constituents:
        ``(n, var)`` the particles of each event's leading jet, by descending ``p_T`` (empty
        for an event without jets): the input records themselves, with their PDG ids and
        charges.
    """

    jets: Events
    leading_constituents: Events


def transverse_momentum(particles: ak.Array) -> ak.Array:
    """``p_T = √(p_x² + p_y²)`` (GeV) of every particle record."""
    return np.sqrt(particles.px**2 + particles.py**2)


def invariant_mass(px: object, py: object, pz: object, e: object) -> NDArray[np.float64]:
    """``√max(E² − |p|², 0)`` (GeV), elementwise."""
    return _mass(
        np.asarray(e) ** 2 - np.asarray(px) ** 2 - np.asarray(py) ** 2 - np.asarray(pz) ** 2
    )


def jet_mass_squared(n_constituents: int) -> Callable[[Any], Any]:
    """The jet's ``m² = (Σ p_i)² `` (GeV², metric ``diag(1, −1, −1, −1)``) as a function of
    the rows of :func:`constituent_matrix` ``(m, 4N)``: numpy arrays or torch tensors alike
    (the analytic function of the function-preserving finder)."""
    n = int(n_constituents)

    def m2(x: Any) -> Any:
        p = x.reshape(x.shape[0], n, 4).sum(1)
        return p[:, 0] ** 2 - p[:, 1] ** 2 - p[:, 2] ** 2 - p[:, 3] ** 2

    return m2


def _check_definition(algorithm: str, radius: float) -> None:
    """:class:`ConfigError` for an unknown algorithm or a radius that is not positive."""
    if algorithm not in ALGORITHMS:
        raise ConfigError(
            f"jets: algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}"
        )
    if not radius > 0:
        raise ConfigError(f"jets: radius must be positive, got {radius}")


def _definition(algorithm: str, radius: float):
    import fastjet

    _check_definition(algorithm, radius)
    if algorithm == "ee_antikt":
        return fastjet.JetDefinition(fastjet.ee_genkt_algorithm, float(radius), -1.0)
    kind = {"antikt": fastjet.antikt_algorithm, "kt": fastjet.kt_algorithm,
            "cambridge": fastjet.cambridge_algorithm}[algorithm]  # fmt: skip
    return fastjet.JetDefinition(kind, float(radius))


def cluster_jets(
    events: Events,
    radius: float = 0.4,
    algorithm: str = "antikt",
    min_pt: float = 0.0,
    invisible: tuple[int, ...] = INVISIBLE,
) -> Jets:
    """Cluster the visible particles of every event into jets.

    Parameters
    ----------
    events:
        Final-state particles (e.g. Pythia with hadronization on, ``keep.final``).
    radius:
        The jet radius ``R`` (``ΔR`` for hadron colliders; an angle in radians for
        ``ee_antikt``).
    algorithm:
        One of :data:`ALGORITHMS`.
    min_pt:
        Jets below this ``p_T`` (GeV) are dropped (inclusive jets).
    invisible:
        ``|pid|`` of the particles left out (neutrinos by default).
    """
    import fastjet

    definition = _definition(algorithm, radius)
    source = events.metadata.get("source", "events")
    parts = events.particles
    if invisible:
        flat = np.isin(np.abs(ak.to_numpy(ak.flatten(parts.pid))), np.asarray(invisible))
        parts = parts[~ak.unflatten(flat, ak.num(parts))]
    if len(parts) == 0:
        raise DataError(f"{source}: no events to cluster")
    momenta = ak.zip({k: parts[k] for k in ("px", "py", "pz", "E")})
    sequence = fastjet.ClusterSequence(momenta, definition)
    jets = sequence.inclusive_jets(min_pt=float(min_pt))
    index = sequence.constituent_index(min_pt=float(min_pt))
    hardness = jets.E if algorithm == "ee_antikt" else transverse_momentum(jets)
    order = ak.argsort(hardness, axis=1, ascending=False, stable=True)
    jets, index = jets[order], index[order]
    # the leading jet's own particle records (PDG id and charge kept), by descending p_T
    leading = parts[ak.fill_none(ak.firsts(index, axis=1), [], axis=0)]
    leading = leading[
        ak.argsort(transverse_momentum(leading), axis=1, ascending=False, stable=True)
    ]
    meta = {
        **{k: v for k, v in events.metadata.items() if k != "provenance"},
        "jets": {"algorithm": algorithm, "radius": float(radius), "min_pt_GeV": float(min_pt),
                 "invisible": list(invisible), "fastjet": _fastjet_version()},
    }  # fmt: skip
    return Jets(
        jets=_events(jets, events.weight, {**meta, "objects": "jets"}, pid=JET_PID),
        leading_constituents=Events(
            leading, events.weight, {**meta, "objects": "leading-jet constituents"}
        ),
    )


def _events(
    momenta: ak.Array, weight: NDArray[np.float64], meta: dict[str, Any], pid: int
) -> Events:
    """Jets ``(n, var)`` as event records with one ``pid`` (charge 0)."""
    columns = {k: ak.to_numpy(ak.flatten(momenta[k])) for k in ("px", "py", "pz", "E")}
    columns["pid"] = np.full(len(columns["E"]), pid)
    return Events.from_arrays(ak.to_numpy(ak.num(momenta)), columns, weight, meta)


def _fastjet_version() -> str:
    from importlib.metadata import version

    return version("fastjet")


def constituent_matrix(constituents: Events, n: int) -> NDArray[np.float64]:
    """The first ``n`` constituents' four-vectors ``(E, p_x, p_y, p_z)`` of every event, in
    one row ``(n_events, 4n)`` (GeV), zero-padded where a jet has fewer."""
    parts = constituents.particles[:, :n]
    out = np.zeros((len(parts), n, 4))
    counts = ak.to_numpy(ak.num(parts))
    rows = np.repeat(np.arange(len(parts)), counts)
    cols = ak.to_numpy(ak.flatten(ak.local_index(parts)))
    for k, name in enumerate(("E", "px", "py", "pz")):
        out[rows, cols, k] = ak.to_numpy(ak.flatten(parts[name]))
    return out.reshape(len(parts), 4 * n)


#: what :func:`jet_sample` writes per event
JET_CONTENTS = ("jets", "leading_constituents")


@dataclass(frozen=True)
class JetSelection:
    """How a process's particles become its jet-level events (``events.jets`` of a config).

    Attributes
    ----------
    algorithm, radius, min_pt:
        The clustering (:func:`cluster_jets`; ``min_pt`` in GeV).
    keep:
        ``"jets"``: each event holds its jets (``pid`` :data:`JET_PID`), hardest first, at
        most ``n_jets``; ``"leading_constituents"``: the leading jet followed by its
        constituents (their own PDG ids) by descending ``p_T``.
    n_jets:
        The most jets kept per event (``keep: jets``); events with fewer are dropped.
    leading_pt:
        ``(low, high)`` GeV: events whose leading jet's ``p_T`` lies outside are dropped.
    """

    algorithm: str = "antikt"
    radius: float = 0.4
    min_pt: float = 0.0
    keep: str = "jets"
    n_jets: int | None = None
    leading_pt: tuple[float, float] | None = None

    @classmethod
    def from_dict(cls, raw: Any, where: str = "events.jets") -> JetSelection:
        """Validate a config mapping; :class:`ConfigError` names the key."""
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {raw!r}")
        unknown = sorted(set(raw) - {"algorithm", "radius", "min_pt", "keep", "n_jets",
                                     "leading_pt"})  # fmt: skip
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
        try:
            window = raw.get("leading_pt")
            sel = cls(
                algorithm=str(raw.get("algorithm", "antikt")),
                radius=float(raw.get("radius", 0.4)),
                min_pt=float(raw.get("min_pt", 0.0)),
                keep=str(raw.get("keep", "jets")),
                n_jets=None if raw.get("n_jets") is None else int(raw["n_jets"]),
                leading_pt=None if window is None else tuple(float(v) for v in window),  # type: ignore[arg-type]
            )
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{where}: {err}") from None
        _check_definition(sel.algorithm, sel.radius)
        if sel.keep not in JET_CONTENTS:
            raise ConfigError(f"{where}.keep: one of {', '.join(JET_CONTENTS)}, got {sel.keep!r}")
        if sel.n_jets is not None and sel.n_jets < 1:
            raise ConfigError(f"{where}.n_jets: must be >= 1, got {sel.n_jets}")
        if sel.leading_pt is not None and not (
            len(sel.leading_pt) == 2 and 0 <= sel.leading_pt[0] < sel.leading_pt[1]
        ):
            raise ConfigError(f"{where}.leading_pt: give [low, high] GeV, got {raw['leading_pt']}")
        return sel

    def describe(self) -> dict[str, Any]:
        """The selection as stored in the event metadata."""
        return {"algorithm": self.algorithm, "radius": self.radius, "min_pt_GeV": self.min_pt,
                "keep": self.keep, "n_jets": self.n_jets,
                "leading_pt_GeV": None if self.leading_pt is None else list(self.leading_pt)}  # fmt: skip


def jet_sample(events: Events, selection: JetSelection) -> Events:
    """Cluster ``events`` and keep what ``selection`` asks for, one record list per kept
    event (the jet-level event file of a process).

    Events without a jet, with fewer than ``n_jets`` jets or with the leading jet outside
    ``leading_pt`` are dropped; the metadata count them (``n_clustered``, ``n_selected``)
    and keep the selection.
    """
    jets = cluster_jets(events, selection.radius, selection.algorithm, selection.min_pt)
    p = jets.jets.particles
    counts = ak.to_numpy(ak.num(p))
    keep = counts >= (selection.n_jets or 1)
    if selection.leading_pt is not None:
        lead = ak.fill_none(ak.firsts(transverse_momentum(p), axis=1), -1.0)
        pt = ak.to_numpy(lead)
        keep &= (pt > selection.leading_pt[0]) & (pt < selection.leading_pt[1])
    if selection.keep == "jets":
        records = p[keep] if selection.n_jets is None else p[keep][:, : selection.n_jets]
    else:
        records = ak.concatenate(
            [p[keep][:, :1], jets.leading_constituents.particles[keep]], axis=1
        )
    meta = {
        **{k: v for k, v in jets.jets.metadata.items() if k != "objects"},
        "jets": {**jets.jets.metadata["jets"], **selection.describe()},
        "n_clustered": len(events),
        "n_selected": int(keep.sum()),
    }
    return Events(records, events.weight[keep], meta)


def jet_frame(constituents: NDArray[np.float64], axis: NDArray[np.float64]) -> NDArray[np.float64]:
    """The constituents ``(n, N, 4)`` (``E, p_x, p_y, p_z`` in GeV) rotated, jet by jet, so
    that the jet's momentum ``axis`` ``(n, 3)`` points along ``+z``: first about ``z`` by
    ``−φ``, then about ``y`` by ``−θ``. Energies and the angles between particles are kept;
    in this frame a rotation about ``z`` is a rotation about the jet axis."""
    c = np.asarray(constituents, dtype=np.float64)
    a = np.asarray(axis, dtype=np.float64)
    phi = np.arctan2(a[:, 1], a[:, 0])
    theta = np.arctan2(np.hypot(a[:, 0], a[:, 1]), a[:, 2])
    cp, sp = np.cos(phi)[:, None], np.sin(phi)[:, None]
    ct, st = np.cos(theta)[:, None], np.sin(theta)[:, None]
    x, y, z = c[..., 1], c[..., 2], c[..., 3]
    x1, y1 = cp * x + sp * y, -sp * x + cp * y  # about z by -φ
    x2, z2 = ct * x1 - st * z, st * x1 + ct * z  # about y by -θ
    return np.stack([c[..., 0], x2, y1, z2], axis=-1)
