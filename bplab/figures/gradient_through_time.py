"""The gradient-through-time explorer's figure: how far back the gradient reaches, RNN vs LSTM, and training."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from bplab.figures.base import PALETTE, Blitter, new_figure, show_message
from bplab.figures.gradient_flow import (
    bake_legends,
    blit_layers,
    cheap_log_axis,
    freeze_layout,
    live_title,
    log_limits,
    snapped_count,
)

COLOURS = {"rnn": PALETTE["blue"], "lstm": PALETTE["orange"]}
LABELS = {"rnn": "vanilla RNN", "lstm": "LSTM"}


class GradientThroughTimeFigure:
    """Left: ``‖∂L/∂h_t‖ / ‖∂L/∂h_T‖`` per step for both cells and the ``σ(b_f)^(T-t)`` law; right: training loss."""

    def __init__(self, model):
        self.figure = new_figure(8.0, 3.8)
        grid = self.figure.add_gridspec(1, 5)
        self.steps = self.figure.add_subplot(grid[0, :3])
        self.training = self.figure.add_subplot(grid[0, 3:])
        self._build_steps(self.steps)
        self._build_training(self.training)
        self.update(model)
        freeze_layout(self.figure)
        bake_legends(self.figure)
        blit_layers(self.steps, [*self.curves.values(), self.law])
        blit_layers(self.training, [*self.loss_lines.values(), self.chance])
        # What update() changes; the rest (axes, ticks, legend) is drawn once per axis range and reused.
        self.render = Blitter(self.figure, [*self.curves.values(), self.law, self.steps_title,
                                            *self.loss_lines.values(), self.chance, self.training_title, self.hint]).render

    def _build_steps(self, ax):
        cheap_log_axis(ax)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))  # few tick labels: text dominates a redraw
        ax.set_xlabel("time step t (the loss reads h_T)", fontsize=9)
        self.curves = {cell: ax.plot([], [], "o-", color=COLOURS[cell], markersize=2, linewidth=1.3,
                                     label=LABELS[cell])[0] for cell in COLOURS}
        (self.law,) = ax.plot([], [], "--", color=PALETTE["vermillion"], linewidth=1.3, label="σ(b_f)^(T−t)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False,
                  handlelength=1.5)
        self.steps_title = live_title(ax, fontsize=9)

    def _build_training(self, ax):
        ax.set_xlabel("update (colours as left)", fontsize=9)
        ax.set_ylabel("training loss (dotted: chance, ln 4)", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        self.loss_lines = {cell: ax.plot([], [], "-", color=COLOURS[cell], linewidth=1.0, label=LABELS[cell])[0]
                           for cell in COLOURS}
        (self.chance,) = ax.plot([], [], ":", color=PALETTE["grey"], linewidth=1.2, label="chance (ln 4)")
        self.training_title = live_title(ax, fontsize=9)
        self.hint = ax.text(0.5, 0.5, "press “train” to train both", ha="center", va="center", fontsize=9,
                            transform=ax.transAxes, color=PALETTE["black"])

    def update(self, model):
        T = int(model.lag) + 1
        steps = np.arange(1, T + 1)
        for cell, line in self.curves.items():
            line.set_data(steps, model.relative[cell])
        law = model.forget_law()
        self.law.set_data(steps, law)
        self.steps.set_xlim(0.5, snapped_count(T) + 0.5)
        self.steps.set_ylim(*log_limits(*model.relative.values(), law[-1:], pad=3.0))
        clip = (f"clip at {model.threshold:.2g}: ×{model.clip_coefficient('rnn'):.2g} RNN, "
                f"×{model.clip_coefficient('lstm'):.2g} LSTM" if model.clip else f"no clipping ({model.threshold:.2g})")
        self.steps_title.set_text(f"lag {int(model.lag)}, H = {int(model.hidden)}, b_f = {model.forget_bias:+.1f}; "
                                  f"{clip}")

        longest = max(len(v) for v in model.losses.values())
        for cell, line in self.loss_lines.items():
            values = np.asarray(model.losses[cell], dtype=np.float64)
            line.set_data(np.arange(1, values.size + 1), values)
        self.chance.set_data([0, max(longest, 1)], [np.log(4.0)] * 2)
        self.hint.set_visible(longest == 0)
        finite = np.concatenate([np.asarray(v, dtype=np.float64) for v in model.losses.values()] + [[np.log(4.0)]])
        finite = finite[np.isfinite(finite)]
        self.training.set_xlim(0, max(longest, 1))
        self.training.set_ylim(0, max(float(finite.max()) * 1.05, 0.1))
        accuracies = ", ".join(f"{LABELS[c]} {model.accuracy[c]:.0%}" for c in COLOURS
                               if np.isfinite(model.accuracy.get(c, np.nan)))
        self.training_title.set_text(f"{model.updates} updates" + (f"; test: {accuracies}" if accuracies else ""))
        show_message(self.figure, model.message)


def describe(model):
    """The sentence above the figure: what the curves show, with the numbers."""
    if model.message:
        return model.message.replace("\n", " ")
    first = {cell: model.relative[cell][0] for cell in model.relative}
    return (f"‖∂L/∂h_1‖ / ‖∂L/∂h_T‖: vanilla RNN {first['rnn']:.1e}, LSTM {first['lstm']:.1e}. "
            f"Dashed: σ(b_f)^(T−t) = {model.forget_law()[0]:.1e} at t = 1, the decay along the cell state if every "
            f"forget gate stayed at its initial value.")
