"""Lesson 07: conv2d forward+backward, vectorized vs loops over pixels; the feature-map viewer's redraws."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import Row, ms_row, redraw_rows, samples
from bplab import nn
from bplab.figures.feature_maps import FeatureMapsFigure
from bplab.labs.feature_maps import FeatureMapsModel, small_cnn, train_digits
from bplab.loader import course_root, load

SHAPE = (16, 3, 16, 16)
FILTERS = (8, 3, 3, 3)


def naive_forward_backward(x, W, b, dout, stride=1, pad=0):
    """A first attempt: loops over images, filters and output pixels, for the forward and the backward pass."""
    n, _, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h, out_w = (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1
    out = np.empty((n, f, out_h, out_w))
    dxp, dW = np.zeros_like(xp), np.zeros_like(W)
    for i in range(n):
        for k in range(f):
            for p in range(out_h):
                for q in range(out_w):
                    window = xp[i, :, p * stride:p * stride + kh, q * stride:q * stride + kw]
                    out[i, k, p, q] = np.sum(window * W[k]) + b[k]
                    dW[k] += dout[i, k, p, q] * window
                    dxp[i, :, p * stride:p * stride + kh, q * stride:q * stride + kw] += dout[i, k, p, q] * W[k]
    return out, dxp[:, :, pad:pad + h, pad:pad + w], dW, dout.sum(axis=(0, 2, 3))


def _conv_rows():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=SHAPE), rng.normal(size=FILTERS), rng.normal(size=FILTERS[0])
    dout = rng.normal(size=(SHAPE[0], FILTERS[0], SHAPE[2], SHAPE[3]))
    label = f"x {SHAPE}, W {FILTERS}, pad 1"

    def reference():
        _, cache = nn.conv2d_forward(x, W, b, 1, 1)
        return nn.conv2d_backward(dout, cache)

    solutions = load("ex07_convolutions", str(course_root() / "solutions"))

    def solution():
        _, cache = solutions.conv2d_forward(x, W, b, 1, 1)
        return solutions.conv2d_backward(dout, cache)

    fast = samples(reference, repeat=30)
    shifted = samples(solution, repeat=30)
    slow = samples(lambda: naive_forward_backward(x, W, b, dout, 1, 1), repeat=3, warmup=1)
    ratio = np.median(slow) / np.median(fast)
    rows = [
        ms_row(f"conv2d fwd+bwd, bplab.nn (im2col), {label}", fast, "vectorized, no pixel loops",
               f"{ratio:.0f}x faster than loops over pixels"),
        ms_row("conv2d fwd+bwd, solutions/ (loop over 9 kernel offsets)", shifted, "",
               f"{np.median(slow) / np.median(shifted):.0f}x faster than loops over pixels"),
        ms_row("conv2d fwd+bwd, loops over pixels (naive)", slow, "reference for the ratio"),
    ]
    try:
        import torch
    except ImportError:
        rows.append(Row("conv2d fwd+bwd, torch (CPU)", float("nan"), unit="ms", note="torch not installed"))
    else:
        tx = torch.tensor(x, requires_grad=True)
        tW = torch.tensor(W, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True)
        tdout = torch.tensor(dout)

        def with_torch():
            out = torch.nn.functional.conv2d(tx, tW, tb, padding=1)
            tx.grad = tW.grad = tb.grad = None
            out.backward(tdout)

        torched = samples(with_torch, repeat=30)
        rows.append(ms_row("conv2d fwd+bwd, torch (CPU, float64)", torched, "",
                           f"bplab.nn is {np.median(fast) / np.median(torched):.1f}x torch's time"))
    return rows


def _training_row():
    start = time.perf_counter()
    _, accuracy = train_digits(small_cnn(0))
    seconds = time.perf_counter() - start
    return Row("small CNN on the digits: the notebook's training (12 epochs)", seconds, unit="s",
               target="keeps the notebook <= 30 s", note=f"test accuracy {accuracy:.1%}")


def _viewer_changes():
    changes = []
    for image in range(10):
        changes.append(lambda m, image=image: m.set(image_index=image))
    for index in range(8):
        changes.append(lambda m, index=index: m.set(filter_index=index))
    changes.append(lambda m: m.set(bank="learned"))
    changes.append(lambda m: m.set(bank="preset"))
    return changes


def rows():
    out = _conv_rows()
    model = FeatureMapsModel()  # trains the small CNN once for the learned bank (not timed)
    out += redraw_rows("feature-map viewer (image, filter, bank)", model, FeatureMapsFigure, _viewer_changes())
    out.append(_training_row())
    return out
