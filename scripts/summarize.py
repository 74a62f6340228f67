"""Gather every process's relevance.h5 and directions.h5 into summary.h5.

Snakemake rule ``summarize``. Standalone:

    python scripts/summarize.py --config config.yaml --results results --out results/summary.h5
"""

import argparse
from pathlib import Path

from _common import keyed, load_config, run, workflow_only


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default="config.yaml", help="workflow config (default: %(default)s)"
    )
    parser.add_argument(
        "--results", default="results", help="results folder (default: %(default)s)"
    )
    keyed(parser, "--relevance", "each process and its relevance.h5 (default: from --config)")
    keyed(parser, "--directions", "each process and its directions.h5")
    parser.add_argument("--out", required=True, help="output summary.h5")
    # a rule's params.settings: the settings recorded in the summary, never typed by hand
    parser.add_argument("--settings", type=workflow_only, help=argparse.SUPPRESS)


def main(args: argparse.Namespace) -> None:
    from symvae.stages import summarize

    if not args.relevance:
        cfg = load_config(args.config)
        args.relevance = {p: Path(args.results) / p / "relevance.h5" for p in cfg.processes}
        found = {p: Path(args.results) / p / "directions.h5" for p in cfg.processes}
        args.directions = {p: path for p, path in found.items() if path.exists()}
        args.settings = {
            "seeds": list(cfg.seeds),
            "processes": {k: v.view("relevance")["settings"] for k, v in cfg.processes.items()},
        }
    summarize(args.relevance, args.out, args.settings, args.directions)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
