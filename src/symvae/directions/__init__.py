"""Symmetry directions: tangent spaces, constraints, generators and baselines.

Counting relevant latent directions says *how many* degrees of freedom a dataset has; this
package says *which*: the learned tangent space of the data manifold, the polynomial relations
the features obey, the linear transformations that preserve those relations and the data
distribution, and intrinsic-dimension baselines, each scored against analytic truth.

One concept per module, the shared representation first:

=====================  ========================================================================
module                 holds
=====================  ========================================================================
:mod:`.polynomials`    polynomial sets on a monomial table; evaluation, gradients, residuals
:mod:`.subspaces`      orthonormal bases, null spaces, principal angles, Grassmann distance
:mod:`.equations`      equations in feature names ↔ polynomials (parsing and printing)
:mod:`.echelon`        residual spectrum, row-echelon form and polishing of library null spaces
:mod:`.constraints`    discovery of the polynomial constraints a dataset obeys
:mod:`.families`       families of linear maps with named bases (``gl(d)``, four-vectors)
:mod:`.algebra`        the Lie algebra of generators that preserve the constraints
:mod:`.samples`        validation and robust standardization of event samples
:mod:`.statistics`     rank tests, MMD two-sample tests and flow confirmation
:mod:`.generators`     the generators that preserve the distribution
:mod:`.scoring`        discovered constraints and generators against analytic truth
:mod:`.tangents`       learned tangent spaces against the true ones
:mod:`.baselines`      intrinsic-dimension baselines (PCA, TwoNN, MLE, local PCA)
=====================  ========================================================================

The workflow stage that runs them on one process is :mod:`symvae.stages.directions`. The
package re-exports the shared representation (polynomial sets and subspace comparisons);
everything else is imported from its module.
"""

from __future__ import annotations

from symvae.directions.polynomials import (
    PolynomialSet,
    monomial_exponents,
    monomial_library,
    relative_residual,
)
from symvae.directions.subspaces import (
    grassmann_distance,
    null_space,
    orthonormal_basis,
    principal_angles,
    subspace_dimension_mismatch,
)

__all__ = [
    "PolynomialSet",
    "grassmann_distance",
    "monomial_exponents",
    "monomial_library",
    "null_space",
    "orthonormal_basis",
    "principal_angles",
    "relative_residual",
    "subspace_dimension_mismatch",
]
