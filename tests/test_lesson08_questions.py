"""Lesson 08's graded predictions: the right answer (and sound variants) pass, the usual slips fail with advice,
and each question's answer is what the notebook then shows."""

import math

import pytest

from bplab import recurrent_experiments as experiments
from bplab.grading import registry
from bplab.labs.gradient_through_time import GradientThroughTimeModel
from bplab.recurrent_experiments import first_input_gradient

QUESTIONS = {c.name: c for c in registry.checks_of("08") if c.kind == "question"}
SIGMA_3 = 1 / (1 + math.exp(-3))


def judged(name, answer):
    [result] = QUESTIONS[name].judge({"answer": answer})
    return result


def test_lesson_08_has_at_least_three_questions():
    assert len(QUESTIONS) >= 3


@pytest.mark.parametrize("name, right, wrong", [
    ("q_trained_reach", ["c", "(c)"], ["a", "b", "d", 3]),
    ("q_forget_bias_reach", [47.4, 47, "47.39", 45.5], [3.32, 20.6, -47.4, 10, 30, 60]),
    ("q_clipping_changes", ["b", " B "], ["a", "c", "d", 2]),
    ("q_truncated_first_input", ["c"], ["a", "b", "d"]),
    ("q_further_back", ["a", "(a)"], ["b", "c", "d"]),
])
def test_answers(name, right, wrong):
    for answer in right:
        assert judged(name, answer).passed, (name, answer)
    for answer in wrong:
        result = judged(name, answer)
        assert not result.passed and result.diagnosis, (name, answer)


def test_known_slips_get_their_own_sentence():
    assert "b_f = 0" in judged("q_forget_bias_reach", math.log(10) / math.log(2)).diagnosis
    assert "factor e" in judged("q_forget_bias_reach", 1 / -math.log(SIGMA_3)).diagnosis


def test_the_notebook_shows_each_answer():
    # q_trained_reach: the notebook's run (lag 20, seed 0) ends with a larger ratio than it started with
    run = experiments.run("rnn", 20, 0)
    first, last = run.log.state_norms[0], run.log.state_norms[-1]
    assert last[0] / last[-1] > 1000 * first[0] / first[-1]
    # q_truncated_first_input: exactly zero with truncation 3 at lag 10, not zero without
    assert first_input_gradient(10, 3) == 0.0 and first_input_gradient(10, None) > 0
    # q_forget_bias_reach: sigma(3)^47.4 = 1/10
    assert SIGMA_3 ** 47.39 == pytest.approx(0.1, rel=1e-3)
    # q_clipping_changes: the gradient the notebook clips keeps its direction and is cut to the threshold
    norm_before, norm_after, cosine = experiments.clipped_gradient(seed=0)
    assert norm_before > 1.0 and norm_after == pytest.approx(1.0, abs=1e-5) and cosine == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))  # every seed the lab's slider offers
def test_with_a_negative_forget_bias_the_rnn_reaches_further_back(seed):
    # q_further_back: at lag 40, 16 units, b_f = -2, the vanilla RNN's gradient reaches the first step far better
    model = GradientThroughTimeModel(lag=40, hidden=16, forget_bias=-2.0, seed=seed)
    assert model.relative["rnn"][0] > 1e6 * model.relative["lstm"][0]
    model.set(forget_bias=3.0)  # and the usual +3 reverses it, as section 8 showed at lag 20
    assert model.relative["lstm"][0] > 1e3 * model.relative["rnn"][0]
