"""Lesson 01: local derivatives, a staged backward pass with fan-out, and the learner's ``Value`` class.

Every reference is computed here, in the grader, from plain floats: the same
expressions are evaluated with ``math`` and differentiated by central
differences in float64 (``bplab.gradcheck``). The learner's ``Value`` only runs
in the sandboxed child (``produce``), which returns forward values and leaf
gradients as arrays.

Thresholds: 1e-7 for elementary functions and short expressions (a correct
answer scores about 1e-10), 1e-6 for random expressions and the deep chain,
whose central differences carry more rounding.

Diagnoses specific to this lesson: a gradient that was *overwritten* instead of
accumulated where a value is used more than once (the judge computes what
overwriting gives, for example ``x`` instead of ``2x`` for ``x * x``), a use of
a fanned-out variable left out of a staged backward pass, and a recursive
topological sort that fails on a deep chain.
"""

from __future__ import annotations

import itertools
import math
import sys
from types import SimpleNamespace

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import call

MODULE = "ex01_chain_rule"
HINT_LOCAL = 'notebook 01, section "2. Local derivatives"'
HINT_STAGED = 'notebook 01, section "5. Fan-out: gradients add up"'
HINT_VALUE = 'notebook 01, section "7. An autodiff engine"'
OVERWRITE = ("gradient overwritten instead of accumulated: {name} is used more than once, so its .grad must "
             "collect every use's contribution (self.grad += ..., not self.grad = ...)")


def _sigmoid(v):
    return 0.5 * (1.0 + math.tanh(0.5 * v))


# The same expression code runs on the learner's Values (child) and on floats (grader).
FLOAT_OPS = SimpleNamespace(exp=math.exp, log=math.log, tanh=math.tanh, sigmoid=_sigmoid, relu=lambda v: max(v, 0.0))
VALUE_OPS = SimpleNamespace(exp=lambda v: v.exp(), log=lambda v: v.log(), tanh=lambda v: v.tanh(),
                            sigmoid=lambda v: v.sigmoid(), relu=lambda v: v.relu())


# ---------------------------------------------------------------------------------
# Shared machinery: run expressions on the learner's Value, judge them with floats
# ---------------------------------------------------------------------------------

def _attempt(action):
    """``action()``, or a marker when the part it needs is not written (or recurses too deep)."""
    try:
        return action()
    except NotImplementedError as error:
        return {"not_written": str(error) or "raises NotImplementedError"}
    except RecursionError:
        return {"recursion": True}


def _all_not_written(items):
    """Raise NotImplementedError (-> "not attempted") when nothing at all is written yet."""
    markers = [item for item in items if isinstance(item, dict) and "not_written" in item]
    if markers and len(markers) == len(items):
        raise NotImplementedError(markers[0]["not_written"])


def _marker_result(name, item):
    """A failed verdict for a marker from :func:`_attempt`, else None."""
    if isinstance(item, dict) and "not_written" in item:
        return gradcheck.verdict(name, False, "not written yet", str(item["not_written"])[:200])
    if isinstance(item, dict) and item.get("recursion"):
        return gradcheck.verdict(name, False, "RecursionError in backward()",
                                 "recursive topological sort: a deep graph exceeds Python's recursion limit "
                                 "(about 1000); build the order with an explicit stack (a list you pop from)")
    return None


def _consistent_mutants(items, expressions, points):
    """The known wrong rules whose gradients equal the learner's in every expression that ran (maybe none)."""
    found = None
    for expression, item in zip(expressions, items):
        grads = item.get("grads") if isinstance(item, dict) else None
        if not isinstance(grads, np.ndarray) or grads.ndim != 2 or grads.dtype.kind != "f":
            continue
        mutants = _mutant_gradients(expression["f"], expression.get("points", points), grads.shape[1])
        agree = {text for text, wrong in mutants.items()
                 if wrong.shape == grads.shape and np.allclose(wrong, grads, rtol=1e-6, atol=1e-9, equal_nan=True)}
        found = agree if found is None else found & agree
    return found or set()


def _evaluate_with_values(module, expression, points):
    """Values and leaf gradients of ``expression`` built from the learner's ``Value`` at each point."""
    outputs, grads = [], []
    for point in points:
        leaves = [module.Value(float(v)) for v in point]
        out = expression(VALUE_OPS, *leaves)
        out.backward()
        outputs.append(float(out.data))
        grads.append([float(leaf.grad) for leaf in leaves])
    return {"value": np.array(outputs), "grads": np.array(grads)}


# Small graphs that tell the known wrong engines apart where the checked expressions cannot (a leaf used directly
# by the output separates "no seed" from "only the output's rule"; a value reached by a short and a long path
# separates breadth-first from depth-first order). Never shown as cases: they only narrow the readings named.
PROBES = [{"f": lambda o, x, y, z: x * y + z, "points": [(0.7, -1.3, 0.4), (-0.6, 0.9, 1.1)]},
          {"f": lambda o, x, y, z: (x * y + o.tanh(x * y + z) * 0.5) * z, "points": [(0.7, -1.3, 0.4), (-0.6, 0.9, 1.1)]},
          {"f": lambda o, x, y, z: o.log(x * x + 1.5) * y + z * x, "points": [(0.7, -1.3, 0.4), (-0.6, 0.9, 1.1)]}]


def _probe(module, expression):
    """The learner's values on one probe, or None (a probe that cannot run tells nothing)."""
    try:
        return _evaluate_with_values(module, expression["f"], expression["points"])
    except Exception:  # noqa: BLE001 - the probe only narrows a diagnosis; the checked expressions judge
        return None


def _produce_expressions(module, expressions, points):
    items = [_attempt(lambda e=e: _evaluate_with_values(module, e["f"], e.get("points", points)))
             for e in expressions]
    _all_not_written(items)
    return {"expressions": items, "visits": _attempt(lambda: _visits_probe(module)),
            "probes": [_probe(module, p) for p in PROBES]}


def _visits_result(values):
    """A failed verdict when backward() ran a node's rule more than once, else None."""
    visits = values.get("visits")
    if isinstance(visits, (int, float)) and not isinstance(visits, bool) and visits > 1:
        return gradcheck.verdict("each node's rule runs once", False,
                                 f"one node's backward rule ran {int(visits)} times in one backward()", NO_VISITED)
    return None


