"""Gather every process's relevance.h5 and directions.h5 into summary.h5.

Snakemake rule ``summarize``. Standalone:

    python scripts/summarize.py --config config.yaml --results results --out results/summary.h5
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
    parser.set_defaults(files=None, config_dict=None, directions=None)


def main(args: argparse.Namespace) -> None:
    from symvae.pipeline import summarize

    if args.files is None:
        cfg = load_config(args.config)
        args.files = {p: Path(args.results) / p / "relevance.h5" for p in cfg.processes}
        found = {p: Path(args.results) / p / "directions.h5" for p in cfg.processes}
        args.directions = {p: path for p, path in found.items() if path.exists()}
        args.config_dict = {
            "seeds": list(cfg.seeds),
            "processes": {k: v.to_dict() for k, v in cfg.processes.items()},
        }
    summarize(args.files, args.out, args.config_dict, args.directions)


def from_snakemake(smk) -> argparse.Namespace:
    return argparse.Namespace(
        files=dict(zip(smk.params.processes, smk.input.relevance, strict=True)),
        directions=dict(zip(smk.params.processes, smk.input.directions, strict=True)),
        out=smk.output[0],
        config_dict=smk.params.config,
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"), from_snakemake)
