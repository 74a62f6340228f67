"""The title page (how to read the report) and the summary table of every process."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from symvae.outputs.summary import dof_text
from symvae.plotting.style import A4_LANDSCAPE
from symvae.report.data import _Summary
from symvae.report.pages import (
    _APPROX,
    _CHECK,
    _CROSS,
    _fmt_float,
    _header,
    _new_page,
    _plain,
    _table,
    _verdict,
    _wrap,
    _wrap_name,
)

# --------------------------------------------------------------------------- pages


_HOW_TO_READ = (
    "Each process (a data set with a known number of degrees of freedom, dof) is fitted by "
    "one variational autoencoder per seed. A latent direction i is relevant when its "
    "activity Var_x[μᵢ(x)] — how much the posterior mean moves from event to event — "
    "exceeds the threshold; the other directions collapse onto the prior and carry no "
    "information about the input.",
    "The count of relevant directions is the embedding dimension the VAE needs. The local "
    "dof — a local PCA of the latent means in the relevant subspace — is the dimension of "
    "the data manifold itself; TwoNN is an independent estimate of the same quantity. The "
    "measured dof of a process is the median local dof over seeds.",
    "A closed manifold (a circle, a sphere) needs one more latent direction than its "
    "dimension, because a circle cannot be embedded in a line without tearing it. So for the "
    "ring and the oscillators the count is 2 with local dof 1, and for the 3-sphere of the "
    "2-D isotropic oscillator it is 4 with local dof 3.",
    "Approximate processes break a constraint of an exact counterpart (initial-state "
    "radiation, for example, breaks the energy-momentum balance of the final state); every "
    "broken constraint should free one latent direction. Their expected dof is only that of "
    "the exact limit, so a different measured dof is marked ≈ rather than ✗.",
    "Pages: the summary table; theory checks for the exactly solvable linear Gaussian case "
    "(measured activity against 1 − βs²/λ); constraint breaking (relevance of each "
    "approximate process next to that of its exact counterpart); then, per process, an "
    "overview (activity of every direction with its spread over seeds, the threshold scan — "
    "a trustworthy count does not depend on the threshold —, the training history and a "
    "per-seed table), the latent space of the first seed (latent means coloured by a "
    "generating variable, and latent traversals decoded in physical units) and, for event "
    "samples, histograms of the input features. Wall times are in no result file, so that "
    "the same inputs give the same bytes; Snakemake records each job's in "
    "results/benchmarks/<rule>/.",
)


def _title_page(summary: _Summary) -> Figure:
    fig = _new_page()
    fig.text(0.5, 0.90, "symvae report", fontsize=28, weight="bold", ha="center", va="top")
    fig.text(
        0.5,
        0.835,
        "Degrees of freedom of event samples, learned by variational autoencoders",
        fontsize=13,
        ha="center",
        va="top",
        color="#404040",
    )
    width_in = fig.get_figwidth() * 0.84
    seeds = ", ".join(str(s) for s in summary.seeds) or "–"
    facts = [
        f"Processes ({len(summary.processes)}): {', '.join(summary.processes)}",
        f"Seeds: {seeds}",
        f"Relevance threshold: {summary.threshold:g}  (on the activity Var[μᵢ(x)])",
    ]
    # the largest font size (10.5 pt at most) at which all text fits above the page bottom
    size = 10.5
    while size > 7.0:
        scale = size / 10.5
        n_facts = sum(_wrap(t, width_in, size).count("\n") + 1 for t in facts)
        n_read = sum(_wrap(t, width_in, size).count("\n") + 1 for t in _HOW_TO_READ)
        need = (
            (0.026 * n_facts + 0.0255 * n_read) * scale
            + 0.008 * len(facts)
            + 0.022 * len(_HOW_TO_READ)
            + 0.065
        )
        if 0.76 - need >= 0.03:
            break
        size -= 0.5
    scale = size / 10.5
    y = 0.76
    for line in facts:
        wrapped = _wrap(line, width_in, size)
        fig.text(0.08, y, _plain(wrapped), fontsize=size, va="top", ha="left", linespacing=1.3)
        y -= 0.026 * scale * (wrapped.count("\n") + 1) + 0.008
    y -= 0.02
    fig.text(0.08, y, "How to read this report", fontsize=12.5, weight="bold", va="top")
    y -= 0.045
    for paragraph in _HOW_TO_READ:
        wrapped = _wrap(paragraph, width_in, size)
        fig.text(0.08, y, _plain(wrapped), fontsize=size, va="top", ha="left", linespacing=1.35)
        y -= 0.0255 * scale * (wrapped.count("\n") + 1) + 0.022
    return fig


_SUMMARY_HEADER = (
    "process",
    "generator",
    "events",
    "exact",
    "dof\nexpected",
    "relevant count\nmedian [min–max]",
    "local dof\nmedian",
    "TwoNN\nmedian",
    "dof\nmatch",
    "note",
)
_SUMMARY_WIDTHS = (0.15, 0.10, 0.07, 0.05, 0.06, 0.11, 0.06, 0.06, 0.05, 0.29)
_NOTE_COL = len(_SUMMARY_HEADER) - 1
_MATCH_COL = _NOTE_COL - 1


def _summary_pages(summary: _Summary) -> list[Figure]:
    fontsize = 8.5
    ax_rect = (0.04, 0.11, 0.92, 0.76)
    ax_w_in = ax_rect[2] * A4_LANDSCAPE[0]
    ax_h_in = ax_rect[3] * A4_LANDSCAPE[1]
    line_h = fontsize * 1.35 / 72.0 / ax_h_in

    def wrap_col(text: str, col: int) -> str:
        if not text:
            return ""
        if col == _NOTE_COL:
            # a wider margin for prose: the character width of _wrap is only an average
            return _wrap(text, _SUMMARY_WIDTHS[col] * ax_w_in - 0.3, fontsize)
        return _wrap_name(text, _SUMMARY_WIDTHS[col] * ax_w_in - 0.15, fontsize)

    rows, colors = [], []
    for name in summary.processes:
        p = summary.groups[name]
        symbol, color = _verdict(p)
        note = p.count_note
        if p.compare_to:
            limit = f"Approximates {p.compare_to}."
            note = f"{limit} {note}" if note else limit
        rows.append(
            [
                wrap_col(name, 0),
                wrap_col(p.generator, 1),
                p.kind,
                "yes" if p.exact else "no",
                dof_text(p.dof_expected),
                f"{p.n_relevant} [{p.n_relevant_min}–{p.n_relevant_max}]",
                str(p.dof_measured),
                _fmt_float(p.twonn_median, 1),
                symbol,
                wrap_col(note, _NOTE_COL),
            ]
        )
        row_colors: list[str | None] = [None] * len(_SUMMARY_HEADER)
        row_colors[_MATCH_COL] = color
        colors.append(row_colors)

    # paginate by the number of text lines
    header_lines = max(h.count("\n") + 1 for h in _SUMMARY_HEADER) + 0.6
    budget = 1.0 / line_h - header_lines
    pages: list[list[int]] = [[]]
    used = 0.0
    for i, row in enumerate(rows):
        need = max(c.count("\n") + 1 for c in row) + 0.6
        if pages[-1] and used + need > budget:
            pages.append([])
            used = 0.0
        pages[-1].append(i)
        used += need

    groups = [summary.groups[n] for n in summary.processes]
    exact = [p for p in groups if p.exact]
    approx = [p for p in groups if not p.exact]
    verdict = (
        f"{sum(p.dof_ok for p in exact)} of {len(exact)} exact processes have the expected "
        f"number of degrees of freedom (relevance threshold {summary.threshold:g})."
    )
    if approx:
        verdict += (
            f" {len(approx)} approximate process(es), whose expected dof is that of the exact "
            f"limit: {sum(p.dof_ok for p in approx)} equal to it, "
            f"{sum(not p.dof_ok for p in approx)} different ({_APPROX})."
        )
    figs = []
    for k, idx in enumerate(pages):
        fig = _new_page()
        title = "Summary" if len(pages) == 1 else f"Summary ({k + 1}/{len(pages)})"
        _header(fig, title, [verdict])
        ax = fig.add_axes(ax_rect)
        _table(
            ax,
            [rows[i] for i in idx],
            _SUMMARY_HEADER,
            _SUMMARY_WIDTHS,
            fontsize=fontsize,
            colors=[colors[i] for i in idx],
            left_cols=(0, _NOTE_COL),
            line_height=line_h,
        )
        footnote = (
            "events: toy (sampled from a formula), generated (event generator) or file (read "
            "from an event file).  exact: every constraint of the process holds exactly.  "
            "relevant count: directions with activity above the threshold (median over seeds, "
            "[min–max]).  local dof: median over seeds of the local-PCA dimension of the latent "
            "means (the measured dof).  TwoNN: independent estimate of the same dimension.  "
            f"{_CHECK}: the measured dof equals the expected dof; {_CROSS}: it does not; "
            f"{_APPROX}: it differs for an approximate process, whose expected dof is only "
            "that of its exact limit."
        )
        fig.text(
            0.04,
            0.025,
            _wrap(footnote, 0.92 * A4_LANDSCAPE[0], 8),
            fontsize=8,
            color="#404040",
            va="bottom",
            linespacing=1.3,
        )
        figs.append(fig)
    return figs
