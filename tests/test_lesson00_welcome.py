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


def test_normwise_error_accepts_a_zero_entry_that_the_elementwise_form_rejects():
    # The notebook's example (section 2): f = sum(x ** 3) at (1, 0, -2), whose middle partial is exactly 0.
    x = np.array([1.0, 0.0, -2.0])
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(v ** 3), x)
    analytic = 3 * x ** 2
    elementwise = np.abs(analytic - numeric) / np.maximum(np.abs(analytic), np.abs(numeric))
    assert elementwise[1] == pytest.approx(1.0)
    assert 0 < numeric[1] < 2e-10
    assert gradcheck.rel_error(analytic, numeric) < 1e-10


def test_the_four_verdicts_of_section_2_on_a_matrix():
    X = np.array([[1.0, -2.0, 0.5], [0.3, 1.5, -1.0]])
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(v ** 2), X)
    diagnoses = {label: gradcheck.compare("grad", wrong, numeric)
                 for label, wrong in [("sign", -2 * X), ("factor", X), ("transposed", (2 * X).T), ("right", 2 * X)]}
    assert diagnoses["sign"].diagnosis.startswith("sign flipped")
    assert "constant factor of 0.5" in diagnoses["factor"].diagnosis
    assert diagnoses["transposed"].diagnosis.startswith("transposed")
    assert diagnoses["right"].passed and not any(r.passed for k, r in diagnoses.items() if k != "right")
