"""Build the PDF report (report.pdf) from summary.h5, every process's relevance.h5 and
the invariance curves.

Snakemake rule ``report``. Standalone:

    python scripts/report.py --config config.yaml --results results --out results/report.pdf
"""

import argparse
from pathlib import Path

from _common import add_results_args, keyed, load_config, run


def build(parser: argparse.ArgumentParser) -> None:
    add_results_args(parser)
    parser.add_argument("--summary", help="summary.h5 (default: from --config and --results)")
    keyed(parser, "--relevance", "each process and its relevance.h5")
    keyed(parser, "--features", "each event process and its features.h5")
    keyed(parser, "--invariance", "each invariance setting and its curve file")
    keyed(parser, "--directions", "each process and its directions.h5")
    keyed(parser, "--scans", "each scan and its scans/<scan>.h5")
    keyed(parser, "--jet-study", "each studied jet process and its jet_study.h5")
    parser.add_argument("--out", required=True, help="output report.pdf")


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
        args.jet_study = {
            p: Path(args.results) / p / "jet_study.h5"
            for p, spec in cfg.processes.items()
            if spec.jet_study is not None
        }
    build_report(
        args.summary,
        args.relevance,
        args.out,
        feature_paths=args.features,
        invariance_paths=args.invariance,
        directions_paths=args.directions,
        scan_paths=args.scans,
        jet_study_paths=args.jet_study,
    )


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
