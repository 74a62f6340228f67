"""Generate the events of one process and write its features file (features.h5).

Snakemake rule ``generate``. Standalone:

    python scripts/generate.py --config config.yaml --process ring --out results/ring/features.h5
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--out", required=True, help="output features.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import make_features

    make_features(process_spec(args), args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
