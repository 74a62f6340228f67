"""Merge the generation chunks of one process into its event file (events.root).

Snakemake rule ``merge_chunks``. Standalone:

    python scripts/merge_events.py --config config.yaml --process ee_mumu \\
        --chunks results/ee_mumu/events/chunk0.root results/ee_mumu/events/chunk1.root \\
        --out results/ee_mumu/events.root
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--chunks", nargs="+", required=True, help="chunk ROOT files, in order")
    parser.add_argument("--out", required=True, help="output events.root")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import merge_events

    merge_events(process_spec(args), args.chunks, args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
