"""Lesson 08's static figures: gradients through time during training, and a run that explodes vs a clipped one."""

from __future__ import annotations

import numpy as np

from bplab.figures.base import CYCLE, PALETTE, new_figure

LABELS = {"rnn": "vanilla RNN", "lstm": "LSTM"}


def gradients_through_time_figure(runs):
    """One panel per run: ``‖∂L/∂h_t‖`` against ``t`` at its recorded updates; a last panel: ``‖W_h‖_2``.

    Parameters
    ----------
    runs : list of bplab.recurrent_experiments.Run
        Trained with ``record_at`` (the same updates for every run).

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure = new_figure(3.0 * (len(runs) + 1), 3.2)
    axes = figure.subplots(1, len(runs) + 1)
    shown = [0, len(runs[0].log.checkpoints) // 3, len(runs[0].log.checkpoints) - 1]
    for ax, run in zip(axes, runs):
        for colour, k in zip(CYCLE, dict.fromkeys(shown)):
            norms = run.log.state_norms[k]
            ax.semilogy(np.arange(1, norms.size + 1), norms, "o-", markersize=2, color=colour,
                        label=f"after {run.log.checkpoints[k]} updates")
        ax.set_title(f"{LABELS[run.cell]}, lag {run.lag}", fontsize=10)
        ax.set_xlabel("time step t", fontsize=9)
        ax.set_ylabel("‖∂L/∂h_t‖", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
    last = axes[-1]
    for colour, run in zip((PALETTE["blue"], PALETTE["orange"]), runs):
        last.plot(run.log.checkpoints, run.log.spectral, "o-", markersize=2, color=colour,
                  label=f"{LABELS[run.cell]} ‖W_h‖₂")
    last.set_xlabel("update", fontsize=9)
    last.set_title("spectral norm of W_h", fontsize=10)
    last.legend(fontsize=7, frameon=False)
    return figure


def exploding_figure(unclipped, clipped):
    """Gradient norm per update and ``‖W_h‖_2`` over training, for runs without and with clipping.

    Parameters
    ----------
    unclipped, clipped : list of bplab.recurrent_experiments.Run
        The same seeds, trained without and with clipping.
    """
    figure = new_figure(9.0, 3.2)
    norms, spectral = figure.subplots(1, 2)
    # The unclipped runs are drawn last, on top: their spikes are the point of the figure.
    for runs, colour, name in ((clipped, PALETTE["blue"], "clipped"), (unclipped, PALETTE["vermillion"],
                                                                       "no clipping")):
        for k, run in enumerate(runs):
            label = name if k == 0 else None
            norms.semilogy(np.arange(1, len(run.log.grad_norm) + 1), run.log.grad_norm, "-", color=colour,
                           linewidth=0.8, alpha=0.8, label=label)
            spectral.plot(run.log.checkpoints, run.log.spectral, "o-", markersize=2, color=colour, label=label)
    norms.set_xlabel("update", fontsize=9)
    norms.set_title("gradient norm before clipping", fontsize=10)
    norms.legend(fontsize=8, frameon=False)
    spectral.set_xlabel("update", fontsize=9)
    spectral.set_title("spectral norm of W_h", fontsize=10)
    spectral.legend(fontsize=8, frameon=False)
    return figure
