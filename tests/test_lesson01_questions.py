"""Lesson 01's graded predictions: each tolerance accepts the sound answers and rejects the usual wrong ones."""

import math

import numpy as np
import pytest

from bplab.autodiff import Value
from bplab.grading import registry
from bplab.labs.graph_explorer import GraphExplorerModel


def _verdict(name, answer):
    [check] = registry.find(name)
    [result] = check.judge({"answer": answer})
    return result


# (question, answers that must pass, wrong answers that must fail: each one a mistake a learner makes)
CASES = {
    "q_graph_dfdz": ([5, 5.0, "5"], [-4, 3, -20, 0, 1]),
    "q_fanout_dfdx": ([-0.71, -0.714, -0.7136], [-1.5, 0.786, -0.5, 0.71, -0.72, -0.7]),
    "q_best_step": ([-5, -5.2, -6, -4.5], [-8, -16, -12, -3, -7]),
    "q_numeric_cost": ([2000, "2000"], [1000, 1001, 2, 2001, 4000]),
    "q_custom_dfdb": ([-0.20, -0.202], [0.21, -0.412, 0.622, -0.21, 0.20]),
}


@pytest.mark.parametrize("name", CASES)
def test_tolerance_accepts_sound_answers_and_rejects_the_usual_wrong_ones(name):
    right, wrong = CASES[name]
    for answer in right:
        assert _verdict(name, answer).passed, (name, answer)
    for answer in wrong:
        result = _verdict(name, answer)
        assert not result.passed, (name, answer)
        assert result.diagnosis, (name, answer)  # a pointer to what to look at, or the named mistake


def test_known_wrong_answers_get_their_own_sentence():
    assert "forward difference" in _verdict("q_best_step", -8).diagnosis
    assert "only the path through x * y" in _verdict("q_fanout_dfdx", -1.5).diagnosis
    assert "one partial derivative needs two" in _verdict("q_numeric_cost", 1000).diagnosis
    assert "2 decimals" in _verdict("q_fanout_dfdx", -0.7).diagnosis  # a right path sum, rounded to 1 decimal


def test_answers_are_what_the_lesson_computes():
    model = GraphExplorerModel("CS231n: f = (x + y)·z")
    assert model.inputs == {"x": -2.0, "y": 5.0, "z": -4.0}  # the worked example's inputs
    model.set_input("x", 0.0)
    assert model.grads["z"] == pytest.approx(5.0)
    assert _verdict("q_graph_dfdz", model.grads["z"]).passed

    x, y = Value(0.5), Value(-1.5)
    (x * y + x.tanh()).backward()
    assert _verdict("q_fanout_dfdx", x.grad).passed

    a, b = Value(0.5), Value(2.0)
    ((a * b).tanh() + a.exp() / b).backward()
    assert _verdict("q_custom_dfdb", b.grad).passed

    eps = np.finfo(np.float64).eps
    assert _verdict("q_best_step", math.log10(eps ** (1 / 3))).passed
