"""The pages of each process: overview (relevance, threshold scan, history, seeds), latent
space of the first seed, and feature histograms of event processes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from symvae.outputs.events import DROP_REASONS
from symvae.outputs.jet_study import JetStudy
from symvae.outputs.summary import dof_text
from symvae.plotting.features import (
    N_BINS,
    PERCENTILES,
    WIDEN,
    plot_histograms,
)
from symvae.plotting.history import plot_history
from symvae.plotting.latent import plot_latent_scatter
from symvae.plotting.relevance import (
    plot_relevance_bars,
    plot_relevance_measures,
    plot_threshold_scan,
)
from symvae.plotting.traversal import plot_traversals
from symvae.report.data import _Features, _ProcessSummary, _Relevance
from symvae.report.pages import (
    _fmt_float,
    _header,
    _new_page,
    _panels,
    _plain,
    _table,
    _verdict,
    _wrap,
)

#: Most feature histograms on one page.
_FEATURES_PER_PAGE = 24


def _process_overview_page(p: _ProcessSummary, rel: _Relevance) -> Figure:
    fig = _new_page()
    verdict, _ = _verdict(p)
    expected = "dof expected" if p.exact else "dof of the exact limit"
    facts = (
        f"generator: {p.generator} ({p.kind}, {'exact' if p.exact else 'approximate'}).   "
        f"{expected}: {dof_text(p.dof_expected)},  measured (median local "
        f"dof): {p.dof_measured} {verdict}.   Relevant directions: {p.n_relevant} "
        f"[{p.n_relevant_min}–{p.n_relevant_max}] over {p.relevance.shape[0]} seeds.   "
        f"TwoNN median: {_fmt_float(p.twonn_median, 2)}."
    )
    lines = [p.description, facts]
    if p.constraints:
        lines.append(f"Constraints: {', '.join(p.constraints)}.")
    if p.count_note:
        lines.append(f"Note: {p.count_note}")
    y = _header(fig, p.name, lines)
    gs = _panels(fig, y, 2, 2, top=0.8, gap=0.03, bottom=0.07, right=0.95, hspace=0.38, wspace=0.25)
    theory = p.relevance_theory[0] if p.relevance_theory is not None else None
    ax = fig.add_subplot(gs[0, 0])
    plot_relevance_bars(ax, p.relevance, p.threshold, theory=theory)
    ax.set_title("activity per direction (all seeds)", fontsize="medium")
    ax = fig.add_subplot(gs[0, 1])
    plot_threshold_scan(
        ax, p.scan_thresholds, p.scan_counts, p.dof_expected, threshold=p.threshold, seeds=p.seeds
    )
    ax.set_title("threshold scan", fontsize="medium")
    ax = fig.add_subplot(gs[1, 0])
    if rel.first is not None:
        plot_history(ax, rel.first.history, best_epoch=rel.first.best_epoch)
        ax.set_title(f"training history (seed {rel.first.seed})", fontsize="medium")
    else:
        ax.set_axis_off()
    sub = gs[1, 1].subgridspec(2, 1, height_ratios=(1.25, 1.0), hspace=0.55)
    ax = fig.add_subplot(sub[0])
    plot_relevance_measures(ax, p.relevance, p.posterior_width, p.kl)
    ax.set_title("relevance measures (mean over seeds)", fontsize="medium")
    ax_tab = fig.add_subplot(sub[1])
    _seed_table(ax_tab, p, rel)
    return fig


def _features_pages(p: _ProcessSummary, feats: _Features) -> list[Figure]:
    """One or more pages with the histogram of every input feature of an event process."""
    d = len(feats.histograms)
    chunks = [
        list(range(i, min(i + _FEATURES_PER_PAGE, d))) for i in range(0, d, _FEATURES_PER_PAGE)
    ]
    chunks = chunks or [[]]
    split = ""
    if feats.split_counts is not None:
        c = feats.split_counts
        split = f" (train {c['train']}, validation {c['validation']}, test {c['test']})"
    lo, hi = PERCENTILES
    lines = [
        f"The {d} input feature(s) of all {feats.n_events} events{split}, as the VAE is "
        f"trained on them ({p.kind} sample, generator {p.generator or '–'}). "
        f"{feats.path.name}: {N_BINS} bins per feature from the {lo:g}th to the "
        f"{hi:g}th percentile, widened by {100 * WIDEN:g} % on each side; events outside are "
        "not drawn."
    ]
    if feats.n_nonfinite:
        lines.append(f"{feats.n_nonfinite} non-finite value(s) are not filled.")
    dropped = feats.unphysical_dropped or {}
    if sum(dropped.values()):
        labels = dict(zip(DROP_REASONS, ("a non-finite value", "E < |p|"), strict=True))
        reasons = ", ".join(f"{dropped[k]} with {v}" for k, v in labels.items() if dropped.get(k))
        lines.append(
            f"Ingest left out {sum(dropped.values())} unphysical event(s) of the input file "
            f"({reasons}; events.unphysical.action drop)."
        )
    figs = []
    for k, idx in enumerate(chunks):
        fig = _new_page()
        title = f"{p.name}: features"
        if len(chunks) > 1:
            title += f" ({k + 1}/{len(chunks)})"
        y = _header(fig, title, lines)
        ax = fig.add_subplot(_panels(fig, y, 1, 1, top=0.84, gap=0.05, bottom=0.08)[0, 0])
        plot_histograms(ax, [feats.histograms[i] for i in idx])
        figs.append(fig)
    return figs


def _seed_table(ax: Axes, p: _ProcessSummary, rel: _Relevance) -> None:
    rows = []
    for s in range(p.relevance.shape[0]):
        attrs = rel.seed_attrs[s] if s < len(rel.seed_attrs) else {}

        def get(key: str, fmt: str, attrs: dict[str, Any] = attrs) -> str:
            if key not in attrs:
                return "–"
            try:
                return format(float(np.asarray(attrs[key]).item()), fmt)
            except (TypeError, ValueError):
                return "–"

        twonn = float(p.local_dof_twonn[s]) if s < p.local_dof_twonn.size else np.nan
        rows.append(
            [
                str(p.seeds[s]) if s < len(p.seeds) else str(s),
                str(int(p.n_relevant_per_seed[s])) if s < p.n_relevant_per_seed.size else "–",
                str(int(p.local_dof[s])) if s < p.local_dof.size else "–",
                _fmt_float(twonn, 2),
                get("best_epoch", ".0f"),
                get("epochs_run", ".0f"),
            ]
        )
    _table(
        ax,
        rows,
        ("seed", "relevant", "local dof", "TwoNN", "best epoch", "epochs"),
        (0.14, 0.17, 0.18, 0.17, 0.18, 0.16),
        fontsize=8,
    )


def _process_latent_page(p: _ProcessSummary, rel: _Relevance) -> Figure:
    fig = _new_page()
    first = rel.first
    if first is None:
        _header(fig, f"{p.name}: latent space", ["No seed data in the relevance file."])
        return fig
    order = first.relevant_order
    truth_text = (
        f"coloured by the generating variable {first.truth_name}"
        if first.truth_name is not None and first.truth is not None
        else "no generating variable available"
    )
    lines = [
        f"Seed {first.seed}: {len(order)} relevant direction(s) (latent indices "
        f"{', '.join(str(i) for i in order) or 'none'}). Top: posterior means of test events "
        f"in the relevant directions, {truth_text}. Bottom: latent traversals, one relevant "
        "coordinate varied with the others at 0, decoded in physical units."
    ]
    y = _header(fig, f"{p.name}: latent space (seed {first.seed})", lines)
    gs = _panels(fig, y, 2, 3, top=0.82, gap=0.03, bottom=0.07, right=0.93, hspace=0.4, wspace=0.35)
    if first.mu is not None:
        axes = plot_latent_scatter(
            fig.add_subplot(gs[0, :2]), first.mu, order, first.truth, first.truth_name
        )
        if len(order) >= 2:
            for ax in axes:
                ax.set_box_aspect(1.0)
    else:
        fig.add_subplot(gs[0, :2]).set_axis_off()
    ax = fig.add_subplot(gs[0, 2])
    _latent_text(ax, p, rel)
    plot_traversals(
        fig.add_subplot(gs[1, :]),
        first.z,
        first.decoded,
        rel.feature_names,
        rel.feature_units,
        first.directions,
    )
    return fig


def _latent_text(ax: Axes, p: _ProcessSummary, rel: _Relevance) -> None:
    """Small text panel: features, truth variables and what the page shows."""
    ax.set_axis_off()
    feats = ", ".join(
        f"{n} [{u}]" if u and u != "1" else n
        for n, u in zip(
            rel.feature_names,
            rel.feature_units or [""] * len(rel.feature_names),
            strict=False,
        )
    )
    width = ax.get_position().width * ax.get_figure().get_figwidth()
    text = [
        f"features (d = {len(rel.feature_names)}): {feats or '–'}",
        f"generating variables: {', '.join(rel.truth_names) or 'none'}",
        f"expected dof: {dof_text(p.dof_expected)};  measured: {p.dof_measured}",
    ]
    ax.text(
        0.0,
        1.0,
        _plain("\n\n".join(_wrap(t, width, 8.5) for t in text)),
        va="top",
        ha="left",
        fontsize=8.5,
        transform=ax.transAxes,
        color="#303030",
    )


def _jet_mass_page(features: dict[str, _Features]) -> Figure | None:
    """One page of the jet masses of every jet-level process (``None`` without any)."""
    from symvae.plotting.jets import plot_jet_masses

    masses = {n: f.jet_mass for n, f in features.items() if f.jet_mass is not None}
    if not masses:
        return None
    fig = _new_page()
    peaks = []
    for name, h in masses.items():
        centers, values = h.axes[0].centers, h.values()
        peaks.append(f"{name}: {h.axes[0].label} peaks at {centers[int(values.argmax())]:.1f} GeV")
    y = _header(fig, "Jet masses", ["Hadron-level jets clustered with FastJet (anti-kt; ee anti-kt for e+e-), "
                                    "all events of each process.", "; ".join(peaks) + "."])  # fmt: skip
    gs = _panels(fig, y, 1, 1, top=0.8, gap=0.03, bottom=0.09, right=0.95)
    plot_jet_masses(fig.add_subplot(gs[0, 0]), masses)
    return fig


def _jet_study_page(studies: Mapping[str, JetStudy]) -> Figure | None:
    """One page of the jet studies: dim(Q) of every studied process and, per constituent
    count, the jet-mass-preserving algebra and the distribution-preserving generators."""
    from symvae.plotting.jets import plot_correlation_dimension

    if not studies:
        return None
    fig = _new_page()
    lines = [
        "Function-preserving: 4x4 maps A on each of the first k constituents with "
        "grad m^2 . (A x) = 0 on every jet (expected: so(1,3), 6 dimensions); distances are "
        "Grassmann distances (rad) of the 6 (7) best-preserved maps to so(1,3) (plus D).",
        "Distribution-preserving: generators kept by the rank test and the MMD check, lab "
        "frame and jet frame (jet axis along +z), with their distance to J_z.",
    ]
    resolution = [_resolution_line(n, r) for n, r in studies.items() if r.resolution is not None]
    if resolution:
        lines.append("VAE resolution on the EMD scale (median EMD of held-out jets to their "
                     "reconstructions, per seed): " + "; ".join(resolution) + ".")  # fmt: skip
    for name, r in studies.items():
        if (t := r.tagger) is not None:
            lines.append(
                f"Tagger {name} vs {t.background} (MLP on {t.n_constituents} constituents' "
                f"four-vectors, held-out AUC {t.auc:.3f}): widest spectral gap at dimension "
                f"{t.gap_dimension}; its 6 best-preserved maps lie {t.distance_so13:.2f} rad "
                f"from so(1,3), the 7 best {t.distance_so13_dilation:.2f} rad from so(1,3)+D."
            )
    y = _header(fig, "Jet study", lines)
    gs = _panels(fig, y, 2, 1, top=0.8, gap=0.06, bottom=0.07, right=0.95)
    curves = {n: (r.correlation.q, r.correlation.dimension) for n, r in studies.items()}
    plot_correlation_dimension(fig.add_subplot(gs[0, 0]), curves)
    rows = []
    for name, r in studies.items():
        f, d = r.function, r.distribution
        for i, k in enumerate(r.constituents):
            rows.append([
                name, str(int(k)), str(int(f.dimension[i])), f"{f.distance_so13[i]:.2g}",
                f"{f.distance_so13_dilation[i]:.2g}", str(int(d.kept_lab[i])),
                _or_dash(d.distance_jz_lab[i], ".2f"), str(int(d.kept_jet[i])),
                _or_dash(d.distance_jz_jet[i], ".2f"),
            ])  # fmt: skip
    ax = fig.add_subplot(gs[1, 0])
    ax.axis("off")
    labels = ["process", "k", "dim", "to so(1,3)", "to +D", "kept lab", "to J_z", "kept jet",
              "to J_z"]  # fmt: skip
    table = ax.table(cellText=rows, colLabels=labels, loc="upper center")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    return fig


def _resolution_line(name: str, study: JetStudy) -> str:
    r = study.resolution
    assert r is not None
    emd = ", ".join(f"{q:.0f}" for q in r.reconstruction_emd)
    dims = ", ".join(_or_dash(d, ".1f") for d in r.dimension_at_resolution)
    counts = ", ".join(str(int(k)) for k in r.n_relevant)
    return f"{name}: EMD {emd} GeV, relevant {counts}, dim(Q) there {dims}"


def _or_dash(value: float, spec: str) -> str:
    """``value`` formatted with ``spec``, or ``–`` where it is not finite (none measured)."""
    return format(value, spec) if np.isfinite(value) else "–"
