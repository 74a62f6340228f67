"""Generate one chunk of events of a Pythia or RAMBO process (a ROOT file).

Snakemake rule ``generate_chunk``. Standalone:

    python scripts/generate_events.py --config config.yaml --process ee_mumu --chunk 0 \\
        --out results/ee_mumu/events/chunk0.root
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--chunk", type=int, required=True, help="chunk index (0-based)")
    parser.add_argument("--out", required=True, help="output ROOT file")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import generate_event_chunk

    generate_event_chunk(process_spec(args), args.chunk, args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