def _judge_expressions(values, expressions, points, names, threshold):
    items = values.get("expressions")
    if not isinstance(items, list) or len(items) != len(expressions):
        return [gradcheck.verdict("expressions", False, "returned values of the wrong form")]
    visits = _visits_result(values)
    results = [visits] if visits is not None else []
    memo = {}

    def consistent():
        if "set" not in memo:
            found = _consistent_mutants(items, expressions, points)
            probes = values.get("probes")
            if len(found) > 1 and isinstance(probes, list) and len(probes) == len(PROBES):
                narrowed = _consistent_mutants(items + probes, expressions + PROBES, points)
                found = narrowed or found  # a probe the engine's mistakes do not explain narrows nothing
            memo["set"] = found
        return memo["set"]

    for expression, item in zip(expressions, items):
        marker = _marker_result(expression["name"], item)
        if marker is not None:
            results.append(marker)
            continue
        item = item if isinstance(item, dict) else {}
        f = expression["f"]
        points_e = expression.get("points", points)
        forward = np.array([f(FLOAT_OPS, *p) for p in points_e])
        if "exact" in expression:  # at a kink: the documented convention, in closed form
            numeric = np.array([expression["exact"](*p) for p in points_e], dtype=np.float64)
        else:
            numeric = np.array([gradcheck.numerical_gradient(lambda v, f=f: f(FLOAT_OPS, *v),
                                                             np.array(p, dtype=np.float64)) for p in points_e])
        results.append(gradcheck.compare(f"{expression['name']}: value", item.get("value"), forward, threshold=1e-10,
                                         mistakes=lambda f=f, points_e=points_e: _forward_mistakes(f, points_e)))
        grads = item.get("grads")
        grads = np.asarray(grads) if isinstance(grads, np.ndarray) and grads.shape == numeric.shape else None
        for i, name in enumerate(names[:numeric.shape[1]]):
            actual = grads[:, i] if grads is not None else item.get("grads")
            results.append(gradcheck.compare(
                f"{expression['name']}: d/d{name}", actual, numeric[:, i], threshold=threshold,
                mistakes=lambda expression=expression, points_e=points_e, i=i, name=name, n=numeric.shape[1]:
                    _expression_mistakes(expression, points_e, i, name, n, consistent())))
    return results


class _ForwardMutant:
    """A number whose one operator is written as learners get it wrong (only to recognise that mistake's values)."""

    def __init__(self, value, mode):
        self.v, self.mode = float(value), mode

    def _new(self, value):
        return _ForwardMutant(value, self.mode)

    @staticmethod
    def _of(other):
        return other.v if isinstance(other, _ForwardMutant) else float(other)

    def __add__(self, other):
        return self._new(self.v + self._of(other))

    __radd__ = __add__

    def __mul__(self, other):
        return self._new(self.v * self._of(other))

    __rmul__ = __mul__

    def __neg__(self):
        return self._new(self.v if self.mode == "neg" else -self.v)

    def __sub__(self, other):
        b = self._of(other)
        return self._new({"sub adds": self.v + b, "sub reversed": b - self.v}.get(self.mode, self.v - b))

    def __rsub__(self, other):
        return self._new(self.v - self._of(other) if self.mode == "rsub" else self._of(other) - self.v)

    def __truediv__(self, other):
        b = self._of(other)
        return self._new({"div multiplies": self.v * b, "div reversed": b / self.v}.get(self.mode, self.v / b))

    def __rtruediv__(self, other):
        return self._new(self.v / self._of(other) if self.mode == "rdiv" else self._of(other) / self.v)

    def __pow__(self, n):
        return self._new(self.v ** n)


_FORWARD_MISTAKES = {
    "sub adds": "__sub__ adds: x - y is x + (-y)",
    "sub reversed": "__sub__ is reversed: x - y, not y - x",
    "rsub": "__rsub__ is reversed: 2 - x is other - self, (-self) + other",
    "div multiplies": "__truediv__ multiplies: x / y is x * y**-1",
    "div reversed": "__truediv__ is reversed: x / y is self * other**-1, not other / self",
    "rdiv": "__rtruediv__ is reversed: 1 / x is other * self**-1, not self / other",
    "neg": "__neg__ returns the value unchanged: -x is x * -1",
}


def _forward_mistakes(f, points):
    """The expression's values with one operator of Value written wrong (only those that can be evaluated)."""
    found = {}
    for mode, text in _FORWARD_MISTAKES.items():
        try:
            values = np.array([f(FLOAT_OPS, *[_ForwardMutant(v, mode) for v in point]).v for point in points])
        except (TypeError, AttributeError, ZeroDivisionError, ValueError):
            continue
        found[text] = values
    return found


def _expression_mistakes(expression, points_e, i, name, n_inputs, consistent):
    """The known wrong answers for d/d(name) of one expression (computed only when that gradient is wrong)."""
    mutants = _mutant_gradients(expression["f"], points_e, n_inputs)
    if consistent:  # the wrong rules that explain every expression, not just this one
        mutants = {text: wrong for text, wrong in mutants.items() if text in consistent}
    mistakes = {}
    overwriting = not consistent or any("overwrites" in text for text in consistent)
    if name in expression.get("overwrite", {}) and overwriting:
        mistakes[OVERWRITE.format(name=name)] = np.array([expression["overwrite"][name](*p) for p in points_e])
    named = list(mistakes.values())
    for text, wrong in mutants.items():  # a rule's mistake, unless the overwrite above names it already
        if not any(np.allclose(wrong[:, i], known, rtol=1e-9, atol=1e-12) for known in named):
            mistakes[text] = wrong[:, i]
    return mistakes


def _points(seed, count, low, high, n_inputs=2, away_from_zero=0.0):
    rng = np.random.default_rng(seed)
    points = rng.uniform(low, high, size=(count, n_inputs))
    # keep kinks (relu at 0) out of reach of the central difference
    return np.where(np.abs(points) < away_from_zero, np.sign(points + 1e-300) * away_from_zero, points)



# ---------------------------------------------------------------------------------
# Known wrong backward rules, recomputed: a small engine with the learner's Value's
# structure (one backward closure per operation, the same derived operations), in
# which one rule at a time is replaced by a known wrong version.
# ---------------------------------------------------------------------------------

def _add(a, b, out):
    a.grad += out.grad
    b.grad += out.grad


def _mul(a, b, out):
    a.grad += b.data * out.grad
    b.grad += a.data * out.grad


