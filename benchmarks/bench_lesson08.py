"""Lesson 08: the LSTM's forward + backward per time step against torch (CPU, float64), and the
gradient-through-time explorer's redraw and training latency."""

from __future__ import annotations

import numpy as np

from benchmarks.common import Row, ms_row, redraw_rows, samples
from bplab import nn
from bplab.figures.gradient_through_time import GradientThroughTimeFigure
from bplab.labs.gradient_through_time import GradientThroughTimeModel
from bplab.recurrent_experiments import COMPARISON_LAG, TASK, TRAINING

# The lesson's sizes: batches of 32, 4 input channels, 16 hidden units, lag 20 (21 steps).
N, D, H, T = TRAINING["batch_size"], TASK["n_classes"], TRAINING["hidden"], COMPARISON_LAG + 1

CHANGES = [
    lambda m: m.set(lag=40), lambda m: m.set(forget_bias=0.0), lambda m: m.set(hidden=32), lambda m: m.set(clip=False),
    lambda m: m.set(threshold=0.1), lambda m: m.set(seed=3), lambda m: m.set(lag=80),
    lambda m: m.set(lag=20, hidden=16, forget_bias=3.0, clip=True, threshold=1.0, seed=0),
]


def _inputs():
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(H)
    return (rng.normal(size=(N, T, D)), np.zeros((N, H)), rng.uniform(-bound, bound, size=(D, 4 * H)),
            rng.uniform(-bound, bound, size=(H, 4 * H)), rng.uniform(-bound, bound, size=4 * H),
            rng.normal(size=(N, T, H)))


def _ours():
    x, h0, Wx, Wh, b, dh = _inputs()

    def step():
        _, cache = nn.lstm_forward(x, h0, Wx, Wh, b)
        nn.lstm_backward(dh, cache)
    return step


def _theirs(torch):
    x, h0, Wx, Wh, b, dh = _inputs()
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(Wx.T))
        module.weight_hh_l0.copy_(torch.tensor(Wh.T))
        module.bias_ih_l0.copy_(torch.tensor(b))
        module.bias_hh_l0.zero_()
    tx, th0, tdh = torch.tensor(x, requires_grad=True), torch.tensor(h0[None]), torch.tensor(dh)

    def step():
        module.zero_grad()
        out, _ = module(tx, (th0, th0))
        out.backward(tdh)
    return step


def rows():
    ours = samples(_ours(), repeat=60, warmup=5) / T
    try:
        import torch
    except ImportError:
        torch = None
    if torch is None:
        note = "torch not installed: no ratio"
    else:
        torch.set_num_threads(1)
        theirs = samples(_theirs(torch), repeat=60, warmup=5) / T
        ratio = float(np.median(ours) / np.median(theirs))
        note = (f"torch {torch.__version__} nn.LSTM (float64, 1 thread): {np.median(theirs) * 1e6:.0f} us/step; "
                f"ours/torch = {ratio:.2f}")
    result = [Row(f"lesson 08 LSTM forward+backward per step (N={N}, H={H}, T={T})", float(np.median(ours) * 1e6),
                  float(np.percentile(ours, 95) * 1e6), "us", "<= 2x torch's time", note)]
    model = GradientThroughTimeModel()
    result += redraw_rows("lesson 08 gradient-through-time explorer (lag up to 80)", model,
                          GradientThroughTimeFigure, CHANGES)
    trained = GradientThroughTimeModel()
    result.append(ms_row("lesson 08 explorer: 'train 50 updates' button (model only, lag 20)",
                         samples(lambda: trained.train(50), repeat=5, warmup=1), note="both networks"))
    return result
