"""The theory check: measured relevance against the linear-VAE prediction
(``linear_gaussian`` processes)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.figure import Figure

from symvae.plotting.theory import (
    ANGLE_TOLERANCE_DEG,
    THEORY_TOLERANCE,
    plot_eigenvalues,
    plot_theory_check,
    theory_passes,
)
from symvae.report.data import _architecture, _ProcessSummary, _Relevance, _Summary
from symvae.report.pages import (
    _BAD,
    _CHECK,
    _CROSS,
    _GOOD,
    _fmt_float,
    _header,
    _new_page,
    _panels,
    _table,
)


def _theory_comparison(summary: _Summary, relevances: Mapping[str, _Relevance]) -> str:
    """Sentence comparing the theory processes, or '' if there are fewer than two."""
    names = [n for n in summary.processes if summary.groups[n].has_theory]
    if len(names) < 2:
        return ""
    parts = []
    for name in sorted(
        names, key=lambda n: (_architecture(n, relevances[n].config, summary.config) != "linear", n)
    ):
        p = summary.groups[name]
        worst = float(np.nanmax(p.max_abs_deviation)) if p.max_abs_deviation.size else np.nan
        arch = _architecture(name, relevances[name].config, summary.config)
        who = {"mlp": "the default MLP", "linear": "the linear VAE"}.get(arch or "", "the VAE")
        parts.append(f"{who} ({name}) comes within {worst:.3f} of theory")
    return "Comparison (largest |deviation| over seeds and directions): " + "; ".join(parts) + "."


def _theory_page(p: _ProcessSummary, rel: _Relevance, comparison: str) -> Figure:
    fig = _new_page()
    arch = _architecture(p.name, rel.config)
    arch_text = {"mlp": "MLP encoder and decoder", "linear": "linear VAE"}.get(arch or "", "")
    theory = p.relevance_theory[0]
    n_seeds = p.relevance.shape[0]
    dev = p.max_abs_deviation if p.max_abs_deviation is not None else np.full(n_seeds, np.nan)
    angles = p.principal_angles_deg
    if angles is not None:
        angles = (
            np.asarray(angles, dtype=float).reshape(n_seeds, -1)
            if angles.size
            else np.zeros((n_seeds, 0))
        )
    passes = theory_passes(dev, angles)
    beta_s2 = None
    if rel.beta is not None and rel.sigma2 is not None:
        beta_s2 = rel.beta * rel.sigma2
    elif p.eigenvalues is not None:
        lam = np.asarray(p.eigenvalues, dtype=float).ravel()
        k = min(lam.size, theory.size)
        mask = theory[:k] > 0
        if np.any(mask):
            beta_s2 = float(np.median(lam[:k][mask] * (1.0 - theory[:k][mask])))
    criteria = (
        f"Pass criteria: every measured activity within {THEORY_TOLERANCE:g} of the prediction "
        f"1 − βs²/λᵢ (0 where λᵢ ≤ βs²), and every principal angle between the decoder's "
        f"relevant directions and the true top eigenvectors below {ANGLE_TOLERANCE_DEG:g}°. "
        f"{int(passes.sum())} of {n_seeds} seeds pass."
    )
    params = []
    if rel.beta is not None:
        params.append(f"β = {rel.beta:g}")
    if rel.sigma2 is not None:
        params.append(f"s² = {rel.sigma2:g}")
    if beta_s2 is not None:
        params.append(f"βs² = {beta_s2:.3g}")
    title = f"Theory check: {p.name}" + (f"  ({arch_text})" if arch_text else "")
    lines = [p.description, ", ".join(params), criteria, comparison]
    if p.max_abs_deviation_heldout is not None:
        lines.append(
            "Activity is measured on held-out events, whose own variance along each eigen-"
            "direction fluctuates around λᵢ; with that accounted for, the prediction "
            "(1 − βs²/λᵢ)·λᵢ^test/λᵢ^train is met within "
            f"{float(np.nanmax(p.max_abs_deviation_heldout)):.4f} (all seeds)."
        )
    y = _header(fig, title, lines)
    gs = _panels(
        fig,
        y,
        2,
        2,
        top=0.8,
        gap=0.03,
        bottom=0.06,
        width_ratios=(1.5, 1.0),
        height_ratios=(1.6, 1.0),
        hspace=0.35,
        wspace=0.25,
    )
    plot_theory_check(fig.add_subplot(gs[0, 0]), p.relevance, theory, seeds=p.seeds, annotate=False)
    ax_eig = fig.add_subplot(gs[0, 1])
    if p.eigenvalues is not None:
        plot_eigenvalues(ax_eig, p.eigenvalues, beta_s2)
    else:
        ax_eig.set_axis_off()
    rows, colors = [], []
    for s in range(n_seeds):
        seed = p.seeds[s] if s < len(p.seeds) else s
        if angles is not None and angles.shape[1]:
            ang = ", ".join(f"{a:.2f}" for a in angles[s])
        else:
            ang = "–"
        rows.append([str(seed), _fmt_float(float(dev[s]), 4), ang, _CHECK if passes[s] else _CROSS])
        colors.append([None, None, None, _GOOD if passes[s] else _BAD])
    ax_tab = fig.add_subplot(gs[1, :])
    _table(
        ax_tab,
        rows,
        ("seed", "max |measured − theory|", "principal angles [deg]", "pass"),
        (0.12, 0.25, 0.48, 0.15),
        fontsize=9,
        colors=colors,
    )
    return fig
