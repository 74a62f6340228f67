"""Train one VAE for one process and one seed, and save it (model.pt).

Snakemake rule ``train``; rule ``scan_train`` also evaluates the model in the same job
(``--evaluate``). Standalone:

    python scripts/train.py --config config.yaml --process ring --seed 0 \\
        --features results/ring/features.h5 --out results/ring/seed0/model.pt
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--seed", type=int, required=True, help="training seed")
    parser.add_argument("--features", required=True, help="input features.h5")
    parser.add_argument("--out", required=True, help="output model.pt")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default: %(default)s)"
    )
    parser.add_argument(
        "--evaluate", metavar="EVALUATION", help="then evaluate the model into this .h5 file"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--checkpoint-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="checkpoint <out>.ckpt at most this often; 0: every epoch (default: %(default)s)",
    )


def main(args: argparse.Namespace) -> None:
    from symvae.stages import train

    train(
        process_spec(args),
        args.features,
        args.seed,
        args.out,
        threads=args.threads,
        progress=not args.no_progress,
        checkpoint_every=args.checkpoint_every,
    )
    if args.evaluate:
        from symvae.stages import evaluate

        evaluate(process_spec(args), args.features, args.out, args.evaluate)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
