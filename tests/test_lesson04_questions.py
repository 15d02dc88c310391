"""Lesson 04's graded predictions: each tolerance accepts the sound answers and rejects the usual wrong ones."""

import math

import nbformat
import numpy as np
import pytest

from bplab import lr_finder, optim
from bplab.grading.lessons import questions04
from bplab.labs.optimizer_race import OptimizerRaceModel
from bplab.loader import load
from bplab.optim.noisy_regression import least_squares, sgd_excess_loss
from tests.paths import NOTEBOOKS

QUESTIONS = {check.name: check for check in questions04.CHECKS}


def judged(name, answer):
    [result] = QUESTIONS[name].judge({"answer": answer})
    return result


# name -> (sound answers, {usual wrong answer: words its diagnosis must contain})
CASES = {
    # the floor is proportional to lr: 0.5 (measured 0.48); 0.25 squares it, 1 ignores it, 0.707 takes a root
    "q_noise_floor": ([0.5, "1/2", 0.48, 0.42, 0.58], {0.25: "survives", 1: "set by the size",
                                                       0.2: "survives", math.sqrt(0.5): "variance of w", 2: "balance"}),
    # Adam's per-coordinate normalization
    "q_saddle_first": (["c", " C "], {"a": "hundreds", "b": "proportional to the tiny", "d": "react differently"}),
    # 2 / curvature, curvature 4
    "q_blowup_lr": ([0.5, "1/2", 0.505, 0.4951, 0.52], {0.25: "one step", 1: "curvature of 2x² is", 2: "curvature of 1",
                                                 4: "curvature itself", 0.6: "|factor|"}),
    # 1 / (1 - 0.99) over 1 / (1 - 0.9)
    "q_effective_step": ([10, "10", 9.9, "100/10"], {1.1: "ratio of the momenta", 100: "started from",
                                                    0.1: "approaches 1", 9: "settle"}),
    # at equal effective step the slow directions behave alike: the gap shrinks (b)
    "q_momentum_equal_step": (["b", "(B)"], {"a": "ten times", "c": "nothing there", "d": "one letter"}),
}


def test_every_question_has_cases():
    assert set(CASES) == set(QUESTIONS) and len(QUESTIONS) >= 3


@pytest.mark.parametrize("name", sorted(CASES))
def test_sound_answers_pass_with_the_reason(name):
    for answer in CASES[name][0]:
        result = judged(name, answer)
        assert result.passed and result.detail, (name, answer)


@pytest.mark.parametrize("name", sorted(CASES))
def test_usual_wrong_answers_lose_the_point_with_a_pointer(name):
    for answer, words in CASES[name][1].items():
        result = judged(name, answer)
        assert not result.passed, (name, answer)
        assert words in result.diagnosis, (name, answer, result.diagnosis)


def test_solutions_hold_the_right_answers():
    ex = load("ex04_optimizers", impl="solutions")
    for check in QUESTIONS.values():
        assert all(r.passed for r in check.judge(check.produce(ex))), check.name


def test_answers_follow_from_the_lesson():
    """Each accepted answer is what the experiment in the notebook measures."""
    problem = least_squares(seed=0)
    floors = [np.mean([sgd_excess_loss(problem, lr, 1000, 10, s)[300:].mean() for s in range(5)]) for lr in (0.05, 0.025)]
    assert judged("q_noise_floor", floors[1] / floors[0]).passed
    escape = OptimizerRaceModel("saddle", optimizers=("SGD", "Momentum", "Adam")).first_step_beyond(1.0)
    first = min((step, name) for name, step in escape.items() if step is not None)[1]
    assert judged("q_saddle_first", {"SGD": "a", "Momentum": "b", "Adam": "c"}[first]).passed
    x = np.array([1.0])
    test = lr_finder.range_test(lambda t: (2 * x[0] ** 2, [4 * x]), optim.SGD([x], lr=1e-4), lr_min=1e-4,
                                lr_max=10.0, steps=300, smoothing=0.0, blowup=1.0)
    assert judged("q_blowup_lr", test.blowup_lr).passed  # the grid's first rate above 0.5 (0.5157) is accepted
    assert judged("q_effective_step", (1 / (1 - 0.99)) / (1 / (1 - 0.9))).passed
    steps = {}
    for momentum in (0.9, 0.99):  # the notebook's demo: a constant gradient fills the buffer
        p = np.zeros(1)
        opt = optim.SGD([p], lr=0.01, momentum=momentum)
        for _ in range(1000):
            before = p.copy()
            opt.step([np.ones(1)])
        steps[momentum] = (before - p)[0]
    assert judged("q_effective_step", steps[0.99] / steps[0.9]).passed


@pytest.mark.parametrize("name, lab", [("q_noise_floor", "floors = {lr:"), ("q_saddle_first", "OptimizerRace()"),
                                       ("q_blowup_lr", "quadratic_test = lr_finder.range_test"),
                                       ("q_effective_step", "after 1000 steps of the constant gradient"),
                                       ("q_momentum_equal_step", "momentum_01 = losses")])
def test_each_question_is_asked_above_its_lab_and_checked_after_it(name, lab):
    cells = nbformat.read(NOTEBOOKS / "04_optimizers.ipynb", as_version=4).cells
    answer = QUESTIONS[name].functions[0]
    asked = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and answer in c.source
                 and "Predict, then look" in c.source)
    shown = next(i for i, c in enumerate(cells) if c.cell_type == "code" and lab in c.source)
    checked = next(i for i, c in enumerate(cells) if c.cell_type == "code" and f'check("{name}")' in c.source)
    assert asked + 1 == shown < checked
