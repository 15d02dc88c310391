"""Figure of the optimizer race: trajectories on the contour plot (left), loss per step on a log scale (right).

Built once: one trajectory line, one head marker and one loss line per optimizer of
:data:`bplab.labs.optimizer_race.OPTIMIZERS` (hidden when not selected), so an update
only calls ``set_data``. The contour lines are the one thing redrawn, and only when the
surface changes; the grids behind them are cached per surface.

Speed: drawing text (tick labels, titles, the legend) is most of an Agg redraw. Everything
that does not move while the race is animated or a slider is dragged is therefore kept as
pixels, per panel and per what it shows: the trajectory panel's ticks and labels per range,
with its contours, frame and title per surface (a new kappa draws contours over kept ticks);
the loss panel per range, scale and label (a new number of steps or loss range draws that
panel alone); the loss title and the legend per text. Each redraw
(:meth:`OptimizerRaceFigure.render`) copies them back into the canvas, row band by row band
where each panel drew, and draws only the trajectories, loss curves and markers over them, in
the order of a full draw. Where the two panels drew on the same pixels, the whole background
is drawn at once. The figure's artists always show the current state, so a full draw
(``savefig``) shows the same picture, pixel for pixel (tested).
"""

from __future__ import annotations

from collections import OrderedDict

import contourpy
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.path import Path
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, NullLocator
from matplotlib.transforms import Bbox

from bplab.figures import panels
from bplab.figures.base import CYCLE, PALETTE, new_figure, show_message
from bplab.figures.gradient_flow import live_title, snapped_count
from bplab.labs.optimizer_race import OPTIMIZERS

COLOURS = dict(zip(OPTIMIZERS, CYCLE, strict=False))
STEP_STOPS = (20, 50, 100, 200, 300, 400, 500)
"""The loss plot's x-ranges: the smallest at least the number of steps."""
_GRIDS = OrderedDict()  # surface key -> (X, Y, Z, levels): contour data, for the last few surfaces
GRIDS_KEPT = 16
"""Surfaces whose contour data is kept (each kappa of the quadratic is one; 200 kB each)."""


def contour_data(model, n=90):
    """``(X, Y, Z, levels)`` for the model's surface, computed once per surface and cached.

    Surfaces with a minimum are contoured on ``log10(f - f_min)`` (their interesting
    structure spans many orders of magnitude); the saddle on ``f`` itself.
    """
    key = model.surface_key()
    if key not in _GRIDS:
        X, Y, Z = model.surface.grid(n)
        if model.surface.min_value is not None:
            Z = np.log10(np.maximum(Z - model.surface.min_value, 1e-12))
            levels = np.linspace(np.percentile(Z, 1), np.percentile(Z, 99), 18)
        else:
            levels = np.linspace(Z.min(), Z.max(), 17)
        _GRIDS[key] = (X, Y, Z, levels)
        while len(_GRIDS) > GRIDS_KEPT:
            _GRIDS.popitem(last=False)
    _GRIDS.move_to_end(key)
    return _GRIDS[key]


def _level_colours(levels):
    """The colours viridis gives each contour level (a colour map would cost a third of making the contours)."""
    return colormaps["viridis"](Normalize(levels[0], levels[-1])(levels))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_label(value, _position=None):
    """``10⁻⁴``-style labels in plain Unicode: mathtext labels cost ~15 ms each to lay out the first time."""
    if value == 0:
        return "0"
    exponent = int(round(np.log10(abs(value))))
    if not np.isclose(abs(value), 10.0**exponent):
        return f"{value:.3g}"
    return ("−" if value < 0 else "") + "10" + str(exponent).translate(_SUPERSCRIPT)


def _symlog_ticks(low, high):
    """About seven ticks, 0 and powers of ten on each side, for a symlog axis from ``low < 0`` to ``high > 0``."""
    ticks = [0.0]
    for sign, end in ((-1.0, low), (1.0, high)):
        top = int(round(np.log10(abs(end))))
        stride = max(1, int(np.ceil((top + 2) / 3)))
        ticks += [sign * 10.0**k for k in range(top, -3, -stride)]
    return sorted(ticks)


