"""Jet study: the symmetries of a leading jet's constituents (rule ``jet_study``).

For a process whose features are the leading jet followed by its first constituents (the
``events.jets`` setting ``keep: leading_constituents`` with zero-padded features), and for
each constituent count k of its ``jet_study`` entry:

- the **function-preserving** maps: the 4 × 4 matrices A (acting alike on each of the first
  k constituents) with ∇m²·(A x) = 0 on every jet, m² the invariant mass squared of those
  constituents; the expected answer is so(1,3), six dimensions;
- the **distribution-preserving** generators of the same k constituents in the lab frame
  and in the jet frame (each jet's axis turned to +z);

and, once, the correlation dimension of the jets from their pairwise energy mover's
distances against the energy scale Q. Given the process's trained models and its
``relevance.h5``, each seed's resolution is put on the same scale: the median EMD between a
held-out jet and its reconstruction, with the relevant count beside dim(Q) there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from symvae.config import ProcessSpec
from symvae.directions.families import four_vector_family, lorentz_algebra
from symvae.directions.function import FunctionSymmetry, function_symmetries, span_distance
from symvae.directions.generators import find_generators
from symvae.dof import correlation_dimension
from symvae.errors import DataError
from symvae.events.emd import energy_movers_distance, jet_particles, pairwise_emd
from symvae.events.jets import jet_frame, jet_mass_squared
from symvae.outputs.features import TEST, FeatureFile, read_features
from symvae.outputs.jet_study import (
    Correlation,
    Distribution,
    FunctionPreserving,
    JetStudy,
    Resolution,
    TaggerSymmetry,
)
from symvae.outputs.model import load_model
from symvae.outputs.relevance import Relevance
from symvae.provenance import provenance

__all__ = ["jet_constituents", "on_light_cone", "study_jets"]

_RTOL = 1e-6


def jet_constituents(path: str | Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Constituents ``(n, N, 4)`` (E, px, py, pz; GeV) and jet momenta ``(n, 3)`` of a
    ``features.h5`` holding the leading jet and then its constituents; ``DataError`` naming
    the file for any other feature layout."""
    return _split(_checked(read_features(path), path).dataset.features)


