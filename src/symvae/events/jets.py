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

from dataclasses import dataclass

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from symvae.errors import ConfigError, DataError
from symvae.events.store import Events

__all__ = [
    "ALGORITHMS",
    "INVISIBLE",
    "JET_PID",
    "Jets",
    "cluster_jets",
    "constituent_matrix",
    "invariant_mass",
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
        for an event without jets).
    """

    jets: Events
    leading_constituents: Events


def transverse_momentum(particles: ak.Array) -> ak.Array:
    """``p_T = √(p_x² + p_y²)`` (GeV) of every particle record."""
    return np.sqrt(particles.px**2 + particles.py**2)


def invariant_mass(px: object, py: object, pz: object, e: object) -> NDArray[np.float64]:
    """``√max(E² − |p|², 0)`` (GeV), elementwise."""
    m2 = np.asarray(e) ** 2 - np.asarray(px) ** 2 - np.asarray(py) ** 2 - np.asarray(pz) ** 2
    return np.sqrt(np.maximum(m2, 0.0))


def _definition(algorithm: str, radius: float):
    import fastjet

    if algorithm not in ALGORITHMS:
        raise ConfigError(
            f"jets: algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}"
        )
    if not radius > 0:
        raise ConfigError(f"jets: radius must be positive, got {radius}")
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
    constituents = sequence.constituents(min_pt=float(min_pt))
    hardness = jets.E if algorithm == "ee_antikt" else np.sqrt(jets.px**2 + jets.py**2)
    order = ak.argsort(hardness, axis=1, ascending=False, stable=True)
    jets, constituents = jets[order], constituents[order]
    leading = ak.firsts(constituents, axis=1)
    leading = ak.fill_none(leading, [], axis=0)
    leading = leading[
        ak.argsort(np.sqrt(leading.px**2 + leading.py**2), axis=1, ascending=False, stable=True)
    ]
    meta = {
        **{k: v for k, v in events.metadata.items() if k != "provenance"},
        "jets": {"algorithm": algorithm, "radius": float(radius), "min_pt_GeV": float(min_pt),
                 "invisible": list(invisible), "fastjet": _fastjet_version()},
    }  # fmt: skip
    jet_records = ak.zip(
        {
            **{k: jets[k] for k in ("px", "py", "pz", "E")},
            "pid": ak.values_astype(ak.zeros_like(jets.E), np.int32) + JET_PID,
            "charge": ak.values_astype(ak.zeros_like(jets.E), np.float32),
        }
    )
    const_records = ak.zip(
        {
            **{k: ak.values_astype(leading[k], np.float64) for k in ("px", "py", "pz", "E")},
            "pid": ak.values_astype(ak.zeros_like(leading.E), np.int32),
            "charge": ak.values_astype(ak.zeros_like(leading.E), np.float32),
        }
    )
    return Jets(
        jets=Events(jet_records, events.weight, {**meta, "objects": "jets"}),
        leading_constituents=Events(
            const_records, events.weight, {**meta, "objects": "leading-jet constituents"}
        ),
    )


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
