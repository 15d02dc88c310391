"""The gradient-flow explorer's figure: per-layer pre-activations and gradient norms, measured and predicted."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from matplotlib.transforms import ScaledTranslation

from bplab.figures.base import PALETTE, Blitter, new_figure, show_message
from bplab.figures.pixels import PixelImage

REGIME_COLOURS = {"vanishing": PALETTE["blue"], "exploding": PALETTE["vermillion"], "stable": PALETTE["green"],
                  "overflow": PALETTE["vermillion"]}


def freeze_layout(figure):
    """Lay the figure out once (constrained layout), then keep that layout: redraws skip the solver."""
    figure.canvas.draw()
    figure.set_layout_engine("none")


def freeze_axis_labels(figure):
    """Keep every axis label where the last draw put it: a full draw then skips measuring the tick labels of
    the axes and its siblings to place it (a quarter of a full draw here). Call it once the layout is frozen;
    the labels' places do not depend on the limits (the tick labels beside an axis are of one height, and
    the y labels here are empty)."""
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_label_coords(*axis.label.get_position(), transform=axis.label.get_transform())


def cheap_log_axis(ax):
    """A log y-axis with a few plain-text ticks ("1e-05"): mathtext labels and minor ticks dominate a redraw."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(numticks=5))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda value, _: f"1e{int(round(np.log10(value)))}" if 0 < value < np.inf else ""))


MOVING_ZORDER = 2.6
"""The layer of the artists a control moves: just above the axes' frame (spines, 2.5), under texts (3).

The cached-background redraw (:class:`bplab.figures.base.Blitter`) draws again, with the moving
artists, every static artist layered above them in the same axes; lines at the default layer (2)
would bring the four spines back into every redraw, each costing a measurement of every tick."""
OUTSIDE_ZORDER = 2.4
"""The layer of the static artists outside the axes area (titles, legends below it): under the
moving ones, so a redraw never measures or draws them (nothing in the area can cover them)."""


def blit_layers(ax, moving=()):
    """Put ``moving`` at :data:`MOVING_ZORDER` and the axes' titles and legend at :data:`OUTSIDE_ZORDER`."""
    for artist in moving:
        artist.set_zorder(MOVING_ZORDER)
    for artist in (ax.title, ax._left_title, ax._right_title, ax.get_legend()):
        if artist is not None:
            artist.set_zorder(OUTSIDE_ZORDER)


def live_title(ax, fontsize=10):
    """A title that changes with the controls: axes text where ``set_title`` would put it (6 points above).

    ``set_title``'s text is moved above the axis's tick labels before each redraw, which measures every
    tick label again; this one stays put (these axes have no tick labels on top)."""
    offset = ScaledTranslation(0.0, 6.0 / 72.0, ax.figure.dpi_scale_trans)
    return ax.text(0.5, 1.0, "", transform=ax.transAxes + offset, ha="center", va="baseline", fontsize=fontsize,
                   zorder=3)


def bake_legends(figure):
    """Replace each axes' legend by an image of its pixels: legends here never change, and laying one out
    (its offset boxes) is about a sixth of a full draw. Call it once the layout is frozen.

    Each legend is drawn alone onto a blank canvas and its box copied (the figure's background under it
    included), then hidden; the image sits where it was, in the same layer.
    """
    canvas = figure.canvas
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    if not legends:
        return
    canvas.draw()
    renderer = canvas.get_renderer()
    height = canvas.get_width_height(physical=True)[1]
    for legend in legends:
        x0, y0, x1, y1 = legend.get_window_extent(renderer).padded(2).extents
        x0, y0, x1, y1 = int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1))
        pixels = np.asarray(canvas.buffer_rgba())[height - y1:height - y0, x0:x1].copy()
        legend.set_visible(False)
        figure.add_artist(PixelImage(pixels, x0, y0, zorder=legend.get_zorder()))


