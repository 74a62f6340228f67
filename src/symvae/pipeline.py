"""The workflow's steps as plain functions: each reads files and writes one output file.

Every Snakemake rule calls exactly one of these through a thin script, and a notebook can
call them directly::

    from symvae.config import load_config
    from symvae import pipeline
    cfg = load_config("config.yaml")
    spec = cfg.process("ring")
    pipeline.make_features(spec, "results/ring/features.h5")
    pipeline.train(spec, "results/ring/features.h5", seed=0, out="results/ring/seed0/model.pt")
    pipeline.evaluate(spec, "results/ring/features.h5", "results/ring/seed0/model.pt",
                      "results/ring/seed0/evaluation.h5")
    pipeline.collect(spec, {0: "results/ring/seed0/evaluation.h5"}, "results/ring/relevance.h5")
    pipeline.summarize({"ring": "results/ring/relevance.h5"}, "results/summary.h5")
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from symvae.config import ProcessSpec
from symvae.datasets import generate
from symvae.errors import DataError
from symvae.events.steps import (
    generate_event_chunk,
    ingest_events,
    make_event_features,
    merge_events,
)
from symvae.io.features import (
    TEST,
    TRAIN,
    VALIDATION,
    FeatureFile,
    make_split,
    read_features,
    write_features,
)
from symvae.io.hdf5 import atomic_h5, open_h5, write_json_attr, write_str_list_attr
from symvae.provenance import provenance

if TYPE_CHECKING:
    from symvae.vae import TrainedVAE

__all__ = [
    "collect",
    "evaluate",
    "generate_event_chunk",
    "ingest_events",
    "make_event_features",
    "make_features",
    "merge_events",
    "summarize",
    "train",
]

#: latent values of a traversal, in units of the prior's standard deviation
TRAVERSAL = np.linspace(-2.5, 2.5, 41)


def make_features(spec: ProcessSpec, out: str | Path) -> Path:
    """Generate the events of ``spec`` and write ``features.h5`` (with split and truth)."""
    ds = generate(spec.generator, spec.data.n_events, spec.data.seed, spec.params)
    split = make_split(
        ds.n_events, spec.data.validation_fraction, spec.data.test_fraction, spec.data.seed
    )
    write_features(
        out,
        ds,
        split,
        {
            "process": spec.name,
            "generator": spec.generator,
            "dof_expected": spec.dof,
            "data_seed": spec.data.seed,
            "params": dict(spec.params),
            "conserved": list(spec.conserved),
            "provenance": provenance(),
        },
    )
    return Path(out)


def train(
    spec: ProcessSpec,
    features: str | Path,
    seed: int,
    out: str | Path,
    *,
    threads: int | None = None,
    progress: bool = True,
    checkpoint_every: float = 10.0,
) -> Path:
    """Train one VAE on the training split of ``features`` and save it to ``out``.

    The training state is checkpointed to ``<out>.ckpt`` at most every ``checkpoint_every``
    seconds (0: every epoch); a run killed and started again resumes there and ends with the
    same weights. The checkpoint is removed once ``out`` is written.
    """
    from symvae.vae import save_model, train_vae

    ff = read_features(features)
    ckpt = Path(str(out) + ".ckpt")
    trained = train_vae(
        ff.part(TRAIN),
        ff.part(VALIDATION),
        spec.vae,
        seed,
        threads=threads,
        progress=progress,
        label=f"{spec.name} seed {seed}",
        checkpoint=ckpt,
        checkpoint_every=checkpoint_every,
    )
    save_model(out, trained, provenance({"process": spec.name, "features": str(features)}))
    ckpt.unlink(missing_ok=True)
    return Path(out)


def evaluate(spec: ProcessSpec, features: str | Path, model: str | Path, out: str | Path) -> Path:
    """Measure relevance, local dof, latent means, traversals (and the linear theory check)
    of one trained model on the test split, and write ``evaluation.h5``."""
    from symvae.dof import local_pca_dimension, local_spectrum, twonn_dimension
    from symvae.relevance import latent_relevance, threshold_scan
    from symvae.vae import load_model

    ff = read_features(features)
    trained = load_model(model)
    x_test = ff.part(TEST)
    mu, var = trained.encode(x_test)
    rel = latent_relevance(mu, var)
    order = rel.order
    threshold = spec.relevance.threshold
    relevant_idx = order[rel.activity[order] > threshold]
    points = mu[:, relevant_idx]
    local_dof = local_pca_dimension(points, **_dof_kwargs(spec))
    twonn = twonn_dimension(points, max_points=spec.local_dof.max_points)
    spectrum = local_spectrum(
        points, n_neighbors=spec.local_dof.n_neighbors, max_points=spec.local_dof.max_points
    )
    m = min(spec.relevance.n_latent_samples, len(x_test))

    with atomic_h5(out) as f:
        f.attrs.update(
            {
                "seed": trained.seed,
                "n_relevant": len(relevant_idx),
                "local_dof": local_dof,
                "local_dof_twonn": twonn,
                "best_epoch": trained.best_epoch,
                "epochs_run": len(trained.history.get("epoch", [])),
                "train_seconds": trained.seconds,
                "threshold": threshold,
            }
        )
        f["activity"] = rel.activity
        f["posterior_width"] = rel.posterior_width
        f["kl"] = rel.kl
        f["order"] = order
        f["local_spectrum"] = spectrum
        f["local_spectrum"].attrs["description"] = (
            "median over test events of the descending covariance eigenvalues of the "
            "neighbourhoods of latent means in the relevant directions (prior units)"
        )
        f["relevant"] = rel.relevant(threshold)
        f["threshold_scan/thresholds"] = np.asarray(spec.relevance.scan)
        f["threshold_scan/n_relevant"] = threshold_scan(rel.activity, spec.relevance.scan)
        f["latent/mu"] = mu[:m]
        f["latent"].create_group("truth", track_order=True)
        for name, values in ff.truth_part(TEST).items():
            f[f"latent/truth/{name}"] = values[:m]
        decoded = np.empty((len(relevant_idx), len(TRAVERSAL), ff.dataset.n_features))
        for r, i in enumerate(relevant_idx):
            z = np.zeros((len(TRAVERSAL), spec.vae.latent_dim))
            z[:, i] = TRAVERSAL
            decoded[r] = trained.decode(z)
        f["traversal/z"] = TRAVERSAL
        f["traversal/decoded"] = decoded
        f["traversal/directions"] = relevant_idx.astype(np.int64)
        for key, values in trained.history.items():
            f[f"history/{key}"] = np.asarray(values)
        if spec.generator == "linear_gaussian":
            _theory_check(f, spec, ff, trained, mu, relevant_idx)
    return Path(out)


def _dof_kwargs(spec: ProcessSpec) -> dict[str, Any]:
    c = spec.local_dof
    return {
        "n_neighbors": c.n_neighbors,
        "variance_fraction": c.variance_fraction,
        "max_points": c.max_points,
    }


def _theory_check(
    f: h5py.Group,
    spec: ProcessSpec,
    ff: FeatureFile,
    trained: TrainedVAE,
    mu: np.ndarray,
    relevant_idx: np.ndarray,
) -> None:
    """Linear-VAE prediction from the spectrum of the standardized training inputs, and the
    principal angles between the decoder's relevant directions and the generating rotation."""
    import torch

    from symvae.theory import covariance_spectrum, linear_vae_relevance, principal_angles_deg

    cfg = spec.vae
    eigenvalues, eigenvectors = covariance_spectrum(trained.scaler.transform(ff.part(TRAIN)))
    # the held-out sample's own variance along each training eigen-direction: activity on
    # test events is (1 - βs²/λ_i) · λ_i^test / λ_i^train for the optimal linear VAE
    heldout = trained.scaler.transform(ff.part(TEST)) @ eigenvectors
    ratio = heldout.var(axis=0) / np.where(eigenvalues > 0, eigenvalues, np.inf)
    theory = linear_vae_relevance(eigenvalues, cfg.beta, cfg.sigma2, cfg.latent_dim)
    k = int(np.sum(eigenvalues > cfg.beta * cfg.sigma2))
    meta = ff.dataset.metadata
    rotation = np.asarray(meta["rotation"])
    spectrum = np.asarray(meta["eigenvalues"])
    top = rotation[:, np.argsort(-spectrum, kind="stable")[:k]]
    # decoder Jacobian (physical units) along the relevant latents, averaged over test events
    model = trained.model
    z = torch.as_tensor(mu, dtype=torch.float32)
    jac = torch.func.vmap(torch.func.jacrev(model.decode))(z)  # (n, d, L) standardized units
    jac_mean = jac.mean(dim=0).detach().double().numpy() * trained.scaler.scale[:, None]
    directions = jac_mean[:, relevant_idx]
    angles = principal_angles_deg(directions, top) if len(relevant_idx) and k else np.zeros(0)
    g = f.create_group("theory")
    g["eigenvalues"] = eigenvalues
    g["relevance"] = theory
    g["principal_angles_deg"] = angles
    g["heldout_variance_ratio"] = ratio
    g.attrs.update({"beta": cfg.beta, "sigma2": cfg.sigma2, "n_relevant": k})


