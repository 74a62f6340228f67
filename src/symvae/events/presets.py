"""Pythia 8 settings of the hadron-level jet processes (``e+e- → Z → q q̄``, hadronic
``t t̄`` and QCD dijets at the LHC), with hadronization and multiparton interactions as
switches. Each function returns the setting strings for
:func:`~symvae.events.pythia.generate_pythia` (or a config's ``events.settings``); energies
in GeV.
"""

from __future__ import annotations

__all__ = ["ee_to_z_to_qq", "pp_to_qcd_dijets", "pp_to_ttbar_hadronic"]


def _switches(hadronization: bool, mpi: bool | None) -> list[str]:
    out = [f"HadronLevel:all = {'on' if hadronization else 'off'}"]
    if mpi is not None:
        out.append(f"PartonLevel:MPI = {'on' if mpi else 'off'}")
    return out


def ee_to_z_to_qq(ecm: float = 91.1876, hadronization: bool = True) -> list[str]:
    """``e+e- → Z/γ* → q q̄`` (u, d, s, c, b) at ``ecm``, no beam remnants or MPI."""
    return [
        "Beams:idA = 11",
        "Beams:idB = -11",
        f"Beams:eCM = {ecm}",
        "PDF:lepton = off",
        "WeakSingleBoson:ffbar2gmZ = on",
        "23:onMode = off",
        "23:onIfAny = 1 2 3 4 5",
        *_switches(hadronization, None),
    ]


def pp_to_ttbar_hadronic(
    ecm: float = 13000.0, pthat_min: float = 500.0, hadronization: bool = True, mpi: bool = True
) -> list[str]:
    """``p p → t t̄`` with both W bosons decaying to quarks, hard-process ``p̂_T`` above
    ``pthat_min`` (boosted tops: jets of ``p_T`` 550-650 GeV at ``R = 0.8``, as in the
    common top-tagging sample)."""
    return [
        f"Beams:eCM = {ecm}",
        "Top:gg2ttbar = on",
        "Top:qqbar2ttbar = on",
        f"PhaseSpace:pTHatMin = {pthat_min}",
        "24:onMode = off",
        "24:onIfAny = 1 2 3 4 5",
        *_switches(hadronization, mpi),
    ]


def pp_to_qcd_dijets(
    ecm: float = 13000.0, pthat_min: float = 500.0, hadronization: bool = True, mpi: bool = True
) -> list[str]:
    """QCD ``2 → 2`` scattering (``HardQCD:all``) above ``pthat_min``: the background of the
    top-tagging sample in the same jet-``p_T`` window."""
    return [
        f"Beams:eCM = {ecm}",
        "HardQCD:all = on",
        f"PhaseSpace:pTHatMin = {pthat_min}",
        *_switches(hadronization, mpi),
    ]