def log_limits(*series, pad=3.0, decades=2):
    """``(low, high)`` covering the finite positive values of every series, padded by a factor, for a log axis.

    The ends are powers of ten on a grid of ``decades`` decades, coarser for data spanning many
    decades (a quarter of the span, rounded up to 5, 10, 20 or 50 decades): most control changes then
    leave the range where it was, so the axes, ticks and labels come from a cached background
    (:class:`bplab.figures.base.Blitter`) instead of a full draw (most of a redraw's time). The data
    still fills at least half of the axis once it spans 4 decades or more.
    """
    values = np.concatenate([np.ravel(s) for s in series])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1e-3, 1e3
    low, high = np.log10(float(values.min()) / pad), np.log10(float(values.max()) * pad)
    span = high - low
    grid = next((g for g in (decades, 5, 10, 20, 50) if g >= span / 4), 50)
    low, high = grid * np.floor(low / grid), grid * np.ceil(high / grid)
    # Clamped well inside float64's range: the tick locator takes powers of the limits.
    low, high = max(low, -150.0), min(high, 150.0)
    if high <= low:
        low, high = (high - grid, high) if high >= 150.0 else (low, low + grid)
    return float(10.0**low), float(10.0**high)


LOG_LADDER = (2, 5, 10, 20, 40, 80, 150)
"""Where :func:`ladder_log_limits` ends a log axis: 10 to the minus (below) or plus (above) one of these."""


def ladder_log_limits(*series, pad=3.0, ladder=LOG_LADDER):
    """``(low, high)`` covering the finite positive values of every series, padded by a factor, for a log axis
    around 1: each end is the first power of ten of ``ladder`` (``1e-2, 1e-5, 1e-10 ... 1e-150`` below,
    ``1e2 ... 1e150`` above) that holds the data.

    Each end moves on its own, and only when the data crosses a rung: fewer changes of the axis than
    :func:`log_limits` gives the gradient-flow explorer, whose data always straddles 1 (a third fewer
    full draws over its controls' ranges), with the data still filling about half of the axis.
    """
    values = np.concatenate([np.ravel(s) for s in series])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1e-3, 1e3
    low, high = np.log10(float(values.min()) / pad), np.log10(float(values.max()) * pad)
    below = next((rung for rung in ladder if -rung <= low), ladder[-1])
    above = next((rung for rung in ladder if rung >= high), ladder[-1])
    return float(10.0 ** -below), float(10.0 ** above)


def snapped_count(count, stops=(2, 5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200)):
    """The smallest of ``stops`` at least ``count`` (or ``count`` beyond them): the x-range of a per-layer or
    per-step plot, so that most depth or length changes keep the axis and its cached background."""
    return next((stop for stop in stops if stop >= count), int(count))


