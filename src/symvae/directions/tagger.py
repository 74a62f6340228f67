"""A small top-versus-QCD jet classifier, whose output the function-preserving finder probes.

:func:`train_tagger` fits an MLP on the leading jet's constituent four-vectors
(:func:`~symvae.events.jets.constituent_matrix`, ``(n, 4N)`` in GeV) with binary
cross-entropy, and returns a :class:`Tagger`: a float64 function from events to logits that
:func:`~symvae.directions.function.function_symmetries` differentiates. The inputs are the raw
four-vectors, scaled by one common factor (no per-feature standardization, which would
break the four-vector structure the finder looks for), so any Lorentz invariance the tagger
has, it has learned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Tagger", "train_tagger"]


@dataclass
class Tagger:
    """A trained classifier: logit of "top" for events ``(n, 4N)`` (GeV)."""

    network: object
    """The ``torch.nn.Sequential`` on scaled inputs (float64)."""
    scale: float
    """GeV per input unit (one factor for every feature)."""
    accuracy: float
    """Accuracy on the held-out quarter of the events."""
    auc: float
    """Area under the ROC curve on the held-out events."""

    def __call__(self, x: object) -> object:
        """Logits ``(n,)`` for a torch tensor ``(n, 4N)`` (differentiable) or an array."""
        import torch

        if isinstance(x, torch.Tensor):
            return self.network(x / self.scale).squeeze(-1)
        with torch.no_grad():
            t = torch.as_tensor(np.asarray(x, dtype=np.float64))
            return self.network(t / self.scale).squeeze(-1).numpy()


def train_tagger(
    signal: ArrayLike,
    background: ArrayLike,
    hidden: Sequence[int] = (128, 128),
    epochs: int = 60,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> Tagger:
    """Train on ``signal`` (label 1) against ``background`` (label 0), both ``(n, 4N)``;
    a random quarter is held out for :attr:`Tagger.accuracy` and :attr:`Tagger.auc`."""
    import torch

    s = np.asarray(signal, dtype=np.float64)
    b = np.asarray(background, dtype=np.float64)
    if s.ndim != 2 or b.shape[1:] != s.shape[1:]:
        raise ValueError(f"signal {s.shape} and background {b.shape} must be (n, d) alike")
    x = np.concatenate([s, b])
    y = np.concatenate([np.ones(len(s)), np.zeros(len(b))])
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    n_test = len(x) // 4
    test, train = order[:n_test], order[n_test:]
    scale = float(np.abs(x[train]).max()) or 1.0
    torch.manual_seed(seed)
    layers: list[torch.nn.Module] = []
    width = x.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.SiLU()]
        width = h
    layers.append(torch.nn.Linear(width, 1))
    net = torch.nn.Sequential(*layers).double()
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    xt = torch.as_tensor(x / scale)
    yt = torch.as_tensor(y)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(seed)
    train_t = torch.as_tensor(train)
    for _ in range(epochs):
        for idx in train_t[torch.randperm(len(train_t), generator=gen)].split(batch_size):
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]).squeeze(-1), yt[idx])
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        logits = net(xt[torch.as_tensor(test)]).squeeze(-1).numpy()
    truth = y[test]
    return Tagger(net, scale, float(np.mean((logits > 0) == truth)), _auc(logits, truth))


def _auc(scores: NDArray[np.float64], truth: NDArray[np.float64]) -> float:
    """ROC area: the probability that a signal event scores above a background one."""
    pos, neg = scores[truth == 1], scores[truth == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]))) + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))
