"""Lesson 01: graph structure and layout, the explorer's model, figure and widget (headless)."""

import math

import numpy as np
import pytest

from bplab.autodiff import Value
from bplab.figures.graph_explorer import GraphExplorerFigure
from bplab.graph_layout import expression_graph, layered_layout
from bplab.labs.graph_explorer import CUSTOM, PRESETS, GraphExplorerModel
from bplab.loader import load
from tests.widgets import exercise_every_control

# ---------------------------------------------------------------------------------
# structure and layout
# ---------------------------------------------------------------------------------


def test_a_repeated_child_keeps_both_edges():
    x = Value(2.0)
    graph = expression_graph(x * x)
    assert graph.nodes == [("value", 0), ("op", 1), ("value", 1)]
    assert graph.edges == [(0, 1, 0), (0, 1, 1), (1, 2, 0)]  # two parallel x -> × edges, then × -> result


def test_micrograd_style_objects_are_read_too():
    class Micro:  # micrograd keeps children in _prev and the operation in _op
        def __init__(self, data, prev=(), op=""):
            self.data, self.grad, self._prev, self._op = data, 0.0, set(prev), op

    a, b = Micro(1.0), Micro(2.0)
    graph = expression_graph(Micro(3.0, (a, b), "+"))
    assert sorted(graph.ops) == ["", "", "+"]
    assert len(graph.edges) == 3


def test_layering_is_the_longest_path_from_the_inputs():
    #   0 -> 1 -> 2 -> 3 and 0 -> 3: node 3 is in layer 3, not 1
    edges = [(0, 1, 0), (1, 2, 0), (2, 3, 0), (0, 3, 0), (4, 3, 0)]
    positions, layers = layered_layout(5, edges, movable_sources=[4])
    assert list(layers[:4]) == [0, 1, 2, 3]
    assert layers[4] == 2  # a constant sits just left of its consumer
    assert np.all((positions >= 0) & (positions <= 1))
    assert positions[3, 0] == 1.0 and positions[0, 0] == 0.0


def test_layout_rejects_cycles():
    with pytest.raises(ValueError, match="acyclic"):
        layered_layout(2, [(0, 1, 0), (1, 0, 0)])


def test_every_edge_goes_left_to_right_in_every_preset():
    for name in PRESETS:
        model = GraphExplorerModel(name)
        for u, v, _ in model.graph.edges:
            assert model.positions[u, 0] < model.positions[v, 0], name


# ---------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_backward_matches_numeric_derivatives(name):
    model = GraphExplorerModel(name)
    assert model.error == ""
    for input_name in model.names:
        assert model.grads[input_name] == pytest.approx(model.numeric[input_name], rel=1e-7, abs=1e-9)


def test_the_walk_adds_up_to_the_backward_pass():
    model = GraphExplorerModel()  # x used twice
    assert model.step is None and model.current is None
    model.step_backward()
    assert model.step == 0 and model.partial_grads[-1] == 1.0 and sum(model.partial_grads) == 1.0
    seen = []
    for _ in range(len(model.steps)):
        model.step_backward()
        seen.append(model.current.value)
        for _child, local, contribution in model.current.children:
            assert contribution == pytest.approx(local * model.current.upstream)
    assert seen == sorted(seen, reverse=True)  # output first
    x = model.names.index("x")
    assert model.partial_grads[x] == pytest.approx(model.grads["x"])
    assert sum(1 for s in model.steps for c, _, _ in s.children if c == x) == 2  # x collects two contributions
    model.step_backward()  # after the last step the walk starts again
    assert model.step == 0
    model.show_all()
    assert model.step is None


def test_a_value_used_twice_by_one_node_gets_the_summed_local_gradient():
    model = GraphExplorerModel("one node, two edges: f = x·x + y", {"x": 1.5})
    square = next(s for s in model.steps if model.graph.ops[s.value] == "*")
    assert square.children == [(0, 3.0, 3.0)]  # d(x·x)/dx = 2x, once per distinct child


