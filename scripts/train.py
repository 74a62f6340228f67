"""Train the VAEs of one process, one per seed, as one batched ensemble (model.pt each).

Snakemake rule ``train`` (every seed of a process in one job); the rules ``scan_train_<scan>``
train every seed of one scan point and evaluate them in the same job (``--evaluate``). Standalone:

    python scripts/train.py --config config.yaml --process ring --seed 0 1 2 \\
        --features results/ring/features.h5 \\
        --out results/ring/seed0/model.pt results/ring/seed1/model.pt results/ring/seed2/model.pt
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument(
        "--seed", type=int, nargs="+", required=True, help="training seeds, one or more"
    )
    parser.add_argument("--features", required=True, help="input features.h5")
    parser.add_argument("--out", nargs="+", required=True, help="output model.pt, one per seed")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default: %(default)s)"
    )
    parser.add_argument(
        "--evaluate",
        nargs="+",
        metavar="EVALUATION",
        help="then evaluate the models into these .h5 files (one per seed)",
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
        [int(s) for s in args.seed],
        args.out,
        threads=args.threads,
        progress=not args.no_progress,
        checkpoint_every=args.checkpoint_every,
    )
    if args.evaluate:
        from symvae.errors import ConfigError
        from symvae.stages import evaluate

        if len(args.evaluate) != len(args.out):
            raise ConfigError(f"{len(args.out)} --out files but {len(args.evaluate)} --evaluate")
        for model, evaluation in zip(args.out, args.evaluate, strict=True):
            evaluate(process_spec(args), args.features, model, evaluation)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
