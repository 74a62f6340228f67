"""``relevance.h5``: every seed's evaluation of one process side by side, with its truth.

Written by :func:`symvae.stages.collect` (rule ``collect``), one per process. Rows of the
stacked datasets are seeds in the order of the ``seeds`` attribute (S seeds, L latent
dimensions, T thresholds); each row is sorted by descending relevance. The evaluations
themselves are kept whole in the groups ``seed<k>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from symvae.outputs.evaluation import Evaluation, Theory, ThresholdScan
from symvae.outputs.layout import Layout, Provenance, attribute, dataset, group, members

__all__ = ["ProcessInfo", "Relevance", "Stack"]

#: the value of the ``measure`` attribute: what "relevance" of a latent direction is
MEASURE = "activity Var_x[mu_i(x)] of the posterior mean over test events"


@dataclass(kw_only=True)
class Stack(Layout):
    """Per-seed results stacked by seed (shared by ``relevance.h5`` and ``summary.h5``)."""

    relevance: NDArray[np.float64] = dataset(
        "(S, L)", meaning="activity Var_x[μ_i(x)], each row sorted in descending order"
    )
    posterior_width: NDArray[np.float64] = dataset("(S, L)", meaning="1 − ⟨σ_i²⟩, same order")
    kl: NDArray[np.float64] = dataset("(S, L)", unit="nat", meaning="⟨KL_i⟩, same order")
    n_relevant: NDArray[np.int64] = dataset("(S,)", "int64", meaning="relevant count per seed")
    local_dof: NDArray[np.int64] = dataset(
        "(S,)", "int64", meaning="local dimension of the relevant latent means (local PCA)"
    )
    local_dof_twonn: NDArray[np.float64] = dataset("(S,)", meaning="TwoNN estimate, same cloud")


@dataclass(kw_only=True)
class ProcessInfo(Layout):
    """What a process is (shared by ``relevance.h5`` and the groups of ``summary.h5``)."""

    dof_expected: int = attribute(
        "int", meaning="analytic number of degrees of freedom (-1: none known)"
    )
    threshold: float = attribute("float", meaning="relevance threshold of this process")
    generator: str = attribute("str", meaning="toy generator, or the event source")
    description: str = attribute("str", meaning="the process in words")
    count_note: str = attribute("str", meaning="why the relevant count may exceed the dof, or ''")
    kind: str = attribute("str", meaning="toy, generated or file")
    exact: bool = attribute("bool", meaning="every constraint exact")
    compare_to: str = attribute("str", meaning="the exact process whose constraint this breaks")
    constraints: list[str] = attribute("str_list", meaning="constraints the data obey")


@dataclass(kw_only=True)
class Relevance(Stack):
    """The items of ``relevance.h5``."""

    FILE = "relevance.h5"

    threshold_scan: ThresholdScan = group(ThresholdScan)
    theory: Theory | None = group(Theory, optional=True)
    evaluations: dict[int, Evaluation] = members(
        Evaluation, pattern="seed{}", flat=True, meaning="each seed's evaluation.h5, whole"
    )
    process: str = attribute("str", meaning="process name")
    info: ProcessInfo = group(ProcessInfo, flat=True)
    measure: str = attribute("str", meaning="what the relevance of a direction is", default=MEASURE)
    latent_dim: int = attribute("int", meaning="latent dimension L")
    seeds: NDArray[np.int64] = attribute(shape="(S,)", dtype="int64", meaning="training seeds")
    feature_names: list[str] = attribute("str_list", shape="(d,)", meaning="feature names")
    feature_units: list[str] = attribute("str_list", shape="(d,)", meaning="feature units")
    truth_names: list[str] = attribute("str_list", meaning="generating variables")
    provenance: Provenance = group(Provenance, flat=True)
