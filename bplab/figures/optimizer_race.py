"""Figure of the optimizer race: trajectories on the contour plot (left), loss per step on a log scale (right).

Built once: one trajectory line, one head marker and one loss line per optimizer of
:data:`bplab.labs.optimizer_race.OPTIMIZERS` (hidden when not selected), so an update
only calls ``set_data``. The contour lines are the one thing redrawn, and only when the
surface changes; the grids behind them are cached per surface.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter, SymmetricalLogLocator

from bplab.figures.base import CYCLE, PALETTE, new_figure, show_message
from bplab.labs.optimizer_race import OPTIMIZERS

COLOURS = dict(zip(OPTIMIZERS, CYCLE, strict=False))
_GRIDS = {}  # surface key -> (X, Y, Z, levels): contour data computed once per surface


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
    return _GRIDS[key]


class OptimizerRaceFigure:
    """The race's figure.

    Parameters
    ----------
    model : bplab.labs.optimizer_race.OptimizerRaceModel
    """

    def __init__(self, model):
        self.figure = new_figure(8.0, 3.9)
        # fixed margins instead of constrained layout: the layout pass would cost half of every redraw
        self.figure.set_layout_engine("none")
        self.ax, self.loss_ax = self.figure.subplots(
            1, 2, gridspec_kw={"width_ratios": (1.0, 1.15), "left": 0.075, "right": 0.985, "bottom": 0.12,
                               "top": 0.93, "wspace": 0.22})
        # text is what a redraw spends its time on (every glyph, every draw): few ticks, short labels
        self.ax.set_xlabel("x", labelpad=1)
        self.ax.set_ylabel("y", labelpad=1)
        for axis in (self.ax.xaxis, self.ax.yaxis, self.loss_ax.xaxis):
            axis.set_major_locator(MaxNLocator(5))
        self.loss_ax.yaxis.set_major_locator(LogLocator(numticks=5))
        self.title = self.ax.set_title("", fontsize=8)
        self.loss_ax.set_xlabel("step", labelpad=1)
        self.loss_title = self.loss_ax.set_title("", fontsize=8)
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
        self.gd_theory, = self.loss_ax.plot([], [], color=PALETTE["grey"], linestyle="--", linewidth=1.2)
        self.hb_theory, = self.loss_ax.plot([], [], color=PALETTE["black"], linestyle=":", linewidth=1.4)
        self.status = self.loss_ax.text(0.02, 0.02, "", transform=self.loss_ax.transAxes, fontsize=8,
                                        color=PALETTE["vermillion"], va="bottom")
        self.status.set_in_layout(False)  # a message must not resize the axes
        self._contours = None
        self._surface_key = None
        self._legend_labels = None
        self.update(model)

    # -- pieces --------------------------------------------------------------
    def _draw_surface(self, model):
        X, Y, Z, levels = contour_data(model)
        if self._contours is not None:
            self._contours.remove()
        self._contours = self.ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.7, alpha=0.7,
                                         zorder=1)
        (x0, x1), (y0, y1) = model.surface.domain
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)
        minima = np.array(model.surface.minima).reshape(-1, 2)
        self.minima.set_data(minima[:, 0], minima[:, 1])
        scale = "log" if model.surface.min_value is not None else "symlog"
        if self.loss_ax.get_yscale() != scale:
            self.loss_ax.set_yscale(scale, **({"linthresh": 1e-2} if scale == "symlog" else {}))
            self.loss_ax.yaxis.set_major_locator(LogLocator(numticks=5) if scale == "log"
                                                 else SymmetricalLogLocator(linthresh=1e-2, base=10, subs=[1.0]))
            self.loss_ax.yaxis.set_minor_formatter(NullFormatter())
        self.loss_ax.set_ylabel("f − f*" if model.surface.min_value is not None else "f", fontsize=9)
        self._surface_key = model.surface_key()

    def _theory(self, model, steps):
        theory = model.theory
        visible = theory is not None and bool(model.runs)
        for line in (self.gd_theory, self.hb_theory):
            line.set_visible(visible)
        if not visible:
            return []
        f0 = float(model.gap(np.array([model.surface.value(model.start)]))[0])
        t = np.arange(steps + 1)
        with np.errstate(under="ignore"):
            self.gd_theory.set_data(t, np.maximum(f0 * theory["gd_rate"] ** (2 * t), 1e-300))
            self.hb_theory.set_data(t, np.maximum(f0 * theory["hb_rate"] ** (2 * t), 1e-300))
        self.gd_theory.set_label(f"best GD: ρ={theory['gd_rate']:.3f}")
        self.hb_theory.set_label(f"best momentum: ρ={theory['hb_rate']:.3f}")
        return [self.gd_theory, self.hb_theory]

    def _loss_limits(self, model):
        values = [model.gap(run.loss) for run in model.runs.values()]
        values = np.concatenate(values) if values else np.array([1.0])
        values = values[np.isfinite(values)]
        if values.size == 0:
            values = np.array([1.0])
        if model.surface.min_value is not None:
            # a diverging run would stretch the axis to 1e300: keep to 1e4 times the starting loss
            first = float(model.gap(np.array([model.surface.value(model.start)]))[0])
            low, high = max(values.min(), 1e-16), min(values.max(), 1e4 * max(first, 1e-12))
            self.loss_ax.set_ylim(low / 3, high * 3 if high > low else low * 10)
        else:
            low, high = max(values.min(), -1e8), min(values.max(), 1e8)
            pad = 0.1 * (high - low) + 1e-3
            self.loss_ax.set_ylim(low - pad, high + pad)
        self.loss_ax.set_xlim(0, max(model.steps, 1))

    # -- update --------------------------------------------------------------
    def update(self, model):
        if model.surface_key() != self._surface_key:
            self._draw_surface(model)
        self.title.set_text(f"{model.surface.title}   ★ min  ● start")
        theory = model.theory
        self.loss_title.set_text("loss per step" if theory is None else
                                 f"theory: GD α*={theory['gd_lr']:.3g}; heavy ball α*={theory['hb_lr']:.3g},"
                                 f" β*={theory['hb_momentum']:.2f}")
        self.start.set_data([model.start[0]], [model.start[1]])
        frame = model.frame
        labels = []
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
            label = name if run.diverged_at is None else f"{name} (diverged at step {run.diverged_at})"
            self.losses[name].set_label(label)
            labels.append(self.losses[name])
        labels += self._theory(model, model.steps)
        self._loss_limits(model)
        key = tuple(line.get_label() for line in labels)
        if key != self._legend_labels:
            self.loss_ax.legend(handles=labels, loc="upper right", fontsize=7, framealpha=0.8)
            self._legend_labels = key
        self._messages(model)

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
            self.status.set_text(f"{', '.join(diverged)} diverged:\nlearning rate too large")
        else:
            self.status.set_text("")
