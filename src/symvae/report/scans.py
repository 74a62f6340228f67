"""Report pages of the scans: plateaus in β and latent dimension, and dose–response curves.

Used by :func:`symvae.report.build_report` when it is given ``scans/<scan>.h5`` files. Every
file is read (and checked) before any page is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from symvae.errors import DataError
from symvae.outputs.scans import Scan, ScanProcess, SymmetryMeasure
from symvae.report.pages import _header, _new_page

__all__ = ["scan_pages"]

_LABELS = {
    "vae.beta": "KL weight β",
    "vae.latent_dim": "latent dimension",
    "params.width": "relative radial width",
    "params.modulation": "ε in p(θ) ∝ 1 + ε cos 2θ",
    "features.smearing": "relative momentum resolution σ(p)/p",
}


def _intro(scan: Scan) -> str:
    """The scan's own description, as the start of a page's text."""
    return scan.description + " " if scan.description else ""


def _xscale(ax: Axes, values: np.ndarray, parameter: str) -> None:
    if parameter == "vae.latent_dim":
        ax.set_xticks(values)
    elif np.all(values > 0) and values.max() / values.min() > 8:
        ax.set_xscale("log", base=2 if parameter == "vae.beta" else 10)
    elif np.any(values == 0) and np.sum(values > 0) >= 2:
        positive = values[values > 0]
        ax.set_xscale("symlog", linthresh=float(positive.min()))
        ax.set_xlim(left=-0.3 * float(positive.min()))
    ax.set_xlabel(_LABELS.get(parameter, parameter), fontsize=8)


def _dof_panel(ax: Axes, name: str, values: np.ndarray, d: ScanProcess, scan: Scan) -> bool:
    assert d.points is not None and d.dof_measure is not None
    dof = int(d.dof)
    n_rel = np.asarray(d.points.n_relevant, dtype=np.float64)
    local = np.asarray(d.points.local_dof, dtype=np.float64)
    pl = d.dof_measure
    ok, factor = bool(pl.plateau_ok), float(pl.plateau_factor)
    if ok or factor > 1:
        ax.axvspan(float(pl.plateau_lo), float(pl.plateau_hi), color="C2", alpha=0.15, lw=0)
    ax.axhline(dof, color="0.3", ls="--", lw=1, label="analytic dof")
    ax.plot(values, np.median(n_rel, axis=1), "o-", color="C0", ms=3, label="relevant count")
    ax.fill_between(values, n_rel.min(axis=1), n_rel.max(axis=1), color="C0", alpha=0.2, lw=0)
    ax.plot(values, np.median(local, axis=1), "s-", color="C1", ms=3, label="median local dof")
    ax.fill_between(values, local.min(axis=1), local.max(axis=1), color="C1", alpha=0.2, lw=0)
    _xscale(ax, values, scan.parameter)
    ax.tick_params(labelsize=7)
    ax.set_ylim(bottom=0)
    verdict = f"plateau ×{factor:g}" if factor else "no plateau"
    ax.set_title(f"{name}: {verdict}", fontsize=8, color="black" if ok else "C3")
    return ok


def _dof_page(name: str, scan: Scan) -> Figure:
    fig = _new_page()
    procs = scan.processes
    values = scan.values
    groups = list(procs.values())
    n_seeds = groups[0].points.seeds.shape[0] if groups and groups[0].points else 0
    label = _LABELS.get(scan.parameter, scan.parameter)
    lines = [
        _intro(scan) + f"Relevant count (blue) and median local dof (orange) against the {label}, "
        f"{n_seeds} seed(s) per point (bands: min–max over seeds). Shaded: the plateau, the "
        f"widest run of values where the median local dof equals the analytic dof (dashed); "
        f"required span ×{scan.min_plateau:g}."
    ]
    y0 = _header(fig, f"Scan: {name}", lines)
    n = len(procs)
    cols = 4 if n > 6 else max(1, min(3, n))
    rows = max(1, math.ceil(n / cols))
    top, bottom, left, right = y0 - 0.05, 0.07, 0.05, 0.98
    w = (right - left) / cols
    h = (top - bottom) / rows
    n_ok = 0
    for i, (process, d) in enumerate(procs.items()):
        r, c = divmod(i, cols)
        ax = fig.add_axes((left + c * w + 0.03, top - (r + 1) * h + 0.05, w - 0.045, h - 0.08))
        n_ok += _dof_panel(ax, process, values, d, scan)
        if i == 0:
            ax.legend(fontsize=6, loc="lower left")
    fig.text(
        0.04,
        0.02,
        f"{n_ok} of {n} processes have a plateau spanning at least ×{scan.min_plateau:g}.",
        fontsize=9,
    )
    return fig


def _median_band(ax: Axes, x: np.ndarray, y: np.ndarray, label: str, **kw: Any) -> None:
    """Median over seeds (axis 1) with min–max error bars."""
    med = np.median(y, axis=1)
    err = [med - y.min(axis=1), y.max(axis=1) - med]
    ax.errorbar(x, med, yerr=err, marker="o", ms=3, capsize=2, label=label, **kw)


def _breaking_page(name: str, scan: Scan) -> Figure:
    fig = _new_page()
    values = scan.values
    label = _LABELS.get(scan.parameter, scan.parameter)
    procs = scan.processes
    lines = [
        _intro(scan) + f"Left: relevance of the latent directions beyond the count at "
        f"{label} = {values[0]:g} (new directions the broken constraint needs). Middle: the "
        "local variance of the latent means beyond the analytic dof (a broken constraint that "
        "the directions already in use can hold, as the ring's width in the plane of its two "
        "directions, shows here). Right: relevant count and median local dof. Medians over "
        "seeds with min–max bars; stars: the reference sample."
    ]
    y0 = _header(fig, f"Constraint breaking: {name}", lines)
    h = y0 - 0.18
    ax1 = fig.add_axes((0.06, 0.10, 0.26, h))
    ax2 = fig.add_axes((0.39, 0.10, 0.26, h))
    ax3 = fig.add_axes((0.72, 0.10, 0.25, h))
    for d in procs.values():
        b, points = d.breaking, d.points
        assert b is not None and points is not None
        freed = np.asarray(b.freed_relevance, dtype=np.float64)  # (points, seeds, k)
        local = np.asarray(b.freed_local_variance)
        base, dof = int(b.exact_count), int(d.dof)
        for k in range(min(4, freed.shape[2])):
            if np.nanmax(freed[:, :, k]) < 0.01:
                continue
            _median_band(ax1, values, freed[:, :, k], f"direction {base + k + 1}", color=f"C{k}")
        for k in range(min(3, local.shape[2])):
            if np.max(local[:, :, k]) <= 0:
                continue
            _median_band(ax2, values, np.maximum(local[:, :, k], 1e-8), f"local direction "
                         f"{dof + k + 1}", color=f"C{k}")  # fmt: skip
        _median_band(
            ax3, values, np.asarray(points.n_relevant, float), "relevant count", color="C0"
        )
        _median_band(ax3, values, np.asarray(points.local_dof, float), "local dof", color="C1")
        ax3.axhline(dof, color="0.4", ls="--", lw=1)
        if b.reference is not None:
            x_ref = values.max() * 2.0 if values.max() > 0 else 1.0
            ref = np.asarray(b.reference.reference_relevance, dtype=np.float64)[:, base : base + 4]
            for k in range(ref.shape[1]):
                if np.max(ref[:, k]) >= 0.01:
                    ax1.plot([x_ref] * len(ref), ref[:, k], "*", ms=8, color=f"C{k}")
            ref_local = np.asarray(b.reference.reference_local_variance)
            for k in range(min(3, ref_local.shape[1])):
                if np.max(ref_local[:, k]) > 0:
                    ax2.plot([x_ref] * len(ref_local), ref_local[:, k], "*", ms=8, color=f"C{k}")
            ref_n = np.asarray(b.reference.reference_n_relevant, dtype=np.float64)
            ax3.plot([x_ref] * len(ref_n), ref_n, "*", ms=9, color="C0")
            for ax in (ax1, ax3):
                ax.annotate(b.reference.reference, (x_ref, 0.05), fontsize=6, ha="center",
                            xycoords=("data", "axes fraction"))  # fmt: skip
    for ax in (ax1, ax2, ax3):
        _xscale(ax, values, scan.parameter)
        ax.tick_params(labelsize=7)
    if not ax1.get_legend_handles_labels()[0]:
        ax1.text(0.05, 0.5, "no new latent direction:\nthe broken constraint stays in\nthe "
                 "directions already in use", transform=ax1.transAxes, fontsize=8)  # fmt: skip
    ax1.axhline(0.1, color="0.5", ls="--", lw=1)
    ax1.set_ylabel("relevance of the freed direction", fontsize=8)
    ax1.set_ylim(-0.02, 1.1)
    ax2.set_yscale("log")
    ax2.set_ylabel("local variance of latent means (prior units)", fontsize=8)
    ax3.set_ylabel("directions", fontsize=8)
    ax3.set_ylim(bottom=0)
    for ax in (ax1, ax2, ax3):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    return fig


def _sym(d: ScanProcess) -> SymmetryMeasure:
    if d.symmetry is None:
        raise DataError("a symmetry scan's process group has no p-values")
    return d.symmetry


def _symmetry_page(name: str, scan: Scan) -> Figure:
    fig = _new_page()
    values = scan.values
    label = _LABELS.get(scan.parameter, scan.parameter)
    procs = scan.processes
    sym = next((d.symmetry.symmetry for d in procs.values() if d.symmetry), "")
    lines = [
        _intro(scan)
        + f"p-value that the generator '{sym}' preserves the distribution, against the {label}: "
        "the Stein rank test (E[∇f·Ax] = 0 for cubic test functions, the powerful one) and "
        "the MMD between the data and the data moved by exp(tA) (Bonferroni over three t). "
        "Dotted: α = 0.01; below it the symmetry is rejected."
    ]
    y0 = _header(fig, f"Symmetry breaking: {name}", lines)
    ax = fig.add_axes((0.08, 0.10, 0.55, y0 - 0.18))
    for process, d in procs.items():
        floor = 1e-300
        ax.plot(
            values, np.maximum(_sym(d).rank_p_value, floor), "o-", label=f"{process}: rank test"
        )
        ax.plot(values, np.maximum(_sym(d).mmd_p_value, floor), "s--", label=f"{process}: MMD")
    ax.axhline(0.01, color="0.4", ls=":", lw=1)
    ax.set_yscale("log")
    lo = min(float(np.nanmin(np.maximum(_sym(d).rank_p_value, 1e-300))) for d in procs.values())
    ax.set_ylim(min(lo / 10, 1e-3), 2)
    ax.set_ylabel("p-value")
    _xscale(ax, values, scan.parameter)
    ax.legend(fontsize=8)
    return fig


def scan_pages(scans: Mapping[str, Scan]) -> list[Figure]:
    """One page per scan: the plateau panels, or the dose–response curves."""
    pages = []
    for name, scan in scans.items():
        if not scan.processes:
            continue
        measure = scan.measure
        if measure == "dof":
            pages.append(_dof_page(name, scan))
        elif measure == "breaking":
            pages.append(_breaking_page(name, scan))
        else:
            pages.append(_symmetry_page(name, scan))
    return pages
