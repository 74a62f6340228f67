"""``summary.h5``: every process's relevance (and directions) figures in one file.

Written by :func:`symvae.stages.summarize` (rule ``summarize``). One group per process with
the stacked per-seed results of its ``relevance.h5`` (rows are seeds), the medians the report
quotes, the linear theory where the process has one, and the figures of its
``directions.h5``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from symvae.outputs.directions import Directions, Estimates
from symvae.outputs.evaluation import ThresholdScan
from symvae.outputs.layout import Layout, Provenance, attribute, dataset, group, members
from symvae.outputs.relevance import ProcessInfo, Stack

__all__ = [
    "BaselineEstimates",
    "DirectionsFigures",
    "DofRow",
    "LinearTheory",
    "ProcessSummary",
    "Summary",
    "dof_table",
    "dof_text",
    "dof_verdict",
]


@dataclass(kw_only=True)
class LinearTheory(Layout):
    """The linear-VAE prediction against the measurement (``linear_gaussian`` processes)."""

    relevance_theory: NDArray[np.float64] = dataset(
        "(S, L)", meaning="predicted relevance (the same on every row)"
    )
    eigenvalues: NDArray[np.float64] = dataset("(d,)", meaning="standardized input spectrum λ_i")
    principal_angles_deg: NDArray[np.float64] = dataset(
        "(S, k)", unit="deg", meaning="decoder's relevant directions vs the generating rotation"
    )
    max_abs_deviation: NDArray[np.float64] = dataset(
        "(S,)", meaning="max_i |relevance − relevance_theory|"
    )
    relevance_theory_heldout: NDArray[np.float64] = dataset(
        "(S, L)", meaning="relevance_theory × heldout_variance_ratio: the prediction for the test sample"
    )  # fmt: skip
    max_abs_deviation_heldout: NDArray[np.float64] = dataset(
        "(S,)", meaning="max_i |relevance − relevance_theory_heldout|"
    )
    n_relevant_theory: int = attribute("int", meaning="number of λ_i > βs²")


@dataclass(kw_only=True)
class BaselineEstimates(Estimates):
    """The baselines of ``directions.h5`` under ``baseline_<name>``."""

    PREFIX = "baseline_"


@dataclass(kw_only=True)
class DirectionsFigures(Layout):
    """The figures of a process's ``directions.h5`` that the summary carries."""

    tangent_angle_median_deg: float = attribute(
        "float", unit="deg", meaning="median learned-vs-true tangent angle (nan: truth unknown)"
    )
    tangent_angle_p90_deg: float = attribute("float", unit="deg", meaning="its 90th percentile")
    constraints_found: int = attribute("int", meaning="discovered constraints")
    constraints_expected: int = attribute("int", meaning="analytic constraints (−1: none listed)")
    constraint_distance: float = attribute(
        "float", unit="rad", meaning="Grassmann distance discovered vs analytic span"
    )
    baselines: BaselineEstimates = group(BaselineEstimates, flat=True)
    generators_found: int = attribute(
        "int", meaning="generators preserving the distribution (−1: no search)"
    )
    generator_distance: float = attribute(
        "float", unit="rad", meaning="distance to the expected symmetries"
    )
    algebra_dim: int = attribute(
        "int", meaning="dimension of the constraints' invariance algebra (−1: no search)"
    )
    algebra_distance: float = attribute(
        "float", unit="rad", meaning="distance to the expected algebra"
    )
    generators_expected: int | None = attribute("int", optional=True, meaning="expected symmetries")
    algebra_expected: int | None = attribute("int", optional=True, meaning="expected algebra dimension")  # fmt: skip

    @classmethod
    def of(cls, d: Directions) -> DirectionsFigures:
        """The figures of one process's ``directions.h5``."""
        analytic = d.constraints.analytic
        b, g = d.baselines, d.generators
        figures = cls(
            tangent_angle_median_deg=float(d.tangents.median_deg),
            tangent_angle_p90_deg=float(d.tangents.p90_deg),
            constraints_found=int(d.constraints.n_found),
            constraints_expected=-1 if analytic is None else int(analytic.n_expected),
            constraint_distance=np.nan if analytic is None else analytic.grassmann_distance,
            baselines=BaselineEstimates(**dataclasses.asdict(b.estimates)),
            generators_found=-1 if g is None else int(g.distribution.n_generators),
            generator_distance=np.nan,
            algebra_dim=-1 if g is None else int(g.algebra.dim),
            algebra_distance=np.nan,
        )  # fmt: skip
        if g is not None and g.expected_symmetries is not None:
            figures.generator_distance = float(g.expected_symmetries.grassmann_distance)
            figures.generators_expected = int(g.expected_symmetries.n_expected)
        if g is not None and g.expected_algebra is not None:
            figures.algebra_distance = float(g.expected_algebra.grassmann_distance)
            figures.algebra_expected = int(g.expected_algebra.n_expected)
        return figures


