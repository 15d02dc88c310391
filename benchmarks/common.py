"""Measuring helpers: rows of medians, 95th percentiles and ratios."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Row:
    """One line of the benchmark table.

    Attributes
    ----------
    name : str
    median : float
    p95 : float
    unit : str
        ``"ms"``, ``"s"``, ``"fps"``, ``"MiB"``, ``"x"``...
    target : str
        The spec's target, for example ``"median <= 50 ms, p95 <= 100 ms"``.
    note : str
        Ratios and context measured in the same run.
    """

    name: str
    median: float
    p95: float = float("nan")
    unit: str = "ms"
    target: str = ""
    note: str = ""


def samples(action, repeat=30, warmup=2, setup=None):
    """Wall-clock seconds of ``action()`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        if setup:
            setup()
        action()
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return np.array(times)


def ms_row(name, seconds, target="", note=""):
    return Row(name, float(np.median(seconds) * 1e3), float(np.percentile(seconds, 95) * 1e3), "ms", target, note)


REDRAW_TARGET = "median <= 50 ms, p95 <= 100 ms"


def redraw_rows(name, model, figure_class, changes, repeat=40):
    """Latency of a control change (model update + figure update + Agg draw), and a full rebuild for comparison.

    The draw is the one the lab does: the figure's ``render`` (cached backgrounds, see
    ``bplab.figures.base.Blitter``) where it has one, else a full ``canvas.draw()``.

    Parameters
    ----------
    name : str
        Widget name for the rows.
    model : object
        The lab's model.
    figure_class : type
        ``figure_class(model)`` builds the figure; ``.update(model)`` updates it.
    changes : list of callable
        Each ``change(model)`` applies one control value and recomputes; they are
        cycled through, as a learner moving controls would.
    """
    view = figure_class(model)
    draw = getattr(view, "render", view.figure.canvas.draw)
    draw()
    counter = iter(range(10**9))

    def update():
        changes[next(counter) % len(changes)](model)
        view.update(model)
        draw()

    def rebuild():
        changes[next(counter) % len(changes)](model)
        fresh = figure_class(model)
        fresh.figure.canvas.draw()

    updated = samples(update, repeat)
    rebuilt = samples(rebuild, max(5, repeat // 4))
    ratio = float(np.median(rebuilt) / np.median(updated))
    return [ms_row(f"{name}: control change -> redraw", updated, REDRAW_TARGET,
                   f"rebuild from scratch: median {np.median(rebuilt) * 1e3:.1f} ms ({ratio:.1f}x slower)")]
