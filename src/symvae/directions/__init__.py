"""Symmetry directions: tangent spaces, constraints, generators and baselines.

Counting relevant latent directions says *how many* degrees of freedom a dataset has; this
package says *which*: the learned tangent space of the data manifold, the polynomial relations
the features obey, the linear transformations that preserve those relations and the data
distribution, and intrinsic-dimension baselines, each scored against analytic truth.
"""

from __future__ import annotations

from symvae.directions.subspaces import (
    grassmann_distance,
    null_space,
    orthonormal_basis,
    principal_angles,
    subspace_dimension_mismatch,
)

__all__ = [
    "grassmann_distance",
    "null_space",
    "orthonormal_basis",
    "principal_angles",
    "subspace_dimension_mismatch",
]
