"""Merge the per-seed evaluations of one process into relevance.h5.

Snakemake rule ``collect``. Standalone:

    python scripts/collect.py --config config.yaml --process ring \\
        --evaluations 0=results/ring/seed0/evaluation.h5 1=... \\
        --features results/ring/features.h5 --out results/ring/relevance.h5
"""

import argparse

from _common import add_process_args, keyed, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    keyed(parser, "--evaluations", "each seed and its evaluation.h5", required=True)
    parser.add_argument("--features", help="the process's features.h5 (feature names)")
    parser.add_argument("--out", required=True, help="output relevance.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import collect

    evaluations = {int(seed): path for seed, path in args.evaluations.items()}
    collect(process_spec(args), evaluations, args.out, features=args.features)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
