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
:mod:`.train`          :func:`train`                               ``model.pt``
:mod:`.evaluate`       :func:`evaluate`                            ``evaluation.h5``
:mod:`.relevance`      :func:`collect`                             ``relevance.h5``
:mod:`.directions`     :func:`analyze_directions`                  ``directions.h5``
:mod:`.jet_study`      :func:`study_jets`                          ``jet_study.h5``
:mod:`.summary`        :func:`summarize`                           ``summary.h5``
:mod:`.scans`          :func:`collect_scan`                        ``scans/<scan>.h5``
:mod:`.invariance`     :func:`run_setting`,                        ``invariance/*.h5``
                       :func:`summarize_invariance`
=====================  ==========================================  =====================
"""

from symvae.stages.directions import (
    DirectionsSettings,
    analyze_directions,
    expected_generators,
    family_for,
    tangent_truth,
)
from symvae.stages.evaluate import evaluate
from symvae.stages.events import chunk_sizes, generate_event_chunk, ingest_events, merge_events
from symvae.stages.features import make_event_features
from symvae.stages.invariance import run_setting, summarize_invariance
from symvae.stages.jet_study import study_jets
from symvae.stages.relevance import collect
from symvae.stages.scans import collect_scan
from symvae.stages.summary import summarize
from symvae.stages.toy import make_features
from symvae.stages.train import train

__all__ = [
    "DirectionsSettings",
    "analyze_directions",
    "chunk_sizes",
    "collect",
    "collect_scan",
    "evaluate",
    "expected_generators",
    "family_for",
    "generate_event_chunk",
    "ingest_events",
    "make_event_features",
    "make_features",
    "merge_events",
    "run_setting",
    "study_jets",
    "summarize",
    "summarize_invariance",
    "tangent_truth",
    "train",
]
