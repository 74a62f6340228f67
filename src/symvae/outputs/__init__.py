"""symvae's output files, one module per file: its layout (datasets, attributes, units and
meanings, declared once), its writer and its reader.

=====================  ==================================  ==================================
module                 file                                writer / reader
=====================  ==================================  ==================================
:mod:`.events`         ``<process>/events.root`` (ROOT)      :func:`~.events.write_events` /
                                                           :func:`~.events.read_events`
:mod:`.features`       ``<process>/features.h5``           :func:`~.features.write_features`
                                                           / :func:`~.features.read_features`
:mod:`.model`          ``<process>/seed<k>/model.pt``      :func:`~.model.save_model` /
                                                           :func:`~.model.load_model`
:mod:`.evaluation`     ``<process>/seed<k>/evaluation.h5`` ``Evaluation.save`` / ``.load``
:mod:`.relevance`      ``<process>/relevance.h5``          ``Relevance.save`` / ``.load``
:mod:`.directions`     ``<process>/directions.h5``         ``Directions.save`` / ``.load``
:mod:`.jet_study`      ``<process>/jet_study.h5``          ``JetStudy.save`` / ``.load``
:mod:`.summary`        ``summary.h5``                      ``Summary.save`` / ``.load``
:mod:`.scans`          ``scans/<scan>.h5``                 ``Scan.save`` / ``.load``
:mod:`.invariance`     ``invariance/<setting>.h5``,        ``Curve.save`` / ``.load``,
                       ``invariance/summary.h5``           ``InvarianceSummary``
=====================  ==================================  ==================================

:mod:`.layout` holds the declarative machinery every file module builds on; :mod:`.docs`
renders ``docs/outputs.md`` from the layouts. Only these modules open HDF5 files.
"""

from __future__ import annotations

from types import ModuleType

from symvae.outputs import (
    directions,
    evaluation,
    events,
    features,
    invariance,
    jet_study,
    model,
    relevance,
    scans,
    summary,
)
from symvae.outputs.layout import Layout

__all__ = ["FILES"]

#: (path under ``results``, module, layout) of every output file, in pipeline order
FILES: tuple[tuple[str, ModuleType, type[Layout]], ...] = (
    ("<process>/events.root", events, events.EventsFile),
    ("<process>/features.h5", features, features.FeaturesLayout),
    ("<process>/seed<k>/model.pt", model, model.ModelFile),
    ("<process>/seed<k>/evaluation.h5", evaluation, evaluation.Evaluation),
    ("<process>/relevance.h5", relevance, relevance.Relevance),
    ("<process>/directions.h5", directions, directions.Directions),
    ("<process>/jet_study.h5", jet_study, jet_study.JetStudy),
    ("summary.h5", summary, summary.Summary),
    ("scans/<scan>.h5", scans, scans.Scan),
    ("invariance/<setting>.h5", invariance, invariance.Curve),
    ("invariance/summary.h5", invariance, invariance.InvarianceSummary),
)
