"""Lesson 01: the graph explorer's redraw latency, and the reference engine on a deep chain."""

from __future__ import annotations

from benchmarks.common import Row, ms_row, redraw_rows, samples
from bplab.autodiff import Value
from bplab.figures.graph_explorer import GraphExplorerFigure
from bplab.labs.graph_explorer import PRESETS, GraphExplorerModel


def _slider_changes(model):
    """Input slider moves, as a learner drags: small steps back and forth on each input."""
    changes = []
    for name in model.names:
        for value in (-1.0, -0.5, 0.25, 1.0, 2.0):
            changes.append(lambda m, name=name, value=value: m.set_input(name, value))
    return changes


def _walk_changes():
    return [lambda m: m.step_backward()]


def rows():
    out = []
    for preset in (next(iter(PRESETS)), "neuron: f = tanh(w·x + b)"):
        model = GraphExplorerModel(preset)
        out += redraw_rows(f"graph explorer ({preset.split(':')[0]}), slider", model, GraphExplorerFigure,
                           _slider_changes(model))
    model = GraphExplorerModel()
    out += redraw_rows("graph explorer, step backward button", model, GraphExplorerFigure, _walk_changes())
    out.append(_deep_chain_row())
    return out


def _deep_chain_row(length=10_000):
    def run():
        x = Value(0.5)
        v = x
        for _ in range(length):
            v = v * 1.0001 + 0.0
        v.backward()

    seconds = samples(run, repeat=5, warmup=1)
    row = ms_row(f"reference Value: build + backward, chain of {2 * length} nodes", seconds)
    return Row(row.name, row.median, row.p95, row.unit, "no RecursionError", "micrograd's recursive sort fails here")
