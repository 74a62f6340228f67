"""Collect the points of one scan into its curves (scans/<scan>.h5).

Snakemake rule ``scan_collect``. For measures ``dof`` and ``breaking`` it reads the
evaluation files of every point and seed (written by rule ``scan_train_<scan>``); for ``symmetry``
it tests the named generator on every point's features. Standalone, with the layout of the
workflow's results folder:

    python scripts/scan_collect.py --config config.yaml profiles/scans/scans.yaml \\
        --scan beta --results results --out results/scans/beta.h5
"""

import argparse

from _common import add_results_args, run


def build(parser: argparse.ArgumentParser) -> None:
    add_results_args(parser)
    parser.add_argument("--scan", required=True, help="scan name, a key of 'scans'")
    parser.add_argument("--out", required=True, help="output scans/<scan>.h5")


def main(args: argparse.Namespace) -> None:
    from symvae.config import load_config
    from symvae.errors import ConfigError
    from symvae.stages import collect_scan

    cfg = load_config(*args.config)
    if args.scan not in cfg.scans:
        known = ", ".join(cfg.scans) or "none"
        raise ConfigError(f"no scan named '{args.scan}' in the config (has: {known})")
    scan = cfg.scans[args.scan]
    reference = scan.reference_inputs(args.results, cfg.seeds)
    collect_scan(scan, scan.inputs(args.results), args.out, reference)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