def _checked(ff: FeatureFile, path: str | Path) -> FeatureFile:
    """``ff`` if its features are the leading jet and then its constituents, else
    ``DataError`` naming ``path``."""
    names = list(ff.dataset.feature_names)
    expected = [f"{c}_{i}" for i in range(1, len(names) // 4 + 1) for c in ("E", "px", "py", "pz")]
    if len(names) < 8 or len(names) % 4 or names != expected:
        raise DataError(
            f"{path}: the jet study needs the leading jet and its constituents as features "
            f"(E_1, px_1, py_1, pz_1, E_2, ...: cartesian kind, objects in order), got "
            f"{', '.join(names[:6])}{', ...' if len(names) > 6 else ''}"
        )
    return ff


def _split(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Feature rows ``(n, 4 (N + 1))`` as constituents ``(n, N, 4)`` and jet momenta ``(n, 3)``."""
    x = np.asarray(x, dtype=np.float64)
    return x[:, 4:].reshape(len(x), -1, 4), x[:, 1:4]


def _lorentz_distances(found: FunctionSymmetry, n: int) -> tuple[float, float]:
    """Grassmann distances (rad) of the 6 best-preserved maps of ``found`` to so(1,3) and of
    the 7 best to so(1,3) plus the dilation, on ``n`` constituents."""
    so13 = lorentz_algebra(n)
    with_d = np.concatenate([so13, found.family.element("D")[None]])
    return span_distance(found.best(6), so13), span_distance(found.best(7), with_d)


def _function(c: NDArray[np.float64], ks: tuple[int, ...]) -> FunctionPreserving:
    values, dims, d6, d7 = [], [], [], []
    for k in ks:
        family = four_vector_family(k)
        found = function_symmetries(
            c[:, :k].reshape(len(c), 4 * k), family, f=jet_mass_squared(k), rtol=_RTOL
        )
        values.append(found.singular_values)
        dims.append(found.dimension)
        six, seven = _lorentz_distances(found, k)
        d6.append(six)
        d7.append(seven)
    return FunctionPreserving(
        singular_values=np.array(values),
        dimension=np.array(dims, dtype=np.int64),
        distance_so13=np.array(d6),
        distance_so13_dilation=np.array(d7),
        rtol=_RTOL,
    )


def _distribution(
    c: NDArray[np.float64], axis: NDArray[np.float64], ks: tuple[int, ...], seed: int
) -> Distribution:
    framed = jet_frame(c, axis)
    out: dict[str, list[object]] = {key: [] for key in ("kl", "kj", "dl", "dj", "ll", "lj", "t")}
    n_discovery = 0
    for k in ks:
        family = four_vector_family(k)
        jz = family.element("J_z")[None]
        for frame, sample in (("l", c), ("j", framed)):
            found = find_generators(
                sample[:, :k].reshape(len(sample), 4 * k), None, family, degree=2, seed=seed
            )
            kept = len(found.generators)
            out[f"k{frame}"].append(kept)
            out[f"d{frame}"].append(span_distance(found.generators, jz) if kept else np.nan)
            out[f"l{frame}"].append("; ".join(found.labels))
            if frame == "l":
                out["t"].append(found.counts.n_test_functions)
                n_discovery = found.counts.n_discovery
    return Distribution(
        kept_lab=np.array(out["kl"], dtype=np.int64),
        kept_jet=np.array(out["kj"], dtype=np.int64),
        distance_jz_lab=np.array(out["dl"], dtype=np.float64),
        distance_jz_jet=np.array(out["dj"], dtype=np.float64),
        labels_lab=[str(v) for v in out["ll"]],
        labels_jet=[str(v) for v in out["lj"]],
        n_test_functions=np.array(out["t"], dtype=np.int64),
        n_discovery=n_discovery,
    )


def _correlation(
    c: NDArray[np.float64], n_jets: int, radius: float, q_range: tuple[float, float], bins: int
) -> Correlation:
    jets = jet_particles(c[:n_jets])
    d = pairwise_emd(jets, radius, progress=True)
    cd = correlation_dimension(d, np.geomspace(q_range[0], q_range[1], bins + 1))
    return Correlation(
        q=np.asarray(cd.midpoints, dtype=np.float64),
        dimension=np.asarray(cd.dimension, dtype=np.float64),
        n_jets=len(jets),
        n_constituents=c.shape[1],
        radius=float(radius),
        median_emd=float(np.median(d)),
    )


def on_light_cone(c: NDArray[np.float64]) -> NDArray[np.float64]:
    """Reconstructed constituents ``(n, N, 4)`` made usable by the EMD: rows with ``E <= 0``
    become padding (zero), and ``E`` is raised to ``|p|`` where it is below (GeV)."""
    c = np.array(c, dtype=np.float64)
    alive = c[..., 0] > 0
    c[..., 0] = np.maximum(c[..., 0], np.linalg.norm(c[..., 1:], axis=-1) * (1 + 1e-12))
    c[~alive] = 0.0
    return c


def _resolution(
    test: NDArray[np.float64],
    models: list[str | Path],
    relevance: str | Path,
    correlation: Correlation,
    radius: float,
) -> Resolution:
    truth = jet_particles(_split(test)[0])
    rel = Relevance.load(relevance)
    ok = np.isfinite(correlation.dimension)
    log_q, dims = np.log(correlation.q[ok]), correlation.dimension[ok]
    emd, at = [], []
    for path in models:
        trained = load_model(path)
        mu, _ = trained.encode(test)
        jets = jet_particles(on_light_cone(_split(trained.decode(mu))[0]))
        distances = [energy_movers_distance(a, b, radius) for a, b in zip(truth, jets, strict=True)]
        q = float(np.median(distances))
        emd.append(q)
        inside = len(log_q) > 0 and log_q[0] <= np.log(q) <= log_q[-1]
        at.append(float(np.interp(np.log(q), log_q, dims)) if inside else np.nan)
    return Resolution(
        seeds=np.asarray(rel.seeds, dtype=np.int64),
        n_relevant=np.asarray(rel.n_relevant, dtype=np.int64),
        local_dof=np.asarray(rel.local_dof, dtype=np.int64),
        reconstruction_emd=np.array(emd),
        dimension_at_resolution=np.array(at),
        n_jets=len(test),
    )


def _tagger(
    signal: NDArray[np.float64], background: NDArray[np.float64], name: str, epochs: int, seed: int
) -> TaggerSymmetry:
    from symvae.directions.tagger import train_tagger

    n = signal.shape[1]
    s, b = signal.reshape(len(signal), 4 * n), background.reshape(len(background), 4 * n)
    tagger = train_tagger(s, b, epochs=epochs, seed=seed)
    found = function_symmetries(np.concatenate([s, b]), four_vector_family(n), f=tagger, dim=6)
    six, seven = _lorentz_distances(found, n)
    return TaggerSymmetry(
        singular_values=np.asarray(found.singular_values, dtype=np.float64),
        gap_dimension=found.gap_dimension,
        distance_so13=six,
        distance_so13_dilation=seven,
        accuracy=tagger.accuracy,
        auc=tagger.auc,
        background=name,
        n_constituents=n,
        n_signal=len(s),
        n_background=len(b),
        epochs=epochs,
    )


def study_jets(
    spec: ProcessSpec,
    features: str | Path,
    out: str | Path,
    models: list[str | Path] | None = None,
    relevance: str | Path | None = None,
    background: str | Path | None = None,
) -> Path:
    """Run the jet study of ``spec.jet_study`` on ``features`` (``features.h5`` of a leading
    jet and its constituents) and write ``out`` (layout :mod:`symvae.outputs.jet_study`).
    ``models`` (each seed's ``model.pt``, in the order of the seeds of ``relevance``) and
    ``relevance`` add the VAE's resolution on the EMD scale; ``background`` (the
    ``features.h5`` of ``jet_study.background``) adds the tagger's symmetries."""
    settings = spec.jet_study
    if settings is None:
        raise ValueError(f"process {spec.name!r} has no jet_study entry")
    ff = _checked(read_features(features), features)
    c, axis = _split(ff.dataset.features)
    if max(settings.constituents) > c.shape[1]:
        raise DataError(
            f"{features}: jet_study.constituents asks for {max(settings.constituents)} "
            f"constituents, the features hold {c.shape[1]}"
        )
    if len(c) < 50:
        raise DataError(f"{features}: {len(c)} jets, too few for the jet study (50 at least)")
    ks = tuple(int(k) for k in settings.constituents)
    sample, sample_axis = c[: settings.max_jets], axis[: settings.max_jets]
    correlation = _correlation(
        c, settings.emd_jets, settings.radius, settings.q_range, settings.q_bins
    )
    resolution = None
    if models and relevance is not None:
        test = ff.part(TEST)[: settings.emd_jets]
        if len(test) == 0:
            raise DataError(f"{features}: no held-out (test) jets for the VAE resolution")
        resolution = _resolution(test, list(models), relevance, correlation, settings.radius)
    tagger = None
    if settings.background is not None:
        if background is None:
            raise ValueError(f"jet_study.background is {settings.background!r}: give its features")
        other, _ = jet_constituents(background)
        if other.shape[1] != c.shape[1]:
            raise DataError(
                f"{background}: {other.shape[1]} constituents per jet, {features} has "
                f"{c.shape[1]}: the tagger needs both alike"
            )
        tagger = _tagger(
            sample, other[: settings.max_jets], settings.background, settings.tagger_epochs,
            settings.seed,
        )  # fmt: skip
    record = JetStudy(
        process=spec.name,
        n_jets=len(c),
        constituents=np.array(ks, dtype=np.int64),
        function=_function(sample, ks),
        distribution=_distribution(sample, sample_axis, ks, settings.seed),
        correlation=correlation,
        resolution=resolution,
        tagger=tagger,
        settings_json=spec.to_dict()["jet_study"],
        provenance_json=provenance(),
    )
    return record.save(out)
