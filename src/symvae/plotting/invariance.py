"""Learning curves of plain and group-invariant kernel ridge regression, with theory lines.

The inputs are curve records (:class:`symvae.outputs.invariance.Curve`): risks
``(seed, n)`` for both learners, their deterministic-equivalent predictions (when the setting
has a known spectrum) and the measured and predicted effective-sample multipliers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from symvae.plotting.style import COLORS

if TYPE_CHECKING:
    from symvae.outputs.invariance import Curve

__all__ = ["plot_learning_curves", "plot_multiplier"]


def _band(ax: Axes, ns: np.ndarray, risks: np.ndarray, color: str, label: str) -> None:
    """Mean over seeds with the 16–84 % band of the seeds."""
    lo, hi = np.quantile(risks, [0.16, 0.84], axis=0)
    ax.fill_between(ns, lo, hi, color=color, alpha=0.2, lw=0)
    ax.plot(ns, risks.mean(axis=0), "o-", color=color, ms=4, label=label)


def plot_learning_curves(ax: Axes, curve: Curve) -> None:
    """Log–log excess risk against n: measured (mean, 16–84 % band over seeds), the finite-n
    prediction (dashed) and the asymptotic slope (dotted, anchored at the largest n)."""
    for learner, color, name in (("plain", COLORS[0], "plain"), ("inv", COLORS[1], "invariant")):
        ns = np.asarray(getattr(curve, f"ns_{learner}"), dtype=float)
        risks = np.asarray(getattr(curve, f"risk_{learner}"))
        slope = getattr(curve, f"slope_{learner}")
        err = getattr(curve, f"slope_{learner}_err")
        label = name if slope is None else f"{name}: slope {slope:.3f} ± {err:.3f}"
        _band(ax, ns, risks, color, label)
        pred = getattr(curve, f"pred_{learner}")
        if pred is not None:
            ps = getattr(curve, f"pred_slope_{learner}")
            ax.plot(ns, pred, "--", color=color, lw=1.2, label=f"finite-n prediction ({ps:.3f})")
        asym = getattr(curve, f"asymptotic_slope_{learner}")
        if asym is not None:
            anchor = risks.mean(axis=0)[-1]
            ax.plot(
                ns, anchor * (ns / ns[-1]) ** asym, ":", color=color, lw=1.2,
                label=f"asymptote n^({asym:.3f})",
            )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training events n")
    ax.set_ylabel("relative excess risk")
    ax.legend(fontsize=7, loc="lower left")


def plot_multiplier(ax: Axes, curve: Curve) -> None:
    """Effective-sample multiplier ``n_eff/n`` against n: measured (16–84 % bootstrap band),
    predicted, and ``|G|`` for finite groups."""
    ns = np.asarray(curve.ns_inv, dtype=float)
    mult = np.asarray(curve.multiplier)
    lo, hi = np.asarray(curve.multiplier_lo), np.asarray(curve.multiplier_hi)
    ok = np.isfinite(mult)
    ax.errorbar(
        ns[ok], mult[ok], yerr=[mult[ok] - lo[ok], hi[ok] - mult[ok]], fmt="o", color=COLORS[1],
        capsize=3, label="measured",
    )  # fmt: skip
    pred = curve.pred_multiplier
    if pred is not None:
        ax.plot(ns, pred, "--", color=COLORS[1], label="finite-n prediction")
    order = curve.order
    if order:
        ax.axhline(order, color="0.4", lw=1, ls=":", label=f"|G| = {order}")
    ax.set_xscale("log")
    ax.set_xlabel("training events n (invariant learner)")
    ax.set_ylabel("n_eff / n")
    if not ok.any():
        ax.text(0.5, 0.5, "invariant risks below the plain curve's range", ha="center",
                transform=ax.transAxes, fontsize=8)  # fmt: skip
    ax.legend(fontsize=7)
