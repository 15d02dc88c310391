"""Figures of the capstone: the training dashboard and the transfer-learning comparison.

Both are built once; ``update(model)`` only changes data, text and
visibility of existing artists.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.ticker import NullFormatter, NullLocator

from bplab.figures.base import PALETTE, SEQUENTIAL_CMAP, Blitter, new_figure, show_message
from bplab.figures.gradient_flow import MOVING_ZORDER, blit_layers, live_title
from bplab.figures.nearest_image import nearest_imshow
from bplab.figures.stamped_text import stamped
from bplab.transfer import STRATEGIES, STRATEGY_LABELS

TARGET_ACCURACY = 0.97
_GRID = (3, 4)  # rows and columns of misclassified thumbnails
_TILE_W, _TILE_H = 9, 12  # an 8x8 image, a 1-pixel gap, and room for its label below
_STRATEGY_COLOURS = {"frozen": PALETTE["orange"], "fine-tuned": PALETTE["blue"], "scratch": PALETTE["grey"]}


class TrainingDashboardFigure:
    """Loss and accuracy curves, the confusion matrix and misclassified validation images at one epoch.

    Parameters
    ----------
    model : bplab.labs.training_dashboard.TrainingDashboard
    """

    def __init__(self, model):
        record = model.record
        self.figure = new_figure(9.0, 4.2)
        axes = self.figure.subplot_mosaic([["loss", "cm", "mis"], ["acc", "cm", "mis"]],
                                          width_ratios=[1.0, 1.15, 0.95])
        self.axes = axes
        epochs = np.arange(1, record.epochs + 1)

        loss = axes["loss"]
        with np.errstate(all="ignore"):
            finite = [v for v in record.train_loss + record.val_loss if np.isfinite(v)]
        loss.plot(epochs, record.train_loss, color=PALETTE["blue"], label="training (running mean, dropout on)")
        loss.plot(epochs, record.val_loss, color=PALETTE["vermillion"], label="validation")
        loss.set_yscale("log")
        loss.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost text layout on every redraw
        loss.yaxis.set_minor_formatter(NullFormatter())
        if finite:
            loss.set_ylim(min(finite) * 0.8, max(finite) * 1.25)
        loss.set_ylabel("cross-entropy loss")
        loss.tick_params(labelbottom=False)
        self.loss_cursor = loss.axvline(model.epoch, color=PALETTE["black"], lw=0.8, ls=":")

        acc = axes["acc"]
        acc.plot(epochs, record.train_acc, color=PALETTE["blue"], label="training")
        acc.plot(epochs, record.val_acc, color=PALETTE["vermillion"], label="validation")
        acc.axhline(TARGET_ACCURACY, color=PALETTE["green"], lw=0.8, ls="--", label=f"{TARGET_ACCURACY:.0%}")
        acc.set_ylim(0.85, 1.005)
        acc.set_xlabel("epoch")
        acc.set_ylabel("accuracy")
        acc.legend(loc="lower right", fontsize=8, frameon=False)  # also the colours' key of the loss panel
        self.acc_cursor = acc.axvline(model.epoch, color=PALETTE["black"], lw=0.8, ls=":")
        self.acc_marker, = acc.plot([], [], "o", color=PALETTE["vermillion"], ms=5)
        for ax in (loss, acc):
            ax.set_xlim(0.5, max(record.epochs, 1) + 0.5)
            ax.grid(alpha=0.3)

        cm_ax = axes["cm"]
        confusion = model.confusion()
        row_totals = np.bincount(record.y_val, minlength=10).max()
        self.cm_image = nearest_imshow(cm_ax, confusion, cmap=SEQUENTIAL_CMAP, norm=Normalize(0, max(row_totals, 1)))
        cm_ax.set_xticks(range(10))
        cm_ax.set_yticks(range(10))
        cm_ax.set_xlabel("predicted digit (numbers: mistakes)")
        cm_ax.set_ylabel("true digit")
        self.cm_texts = [[stamped(cm_ax.text(j, i, "", ha="center", va="center", fontsize=7)) for j in range(10)]
                         for i in range(10)]
        self.cm_title = cm_ax.set_title("", fontsize=9)
        self._counts = None  # the confusion matrix the numbers show

        mis = axes["mis"]
        rows, cols = _GRID
        self.mosaic = np.full((rows * _TILE_H, cols * _TILE_W - 1), np.nan)
        self.mis_image = nearest_imshow(mis, self.mosaic, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        mis.set_xticks([])
        mis.set_yticks([])
        self.mis_labels = [stamped(mis.text(c * _TILE_W + 3.5, r * _TILE_H + 8.0, "", ha="center", va="top",
                                            fontsize=8, color=PALETTE["vermillion"]))
                           for r in range(rows) for c in range(cols)]
        self.mis_title = mis.set_title("", fontsize=9)
        mis.set_xlabel("true → predicted", fontsize=8)
        self.title = self.figure.suptitle("", fontsize=10)
        self.update(model)
        _freeze_layout(self.figure)
        # The epoch's cursors and marker just above the frames (spines): a redraw then draws them without
        # the four spines of each curve panel (measuring a spine measures its ticks).
        blit_layers(axes["loss"], [self.loss_cursor])
        blit_layers(axes["acc"], [self.acc_cursor, self.acc_marker])
        axes["acc"].get_legend().set_zorder(5)  # over the cursor, as before (drawn from its raster)
        self.render = Blitter(self.figure, [
            self.loss_cursor, self.acc_cursor, self.acc_marker, self.cm_image, *[t for row in self.cm_texts for t in row],
            self.cm_title, self.mis_image, *self.mis_labels, self.mis_title, self.title]).render

    @staticmethod
    def state(model):
        """What the figure shows of ``model``: the same state always draws the same pixels."""
        return model.epoch, model.digit

    def update(self, model):
        record = model.record
        epoch = model.epoch
        for cursor in (self.loss_cursor, self.acc_cursor):
            cursor.set_xdata([epoch, epoch])
        self.acc_marker.set_data([epoch], [model.accuracy])

        confusion = model.confusion()
        self.cm_image.set_array(confusion)
        high = 0.6 * self.cm_image.norm.vmax
        # only the cells whose count changed (a play frame changes a few of the hundred)
        changed = np.ones(confusion.shape, bool) if self._counts is None else confusion != self._counts
        self._counts = confusion
        for i, j in zip(*np.nonzero(changed), strict=True):
            text = self.cm_texts[i][j]
            # Numbers only on the mistakes: they are what the matrix is read for, and every
            # visible text costs layout time on each redraw.
            text.set_text(str(confusion[i, j]))
            text.set_visible(bool(i != j and confusion[i, j]))
            text.set_color("black" if confusion[i, j] > high else "white")
        self.cm_title.set_text(f"validation images: {np.trace(confusion)} of {confusion.sum()} on the diagonal")

        shown, total = model.misclassified()
        self.mosaic[...] = np.nan
        cols = _GRID[1]
        for slot, label in enumerate(self.mis_labels):
            if slot < len(shown):
                index = shown[slot]
                r, c = divmod(slot, cols)
                self.mosaic[r * _TILE_H:r * _TILE_H + 8, c * _TILE_W:c * _TILE_W + 8] = record.images[index]
                label.set_text(f"{record.y_val[index]}→{model.predictions[index]}")
            else:
                label.set_text("")
        self.mis_image.set_data(self.mosaic)
        which = "all digits" if model.digit is None else f"true digit {model.digit}"
        self.mis_title.set_text(f"misclassified ({which}): {total}" + (f", first {len(shown)}" if total > len(shown)
                                                                         else ""))

        seconds = record.seconds[epoch - 1]
        self.title.set_text(f"epoch {epoch} of {record.epochs} · validation accuracy {model.accuracy:.1%}"
                            f" · {seconds:.2f} s of training")
        show_message(self.figure, "training diverged at this epoch (the loss is NaN or inf):\n"
                     "retrain with a smaller learning rate" if model.diverged else "")


class TransferFigure:
    """Test accuracy against labelled examples per class for the three strategies; one count in detail.

    Parameters
    ----------
    model : bplab.labs.training_dashboard.TransferComparison
    """

    def __init__(self, model):
        result = model.result
        self.figure = new_figure(8.0, 3.6)
        curve, detail = self.figure.subplots(1, 2, width_ratios=[1.6, 1.0])
        counts = result.label_counts
        for strategy in STRATEGIES:
            mean, sem = result.mean(strategy), result.sem(strategy)
            colour = _STRATEGY_COLOURS[strategy]
            curve.plot(counts, mean, "o-", color=colour, label=STRATEGY_LABELS[strategy], ms=4)
            curve.fill_between(counts, mean - sem, mean + sem, color=colour, alpha=0.2, lw=0)
        curve.set_xscale("log")
        curve.set_xticks(counts, [str(c) for c in counts])
        curve.minorticks_off()
        curve.set_xlabel("labelled examples per class (new task)")
        curve.set_ylabel("validation accuracy, mean ± s.e.")
        source = ", ".join(str(c) for c in result.source_classes)
        target = ", ".join(str(c) for c in result.target_classes)
        curve.set_title(f"pretrained on {source} ({result.source_accuracy:.1%}), new task {target}", fontsize=9)
        curve.legend(fontsize=8, loc="lower right", frameon=False)
        curve.grid(alpha=0.3)
        self.cursor = curve.axvline(model.count, color=PALETTE["black"], lw=0.8, ls=":")

        positions = np.arange(len(STRATEGIES))
        self.bars = detail.bar(positions, np.zeros(len(STRATEGIES)),
                               color=[_STRATEGY_COLOURS[s] for s in STRATEGIES], alpha=0.6)
        n_seeds = len(next(iter(result.accuracy.values())))
        jitter = np.linspace(-0.2, 0.2, n_seeds) if n_seeds > 1 else np.zeros(1)
        self.dots = [detail.plot(np.full(n_seeds, p) + jitter, np.zeros(n_seeds), "o", color=PALETTE["black"],
                                 ms=3, label="one seed" if p == 0 else None)[0] for p in positions]
        self.values = [detail.text(p, 0, "", ha="center", va="bottom", fontsize=8) for p in positions]
        detail.set_xticks(positions, ["frozen", "fine-tuned", "scratch"], fontsize=8)
        low = min(float(v.min()) for v in result.accuracy.values())
        detail.set_ylim(max(0.0, low - 0.1), 1.05)
        detail.set_ylabel("validation accuracy")
        detail.legend(fontsize=8, loc="upper left", frameon=False)
        self.detail_title = live_title(detail, fontsize=9)
        self.update(model)
        _freeze_layout(self.figure)
        # Layers for cheap redraws: the cursor and the bars just above the frames, so that a redraw draws
        # them and what lies over them (the dots, the numbers, the seed legend) but not the frames, titles
        # or the curves' legend (under the cursor now: a dotted line may cross its text).
        blit_layers(curve, [self.cursor])
        blit_layers(detail, self.bars)
        for dots in self.dots:
            dots.set_zorder(MOVING_ZORDER + 0.1)
        detail.get_legend().set_zorder(5)  # over the bars it may overlap
        self.render = Blitter(self.figure, [self.cursor, *self.bars, *self.dots, *self.values,
                                            self.detail_title]).render

    @staticmethod
    def state(model):
        """What the figure shows of ``model``: the same state always draws the same pixels."""
        return model.count

    def update(self, model):
        self.cursor.set_xdata([model.count, model.count])
        for bar, dots, text, strategy in zip(self.bars, self.dots, self.values, STRATEGIES):
            values = model.at_count()[strategy]
            mean = float(values.mean())
            bar.set_height(mean)
            dots.set_ydata(values)
            text.set_position((bar.get_x() + bar.get_width() / 2, max(mean, float(values.max())) + 0.005))
            text.set_text(f"{mean:.1%}")
        self.detail_title.set_text(f"{model.count} labelled example{'s' if model.count > 1 else ''} per class")


def _freeze_layout(figure):
    """Lay the figure out once, then keep everything where it is.

    Constrained layout, and the automatic placement of titles and axis labels
    beside the tick labels, cost more than half of every redraw; after the
    first draw the places are known and fixed.
    """
    figure.canvas.draw()
    figure.set_layout_engine("none")
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.label.get_text():
                where = axis.label.get_transform().transform(axis.label.get_position())
                axis.set_label_coords(*ax.transAxes.inverted().transform(where))
        title = ax.title
        ax.set_title(title.get_text(), y=title.get_position()[1], fontsize=title.get_fontsize())
