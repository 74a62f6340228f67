"""The least time the paper profile's trainings can take on this machine.

For every process of the merged config (``config.yaml`` with ``profiles/paper/paper.yaml``
over it) it builds the training job's batched ensemble at the profile's size (its seeds,
architecture, batch size, features and training events) on random data of that shape, and
times epochs of it on one thread: the time of 4 epochs minus the time of 1 (so the set-up
drops out) over 3, each the best of 2 runs, measured on at most ``--max-events`` training
events and scaled by the number of batches (an epoch's cost is its number of steps times a
step's cost, which the data's values do not change). Features and the train/validation split
are counted by the workflow's own functions (``feature_columns``, ``make_split``).

Early stopping ends a seed only after ``patience`` epochs without improvement, so every
seed trains at least ``patience + 1`` epochs: ``floor = (patience + 1) x time per epoch``.
Summed over the processes and divided by ``--cores`` (every core busy with one one-thread
job, the best packing there is), it is a lower bound of the wall time of the profile's
trainings alone (the parameter scans, event generation, features, evaluation and the
invariance curves come on top). ``at limit`` is the same at the profile's epoch limit.

The last line is machine-readable: ``paper trainings floor on N cores: X.XX h``.

Run: ``python benchmarks/paper_floor.py [--cores 2] [--max-events 10000]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _n_features(spec) -> int:
    from symvae.datasets import generate
    from symvae.events.features import feature_columns

    if not spec.has_events:
        return generate(spec.generator, 16, seed=0, params=spec.params).features.shape[1]
    return len(feature_columns(spec.features)[0])


def _n_events(spec) -> int:
    if not spec.has_events:
        return spec.data.n_events
    if spec.generated_events:
        return int(spec.events["n_events"])
    import uproot

    with uproot.open(ROOT / spec.events["path"]) as f:
        return int(f[spec.events["tree"]].num_entries)


def _seconds(n_train: int, n_val: int, d: int, cfg, seeds: list[int], epochs: int) -> float:
    from symvae.vae import train_ensemble

    rng = np.random.default_rng(0)
    xt, xv = rng.normal(size=(n_train, d)), rng.normal(size=(n_val, d))
    cfg = dataclasses.replace(cfg, epochs=epochs, patience=epochs + 1, device="cpu")
    start = time.perf_counter()
    train_ensemble(xt, xv, cfg, seeds, threads=1, progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    parser.add_argument("--profile", default=str(ROOT / "profiles" / "paper" / "paper.yaml"))
    parser.add_argument("--cores", type=int, default=2, help="cores to divide by (default: 2)")
    parser.add_argument(
        "--max-events", type=int, default=10_000, help="training events timed (default: 10000)"
    )
    args = parser.parse_args()

    import torch

    from symvae.config import load_config
    from symvae.outputs.features import TRAIN, VALIDATION, make_split

    torch.set_num_threads(1)
    config = load_config(args.config, args.profile)
    seeds = list(config.seeds)
    print(f"{len(config.processes)} processes, {len(seeds)} seeds each, 1 thread per job")
    print(
        f"{'process':22s} {'train ev':>9s} {'d':>3s} {'hidden':>10s} {'s/epoch':>8s} "
        f"{'min ep':>6s} {'floor s':>8s} {'at limit s':>10s}"
    )
    floor = limit = 0.0
    for name, spec in config.processes.items():
        data = spec.data
        split = make_split(_n_events(spec), data.validation_fraction, data.test_fraction, data.seed)
        n_train, n_val = int(np.sum(split == TRAIN)), int(np.sum(split == VALIDATION))
        d, cfg = _n_features(spec), spec.vae
        timed = min(n_train, args.max_events)
        timed_val = max(1, round(n_val * timed / n_train))
        one = min(_seconds(timed, timed_val, d, cfg, seeds, 1) for _ in range(2))
        four = min(_seconds(timed, timed_val, d, cfg, seeds, 4) for _ in range(2))
        batches = max(n_train // cfg.batch_size, 1) / max(timed // cfg.batch_size, 1)
        per_epoch = max(four - one, 0.0) / 3 * batches
        least = (cfg.patience + 1) * per_epoch
        floor, limit = floor + least, limit + cfg.epochs * per_epoch
        print(
            f"{name:22s} {n_train:9d} {d:3d} {cfg.hidden!s:>10s} {per_epoch:8.2f} "
            f"{cfg.patience + 1:6d} {least:8.0f} {cfg.epochs * per_epoch:10.0f}"
        )
    print(
        f"sum: floor {floor:.0f} s, at the epoch limit {limit:.0f} s (one core); "
        f"on {args.cores} cores: {floor / args.cores / 3600:.2f} h to "
        f"{limit / args.cores / 3600:.2f} h"
    )
    print(f"paper trainings floor on {args.cores} cores: {floor / args.cores / 3600:.2f} h")


if __name__ == "__main__":
    main()
