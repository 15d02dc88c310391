"""Lesson 03's graded predictions: each tolerance accepts the sound answers and rejects the usual wrong ones."""

import math

import nbformat
import numpy as np
import pytest

from bplab.grading.lessons import questions03
from bplab.loader import load
from bplab.optim import clip_grad_norm
from tests.paths import NOTEBOOKS

QUESTIONS = {check.name: check for check in questions03.CHECKS}


def judged(name, answer):
    [result] = QUESTIONS[name].judge({"answer": answer})
    return result


# name -> (sound answers, {usual wrong answer: words its diagnosis must contain})
CASES = {
    "q_sigmoid_largest_layer": (["c", "C", "(c)"], {"a": "reaches last", "d": "χ = 1", "b": "χ = n·Var[W]"}),
    # sqrt(chi) = sqrt(4) = 2; 4 is chi itself (variance, not norm), 1 forgets the scale, 8 doubles He's 2
    "q_relu_scale2_factor": ([2, 2.0, "2", 1.98, "4/2"], {4: "variance", 1: "squared", 8: "already contains",
                                                          math.sqrt(2): "by 4, not by 2"}),
    # log10(0.8) = -0.0969; natural log -0.223, the squared norm's -0.194, 1 - rho, the factor, the wrong sign
    "q_bptt_slope": ([-0.0969, "-0.097", math.log10(0.8), -0.095], {math.log(0.8): "natural logarithm",
                                                                     2 * math.log10(0.8): "squared norm",
                                                                     -0.2: "first-order", 0.8: "factor per step",
                                                                     0.0969: "negative", -0.05: "orthogonal"}),
    # clipping rescales every step alike: the ratio is unchanged
    "q_clip_ratio": ([1, 1.0, "1", 0.999], {0: "gradient's size", 0.001: "gradient's size", 2.07e-7: "gradient's size",
                                            2: "share", 1.2 ** 59: "early time steps"}),
}


def test_every_question_has_cases():
    assert set(CASES) == set(QUESTIONS) and len(QUESTIONS) >= 3


@pytest.mark.parametrize("name", sorted(CASES))
def test_sound_answers_pass_with_the_reason(name):
    for answer in CASES[name][0]:
        result = judged(name, answer)
        assert result.passed, (name, answer, result.detail)
        assert result.detail


@pytest.mark.parametrize("name", sorted(CASES))
def test_usual_wrong_answers_lose_the_point_with_a_pointer(name):
    for answer, words in CASES[name][1].items():
        result = judged(name, answer)
        assert not result.passed, (name, answer)
        assert words in result.diagnosis, (name, answer, result.diagnosis)


def test_solutions_hold_the_right_answers():
    ex = load("ex03_vanishing", impl="solutions")
    for check in QUESTIONS.values():
        values = check.produce(ex)
        assert all(r.passed for r in check.judge(values)), check.name


def test_answers_follow_from_the_theory():
    """The accepted answers are the lesson's formulas, not readings of one figure."""
    from bplab.labs.bptt import BPTTModel
    from bplab.labs.gradient_flow import GradientFlowModel

    flow = GradientFlowModel(depth=50, width=64, activation="relu", scheme="he_normal", scale=2.0)
    assert math.sqrt(flow.prediction.chi[0]) == pytest.approx(2.0, rel=1e-9)
    assert judged("q_relu_scale2_factor", math.sqrt(flow.prediction.chi[0])).passed
    flow.set(activation="sigmoid", scheme="standard_uniform", scale=1.0)
    assert int(flow.stats.back_norm.argmax()) == 49  # (c): the last layer
    rnn = BPTTModel(rho=0.8, length=40, nonlinearity="linear")
    slope = math.log10(rnn.decay_ratio()) / 39
    assert judged("q_bptt_slope", slope).passed
    rnn = BPTTModel(rho=1.2, length=60, nonlinearity="linear")
    grads = [g.copy() for g in rnn.gradients]  # the notebook's demo: clipping is one factor for every entry
    total = clip_grad_norm(grads, max_norm=1.0)
    factor = np.concatenate([(c / g).ravel() for c, g in zip(grads, rnn.gradients)])
    assert total > 1e6 and np.ptp(factor) < 1e-12 * factor.max()
    before = rnn.decay_ratio()
    clipped = rnn.set(clip=True, threshold=1.0).clipped_step_norm()
    assert rnn.coefficient < 1e-3 and judged("q_clip_ratio", clipped[0] / clipped[-1] / before).passed


def _cells():
    return nbformat.read(NOTEBOOKS / "03_vanishing_exploding.ipynb", as_version=4).cells


@pytest.mark.parametrize("name, lab", [("q_sigmoid_largest_layer", "GradientFlowExplorer()"),
                                       ("q_relu_scale2_factor", "GradientFlowExplorer()"),
                                       ("q_bptt_slope", "BPTTExplorer()"),
                                       ("q_clip_ratio", "BPTTModel(rho=1.2, length=60")])
def test_each_question_is_asked_above_its_lab_and_checked_after_it(name, lab):
    cells = _cells()
    answer = questions03.CHECKS[[c.name for c in questions03.CHECKS].index(name)].functions[0]
    asked = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and answer in c.source
                 and "Predict, then look" in c.source)
    shown = next(i for i, c in enumerate(cells) if c.cell_type == "code" and lab in c.source)
    checked = next(i for i, c in enumerate(cells) if c.cell_type == "code" and f'check("{name}")' in c.source)
    assert asked + 1 == shown < checked  # the prompt is the cell directly above the lab or demo
