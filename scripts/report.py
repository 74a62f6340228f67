"""Build the PDF report (report.pdf) from summary.h5, every process's relevance.h5 and
the invariance curves.

Snakemake rule ``report``. Standalone:

    python scripts/report.py --config config.yaml --results results --out results/report.pdf
"""

import argparse
from pathlib import Path

from _common import add_results_args, load_config, run


def build(parser: argparse.ArgumentParser) -> None:
    add_results_args(parser)
    parser.add_argument("--out", required=True, help="output report.pdf")
    parser.set_defaults(
        summary=None, relevance=None, features=None, invariance=None, directions=None, scans=None
    )


def main(args: argparse.Namespace) -> None:
    from symvae.report import build_report

    if args.summary is None:
        cfg = load_config(*args.config)
        args.summary = Path(args.results) / "summary.h5"
        args.relevance = {p: Path(args.results) / p / "relevance.h5" for p in cfg.processes}
        args.features = {
            p: Path(args.results) / p / "features.h5"
            for p, spec in cfg.processes.items()
            if spec.has_events
        }
        args.invariance = {s: Path(args.results) / "invariance" / f"{s}.h5" for s in cfg.invariance}
        found = {p: Path(args.results) / p / "directions.h5" for p in cfg.processes}
        args.directions = {p: path for p, path in found.items() if path.exists()}
        args.scans = {s: scan.output_path(args.results) for s, scan in cfg.scans.items()}
    build_report(
        args.summary,
        args.relevance,
        args.out,
        feature_paths=args.features,
        invariance_paths=args.invariance,
        directions_paths=args.directions,
        scan_paths=args.scans,
    )


def from_snakemake(smk) -> argparse.Namespace:
    return argparse.Namespace(
        summary=smk.input.summary,
        relevance=dict(zip(smk.params.processes, smk.input.relevance, strict=True)),
        features=dict(zip(smk.params.event_processes, smk.input.features, strict=True)),
        invariance=dict(zip(smk.params.invariance, smk.input.invariance, strict=True)),
        directions=dict(zip(smk.params.processes, smk.input.directions, strict=True)),
        scans=dict(zip(smk.params.scans, smk.input.scans, strict=True)),
        out=smk.output[0],
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"), from_snakemake)