RULES = {
    "+": _add,
    "*": _mul,
    "**": lambda a, n, out: setattr(a, "grad", a.grad + n * a.data ** (n - 1) * out.grad),
    "exp": lambda a, out: setattr(a, "grad", a.grad + out.data * out.grad),
    "log": lambda a, out: setattr(a, "grad", a.grad + out.grad / a.data),
    "tanh": lambda a, out: setattr(a, "grad", a.grad + (1 - out.data ** 2) * out.grad),
    "sigmoid": lambda a, out: setattr(a, "grad", a.grad + out.data * (1 - out.data) * out.grad),
    "relu": lambda a, out: setattr(a, "grad", a.grad + (1.0 if a.data > 0 else 0.0) * out.grad),
}


def _set(a, value):
    a.grad = value


def _add_overwrite(a, b, out):
    a.grad = out.grad
    b.grad = out.grad


def _mul_overwrite(a, b, out):
    a.grad = b.data * out.grad
    b.grad = a.data * out.grad


def _mul_swapped(a, b, out):
    a.grad += a.data * out.grad
    b.grad += b.data * out.grad


def _mul_no_upstream(a, b, out):
    a.grad += b.data
    b.grad += a.data


_UNARY_OVERWRITE = {op: (lambda rule: lambda a, out: (_set(a, 0.0), rule(a, out)))(RULES[op])
                    for op in ("exp", "log", "tanh", "sigmoid", "relu")}

ONLY_OUTPUT = ("backward() runs the rules in the wrong order, leaves first, so only the output's rule acts (each "
               "other rule runs before its node has a gradient; running only the output's rule gives the same); run "
               "every node's rule from the output back: for node in reversed(order)")

# (description, {op: wrong rule}, how backward() is wrong); a description names the rule and the section.
RULE_MISTAKES = [
    ("__add__'s backward overwrites (self.grad = ...): use += so that every use of a value adds its share",
     {"+": _add_overwrite}, None),
    ("__mul__'s backward overwrites (self.grad = ...): use += so that every use of a value adds its share",
     {"*": _mul_overwrite}, None),
    ("every backward rule overwrites (self.grad = ...): use += so that every use of a value adds its share",
     {"+": _add_overwrite, "*": _mul_overwrite, "**": lambda a, n, out: _set(a, n * a.data ** (n - 1) * out.grad),
      **_UNARY_OVERWRITE}, None),
    ("__mul__'s backward swaps the factors: d(a*b)/da is b, so self.grad += other.data * out.grad",
     {"*": _mul_swapped}, None),
    ("__mul__'s backward forgets out.grad (the chain rule): self.grad += other.data * out.grad",
     {"*": _mul_no_upstream}, None),
    ("__add__'s backward forgets out.grad (the chain rule): self.grad += out.grad",
     {"+": lambda a, b, out: (setattr(a, "grad", a.grad + 1.0), setattr(b, "grad", b.grad + 1.0))}, None),
    ("__pow__'s backward: d(x**n)/dx is n * x**(n - 1)",
     {"**": lambda a, n, out: setattr(a, "grad", a.grad + n * a.data ** n * out.grad)}, None),
    ("__pow__'s backward misses the factor n: d(x**n)/dx is n * x**(n - 1)",
     {"**": lambda a, n, out: setattr(a, "grad", a.grad + a.data ** (n - 1) * out.grad)}, None),
    ("exp's backward: d exp(x)/dx is exp(x), that is out.data (times out.grad)",
     {"exp": lambda a, out: setattr(a, "grad", a.grad + a.data * out.grad)}, None),
    ("exp's backward forgets out.grad (the chain rule): self.grad += out.data * out.grad",
     {"exp": lambda a, out: setattr(a, "grad", a.grad + out.data)}, None),
    ("log's backward divides by the output: d log(x)/dx is 1 / self.data",
     {"log": lambda a, out: setattr(a, "grad", a.grad + out.grad / out.data)}, None),
    ("log's backward multiplies by self.data; it divides: d log(x)/dx is 1 / x, so self.grad += out.grad / self.data",
     {"log": lambda a, out: setattr(a, "grad", a.grad + out.grad * a.data)}, None),
    ("log's backward forgets out.grad (the chain rule): self.grad += out.grad / self.data",
     {"log": lambda a, out: setattr(a, "grad", a.grad + 1 / a.data)}, None),
    ("tanh's backward uses the input: the derivative is 1 - t**2 with t = out.data, the OUTPUT",
     {"tanh": lambda a, out: setattr(a, "grad", a.grad + (1 - a.data ** 2) * out.grad)}, None),
    ("tanh's backward forgets out.grad (the chain rule): self.grad += (1 - t**2) * out.grad",
     {"tanh": lambda a, out: setattr(a, "grad", a.grad + (1 - out.data ** 2))}, None),
    ("tanh's backward: the derivative is 1 - t**2 (t = out.data), not 1 - t",
     {"tanh": lambda a, out: setattr(a, "grad", a.grad + (1 - out.data) * out.grad)}, None),
    ("sigmoid's backward uses the input: the derivative is s * (1 - s) with s = out.data, the OUTPUT",
     {"sigmoid": lambda a, out: setattr(a, "grad", a.grad + a.data * (1 - a.data) * out.grad)}, None),
    ("sigmoid's backward forgets out.grad (the chain rule): self.grad += s * (1 - s) * out.grad",
     {"sigmoid": lambda a, out: setattr(a, "grad", a.grad + out.data * (1 - out.data))}, None),
    ("relu's backward passes the gradient everywhere: only where the input is > 0",
     {"relu": lambda a, out: setattr(a, "grad", a.grad + out.grad)}, None),
    ("relu's backward forgets out.grad (the chain rule): self.grad += (self.data > 0) * out.grad",
     {"relu": lambda a, out: setattr(a, "grad", a.grad + (1.0 if a.data > 0 else 0.0))}, None),
    ("at 0 relu's derivative is taken as 0 (as PyTorch): use self.data > 0, not >= 0",
     {"relu": lambda a, out: setattr(a, "grad", a.grad + (1.0 if a.data >= 0 else 0.0) * out.grad)}, None),
    # Running the rules leaves first is, for every graph, the same numbers as running only the output's rule (each
    # other rule runs while its node's .grad is still 0): one sentence for both.
    (ONLY_OUTPUT, {}, "forward order"),
    ("backward() lists a node once per path (no visited set): each node must be visited once in the topological "
     "sort, otherwise its rule runs several times and its gradient is counted again", {}, "no visited set"),
    ("backward() does not seed the output: set self.grad = 1.0 before running the rules", {}, "no seed"),
    ("__mul__'s backward uses the other factor's .grad; it needs its .data: self.grad += other.data * out.grad",
     {"*": lambda a, b, out: (setattr(a, "grad", a.grad + b.grad * out.grad),
                              setattr(b, "grad", b.grad + a.grad * out.grad))}, None),
    ("__mul__'s backward updates only self: other.grad += self.data * out.grad too",
     {"*": lambda a, b, out: setattr(a, "grad", a.grad + b.data * out.grad)}, None),
    ("__add__'s backward updates only self: other.grad += out.grad too",
     {"+": lambda a, b, out: setattr(a, "grad", a.grad + out.grad)}, None),
    ("sigmoid's backward: the derivative is s * (1 - s) with s = out.data (a factor s is missing)",
     {"sigmoid": lambda a, out: setattr(a, "grad", a.grad + (1 - out.data) * out.grad)}, None),
    ("exp's backward applies exp again: out.data already is exp(self.data)",
     {"exp": lambda a, out: setattr(a, "grad", a.grad + math.exp(min(out.data, 700.0)) * out.grad)}, None),
    ("backward() runs the rules in breadth-first order: a node's rule must run after the rules of every node that "
     "uses it, i.e. in reversed topological order (depth-first, each node after its children)", {}, "breadth-first"),
    ("__pow__'s backward: write n * self.data ** (n - 1) * out.grad (x ** n - 1 is (x ** n) - 1)",
     {"**": lambda a, n, out: setattr(a, "grad", a.grad + n * a.data ** n - 1 * out.grad)}, None),
    ("__pow__'s backward uses the output: d(x**n)/dx is n * x**(n - 1) with x = self.data, the INPUT (out.data is "
     "already x**n)", {"**": lambda a, n, out: setattr(a, "grad", a.grad + n * out.data ** (n - 1) * out.grad)}, None),
    ("__pow__'s backward forgets out.grad (the chain rule): self.grad += n * self.data ** (n - 1) * out.grad",
     {"**": lambda a, n, out: setattr(a, "grad", a.grad + n * a.data ** (n - 1))}, None),
]