def collect(
    spec: ProcessSpec,
    evaluations: Mapping[int, str | Path],
    out: str | Path,
    features: str | Path | None = None,
) -> Path:
    """Merge the per-seed evaluations of one process into ``relevance.h5``; the feature and
    truth names come from ``features`` (the process's ``features.h5``) where given."""
    seeds = sorted(evaluations)
    rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("relevance", "posterior_width", "kl", "scan")
    }
    scalars: dict[str, list[Any]] = {"n_relevant": [], "local_dof": [], "local_dof_twonn": []}
    angles: list[np.ndarray] = []
    thresholds = theory = None
    with atomic_h5(out) as f:
        for seed in seeds:
            with open_h5(evaluations[seed]) as e:
                e.copy(e["/"], f, name=f"seed{seed}")
                order = e["order"][()]
                rows["relevance"].append(e["activity"][()][order])
                rows["posterior_width"].append(e["posterior_width"][()][order])
                rows["kl"].append(e["kl"][()][order])
                rows["scan"].append(e["threshold_scan/n_relevant"][()])
                thresholds = e["threshold_scan/thresholds"][()]
                for key in scalars:
                    scalars[key].append(e.attrs[key])
                if "theory" in e:
                    theory = e["theory"]
                    angles.append(e["theory/principal_angles_deg"][()])
                    if "theory" not in f:
                        g = f.create_group("theory")
                        g["eigenvalues"] = theory["eigenvalues"][()]
                        g["relevance"] = theory["relevance"][()]
                        g["heldout_variance_ratio"] = theory["heldout_variance_ratio"][()]
                        g.attrs.update(dict(theory.attrs))
        f["relevance"] = np.stack(rows["relevance"])
        f["posterior_width"] = np.stack(rows["posterior_width"])
        f["kl"] = np.stack(rows["kl"])
        f["n_relevant"] = np.asarray(scalars["n_relevant"], dtype=np.int64)
        f["local_dof"] = np.asarray(scalars["local_dof"], dtype=np.int64)
        f["local_dof_twonn"] = np.asarray(scalars["local_dof_twonn"], dtype=np.float64)
        f["threshold_scan/thresholds"] = thresholds
        f["threshold_scan/n_relevant"] = np.stack(rows["scan"])
        if angles:
            f["theory/principal_angles_deg"] = _pad_stack(angles)
        ff = _feature_names(features)
        f.attrs.update(
            {
                "process": spec.name,
                "generator": spec.generator or (spec.events or {}).get("source", ""),
                "kind": spec.kind,
                "exact": spec.exact,
                "compare_to": spec.compare_to,
                "dof_expected": spec.dof,
                "measure": "activity",
                "threshold": spec.relevance.threshold,
                "latent_dim": spec.vae.latent_dim,
                "seeds": np.asarray(seeds, dtype=np.int64),
                "description": spec.description,
                "count_note": spec.count_note,
            }
        )
        for key, values in ff.items():
            write_str_list_attr(f, key, values)
        write_str_list_attr(f, "constraints", list(spec.constraints or spec.conserved))
        write_json_attr(f, "config_json", spec.to_dict())
        write_json_attr(f, "provenance_json", provenance())
    return Path(out)