def theory_caption(model):
    """The line under the figure: what the theory lines show, with their numbers (HTML).

    In the page, not in the figure: a new kappa changes every number, and text drawn by the kernel is most of
    a redraw's time (the browser draws this for nothing, as sharp as the notebook's own text)."""
    theory = model.theory
    if theory is None:
        return ("<small>No theory lines here: section 4's best step and momentum hold on a quadratic, whose "
                "Hessian is the same everywhere. Choose the quadratic to race against them.</small>")
    return (f"<small><b>Theory for κ = {model.kappa:.4g}</b> (section 4). Best step of gradient descent "
            f"η* = {theory['gd_lr']:.3g}: the distance to the minimum shrinks by a factor ρ = {theory['gd_rate']:.3f} "
            f"per step, the loss by ρ² (grey dashed line). Heavy ball (SGD with momentum) at η* = {theory['hb_lr']:.3g}, "
            f"μ* = {theory['hb_momentum']:.3f}: ρ = {theory['hb_rate']:.3f} (black dotted line).</small>")


class OptimizerRaceFigure:
    """The race's figure.

    Parameters
    ----------
    model : bplab.labs.optimizer_race.OptimizerRaceModel
    """

    RIGHTS_KEPT = 24
    """Loss panels kept (per range, scale and label; ~0.7 MB each): the surfaces' own, and those drawn ahead
    for the stops of the kappa and steps sliders."""

    def __init__(self, model):
        self.figure = new_figure(7.0, 3.9)  # beside a column of controls: the lab fits a 1280x800 window
        # fixed margins instead of constrained layout: the layout pass would cost half of every redraw
        self.figure.set_layout_engine("none")
        self.ax, self.loss_ax = self.figure.subplots(
            1, 2, gridspec_kw={"width_ratios": (1.0, 1.0), "left": 0.085, "right": 0.8, "bottom": 0.12,
                               "top": 0.93, "wspace": 0.32})
        self.ax.set_xlabel("x", labelpad=1)
        self.ax.set_ylabel("y", labelpad=1)
        for axis in (self.ax.xaxis, self.ax.yaxis, self.loss_ax.xaxis):
            axis.set_major_locator(MaxNLocator(5))
        self.loss_ax.yaxis.set_major_locator(LogLocator(numticks=5))
        # titles where set_title puts them, as plain axes texts: drawn over the cached background in every
        # redraw (from the glyph cache), so a new title (a new kappa) redraws no axes
        self.title = live_title(self.ax, fontsize=8)
        self.loss_ax.set_xlabel("step", labelpad=1)
        self.loss_title = live_title(self.loss_ax, fontsize=8)
        self.minima, = self.ax.plot([], [], linestyle="none", marker="*", markersize=12, color=PALETTE["yellow"],
                                    markeredgecolor=PALETTE["black"], zorder=5, label="minimum")
        self.start, = self.ax.plot([], [], linestyle="none", marker="o", markersize=6, color=PALETTE["black"],
                                   zorder=5, label="start")
        self.paths, self.heads, self.losses, self.loss_heads = {}, {}, {}, {}
        for name, colour in COLOURS.items():
            self.paths[name], = self.ax.plot([], [], color=colour, linewidth=1.6, zorder=3)
            self.heads[name], = self.ax.plot([], [], color=colour, marker="o", markersize=6,
                                             markeredgecolor="white", zorder=4)
            self.losses[name], = self.loss_ax.plot([], [], color=colour, linewidth=1.6, label=name)
            self.loss_heads[name], = self.loss_ax.plot([], [], color=colour, marker="o", markersize=5)
        # their numbers are in the caption under the figure (theory_caption): a new kappa draws no new text
        self.gd_theory, = self.loss_ax.plot([], [], color=PALETTE["grey"], linestyle="--", linewidth=1.2,
                                            label="best GD")
        self.hb_theory, = self.loss_ax.plot([], [], color=PALETTE["black"], linestyle=":", linewidth=1.4,
                                            label="best heavy ball")
        # the loss curves just above the frame (spines: 2.5), as the paths are: a redraw draws them over the
        # cached frame, and a full draw layers them the same way
        for line in (*self.losses.values(), *self.loss_heads.values(), self.gd_theory, self.hb_theory):
            line.set_zorder(2.6)
        self.status = self.loss_ax.text(0.03, 0.03, "", transform=self.loss_ax.transAxes, fontsize=8,
                                        color=PALETTE["vermillion"], va="bottom")
        self.status.set_in_layout(False)  # a message must not resize the axes
        self.legend = None
        self._legend_handles = None  # the legend's entries' artists
        self._contours = None
        self._colours = None  # the contours' colours per level
        self._traces = {}  # surface key -> its traced contour lines (least recently used first)
        self._surface_key = None  # the surface the contours show
        self._static_key = None  # what the static artists show
        self._base = None  # the canvas's pixels with no axes: the figure's background
        self._frames = OrderedDict()  # x-y ranges -> the trajectory axes' ticks and labels (no contours, no frame)
        self._lefts = OrderedDict()  # (ranges, surface) -> the trajectory axes with its contours and frame
        self._rights = OrderedDict()  # (ranges, scale, label) -> the loss axes with its ticks and labels
        self._bands = OrderedDict()  # (left, right) -> where each panel's pixels go (None: they overlap)
        self._backgrounds = OrderedDict()  # (left, right) -> the whole figure, when the two panels' pixels overlap
        self._legend_key = None  # the legend's entries
        self._legends = OrderedDict()  # legend entries -> the legend's pixels, the legend, its box
        self._legend_drawn = None  # the entries of the legend drawn last
        self._legend_boxes = None  # (legend, where each of its entries sits)
        self._loss_titles = OrderedDict()  # (title, panels) -> the loss title's pixels
        self.full_draws = 0  # whole-figure backgrounds drawn (the two panels' pixels overlapped)
        self.panel_draws = 0  # backgrounds of one panel (or of its ticks) drawn
        self.update(model)

    # -- pieces --------------------------------------------------------------
    def _set_axes(self, model, ylim):
        """Limits and scales: cheap, and needed by the live artists even when the background is cached."""
        (x0, x1), (y0, y1) = model.surface.domain
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)
        scale = "log" if model.surface.min_value is not None else "symlog"
        if self.loss_ax.get_yscale() != scale:
            self.loss_ax.set_yscale(scale, **({"linthresh": 1e-2} if scale == "symlog" else {}))
            if scale == "log":
                self.loss_ax.yaxis.set_major_locator(LogLocator(numticks=5))
            # no minor ticks: over 20 decades they would be ~150 tick artists to create and draw
            self.loss_ax.yaxis.set_minor_locator(NullLocator())
            self.loss_ax.yaxis.set_major_formatter(FuncFormatter(_power_label))
        self.loss_ax.set_ylim(*ylim)
        # round step counts: most changes of the number of steps keep the axis (and the cached background)
        self.loss_ax.set_xlim(0, snapped_count(max(model.steps, 1), STEP_STOPS))

    def _prepare_static(self, model, ylim):
        """Bring the artists of the background up to date (contours only when the surface changed)."""
        if model.surface_key() != self._surface_key:
            self._contour(model)
            minima = np.array(model.surface.minima).reshape(-1, 2)
            self.minima.set_data(minima[:, 0], minima[:, 1])
            self.loss_ax.set_ylabel("f − f*" if model.surface.min_value is not None else "f", fontsize=9)
            self._surface_key = model.surface_key()
        if model.surface.min_value is None:
            self.loss_ax.yaxis.set_major_locator(FixedLocator(_symlog_ticks(*ylim)))

    def _contour(self, model):
        """Contour lines of the model's surface (:func:`contour_data`), coloured by viridis per level.

        With as many levels in the same colours as the contours shown (every surface but the saddle), the
        lines go into the same artist, traced as ``contour`` traces them (:meth:`_traced`): making a new
        ``ContourSet`` costs three times the tracing."""
        traced = self._traced(model)
        if traced is not None:
            levels, paths, zmin, zmax = traced
            self._contours.set_paths(paths)
            self._contours.levels, self._contours.zmin, self._contours.zmax = levels, zmin, zmax
            return
        X, Y, Z, levels = contour_data(model)
        if self._contours is not None:
            self._contours.remove()
        self._colours = _level_colours(levels)
        self._contours = self.ax.contour(X, Y, Z, levels=levels, colors=self._colours, linewidths=0.7, alpha=0.7,
                                         zorder=1)

    TRACES_KEPT = 64
    """Surfaces whose traced contour lines are kept (every stop of the kappa slider: ~100 kB each)."""

    def _traced(self, model):
        """``(levels, paths, zmin, zmax)``: the contour lines of the model's surface, traced by contourpy with
        the settings of the contours shown (those ``contour`` used), and kept per surface; None when they
        cannot go into the contours shown (other levels or colours: no contours yet, or the saddle's)."""
        key = model.surface_key()
        traced = self._traces.get(key)
        data = contour_data(model) if traced is None else None
        levels = traced[0] if traced is not None else data[3]
        contours = self._contours
        if contours is None or len(contours.levels) != len(levels) \
                or not np.array_equal(_level_colours(levels), self._colours):
            return None
        if traced is None:
            X, Y, Z, levels = data
            z = np.ma.masked_invalid(Z, copy=False)
            generator = contourpy.contour_generator(
                X, Y, z, name=contours._algorithm, corner_mask=contours._corner_mask,
                line_type=contourpy.LineType.SeparateCode, fill_type=contourpy.FillType.OuterCode,
                chunk_size=contours.nchunk)
            empty = Path(np.empty((0, 2)))
            paths = [Path(np.concatenate(points), np.concatenate(codes)) if len(points) else empty
                     for points, codes in map(generator.create_contour, levels)]
            traced = (np.asarray(levels, float), paths, float(z.min()), float(z.max()))
            while len(self._traces) >= self.TRACES_KEPT:
                del self._traces[next(iter(self._traces))]
        self._traces[key] = self._traces.pop(key, traced)  # the most recently used last
        return traced

    def warm_contours(self, model):
        """Trace the contour lines of the model's surface ahead (a kappa the slider may move to) and keep them,
        when they would go into the contours shown (:meth:`_traced`); the figure is left as it is."""
        self._traced(model)

    def _make_legend(self, handles):
        if self.legend is not None and self._legend_handles == [id(h) for h in handles]:
            # the same entries, new labels (kappa's best rates): new texts in the same legend, laid out at its
            # next draw as a new legend would be (tested against a full draw of a fresh figure)
            for text, handle in zip(self.legend.get_texts(), handles, strict=True):
                text.set_text(handle.get_label())
            return
        self._legend_handles = [id(h) for h in handles]
        if self.legend is not None:
            self.legend.remove()
        self.legend = self.loss_ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                                          fontsize=7, frameon=False, borderaxespad=0.0) if handles else None

    def _theory(self, model):
        theory = model.theory
        visible = theory is not None and bool(model.runs)
        for line in (self.gd_theory, self.hb_theory):
            line.set_visible(visible)
        if not visible:
            return []
        f0 = float(model.gap(np.array([model.surface.value(model.start)]))[0])
        t = np.arange(model.steps + 1)
        with np.errstate(under="ignore"):
            self.gd_theory.set_data(t, np.maximum(f0 * theory["gd_rate"] ** (2 * t), 1e-300))
            self.hb_theory.set_data(t, np.maximum(f0 * theory["hb_rate"] ** (2 * t), 1e-300))
        return [self.gd_theory, self.hb_theory]

    def _loss_limits(self, model):
        """y-range of the loss plot, rounded outwards to powers of ten so that it rarely changes.

        The axis and its labels are part of the cached background: a range that moved with
        every slider step would redraw them on every step.
        """
        values = [model.gap(run.loss) for run in model.runs.values()]
        values = np.concatenate(values) if values else np.array([1.0])
        values = values[np.isfinite(values)]
        if values.size == 0:
            values = np.array([1.0])
        if model.surface.min_value is not None:
            # a diverging run would stretch the axis to 1e300: keep to 1e4 times the starting loss
            first = float(model.gap(np.array([model.surface.value(model.start)]))[0])
            low, high = max(values.min(), 1e-16), min(values.max(), 1e4 * max(first, 1e-12))
            # coarse steps (4 decades down, 2 up): dragging a slider rarely moves the axis
            low = 10.0 ** (4 * np.floor(np.log10(low) / 4))
            high = 10.0 ** (2 * np.ceil(np.log10(max(high, low * 10)) / 2))
        else:
            # symlog (the saddle has no minimum): out to the next power of ten on each side of 0
            low, high = max(values.min(), -1e8), min(values.max(), 1e8)
            low = -(10.0 ** np.ceil(np.log10(max(-low, 1e-2))))
            high = 10.0 ** np.ceil(np.log10(max(high, 1e-2)))
        return float(low), float(high)

    # -- update --------------------------------------------------------------
    def update(self, model):
        ylim = self._loss_limits(model)
        self._set_axes(model, ylim)
        frame = model.frame
        handles = []
        for name in OPTIMIZERS:
            run = model.runs.get(name)
            shown = run is not None
            for artist in (self.paths[name], self.heads[name], self.losses[name], self.loss_heads[name]):
                artist.set_visible(shown)
            if not shown:
                continue
            end = min(frame, len(run.path) - 1)
            self.paths[name].set_data(run.path[: end + 1, 0], run.path[: end + 1, 1])
            self.heads[name].set_data([run.path[end, 0]], [run.path[end, 1]])
            gap = model.gap(run.loss)
            self.losses[name].set_data(np.arange(end + 1), gap[: end + 1])
            self.loss_heads[name].set_data([end], [gap[end]])
            handles.append(self.losses[name])
        handles += self._theory(model)
        self.start.set_data([model.start[0]], [model.start[1]])
        self._messages(model)

        self.title.set_text(f"{model.surface.title}   ★ min  ● start")
        self.loss_title.set_text("loss per step")
        key = (model.surface_key(), ylim)
        labels = tuple(h.get_label() for h in handles)
        if key != self._static_key:
            self._prepare_static(model, ylim)
            self._static_key = key
        if labels != self._legend_key:
            self._make_legend(handles)
            self._legend_key = labels

    def _dynamic_artists(self):
        """What a redraw draws over the background, in the order a full draw draws them: per axes, by layer,
        and within a layer in the order the artists were added (a head marker under the next optimizer's line).

        The minimum's star (layer 5) is over the paths (3), so it is drawn with them, not cached."""
        message = getattr(self.figure, "_bplab_message", None)
        artists = {id(a) for a in (*self.paths.values(), *self.heads.values(), *self.losses.values(),
                                   *self.loss_heads.values(), self.start, self.minima, self.gd_theory, self.hb_theory,
                                   self.status)}
        ordered = [a for ax in (self.ax, self.loss_ax)
                   for a in sorted((c for c in ax.get_children() if id(c) in artists), key=lambda c: c.get_zorder())]
        return ordered + ([message] if message is not None else [])

    def _panel_keys(self):
        """What the cached pixels of each panel show: its ranges, scales, labels (and the trajectory panel's
        contours). Titles, legend and everything that moves are drawn over them."""
        frame = (self.ax.get_xlim(), self.ax.get_ylim())
        left = (frame, self._surface_key, self.title.get_text())
        right = (self.loss_ax.get_xlim(), self.loss_ax.get_ylim(), self.loss_ax.get_yscale(),
                 self.loss_ax.get_ylabel(), tuple(self.loss_ax.get_yticks()))
        return frame, left, right

    def _draw_alone(self, shown, hidden, keep_mask=False):
        """A full draw of the axes ``shown`` alone, without ``hidden``: its :class:`~bplab.figures.panels.Panel`."""
        pixels = panels.draw_alone(self.figure, [shown], hidden)
        self.panel_draws += 1
        # spines reach a pixel beyond the axes' box
        return panels.Panel(self.figure.canvas, panels.drawn_on(pixels, self._base[1], [shown.bbox.padded(2)]),
                            keep_mask)

    @staticmethod
    def _cached(cache, key, make, keep=8):
        found = cache.get(key)
        if found is None:
            found = cache[key] = make()
            while len(cache) > keep:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return found

    def _left(self, frame_key, dynamic):
        """The trajectory panel: its ticks and labels (cached per range), then the contours, the frame and the
        title (it names the surface and kappa).

        A full draw layers the contours (1) under the ticks (1.5) and the spines (2.5); the ticks point out of
        the axes, where the contours (clipped to it) never reach, so drawing the contours after the ticks and
        before the spines gives the same pixels (tested), and a new kappa costs its contours, not its axes."""
        spines = list(self.ax.spines.values())
        hidden = [*dynamic, *spines] + ([self._contours] if self._contours is not None else [])
        frame = self._cached(self._frames, frame_key, lambda: self._draw_alone(self.ax, hidden, True), 4)
        canvas = self.figure.canvas
        canvas.restore_region(self._base[0])
        frame.restore(canvas, 0, frame.drawn.shape[0], frame.first, frame.last)
        for artist in ([self._contours] if self._contours is not None else []) + spines + [self.title]:
            self.figure.draw_artist(artist)
        # the title's own pixels (over the empty figure), not its box: a long title reaches over the loss
        # panel's top tick label's columns
        drawn = frame.drawn.copy()
        panels.mark(drawn, self.title.get_window_extent(canvas.get_renderer()).padded(1),
                    np.asarray(canvas.buffer_rgba()), self._base[1])
        return panels.Panel(canvas, drawn)

    def _background(self, dynamic):
        """Put the background of the current state into the canvas: the empty figure, then each panel's
        cached pixels where it drew (split row by row between the two panels); a full draw where the two
        panels drew on the same pixels."""
        canvas = self.figure.canvas
        hidden = dynamic + [self.title, self.loss_title] + ([self.legend] if self.legend is not None else [])
        if self._base is None:  # the empty figure
            pixels = panels.draw_alone(self.figure, [], hidden)
            self._base = (canvas.copy_from_bbox(self.figure.bbox), pixels.copy())
        frame_key, left_key, right_key = self._panel_keys()
        left = self._cached(self._lefts, left_key, lambda: self._left(frame_key, hidden))
        right = self._cached(self._rights, right_key, lambda: self._draw_alone(self.loss_ax, hidden),
                             self.RIGHTS_KEPT)
        where = self._cached(self._bands, (left_key, right_key), lambda: panels.bands([left, right]), 16)
        if where is not None:
            panels.compose(canvas, self._base[0], [left, right], where)
            return left_key, right_key

        def whole():
            self.full_draws += 1
            shown = [artist.get_visible() for artist in hidden]
            for artist in hidden:
                if artist is not self.title:
                    artist.set_visible(False)
            try:
                canvas.draw()
            finally:
                for artist, visible in zip(hidden, shown, strict=True):
                    artist.set_visible(visible)
            return canvas.copy_from_bbox(self.figure.bbox)

        canvas.restore_region(self._cached(self._backgrounds, (left_key, right_key), whole, 4))
        return left_key, right_key

    def _hidden(self):
        """What the panels are drawn without: everything drawn over them."""
        return self._dynamic_artists() + [self.title, self.loss_title] + ([self.legend] if self.legend else [])

    def _keep_loss_panel(self, hidden):
        """The loss panel as its axes are set now, drawn alone and kept (unless kept already)."""
        self._cached(self._rights, self._panel_keys()[2], lambda: self._draw_alone(self.loss_ax, hidden),
                     self.RIGHTS_KEPT)

    def warm_loss_ranges(self, model, steps=2):
        """Draw the loss panel alone at the ranges a new kappa or rate moves it to most often, and keep them.

        The range's low end moves in steps of four decades (:meth:`_loss_limits`) and a new range costs the
        loss panel drawn alone (about 20 ms: its new tick labels). Up to ``steps`` steps either way from the
        model's range, the high end kept (log scale only: the saddle's symlog range moves both ends). The
        figure shows the model's state again afterwards."""
        if model.surface.min_value is None:
            return
        low, high = self._loss_limits(model)
        hidden = self._hidden()
        exponent = np.round(np.log10(low))  # a multiple of 4: the power _loss_limits takes, the same float
        try:
            for shift in (k for k in range(-steps, steps + 1) if k):
                other = 10.0 ** (exponent + 4 * shift)
                if not 1e-17 < other < high / 10:
                    continue
                self._set_axes(model, (other, high))
                self._keep_loss_panel(hidden)
        finally:
            self._set_axes(model, (low, high))

    def warm_loss_panel(self, model, shown):
        """Draw the loss panel alone as ``model`` shows it (another kappa, another number of steps: a model one
        slider stop away) and keep it; the axes are then set for ``shown`` (the model the figure shows) again.
        Log scale only, as :meth:`warm_loss_ranges`."""
        if model.surface.min_value is None or shown.surface_key()[0] != model.surface_key()[0]:
            return
        hidden = self._hidden()
        try:
            self._set_axes(model, self._loss_limits(model))
            self._keep_loss_panel(hidden)
        finally:
            self._set_axes(shown, self._loss_limits(shown))

    def _stamp(self, cache, key, artist, keep=16):
        """Draw ``artist`` from its pixels kept under ``key``, or draw it and keep them. For artists over
        nothing but the background the key names (a legend beside the plot, a title above it)."""
        canvas = self.figure.canvas
        pixels = cache.get(key)
        if pixels is None:
            self.figure.draw_artist(artist)
            cache[key] = canvas.copy_from_bbox(artist.get_window_extent(canvas.get_renderer()).padded(1))
            while len(cache) > keep:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
            canvas.restore_region(pixels)

    def _legend_entries(self):
        """The legend's entries (a handle and a text each), top to bottom."""
        return [entry for column in self.legend._legend_handle_box.get_children() for entry in column.get_children()]

    def _draw_legend(self):
        """The legend, from its pixels kept per list of labels.

        A new kappa changes only the last two labels (the theory's rates). The legend's entries are left-aligned
        under its fixed top-left corner and as tall as before, so the others keep their pixels: the last legend
        drawn is put back, the changed entries' rows cleared and only those entries drawn: 4.7 against 7-8 ms
        (most of what is left is FreeType laying out the two new labels). Tested against full draws of a fresh
        figure."""
        canvas, key = self.figure.canvas, self._legend_key
        kept = self._legends.get(key)
        if kept is not None:
            self._legends.move_to_end(key)
            canvas.restore_region(kept[0])
            return
        renderer = canvas.get_renderer()
        last = self._legends.get(self._legend_drawn) if self._legend_drawn is not None else None
        changed = None
        if last is not None and last[1] is self.legend and len(self._legend_drawn) == len(key):
            changed = [k for k, (old, new) in enumerate(zip(self._legend_drawn, key, strict=True)) if old != new]
            if any(old.count("\n") != new.count("\n") for old, new in zip(self._legend_drawn, key, strict=True)):
                changed = None  # an entry of another height moves the ones below it
        width, height = canvas.get_width_height(physical=True)
        if changed:
            canvas.restore_region(last[0])
            if self._legend_boxes is None or self._legend_boxes[0] is not self.legend:
                # where each entry sits: its left edge, top and bottom stay (its width may change)
                self._legend_boxes = (self.legend, [entry.get_window_extent(renderer)
                                                    for entry in self._legend_entries()])
            entries, boxes = self._legend_entries(), self._legend_boxes[1]
            left = int(np.floor(min(boxes[k].x0 for k in changed))) - 1
            top = int(np.ceil(max(boxes[k].y1 for k in changed)))
            bottom = int(np.floor(last[2].y0))
            # the empty figure under the changed entries, and under anything below them (Agg rows from the top)
            canvas.restore_region(self._base[0], bbox=(left, height - top, width - 1, height - bottom - 1), xy=(0, 0))
            for k in changed:
                entries[k].draw(renderer)
            box = last[2]
        else:
            self.figure.draw_artist(self.legend)
            box = self.legend.get_window_extent(renderer).padded(1)
        # to the figure's right edge (nothing else is drawn right of the legend): room for longer labels
        box = Bbox.from_extents(box.x0, box.y0, width, box.y1)
        self._legends[key] = (canvas.copy_from_bbox(box), self.legend, box)
        while len(self._legends) > 16:
            self._legends.popitem(last=False)
        self._legend_drawn = key

    def render(self):
        """Draw the figure into its canvas: the cached background of this state, then the moving artists.

        The background is kept per panel (the trajectory panel's ticks per range, its contours and title per
        surface; the loss panel per range): a new kappa draws contours, a change of the steps or of the loss
        range draws the loss panel, and only a new surface draws both. The loss title (kappa's best rates) and
        the legend (right of the loss plot, where nothing else is drawn) are cached on their own, by their
        text: choosing other optimizers costs a legend, not a full draw."""
        dynamic = self._dynamic_artists()
        shown = self._background(dynamic)  # the two panels' keys
        if self.loss_title.get_text():
            self._stamp(self._loss_titles, (self.loss_title.get_text(), *shown), self.loss_title)
        if self.legend is not None:
            self._draw_legend()
        for artist in dynamic:
            if artist.get_visible():
                self.figure.draw_artist(artist)

    def _messages(self, model):
        diverged = model.diverged()
        if not model.runs:
            show_message(self.figure, "Select at least one optimizer.")
        elif len(diverged) == len(model.runs):
            show_message(self.figure, "Every optimizer diverged: the learning rate is too large for this surface.\n"
                                      "Lower it (log slider) and the race starts again.")
        else:
            show_message(self.figure, "")
        if diverged and len(diverged) < len(model.runs):
            self.status.set_text("diverged (learning rate too large):\n"
                                 + ", ".join(f"{name} at step {step}" for name, step in diverged.items()))
        else:
            self.status.set_text("")
