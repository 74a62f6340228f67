"""``scans/<scan>.h5``: one setting of a process varied over values, every point measured.

Written by :func:`symvae.stages.collect_scan` (rule ``scan_collect``), one per entry of
``scans``. P points, S seeds, L latent dimensions, K the longest local spectrum. Every point
trains and evaluates like a process of its own under ``scans/<scan>/<process>/p<i>/``
(``features.h5`` when the setting changes the data, ``seed<k>/model.pt`` and
``seed<k>/evaluation.h5`` with the layouts of the main run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from symvae.outputs.layout import Layout, attribute, dataset, group, members

__all__ = [
    "BreakingMeasure",
    "DofMeasure",
    "PointStack",
    "Reference",
    "Scan",
    "ScanProcess",
    "SymmetryMeasure",
]


@dataclass(kw_only=True)
class PointStack(Layout):
    """Every model of every point (measures ``dof`` and ``breaking``)."""

    seeds: NDArray[np.int64] = dataset("(S,)", "int64", meaning="training seeds")
    local_spectrum: NDArray[np.float64] = dataset(
        "(P, S, K)", meaning="each model's local spectrum (0-padded to the largest K)"
    )
    n_relevant: NDArray[np.float64] = dataset("(P, S)", meaning="relevant count of each model")
    local_dof: NDArray[np.float64] = dataset("(P, S)", meaning="median local dof of each model")
    relevance: NDArray[np.float64] = dataset(
        "(P, S, L)", meaning="relevance of the latent directions, descending (NaN-padded)"
    )
    n_relevant_median: NDArray[np.float64] = dataset("(P,)", meaning="median over seeds")
    local_dof_median: NDArray[np.float64] = dataset("(P,)", meaning="median over seeds")


@dataclass(kw_only=True)
class DofMeasure(Layout):
    """The plateau: the widest run of values where ``local_dof_median`` equals ``dof``."""

    plateau_lo: float = attribute("float", meaning="first value of the plateau")
    plateau_hi: float = attribute("float", meaning="last value of the plateau")
    plateau_factor: float = attribute("float", meaning="its span hi / lo")
    plateau_points: NDArray[np.int64] = attribute(shape="(n,)", dtype="int64", meaning="point indices")  # fmt: skip
    plateau_ok: bool = attribute("bool", meaning="the span reaches min_plateau")


@dataclass(kw_only=True)
class Reference(Layout):
    """The same figures for the ``reference`` process of the main run (e.g. ISR on)."""

    reference_relevance: NDArray[np.float64] = dataset("(S', L')", meaning="its relevances")
    reference_n_relevant: NDArray[np.float64] = dataset("(S',)", meaning="its relevant counts")
    reference_local_variance: NDArray[np.float64] = dataset(
        "(S', K')", meaning="its local spectrum beyond the analytic dof"
    )
    reference: str = attribute("str", meaning="the reference process")


@dataclass(kw_only=True)
class BreakingMeasure(Layout):
    """What a broken constraint frees, against the exact first point."""

    exact_count: int = attribute("int", meaning="c: median relevant count at the first point")
    freed_relevance: NDArray[np.float64] = dataset(
        "(P, S, L − c)", meaning="relevances beyond c: the directions the constraint removed"
    )
    freed_local_variance: NDArray[np.float64] = dataset(
        "(P, S, K − dof)", meaning="local spectrum beyond the analytic dof"
    )
    reference: Reference | None = group(Reference, optional=True, flat=True)


@dataclass(kw_only=True)
class SymmetryMeasure(Layout):
    """Does the generator ``symmetry`` preserve each point's distribution?"""

    rank_p_value: NDArray[np.float64] = dataset("(P,)", meaning="Stein rank test p-value")
    mmd_p_value: NDArray[np.float64] = dataset(
        "(P,)", meaning="MMD confirmation p-value (Bonferroni over three flow times)"
    )
    n_events: NDArray[np.int64] = dataset("(P,)", "int64", meaning="events tested per point")
    symmetry: str = attribute("str", meaning="the generator tested")


@dataclass(kw_only=True)
class ScanProcess(Layout):
    """One process's group ``/<process>``."""

    dof: int = attribute("int", meaning="analytic number of degrees of freedom")
    description: str = attribute("str", meaning="the process in words")
    points: PointStack | None = group(PointStack, optional=True, flat=True)
    dof_measure: DofMeasure | None = group(DofMeasure, optional=True, flat=True)
    breaking: BreakingMeasure | None = group(BreakingMeasure, optional=True, flat=True)
    symmetry: SymmetryMeasure | None = group(SymmetryMeasure, optional=True, flat=True)


@dataclass(kw_only=True)
class Scan(Layout):
    """The items of ``scans/<scan>.h5``."""

    FILE = "scans/<scan>.h5"

    scan: str = attribute("str", meaning="scan name")
    parameter: str = attribute("str", meaning="the dotted setting varied, e.g. vae.beta")
    measure: str = attribute("str", meaning="dof, breaking or symmetry")
    description: str = attribute("str", meaning="the scan in words")
    min_plateau: float = attribute("float", meaning="span a dof plateau must reach")
    symmetry: str = attribute("str", meaning="generator tested (measure symmetry)")
    reference: str = attribute("str", meaning="reference process (measure breaking)")
    values: NDArray[np.float64] = dataset("(P,)", meaning="the values of the parameter")
    values_parameter: str = attribute("str", name="parameter", on="values", meaning="parameter")
    settings: dict[str, Any] = attribute("json", meaning="the scan's resolved settings")
    provenance: dict[str, Any] = attribute("json", meaning="library versions and platform")
    processes: dict[str, ScanProcess] = members(ScanProcess, flat=True, meaning="one per process")
