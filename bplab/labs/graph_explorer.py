"""The graph explorer's model: an expression, its graph, and a backward pass taken one node at a time.

The expression is a Python function of named scalar inputs, for example
``lambda x, y: x * y + x.tanh()``. It is built from a ``Value`` class, the
reference :class:`bplab.autodiff.Value` by default or the learner's own. The
model reads the graph, runs ``backward()``, and also replays the backward pass
node by node: for each operation (output first) it records

    local gradient d(node)/d(child)  x  upstream gradient d(f)/d(node)  =  contribution to d(f)/d(child)

using each node's own ``_backward`` rule on one node at a time, so the replay
shows what *that* Value class does. Central differences of the forward pass
give the numeric derivative shown beside the analytic one.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

from bplab.autodiff import Value
from bplab.graph_layout import expression_graph, layered_layout

PRESETS = {
    "x used twice: f = x·y + tanh(x)": (lambda x, y: x * y + x.tanh(), {"x": 0.5, "y": -1.5}),
    "CS231n: f = (x + y)·z": (lambda x, y, z: (x + y) * z, {"x": -2.0, "y": 5.0, "z": -4.0}),
    "neuron: f = tanh(w·x + b)": (lambda w, x, b: (w * x + b).tanh(), {"w": -1.0, "x": 1.5, "b": 0.5}),
    "one node, two edges: f = x·x + y": (lambda x, y: x * x + y, {"x": 1.5, "y": -1.0}),
    "softplus: f = log(1 + exp(x·y))": (lambda x, y: (1 + (x * y).exp()).log(), {"x": 1.0, "y": 0.5}),
    "division: f = x / y": (lambda x, y: x / y, {"x": 1.0, "y": 2.0}),
}
DEFAULT_PRESET = next(iter(PRESETS))
CUSTOM = "your expression"


@dataclass
class Step:
    """One node of the backward walk.

    Attributes
    ----------
    value : int
        Index (in ``graph.values``) of the node whose rule runs.
    upstream : float
        ``d f / d(node)`` when its rule runs.
    children : list of (int, float, float)
        ``(child index, local gradient, contribution = local * upstream)``, one per distinct child.
    """

    value: int
    upstream: float
    children: list


class GraphExplorerModel:
    """State of the explorer.

    Parameters
    ----------
    expression : str or callable
        A preset name (a key of :data:`PRESETS`) or ``f(**inputs) -> Value``.
    inputs : dict of str to float, optional
        Starting input values (required names come from the function's parameters; missing ones start at 1).
    value_class : type, optional
        The ``Value`` class the expression is built from (the reference by default).
    h : float
        Step of the central difference.

    Attributes
    ----------
    names : list of str
        Input names, in the function's parameter order.
    inputs : dict of str to float
    graph : ExpressionGraph or None
    positions : ndarray (n_nodes, 2)
    output : float
    grads : dict of str to float
        ``backward()``'s gradients of the inputs.
    numeric : dict of str to float
        Central differences.
    steps : list of Step
    step : int or None
        How many steps of the walk are done; None when no walk is in progress
        (the full backward pass is shown).
    partial_grads : list of float
        Gradient of every value after the steps done.
    error : str
        What went wrong in the last computation ('' when nothing did).
    """

    def __init__(self, expression=DEFAULT_PRESET, inputs=None, value_class=None, h=1e-5):
        self.value_class = value_class or Value
        self.h = float(h)
        self.graph = None
        self.positions = None
        self.structure_version = 0
        self.steps, self.grads, self.numeric, self.output = [], {}, {}, math.nan
        self.set_expression(expression, inputs)

    # -- settings -------------------------------------------------------------------
    def set_expression(self, expression, inputs=None):
        """Choose a preset (by name) or a function of named inputs, and recompute."""
        if isinstance(expression, str):
            if expression not in PRESETS:
                raise ValueError(f"unknown preset {expression!r}; the presets are: {', '.join(PRESETS)}")
            self.name = expression
            function, defaults = PRESETS[expression]
            inputs = {**defaults, **(inputs or {})}
        elif callable(expression):
            self.name = CUSTOM
            function = expression
        else:
            raise TypeError(f"expression must be a preset name or a function of named inputs, got {expression!r}")
        self.function = function
        self.names = _parameter_names(function)
        unknown = set(inputs or {}) - set(self.names)
        if unknown:
            raise ValueError(f"inputs {sorted(unknown)} are not parameters of the expression ({', '.join(self.names)})")
        self.inputs = {n: float((inputs or {}).get(n, 1.0)) for n in self.names}
        self.step = None
        self.recompute()

    def set_input(self, name, value):
        if name not in self.inputs:
            raise ValueError(f"no input {name!r}; the inputs are {', '.join(self.names)}")
        self.inputs[name] = float(value)
        self.recompute()

    def step_backward(self):
        """Advance the walk by one node; the first call (and the call after the last node) starts it at the seed."""
        self.step = 0 if self.step is None or self.step >= len(self.steps) else self.step + 1
        self._accumulate()

    def show_all(self):
        """Leave the walk: show the full backward pass."""
        self.step = None
        self._accumulate()

    # -- computation ----------------------------------------------------------------
    def recompute(self):
        """Forward, backward, the walk and the numeric derivatives at the current inputs."""
        self.error = ""
        try:
            leaves, out = self._build(self.inputs)
        except (ArithmeticError, ValueError, TypeError) as error:
            self.error = f"{type(error).__name__}: {error}"
            return
        graph = expression_graph(out)
        if self.graph is None or graph.signature != self.graph.signature:
            self.structure_version += 1
            labels = {id(leaf): name for name, leaf in leaves.items()}
            movable = [graph.node_of_value(i) for i, v in enumerate(graph.values)
                       if not graph.value_children[i] and id(v) not in labels]
            self.positions, _ = layered_layout(len(graph.nodes), graph.edges, movable_sources=movable)
        self.graph = graph
        index = {id(v): i for i, v in enumerate(graph.values)}
        self.labels = {index[id(leaf)]: name for name, leaf in leaves.items() if id(leaf) in index}
        self.labels[len(graph.values) - 1] = "f"
        self.output = float(out.data)
        try:
            self.steps = self._walk(graph)
            out.backward()
            self.grads = {n: float(leaf.grad) for n, leaf in leaves.items()}
        except NotImplementedError as error:
            self.steps, self.grads = [], {n: math.nan for n in self.names}
            self.error = f"backward is not written yet: {error}"
        self.numeric = {n: self._central_difference(n) for n in self.names}
        if self.step is not None and self.step > len(self.steps):
            self.step = len(self.steps)
        self._accumulate()
        if not self.error and not all(math.isfinite(v.data) for v in graph.values):
            self.error = "a value is inf or nan (overflow or division by zero): see the nodes marked inf/nan"

    def _build(self, inputs):
        leaves = {n: self.value_class(inputs[n], label=n) if _takes_label(self.value_class)
                  else self.value_class(inputs[n]) for n in self.names}
        out = self.function(**leaves)
        if not hasattr(out, "data") or not hasattr(out, "grad"):
            raise TypeError(f"the expression must return a Value, got {type(out).__name__}")
        return leaves, out

    def _walk(self, graph):
        """The backward pass replayed node by node with each node's own rule, output first."""
        values = graph.values
        saved = [v.grad for v in values]
        steps, upstream = [], [0.0] * len(values)
        upstream[-1] = 1.0
        try:
            for i in range(len(values) - 1, -1, -1):
                if not graph.value_children[i]:
                    continue
                children = sorted(set(graph.value_children[i]))
                for v in values:
                    v.grad = 0.0
                values[i].grad = 1.0
                values[i]._backward()  # with upstream 1, each child receives its local gradient
                locals_ = {c: float(values[c].grad) for c in children}
                steps.append(Step(i, upstream[i], [(c, locals_[c], _product(locals_[c], upstream[i]))
                                                   for c in children]))
                for c, _, contribution in steps[-1].children:
                    upstream[c] += contribution
        finally:
            for v, g in zip(values, saved):
                v.grad = g
        return steps

    def _accumulate(self):
        """Gradients of every value after ``self.step`` steps of the walk."""
        if self.graph is None:
            return
        grads = [0.0] * len(self.graph.values)
        grads[-1] = 1.0
        for step in self.steps[:self.done]:
            for c, _, contribution in step.children:
                grads[c] += contribution
        self.partial_grads = grads

    def _central_difference(self, name):
        def f(offset):
            shifted = dict(self.inputs, **{name: self.inputs[name] + offset})
            return float(self._build(shifted)[1].data)

        try:
            return (f(self.h) - f(-self.h)) / (2 * self.h)
        except (ArithmeticError, ValueError):
            return math.nan

    # -- what the figure shows ------------------------------------------------------------
    @property
    def done(self):
        """Number of walk steps whose contributions are included."""
        return len(self.steps) if self.step is None else self.step

    @property
    def current(self):
        """The Step just taken (highlighted), or None outside a walk and at its seed."""
        return self.steps[self.step - 1] if self.step else None

    def finished(self, i):
        """True when value ``i`` has received every contribution (its gradient is final)."""
        done = {s.value for s in self.steps[:self.done]}
        parents = [p for p, children in enumerate(self.graph.value_children) if i in children]
        return all(p in done for p in parents)

    def label(self, i):
        return self.labels.get(i, "")


def _parameter_names(function):
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        raise TypeError("the expression must be a Python function of named inputs, like lambda x, y: x * y") from None
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not names:
        raise ValueError("the expression needs at least one named input, like lambda x: x * x")
    return names


def _takes_label(value_class):
    try:
        return "label" in inspect.signature(value_class).parameters
    except (TypeError, ValueError):
        return False


def _product(a, b):
    """``a * b`` where 0 * inf counts as 0 (a zero local gradient blocks the path)."""
    return 0.0 if a == 0.0 or b == 0.0 else a * b

