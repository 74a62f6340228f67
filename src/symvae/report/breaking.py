"""Constraint breaking: an approximate process against the exact one it breaks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from symvae.outputs.summary import dof_text
from symvae.plotting.breaking import freed_directions, plot_breaking_bars
from symvae.report.data import _ProcessSummary
from symvae.report.pages import (
    _GOOD,
    _fmt_float,
    _fmt_rel,
    _header,
    _new_page,
    _panels,
    _plural,
    _table,
    _verdict,
    _wrap,
    _wrap_name,
)


def _breaking_sentence(exact: _ProcessSummary, broken: _ProcessSummary) -> str:
    """The text block of the constraint-breaking page."""
    freed = freed_directions(broken.relevance, exact.n_relevant, broken.threshold)
    k = int(freed.size)
    if k == 0:
        return (
            f"Breaking the constraints of {exact.name} frees no direction: no sorted direction "
            f"beyond the first {exact.n_relevant} (relevant in {exact.name}) has a mean "
            f"relevance above the threshold {broken.threshold:g} in {broken.name}."
        )
    mean_p = np.nanmean(np.atleast_2d(broken.relevance), axis=0)
    mean_e = np.nanmean(np.atleast_2d(exact.relevance), axis=0) if exact.relevance.size else []
    r_p = ", ".join(_fmt_rel(float(mean_p[i])) for i in freed)
    r_e = ", ".join(_fmt_rel(float(mean_e[i])) if i < len(mean_e) else "–" for i in freed)
    dirs = ", ".join(str(int(i) + 1) for i in freed)
    pronoun = "its" if k == 1 else "their"
    return (
        f"Breaking the constraints of {exact.name} frees {_plural(k, 'direction')} "
        f"(sorted direction {dirs}): {pronoun} relevance is {r_p} in {broken.name} "
        f"(≈ 0 in {exact.name}: {r_e})."
    )


def _breaking_page(exact: _ProcessSummary, broken: _ProcessSummary) -> Figure:
    fig = _new_page()
    lines = [_breaking_sentence(exact, broken)]
    lines.append(
        f"Counts: {exact.name} has {_plural(exact.n_relevant, 'relevant direction')} "
        f"[{exact.n_relevant_min}–{exact.n_relevant_max}] and local dof {exact.dof_measured} "
        f"(expected {exact.dof_expected}); {broken.name} has {broken.n_relevant} "
        f"[{broken.n_relevant_min}–{broken.n_relevant_max}] and local dof "
        f"{broken.dof_measured} (exact limit {broken.dof_expected})."
    )
    for p in (exact, broken):
        text = p.description.strip()
        if text and text[-1] not in ".!?":
            text += "."
        if p.constraints:
            text += (" " if text else "") + f"Constraints: {', '.join(p.constraints)}."
        if text:
            lines.append(f"{p.name}: {text}")
    y = _header(fig, f"Constraint breaking: {broken.name} vs {exact.name}", lines)
    gs = _panels(
        fig, y, 1, 2, top=0.78, gap=0.04, bottom=0.09, width_ratios=(1.75, 1.0), wspace=0.12
    )
    ax = fig.add_subplot(gs[0, 0])
    plot_breaking_bars(
        ax,
        exact.relevance,
        broken.relevance,
        exact.n_relevant,
        broken.threshold,
        labels=(f"{exact.name} (exact)", f"{broken.name}"),
    )
    ax.set_title("mean activity per sorted direction (error bars: min–max over seeds)")
    rows = []
    colors = []
    for label, get in (
        ("events", lambda p: p.kind),
        ("generator", lambda p: p.generator or "–"),
        ("exact", lambda p: "yes" if p.exact else "no"),
        ("dof expected", lambda p: dof_text(p.dof_expected)),
        ("relevant count", lambda p: f"{p.n_relevant} [{p.n_relevant_min}–{p.n_relevant_max}]"),
        ("local dof (median)", lambda p: str(p.dof_measured)),
        ("local dof per seed", lambda p: ", ".join(str(int(v)) for v in p.local_dof) or "–"),
        ("TwoNN (median)", lambda p: _fmt_float(p.twonn_median, 2)),
        ("seeds", lambda p: str(p.relevance.shape[0])),
    ):
        rows.append([label, get(exact), get(broken)])
        colors.append([None, None, None])
    symbols = [_verdict(p) for p in (exact, broken)]
    rows.append(["dof match", symbols[0][0], symbols[1][0]])
    colors.append([None, symbols[0][1], symbols[1][1]])
    side = gs[0, 1].subgridspec(2, 1, height_ratios=(1.0, 1.0), hspace=0.12)
    ax_tab = fig.add_subplot(side[0])
    width_in = ax_tab.get_position().width * fig.get_figwidth()
    _table(
        ax_tab,
        [[_wrap(c, 0.34 * width_in - 0.1, 8.5) for c in row] for row in rows],
        (
            "",
            _wrap_name(exact.name, 0.34 * width_in - 0.3, 8.5),
            _wrap_name(broken.name, 0.34 * width_in - 0.3, 8.5),
        ),
        (0.32, 0.34, 0.34),
        fontsize=8.5,
        colors=colors,
        left_cols=(0,),
    )
    _direction_table(fig.add_subplot(side[1]), exact, broken)
    return fig


def _direction_table(ax: Axes, exact: _ProcessSummary, broken: _ProcessSummary) -> None:
    """Mean [min–max] relevance of the leading sorted directions of E and P; freed ones marked."""
    rel_e = np.atleast_2d(np.asarray(exact.relevance, dtype=float))
    rel_p = np.atleast_2d(np.asarray(broken.relevance, dtype=float))
    n = max(rel_e.shape[1] if rel_e.size else 0, rel_p.shape[1] if rel_p.size else 0)
    freed = set(freed_directions(rel_p, exact.n_relevant, broken.threshold).tolist())
    above = [
        i
        for rel, thr in ((rel_e, exact.threshold), (rel_p, broken.threshold))
        if rel.size
        for i in np.flatnonzero(np.nanmean(rel, axis=0) > thr).tolist()
    ]
    n_show = min(n, max([exact.n_relevant, *above], default=-1) + 2, 12)

    def cell(rel: np.ndarray, i: int) -> str:
        if not rel.size or i >= rel.shape[1]:
            return "–"
        col = rel[:, i]
        return (
            f"{_fmt_rel(float(np.nanmean(col)))} "
            f"[{_fmt_rel(float(np.nanmin(col)))}–{_fmt_rel(float(np.nanmax(col)))}]"
        )

    width_in = ax.get_position().width * ax.get_figure().get_figwidth()
    rows, colors = [], []
    for i in range(n_show):
        is_freed = i in freed
        rows.append([str(i + 1), cell(rel_e, i), cell(rel_p, i), "freed" if is_freed else ""])
        colors.append([None, None, None, _GOOD if is_freed else None])
    if not rows:
        ax.set_axis_off()
        return
    _table(
        ax,
        rows,
        (
            "sorted\ndirection",
            f"{_wrap_name(exact.name, 0.33 * width_in - 0.3, 8)}\nmean [min–max]",
            f"{_wrap_name(broken.name, 0.33 * width_in - 0.3, 8)}\nmean [min–max]",
            "",
        ),
        (0.18, 0.33, 0.33, 0.16),
        fontsize=8,
        colors=colors,
    )
