"""Gather the invariance curve files into one table, results/invariance/summary.h5.

Snakemake rule ``invariance_summary``. Standalone:

    python scripts/invariance_summary.py --config config.yaml --results results \\
        --out results/invariance/summary.h5
"""

import argparse
from pathlib import Path

from _common import load_config, run


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default="config.yaml", help="workflow config (default: %(default)s)"
    )
    parser.add_argument(
        "--results", default="results", help="results folder (default: %(default)s)"
    )
    parser.add_argument("--out", required=True, help="output summary.h5")
    parser.set_defaults(files=None)


def main(args: argparse.Namespace) -> None:
    from symvae.invariance.steps import summarize_invariance

    if args.files is None:
        cfg = load_config(args.config)
        args.files = {s: Path(args.results) / "invariance" / f"{s}.h5" for s in cfg.invariance}
    summarize_invariance(args.files, args.out)


def from_snakemake(smk) -> argparse.Namespace:
    return argparse.Namespace(
        files=dict(zip(smk.params.settings, smk.input, strict=True)), out=smk.output[0]
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"), from_snakemake)
