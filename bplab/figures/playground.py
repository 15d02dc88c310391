"""The MLP playground's figure: decision map with the points (left), train/validation loss (right).

Built once; :meth:`PlaygroundFigure.update` changes artists only (``set_data``,
``set_offsets``, ``set_text``...). Animation frames are drawn by
:meth:`PlaygroundFigure.render_png` with blitting (:class:`bplab.figures.base.Blitter`): the static parts (axes,
ticks, legends) are drawn once into a background, and a frame redraws only the
artists that move (map, points, curves, titles). The axis limits change in
steps (decades, doubling epochs), so the background is rarely redrawn. A plain
``figure.canvas.draw()`` still draws everything, in the right order.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator, NullLocator

from bplab.figures.base import CYCLE, PALETTE, Blitter, encode_png, new_figure, show_message
from bplab.figures.smooth_map import smooth_map

MAX_CLASSES = 3
CLASS_COLOURS = np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in CYCLE[:MAX_CLASSES]])
"""Okabe-Ito blue, orange and green: one per class, in the map and for the points."""
MAP_STRENGTH = 0.55
"""How far the map's colour goes from white towards the class colour (points stay readable on top)."""


def decision_image(probabilities):
    """RGB image of a decision map: each pixel mixes the class colours by probability, lightened.

    Parameters
    ----------
    probabilities : ndarray, shape (H, W, K)

    Returns
    -------
    ndarray, shape (H, W, 3), values in [0, 1]
    """
    colour = probabilities @ CLASS_COLOURS[:probabilities.shape[2]]
    return np.clip(1.0 - MAP_STRENGTH * (1.0 - colour), 0.0, 1.0)


def map_pixels(probabilities):
    """:func:`decision_image` as opaque 8-bit RGBA, rounded once here: the colours the figure's
    :class:`bplab.figures.smooth_map.SmoothMap` interpolates between the grid's samples.

    Parameters
    ----------
    probabilities : ndarray, shape (H, W, K)

    Returns
    -------
    ndarray of uint8, shape (H, W, 4)
    """
    rgb = decision_image(probabilities)
    pixels = np.empty(rgb.shape[:2] + (4,), np.uint8)
    np.rint(rgb * 255.0, out=pixels[..., :3], casting="unsafe")
    pixels[..., 3] = 255
    return pixels


def stepped_epoch_limit(epoch):
    """Right end of the epoch axis: 10, 20, 50, 100, 200, ... (changes rarely, so the axis is rarely redrawn)."""
    limit = 10.0
    while limit < epoch:
        limit *= 2.5 if str(int(limit))[0] == "2" else 2.0
    return limit


def decade_limits(values):
    """Whole decades around the positive finite ``values``: ``(10**floor(log10 min), 10**ceil(log10 max))``."""
    low = 10.0 ** math.floor(math.log10(float(np.min(values))))
    high = 10.0 ** math.ceil(math.log10(float(np.max(values))))
    return low, max(high, low * 10)


