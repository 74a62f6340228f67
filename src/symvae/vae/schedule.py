"""Learning-rate schedule of one training: halve the rate when the validation loss stalls."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Plateau"]


@dataclass
class Plateau:
    """torch's ``ReduceLROnPlateau(mode="min", threshold_mode="abs", cooldown=0,
    min_lr=0)`` for one learning rate that is not attached to an optimizer (each model of an
    ensemble has its own; ``tests/test_ensemble.py`` checks the two agree).

    A loss counts as better when it is below the best so far minus ``threshold``; after more
    than ``patience`` epochs that are not better, the rate is multiplied by ``factor`` (unless
    that changes it by less than ``eps``) and the count starts again.
    """

    lr: float
    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    eps: float = 1e-8
    best: float = float("inf")
    bad_epochs: int = 0

    def step(self, loss: float) -> float:
        """Record an epoch's ``loss``; return the learning rate for the next epoch."""
        if loss < self.best - self.threshold:
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs > self.patience:
            new = self.lr * self.factor
            if self.lr - new > self.eps:
                self.lr = new
            self.bad_epochs = 0
        return self.lr

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume."""
        return asdict(self)
