"""``<process>/jet_study.h5``: the symmetries of a jet sample's constituents.

Written by :func:`symvae.stages.study_jets` (rule ``jet_study``) for a process with a
``jet_study`` entry whose features are the leading jet followed by its constituents
(``E, px, py, pz`` each, GeV). K constituent counts k are studied; for each, the linear
maps searched are one 4 × 4 matrix acting on each of the first k constituents (16
generators). B energy-scale bins of the correlation dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.outputs.layout import Layout, attribute, dataset, group

__all__ = [
    "Correlation",
    "Distribution",
    "FunctionPreserving",
    "JetStudy",
    "Resolution",
    "TaggerSymmetry",
]

_FUNCTION = (
    "linear maps A with grad f(x) . (A x) = 0 on every jet, f the invariant mass squared of "
    "the first k constituents: the singular values of the stacked rows, ascending"
)
_DISTRIBUTION = (
    "distribution-preserving generators (sequential rank test on quadratic test functions, "
    "MMD confirmation) of the first k constituents, in the lab frame and in the jet frame "
    "(each jet rotated so that its axis is +z)"
)


@dataclass(kw_only=True)
class FunctionPreserving(Layout):
    """The maps that leave the jet mass unchanged, per constituent count."""

    singular_values: NDArray[np.float64] = dataset(
        "(K, 16)", meaning="ascending singular values of M / sqrt(n), per k"
    )
    dimension: NDArray[np.int64] = dataset(
        "(K,)", "int64", meaning="singular values at most rtol: the algebra's dimension"
    )
    distance_so13: NDArray[np.float64] = dataset(
        "(K,)", unit="rad", meaning="Grassmann distance of the 6 best-preserved maps to so(1,3)"
    )
    distance_so13_dilation: NDArray[np.float64] = dataset(
        "(K,)", unit="rad", meaning="of the 7 best-preserved maps to so(1,3) plus the dilation"
    )
    rtol: float = attribute("float", meaning="tolerance on the singular values")
    description: str = attribute("str", meaning="what is solved", default=_FUNCTION)


@dataclass(kw_only=True)
class Distribution(Layout):
    """The distribution-preserving generators kept, per constituent count and frame."""

    kept_lab: NDArray[np.int64] = dataset("(K,)", "int64", meaning="generators kept, lab frame")
    kept_jet: NDArray[np.int64] = dataset("(K,)", "int64", meaning="generators kept, jet frame")
    distance_jz_lab: NDArray[np.float64] = dataset(
        "(K,)", unit="rad", meaning="Grassmann distance of the kept span to J_z (NaN: none kept)"
    )
    distance_jz_jet: NDArray[np.float64] = dataset(
        "(K,)", unit="rad", meaning="the same in the jet frame (J_z: rotation about the axis)"
    )
    labels_lab: list[str] = dataset("(K,)", "str", meaning="readable kept generators, '; '-joined")
    labels_jet: list[str] = dataset("(K,)", "str", meaning="the same in the jet frame")
    n_test_functions: NDArray[np.int64] = dataset("(K,)", "int64", meaning="test functions")
    n_discovery: int = attribute("int", meaning="events of the discovery half")
    description: str = attribute("str", meaning="how they are found", default=_DISTRIBUTION)


@dataclass(kw_only=True)
class Correlation(Layout):
    """Correlation dimension of the jets against the energy scale Q (energy mover's distance)."""

    q: NDArray[np.float64] = dataset("(B,)", unit="GeV", meaning="bin midpoints (geometric)")
    dimension: NDArray[np.float64] = dataset(
        "(B,)", meaning="d ln N(EMD < Q) / d ln Q (NaN: no pair in the bin)"
    )
    n_jets: int = attribute("int", meaning="jets in the pairwise distances")
    n_constituents: int = attribute("int", meaning="constituents of each jet used")
    radius: float = attribute("float", meaning="jet radius R of the EMD")
    median_emd: float = attribute("float", unit="GeV", meaning="median pairwise EMD")


_TAGGER = (
    "maps that leave a trained tagger's logit unchanged: an MLP on the raw four-vectors of the "
    "leading jet's N constituents, this process (signal) against the background process, a "
    "quarter held out; the same linear problem as for the jet mass, on both samples"
)


@dataclass(kw_only=True)
class TaggerSymmetry(Layout):
    """The maps that leave a trained top-versus-background tagger unchanged."""

    singular_values: NDArray[np.float64] = dataset(
        "(16,)", meaning="ascending singular values of M / sqrt(n)"
    )
    gap_dimension: int = attribute("int", meaning="dimension at the widest spectral gap")
    distance_so13: float = attribute(
        "float", unit="rad", meaning="Grassmann distance of the 6 best-preserved maps to so(1,3)"
    )
    distance_so13_dilation: float = attribute(
        "float", unit="rad", meaning="of the 7 best-preserved maps to so(1,3) plus the dilation"
    )
    accuracy: float = attribute("float", meaning="held-out accuracy")
    auc: float = attribute("float", meaning="held-out area under the ROC curve")
    background: str = attribute("str", meaning="the background process")
    n_constituents: int = attribute("int", meaning="constituents N the tagger reads")
    n_signal: int = attribute("int", meaning="signal jets")
    n_background: int = attribute("int", meaning="background jets")
    epochs: int = attribute("int", meaning="training epochs")
    description: str = attribute("str", meaning="what is solved", default=_TAGGER)


_RESOLUTION = (
    "each seed's VAE resolution on the EMD scale: the median energy mover's distance between "
    "a held-out jet and its reconstruction (decoder mean at the posterior mean; reconstructed "
    "constituents with E > 0 kept, E raised to |p| where below), beside its relevant count and "
    "the correlation dimension of the jets at that scale"
)


@dataclass(kw_only=True)
class Resolution(Layout):
    """The VAE's relevant count against the correlation dimension at its own resolution."""

    seeds: NDArray[np.int64] = dataset("(S,)", "int64", meaning="training seeds")
    n_relevant: NDArray[np.int64] = dataset("(S,)", "int64", meaning="relevant latent directions")
    local_dof: NDArray[np.int64] = dataset("(S,)", "int64", meaning="local dimension (local PCA)")
    reconstruction_emd: NDArray[np.float64] = dataset(
        "(S,)", unit="GeV", meaning="median EMD between held-out jets and their reconstructions"
    )
    dimension_at_resolution: NDArray[np.float64] = dataset(
        "(S,)", meaning="dim(Q) at Q = reconstruction_emd (log-interpolated; NaN outside the bins)"
    )
    n_jets: int = attribute("int", meaning="held-out jets reconstructed")
    description: str = attribute("str", meaning="what is measured", default=_RESOLUTION)


@dataclass(kw_only=True)
class JetStudy(Layout):
    """The items of ``jet_study.h5``."""

    FILE = "jet_study.h5"

    process: str = attribute("str", meaning="process name")
    n_jets: int = attribute("int", meaning="jets of the sample")
    constituents: NDArray[np.int64] = dataset("(K,)", "int64", meaning="constituent counts k")
    function: FunctionPreserving = group(FunctionPreserving)
    distribution: Distribution = group(Distribution)
    correlation: Correlation = group(Correlation)
    resolution: Resolution | None = group(Resolution, optional=True)
    tagger: TaggerSymmetry | None = group(TaggerSymmetry, optional=True)
    settings_json: dict[str, Any] = attribute("json", meaning="the process's jet_study entry")
    provenance_json: dict[str, Any] = attribute("json", meaning="library versions and platform")
