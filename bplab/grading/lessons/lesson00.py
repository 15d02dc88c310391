"""Lesson 00: the warm-up, graded by a gradient check.

Threshold 1e-7: ``f`` is a quadratic, for which central differences are exact
up to rounding, so a correct answer scores about 1e-11.
"""

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place
from bplab.grading.checks import Check
from bplab.grading.harness import call


def _inputs():
    return np.random.default_rng(0).normal(size=7)


def _produce(ex):
    grad, seen = call(ex.sum_of_squares_gradient, _inputs(), names=("x",))
    return {"grad": grad, "witness": [seen]}


def _judge(values):
    x = _inputs()
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(v ** 2), x)
    mistakes = {"the factor 2 is missing: the derivative of x ** 2 is 2 * x": x,
                "returned x ** 2, the terms of f: return the derivative 2 * x": x ** 2,
                "returned 2 * x ** 2: the derivative of x ** 2 is 2 * x (the power drops by one)": 2 * x ** 2,
                "summed to one number: the gradient has one entry per entry of x (2 * x, not its sum)":
                    gradcheck.AnyOf(np.sum(2 * x), np.sum(x ** 2), np.full_like(x, np.sum(2 * x)),
                                    np.full_like(x, np.sum(x ** 2))),
                "np.gradient differences neighbouring entries of an array; here each entry of the answer is the "
                "derivative of x[i] ** 2, which is 2 * x[i]": gradcheck.AnyOf(np.gradient(x ** 2), np.gradient(x))}
    return [in_place.not_modified(values.get("witness"), inputs=[(x,)]),
            gradcheck.compare("grad", values.get("grad"), numeric, threshold=1e-7, kind="gradient",
                              mistakes=mistakes)]


CHECKS = [
    Check(lesson="00", name="sum_of_squares_gradient", points=1, module="ex00_welcome",
          produce=_produce, judge=_judge, functions=("sum_of_squares_gradient",),
          hint='notebook 00, section "3. Your first exercise"'),
]
