"""Report pages of the symmetry directions: the baseline table and one page per process.

Used by :func:`symvae.report.build_report` when it is given the ``directions.h5`` files.
Every file is read (and checked) before any page is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from symvae.errors import DataError
from symvae.io.hdf5 import open_h5

__all__ = ["baseline_rows", "directions_pages", "read_directions"]

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


def _strings(values: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def read_directions(paths: Mapping[str, str | Path]) -> dict[str, dict[str, Any]]:
    """Read every ``directions.h5`` into plain dictionaries (errors name the file)."""
    out: dict[str, dict[str, Any]] = {}
    for name, path in paths.items():
        with open_h5(path) as f:
            try:
                d: dict[str, Any] = {"path": str(path)}
                c = f["constraints"]
                d["equations"] = _strings(c["equations"][()])
                d["residuals"] = c["residuals"][()]
                d["constraints"] = dict(c.attrs)
                d["analytic"] = dict(c["analytic"].attrs) if "analytic" in c else None
                if "approximate" in c:
                    a = c["approximate"]
                    d["approximate"] = list(
                        zip(_strings(a["equations"][()]), a["residuals"][()], strict=True)
                    )
                else:
                    d["approximate"] = []
                t = f["tangents"]
                d["tangent"] = dict(t.attrs)
                d["tangent_angles"] = {
                    k: t[k]["max_angle_deg"][()] for k in t if "max_angle_deg" in t[k]
                }
                d["generators"] = None
                if "generators" in f:
                    g = f["generators"]
                    gen: dict[str, Any] = {
                        "family": str(g.attrs["family"]),
                        "algebra": _strings(g["algebra/labels"][()]),
                        "found": _strings(g["distribution/labels"][()]),
                        "matrices": g["distribution/matrices"][()],
                        "p_values": g["distribution/rank_test/p_values"][()],
                    }
                    for key in ("expected_algebra", "expected_symmetries"):
                        if key in g:
                            gen[key] = (
                                _strings(g[key]["names"][()]),
                                float(g[key].attrs["grassmann_distance"]),
                            )
                    d["generators"] = gen
                d["feature_names"] = _strings(f.attrs["feature_names"])
            except KeyError as err:
                raise DataError(f"{path}: not a symvae directions file (missing {err})") from None
        out[str(name)] = d
    return out


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):.{digits}f}"


def baseline_rows(summary: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    """One row per process from the attributes of ``summary.h5``'s process groups."""
    rows = []
    for name, a in summary.items():

        def est(key: str, a: Mapping[str, Any] = a) -> str:
            if f"baseline_{key}" not in a:
                return "–"
            return f"{_fmt(a[f'baseline_{key}'], 2)} ± {_fmt(a[f'baseline_{key}_std'], 2)}"

        rows.append(
            [
                name,
                str(a.get("dof_expected", "–")),
                str(a.get("n_relevant", "–")),
                str(a.get("dof_measured", "–")),
                "–" if "baseline_pca" not in a else str(round(float(a["baseline_pca"]))),
                est("twonn"),
                est("mle"),
                est("lpca"),
                f"{_fmt(a.get('tangent_angle_median_deg'))}° · "
                f"{_fmt(a.get('tangent_angle_p90_deg'))}°",
            ]
        )
    return rows


def _read_summary_attrs(path: str | Path) -> dict[str, dict[str, Any]]:
    with open_h5(path) as s:
        return {n: dict(s[n].attrs) for n in _strings(s.attrs["processes"])}


def _process_page(name: str, d: Mapping[str, Any]) -> Figure:
    from symvae.report import _header, _new_page, _table

    fig = _new_page()
    c = d["constraints"]
    gap = float(c["gap"])
    gap_text = (
        "" if not math.isfinite(gap) else f"; the next relation is {gap:.1e}× less well satisfied"
    )
    lines = [
        f"{int(c['n_found'])} constraints ({int(c['n_linear'])} linear, "
        f"{int(c['n_quadratic'])} quadratic new modulo the linear ones) with relative residual "
        f"below {c['tolerance']:.0e}{gap_text}."
    ]
    a = d["analytic"]
    if a is not None:
        lines.append(
            f"Against the config's {int(a['n_expected'])} analytic constraints (closed at degree "
            f"2): Grassmann distance {a['grassmann_distance']:.1e} rad between the spans "
            f"({int(a['dim_discovered'])} and {int(a['dim_analytic'])} dimensions)."
        )
    for eq, res in d["approximate"]:
        lines.append(f"Approximate relation {eq}: relative residual {res:.3g}.")
    g = d["generators"]
    if g is not None:
        shown = ", ".join(g["algebra"][:6]) + (" …" if len(g["algebra"]) > 6 else "")
        found = ", ".join(g["found"]) or "none"
        text = (
            f"Generators ({g['family']}): the constraints are preserved by "
            f"{len(g['algebra'])} ({shown}); the distribution by {len(g['found'])} ({found})."
        )
        for key, what in (("expected_algebra", "algebra"), ("expected_symmetries", "symmetries")):
            if key in g:
                names, dist = g[key]
                text += f" Expected {what} {', '.join(names)}: distance {dist:.3f} rad."
        lines.append(text)
    y = _header(fig, f"Directions: {name}", lines)
    rows = [[eq, f"{r:.1e}"] for eq, r in zip(d["equations"], d["residuals"], strict=True)]
    top = y - 0.03
    matrices = g["matrices"] if g is not None else np.zeros((0, 0, 0))
    bottom = 0.06
    if len(matrices):
        bottom = 0.40
        _matrices(fig, matrices[:3], g["found"][:3], d["feature_names"], (0.04, 0.05, 0.52, 0.28))
    ax = fig.add_axes((0.04, bottom, 0.52, max(0.1, top - bottom)))
    if rows:
        _table(ax, rows[:14], ("discovered constraint", "residual"), (0.8, 0.2), left_cols=(0,))
    else:
        ax.set_axis_off()
        ax.text(0.0, 1.0, "no exact constraint", va="top")
    ax = fig.add_axes((0.63, 0.10, 0.33, max(0.1, top - 0.14)))
    angles = d["tangent_angles"]
    if angles:
        bins = np.linspace(0.0, 90.0, 46)
        for seed, values in angles.items():
            ax.hist(values, bins=bins, histtype="step", label=seed)
        ax.set_xlabel("largest principal angle, learned vs true tangent space [deg]")
        ax.set_ylabel("held-out events")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_title(
            f"median {_fmt(d['tangent'].get('median_deg'))}°, "
            f"90 % {_fmt(d['tangent'].get('p90_deg'))}°",
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


def directions_pages(
    summary_path: str | Path, directions: Mapping[str, Mapping[str, Any]]
) -> list[Figure]:
    """The baseline table page and one page per process with a directions file."""
    from symvae.report import _header, _new_page, _table

    attrs = _read_summary_attrs(summary_path)
    fig = _new_page()
    y = _header(fig, "Symmetry directions and baselines", _INTRO)
    ax = fig.add_axes((0.04, 0.03, 0.92, max(0.1, y - 0.05)))
    _table(ax, baseline_rows(attrs), _HEADER, _WIDTHS, fontsize=8, left_cols=(0,))
    pages = [fig]
    for name, d in directions.items():
        pages.append(_process_page(name, d))
    return pages
