"""Jet masses of hadron-level processes: one normalized histogram per process, with the
Z, W and top masses marked."""

from __future__ import annotations

from collections.abc import Mapping

import hist
import mplhep
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

__all__ = ["MASS_MARKS", "jet_mass_histogram", "plot_jet_masses"]

#: reference masses drawn on the plot (GeV, PDG)
MASS_MARKS: dict[str, float] = {"m_W": 80.37, "m_Z": 91.19, "m_t": 172.5}


def jet_mass_histogram(masses: ArrayLike, label: str, upper: float = 250.0) -> hist.Hist:
    """``masses`` (GeV) in 2.5 GeV bins from 0 to ``upper`` (overflow kept in the flow bin)."""
    h = hist.Hist(hist.axis.Regular(int(upper / 2.5), 0.0, upper, name="m", label=label))
    return h.fill(m=np.asarray(masses, dtype=np.float64))


def plot_jet_masses(ax: Axes, histograms: Mapping[str, hist.Hist]) -> None:
    """Each process's mass histogram (``name → Hist``) normalized to unit area, with the
    :data:`MASS_MARKS` as dotted lines."""
    for name, h in histograms.items():
        total = h.sum(flow=False)
        scaled = h / total if total else h
        mplhep.histplot(scaled, ax=ax, histtype="step", yerr=False, flow="none",
                        label=f"{name}: {h.axes[0].label}")  # fmt: skip
    for text, m in MASS_MARKS.items():
        ax.axvline(m, color="grey", linestyle=":", linewidth=1.0)
        ax.text(m, 1.0, f" {text}", transform=ax.get_xaxis_transform(), fontsize="small",
                va="top", ha="left", color="grey")  # fmt: skip
    ax.set_xlabel("mass [GeV]")
    ax.set_ylabel("fraction of events / 2.5 GeV")
    ax.legend(fontsize="small", loc="upper right")
