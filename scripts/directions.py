"""Symmetry directions of one process: tangent spaces, constraints, generators, baselines.

Writes directions.h5 (schema: docs/outputs.md). Snakemake rule ``directions``. Standalone:

    python scripts/directions.py --config config.yaml --process ee_mumu \\
        --features results/ee_mumu/features.h5 \\
        --seed 0=results/ee_mumu/seed0 --seed 1=results/ee_mumu/seed1 \\
        --out results/ee_mumu/directions.h5

Each ``--seed S=DIR`` names a folder holding that seed's model.pt and evaluation.h5.
"""

import argparse
from pathlib import Path

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--features", required=True, help="input features.h5")
    parser.add_argument(
        "--seed",
        action="append",
        required=True,
        metavar="SEED=DIR",
        help="one per seed: the seed and the folder with its model.pt and evaluation.h5",
    )
    parser.add_argument("--out", required=True, help="output directions.h5")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default: %(default)s)"
    )


def main(args: argparse.Namespace) -> None:
    from symvae.directions.steps import analyze_directions
    from symvae.vae import set_threads

    set_threads(args.threads)
    if isinstance(args.seed, dict):
        models, evaluations = args.seed["models"], args.seed["evaluations"]
    else:
        folders = {int(s.split("=", 1)[0]): Path(s.split("=", 1)[1]) for s in args.seed}
        models = {s: d / "model.pt" for s, d in folders.items()}
        evaluations = {s: d / "evaluation.h5" for s, d in folders.items()}
    analyze_directions(process_spec(args), args.features, models, evaluations, args.out)


def from_snakemake(smk) -> argparse.Namespace:
    seeds = smk.params.seeds
    return argparse.Namespace(
        spec=smk.params.spec,
        features=smk.input.features,
        seed={
            "models": dict(zip(seeds, smk.input.models, strict=True)),
            "evaluations": dict(zip(seeds, smk.input.evaluations, strict=True)),
        },
        out=smk.output[0],
        threads=smk.threads,
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"), from_snakemake)