class _MutantValue:
    """A scalar with the learner's Value's structure, under a set of backward rules."""

    rules = RULES
    mode = None

    def __init__(self, data, children=(), op=""):
        self.data, self.grad, self.children, self.op = float(data), 0.0, tuple(children), op
        self._backward = lambda: None

    def _wrap(self, other):
        return other if isinstance(other, _MutantValue) else type(self)(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")
        out._backward = lambda: self.rules["+"](self, other, out)
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")
        out._backward = lambda: self.rules["*"](self, other, out)
        return out

    def __pow__(self, n):
        out = type(self)(self.data ** n, (self,), "**")
        out._backward = lambda: self.rules["**"](self, n, out)
        return out

    def _unary(self, op, value):
        out = type(self)(value, (self,), op)
        out._backward = lambda: self.rules[op](self, out)
        return out

    def exp(self):
        return self._unary("exp", math.exp(self.data))

    def log(self):
        return self._unary("log", math.log(self.data))

    def tanh(self):
        return self._unary("tanh", math.tanh(self.data))

    def sigmoid(self):
        return self._unary("sigmoid", _sigmoid(self.data))

    def relu(self):
        return self._unary("relu", max(self.data, 0.0))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return (-self) + other

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return type(self)(other) * self ** -1

    def backward(self):
        order, visited = [], set()

        def build(node):
            if self.mode != "no visited set":
                if id(node) in visited:
                    return
                visited.add(id(node))
            for child in node.children:
                build(child)
            order.append(node)

        build(self)
        if self.mode == "breadth-first":
            order, seen, queue = [], {id(self)}, [self]
            while queue:
                node = queue.pop(0)
                order.append(node)
                for child in node.children:
                    if id(child) not in seen:
                        seen.add(id(child))
                        queue.append(child)
            order.reverse()
        self.grad = 0.0 if self.mode == "no seed" else 1.0
        for node in (order if self.mode == "forward order" else reversed(order)):
            node._backward()


_MUTANT_MEMO = {}


def _mutant_gradients(expression, points, n_inputs):
    """{description: leaf gradients (points, inputs)} of ``expression`` under each known wrong rule (memoized)."""
    key = (id(expression), np.asarray(points, dtype=np.float64).tobytes(), n_inputs)
    if key not in _MUTANT_MEMO:
        if len(_MUTANT_MEMO) > 512:
            _MUTANT_MEMO.clear()
        _MUTANT_MEMO[key] = (expression, _compute_mutant_gradients(expression, points, n_inputs))
    return _MUTANT_MEMO[key][1]


def _compute_mutant_gradients(expression, points, n_inputs):
    found = {}
    for description, rules, mode in RULE_MISTAKES:
        engine = type("Mutant", (_MutantValue,), {"rules": {**RULES, **rules}, "mode": mode})
        grads = []
        try:
            for point in points:
                leaves = [engine(float(v)) for v in point[:n_inputs]]
                out = expression(VALUE_OPS, *leaves)
                out.backward()
                grads.append([leaf.grad for leaf in leaves])
        except (ArithmeticError, ValueError, RecursionError):
            continue
        found[description] = np.array(grads)
    return found


def _visits_probe(module, depth=12):
    """How often backward() runs one node's rule, on a graph whose nodes are each used twice (child side).

    Without a visited set the topological sort lists a node once per path to it (2**depth here), and on the
    deep chain the work would never end: this says why, instead of a time-out.
    """
    x = module.Value(0.5)
    v = x
    for _ in range(depth):
        v = v * 0.5 + v
    counts, stack, seen = {}, [v], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        rule, key = node._backward, id(node)

        def counted(rule=rule, key=key):
            counts[key] = counts.get(key, 0) + 1
            return rule()

        node._backward = counted
        stack.extend(node.children)
    v.backward()
    return max(counts.values(), default=0)


NO_VISITED = ("backward() runs a node's rule more than once (no visited set in the topological sort): a value used "
              "twice is listed once per path, so gradients are counted again and, on a deep graph, the work doubles "
              "at every level (the deep chain would never finish). Mark nodes as visited")


# ---------------------------------------------------------------------------------
# 1. local derivatives
# ---------------------------------------------------------------------------------

_LOCAL = [  # (function, the function it differentiates, domain)
    ("d_exp", np.exp, (-3.0, 3.0)),
    ("d_log", np.log, (0.2, 4.0)),
    ("d_tanh", np.tanh, (-3.0, 3.0)),
    ("d_sigmoid", lambda v: 0.5 * (1 + np.tanh(0.5 * v)), (-6.0, 6.0)),
    ("d_relu", lambda v: np.maximum(v, 0.0), (-3.0, 3.0)),
    ("d_power", lambda v: v ** 3.0, (-2.0, 2.0)),
]


def _local_inputs():
    rng = np.random.default_rng(1)
    inputs = {}
    for name, _, (low, high) in _LOCAL:
        x = rng.uniform(low, high, size=12)
        inputs[name] = np.where(np.abs(x) < 0.05, 0.5, x)
    return inputs


RELU_KINK = np.array([-1.0, 0.0, 2.0, 0.0, -0.5])
"""Exact zeros, where d_relu's documented convention (0 at 0, as PyTorch) decides."""

SIGMOID_FAR = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
"""Far from 0, where exp(-x) overflows: d_sigmoid must stay finite (its docstring says so)."""


def _produce_local(ex):
    inputs = _local_inputs()
    items = {}
    for name, _, _ in _LOCAL:
        args = (inputs[name], 3.0) if name == "d_power" else (inputs[name],)
        items[name] = _attempt(lambda name=name, args=args: call(getattr(ex, name), *args, names=("x", "n"))[0])
    _all_not_written(list(items.values()))
    items["d_relu at 0"] = _attempt(lambda: call(ex.d_relu, RELU_KINK, names=("x",))[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # exp(1000) is inf by design here
        items["d_sigmoid far out"] = _attempt(lambda: call(ex.d_sigmoid, SIGMOID_FAR, names=("x",))[0])
    return items


_LOCAL_RIGHT = {"d_exp": "exp(x)", "d_log": "1 / x", "d_tanh": "1 - tanh(x)**2", "d_sigmoid": "s * (1 - s)",
                "d_relu": "(x > 0)", "d_power": "n * x ** (n - 1)"}


def _formula_library(x, n=3.0):
    """Elementary formulas a learner may return for a local derivative, evaluated at x (NaN where undefined)."""
    s = 0.5 * (1 + np.tanh(0.5 * x))
    with np.errstate(all="ignore"):
        return {"exp(x)": np.exp(x), "x * exp(x - 1)": x * np.exp(x - 1), "log(x)": np.log(x), "1 / x": 1 / x,
                "-1 / x**2": -1 / x ** 2, "1 / log(x)": 1 / np.log(x), "tanh(x)": np.tanh(x),
                "1 - tanh(x)**2": 1 - np.tanh(x) ** 2, "1 - tanh(x)": 1 - np.tanh(x),
                "1 + tanh(x)**2": 1 + np.tanh(x) ** 2, "tanh(x)**2 - 1": np.tanh(x) ** 2 - 1, "1 - x**2": 1 - x ** 2,
                "sigmoid(x)": s, "s * (1 - s)": s * (1 - s), "x * (1 - x)": x * (1 - x), "s * (1 + s)": s * (1 + s),
                "1 - s": 1 - s, "max(x, 0)": np.maximum(x, 0.0), "(x > 0)": (x > 0) * 1.0, "(x >= 0)": (x >= 0) * 1.0,
                "1": np.ones_like(x), "x": x.copy(), "n * x ** (n - 1)": n * x ** (n - 1), "x ** (n - 1)": x ** (n - 1),
                "n * x ** n": n * x ** n, "(n - 1) * x ** (n - 1)": (n - 1) * x ** (n - 1),
                "n * x ** n - 1 (x ** n - 1 is (x ** n) - 1: write x ** (n - 1))": n * x ** n - 1,
                "x ** n": x ** n, "n * x": n * x}


def _local_mistakes(name, x):
    """Known wrong derivatives, recomputed at the same inputs: named ones first, then the formula library."""
    return wrong_answers.merge_mistakes(_named_local_mistakes(name, x),
                                    wrong_answers.formula_mistakes(name, _LOCAL_RIGHT[name], _formula_library(x)))


def _named_local_mistakes(name, x):
    """Known wrong derivatives, recomputed at the same inputs."""
    s = 0.5 * (1 + np.tanh(0.5 * x))
    itself = "returned the function itself, not its derivative"
    with np.errstate(all="ignore"):
        return {
            "d_exp": {"the power rule does not apply to exp: d exp(x)/dx is exp(x)": x * np.exp(x - 1)},
            "d_log": {f"{itself}: d log(x)/dx is 1 / x": np.log(np.abs(x)),
                      "-1 / x**2 is the derivative of 1 / x; d log(x)/dx is 1 / x": -1 / x ** 2},
            "d_tanh": {"used x as if it were tanh(x): the derivative is 1 - tanh(x)**2, from tanh(x)": 1 - x ** 2,
                       "the derivative of tanh is 1 - tanh(x)**2, not 1 - tanh(x)": 1 - np.tanh(x),
                       f"{itself}: d tanh(x)/dx is 1 - tanh(x)**2": np.tanh(x)},
            "d_sigmoid": {"used x as if it were sigmoid(x): the derivative is s * (1 - s) with s = sigmoid(x)":
                          x * (1 - x),
                          "the derivative of the sigmoid is s * (1 - s) (a sign or a factor is wrong)":
                          gradcheck.AnyOf(s * (1 + s), 1 - s, (1 - s) ** 2),
                          f"{itself}: d sigmoid(x)/dx is s * (1 - s)": s},
            "d_relu": {f"{itself}: d relu(x)/dx is 1 where x > 0 and 0 elsewhere": np.maximum(x, 0.0),
                       "at x == 0 the derivative is taken as 0 (as PyTorch): use x > 0, not x >= 0":
                       (x >= 0).astype(np.float64)},
            "d_power": {"the factor n is missing: d(x**n)/dx is n * x**(n - 1)": x ** 2,
                        "the power must drop by one: d(x**n)/dx is n * x**(n - 1)": 3 * x ** 3,
                        "the factor is n, not n - 1: d(x**n)/dx is n * x**(n - 1)": 2 * x ** 2},
        }[name]


def _judge_local(values):
    inputs = _local_inputs()
    results = []
    for name, function, _ in _LOCAL:
        item = values.get(name)
        marker = _marker_result(name, item)
        if marker is not None:
            results.append(marker)
            continue
        numeric = gradcheck.numerical_gradient(lambda v, f=function: np.sum(f(v)), inputs[name].copy())
        results.append(gradcheck.compare(name, item, numeric, threshold=1e-7, kind="gradient",
                                         mistakes=lambda name=name: _local_mistakes(name, inputs[name])))
    item = values.get("d_relu at 0")
    if _marker_result("d_relu", item) is None and "d_relu at 0" in values:
        # No derivative at the kink: the documented convention is checked by its closed form.
        results.append(gradcheck.compare("d_relu at x = 0", item, (RELU_KINK > 0).astype(np.float64),
                                         threshold=1e-12, kind="gradient",
                                         mistakes=lambda: _local_mistakes("d_relu", RELU_KINK)))
    item = values.get("d_sigmoid far out")
    if _marker_result("d_sigmoid", item) is None and "d_sigmoid far out" in values:
        far = SIGMOID_FAR
        s = 0.5 * (1 + np.tanh(0.5 * far))
        with np.errstate(all="ignore"):
            e = np.exp(-far)
            naive = {"exp(-x) overflows far from 0 (x = -1000 gives inf / inf = nan): compute s = sigmoid(x) once "
                     "and return s * (1 - s), which stays finite": gradcheck.AnyOf(e / (1 + e) ** 2,
                                                                                  np.exp(far) / (1 + np.exp(far)) ** 2)}
        results.append(gradcheck.compare("d_sigmoid at |x| up to 1000", item, s * (1 - s), threshold=1e-7,
                                         kind="gradient", mistakes=naive))
    return results


# ---------------------------------------------------------------------------------
# 2. staged forward/backward with fan-out: f(x, y) = (x + s(y)) / (s(x) + (x + y)^2)
# ---------------------------------------------------------------------------------

def _staged_f(xa, xb, xc, ya, yb):
    """CS231n's example with each use of x (a, b, c) and of y (a, b) as its own argument."""
    sig = lambda v: 0.5 * (1 + np.tanh(0.5 * v))
    return (xa + sig(ya)) / (sig(xb) + (xc + yb) ** 2)


_X_USES = ("the numerator x + sigmoid(y)", "sigmoid(x)", "x + y")
_Y_USES = ("sigmoid(y)", "x + y")


def _staged_inputs():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(-2, 2, size=(2, 15))
    return x, y, rng.normal(size=15)


def _produce_staged(ex):
    x, y, df = _staged_inputs()
    (f, cache), seen = call(ex.staged_forward, x, y, names=("x", "y"))
    grads, seen_back = call(ex.staged_backward, df, cache, names=("df", "cache"), repeat=True)
    return {"f": f, "grads": grads, "witness": [seen, seen_back]}


def _use_partials(x, y, df):
    """Per-use contributions: [dx via each use of x], [dy via each use of y], by central differences."""
    args = [x, x, x, y, y]
    partials = []
    for i in range(5):
        def f_of(value, i=i):
            return _staged_f(*[value if j == i else a for j, a in enumerate(args)])
        partials.append(gradcheck.numerical_gradient_array(f_of, args[i].copy(), df))
    return partials[:3], partials[3:]


def _missing_use_mistakes(name, contributions, uses):
    """Wrong answers that keep only some uses' contributions (the fan-out not accumulated)."""
    mistakes = {}
    for size in range(1, len(uses)):
        for kept in itertools.combinations(range(len(uses)), size):
            names = " and ".join(uses[k] for k in kept)
            text = (f"gradient not accumulated: {name} is used {len(uses)} times and d{name} has only the "
                    f"contribution through {names}; add every use's contribution (d{name} += ...)")
            mistakes[text] = sum(contributions[k] for k in kept)
    total = sum(contributions)
    for k, use in enumerate(uses):
        mistakes[f"the contribution of {name} through {use} has the wrong sign (check that stage's local "
                 f"derivative)"] = total - 2 * contributions[k]
        mistakes[f"the contribution of {name} through {use} is counted twice"] = total + contributions[k]
    return mistakes


def _staged_variant(x, y, df, mistake):
    """The staged backward pass with one known wrong local derivative (recomputed to recognise it)."""
    sig = lambda v: 0.5 * (1 + np.tanh(0.5 * v))
    sig_y, sig_x, xpy = sig(y), sig(x), x + y
    num, den = x + sig_y, sig_x + xpy ** 2
    up = 1.0 if mistake == "no upstream df" else df
    dnum, dinv = up / den, num * up
    dden = {"inverse sign": 1 / den ** 2, "inverse power": -1 / den}.get(mistake, -1 / den ** 2) * dinv
    dxpy = (1 if mistake == "square" else 2) * xpy * dden
    local_x, local_y = sig_x * (1 - sig_x), sig_y * (1 - sig_y)
    if mistake == "sigmoid input":
        local_x, local_y = x * (1 - x), y * (1 - y)
    dx = dxpy + local_x * dden + dnum
    dy = dxpy + local_y * dnum
    if mistake == "upstream":
        dx, dy = dxpy + local_x + dnum, dxpy + local_y
    return dx, dy


_STAGED_MISTAKES = {
    "inverse sign": "the derivative of 1/den is -1/den**2: the minus sign is missing",
    "inverse power": "the derivative of 1/den is -1/den**2, not -1/den",
    "square": "the derivative of (x + y)**2 is 2 * (x + y): the factor 2 is missing",
    "sigmoid input": "the sigmoid's derivative is s * (1 - s) with s = sigmoid(.), the stage's OUTPUT, not its input",
    "upstream": "a sigmoid stage's local derivative is not multiplied by its upstream gradient (the chain rule)",
    "no upstream df": "the upstream gradient df is never used: the backward pass starts from dnum = inv_den * df "
                      "and dinv_den = num * df",
}


def _staged_sigmoid_mistakes(x, y, df):
    """dx and dy with each sigmoid stage's local derivative replaced by the usual wrong ones (or the other one's)."""
    sig = lambda v: 0.5 * (1 + np.tanh(0.5 * v))
    sig_y, sig_x, xpy = sig(y), sig(x), x + y
    num, den = x + sig_y, sig_x + xpy ** 2
    dnum, dden = df / den, -num * df / den ** 2
    dxpy = 2 * xpy * dden
    found = {}
    for name, value, pre, other_name, other in (("sig_x", sig_x, x, "sig_y", sig_y), ("sig_y", sig_y, y, "sig_x", sig_x)):
        right, wrong = wrong_answers.wrong_derivatives("sigmoid", pre, value, pre_name=name[-1], post_name=name)
        wrong[f"{other_name} * (1 - {other_name}), the other sigmoid's output"] = other * (1 - other)
        for expr, local in wrong.items():
            lx = local if name == "sig_x" else sig_x * (1 - sig_x)
            ly = local if name == "sig_y" else sig_y * (1 - sig_y)
            found[f"the {name} stage uses sigmoid's derivative as {expr}; it is {right}"] = (
                dxpy + lx * dden + dnum, dxpy + ly * dnum)
    return found


def _judge_staged(values):
    x, y, df = _staged_inputs()
    dx_parts, dy_parts = _use_partials(x, y, df)
    dx, dy = wrong_answers.unpack(values.get("grads"), 2, "staged_backward")
    variants = {text: _staged_variant(x, y, df, key) for key, text in _STAGED_MISTAKES.items()}
    variants = {**variants, **{text: v for text, v in _staged_sigmoid_mistakes(x, y, df).items()
                               if not any(np.allclose(v[0], w[0]) and np.allclose(v[1], w[1])
                                          for w in variants.values())}}
    return [in_place.not_modified(values.get("witness"),
                                    inputs=[(x, y), (df, in_place.Cache(repeat=True))]),
            gradcheck.compare("f", values.get("f"), _staged_f(x, x, x, y, y), threshold=1e-10),
            gradcheck.compare("dx", dx, sum(dx_parts), threshold=1e-7,
                              mistakes={**_missing_use_mistakes("x", dx_parts, _X_USES),
                                        **{text: v[0] for text, v in variants.items()}}),
            gradcheck.compare("dy", dy, sum(dy_parts), threshold=1e-7,
                              mistakes={**_missing_use_mistakes("y", dy_parts, _Y_USES),
                                        **{text: v[1] for text, v in variants.items()}})]


# ---------------------------------------------------------------------------------
# 3. the learner's Value: + and * with fan-out (overwriting is diagnosed)
# ---------------------------------------------------------------------------------

# "overwrite": what each gradient becomes when every backward rule assigns (=) instead of adding (+=),
# worked out by hand along the only reverse topological order each expression has.
ADD_MUL = [
    {"name": "x * x", "f": lambda o, x, y: x * x, "overwrite": {"x": lambda x, y: x}},
    {"name": "x * y + x", "f": lambda o, x, y: x * y + x, "overwrite": {"x": lambda x, y: y}},
    {"name": "(x + y) * x", "f": lambda o, x, y: (x + y) * x, "overwrite": {"x": lambda x, y: x}},
    {"name": "x * y * x * y", "f": lambda o, x, y: x * y * x * y,
     "overwrite": {"x": lambda x, y: x * y * y, "y": lambda x, y: x * x * y}},
    {"name": "1 + 3 * x * y + y * 2", "f": lambda o, x, y: 1 + 3 * x * y + y * 2},
]
POW_SUB_DIV = [
    {"name": "x ** 3 - y", "f": lambda o, x, y: x ** 3 - y},
    {"name": "x / y", "f": lambda o, x, y: x / y},
    {"name": "1 / x + y ** -2", "f": lambda o, x, y: 1 / x + y ** -2},
    {"name": "-x * y", "f": lambda o, x, y: -x * y},
    {"name": "x ** 0.5 * y - 2", "f": lambda o, x, y: x ** 0.5 * y - 2},
    {"name": "(x - y) / (x + y)", "f": lambda o, x, y: (x - y) / (x + y)},
]
UNARY = [
    {"name": "relu(x) + x * y at x = 0", "f": lambda o, x, y: o.relu(x) + x * y, "points": [(0.0, 1.5), (0.0, -0.5)],
     "exact": lambda x, y: (y, x)},  # relu'(0) = 0, as PyTorch
    {"name": "exp(x) * y", "f": lambda o, x, y: o.exp(x) * y},
    {"name": "log(x * x + y * y)", "f": lambda o, x, y: o.log(x * x + y * y)},
    {"name": "tanh(x * y)", "f": lambda o, x, y: o.tanh(x * y)},
    {"name": "sigmoid(x) * sigmoid(y)", "f": lambda o, x, y: o.sigmoid(x) * o.sigmoid(y)},
    {"name": "relu(x) + relu(y) * x", "f": lambda o, x, y: o.relu(x) + o.relu(y) * x},
    {"name": "tanh(exp(x) - y)", "f": lambda o, x, y: o.tanh(o.exp(x) - y)},
    # tanh and log inside the expression, so that their rules must use out.grad
    {"name": "y * tanh(x) + x * log(y * y + 1)", "f": lambda o, x, y: y * o.tanh(x) + x * o.log(y * y + 1)},
]
_SETS = {
    "add_mul": (ADD_MUL, lambda: _points(3, 5, -2.0, 2.0, away_from_zero=0.2)),
    "pow_sub_div": (POW_SUB_DIV, lambda: _points(4, 5, 0.5, 2.0)),
    "unary": (UNARY, lambda: _points(5, 5, -1.5, 1.5, away_from_zero=0.1)),
}


def _expression_check(key, points, name, hint):
    expressions, make_points = _SETS[key]

    def produce(ex):
        return _produce_expressions(ex, expressions, make_points())

    def judge(values):
        return _judge_expressions(values, expressions, make_points(), ("x", "y"), threshold=1e-7)

    return Check(lesson="01", name=name, points=points, module=MODULE, produce=produce, judge=judge,
                 functions=("Value",), hint=hint)


# ---------------------------------------------------------------------------------
# 4. random expressions (nodes reused at random) and a deep chain
# ---------------------------------------------------------------------------------

_RANDOM_OPS = ("+", "-", "*", "/", "**2", "**3", "**-1", "exp", "log", "tanh", "sigmoid", "relu")


def _apply(op, a, b, ops):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op.startswith("**"):
        return a ** int(op[2:])
    return getattr(ops, op)(a)


def _run_program(program, inputs, ops):
    registers = list(inputs)
    for op, i, j in program:
        registers.append(_apply(op, registers[i], registers[j], ops))
    return registers


def _program_is_tame(program, points):
    """No domain error, no kink near a point, no value beyond 30 in magnitude: safe to difference."""
    for point in points:
        registers = list(point)
        for op, i, j in program:
            a, b = registers[i], registers[j]
            if (op == "log" and a < 0.1) or (op in ("/", "**-1") and abs(b if op == "/" else a) < 0.3) \
                    or (op == "relu" and abs(a) < 0.05) or (op == "exp" and a > 3):
                return False
            registers.append(_apply(op, a, b, FLOAT_OPS))
            if abs(registers[-1]) > 30:
                return False
    return True


def _random_programs(count=8, n_inputs=3, length=9):
    """Deterministic random straight-line programs; later steps reuse earlier results (fan-out)."""
    rng = np.random.default_rng(6)
    points = rng.uniform(-1.5, 1.5, size=(4, n_inputs))
    programs = []
    while len(programs) < count:
        program = []
        for step in range(length):
            available = n_inputs + step
            op = str(rng.choice(_RANDOM_OPS))
            i = int(rng.integers(max(0, available - 3), available))  # a recent result: keeps the program deep
            j = int(rng.integers(available))                          # any earlier result: creates fan-out
            program.append((op, i, j))
        if _program_is_tame(program, points):
            programs.append(program)
    return programs, points


def _program_name(program, n_inputs=3):
    return "random expression " + "; ".join(
        f"r{n_inputs + k}={op}(r{i}" + (f", r{j})" if op in "+-*/" else ")") for k, (op, i, j) in enumerate(program))


def _produce_random(ex):
    programs, points = _random_programs()
    expressions = [{"f": lambda o, *leaves, p=p: _run_program(p, leaves, o)[-1]} for p in programs]
    return _produce_expressions(ex, expressions, points)


def _judge_random(values):
    programs, points = _random_programs()
    expressions = [{"name": f"expression {k + 1}", "f": lambda o, *leaves, p=p: _run_program(p, leaves, o)[-1]}
                   for k, p in enumerate(programs)]
    results = _judge_expressions(values, expressions, points, ("x", "y", "z"), threshold=1e-6)
    for result in results:  # say which expression, so that the learner can rebuild it
        if not result.passed and result.name.startswith("expression "):
            k = int(result.name.split()[1].rstrip(":")) - 1
            result.where = (result.where + " " if result.where else "") + f"[{_program_name(programs[k])}]"
    return results


CHAIN_LENGTH = 2500
"""Layers of the deep chain: 3 operations each, so about 7,500 nodes (deeper than the recursion limit)."""


def _chain(x, y, ops, length=CHAIN_LENGTH):
    """v <- v + 0.002 * tanh(v * y), ``length`` times: a deep chain in which y is used at every layer."""
    v = x
    for _ in range(length):
        v = v + 0.002 * ops.tanh(v * y)
    return v


def _chain_point():
    return 0.3, 0.7


def _produce_chain(ex):
    x0, y0 = _chain_point()
    visits = _attempt(lambda: _visits_probe(ex))
    if isinstance(visits, int) and visits > 1:  # the chain would take 2**2500 steps: say why instead of timing out
        return {"chain": {"visits": visits}}

    def run():
        x, y = ex.Value(x0), ex.Value(y0)
        out = _chain(x, y, VALUE_OPS)
        out.backward()
        return {"value": float(out.data), "grads": np.array([float(x.grad), float(y.grad)])}

    item = _attempt(run)
    _all_not_written([item])
    return {"chain": item, "probes": [_probe(ex, p) for p in PROBES]}


def _chain_mistakes(probes, point):
    """The deep chain's (d/dx, d/dy) under each known wrong engine the probes are consistent with (computed only when
    the learner's gradients are wrong): the same wrong engine run on the same chain, so "all zeros" is explained by
    the engine's order or seed, not guessed as an unreturned result."""
    consistent = _consistent_mutants(probes, PROBES, None) if isinstance(probes, list) and len(probes) == len(
        PROBES) else set()
    found = {}
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 12 * CHAIN_LENGTH))  # the mutant engine's topological sort recurses
        for description, rules, mode in RULE_MISTAKES:
            if description not in consistent:
                continue
            engine = type("Mutant", (_MutantValue,), {"rules": {**RULES, **rules}, "mode": mode})
            x, y = engine(point[0]), engine(point[1])
            try:
                _chain(x, y, VALUE_OPS).backward()
            except (ArithmeticError, ValueError, RecursionError):
                continue
            found[description] = np.array([x.grad, y.grad])
    finally:
        sys.setrecursionlimit(limit)
    return found


def _judge_chain(values):
    item = values.get("chain")
    marker = _marker_result("deep chain", item)
    if marker is not None:
        return [marker]
    if isinstance(item, dict) and "visits" in item:
        return [_visits_result(item)
                or gradcheck.verdict("deep chain", False, "returned values of the wrong form")]
    item = item if isinstance(item, dict) else {}
    point = np.array(_chain_point())
    numeric = gradcheck.numerical_gradient(lambda v: _chain(v[0], v[1], FLOAT_OPS), point.copy())
    return [gradcheck.compare("deep chain: value", item.get("value"), _chain(*point, FLOAT_OPS), threshold=1e-10),
            gradcheck.compare(f"deep chain of {3 * CHAIN_LENGTH} nodes: (d/dx, d/dy)", item.get("grads"), numeric,
                              threshold=1e-6, mistakes=lambda: _chain_mistakes(values.get("probes"), point))]


CHECKS = [
    Check(lesson="01", name="local_derivatives", points=2, module=MODULE, produce=_produce_local, judge=_judge_local,
          functions=tuple(name for name, _, _ in _LOCAL), hint=HINT_LOCAL),
    Check(lesson="01", name="staged_fanout", points=2, module=MODULE, produce=_produce_staged,
          judge=wrong_answers.counted(_judge_staged, "grads", ("dx", "dy"), "staged_backward"),
          functions=("staged_forward", "staged_backward"), hint=HINT_STAGED),
    _expression_check("add_mul", 2, "value_add_mul", HINT_VALUE),
    _expression_check("pow_sub_div", 1, "value_pow_sub_div", HINT_VALUE),
    _expression_check("unary", 2, "value_unary", HINT_VALUE),
    Check(lesson="01", name="value_random_expressions", points=2, module=MODULE, produce=_produce_random,
          judge=_judge_random, functions=("Value",), hint=HINT_VALUE),
    Check(lesson="01", name="value_deep_chain", points=1, module=MODULE, produce=_produce_chain, judge=_judge_chain,
          functions=("Value",), hint=HINT_VALUE),
]
