"""Lesson 02: the MLP playground's frame rate and redraw latency; one training step vs PyTorch.

Run: ``python -m benchmarks lesson02``.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import REDRAW_TARGET, Row, ms_row, redraw_rows, samples
from bplab import nn
from bplab.figures.playground import PlaygroundFigure
from bplab.labs.playground import PlaygroundModel
from bplab.optim import SGD

FPS_TARGET = ">= 20 fps"
STEP_SIZES = {  # (batch, layer sizes): the playground's spiral network and the capstone's digits network
    "spiral 2-100-3, batch 32": (32, [2, 100, 3]),
    "playground max 2-64x4-3, batch 32": (32, [2, 64, 64, 64, 64, 3]),
    "digits 64-128-10, batch 64": (64, [64, 128, 10]),
}


def _cpu_ms(action, repeat=20):
    """Median-free CPU milliseconds per call: on a shared machine, wall time also counts other processes."""
    start = time.process_time()
    for _ in range(repeat):
        action()
    return (time.process_time() - start) / repeat * 1e3


def _fps_row(name, seconds, note=""):
    seconds = np.asarray(seconds)
    return Row(name, float(1.0 / np.median(seconds)), float(1.0 / np.percentile(seconds, 95)), "fps", FPS_TARGET,
               note)


def playground_rows():
    """One Play tick = training steps + evaluation + figure update + blitted redraw + PNG."""
    rows = []
    model = PlaygroundModel()
    view = PlaygroundFigure(model)
    view.render_png()

    def frame():
        model.tick()
        view.update(model)
        view.render_png()

    frames = samples(frame, repeat=60, warmup=3)
    cpu_ms = _cpu_ms(frame)
    rows.append(_fps_row("playground: Play tick (model + figure + PNG)", frames,
                         f"median {np.median(frames) * 1e3:.1f} ms wall, {cpu_ms:.1f} ms CPU per frame"))

    deep = PlaygroundModel(hidden_layers=4, units=64, batch_size=8)
    deep_view = PlaygroundFigure(deep)

    def deep_frame():
        deep.tick()
        deep_view.update(deep)
        deep_view.render_png()

    rows.append(_fps_row("playground: Play tick, largest net (4x64, batch 8)", samples(deep_frame, 30, 2),
                         f"25 mini-batch steps per frame; {_cpu_ms(deep_frame, 10):.1f} ms CPU per frame"))

    from bplab.widgets.playground import Playground  # the whole widget path: traitlets, configure, tick, draw

    lab = Playground(impl="exercises")
    play = lab.controls["play"]

    def widget_tick():
        play.value += 1

    rows.append(_fps_row("playground: Play tick through the widget", samples(widget_tick, 40, 2),
                         f"ipywidgets callback included, browser transfer not; {_cpu_ms(widget_tick):.1f} ms CPU"))

    full_model = PlaygroundModel()
    full_view = PlaygroundFigure(full_model)
    from bplab.figures.base import render_png

    def full_frame():
        full_model.tick()
        full_view.update(full_model)
        render_png(full_view.figure)

    full = samples(full_frame, 15, 2)
    rows[0].note += f"; without blitting {np.median(full) * 1e3:.1f} ms ({np.median(full) / np.median(frames):.1f}x)"

    changes = [lambda m: m.configure(lr=0.05), lambda m: m.configure(lr=0.5),
               lambda m: m.configure(noise=0.3), lambda m: m.configure(noise=0.2),
               lambda m: m.configure(units=16), lambda m: m.configure(units=32),
               lambda m: m.configure(activation="tanh"), lambda m: m.configure(activation="relu")]
    rows += redraw_rows("playground", PlaygroundModel(), PlaygroundFigure, changes)

    controls = [("lr", 0.05), ("lr", 0.5), ("noise", 0.3), ("noise", 0.2), ("units", 16), ("units", 32)]
    counter = iter(range(10**9))

    def widget_change():
        name, value = controls[next(counter) % len(controls)]
        lab.controls[name].value = value

    rows.append(ms_row("playground: control change through the widget (incl. PNG)", samples(widget_change, 30, 2),
                       REDRAW_TARGET, f"{_cpu_ms(widget_change, 12):.1f} ms CPU per change"))
    return rows


def _reference_step(batch, sizes, rng):
    model = nn.mlp(sizes, "relu", rng=rng)
    optimizer = SGD(model.params, lr=0.1)
    X = rng.normal(size=(batch, sizes[0]))
    y = rng.integers(0, sizes[-1], size=batch)

    def step():
        loss, dout = nn.softmax_cross_entropy(model.forward(X), y)
        model.backward(dout)
        optimizer.step(model.grads)

    return step


def _torch_step(batch, sizes, rng, torch):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(a, b, dtype=torch.float64))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    X = torch.tensor(rng.normal(size=(batch, sizes[0])))
    y = torch.tensor(rng.integers(0, sizes[-1], size=batch))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()

    return step


def training_step_rows():
    try:
        import torch
    except ImportError:
        torch = None
    rows = []
    for label, (batch, sizes) in STEP_SIZES.items():
        ours = samples(_reference_step(batch, sizes, np.random.default_rng(0)), repeat=300, warmup=20)
        if torch is None:
            note = "torch not installed: no ratio"
        else:
            torch.set_num_threads(1)
            theirs = samples(_torch_step(batch, sizes, np.random.default_rng(0), torch), repeat=300, warmup=20)
            ratio = float(np.median(ours) / np.median(theirs))
            note = f"torch {torch.__version__} (float64, 1 thread): {np.median(theirs) * 1e6:.0f} us; ours/torch = {ratio:.2f}"
        rows.append(Row(f"training step (SGD), {label}", float(np.median(ours) * 1e6),
                        float(np.percentile(ours, 95) * 1e6), "us", "no slower than torch (ratio <= 1)", note))
    return rows


def rows():
    return playground_rows() + training_step_rows() + regression_lab_rows()


def regression_lab_rows():
    """Redraw latency of the regression lab (lesson 02): each change refits the line."""
    from bplab.figures.regression_lab import RegressionLabFigure
    from bplab.labs.regression_lab import RegressionLabModel

    changes = [lambda m: m.configure(outlier_fraction=0.3), lambda m: m.configure(loss="mae"),
               lambda m: m.configure(loss="huber"), lambda m: m.configure(delta=0.3),
               lambda m: m.configure(outlier_fraction=0.1), lambda m: m.configure(loss="mse")]
    return redraw_rows("regression lab", RegressionLabModel(), RegressionLabFigure, changes)
