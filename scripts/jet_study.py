"""The jet study of one process: function- and distribution-preserving maps of its leading
jet's constituents and the correlation dimension against the energy scale (jet_study.h5).

Snakemake rule ``jet_study``. Standalone:

    python scripts/jet_study.py --config profiles/jets/jets.yaml --process top_jets \\
        --features results/jets/top_jets/features.h5 --out results/jets/top_jets/jet_study.h5 \\
        --models results/jets/top_jets/seed{0,1,2}/model.pt \\
        --relevance results/jets/top_jets/relevance.h5
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--features", required=True, help="the process's features.h5")
    parser.add_argument("--models", nargs="*", help="each seed's model.pt (the VAE resolution)")
    parser.add_argument("--relevance", help="the process's relevance.h5 (with --models)")
    parser.add_argument("--background", help="features.h5 of jet_study.background (the tagger)")
    parser.add_argument("--out", required=True, help="output jet_study.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import study_jets

    spec = process_spec(args)
    study_jets(spec, args.features, args.out, args.models, args.relevance, args.background)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
