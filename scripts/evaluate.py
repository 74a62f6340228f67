"""Measure the relevance of each latent direction of trained VAEs (evaluation.h5 per model).

Relevance, posterior widths, KL, local degrees of freedom, latent means, traversals and,
for linear_gaussian processes, the linear-VAE theory check. With ``--directions``, then the
symmetry directions of the process from all its models (directions.h5). Snakemake rule ``evaluate`` does both for every seed of a process in
one job (torch and scikit-dimension load once). Standalone:

    python scripts/evaluate.py --config config.yaml --process ring \\
        --features results/ring/features.h5 \\
        --models results/ring/seed0/model.pt results/ring/seed1/model.pt \\
        --evaluations results/ring/seed0/evaluation.h5 results/ring/seed1/evaluation.h5
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--features", required=True, help="input features.h5")
    parser.add_argument("--models", required=True, nargs="+", help="input model.pt, one or more")
    parser.add_argument(
        "--evaluations", required=True, nargs="+", help="output evaluation.h5, one per model"
    )
    parser.add_argument(
        "--directions", help="also write the process's directions.h5 here (all models)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default: %(default)s)"
    )


def main(args: argparse.Namespace) -> None:
    from symvae.errors import ConfigError
    from symvae.stages import evaluate
    from symvae.vae import set_threads

    if len(args.models) != len(args.evaluations):
        raise ConfigError(
            f"{len(args.models)} --models files but {len(args.evaluations)} --evaluations files"
        )
    set_threads(args.threads)
    spec = process_spec(args)
    for model, out in zip(args.models, args.evaluations, strict=True):
        evaluate(spec, args.features, model, out)
    if args.directions:
        from symvae.outputs.model import load_model
        from symvae.stages import analyze_directions

        seeds = [load_model(m).seed for m in args.models]
        models = dict(zip(seeds, args.models, strict=True))
        evaluations = dict(zip(seeds, args.evaluations, strict=True))
        analyze_directions(spec, args.features, models, evaluations, args.directions)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
