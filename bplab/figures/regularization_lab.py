"""The regularization lab's figure: decision boundary, loss curves with the best epoch, weight histogram.

Speed: text (tick labels, axis labels, legends) is most of an Agg redraw. Everything that
does not change with the training (frames, ticks, labels) is drawn once into a cached
background (:class:`bplab.figures.base.Blitter`), so a redraw only draws the data artists, the
titles and the legends over them (the legends from a kept raster). Every axis has a fixed range
(the loss 0 to 1.2, about twice chance level), so the background is drawn once. The decision
map is a :class:`bplab.figures.smooth_map.SmoothMap` (interpolated with numpy, about 1 ms, where
``imshow``'s bilinear resampling by Agg cost about 6.5 ms of every redraw).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator, NullLocator

from bplab.figures.base import DIVERGING_CMAP, PALETTE, Blitter, new_figure, show_message
from bplab.figures.smooth_map import smooth_map
from bplab.figures.text_row import TextRow

HISTOGRAM_EDGES = np.linspace(-1.5, 1.5, 61)
"""Bins of the weight histogram; weights beyond are counted in the end bins."""
LOSS_TOP = 1.2
"""Top of the loss axis: about twice the chance level ln 2; higher losses (early spikes) are clipped."""


class RegularizationLabFigure:
    """Three panels, built once; :meth:`update` changes their artists' data.

    Parameters
    ----------
    model : bplab.labs.regularization_lab.RegularizationLabModel
    """

    def __init__(self, model):
        self.figure = new_figure(10.0, 3.6)
        grid = self.figure.add_gridspec(1, 3, width_ratios=[1.0, 1.25, 1.0])
        self._build_boundary(self.figure.add_subplot(grid[0]), model)
        self._build_curves(self.figure.add_subplot(grid[1]), model)
        self._build_histogram(self.figure.add_subplot(grid[2]), model)
        # the settings in effect, as the model uses them (a readout can only show where a slider is)
        self.settings_title = TextRow(self.figure.suptitle("", fontsize=9), 5)
        titles = [self.settings_title, self.boundary_title, self.curve_title, self.histogram_title]
        self.dynamic = [self.field, *self.boundary_axes.collections, self.train_line, self.val_line, self.best_line,
                        self.best_marker, self.patience_line, self.stop_line, self.stairs, self.zero_bar,
                        *(artist for title in titles for artist in title.artists)]
        self.update(model)  # titles filled in before the layout makes room for them
        # Lay out once, then freeze: constrained layout would otherwise cost ~40% of every redraw.
        self.figure.canvas.draw()
        self.figure.set_layout_engine("none")
        for title in titles:  # drawn in pieces from now on, where the layout put them
            title.anchor(self.figure.canvas.get_renderer())
        # the data points over the moving decision map: composited from a raster (they never move)
        self.render = Blitter(self.figure, self.dynamic, sprites=self.boundary_axes.collections).render

    def _build_boundary(self, ax, model):
        self.boundary_axes = ax
        # the grid's samples lie on the extent's edges (np.linspace): drawn where they were computed
        self.field = smooth_map(ax, np.full(model.grid_shape, 0.5), model.extent, DIVERGING_CMAP, 0.0, 1.0,
                                alpha=0.75)
        for label, colour, marker in ((0, PALETTE["blue"], "o"), (1, PALETTE["vermillion"], "^")):
            val = model.X_val[model.y_val == label]
            ax.scatter(val[:, 0], val[:, 1], s=6, color=colour, marker=marker, alpha=0.35, linewidths=0)
            train = model.X[model.y == label]
            ax.scatter(train[:, 0], train[:, 1], s=28, color=colour, marker=marker, edgecolors=PALETTE["black"],
                       linewidths=0.7, label=f"class {label}")
        ax.set_xlim(model.extent[0], model.extent[1])
        ax.set_ylim(model.extent[2], model.extent[3])
        ax.set_xticks([])
        ax.set_yticks([])
        # Below the axes, where the field cannot cover it (it is part of the static background).
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7, frameon=False)
        # fixed y: automatic placement needs the hidden axes
        self.boundary_title = TextRow(ax.set_title("", fontsize=9, y=1.0), 3)
        ax.text(0.5, -0.13, "colour: P(class 1); faint dots: validation", transform=ax.transAxes, ha="center",
                va="top", fontsize=7)

    def _build_curves(self, ax, model):
        self.curve_axes = ax
        (self.train_line,) = ax.plot([], [], color=PALETTE["blue"], linewidth=1.5, label="train")
        (self.val_line,) = ax.plot([], [], color=PALETTE["orange"], linewidth=1.5, label="validation")
        self.best_line = ax.axvline(0, color=PALETTE["green"], linestyle="--", linewidth=1.2, label="best epoch")
        (self.best_marker,) = ax.plot([], [], "o", color=PALETTE["green"], markersize=6)
        (self.patience_line,) = ax.plot([], [], color=PALETTE["purple"], linewidth=4, alpha=0.6, solid_capstyle="butt",
                                        label="patience")
        self.stop_line = ax.axvline(0, color=PALETTE["black"], linestyle=":", linewidth=1.2,
                                    label="early stop")
        ax.set_xlim(0, model.max_epochs)
        ax.set_ylim(0.0, LOSS_TOP)
        ax.set_xticks(np.linspace(0, model.max_epochs, 4).round())
        ax.yaxis.set_major_locator(MaxNLocator(4))  # few tick labels: text is most of a redraw's cost
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel("cross-entropy", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
        self.curve_title = TextRow(ax.set_title("", fontsize=9, y=1.0), 3)

    def _build_histogram(self, ax, model):
        self.histogram_axes = ax
        n = model.weights().size
        self.stairs = ax.stairs(np.zeros(HISTOGRAM_EDGES.size - 1), HISTOGRAM_EDGES, fill=True,
                                color=PALETTE["sky"], label="w ≠ 0")
        width = HISTOGRAM_EDGES[1] - HISTOGRAM_EDGES[0]
        (self.zero_bar,) = ax.bar([0.0], [0.0], width=width * 0.6, color=PALETTE["vermillion"],
                                  label="w = 0 exactly")
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(0, n)
        ticks = [t for t in (0, 1, 10, 100, 1000, 10000) if t <= n]
        ax.set_yticks(ticks, [str(t) for t in ticks])  # plain labels: mathtext powers of ten are slow to draw
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlim(HISTOGRAM_EDGES[0], HISTOGRAM_EDGES[-1])
        ax.set_xticks([-1, 0, 1])
        ax.set_xlabel("weight value (weight matrices)", fontsize=8)
        ax.set_ylabel("count", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
        self.histogram_title = TextRow(ax.set_title("", fontsize=9, y=1.0), 3)

    def update(self, model):
        """Redraw from the model's state (no artist is created)."""
        probabilities = model.probabilities()
        finite = np.all(np.isfinite(model.train_loss)) and np.all(np.isfinite(probabilities))
        self.field.set_data(np.nan_to_num(probabilities, nan=0.5))
        self._update_curves(model)
        self._update_histogram(model)
        train_acc, val_acc = model.accuracies()
        # in pieces that recur (TextRow): a new string each frame would cost 2-3 ms to lay out and rasterize
        self.boundary_title.set_pieces([f"epoch {model.epoch}:", f"accuracy {train_acc:.2f} train,", f"{val_acc:.2f} val"])
        self.settings_title.set_pieces(settings_pieces(model))
        if model.status == "diverged" or not finite:
            show_message(self.figure, f"Training diverged at epoch {model.epoch} (the loss overflowed).\n"
                                      "Lower a penalty or change a setting to start again.")
        else:
            show_message(self.figure, "")

    def _update_curves(self, model):
        epochs = np.arange(1, model.epoch + 1)
        train = np.asarray(model.train_loss, dtype=float)
        val = np.asarray(model.val_loss, dtype=float)
        self.train_line.set_data(epochs, train)
        self.val_line.set_data(epochs, val)
        best = model.best_epoch
        self.best_line.set_visible(best is not None)
        if best is not None:
            self.best_line.set_xdata([best, best])
            self.best_marker.set_data([best], [val[best - 1]])
            # The window early stopping waits for a new best: after `patience` epochs without one it stops.
            self.patience_line.set_data([best, best + model.patience], [val[best - 1]] * 2)
        else:
            self.best_marker.set_data([], [])
        self.patience_line.set_visible(best is not None and model.patience > 0)
        stop = model.stop_epoch
        self.stop_line.set_visible(stop is not None)
        if stop is not None:
            self.stop_line.set_xdata([stop, stop])
        if best is None:
            self.curve_title.set_pieces(["train and validation loss"])
        else:
            state = {"stopped": f"stopped after epoch {stop}", "finished": "finished",
                     "diverged": "diverged"}.get(model.status, "training")
            self.curve_title.set_pieces([f"best epoch {best}", f"(val loss {val[best - 1]:.3f}),", state])

    def _update_histogram(self, model):
        weights = model.weights()
        finite = weights[np.isfinite(weights)]
        zero = finite == 0
        counts, _ = np.histogram(np.clip(finite[~zero], HISTOGRAM_EDGES[0], HISTOGRAM_EDGES[-1]), HISTOGRAM_EDGES)
        self.stairs.set_data(counts)
        self.zero_bar.set_height(int(zero.sum()))
        mean_abs = float(np.mean(np.abs(finite))) if finite.size else float("nan")
        self.histogram_title.set_pieces([f"{zero.mean() if finite.size else 0:.0%} exactly 0,", "mean |w|",
                                         f"{mean_abs:.3f}"])


def settings_pieces(model):
    """The settings the model trains with, one piece each: ``L2 λ₂ = 0.001 ·``, ``L1 λ₁ = 0 ·``, ``dropout p = 0.2 ·``..."""
    patience = f"early stopping after {model.patience} epochs without a new best" if model.patience else "no early stopping"
    return [f"L2 λ₂ = {model.l2:g} ·", f"L1 λ₁ = {model.l1:g} ·", f"dropout p = {model.dropout:g} ·",
            f"batch norm {'on' if model.batchnorm else 'off'} ·", patience]


def settings_text(model):
    """The settings the model trains with, in one line: ``L2 λ₂ = 0.001 · L1 λ₁ = 0 · dropout p = 0.2 · ...``."""
    return " ".join(settings_pieces(model))
