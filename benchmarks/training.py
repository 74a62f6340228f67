"""VAE training throughput: S seeds one after another against the S seeds as one ensemble.

In this one invocation, for each sample size (the default config's and the paper
profile's events per process) and each S of ``--seeds``, it trains

- S seeds one after another with the loop symvae used before seeds were batched
  (``benchmarks/reference_training.py``: nn.Linear layers, fused Adam), and
- the same S seeds as one batched ensemble (``symvae.vae.train_ensemble``),

on the same data, architecture, batch size, epochs and torch threads (early stopping off, so
both do the same number of steps), and prints the wall time of each and their ratio. It also
prints the matrix-product throughput the ensemble reaches (GFLOP/s of its forward and
backward products, counted from the layer shapes) beside what ``torch.bmm`` alone reaches on
the same shapes on this machine: the ensemble's share of the machine's product speed.

Two ceilings bound the ratio on this machine: ``ceiling`` is the sequential time over the
time the batched run's products alone take at ``torch.bmm``'s speed (every other operation
free), ``+activations`` adds the forward and backward of the model's activations, which no
batching removes.

The last line is machine-readable: ``ratio sequential/batched S=<max S>: X.XX`` (default size).

Run: ``python benchmarks/training.py [--seeds 3 10] [--epochs E] [--threads T]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_training import train_sequential_one

from symvae.config import VAEConfig, load_config
from symvae.datasets import generate
from symvae.vae import train_ensemble
from symvae.vae.model import ACTIVATIONS

ROOT = Path(__file__).resolve().parents[1]


def layer_shapes(cfg: VAEConfig, d: int) -> list[tuple[int, int]]:
    """(in, out) of every linear layer of the MLP VAE, in order."""
    h = list(cfg.hidden)
    encoder = list(pairwise([d, *h]))
    heads = [(h[-1], cfg.latent_dim)] * 2
    decoder = list(pairwise([cfg.latent_dim, *reversed(h), d]))
    return encoder + heads + decoder


def step_flops(shapes: list[tuple[int, int]], batch: int) -> float:
    """Product FLOPs of one training step of one seed: forward, weight and input gradients
    (the first layer's input needs no gradient)."""
    forward = sum(2.0 * batch * i * o for i, o in shapes)
    return 3.0 * forward - 2.0 * batch * shapes[0][0] * shapes[0][1]


def bmm_gflops(shapes: list[tuple[int, int]], seeds: int, batch: int, repeats: int = 50) -> float:
    """GFLOP/s of ``torch.bmm`` alone on the forward shapes of every layer, S seeds."""
    pairs = [(torch.randn(seeds, batch, i), torch.randn(seeds, i, o)) for i, o in shapes]
    for a, b in pairs:
        torch.bmm(a, b)
    tic = time.perf_counter()
    for _ in range(repeats):
        for a, b in pairs:
            torch.bmm(a, b)
    seconds = time.perf_counter() - tic
    return repeats * sum(2.0 * seeds * batch * i * o for i, o in shapes) / seconds / 1e9


def activation_seconds(cfg: VAEConfig, seeds: int, repeats: int = 50) -> float:
    """Seconds of one training step's activations alone, S seeds: the forward and backward
    of every hidden layer's activation (encoder and decoder) on ``(S, batch, width)``."""
    act = ACTIVATIONS[cfg.activation]()
    xs = [torch.randn(seeds, cfg.batch_size, w, requires_grad=True) for w in cfg.hidden]
    xs = xs + xs[::-1]  # the decoder's hidden layers mirror the encoder's
    grads = [torch.ones(x.shape) for x in xs]

    def step() -> None:
        for x, g in zip(xs, grads, strict=True):
            # the input gradient alone, as in the step (no accumulation into x.grad)
            torch.autograd.grad(act(x), x, g)

    step()
    tic = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - tic) / repeats


def measure(
    x: np.ndarray, cfg: VAEConfig, seeds: int, threads: int
) -> tuple[float, float, float, float, float]:
    """Sequential and batched seconds, the ensemble's product GFLOP/s and bmm's, and the
    seconds of the batched run's activations alone."""
    n_train = int(0.85 * len(x))
    xt, xv = x[:n_train], x[n_train:]
    tic = time.perf_counter()
    for s in range(seeds):
        train_sequential_one(xt, xv, cfg, s, threads=threads, progress=False)
    sequential = time.perf_counter() - tic
    tic = time.perf_counter()
    train_ensemble(xt, xv, cfg, list(range(seeds)), threads=threads, progress=False)
    batched = time.perf_counter() - tic
    shapes = layer_shapes(cfg, x.shape[1])
    steps = cfg.epochs * (n_train // cfg.batch_size)
    achieved = seeds * steps * step_flops(shapes, cfg.batch_size) / batched / 1e9
    activations = steps * activation_seconds(cfg, seeds)
    return sequential, batched, achieved, bmm_gflops(shapes, seeds, cfg.batch_size), activations


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 10], help="ensemble sizes")
    parser.add_argument("--epochs", type=int, default=4, help="epochs of every training")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    default = load_config(ROOT / "config.yaml")
    paper = load_config(ROOT / "config.yaml", ROOT / "profiles" / "paper" / "paper.yaml")
    sizes = {
        "default": default.process("kepler").data.n_events,
        "paper": paper.process("kepler").data.n_events,
    }
    base = dataclasses.replace(
        default.process("kepler").vae, device="cpu", epochs=args.epochs, patience=10**6
    )
    # warm up the kernels of both loops
    warm = generate("kepler", 600, seed=1, params=default.process("kepler").params).features
    measure(warm, dataclasses.replace(base, epochs=1), 2, args.threads)
    print(
        f"kepler features, hidden {list(base.hidden)}, latent {base.latent_dim}, batch "
        f"{base.batch_size}, {args.epochs} epochs, {args.threads} torch thread(s), "
        f"{torch.get_num_threads()} used"
    )
    print(
        f"{'size':8s} {'events':>7s} {'S':>3s} {'sequential s':>13s} {'batched s':>10s} "
        f"{'ratio':>6s} {'GFLOP/s':>8s} {'bmm GFLOP/s':>12s} {'ceiling':>8s} "
        f"{'+activations':>12s}"
    )
    ratios: dict[tuple[str, int], float] = {}
    for name, n_events in sizes.items():
        x = generate("kepler", n_events, seed=0, params=default.process("kepler").params).features
        for s in args.seeds:
            seq, bat, achieved, peak, act = measure(x, base, s, args.threads)
            ratios[name, s] = seq / bat
            products = bat * achieved / peak  # the batched run's products at bmm's speed
            print(
                f"{name:8s} {n_events:7d} {s:3d} {seq:13.2f} {bat:10.2f} {seq / bat:6.2f} "
                f"{achieved:8.1f} {peak:12.1f} {seq / products:8.2f} "
                f"{seq / (products + act):12.2f}"
            )
    top = max(args.seeds)
    print(f"ratio sequential/batched S={top}: {ratios['default', top]:.2f}")


if __name__ == "__main__":
    main()
