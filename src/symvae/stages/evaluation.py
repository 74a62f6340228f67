"""Evaluation: the relevance measures of one trained model on the test split (rule ``evaluate``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from symvae.config import ProcessSpec
from symvae.outputs.evaluation import (
    Evaluation,
    Latent,
    Theory,
    ThresholdScan,
    Traversal,
)
from symvae.outputs.features import TEST, TRAIN, FeatureFile, read_features

if TYPE_CHECKING:
    from symvae.vae import TrainedVAE


__all__ = ["evaluate"]


#: latent values of a traversal, in units of the prior's standard deviation
TRAVERSAL = np.linspace(-2.5, 2.5, 41)


def evaluate(spec: ProcessSpec, features: str | Path, model: str | Path, out: str | Path) -> Path:
    """Measure relevance, local dof, latent means, traversals (and the linear theory check)
    of one trained model on the test split, and write ``evaluation.h5``."""
    from symvae.dof import local_pca_dimension, local_spectrum, twonn_dimension
    from symvae.outputs.model import load_model
    from symvae.relevance import latent_relevance, threshold_scan

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

    decoded = np.empty((len(relevant_idx), len(TRAVERSAL), ff.dataset.n_features))
    for r, i in enumerate(relevant_idx):
        z = np.zeros((len(TRAVERSAL), spec.vae.latent_dim))
        z[:, i] = TRAVERSAL
        decoded[r] = trained.decode(z)
    record = Evaluation(
        seed=trained.seed,
        n_relevant=len(relevant_idx),
        local_dof=local_dof,
        local_dof_twonn=twonn,
        best_epoch=trained.best_epoch,
        epochs_run=len(trained.history.get("epoch", [])),
        threshold=threshold,
        relevance=rel.activity,
        posterior_width=rel.posterior_width,
        kl=rel.kl,
        order=order,
        local_spectrum=spectrum,
        relevant=rel.relevant(threshold),
        threshold_scan=ThresholdScan(
            thresholds=np.asarray(spec.relevance.scan),
            n_relevant=threshold_scan(rel.activity, spec.relevance.scan),
        ),
        latent=Latent(mu=mu[:m], truth={k: v[:m] for k, v in ff.truth_part(TEST).items()}),
        traversal=Traversal(z=TRAVERSAL, decoded=decoded, directions=relevant_idx.astype(np.int64)),
        history={key: np.asarray(values) for key, values in trained.history.items()},
        theory=(
            _theory_check(spec, ff, trained, mu, relevant_idx)
            if spec.generator == "linear_gaussian"
            else None
        ),
    )
    return record.save(out)


def _dof_kwargs(spec: ProcessSpec) -> dict[str, Any]:
    c = spec.local_dof
    return {
        "n_neighbors": c.n_neighbors,
        "variance_fraction": c.variance_fraction,
        "max_points": c.max_points,
    }


def _theory_check(
    spec: ProcessSpec,
    ff: FeatureFile,
    trained: TrainedVAE,
    mu: np.ndarray,
    relevant_idx: np.ndarray,
) -> Theory:
    """Linear-VAE prediction from the spectrum of the standardized training inputs, and the
    principal angles between the decoder's relevant directions and the generating rotation."""
    import torch

    from symvae.theory import covariance_spectrum, linear_vae_relevance, principal_angles_deg
    from symvae.vae.jacobian import row_jacobian

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
    jac = row_jacobian(model.decode, z)  # (n, d, L) standardized units
    jac_mean = jac.mean(dim=0).detach().double().numpy() * trained.scaler.scale[:, None]
    directions = jac_mean[:, relevant_idx]
    angles = principal_angles_deg(directions, top) if len(relevant_idx) and k else np.zeros(0)
    return Theory(
        eigenvalues=eigenvalues,
        relevance=theory,
        principal_angles_deg=angles,
        heldout_variance_ratio=ratio,
        beta=cfg.beta,
        sigma2=cfg.sigma2,
        n_relevant=k,
    )
