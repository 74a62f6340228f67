"""Merge the per-seed evaluations of one process into relevance.h5.

Snakemake rule ``collect``. Standalone:

    python scripts/collect.py --config config.yaml --process ring \\
        --evaluation 0=results/ring/seed0/evaluation.h5 --evaluation 1=... \\
        --features results/ring/features.h5 --out results/ring/relevance.h5
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument(
        "--evaluation",
        action="append",
        required=True,
        metavar="SEED=PATH",
        help="one per seed: the seed and its evaluation.h5",
    )
    parser.add_argument("--features", help="the process's features.h5 (feature names)")
    parser.add_argument("--out", required=True, help="output relevance.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.pipeline import collect

    evaluations = (
        dict(args.evaluation)
        if isinstance(args.evaluation, dict)
        else {int(item.split("=", 1)[0]): item.split("=", 1)[1] for item in args.evaluation}
    )
    collect(process_spec(args), evaluations, args.out, features=args.features)


def from_snakemake(smk) -> argparse.Namespace:
    return argparse.Namespace(
        spec=smk.params.spec,
        evaluation=dict(zip(smk.params.seeds, smk.input.evaluations, strict=True)),
        features=smk.input.features,
        out=smk.output[0],
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"), from_snakemake)
