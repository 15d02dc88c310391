"""The regression lab's figure: the data and the fitted line; the loss of a constant prediction with mean and median."""

from __future__ import annotations

import numpy as np

from bplab.figures.base import PALETTE, Blitter, new_figure
from bplab.figures.gradient_flow import blit_layers, live_title
from bplab.labs.regression_lab import LABELS


class RegressionLabFigure:
    def __init__(self, model):
        self.figure = new_figure(9.0, 3.4)
        self.fit_axes, self.constant_axes = self.figure.subplots(1, 2)
        ax = self.fit_axes
        self.inliers = ax.scatter([], [], s=14, color=PALETTE["blue"], label="inliers")
        self.outliers = ax.scatter([], [], s=18, marker="^", color=PALETTE["vermillion"], label="outliers")
        line_x = np.array([-1.0, 1.0])
        ax.plot(line_x, model.TRUE_SLOPE * line_x + model.TRUE_INTERCEPT, ":", color=PALETTE["black"],
                label="inliers' line")
        (self.fit_line,) = ax.plot(line_x, line_x, color=PALETTE["orange"], linewidth=2, label="fitted line")
        self.line_x = line_x
        ax.set_xlim(-1.05, 1.05)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(fontsize=7, loc="upper left")
        self.fit_title = live_title(ax, fontsize=9)

        ax = self.constant_axes
        (self.curve,) = ax.plot([], [], color=PALETTE["orange"], label="loss of predicting c for every point")
        self.mean_line = ax.axvline(0.0, color=PALETTE["green"], linestyle="--", label="mean of the targets")
        self.median_line = ax.axvline(0.0, color=PALETTE["purple"], linestyle="-.", label="median of the targets")
        (self.best,) = ax.plot([], [], "o", color=PALETTE["black"], label="smallest loss")
        ax.set_xlabel("constant prediction c")
        ax.set_ylabel("loss")
        ax.legend(fontsize=7, loc="upper center")
        self.constant_title = live_title(ax, fontsize=9)
        self.update(model)
        # Lay out once, then freeze: re-running the constrained layout on every draw costs more than the drawing.
        self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")
        # the moving artists just above the frames: a redraw draws them and the legends over them, not the frames
        blit_layers(self.fit_axes, [self.inliers, self.outliers, self.fit_line])
        blit_layers(self.constant_axes, [self.curve, self.mean_line, self.median_line, self.best])
        for ax in (self.fit_axes, self.constant_axes):
            ax.get_legend().set_zorder(5)  # inside the axes: over the data, as before
        # What update() changes; axes, ticks and legends are drawn once per axis range and reused.
        self.render = Blitter(self.figure, [self.inliers, self.outliers, self.fit_line, self.fit_title, self.curve,
                                            self.mean_line, self.median_line, self.best, self.constant_title]).render

    def update(self, model):
        x, y = model.X[:, 0], model.y[:, 0]
        self.inliers.set_offsets(np.column_stack([x[~model.is_outlier], y[~model.is_outlier]]))
        self.outliers.set_offsets(np.column_stack([x[model.is_outlier], y[model.is_outlier]]))
        self.fit_line.set_ydata(model.w * self.line_x + model.b)
        # whole numbers: most control changes keep the range, and the axes come from the cached background
        low, high = min(y.min(), -1.5), max(y.max(), 1.5)
        self.fit_axes.set_ylim(np.floor(low - 0.3), np.ceil(high + 0.8))
        self.fit_title.set_text(f"{LABELS[model.loss]}: slope {model.w:.2f}, intercept {model.b:.2f}")

        self.curve.set_data(model.grid, model.curve)
        self.mean_line.set_xdata([model.mean, model.mean])
        self.median_line.set_xdata([model.median, model.median])
        self.best.set_data([model.best_constant], [float(model.curve.min())])
        self.constant_axes.set_xlim(model.grid[0], model.grid[-1])
        top = float(model.curve.max())
        self.constant_axes.set_ylim(0.0, _nice_ceiling(1.35 * top) if top > 0 else 1.0)
        self.constant_title.set_text(f"{LABELS[model.loss]} of a constant: smallest at c = {model.best_constant:.2f} "
                                     f"(mean {model.mean:.2f}, median {model.median:.2f})")


def _nice_ceiling(value):
    """The smallest of 1, 1.5, 2, 3, 5, 7 times a power of ten at least ``value`` (> 0): a y-range that
    stays put while the curve changes a little, so the axes come from the cached background."""
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(m * power for m in (1, 1.5, 2, 3, 5, 7, 10) if m * power >= value * (1 - 1e-12)))