@dataclass(kw_only=True)
class ProcessSummary(Stack):
    """One process's group ``/<process>``."""

    seeds: NDArray[np.int64] = dataset("(S,)", "int64", meaning="training seeds")
    threshold_scan: ThresholdScan = group(ThresholdScan)
    info: ProcessInfo = group(ProcessInfo, flat=True)
    dof_measured: int = attribute("int", meaning="median (low) over seeds of local_dof")
    n_relevant_median: int = attribute(
        "int", name="n_relevant", meaning="median (low) over seeds of n_relevant"
    )
    n_relevant_min: int = attribute("int", meaning="smallest relevant count over seeds")
    n_relevant_max: int = attribute("int", meaning="largest relevant count over seeds")
    local_dof_twonn_median: float = attribute("float", meaning="median TwoNN estimate")
    theory: LinearTheory | None = group(LinearTheory, optional=True, flat=True)
    directions: DirectionsFigures | None = group(DirectionsFigures, optional=True, flat=True)


@dataclass(kw_only=True)
class Summary(Layout):
    """The items of ``summary.h5``."""

    FILE = "summary.h5"

    process_groups: dict[str, ProcessSummary] = members(
        ProcessSummary, flat=True, meaning="one group per process"
    )
    processes: list[str] = attribute("str_list", meaning="process names, in config order")
    threshold: float = attribute(
        "float", meaning="the relevance threshold shared by every process (nan if they differ)"
    )
    seeds: NDArray[np.int64] = attribute(shape="(S,)", dtype="int64", meaning="training seeds")
    provenance: Provenance = group(Provenance, flat=True)


@dataclass(frozen=True)
class DofRow:
    """One process's degrees-of-freedom figures, as the report's summary table gives them."""

    process: str
    dof_expected: int
    n_relevant: int
    """Median (low) over seeds of the relevant count."""
    n_relevant_min: int
    n_relevant_max: int
    dof_measured: int
    """Median (low) over seeds of the local dof."""
    local_dof_twonn: float
    """Median TwoNN estimate."""
    pca: float | None
    """PCA baseline of the directions step (``None`` without it)."""
    threshold: float
    exact: bool
    seeds: int

    @property
    def verdict(self) -> str:
        """:func:`dof_verdict` of this row."""
        return dof_verdict(self.dof_measured, self.dof_expected, self.exact)


def dof_text(dof_expected: int) -> str:
    """The analytic dof as tables show it: ``–`` where none is known (``dof_expected < 0``)."""
    return "–" if dof_expected < 0 else str(int(dof_expected))


def dof_verdict(dof_measured: int, dof_expected: int, exact: bool) -> str:
    """``match`` when the measured dof is the analytic one, ``approx`` when it differs on a
    process that breaks a constraint on purpose (``exact: false``: its expected dof is only
    that of its exact limit), ``unknown`` without an analytic count (``dof_expected < 0``),
    else ``differs``."""
    if dof_expected < 0:
        return "unknown"
    if dof_measured == dof_expected:
        return "match"
    return "differs" if exact else "approx"


def dof_table(summary: Summary) -> list[DofRow]:
    """The degrees-of-freedom table of a ``summary.h5``, one row per process in config order."""
    rows = []
    for name in summary.processes:
        g = summary.process_groups[name]
        pca = g.directions.baselines.pca if g.directions is not None else None
        rows.append(
            DofRow(
                process=name,
                dof_expected=int(g.info.dof_expected),
                n_relevant=int(g.n_relevant_median),
                n_relevant_min=int(g.n_relevant_min),
                n_relevant_max=int(g.n_relevant_max),
                dof_measured=int(g.dof_measured),
                local_dof_twonn=float(g.local_dof_twonn_median),
                pca=None if pca is None else float(pca),
                threshold=float(g.info.threshold),
                exact=bool(g.info.exact),
                seeds=len(g.seeds),
            )
        )
    return rows
