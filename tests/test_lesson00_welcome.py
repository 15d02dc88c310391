"""Lesson 00: the checker demo, headless, and the notebook's claim."""

import numpy as np
import pytest

from bplab import gradcheck
from bplab.labs.checker_demo import CheckerDemoModel
from bplab.widgets.checker_demo import CheckerDemo
from tests.widgets import exercise_every_control


def test_central_differences_are_exact_for_the_quadratic():
    x = np.array([1.0, -2.0, 0.5])
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert gradcheck.rel_error(numeric, 2 * x) < 1e-9


@pytest.mark.parametrize("factor, verdict", [(1.0, ""), (-1.0, "sign flipped"), (0.5, "constant factor of 0.5"),
                                             (0.0, "zero gradient")])
def test_demo_model_verdicts(factor, verdict):
    model = CheckerDemoModel(factor)
    assert model.result.passed == (factor == 1.0)
    assert verdict in model.result.diagnosis


def test_demo_widget_headless():
    exercise_every_control(CheckerDemo())
