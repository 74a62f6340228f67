"""Everything the report reads, and nothing else of the report reads a file.

``summary.h5``, ``relevance.h5`` and ``features.h5`` are read through their layouts
(:mod:`symvae.outputs`) into the small records the sections draw (:class:`_Summary`,
:class:`_ProcessSummary`, :class:`_Relevance`, :class:`_Features`); ``directions.h5``, the
invariance curve files and ``scans/<scan>.h5`` are read as their layouts
(:func:`load_all`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import matplotlib

matplotlib.use("Agg")

import hist
import numpy as np

from symvae.errors import DataError
from symvae.outputs.evaluation import Evaluation
from symvae.outputs.events import UNPHYSICAL_DROPPED
from symvae.outputs.features import read_features
from symvae.outputs.layout import Layout
from symvae.outputs.relevance import Relevance
from symvae.outputs.summary import Summary
from symvae.plotting.features import feature_histograms

L = TypeVar("L", bound=Layout)

#: ``kind`` values of processes made of events (with a ``features.h5``).
_EVENT_KINDS = ("generated", "file")


@dataclass
class _ProcessSummary:
    """One ``/<process>`` group of ``summary.h5``."""

    name: str
    generator: str
    description: str
    count_note: str
    dof_expected: int
    dof_measured: int
    n_relevant: int
    n_relevant_min: int
    n_relevant_max: int
    twonn_median: float
    threshold: float
    relevance: np.ndarray  # (S, L)
    posterior_width: np.ndarray | None  # (S, L)
    kl: np.ndarray | None  # (S, L)
    n_relevant_per_seed: np.ndarray  # (S,)
    local_dof: np.ndarray  # (S,)
    local_dof_twonn: np.ndarray  # (S,)
    seeds: list[int]
    scan_thresholds: np.ndarray  # (T,)
    scan_counts: np.ndarray  # (S, T)
    relevance_theory: np.ndarray | None = None  # (S, L)
    max_abs_deviation_heldout: np.ndarray | None = None  # (S,)
    eigenvalues: np.ndarray | None = None  # (d,)
    principal_angles_deg: np.ndarray | None = None  # (S, k)
    max_abs_deviation: np.ndarray | None = None  # (S,)
    kind: str = "toy"
    exact: bool = True
    compare_to: str = ""
    constraints: list[str] | None = None

    @property
    def has_theory(self) -> bool:
        return self.relevance_theory is not None

    @property
    def has_events(self) -> bool:
        """Whether the process is made of events (``kind`` generated or file)."""
        return self.kind in _EVENT_KINDS

    @property
    def dof_ok(self) -> bool:
        return self.dof_measured == self.dof_expected


@dataclass
class _Summary:
    """Root of ``summary.h5``."""

    path: Path
    processes: list[str]
    seeds: list[int]
    threshold: float
    config: Any
    groups: dict[str, _ProcessSummary]
    layout: Summary  # the file as read, for the pages that draw from it directly


@dataclass
class _FirstSeed:
    """Arrays of the first seed of one ``relevance.h5`` (for the latent-space page)."""

    seed: int
    order: np.ndarray  # (L,)
    relevant: np.ndarray  # (L,) bool
    mu: np.ndarray | None  # (M, L)
    truth: np.ndarray | None  # (M,)
    truth_name: str | None
    z: np.ndarray  # (T,)
    decoded: np.ndarray  # (R, T, d)
    directions: np.ndarray  # (R,)
    history: dict[str, np.ndarray]
    best_epoch: int | None

    @property
    def relevant_order(self) -> list[int]:
        """Latent indices of the relevant directions, most active first."""
        return [int(i) for i in self.order if 0 <= int(i) < self.relevant.size and self.relevant[i]]


@dataclass
class _Relevance:
    """What the report needs from one ``relevance.h5``."""

    path: Path
    feature_names: list[str]
    feature_units: list[str]
    truth_names: list[str]
    config: Any
    seed_attrs: list[dict[str, Any]]
    first: _FirstSeed | None
    process: str = ""
    relevance: np.ndarray | None = None  # (S, L), rows sorted descending
    threshold: float = float("nan")
    theory_relevance: np.ndarray | None = None  # (L,)
    dof_expected: int = 0
    local_dof: np.ndarray | None = None  # (S,)
    beta: float | None = None
    sigma2: float | None = None


@dataclass
class _Features:
    """Histograms of the training features of one ``features.h5`` (all events)."""

    path: Path
    names: list[str]
    units: list[str]
    histograms: list[hist.Hist]  # (d,)
    n_events: int
    split_counts: dict[str, int] | None
    n_nonfinite: int
    unphysical_dropped: dict[str, int] | None = None  # events left out at ingest, by reason
    jet_mass: hist.Hist | None = None  # jet-level events: the leading-jet or dijet mass


def _jet_mass(ff: Any, x: np.ndarray, names: list[str]) -> hist.Hist | None:
    """The mass that a jet-level process is about (``events.jets`` in its event metadata):
    the leading jet's (object 1) when the events hold a jet and its constituents, the
    dijet mass of objects 1 and 2 when they hold jets; ``None`` otherwise."""
    from symvae.events.jets import invariant_mass
    from symvae.plotting.jets import jet_mass_histogram

    jets = (ff.layout.event_metadata_json or {}).get("jets")
    if not isinstance(jets, dict) or names[:4] != ["E_1", "px_1", "py_1", "pz_1"]:
        return None
    p = x[:, [1, 2, 3, 0]]
    label = "leading-jet mass"
    if jets.get("keep") == "jets" and names[4:8] == ["E_2", "px_2", "py_2", "pz_2"]:
        p = p + x[:, [5, 6, 7, 4]]
        label = "dijet mass"
    return jet_mass_histogram(invariant_mass(*p.T), label)


def _read_features(path: Path, process: str) -> _Features:
    """Read ``/features`` of a ``features.h5`` and histogram every column.

    Only the histograms are kept, so the feature matrices of all processes are never in
    memory at the same time.
    """
    if not path.is_file():
        raise DataError(f"features file of process '{process}' not found: {path}")
    ff = read_features(path)
    x = np.asarray(ff.dataset.features, dtype=float)
    names, units = list(ff.dataset.feature_names), list(ff.dataset.units)
    if x.ndim != 2 or len(names) != x.shape[1]:
        raise DataError(f"{path}: '/features' has shape {x.shape} but {len(names)} names")
    codes = np.asarray(ff.split).ravel()
    split_counts = {
        label: int(np.count_nonzero(codes == code))
        for code, label in enumerate(("train", "validation", "test"))
    }
    return _Features(
        path=path,
        names=names,
        units=units if len(units) == len(names) else [""] * len(names),
        histograms=feature_histograms(x, names, units),
        n_events=int(x.shape[0]),
        split_counts=split_counts,
        n_nonfinite=int(np.count_nonzero(~np.isfinite(x))),
        unphysical_dropped=(ff.layout.event_metadata_json or {}).get(UNPHYSICAL_DROPPED),
        jet_mass=_jet_mass(ff, x, names),
    )


def load_all(paths: Mapping[str, str | os.PathLike[str]], layout: type[L]) -> dict[str, L]:
    """Every file of ``paths`` (name -> path) read as ``layout`` (errors name the file)."""
    return {str(name): layout.load(path) for name, path in paths.items()}


def _load(path: Path, layout: type[L], what: str) -> L:
    if not path.is_file():
        raise DataError(f"{what} not found: {path}")
    return layout.load(path)


def _read_summary(path: Path) -> _Summary:
    s = _load(path, Summary, "summary file")
    groups: dict[str, _ProcessSummary] = {}
    for name in s.processes:
        if name not in s.process_groups:
            raise DataError(f"{path}: process '{name}' is listed but has no group '/{name}'")
        g = s.process_groups[name]
        info = g.info
        groups[name] = _ProcessSummary(
            name=name,
            generator=info.generator,
            description=info.description,
            count_note=info.count_note,
            dof_expected=info.dof_expected,
            dof_measured=g.dof_measured,
            n_relevant=g.n_relevant_median,
            n_relevant_min=g.n_relevant_min,
            n_relevant_max=g.n_relevant_max,
            twonn_median=g.local_dof_twonn_median,
            threshold=info.threshold,
            relevance=np.atleast_2d(np.asarray(g.relevance, dtype=float)),
            posterior_width=g.posterior_width,
            kl=g.kl,
            n_relevant_per_seed=np.asarray(g.n_relevant).ravel(),
            local_dof=np.asarray(g.local_dof).ravel(),
            local_dof_twonn=np.asarray(g.local_dof_twonn).ravel(),
            seeds=[int(v) for v in g.seeds],
            scan_thresholds=np.asarray(g.threshold_scan.thresholds).ravel(),
            scan_counts=np.atleast_2d(g.threshold_scan.n_relevant),
            kind=info.kind.strip().lower() or "toy",
            exact=bool(info.exact),
            compare_to=info.compare_to.strip(),
            constraints=list(info.constraints),
        )
        if g.theory is not None:
            ps, t = groups[name], g.theory
            ps.relevance_theory = np.atleast_2d(t.relevance_theory)
            ps.eigenvalues = t.eigenvalues
            ps.principal_angles_deg = t.principal_angles_deg
            ps.max_abs_deviation = np.asarray(t.max_abs_deviation, dtype=float).ravel()
            ps.max_abs_deviation_heldout = np.asarray(
                t.max_abs_deviation_heldout, dtype=float
            ).ravel()
    config = s.provenance.config_json
    seeds = [int(v) for v in s.seeds]
    return _Summary(path, s.processes, seeds, s.threshold, config, groups, layout=s)


def _seed_figures(e: Evaluation) -> dict[str, Any]:
    """The scalar figures of one evaluation (its root attributes)."""
    return {name: getattr(e, name) for name, item in Evaluation.items() if item.kind == "attribute"}


def _read_relevance(path: Path, process: str, seeds: Sequence[int] = ()) -> _Relevance:
    r = _load(path, Relevance, f"relevance file of process '{process}'")
    file_seeds = [int(v) for v in r.seeds] or list(seeds)
    evals = [r.evaluations.get(k) for k in file_seeds]
    first = None
    if file_seeds:
        e = evals[0]
        if e is None:
            raise DataError(f"{path}: missing group '/seed{file_seeds[0]}' of the first seed")
        truth_name = next((n for n in r.truth_names[:1] if n in e.latent.truth), None)
        first = _FirstSeed(
            seed=file_seeds[0],
            order=np.asarray(e.order, dtype=int).ravel(),
            relevant=np.asarray(e.relevant, dtype=bool).ravel(),
            mu=np.atleast_2d(e.latent.mu),
            truth=None if truth_name is None else e.latent.truth[truth_name],
            truth_name=truth_name,
            z=np.asarray(e.traversal.z, dtype=float).ravel(),
            decoded=np.asarray(e.traversal.decoded),
            directions=np.asarray(e.traversal.directions),
            history={k: np.asarray(v) for k, v in e.history.items()},
            best_epoch=int(e.best_epoch),
        )
    rel = _Relevance(
        path=path,
        feature_names=list(r.feature_names),
        feature_units=list(r.feature_units),
        truth_names=list(r.truth_names),
        config=r.provenance.config_json,
        seed_attrs=[{} if e is None else _seed_figures(e) for e in evals],
        first=first,
        process=r.process,
        relevance=np.atleast_2d(np.asarray(r.relevance, dtype=float)),
        threshold=r.info.threshold,
        theory_relevance=None if r.theory is None else r.theory.relevance,
        dof_expected=r.info.dof_expected,
        local_dof=np.asarray(r.local_dof).ravel(),
    )
    if r.theory is not None:
        rel.beta, rel.sigma2 = float(r.theory.beta), float(r.theory.sigma2)
    return rel


def _architecture(process: str, *configs: Any) -> str | None:
    """The VAE architecture (``"mlp"``/``"linear"``) of a process, from config dicts."""
    for cfg in configs:
        if not isinstance(cfg, dict):
            continue
        candidates = []
        procs = cfg.get("processes")
        if isinstance(procs, dict) and isinstance(procs.get(process), dict):
            candidates.append(procs[process].get("vae"))
        candidates.append(cfg.get("vae"))
        defaults = cfg.get("defaults")
        if isinstance(defaults, dict):
            candidates.append(defaults.get("vae"))
        for vae in candidates:
            if isinstance(vae, dict) and isinstance(vae.get("architecture"), str):
                return vae["architecture"]
    if "mlp" in process.lower():
        return "mlp"
    return None