def test_custom_expression_with_the_learners_value_class():
    solutions = load("ex01_chain_rule", impl="solutions")
    model = GraphExplorerModel(lambda a, b: (a * b).exp() - a / b, {"a": 0.5, "b": 2.0}, value_class=solutions.Value)
    reference = GraphExplorerModel(lambda a, b: (a * b).exp() - a / b, {"a": 0.5, "b": 2.0})
    assert model.name == CUSTOM and model.error == ""
    assert model.grads == pytest.approx(reference.grads, rel=1e-12)
    model.show_all()
    assert [model.partial_grads[i] for i in range(2)] == pytest.approx([model.grads["a"], model.grads["b"]])


def test_the_stub_value_class_shows_a_message_instead_of_raising():
    stubs = load("ex01_chain_rule", impl="exercises")
    model = GraphExplorerModel(lambda x, y: x * y + x, {"x": 1.0, "y": 2.0}, value_class=stubs.Value)
    assert "not written yet" in model.error
    assert model.output == 3.0 and model.numeric["x"] == pytest.approx(3.0)
    GraphExplorerFigure(model).figure.canvas.draw()


def test_bad_values_become_messages():
    model = GraphExplorerModel("division: f = x / y")
    model.set_input("y", 0.0)
    assert "inf" in model.error and math.isinf(model.output)
    model.set_input("y", 2.0)
    assert model.error == "" and model.output == 0.5
    log_model = GraphExplorerModel(lambda x: x.log(), {"x": 1.0})
    log_model.set_input("x", -1.0)
    assert log_model.error.startswith("ValueError: log needs a positive input")
    log_model.set_input("x", 2.0)
    assert log_model.error == "" and log_model.output == pytest.approx(math.log(2.0))


def test_bad_expressions_are_clear_errors():
    with pytest.raises(ValueError, match="unknown preset"):
        GraphExplorerModel("no such preset")
    with pytest.raises(TypeError, match="preset name or a function"):
        GraphExplorerModel(42)
    with pytest.raises(ValueError, match="not parameters"):
        GraphExplorerModel(lambda x: x * x, {"z": 1.0})
    with pytest.raises(ValueError, match="no input"):
        GraphExplorerModel().set_input("q", 1.0)
    model = GraphExplorerModel(lambda x: 3.0, {"x": 1.0})
    assert "must return a Value" in model.error


# ---------------------------------------------------------------------------------
# figure and widget
# ---------------------------------------------------------------------------------


def test_figure_updates_without_rebuilding_artists_on_input_changes():
    model = GraphExplorerModel()
    view = GraphExplorerFigure(model)
    artists = view.artists
    model.set_input("x", -2.0)
    view.update(model)
    assert view.artists is artists
    assert "x = -2" in view.artists.node_texts[model.graph.node_of_value(0)].get_text()
    model.set_expression("CS231n: f = (x + y)·z")
    view.update(model)
    assert view.artists is not artists


def test_widget_every_control_and_button():
    from bplab.widgets.graph_explorer import GraphExplorer

    lab = GraphExplorer()
    hidden = [f"input {k + 1}" for k in range(len(lab.model.names), len(lab.sliders))]
    exercise_every_control(lab, unchanged_ok=hidden)
    first = lab.image.value
    for _ in range(len(lab.model.steps) + 2):
        lab.buttons["step backward"].click()
    assert not lab.errors and lab.image.value != first
    first_control = next(iter(lab.controls.values()))
    assert first_control is lab.controls["expression"]


def test_widget_with_a_custom_expression_and_extreme_inputs():
    from bplab.widgets.graph_explorer import GraphExplorer

    lab = GraphExplorer(lambda x, y, z: (x * y).exp() / z + x.log(), {"x": 1.0, "y": 1.0, "z": 1.0})
    assert lab.controls["expression"].value == CUSTOM
    exercise_every_control(lab)  # x = -4 (log), z = 0 (division), exp(16): messages, never errors
    lab.controls["input 1"].value = -4.0
    assert "log needs a positive input" in lab.model.error and not lab.errors
