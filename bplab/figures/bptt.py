"""The BPTT explorer's figure: the gradient reaching each time step, the ρ^distance law, and clipping."""

from __future__ import annotations

import numpy as np

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

THRESHOLD_RANGE = (1e-2, 1e2)
"""The clipping thresholds the lab offers: the global-norm axis always spans them, so moving the threshold
moves only its line (no new axis range, no full redraw)."""


class BPTTFigure:
    """Left: ``||dL/dh_t||`` per time step with the ``ρ^(T-t)`` prediction; right: the global norm and clipping.

    Text is kept short (every glyph is laid out again on each redraw); :func:`describe` explains in HTML.
    """

    def __init__(self, model):
        self.figure = new_figure(8.0, 4.0)
        grid = self.figure.add_gridspec(1, 3)
        self.steps = self.figure.add_subplot(grid[0, :2])
        self.norms = self.figure.add_subplot(grid[0, 2])
        self._build_steps(self.steps)
        self._build_norms(self.norms)
        self.update(model)
        freeze_layout(self.figure)
        bake_legends(self.figure)
        blit_layers(self.steps, [self.measured, self.predicted, self.clipped])
        blit_layers(self.norms, [*self.stems, self.threshold])
        self.render = Blitter(self.figure, [self.measured, self.predicted, self.clipped, self.title, *self.stems,
                                            self.threshold, *self.values],
                              # a new rho or length moves the steps' range only: draw that panel alone
                              panels=[[self.steps], [self.norms]]).render

    def _build_steps(self, ax):
        cheap_log_axis(ax)
        ax.set_xlabel("time step t", fontsize=9)
        (self.measured,) = ax.plot([], [], "o-", color=PALETTE["blue"], markersize=2, linewidth=1.2,
                                   label="‖∂L/∂h_t‖")
        (self.predicted,) = ax.plot([], [], "--", color=PALETTE["vermillion"], linewidth=1.5, label="ρ^(T−t) law")
        (self.clipped,) = ax.plot([], [], ":", color=PALETTE["green"], linewidth=2, label="clipped")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False,
                  handlelength=1.5)
        self.title = live_title(ax, fontsize=10)

    def _build_norms(self, ax):
        cheap_log_axis(ax)
        ax.set_title("global norm", fontsize=10)
        ax.set_xlim(-0.6, 1.6)
        ax.set_xticks([0, 1], ["before", "after"], fontsize=8)
        self.stems = [ax.plot([x, x], [1, 1], "-", color=colour, linewidth=6, solid_capstyle="butt")[0]
                      for x, colour in ((0, PALETTE["blue"]), (1, PALETTE["green"]))]
        (self.threshold,) = ax.plot([-0.6, 1.6], [1, 1], "--", color=PALETTE["black"], linewidth=1,
                                    label="threshold")
        self.values = [ax.text(x, 1, "", ha="center", va="bottom", fontsize=8, clip_on=True) for x in (0, 1)]
        ax.legend(handles=[self.threshold], loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8,
                  frameon=False, handlelength=1.5)

    def update(self, model):
        steps = np.arange(1, int(model.length) + 1)
        self.measured.set_data(steps, model.step_norm)
        self.predicted.set_data(steps, model.prediction)
        self.clipped.set_data(steps, model.clipped_step_norm())
        self.clipped.set_visible(bool(model.clip))
        self.steps.set_xlim(0.5, snapped_count(steps[-1]) + 0.5)
        self.steps.set_ylim(*log_limits(model.step_norm, model.prediction, model.clipped_step_norm()))
        self.title.set_text(f"{model.nonlinearity} RNN, ρ = {model.rho:.2f}")

        before, after = model.total_norm, model.coefficient * model.total_norm
        low, high = log_limits([before, after, model.threshold, *THRESHOLD_RANGE], pad=10.0)
        self.norms.set_ylim(low, high)
        for stem, text, value in zip(self.stems, self.values, (before, after)):
            shown = value if np.isfinite(value) and value > 0 else low
            stem.set_data([stem.get_xdata()[0]] * 2, [low, shown])
            text.set_position((stem.get_xdata()[0], shown))
            text.set_text(f"{value:.2g}")
        self.threshold.set_ydata([model.threshold] * 2)
        self.threshold.set_linestyle("--" if model.clip else ":")
        self.threshold.set_alpha(1.0 if model.clip else 0.4)
        show_message(self.figure, model.message)


def describe(model):
    """The sentence under the controls: the numbers and what the lines are."""
    if model.message:
        return model.message.replace("\n", " ")
    clipping = (f"clipping on: the gradient of (W_x, W_h, b), norm {model.total_norm:.2g}, is scaled by "
                f"c = {model.coefficient:.2g} (green)" if model.clip else
                f"clipping off (the gradient of (W_x, W_h, b) has norm {model.total_norm:.2g})")
    return (f"The loss reads h_T only. ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ = {model.decay_ratio():.1e}. "
            f"Dashed: ρ^(T−t)·‖∂L/∂h_T‖, exact for a linear RNN (W_h = ρ·orthogonal), "
            f"an upper bound with tanh or ReLU (|f′| ≤ 1). {clipping}; the dashed line on the right is the threshold.")
