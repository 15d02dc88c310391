"""Lesson 05: the regularization lab's redraws (control change, play tick) and the reference layers' cost."""

from __future__ import annotations

import numpy as np

from benchmarks.common import ms_row, redraw_rows, samples
from bplab import nn
from bplab.figures.regularization_lab import RegularizationLabFigure
from bplab.labs.regularization_lab import RegularizationLabModel
from bplab.nn.batchnorm import new_running


def _control_changes():
    """Each change sets one control, which restarts training with the widget's quick first pass."""
    settings = [("l2", v) for v in (1e-3, 1e-2, 0.0)] + [("l1", v) for v in (3e-3, 0.0)] + \
               [("dropout", v) for v in (0.5, 0.0)] + [("batchnorm", v) for v in (True, False)] + \
               [("patience", v) for v in (20, 0)]

    def change(model, key, value):
        if model.configure(**{key: value}):
            model.train(model.quick_epochs)

    return [lambda m, key=key, value=value: change(m, key, value) for key, value in settings]


def _tick(epochs_per_tick=20):
    def tick(model):
        if model.status != "training":
            model.restart()  # the learner starts again once the run is over
        model.train(epochs_per_tick)
    return [tick]


def rows():
    out = redraw_rows("regularization lab: control change (quick pass of 30 epochs)", RegularizationLabModel(),
                      RegularizationLabFigure, _control_changes())
    out += redraw_rows("regularization lab: play tick (20 epochs)", RegularizationLabModel(dropout=0.5, batchnorm=True),
                       RegularizationLabFigure, _tick())
    out.append(ms_row("regularization lab: 300 epochs, no figure (\"train to the end\")",
                      samples(lambda: RegularizationLabModel().run_to_end(), repeat=5, warmup=1)))
    out += _layer_rows()
    return out


def _layer_rows(n=256, d=128):
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    gamma, beta, running = np.ones(d), np.zeros(d), new_running(d)

    def batchnorm():
        _, cache = nn.batchnorm_forward(x, gamma, beta, running, True)
        nn.batchnorm_backward(dout, cache)

    def dropout():
        _, cache = nn.dropout_forward(x, 0.5, True, rng)
        nn.dropout_backward(dout, cache)

    return [ms_row(f"batchnorm forward + backward ({n}x{d})", samples(batchnorm, repeat=50)),
            ms_row(f"dropout forward + backward ({n}x{d})", samples(dropout, repeat=50))]
