"""Lesson 03: redraw latency of the gradient-flow and BPTT explorers; the cost of their computations alone."""

from __future__ import annotations

from benchmarks.common import ms_row, redraw_rows, samples
from bplab.figures.bptt import BPTTFigure
from bplab.figures.gradient_flow import GradientFlowFigure
from bplab.labs.bptt import BPTTModel
from bplab.labs.gradient_flow import GradientFlowModel

# A learner's moves, cycled: every control of each explorer, at its default size or larger.
FLOW_CHANGES = [
    lambda m: m.set(activation="relu"), lambda m: m.set(scheme="he_normal"), lambda m: m.set(scale=2.0),
    lambda m: m.set(activation="tanh"), lambda m: m.set(residual=True), lambda m: m.set(width=96),
    lambda m: m.set(scheme="orthogonal"), lambda m: m.set(depth=30), lambda m: m.set(residual=False),
    lambda m: m.set(activation="sigmoid", scale=1.0, scheme="standard_uniform", depth=50, width=64),
]
BPTT_CHANGES = [
    lambda m: m.set(rho=0.9), lambda m: m.set(length=200), lambda m: m.set(nonlinearity="linear"),
    lambda m: m.set(rho=1.2), lambda m: m.set(clip=True), lambda m: m.set(threshold=0.1),
    lambda m: m.set(nonlinearity="tanh", length=60, clip=False, rho=1.0, threshold=1.0),
]


def rows():
    flow, bptt = GradientFlowModel(), BPTTModel()
    result = redraw_rows("lesson 03 gradient-flow explorer (50 layers)", flow, GradientFlowFigure, FLOW_CHANGES)
    result += redraw_rows("lesson 03 BPTT explorer (T up to 200)", bptt, BPTTFigure, BPTT_CHANGES)
    worst_flow = GradientFlowModel(depth=50, width=96, activation="relu", scheme="he_normal")
    result.append(ms_row("lesson 03 gradient-flow model only, 50 x 96, ReLU", samples(worst_flow.update, 20)))
    long_bptt = BPTTModel(length=200)
    result.append(ms_row("lesson 03 BPTT model only, T = 200", samples(long_bptt.update, 20)))
    return result