class PlaygroundFigure:
    """Figure of a :class:`bplab.labs.playground.PlaygroundModel`.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    """

    def __init__(self, model):
        self.figure = new_figure(8.0, 3.8)
        self.map_ax, self.loss_ax = self.figure.subplots(1, 2, width_ratios=[1.0, 1.05])
        self.summary = self.figure.suptitle("", fontsize=9)

        ax = self.map_ax
        self.image = smooth_map(ax, map_pixels(model.probabilities), model.extent)
        self.train_points = ax.scatter([], [], s=14, linewidths=0.5, edgecolors="black", zorder=3)
        self.val_points = ax.scatter([], [], s=22, marker="^", linewidths=0.8, edgecolors="black", zorder=3)
        handles = [Line2D([], [], ls="", marker="s", ms=7, color=CYCLE[k], label=f"class {k}")
                   for k in range(MAX_CLASSES)]
        handles += [Line2D([], [], ls="", marker="o", ms=5, mfc="white", mec="black", label="train"),
                    Line2D([], [], ls="", marker="^", ms=6, mfc="white", mec="black", label="validation")]
        # Outside the map, so that the map (redrawn every frame) never covers it.
        self.legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                                frameon=False, handletextpad=0.3, borderaxespad=0.0)
        ax.set_xlabel("$x_1$", fontsize=9)
        ax.set_ylabel("$x_2$", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(3))  # few tick labels: text is most of a full draw's cost
        ax.yaxis.set_major_locator(MaxNLocator(3))
        self.map_title = self._title(ax)

        ax = self.loss_ax
        # Small markers: a run that diverges at once still shows its one finite point.
        (self.train_line,) = ax.plot([], [], color=PALETTE["blue"], lw=1.6, marker="o", ms=2, label="train loss")
        (self.val_line,) = ax.plot([], [], color=PALETTE["orange"], lw=1.6, ls="--", marker="^", ms=2,
                                   label="validation loss")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=12))
        ax.yaxis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.set_xlabel("epoch", fontsize=9)
        ax.set_ylabel("loss (log scale)", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
        self.loss_title = self._title(ax)

        self.message = show_message(self.figure, "")
        # The settings line moves too: with it in the background, every control change would redraw it all.
        # The points change with the data set and noise only: during play they are composited from a raster.
        self._blitter = Blitter(self.figure, [self.image, self.train_points, self.val_points, self.train_line,
                                              self.val_line, self.map_title, self.loss_title, self.summary],
                                sprites=[self.train_points, self.val_points],
                                # a data set change moves the map's axes only, a loss axis step the loss's
                                panels=[[self.map_ax], [self.loss_ax]])
        self._dataset_key = None
        self.update(model)
        # Lay out once, then freeze: re-running the constrained layout on every draw would double its cost.
        self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")

    @property
    def full_draws(self):
        """Backgrounds drawn so far (:attr:`bplab.figures.base.Blitter.full_draws`): what the benchmarks count."""
        return self._blitter.full_draws

    @property
    def panel_draws(self):
        """Panels drawn alone so far (:attr:`bplab.figures.base.Blitter.panel_draws`)."""
        return self._blitter.panel_draws

    @staticmethod
    def _title(ax):
        """A title that stays put (an axes title moves itself during a full draw, which blitting skips)."""
        return ax.text(0.5, 1.015, "", transform=ax.transAxes, ha="center", va="bottom", fontsize=9, clip_on=False)

    def _set_points(self, model):
        """New data (or a new class count): move the points and recolour them; no new artists."""
        self.train_points.set_offsets(model.X_train)
        self.train_points.set_facecolors(CLASS_COLOURS[model.y_train])
        self.val_points.set_offsets(model.X_val)
        self.val_points.set_facecolors(CLASS_COLOURS[model.y_val])
        self.image.set_extent(model.extent)
        self.map_ax.set_xlim(model.extent[0], model.extent[1])
        self.map_ax.set_ylim(model.extent[2], model.extent[3])
        for k, (handle, text) in enumerate(zip(self.legend.legend_handles[:MAX_CLASSES],
                                                self.legend.get_texts()[:MAX_CLASSES], strict=True)):
            handle.set_visible(k < model.n_classes)
            text.set_text(f"class {k}" if k < model.n_classes else "")

    def update(self, model):
        """Show the model's current state."""
        key = (id(model.X_train), model.X_train.shape)
        if key != self._dataset_key:
            self._set_points(model)
            self._dataset_key = key
        self.image.set_data(map_pixels(model.probabilities))
        self.summary.set_text(model.summary())
        self.map_title.set_text(f"decision regions · accuracy train {model.history['train_acc'][-1]:.0%}"
                                f" / val {model.history['val_acc'][-1]:.0%}")

        epochs = np.asarray(model.history["epoch"])
        train = np.asarray(model.history["train_loss"])
        val = np.asarray(model.history["val_loss"])
        # Log axes cannot show 0, inf or NaN: keep positive finite values (divergence is told in words).
        ok_train = np.isfinite(train) & (train > 0)
        ok_val = np.isfinite(val) & (val > 0)
        self.train_line.set_data(epochs[ok_train], train[ok_train])
        self.val_line.set_data(epochs[ok_val], val[ok_val])
        shown = np.concatenate([train[ok_train], val[ok_val]])
        if shown.size:
            self.loss_ax.set_ylim(*decade_limits(shown))
        self.loss_ax.set_xlim(0.0, stepped_epoch_limit(float(epochs.max()) if epochs.size else 0.0))
        self.loss_title.set_text(f"epoch {model.epoch:.1f} · loss train {train[-1]:.3g} / val {val[-1]:.3g}")
        show_message(self.figure, model.divergence_message())

    # -- fast frames -------------------------------------------------------------------------------------
    def render(self):
        """Draw the current state into the canvas: only the moving artists over a cached background."""
        self._blitter.render()

    def render_png(self):
        """The current state as PNG bytes (:meth:`render`, then encode)."""
        self.render()
        return encode_png(self.figure.canvas)
