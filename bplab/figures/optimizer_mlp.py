"""Side-by-side curves of :func:`bplab.labs.optimizer_mlp.train_with_each`: training loss and validation accuracy."""

from __future__ import annotations

import numpy as np

from bplab.figures.base import new_figure
from bplab.figures.optimizer_race import COLOURS


def comparison_figure(histories):
    """Training loss (log scale) and validation accuracy per epoch, one colour per optimizer.

    Parameters
    ----------
    histories : dict of str to bplab.train.History

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure = new_figure(8.0, 3.4)
    loss_ax, acc_ax = figure.subplots(1, 2)
    for index, (name, history) in enumerate(histories.items()):
        colour = COLOURS.get(name, f"C{index}")
        epochs = np.arange(1, history.epochs + 1)
        loss_ax.plot(epochs, history.train_loss, color=colour, label=name)
        acc_ax.plot(epochs, history.val_acc, color=colour, label=name)
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training loss (cross-entropy)")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("validation accuracy")
    acc_ax.set_ylim(0, 1.02)
    acc_ax.legend(fontsize=7, loc="lower right")
    loss_ax.set_title("same network, same data, same start", fontsize=9)
    return figure
