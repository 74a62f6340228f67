"""Draw the one-page overview of one process (overview.png) from its relevance.h5.

Snakemake rule ``plot_process``. Standalone:

    python scripts/plot_process.py --relevance results/ring/relevance.h5 \\
        --out results/ring/overview.png
"""

import argparse

from _common import run


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--relevance", required=True, help="input relevance.h5")
    parser.add_argument("--out", required=True, help="output PNG")


def main(args: argparse.Namespace) -> None:
    from symvae.report import plot_overview

    plot_overview(args.relevance, args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