class GradientFlowFigure:
    """Left: ``|a_l|`` percentile bands and RMS per layer; right: ``||dL/da_l||`` and ``||dL/dW_l||`` per layer.

    Text is kept short (Agg lays out and rasterizes every glyph on every redraw); the
    explanations go in the widget's HTML note (:func:`describe`).
    """

    def __init__(self, model):
        self.figure = new_figure(8.0, 4.4)
        self.acts, self.grads = self.figure.subplots(1, 2)
        self._build_activations(self.acts)
        self._build_gradients(self.grads)
        self.update(model)
        freeze_layout(self.figure)
        bake_legends(self.figure)
        freeze_axis_labels(self.figure)
        blit_layers(self.acts, [self.outer, self.inner, self.rms, self.rms_theory])
        blit_layers(self.grads, [self.back, self.back_theory, self.weight, self.weight_theory])
        self.render = Blitter(self.figure, [self.outer, self.inner, self.rms, self.rms_theory, self.back,
                                            self.back_theory, self.weight, self.weight_theory, self.title]).render

    def _build_activations(self, ax):
        cheap_log_axis(ax)
        ax.set_xlabel("layer l", fontsize=9)
        # y given: the title stays put (no measuring of the tick labels on each full draw); nothing is above the axes
        ax.set_title("pre-activations |a_l|", fontsize=10, y=1.0)
        self.outer = LineCollection([], colors=PALETTE["sky"], linewidths=3, label="10–90 %")
        self.inner = LineCollection([], colors=PALETTE["blue"], linewidths=3, label="25–75 %")
        ax.add_collection(self.outer)
        ax.add_collection(self.inner)
        (self.rms,) = ax.plot([], [], "o-", color=PALETTE["black"], markersize=2.5, linewidth=1, label="RMS")
        (self.rms_theory,) = ax.plot([], [], "--", color=PALETTE["vermillion"], linewidth=1.5, label="theory")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=8, frameon=False,
                  handlelength=1.5, columnspacing=1.0)

    def _build_gradients(self, ax):
        cheap_log_axis(ax)
        ax.set_xlabel("layer l", fontsize=9)
        (self.back,) = ax.plot([], [], "o-", color=PALETTE["blue"], markersize=2.5, linewidth=1, label="‖∂L/∂a_l‖")
        (self.back_theory,) = ax.plot([], [], "--", color=PALETTE["blue"], linewidth=1.5)
        (self.weight,) = ax.plot([], [], "s-", color=PALETTE["orange"], markersize=2.5, linewidth=1, label="‖∂L/∂W_l‖")
        (self.weight_theory,) = ax.plot([], [], "--", color=PALETTE["orange"], linewidth=1.5)
        theory = Line2D([], [], linestyle="--", color=PALETTE["grey"], label="theory")
        ax.legend(handles=[self.back, self.weight, theory], loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  ncol=3, fontsize=8, frameon=False, handlelength=1.5, columnspacing=1.0)
        self.title = live_title(ax, fontsize=10)

    def update(self, model):
        stats, theory = model.stats, model.prediction
        layers = np.arange(1, model.depth + 1)
        bands = stats.pre_bands
        width = float(np.clip(150.0 / model.depth, 1.5, 8.0))  # thick bars for few layers, thin for many
        self.outer.set_segments([[(x, lo), (x, hi)] for x, lo, hi in zip(layers, bands[:, 0], bands[:, 3])])
        self.inner.set_segments([[(x, lo), (x, hi)] for x, lo, hi in zip(layers, bands[:, 1], bands[:, 2])])
        self.outer.set_linewidth(width)
        self.inner.set_linewidth(width)
        self.rms.set_data(layers, stats.pre_rms)
        self.rms_theory.set_data(layers, theory.pre_rms)
        self.back.set_data(layers, stats.back_norm)
        self.back_theory.set_data(layers, theory.back_norm)
        self.weight.set_data(layers, stats.grad_norm)
        self.weight_theory.set_data(layers, theory.grad_norm)
        for ax in (self.acts, self.grads):
            ax.set_xlim(0.5, snapped_count(model.depth) + 0.5)
        self.acts.set_ylim(*ladder_log_limits(bands[:, 0], bands[:, 3], stats.pre_rms, theory.pre_rms))
        self.grads.set_ylim(*ladder_log_limits(stats.back_norm, stats.grad_norm, theory.back_norm, theory.grad_norm))
        regime = model.regime()
        self.title.set_text(f"gradient norms: {regime}")
        self.title.set_color(REGIME_COLOURS[regime])
        show_message(self.figure, model.message)


def describe(model):
    """The sentence under the controls: the numbers and what the dashed lines are (HTML-free text)."""
    if model.message:
        return model.message.replace("\n", " ")
    chi = model.prediction.chi
    return (f"‖∂L/∂a_1‖ / ‖∂L/∂a_L‖ = {model.gradient_ratio():.1e} ({model.regime()}). "
            f"Dashed: the mean-field theory, Var a_l = n·Var[W]·E[h²] forward and a factor "
            f"χ = n·Var[W]·E[f′²] per layer backward on the variance, √χ on the norm "
            f"(χ ≈ {np.median(chi):.3g} here). "
            f"Last layer: {100 * model.stats.saturated[-1]:.0f}% of the units saturated or off (f′ < 5% of its max).")
