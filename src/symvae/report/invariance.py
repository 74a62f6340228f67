"""Report pages of the invariance experiments: the table and one page of curves per setting.

Used by :func:`symvae.report.build_report` when it is given the curve files of
``results/invariance``, which :mod:`symvae.report.data` reads (and checks) before any page is
drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from symvae.outputs.invariance import Curve
from symvae.plotting.invariance import plot_learning_curves, plot_multiplier
from symvae.report.pages import _fmt_float, _header, _new_page, _table_page

__all__ = ["invariance_pages", "table_rows"]

_INTRO = (
    "Kernel ridge regression of a G-invariant target with the plain kernel and with the "
    "kernel averaged over G (Tahmasebi & Jegelka 2023). Asymptotically the excess risk falls "
    "as n^(−2s/(2s + d_eff)) with d_eff = dim(M/G): a continuous group lowers the dimension "
    "in the exponent (a steeper curve); a finite group leaves the exponent alone and "
    "multiplies the effective number of samples by |G|. At the n reached here the curves are "
    "steeper than their asymptotes, so each is compared with the finite-n (deterministic-"
    "equivalent) prediction from the kernel's spectrum, restricted to the invariant "
    "eigenfunctions for the invariant learner. Risks are means over seeds; slopes are fitted "
    "to log mean risk against log n, with bootstrap errors over seeds.",
    "The multiplier n_eff/n is the horizontal distance between the curves: the plain learner "
    "needs n_eff samples for the risk the invariant one reaches with n. A freely acting group "
    "(half-period shifts) reaches |G| at every n: every orbit of frequencies has |G| members, "
    "so the invariant spectrum is the plain one thinned by exactly |G|. Groups with fixed "
    "points (permutations, sign flips) fall short of |G| at small n: frequencies on the fixed "
    "hyperplanes (k_i = k_j, k_i = 0) have smaller orbits, so the invariant learner still "
    "has to learn more than 1/|G| of the low-frequency modes, which are all a small sample "
    "can resolve; their share shrinks as the resolved frequencies grow, and the multiplier "
    "rises towards |G|, as the prediction shows.",
)

_HEADER = (
    "setting",
    "space · group",
    "d",
    "d_eff",
    "|G|",
    "plain slope\nfit · finite-n · asympt.",
    "invariant slope\nfit · finite-n · asympt.",
    "multiplier\nmeasured",
    "multiplier\npredicted",
)
_WIDTHS = (0.14, 0.14, 0.04, 0.05, 0.05, 0.19, 0.19, 0.10, 0.10)


def _slopes(c: Curve, learner: str) -> str:
    def fmt(name: str) -> str:
        return _fmt_float(getattr(c, name.format(learner)), 3)

    fit = f"{fmt('slope_{}')} ± {fmt('slope_{}_err')}"
    return f"{fit}\n{fmt('pred_slope_{}')} · {fmt('asymptotic_slope_{}')}"


def _range(values: Any) -> str:
    finite = [float(v) for v in values if math.isfinite(float(v))]
    if not finite:
        return "–"
    lo, hi = min(finite), max(finite)
    return f"{lo:.2f}" if abs(hi - lo) < 5e-3 else f"{lo:.2f}–{hi:.2f}"


def table_rows(curves: Mapping[str, Curve]) -> list[list[str]]:
    """One row of the invariance table per setting."""
    rows = []
    for name, c in curves.items():
        order = c.order
        pred = c.pred_multiplier
        rows.append(
            [
                name,
                f"{c.space} · {c.group}",
                str(c.d),
                str(c.d_eff),
                str(order) if order else "∞",
                _slopes(c, "plain"),
                _slopes(c, "inv"),
                _range(c.multiplier),
                "–" if pred is None else _range(pred),
            ]
        )
    return rows


def invariance_pages(curves: Mapping[str, Curve]) -> list[Figure]:
    """The table page and one page per setting (learning curves and multiplier)."""
    rows = table_rows(curves)
    pages = [_table_page("What a symmetry is worth", _INTRO, rows, _HEADER, _WIDTHS, (0, 1))]
    for name, c in curves.items():
        fig = _new_page()
        order = c.order
        lines = [
            str(c.description or ""),
            f"{c.space} · {c.group}: d = {c.d}, d_eff = {c.d_eff}, "
            f"|G| = {order if order else '∞ (continuous)'}; {len(c.seeds)} seeds "
            f"(plain learner: {len(c.risk_plain)}); bands: 16–84 % of the seeds.",
        ]
        y = _header(fig, f"Invariance: {name}", lines)
        top = y - 0.06
        plot_learning_curves(fig.add_axes((0.07, 0.09, 0.42, top - 0.09)), c)
        plot_multiplier(fig.add_axes((0.57, 0.09, 0.38, top - 0.09)), c)
        pages.append(fig)
    return pages
