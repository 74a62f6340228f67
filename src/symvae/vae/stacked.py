"""The weights of several VAEs of one architecture, stacked, and their Adam optimizer.

:class:`StackedVAE` holds the parameters of ``S`` models (one per training seed) in one flat
buffer, layer by layer: the weight of a layer is a contiguous ``(S, out, in)`` view of it and
its bias an ``(S, out)`` view, and the gradients live in a second buffer of the same layout.
A forward pass runs every layer of every model as one batched matrix product
(``torch.baddbmm``) over a ``(S, batch, features)`` tensor; an Adam step is a handful of
element-wise operations on the whole buffer, each model with its own learning rate. One step
of ``S`` models thus costs the launches and the Python of one model's step; the arithmetic
is the same as ``S`` separate models', and on the CPU a model's slice of every product and
update is bitwise what it is when the model is stacked alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from symvae.vae.model import ACTIVATIONS, VAE, Architecture

__all__ = ["AdamState", "StackedVAE"]


def _linear_names(model: VAE) -> tuple[list[str], list[str], list[str], list[str]]:
    """Qualified names of the Linear layers of ``model``: trunk, mean head, log-variance
    head, decoder (in the order they apply)."""

    def names(prefix: str, module: nn.Module) -> list[str]:
        found = [n for n, m in module.named_modules() if isinstance(m, nn.Linear)]
        return [f"{prefix}.{n}" if n else prefix for n in found]

    return (
        names("encoder", model.encoder),
        names("mu_head", model.mu_head),
        names("logvar_head", model.logvar_head),
        names("decoder", model.decoder),
    )


class StackedVAE:
    """``S`` VAEs of one :class:`Architecture` as stacked tensors (see the module docstring).

    Build it from models with :meth:`from_models`, take model ``s`` back with
    :meth:`state_dict` (the ``state_dict`` of a :class:`VAE`), and keep a subset of the
    models with :meth:`select`.
    """

    def __init__(self, arch: Architecture, states: Sequence[dict[str, Tensor]]) -> None:
        template = VAE(arch)
        self.arch = arch
        self.size = len(states)
        trunk, mu, logvar, decoder = _linear_names(template)
        self._groups = (trunk, mu, logvar, decoder)
        self._names = [n for group in self._groups for n in group]
        shapes = {n: tuple(p.shape) for n, p in template.state_dict().items()}
        self._keys = [f"{n}.{kind}" for n in self._names for kind in ("weight", "bias")]
        sizes = [math.prod(shapes[k]) for k in self._keys]
        device = states[0][self._keys[0]].device
        s = self.size
        self.flat = torch.empty(s * sum(sizes), device=device)
        self.grad = torch.zeros_like(self.flat)
        self.params: dict[str, Tensor] = {}
        offset = 0
        for key, n in zip(self._keys, sizes, strict=True):
            view = self.flat[offset : offset + s * n].view(s, *shapes[key])
            view.copy_(torch.stack([st[key] for st in states]))
            view.requires_grad_(True)
            view.grad = self.grad[offset : offset + s * n].view(s, *shapes[key])
            self.params[key] = view
            offset += s * n
        #: the model (0..S-1) of every element of :attr:`flat`
        self.owner = torch.cat([torch.arange(s, device=device).repeat_interleave(n) for n in sizes])
        self._act: nn.Module = ACTIVATIONS[arch.activation]()

    @classmethod
    def from_models(cls, models: Sequence[VAE]) -> StackedVAE:
        """Stack ``models`` (one architecture)."""
        return cls(models[0].arch, [m.state_dict() for m in models])

    def state_dict(self, s: int) -> dict[str, Tensor]:
        """Model ``s``'s weights as a :class:`VAE` ``state_dict`` (copies)."""
        return {key: p[s].detach().clone() for key, p in self.params.items()}

    def select(self, keep: Sequence[int]) -> StackedVAE:
        """A new stack of models ``keep`` (indices into this one)."""
        return StackedVAE(self.arch, [self.state_dict(s) for s in keep])

    def _layer(self, name: str, x: Tensor) -> Tensor:
        weight, bias = self.params[f"{name}.weight"], self.params[f"{name}.bias"]
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    def _chain(self, names: Sequence[str], x: Tensor, last: bool) -> Tensor:
        for i, name in enumerate(names):
            x = self._layer(name, x)
            if last or i < len(names) - 1:
                x = self._act(x)
        return x

    def forward(self, x: Tensor, eps: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``VAE.forward`` of every model: ``x`` ``(S, B, d)``, ``eps`` ``(S, B, L)``.

        Returns the reconstruction ``(S, B, d)``, mean and log-variance ``(S, B, L)``;
        slice ``s`` is model ``s``'s ``forward(x[s], eps[s])``.
        """
        trunk, (mu_name,), (logvar_name,), decoder = self._groups
        h = self._chain(trunk, x, last=True)
        mu, logvar = self._layer(mu_name, h), self._layer(logvar_name, h)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self._chain(decoder, z, last=False), mu, logvar


@dataclass
class AdamState:
    """Adam (Kingma & Ba; torch's default variant: no weight decay, no amsgrad) over a
    :class:`StackedVAE`, one learning rate per model.

    The update is torch's ``Adam`` step written on the whole buffer:
    ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``,
    ``p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)``.
    Build it with :meth:`zeros`; a new :attr:`lr` takes effect at the next :meth:`update`.
    """

    exp_avg: Tensor
    exp_avg_sq: Tensor
    lr: Tensor
    """Learning rate per model, ``(S,)`` (float64, on the CPU)."""
    step: int = 0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    _rates: tuple[tuple[float, ...], Tensor] | None = None
    """The rates of the last step and each element's rate (recomputed when they change)."""

    @classmethod
    def zeros(cls, stack: StackedVAE, lr: Sequence[float]) -> AdamState:
        """Fresh moments for ``stack`` with learning rates ``lr`` (one per model)."""
        return cls(
            torch.zeros_like(stack.flat),
            torch.zeros_like(stack.flat),
            torch.tensor([float(x) for x in lr], dtype=torch.float64),
        )

    def select(self, stack: StackedVAE, old: StackedVAE, keep: Sequence[int]) -> AdamState:
        """The moments of models ``keep`` of ``old``, laid out for ``stack`` (their stack)."""
        index = torch.tensor(list(keep), device=old.flat.device)
        pick = torch.isin(old.owner, index)
        # elements keep their order inside each layer block, models keep theirs
        return AdamState(
            self.exp_avg[pick].clone(),
            self.exp_avg_sq[pick].clone(),
            self.lr[list(keep)].clone(),
            self.step,
            self.betas,
            self.eps,
        )

    @torch.no_grad()
    def update(self, stack: StackedVAE) -> None:
        """One Adam step of every model from the gradients in ``stack.grad``."""
        self.step += 1
        beta1, beta2 = self.betas
        bias1 = 1.0 - beta1**self.step
        bias2_sqrt = math.sqrt(1.0 - beta2**self.step)
        g = stack.grad
        self.exp_avg.lerp_(g, 1.0 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
        denom = self.exp_avg_sq.sqrt().div_(bias2_sqrt).add_(self.eps)
        rates = tuple(self.lr.tolist())
        if self._rates is None or self._rates[0] != rates:
            per_model = self.lr.to(torch.float32).to(stack.flat.device)
            self._rates = rates, per_model[stack.owner]
        stack.flat.addcdiv_(self.exp_avg * self._rates[1], denom, value=-1.0 / bias1)
