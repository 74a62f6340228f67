"""Compute the four-vector features of a process's events (features.h5).

Snakemake rule ``event_features``. Standalone:

    python scripts/event_features.py --config config.yaml --process ee_mumu \\
        --events results/ee_mumu/events.root --out results/ee_mumu/features.h5
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--events", required=True, help="input events.root")
    parser.add_argument("--out", required=True, help="output features.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import make_event_features

    make_event_features(process_spec(args), args.events, args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
