"""Per-event Jacobians of a network applied row by row (encoder means, decoder)."""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["row_jacobian"]


def row_jacobian(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The Jacobian ``∂fn(x)_i / ∂x_i`` of every row ``i``: ``(n, m, k)`` for ``x`` ``(n, k)``
    and ``fn(x)`` ``(n, m)``, in the units of ``fn`` over those of ``x``.

    ``fn`` must treat rows independently (an MLP, a VAE's encoder or decoder): then the
    gradient of the column sum ``Σ_i fn(x)_ij`` with respect to ``x`` holds row ``i``'s
    gradient of output ``j`` in row ``i``, and ``m`` backward passes give every Jacobian.
    The same numbers as ``torch.func.vmap(torch.func.jacrev(fn))(x)``, which would import
    ``torch._dynamo`` (1.5 s per job) through functorch.
    """
    if x.ndim != 2:
        raise ValueError(f"x must be (n, k), got {tuple(x.shape)}")
    x = x.detach().requires_grad_(True)  # a leaf of its own: the caller's x is left alone
    with torch.enable_grad():
        y = fn(x)
        if y.ndim != 2 or y.shape[0] != x.shape[0]:
            raise ValueError(f"fn must map (n, k) to (n, m), got {tuple(y.shape)}")
        if y.shape[1] == 0 or not y.requires_grad:  # no outputs, or none depends on x
            return x.new_zeros((x.shape[0], y.shape[1], x.shape[1]))
        rows = []
        for j in range(y.shape[1]):
            (grad,) = torch.autograd.grad(
                y[:, j].sum(), x, retain_graph=j < y.shape[1] - 1, allow_unused=True
            )
            rows.append(torch.zeros_like(x) if grad is None else grad)
    return torch.stack(rows, dim=1)
