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
from types import SimpleNamespace

import numpy as np

from bplab import gradcheck
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


def _produce_expressions(module, expressions, points):
    items = [_attempt(lambda e=e: _evaluate_with_values(module, e["f"], points)) for e in expressions]
    _all_not_written(items)
    return {"expressions": items}


def _judge_expressions(values, expressions, points, names, threshold):
    items = values.get("expressions")
    if not isinstance(items, list) or len(items) != len(expressions):
        return [gradcheck.verdict("expressions", False, "returned values of the wrong form")]
    results = []
    for expression, item in zip(expressions, items):
        marker = _marker_result(expression["name"], item)
        if marker is not None:
            results.append(marker)
            continue
        item = item if isinstance(item, dict) else {}
        f = expression["f"]
        forward = np.array([f(FLOAT_OPS, *p) for p in points])
        numeric = np.array([gradcheck.numerical_gradient(lambda v, f=f: f(FLOAT_OPS, *v), np.array(p, dtype=np.float64))
                            for p in points])
        results.append(gradcheck.compare(f"{expression['name']}: value", item.get("value"), forward, threshold=1e-10))
        grads = item.get("grads")
        grads = np.asarray(grads) if isinstance(grads, np.ndarray) and grads.shape == numeric.shape else None
        for i, name in enumerate(names[:numeric.shape[1]]):
            mistakes = {}
            if name in expression.get("overwrite", {}):
                wrong = np.array([expression["overwrite"][name](*p) for p in points])
                mistakes[OVERWRITE.format(name=name)] = wrong
            actual = grads[:, i] if grads is not None else item.get("grads")
            results.append(gradcheck.compare(f"{expression['name']}: d/d{name}", actual, numeric[:, i],
                                             threshold=threshold, mistakes=mistakes))
    return results


def _points(seed, count, low, high, n_inputs=2, away_from_zero=0.0):
    rng = np.random.default_rng(seed)
    points = rng.uniform(low, high, size=(count, n_inputs))
    # keep kinks (relu at 0) out of reach of the central difference
    return np.where(np.abs(points) < away_from_zero, np.sign(points + 1e-300) * away_from_zero, points)


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


def _produce_local(ex):
    inputs = _local_inputs()
    items = {}
    for name, _, _ in _LOCAL:
        args = (inputs[name], 3.0) if name == "d_power" else (inputs[name],)
        items[name] = _attempt(lambda name=name, args=args: call(getattr(ex, name), *args, names=("x", "n"))[0])
    _all_not_written(list(items.values()))
    return items


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
        results.append(gradcheck.compare(name, item, numeric, threshold=1e-7))
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
    (f, cache), modified = call(ex.staged_forward, x, y, names=("x", "y"))
    grads, modified_back = call(ex.staged_backward, df, cache, names=("df",))
    return {"f": f, "grads": grads, "modified": modified + modified_back}


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
    return mistakes


def _judge_staged(values):
    x, y, df = _staged_inputs()
    dx_parts, dy_parts = _use_partials(x, y, df)
    dx, dy = gradcheck.unpack(values.get("grads"), 2, "staged_backward")
    return [gradcheck.not_modified(values.get("modified")),
            gradcheck.compare("f", values.get("f"), _staged_f(x, x, x, y, y), threshold=1e-10),
            gradcheck.compare("dx", dx, sum(dx_parts), threshold=1e-7,
                              mistakes=_missing_use_mistakes("x", dx_parts, _X_USES)),
            gradcheck.compare("dy", dy, sum(dy_parts), threshold=1e-7,
                              mistakes=_missing_use_mistakes("y", dy_parts, _Y_USES))]


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
    {"name": "exp(x) * y", "f": lambda o, x, y: o.exp(x) * y},
    {"name": "log(x * x + y * y)", "f": lambda o, x, y: o.log(x * x + y * y)},
    {"name": "tanh(x * y)", "f": lambda o, x, y: o.tanh(x * y)},
    {"name": "sigmoid(x) * sigmoid(y)", "f": lambda o, x, y: o.sigmoid(x) * o.sigmoid(y)},
    {"name": "relu(x) + relu(y) * x", "f": lambda o, x, y: o.relu(x) + o.relu(y) * x},
    {"name": "tanh(exp(x) - y)", "f": lambda o, x, y: o.tanh(o.exp(x) - y)},
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

    def run():
        x, y = ex.Value(x0), ex.Value(y0)
        out = _chain(x, y, VALUE_OPS)
        out.backward()
        return {"value": float(out.data), "grads": np.array([float(x.grad), float(y.grad)])}

    item = _attempt(run)
    _all_not_written([item])
    return {"chain": item}


def _judge_chain(values):
    item = values.get("chain")
    marker = _marker_result("deep chain", item)
    if marker is not None:
        return [marker]
    item = item if isinstance(item, dict) else {}
    point = np.array(_chain_point())
    numeric = gradcheck.numerical_gradient(lambda v: _chain(v[0], v[1], FLOAT_OPS), point.copy())
    return [gradcheck.compare("deep chain: value", item.get("value"), _chain(*point, FLOAT_OPS), threshold=1e-10),
            gradcheck.compare(f"deep chain of {3 * CHAIN_LENGTH} nodes: (d/dx, d/dy)", item.get("grads"), numeric,
                              threshold=1e-6)]


CHECKS = [
    Check(lesson="01", name="local_derivatives", points=2, module=MODULE, produce=_produce_local, judge=_judge_local,
          functions=tuple(name for name, _, _ in _LOCAL), hint=HINT_LOCAL),
    Check(lesson="01", name="staged_fanout", points=2, module=MODULE, produce=_produce_staged, judge=_judge_staged,
          functions=("staged_forward", "staged_backward"), hint=HINT_STAGED),
    _expression_check("add_mul", 2, "value_add_mul", HINT_VALUE),
    _expression_check("pow_sub_div", 1, "value_pow_sub_div", HINT_VALUE),
    _expression_check("unary", 2, "value_unary", HINT_VALUE),
    Check(lesson="01", name="value_random_expressions", points=2, module=MODULE, produce=_produce_random,
          judge=_judge_random, functions=("Value",), hint=HINT_VALUE),
    Check(lesson="01", name="value_deep_chain", points=1, module=MODULE, produce=_produce_chain, judge=_judge_chain,
          functions=("Value",), hint=HINT_VALUE),
]
