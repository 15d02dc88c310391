"""Lesson 01: the reference scalar autodiff engine against numerical derivatives, closed forms and published numbers."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bplab import gradcheck
from bplab.autodiff import Value, convergence_order, difference_errors, topological_order

# ---------------------------------------------------------------------------------
# random expressions (property-based, derandomized) against central differences
# ---------------------------------------------------------------------------------

UNARY = {"exp": (math.exp, lambda v: v.exp()), "log": (math.log, lambda v: v.log()),
         "tanh": (math.tanh, lambda v: v.tanh()), "relu": (lambda a: max(a, 0.0), lambda v: v.relu()),
         "sigmoid": (lambda a: 1 / (1 + math.exp(-a)), lambda v: v.sigmoid()), "neg": (lambda a: -a, lambda v: -v)}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
          "r+": lambda a, b: 2.5 + a, "r*": lambda a, b: -1.5 * a, "r-": lambda a, b: 1.0 - a, "r/": lambda a, b: 2.0 / a,
          "**2": lambda a, b: a ** 2, "**3": lambda a, b: a ** 3, "**-1": lambda a, b: a ** -1,
          "**0.5": lambda a, b: a ** 0.5}
OPS = sorted(UNARY) + sorted(BINARY)


def run(program, inputs, on_values):
    registers = list(inputs)
    for op, i, j in program:
        a, b = registers[i % len(registers)], registers[j % len(registers)]
        if op in UNARY:
            registers.append(UNARY[op][1 if on_values else 0](a))
        else:
            registers.append(BINARY[op](a, b))
    return registers


def tame(program, point):
    """Values stay moderate, no domain errors and no kink near the point (safe for central differences)."""
    try:
        registers = run(program, point, on_values=False)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):  # TypeError: a complex power
        return False
    if any(isinstance(v, complex) or not abs(v) < 50 for v in registers):
        return False
    for k, (op, i, j) in enumerate(program):
        a = registers[i % (len(point) + k)]
        b = registers[j % (len(point) + k)]
        if (op == "relu" and abs(a) < 1e-2) or (op == "log" and a < 0.05) or (op == "**0.5" and a < 0.05) \
                or (op in ("**-1", "r/") and abs(a) < 0.1) or (op == "/" and abs(b) < 0.1):
            return False
    return True


programs = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=12)
points = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


@settings(derandomize=True, database=None, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(programs, points)
def test_random_expressions_match_central_differences(program, point):
    assume(tame(program, point))
    leaves = [Value(v) for v in point]
    out = run(program, leaves, on_values=True)[-1]
    out.backward()
    expected_value = run(program, point, on_values=False)[-1]
    numeric = gradcheck.numerical_gradient(lambda v: run(program, list(v), on_values=False)[-1],
                                           np.array(point, dtype=np.float64))
    assert out.data == pytest.approx(expected_value, rel=1e-12, abs=1e-12)
    grads = np.array([leaf.grad for leaf in leaves])
    result = gradcheck.compare("grads", grads, numeric, threshold=1e-6)
    # where every gradient is ~0 the relative error is noise over noise: accept a tiny absolute error there
    assert result.passed or np.max(np.abs(grads - numeric)) < 1e-8, f"{program} at {point}: {result}"


# ---------------------------------------------------------------------------------
# published worked examples (independent references)
# ---------------------------------------------------------------------------------

def test_cs231n_circuit_example():
    # CS231n "Backpropagation, Intuitions": f = (x + y) z at x=-2, y=5, z=-4 -> f=-12, df/dx=df/dy=-4, df/dz=3
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    assert (f.data, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, 3.0)


def test_cs231n_sigmoid_neuron_example():
    # CS231n: w = [2, -3, -3], x = [-1, -2]: dx = [0.39, -0.59], dw = [-0.2, -0.39, 0.2] (2 decimals)
    w = [Value(2.0), Value(-3.0), Value(-3.0)]
    x = [Value(-1.0), Value(-2.0)]
    f = (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid()
    f.backward()
    assert f.data == pytest.approx(0.73, abs=5e-3)
    assert [round(v.grad, 2) for v in x] == [0.39, -0.59]
    assert [round(v.grad, 2) for v in w] == [-0.2, -0.39, 0.2]


def test_micrograd_neuron_example():
    # Karpathy's micrograd walkthrough: o = tanh(x1 w1 + x2 w2 + b) = 0.7071, x1.grad = -1.5, w1.grad = 1, x2.grad = 0.5
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-4)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0), abs=1e-4)


def test_every_operation_has_its_textbook_derivative():
    a, b = 0.7, -1.3
    cases = [(lambda x: x.exp(), math.exp(a)), (lambda x: x.log(), 1 / a), (lambda x: x.tanh(), 1 / math.cosh(a) ** 2),
             (lambda x: x.sigmoid(), math.exp(-a) / (1 + math.exp(-a)) ** 2), (lambda x: x.relu(), 1.0),
             (lambda x: x ** 3, 3 * a ** 2), (lambda x: x ** -0.5, -0.5 * a ** -1.5), (lambda x: -x, -1.0),
             (lambda x: x / b, 1 / b), (lambda x: b / x, -b / a ** 2), (lambda x: b - x, -1.0), (lambda x: x - b, 1.0)]
    for f, expected in cases:
        x = Value(a)
        f(x).backward()
        assert x.grad == pytest.approx(expected, rel=1e-12)
    x = Value(-0.5)
    x.relu().backward()
    assert x.grad == 0.0
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0  # PyTorch's convention at the kink


# ---------------------------------------------------------------------------------
# micrograd's pitfalls, fixed
# ---------------------------------------------------------------------------------

def test_a_chain_of_ten_thousand_nodes_backpropagates():
    x = Value(0.5)
    v = x
    for _ in range(10_000):
        v = v * 1.0001
    v.backward()  # a recursive topological sort raises RecursionError here
    assert len(topological_order(v)) == 20_001  # 10,000 products, their constants, and x
    assert x.grad == pytest.approx(1.0001 ** 10_000, rel=1e-9)  # closed form of d/dx (1.0001^n x)


def test_backward_again_after_zero_grad_gives_the_same_gradients():
    x, y = Value(1.5), Value(-0.5)
    f = (x * y + x).tanh() * x
    f.backward()
    first = (x.grad, y.grad)
    f.zero_grad()
    assert (x.grad, y.grad, f.grad) == (0.0, 0.0, 0.0)
    f.backward()
    assert (x.grad, y.grad) == first


def test_backward_twice_accumulates_into_the_leaves_like_pytorch():
    x = Value(2.0)
    f = x * x + x
    f.backward()
    f.backward()
    assert x.grad == 2 * (2 * 2.0 + 1)


def test_a_value_used_twice_gets_both_contributions():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0  # micrograd's set of children would have kept one x
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0


def test_overflow_gives_inf_not_an_exception():
    assert Value(1000.0).exp().data == math.inf
    t = Value(1000.0)
    out = t.tanh()
    out.backward()
    assert out.data == 1.0 and t.grad == 0.0
    assert Value(-1000.0).tanh().data == -1.0
    assert Value(-1000.0).sigmoid().data == 0.0 and Value(1000.0).sigmoid().data == 1.0
    assert (Value(1.0) / 0.0).data == math.inf
    assert (Value(0.0) ** -1).data == math.inf
    assert (Value(1e200) ** 2).data == math.inf
    assert math.isnan((Value(-8.0) ** 0.5).data)


def test_log_of_non_positive_is_a_clear_value_error():
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="log needs a positive input"):
            Value(bad).log()


def test_power_takes_numbers_only():
    with pytest.raises(TypeError, match="int or float exponent"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="int or float exponent"):
        Value(2.0) ** "2"
    with pytest.raises(TypeError, match="not supported"):
        2 ** Value(3.0)


def test_value_rejects_non_numbers():
    with pytest.raises(TypeError, match="real number"):
        Value("1.0")
    with pytest.raises(TypeError, match="real number"):
        Value(Value(1.0))
    with pytest.raises(TypeError):
        Value(1.0) + "a"


def test_topological_order_puts_children_first():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    f = a + x * a
    order = topological_order(f)
    position = {id(v): k for k, v in enumerate(order)}
    assert order[-1] is f and len(order) == len({id(v) for v in order})
    assert all(position[id(c)] < position[id(v)] for v in order for c in v.children)


# ---------------------------------------------------------------------------------
# the notebook's claims about numeric derivatives
# ---------------------------------------------------------------------------------

def test_central_differences_are_second_order_and_forward_first_order():
    # notebook 01, section 6: log-log slopes on h = 1e-1 ... 10^-3.5 for tanh at x = 0.5
    x, exact = 0.5, 1 - math.tanh(0.5) ** 2
    steps = np.logspace(-1, -3.5, 11)
    # independent of bplab's helper: the quotients written out here
    forward = np.abs([(math.tanh(x + h) - math.tanh(x)) / h - exact for h in steps])
    central = np.abs([(math.tanh(x + h) - math.tanh(x - h)) / (2 * h) - exact for h in steps])
    assert np.polyfit(np.log(steps), np.log(forward), 1)[0] == pytest.approx(1.0, abs=0.05)
    assert np.polyfit(np.log(steps), np.log(central), 1)[0] == pytest.approx(2.0, abs=0.05)
    ours = difference_errors(math.tanh, exact, x, steps)
    np.testing.assert_allclose(ours, (forward, central), rtol=1e-12)
    assert convergence_order(steps, ours[0]) == pytest.approx(1.0, abs=0.05)
    assert convergence_order(steps, ours[1]) == pytest.approx(2.0, abs=0.05)


def test_at_h_1e5_central_beats_forward_by_orders_of_magnitude():
    # notebook 01, section 6: at h = 1e-5 central is within 1e-10, forward only within about 4e-6
    forward, central = difference_errors(math.tanh, 1 - math.tanh(0.5) ** 2, 0.5, [1e-5])
    assert central[0] < 1e-10
    assert 1e-6 < forward[0] < 1e-5


def test_difference_errors_validates_steps():
    with pytest.raises(ValueError, match="positive"):
        difference_errors(math.tanh, 1.0, 0.0, [0.1, 0.0])
    with pytest.raises(ValueError, match="same shape"):
        convergence_order([0.1], [0.1])


def test_below_about_1e5_rounding_error_takes_over():
    # notebook 01, section 6: the central difference's error is smallest near h = 1e-5 and grows for smaller h
    steps = np.logspace(-1, -12, 45)
    _, central = difference_errors(math.tanh, 1 - math.tanh(0.5) ** 2, 0.5, steps)
    best = steps[np.argmin(central)]
    assert 1e-6 <= best <= 1e-4
    assert central[steps < 1e-8].min() > 10 * central.min()
