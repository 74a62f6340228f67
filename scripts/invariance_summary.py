"""Gather the invariance curve files into one table, results/invariance/summary.h5.

Snakemake rule ``invariance_summary``. Standalone:

    python scripts/invariance_summary.py --config config.yaml --results results \\
        --out results/invariance/summary.h5
"""

import argparse
from pathlib import Path

from _common import keyed, load_config, run


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default="config.yaml", help="workflow config (default: %(default)s)"
    )
    parser.add_argument(
        "--results", default="results", help="results folder (default: %(default)s)"
    )
    keyed(parser, "--curves", "each setting and its curve file (default: all, from --config)")
    parser.add_argument("--out", required=True, help="output summary.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import summarize_invariance

    if not args.curves:
        cfg = load_config(args.config)
        args.curves = {s: Path(args.results) / "invariance" / f"{s}.h5" for s in cfg.invariance}
    summarize_invariance(args.curves, args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
