"""Training history: training and validation loss per epoch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from symvae.plotting.style import COLORS

__all__ = ["plot_history"]


def plot_history(
    ax: Axes,
    history: Mapping[str, Any],
    best_epoch: int | None = None,
) -> list[Any]:
    """Draw the training and validation loss against the epoch.

    The y axis is logarithmic when every plotted value is positive.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on.
    history : mapping of str to array, each shape (E,)
        Per-epoch values; uses ``epoch`` (else 1 … E), ``train_loss`` and ``val_loss``.
        Missing keys are skipped.
    best_epoch : int, optional
        Epoch of the kept model, drawn as a dotted vertical line.

    Returns
    -------
    list
        The line artists drawn.
    """
    artists: list[Any] = []
    curves = [
        (key, label, color)
        for key, label, color in (
            ("train_loss", "training loss", COLORS[0]),
            ("val_loss", "validation loss", COLORS[1]),
        )
        if key in history and np.asarray(history[key]).size > 0
    ]
    if not curves:
        ax.text(0.5, 0.5, "no training history", ha="center", va="center", transform=ax.transAxes)
        return artists
    values = []
    for key, label, color in curves:
        y = np.asarray(history[key], dtype=float).ravel()
        if "epoch" in history and np.asarray(history["epoch"]).size == y.size:
            x = np.asarray(history["epoch"], dtype=float).ravel()
        else:
            x = np.arange(1, y.size + 1, dtype=float)
        (line,) = ax.plot(x, y, color=color, label=label, marker="." if y.size < 30 else None)
        artists.append(line)
        values.append(y[np.isfinite(y)])
    finite = np.concatenate(values) if values else np.zeros(0)
    if finite.size and np.all(finite > 0):
        ax.set_yscale("log")
    if best_epoch is not None:
        artists.append(
            ax.axvline(best_epoch, color="grey", linestyle=":", label=f"best epoch {best_epoch}")
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(loc="upper right")
    return artists
