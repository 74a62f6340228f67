"""The workflow's stages: one module per stage, each a plain function from input paths and
settings to output paths. Every Snakemake rule calls one of them through a thin script, and a
notebook calls them directly::

    from symvae.config import load_config
    from symvae import stages

    cfg = load_config("config.yaml")
    spec = cfg.process("ring")
    stages.make_features(spec, "results/ring/features.h5")
    stages.train(spec, "results/ring/features.h5", seeds=[0, 1],
                 out=["results/ring/seed0/model.pt", "results/ring/seed1/model.pt"])
    stages.evaluate(spec, "results/ring/features.h5", "results/ring/seed0/model.pt",
                    "results/ring/seed0/evaluation.h5")
    stages.collect(spec, {0: "results/ring/seed0/evaluation.h5"}, "results/ring/relevance.h5",
                   features="results/ring/features.h5")
    stages.summarize({"ring": "results/ring/relevance.h5"}, "results/summary.h5")

=====================  ==========================================  =====================
module                 function                                    writes
=====================  ==========================================  =====================
:mod:`.toy`            :func:`make_features`                       ``features.h5``
:mod:`.events`         :func:`generate_event_chunk`,               ``events.root``
                       :func:`merge_events`, :func:`ingest_events`
:mod:`.features`       :func:`make_event_features`                 ``features.h5``
:mod:`.training`       :func:`train`                               ``model.pt``
:mod:`.evaluation`     :func:`evaluate`                            ``evaluation.h5``
:mod:`.relevance`      :func:`collect`                             ``relevance.h5``
:mod:`.directions`     :func:`analyze_directions`                  ``directions.h5``
:mod:`.jet_study`      :func:`study_jets`                          ``jet_study.h5``
:mod:`.summary`        :func:`summarize`                           ``summary.h5``
:mod:`.scans`          :func:`collect_scan`                        ``scans/<scan>.h5``
:mod:`.invariance`     :func:`run_setting`,                        ``invariance/*.h5``
                       :func:`summarize_invariance`
=====================  ==========================================  =====================
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: the module of every public name: a stage's module loads on first use, so a job imports
#: only what its own stage needs (torch, vector, scikit-dimension, ... are each a second)
_HOMES = {
    "DirectionsSettings": "directions",
    "analyze_directions": "directions",
    "expected_generators": "directions",
    "family_for": "directions",
    "tangent_truth": "directions",
    "evaluate": "evaluation",
    "chunk_sizes": "events",
    "generate_event_chunk": "events",
    "ingest_events": "events",
    "merge_events": "events",
    "make_event_features": "features",
    "run_setting": "invariance",
    "summarize_invariance": "invariance",
    "study_jets": "jet_study",
    "collect": "relevance",
    "collect_scan": "scans",
    "summarize": "summary",
    "make_features": "toy",
    "train": "training",
}

__all__ = [  # noqa: RUF022 (as _HOMES, by module)
    "DirectionsSettings",
    "analyze_directions",
    "expected_generators",
    "family_for",
    "tangent_truth",
    "evaluate",
    "chunk_sizes",
    "generate_event_chunk",
    "ingest_events",
    "merge_events",
    "make_event_features",
    "run_setting",
    "summarize_invariance",
    "study_jets",
    "collect",
    "collect_scan",
    "summarize",
    "make_features",
    "train",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


if TYPE_CHECKING:
    from symvae.stages.directions import (
        DirectionsSettings,
        analyze_directions,
        expected_generators,
        family_for,
        tangent_truth,
    )
    from symvae.stages.evaluation import evaluate
    from symvae.stages.events import (
        chunk_sizes,
        generate_event_chunk,
        ingest_events,
        merge_events,
    )
    from symvae.stages.features import make_event_features
    from symvae.stages.invariance import run_setting, summarize_invariance
    from symvae.stages.jet_study import study_jets
    from symvae.stages.relevance import collect
    from symvae.stages.scans import collect_scan
    from symvae.stages.summary import summarize
    from symvae.stages.toy import make_features
    from symvae.stages.training import train