def _feature_names(features: str | Path | None) -> dict[str, list[str]]:
    """Names of features and truth variables of a ``features.h5`` (empty lists for none)."""
    if features is None:
        return {"feature_names": [], "feature_units": [], "truth_names": []}
    with open_h5(features) as f:
        return {
            "feature_names": [str(s) for s in f["features"].attrs["names"]],
            "feature_units": [str(s) for s in f["features"].attrs["units"]],
            "truth_names": list(f["truth"].keys()),
        }


def _pad_stack(arrays: list[np.ndarray]) -> np.ndarray:
    width = max((len(a) for a in arrays), default=0)
    out = np.full((len(arrays), width), np.nan)
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out


def summarize(
    relevance_files: Mapping[str, str | Path],
    out: str | Path,
    config: Mapping[str, Any] | None = None,
    directions_files: Mapping[str, str | Path] | None = None,
) -> Path:
    """Gather every process's ``relevance.h5`` (and ``directions.h5``, where given) into
    ``summary.h5`` (schema: docs/outputs.md)."""
    from symvae.directions.steps import summary_attrs

    names = list(relevance_files)
    threshold = None
    seeds: np.ndarray | None = None
    with atomic_h5(out) as s:
        for name in names:
            path = relevance_files[name]
            with open_h5(path) as f:
                try:
                    g = s.create_group(name)
                    for key in (
                        "relevance",
                        "posterior_width",
                        "kl",
                        "n_relevant",
                        "local_dof",
                        "local_dof_twonn",
                    ):
                        g[key] = f[key][()]
                    g["seeds"] = f.attrs["seeds"]
                    g["threshold_scan/thresholds"] = f["threshold_scan/thresholds"][()]
                    g["threshold_scan/n_relevant"] = f["threshold_scan/n_relevant"][()]
                    n_rel = [int(v) for v in f["n_relevant"][()]]
                    local = [int(v) for v in f["local_dof"][()]]
                    g.attrs.update(
                        {
                            "dof_expected": int(f.attrs["dof_expected"]),
                            "dof_measured": int(statistics.median_low(local)),
                            "n_relevant": int(statistics.median_low(n_rel)),
                            "n_relevant_min": min(n_rel),
                            "n_relevant_max": max(n_rel),
                            "local_dof_twonn_median": float(np.median(f["local_dof_twonn"][()])),
                            "threshold": float(f.attrs["threshold"]),
                            "generator": str(f.attrs["generator"]),
                            "description": str(f.attrs.get("description", "")),
                            "count_note": str(f.attrs.get("count_note", "")),
                            "kind": str(f.attrs.get("kind", "toy")),
                            "exact": bool(f.attrs.get("exact", True)),
                            "compare_to": str(f.attrs.get("compare_to", "")),
                        }
                    )
                    write_str_list_attr(
                        g, "constraints", [str(c) for c in f.attrs.get("constraints", [])]
                    )
                    if "theory" in f:
                        rel = f["relevance"][()]
                        theory = np.broadcast_to(f["theory/relevance"][()], rel.shape)
                        g["relevance_theory"] = theory
                        g["eigenvalues"] = f["theory/eigenvalues"][()]
                        g["principal_angles_deg"] = f["theory/principal_angles_deg"][()]
                        g["max_abs_deviation"] = np.abs(rel - theory).max(axis=1)
                        ratio = np.zeros(rel.shape[1])
                        r = f["theory/heldout_variance_ratio"][()]
                        ratio[: min(len(r), len(ratio))] = r[: len(ratio)]
                        corrected = theory * ratio
                        g["relevance_theory_heldout"] = corrected
                        g["max_abs_deviation_heldout"] = np.abs(rel - corrected).max(axis=1)
                        g.attrs["n_relevant_theory"] = int(f["theory"].attrs["n_relevant"])
                    if directions_files and name in directions_files:
                        g.attrs.update(summary_attrs(directions_files[name]))
                    threshold = float(f.attrs["threshold"])
                    seeds = f.attrs["seeds"]
                except KeyError as err:
                    raise DataError(
                        f"{path}: not a symvae relevance file (missing {err})"
                    ) from None
        write_str_list_attr(s, "processes", names)
        s.attrs["threshold"] = threshold if threshold is not None else np.nan
        s.attrs["seeds"] = seeds if seeds is not None else np.zeros(0, dtype=np.int64)
        write_json_attr(s, "config_json", dict(config or {}))
        write_json_attr(s, "provenance_json", provenance())
    return Path(out)
