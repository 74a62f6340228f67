"""End to end: wall time of the default workflow, with a per-rule breakdown.

Runs ``snakemake --cores N`` on a config (default: the repository's ``config.yaml``) with a
fresh results folder, then reads every job's Snakemake ``benchmark:`` table and prints

- the wall time of the whole run;
- per rule: jobs, summed job seconds, the longest job, and the share of all job seconds;
- the share of the run spent outside rule bodies: ``1 − Σ job seconds / (cores × wall)``, i.e.
  core time not spent inside a job (Snakemake's start-up and DAG, scheduling, and cores idle on
  the critical path);
- the interpreter start-up and import cost of one job of each script family (measured in this
  invocation by timing ``python -c "import ..."``), times the number of such jobs: the part of
  the rule bodies that is start-up rather than work.

Run: ``python benchmarks/workflow.py [--cores 2] [--config config.yaml] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: What each rule's script imports before it works (the heaviest module of its family).
IMPORTS = {
    "train": "import symvae.stages.training, symvae.vae",
    "evaluate": "import torch, skdim, symvae.stages.evaluation, symvae.stages.directions, symvae.vae",
    "generate": "import symvae.stages.toy",
    "generate_chunk": "import symvae.stages.events",
    "merge_chunks": "import symvae.stages.events",
    "ingest": "import symvae.stages.events",
    "event_features": "import symvae.stages.features",
    "collect": "import symvae.stages.relevance",
    "summarize": "import symvae.stages.summary",
    "plot_process": "import symvae.report",
    "report": "import symvae.report",
    "invariance_curve": "import symvae.stages.invariance",
    "invariance_summary": "import symvae.stages.invariance",
}


def import_seconds(statement: str, repeats: int = 3) -> float:
    """Median wall time of a fresh interpreter that runs ``statement`` (s)."""
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - tic)
    return sorted(times)[len(times) // 2]


def read_benchmarks(folder: Path) -> dict[str, list[float]]:
    """Seconds of every job, keyed by rule (the first folder level under ``benchmarks/``)."""
    out: dict[str, list[float]] = defaultdict(list)
    for path in sorted(folder.rglob("*.tsv")):
        rule = path.relative_to(folder).parts[0].removesuffix(".tsv")
        with path.open() as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        out[rule].append(float(rows[-1]["s"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    parser.add_argument("--keep", help="run in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="symvae-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = work / "results"
    # run from the repository (relative input paths in the config resolve as in a normal
    # run) with every output under the fresh folder
    cmd = [
        sys.executable, "-m", "snakemake", "--configfile", str(Path(args.config).resolve()),
        "--config", f"results={results}", "--cores", str(args.cores), "--quiet", "all",
    ]  # fmt: skip
    tic = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        sys.exit(f"snakemake failed:\n{proc.stderr[-3000:]}")

    jobs = read_benchmarks(results / "benchmarks")
    total = sum(sum(v) for v in jobs.values())
    print(f"default workflow, --cores {args.cores}: wall {wall:.1f} s ({wall / 60:.2f} min)")
    print(f"{'rule':22s} {'jobs':>5s} {'Σ s':>8s} {'max s':>7s} {'share':>6s}")
    for rule, secs in sorted(jobs.items(), key=lambda kv: -sum(kv[1])):
        share = sum(secs) / total
        print(f"{rule:22s} {len(secs):5d} {sum(secs):8.1f} {max(secs):7.1f} {share:6.1%}")
    print(f"{'all jobs':22s} {sum(len(v) for v in jobs.values()):5d} {total:8.1f}")
    outside = 1.0 - total / (args.cores * wall)
    print(f"outside rule bodies: {outside:.1%} of {args.cores} × wall (start-up, DAG, idle cores)")

    startup = 0.0
    for rule, secs in jobs.items():
        if rule in IMPORTS:
            startup += len(secs) * import_seconds(IMPORTS[rule])
    print(
        f"interpreter start-up + imports inside jobs: {startup:.1f} s "
        f"({startup / total:.1%} of job time)"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
