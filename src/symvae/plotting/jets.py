"""Jet masses of hadron-level processes (one normalized histogram per process, with the
Z, W and top masses marked) and the correlation dimension of jets against the energy
scale."""

from __future__ import annotations

from collections.abc import Mapping

import hist
import mplhep
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

__all__ = ["MASS_MARKS", "jet_mass_histogram", "plot_correlation_dimension", "plot_jet_masses"]

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


def plot_correlation_dimension(ax: Axes, curves: Mapping[str, tuple[ArrayLike, ArrayLike]]) -> None:
    """dim(Q) against Q (GeV, log axis) for each ``name → (q, dimension)``; bins without a
    pair (NaN) are left out."""
    for name, (q, dim) in curves.items():
        q, dim = np.asarray(q, dtype=np.float64), np.asarray(dim, dtype=np.float64)
        ok = np.isfinite(dim)
        ax.plot(q[ok], dim[ok], marker="o", markersize=3, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("energy scale Q [GeV] (energy mover's distance)")
    ax.set_ylabel("correlation dimension dim(Q)")
    ax.set_ylim(bottom=0.0)
    ax.legend(fontsize="small", loc="upper right")
