"""Report pages of the symmetry directions: the baseline table and one page per process.

Used by :func:`symvae.report.build_report` when it is given the ``directions.h5`` files, which
:mod:`symvae.report.data` reads (and checks) before any page is drawn; the baseline table is
drawn from ``summary.h5``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from symvae.outputs.directions import Directions
from symvae.outputs.summary import DirectionsFigures, Summary, dof_text
from symvae.report.pages import _fmt_float, _header, _new_page, _table, _table_page

__all__ = ["baseline_rows", "directions_pages"]

_INTRO = (
    "Which degrees of freedom, relations and symmetries the data have, each scored against "
    "the analytic truth of the config (its 'directions' entry). Baselines run on the same "
    "held-out features as the VAE: PCA counts the components that hold 99 % of the variance "
    "of the standardized features; TwoNN, MLE and local PCA (scikit-dimension) estimate the "
    "intrinsic dimension, as means ± std over disjoint subsamples. The VAE columns are the "
    "median over seeds of the count of relevant directions and of the local dof of the latent "
    "means. Linear baselines (PCA) over-count curved manifolds; nearest-neighbour estimators "
    "are biased by noise (the ring's 1 % width) and by repeated events (CMS).",
)

_HEADER = (
    "process",
    "analytic\ndof",
    "VAE\nrelevant",
    "VAE\nlocal dof",
    "PCA\n99 %",
    "TwoNN",
    "MLE",
    "local PCA",
    "tangent angle\nmedian · p90",
)
_WIDTHS = (0.17, 0.07, 0.07, 0.07, 0.07, 0.12, 0.12, 0.12, 0.15)


def baseline_rows(summary: Summary) -> list[list[str]]:
    """One row per process from the groups of ``summary.h5``."""
    rows = []
    for name in summary.processes:
        p = summary.process_groups[name]
        b = p.directions

        def est(key: str, b: DirectionsFigures | None = b) -> str:
            value = None if b is None else getattr(b.baselines, key)
            if value is None:
                return "–"
            return f"{_fmt_float(value, 2)} ± {_fmt_float(getattr(b.baselines, f'{key}_std'), 2)}"

        pca = None if b is None else b.baselines.pca
        rows.append(
            [
                name,
                dof_text(p.info.dof_expected),
                str(p.n_relevant_median),
                str(p.dof_measured),
                "–" if pca is None else str(round(float(pca))),
                est("twonn"),
                est("mle"),
                est("lpca"),
                f"{_fmt_float(None if b is None else b.tangent_angle_median_deg)}° · "
                f"{_fmt_float(None if b is None else b.tangent_angle_p90_deg)}°",
            ]
        )
    return rows


def _process_page(name: str, d: Directions) -> Figure:
    fig = _new_page()
    c = d.constraints
    gap = float(c.gap)
    gap_text = (
        "" if not math.isfinite(gap) else f"; the next relation is {gap:.1e}× less well satisfied"
    )
    lines = [
        f"{int(c.n_found)} constraints ({int(c.n_linear)} linear, "
        f"{int(c.n_quadratic)} quadratic new modulo the linear ones) with relative residual "
        f"below {c.tolerance:.0e}{gap_text}."
    ]
    a = c.analytic
    if a is not None:
        lines.append(
            f"Against the config's {int(a.n_expected)} analytic constraints (closed at degree "
            f"2): Grassmann distance {a.grassmann_distance:.1e} rad between the spans "
            f"({int(a.dim_discovered)} and {int(a.dim_analytic)} dimensions)."
        )
    approx = c.approximate
    pairs = [] if approx is None else zip(approx.equations, approx.residuals, strict=True)
    for eq, res in pairs:
        lines.append(f"Approximate relation {eq}: relative residual {res:.3g}.")
    g = d.generators
    if g is not None:
        algebra, labels = g.algebra.labels, g.distribution.labels
        shown = ", ".join(algebra[:6]) + (" …" if len(algebra) > 6 else "")
        found = ", ".join(labels) or "none"
        text = (
            f"Generators ({g.family}): the constraints are preserved by "
            f"{len(algebra)} ({shown}); the distribution by {len(labels)} ({found})."
        )
        for e, what in ((g.expected_algebra, "algebra"), (g.expected_symmetries, "symmetries")):
            if e is not None:
                text += (
                    f" Expected {what} {', '.join(e.names)}: "
                    f"distance {float(e.grassmann_distance):.3f} rad."
                )
        lines.append(text)
    y = _header(fig, f"Directions: {name}", lines)
    rows = [[eq, f"{r:.1e}"] for eq, r in zip(c.equations, c.residuals, strict=True)]
    top = y - 0.03
    matrices = g.distribution.matrices if g is not None else np.zeros((0, 0, 0))
    bottom = 0.06
    if len(matrices):
        bottom = 0.40
        labels = g.distribution.labels[:3] if g is not None else []
        _matrices(fig, matrices[:3], labels, d.feature_names, (0.04, 0.05, 0.52, 0.28))
    ax = fig.add_axes((0.04, bottom, 0.52, max(0.1, top - bottom)))
    if rows:
        _table(ax, rows[:14], ("discovered constraint", "residual"), (0.8, 0.2), left_cols=(0,))
    else:
        ax.set_axis_off()
        ax.text(0.0, 1.0, "no exact constraint", va="top")
    ax = fig.add_axes((0.63, 0.10, 0.33, max(0.1, top - 0.14)))
    angles = {f"seed{k}": t.max_angle_deg for k, t in d.tangents.seeds.items()}
    if angles:
        bins = np.linspace(0.0, 90.0, 46)
        for seed, values in angles.items():
            ax.hist(values, bins=bins, histtype="step", label=seed)
        ax.set_xlabel("largest principal angle, learned vs true tangent space [deg]")
        ax.set_ylabel("held-out events")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_title(
            f"median {_fmt_float(d.tangents.median_deg)}°, 90 % {_fmt_float(d.tangents.p90_deg)}°",
            fontsize=9,
        )
    else:
        ax.set_axis_off()
        ax.text(0.0, 1.0, "true tangent space unknown", va="top")
    return fig


def _matrices(
    fig: Figure,
    matrices: np.ndarray,
    labels: Sequence[str],
    names: Sequence[str],
    box: tuple[float, float, float, float],
) -> None:
    """The distribution-preserving generators as matrices A (row: d x_i/dt, column: x_j)."""
    x0, y0, w, h = box
    n = len(matrices)
    size = min(h, w / n - 0.02)
    d = matrices.shape[1]
    for i, (a, label) in enumerate(zip(matrices, labels, strict=False)):
        ax = fig.add_axes((x0 + i * (size + 0.03), y0, size, size))
        scale = float(np.max(np.abs(a))) or 1.0
        ax.imshow(a / scale, cmap="RdBu_r", vmin=-1, vmax=1)
        ticks = range(d)
        ax.set_xticks(ticks, names, rotation=90, fontsize=5)
        ax.set_yticks(ticks, names, fontsize=5)
        if d <= 8:
            for (r, c), v in np.ndenumerate(a / scale):
                if abs(v) >= 0.05:
                    ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=4)
        title = label if len(label) <= 40 else label[:37] + "…"
        ax.set_title(f"generator {i + 1}: {title}", fontsize=6)


def directions_pages(summary: Summary, directions: Mapping[str, Directions]) -> list[Figure]:
    """The baseline table page and one page per process with a directions file."""
    rows = baseline_rows(summary)
    pages = [_table_page("Symmetry directions and baselines", _INTRO, rows, _HEADER, _WIDTHS)]
    for name, d in directions.items():
        pages.append(_process_page(name, d))
    return pages
