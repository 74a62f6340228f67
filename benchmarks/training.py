"""VAE training throughput: symvae's ``train_vae`` against a minimal hand-written loop.

Both train the same architecture on the same standardized data, with the same batch size,
optimizer, loss and number of torch threads, for the same number of epochs, in this one
invocation. The bare loop holds the data as in-memory tensors and does nothing but the
forward pass, the loss, the backward pass and the optimizer step; symvae's loop adds the
per-epoch validation pass, early-stopping bookkeeping and the history. symvae uses Adam's
fused kernel; the bare loop is timed with the default Adam (what one writes by hand) and with
the fused one. Figures: training samples per second and the ratio symvae / bare (1.0 = as
fast as the bare loop).

Run: ``python benchmarks/training.py [--events N] [--epochs E] [--threads T]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from symvae.config import VAEConfig
from symvae.datasets import generate
from symvae.scaling import Standardizer
from symvae.vae import VAE, elbo_terms, train_vae
from symvae.vae.train import architecture_from_config


def bare_loop(
    x: np.ndarray, cfg: VAEConfig, epochs: int, seed: int, fused: bool | None = None
) -> float:
    """Seconds for ``epochs`` epochs of the minimal loop (``fused``: Adam's fused kernel)."""
    torch.manual_seed(seed)
    u = torch.as_tensor(Standardizer.fit(x).transform(x), dtype=torch.float32)
    model = VAE(architecture_from_config(cfg, u.shape[1]))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate, fused=fused)
    n, b = u.shape[0], cfg.batch_size
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n - b + 1, b):
            xb = u[perm[i : i + b]]
            x_hat, mu, logvar = model(xb)
            recon, kl = elbo_terms(xb, x_hat, mu, logvar, cfg.sigma2)
            loss = (recon + cfg.beta * kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x = generate("kepler", args.events, seed=0).features
    n_train = int(0.85 * len(x))
    xt, xv = x[:n_train], x[n_train:]
    cfg = VAEConfig(epochs=args.epochs, patience=10 * args.epochs, device="cpu")
    samples = args.epochs * (n_train // cfg.batch_size) * cfg.batch_size
    bare = min(bare_loop(xt, cfg, args.epochs, s) for s in (0, 1))
    bare_fused = min(bare_loop(xt, cfg, args.epochs, s, fused=True) for s in (0, 1))
    ours = min(
        train_vae(xt, xv, cfg, s, threads=args.threads, progress=False).seconds for s in (0, 1)
    )
    print(
        f"kepler, {n_train} training events, batch {cfg.batch_size}, {args.epochs} epochs, "
        f"{args.threads} thread(s), hidden {list(cfg.hidden)}, latent {cfg.latent_dim}"
    )
    print(f"  bare PyTorch loop     {samples / bare:10.0f} samples/s   (default Adam)")
    print(f"  bare, fused Adam      {samples / bare_fused:10.0f} samples/s")
    print(
        f"  symvae train_vae      {samples / ours:10.0f} samples/s   ratio to bare "
        f"{bare / ours:.2f}, to bare with fused Adam {bare_fused / ours:.2f}"
    )


if __name__ == "__main__":
    main()
