"""Measure the relevance of each latent direction of one trained VAE (evaluation.h5).

Relevance, posterior widths, KL, local degrees of freedom, latent means, traversals and,
for linear_gaussian processes, the linear-VAE theory check. Snakemake rule ``evaluate``.
Standalone:

    python scripts/evaluate.py --config config.yaml --process ring \\
        --features results/ring/features.h5 --model results/ring/seed0/model.pt \\
        --out results/ring/seed0/evaluation.h5
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--features", required=True, help="input features.h5")
    parser.add_argument("--model", required=True, help="input model.pt")
    parser.add_argument("--out", required=True, help="output evaluation.h5")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default: %(default)s)"
    )


def main(args: argparse.Namespace) -> None:
    from symvae.pipeline import evaluate
    from symvae.vae import set_threads

    set_threads(args.threads)
    evaluate(process_spec(args), args.features, args.model, args.out)


def from_snakemake(smk) -> argparse.Namespace:
    return argparse.Namespace(
        spec=smk.params.spec,
        features=smk.input.features,
        model=smk.input.model,
        out=smk.output[0],
        threads=smk.threads,
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"), from_snakemake)
