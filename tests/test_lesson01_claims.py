"""Lesson 01's notebook claims (the numbers its prose quotes), asserted here rather than in the learner's cells."""

import math

import numpy as np

from bplab.autodiff import Value, convergence_order, difference_errors

X, EXACT = 0.5, 1 - math.tanh(0.5) ** 2
EPS = np.finfo(np.float64).eps


def test_orders_of_the_forward_and_central_differences():
    steps = np.logspace(-1, -3.5, 11)
    forward, central = difference_errors(math.tanh, EXACT, X, steps)
    assert abs(convergence_order(steps, forward) - 1) < 0.05
    assert abs(convergence_order(steps, central) - 2) < 0.05
    (forward_1e5,), (central_1e5,) = difference_errors(math.tanh, EXACT, X, [1e-5])
    assert central_1e5 < 1e-10 and 1e-6 < forward_1e5 < 1e-5


def test_best_steps_sit_near_sqrt_eps_and_the_cube_root_of_eps():
    wide = np.logspace(-1, -12, 45)
    forward, central = difference_errors(math.tanh, EXACT, X, wide)
    best_forward, best_central = wide[np.argmin(forward)], wide[np.argmin(central)]
    assert abs(math.log10(best_forward) - math.log10(math.sqrt(EPS))) < 1.0
    assert abs(math.log10(best_central) - math.log10(EPS ** (1 / 3))) < 1.0
    assert best_forward < 1e-6 < best_central  # the forward difference keeps improving well below 1e-5
    assert central.min() < forward.min() / 100  # "hundreds of times smaller" (7e-12 against 4e-09 here)
    # below 1e-5 the central difference's rounding error takes over: at 1e-9 it is worse than at 1e-5
    (_,), (at_1e9,) = difference_errors(math.tanh, EXACT, X, [1e-9])
    (_,), (at_1e5,) = difference_errors(math.tanh, EXACT, X, [1e-5])
    assert at_1e9 > 10 * at_1e5


def test_numerical_gradient_needs_two_evaluations_per_input_and_agrees_with_backward():
    calls = []

    def f_of_floats(xs):
        calls.append(1)
        return sum(math.tanh(a * b) for a, b in zip(xs, xs[1:]))

    xs = list(np.random.default_rng(0).normal(size=50))
    numeric = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += 1e-5
        down[i] -= 1e-5
        numeric.append((f_of_floats(up) - f_of_floats(down)) / 2e-5)
    assert len(calls) == 2 * len(xs)
    inputs = [Value(v) for v in xs]
    total = Value(0.0)
    for a, b in zip(inputs, inputs[1:]):
        total = total + (a * b).tanh()
    total.backward()
    assert max(abs(n - v.grad) for n, v in zip(numeric, inputs)) < 1e-8


def test_deep_chain_backward_is_e():
    x = Value(0.5)
    v = x
    for _ in range(10_000):
        v = v * 1.0001
    v.backward()
    assert abs(x.grad - 1.0001 ** 10_000) < 1e-9 * x.grad
