"""What a symmetry is worth: invariances and the sample complexity of kernel ridge regression.

Tahmasebi & Jegelka (NeurIPS 2023, arXiv:2303.14269): with a G-invariant target in ``H^s`` of a
d-dimensional manifold, KRR with the group-averaged kernel reaches excess risk
``≍ (σ² vol(M/G)/n)^(s/(s + d_eff/2))`` with ``d_eff = dim(M/G)``. This subpackage makes the
statement measurable on the torus (and checks the averaged kernel on S²):

- :mod:`~symvae.invariance.torus`: the Sobolev kernel on T^d and its Fourier eigenbasis;
- :mod:`~symvae.invariance.groups`: group actions, invariant eigenbases, averaged kernels;
- :mod:`~symvae.invariance.krr`: KRR by Cholesky and ridge validation;
- :mod:`~symvae.invariance.theory`: the deterministic-equivalent learning curve, exponents and the
  effective-sample multiplier;
- :mod:`~symvae.invariance.curves`: one learner's curve, the plain and invariant curves side by
  side, log–log slopes and the multiplier with bootstrap bands;
- :mod:`~symvae.invariance.designs`: one seed's fits with exact excess risks (torus, sphere);
- :mod:`~symvae.invariance.experiments`: measured learning curves with their predictions;
- :mod:`~symvae.invariance.events`: the same on collision events (rotations about the beam).
"""

from __future__ import annotations

from symvae.invariance.curves import (
    CurvePair,
    LearnerCurve,
    curve_slope,
    loglog_slope,
    median_slope,
)
from symvae.invariance.experiments import (
    LearningCurve,
    hard_target_energies,
    sphere_learning_curve,
    torus_learning_curve,
)
from symvae.invariance.groups import (
    HalfShifts,
    InvariantBasis,
    Permutations,
    SignFlips,
    SphereZonalKernel,
    TorusGroup,
    Translations,
    ZRotations,
    legendre_table,
    make_group,
    uniform_sphere,
)
from symvae.invariance.krr import (
    DEFAULT_LAMBDAS,
    RidgeSelection,
    RidgeSelectionError,
    krr_fit,
    krr_fit_primal,
    psd_clip,
    select_ridge,
)
from symvae.invariance.theory import (
    EigenlearningPrediction,
    asymptotic_exponent,
    compress_spectrum,
    effective_sample_multiplier,
    eigenlearning_risk,
    grid_edge_hit,
    learning_curve_prediction,
    optimal_eigenlearning_risk,
    solve_kappa,
)
from symvae.invariance.torus import (
    DEFAULT_C,
    DEFAULT_T,
    TorusKernel,
    default_k_max,
    frequency_box,
    sobolev_eigenvalues,
    uniform_torus,
)

__all__ = [
    "DEFAULT_C",
    "DEFAULT_LAMBDAS",
    "DEFAULT_T",
    "CurvePair",
    "EigenlearningPrediction",
    "HalfShifts",
    "InvariantBasis",
    "LearnerCurve",
    "LearningCurve",
    "Permutations",
    "RidgeSelection",
    "RidgeSelectionError",
    "SignFlips",
    "SphereZonalKernel",
    "TorusGroup",
    "TorusKernel",
    "Translations",
    "ZRotations",
    "asymptotic_exponent",
    "compress_spectrum",
    "curve_slope",
    "default_k_max",
    "effective_sample_multiplier",
    "eigenlearning_risk",
    "frequency_box",
    "grid_edge_hit",
    "hard_target_energies",
    "krr_fit",
    "krr_fit_primal",
    "learning_curve_prediction",
    "legendre_table",
    "loglog_slope",
    "make_group",
    "median_slope",
    "optimal_eigenlearning_risk",
    "psd_clip",
    "select_ridge",
    "sobolev_eigenvalues",
    "solve_kappa",
    "sphere_learning_curve",
    "torus_learning_curve",
    "uniform_sphere",
    "uniform_torus",
]
