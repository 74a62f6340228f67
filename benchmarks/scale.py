"""Scale: wall time and peak memory of the event steps at 10⁴, 10⁵ and 10⁶ events.

One process (RAMBO, three massless particles, Cartesian features) at each size: every step runs
in a fresh interpreter so that its peak resident memory (``ru_maxrss``) is its own:

- ``generate``: RAMBO events in chunks of 10⁵, each appended to the event file;
- ``features``: :func:`symvae.stages.make_event_features` (reads the event file in chunks
  of 10⁵ events and appends to ``features.h5``);
- ``read``: :func:`symvae.outputs.features.read_features` and the training split, as training reads
  them (one copy of the feature matrix).

It prints, per step and size, the wall time, the time per 10⁶ events (flat = linear), the peak
memory and the peak above a bare interpreter with the same imports (flat = bounded memory), and
the ratios between 10⁵ and 10⁶ events.

Run: ``python benchmarks/scale.py [--sizes 10000 100000 1000000] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

IMPORTS = """
import resource, time, json, sys
import numpy as np
from symvae.config import load_config
from symvae.events.rambo import rambo
from symvae.outputs.events import write_events_chunked
from symvae.stages import make_event_features
from symvae.outputs.features import TRAIN, read_features
"""

STEPS = {
    "generate": """
chunks = (rambo(min(100_000, n - i), seed=i, n_particles=3) for i in range(0, n, 100_000))
write_events_chunked(work / "events.root", chunks)
""",
    "features": """
make_event_features(spec, work / "events.root", work / "features.h5")
""",
    "read": """
ff = read_features(work / "features.h5")
x = ff.part(TRAIN)
""",
}

CONFIG = {
    "seeds": [0],
    "defaults": {"data": {}, "vae": {"latent_dim": 8}, "relevance": {}, "local_dof": {}},
    "processes": {
        "rambo3": {
            "events": {"source": "rambo", "n_events": 10, "params": {"n_particles": 3}},
            "features": {"objects": [{"index": i} for i in range(3)], "kinds": ["cartesian"]},
            "dof": 5,
        }
    },
}


def _run(step: str, n: int, work: Path) -> dict[str, float]:
    code = (
        IMPORTS
        + "from pathlib import Path\n"
        + f"n, work = {n}, Path({str(work)!r})\n"
        + f"spec = load_config({CONFIG!r}).process('rambo3')\n"
        + "tic = time.perf_counter()\n"
        + STEPS.get(step, "")
        + "seconds = time.perf_counter() - tic\n"
        + "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        + "print(json.dumps({'seconds': seconds, 'peak_mb': peak}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"step {step} at n = {n} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="symvae-scale-"))
    bare = _run("bare", 1, base)["peak_mb"]
    print(f"bare interpreter with the imports: peak {bare:.0f} MB")
    print(
        f"{'step':10s} {'events':>9s} {'wall s':>8s} {'s / 1e6 ev':>10s} {'peak MB':>8s} {'above bare':>10s}"
    )
    table: dict[tuple[str, int], dict[str, float]] = {}
    for n in args.sizes:
        work = base / str(n)
        work.mkdir(parents=True, exist_ok=True)
        for step in STEPS:
            r = table[step, n] = _run(step, n, work)
            print(
                f"{step:10s} {n:9d} {r['seconds']:8.2f} {r['seconds'] / n * 1e6:10.2f} "
                f"{r['peak_mb']:8.0f} {r['peak_mb'] - bare:10.0f}"
            )
    big, small = max(args.sizes), sorted(args.sizes)[-2] if len(args.sizes) > 1 else None
    if small:
        print(f"ratios {big} / {small} events (linear time: 1.0 per event; flat memory: 1.0):")
        for step in STEPS:
            a, b = table[step, big], table[step, small]
            per_event = (a["seconds"] / big) / (b["seconds"] / small)
            print(
                f"  {step:10s} time per event {per_event:5.2f}   peak memory "
                f"{a['peak_mb'] / b['peak_mb']:5.2f}"
            )
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
