"""Throughput of event generation and feature computation, against bare baselines.

Every figure is measured in this one invocation, on the same machine and events:

- Pythia 8: symvae's ``generate_pythia`` (selection, conversion to awkward, the ``Events``
  checks) against a bare ``pythia8mc`` loop that only calls ``next()`` and copies the muon
  momenta into Python lists; both with the same settings and number of events, after
  ``init()``. The pipeline figure with the ROOT write is printed too.
- RAMBO: events/s for n = 3 (10^6 events).
- Features: ``compute_features`` (awkward + vector) against the per-event Python loop
  ``compute_features_loop`` (``benchmarks/reference_features.py``) on the same events.

Run: ``python benchmarks/events.py [--pythia-events N] [--feature-events N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from reference_features import compute_features_loop

from symvae.events import Events
from symvae.events.features import compute_features
from symvae.events.pythia import QUIET, _pythia_module, generate_pythia
from symvae.events.rambo import rambo, rambo_momenta
from symvae.outputs.events import write_events

EE_MUMU = [
    "Beams:idA = 11",
    "Beams:idB = -11",
    "Beams:eCM = 91.1876",
    "PDF:lepton = off",
    "WeakSingleBoson:ffbar2gmZ = on",
    "23:onMode = off",
    "23:onIfAny = 13",
    "PartonLevel:ISR = off",
    "PartonLevel:FSR = off",
    "HadronLevel:all = off",
]


def best_of(func: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall time (s) of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_pythia(n: int, seed: int) -> float:
    """Seconds for ``n`` events of a bare pythia8mc loop (after init)."""
    pythia = _pythia_module().Pythia("", False)
    for line in (*QUIET, *EE_MUMU, "Random:setSeed = on", f"Random:seed = {seed}"):
        pythia.readString(line)
    pythia.init()
    momenta: list[tuple[float, float, float, float]] = []
    start = time.perf_counter()
    done = 0
    while done < n:
        if not pythia.next():
            continue
        for p in pythia.event:
            if p.isFinal() and p.idAbs() == 13:
                momenta.append((p.px(), p.py(), p.pz(), p.e()))
        done += 1
    return time.perf_counter() - start


def pipeline_pythia(n: int, seed: int) -> tuple[float, float]:
    """Seconds for ``n`` events of generate_pythia (init excluded), and with the ROOT write."""
    import pythia8mc  # noqa: F401  (import cost outside the timing)

    # time init separately by generating one event first with the same settings
    start = time.perf_counter()
    generate_pythia(EE_MUMU, 1, seed, {"pid": [13, -13]}, progress=False)
    init = time.perf_counter() - start
    start = time.perf_counter()
    events = generate_pythia(EE_MUMU, n, seed, {"pid": [13, -13]}, progress=False)
    gen = time.perf_counter() - start - init
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_events(Path(tmp) / "e.root", events)
        write = time.perf_counter() - start
    return gen, gen + write


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pythia-events", type=int, default=20000)
    parser.add_argument("--rambo-events", type=int, default=1_000_000)
    parser.add_argument("--feature-events", type=int, default=100_000)
    args = parser.parse_args()

    print("== event generation ==")
    n = args.pythia_events
    bare = min(bare_pythia(n, 1) for _ in range(2))
    pipe, pipe_root = min((pipeline_pythia(n, 1) for _ in range(2)), key=lambda t: t[0])
    print(f"pythia e+e- -> mu mu, {n} events (init excluded)")
    print(f"  bare pythia8mc loop      {n / bare:10.0f} events/s")
    print(f"  symvae generate_pythia   {n / pipe:10.0f} events/s   ratio to bare {bare / pipe:.2f}")
    print(
        f"  ... plus ROOT write      {n / pipe_root:10.0f} events/s   ratio to bare {bare / pipe_root:.2f}"
    )
    m = args.rambo_events
    rng = np.random.default_rng(0)
    t_mom = best_of(lambda: rambo_momenta(m, 3, 100.0, rng))
    t_ev = best_of(lambda: rambo(m, 0, n_particles=3), repeat=1)
    print(
        f"rambo n=3, {m} events: momenta {m / t_mom:10.0f} events/s, as Events {m / t_ev:10.0f} events/s"
    )

    print("== features ==")
    k = args.feature_events
    events: Events = rambo(k, 1, n_particles=3)
    for kinds in (["cartesian"], ["cartesian", "collider", "invariants"]):
        spec = {"objects": [{"index": 0}, {"index": 1}, {"index": 2}], "kinds": kinds}
        t_vec = best_of(lambda spec=spec: compute_features(events, spec))
        t_loop = best_of(lambda spec=spec: compute_features_loop(events, spec), repeat=1)
        print(f"{k} events x 3 objects, kinds {'+'.join(kinds)}")
        print(f"  vectorized (awkward+vector) {k / t_vec:10.0f} events/s")
        print(
            f"  per-event python loop       {k / t_loop:10.0f} events/s   speed-up {t_loop / t_vec:.1f}x"
        )


if __name__ == "__main__":
    main()
