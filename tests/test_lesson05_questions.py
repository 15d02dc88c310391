"""Lesson 05's graded predictions: each tolerance accepts the sound answers and rejects the usual wrong ones."""

import pytest

from bplab.grading.lessons.questions05 import CHECKS

QUESTIONS = {check.name: check for check in CHECKS}


def verdict(name, answer):
    [result] = QUESTIONS[name].judge({"answer": answer})
    return result


@pytest.mark.parametrize("name, answers", [
    ("q_l1_zero_share", ["d", "D", "(d)"]),
    ("q_l1_subgradient_zeros", [0, "0", 0.0]),
    ("q_dropout_eval_factor", [1, "1", 1.0]),
    ("q_bn_gradient_factor", [0.25, "1/4", 0.252, "0.25"]),  # 0.252 is what the notebook prints (eps)
])
def test_sound_answers_pass_with_the_reason(name, answers):
    for answer in answers:
        result = verdict(name, answer)
        assert result.passed, (name, answer)
        assert result.detail


@pytest.mark.parametrize("name, wrong, says", [
    # L2's picture (no zeros), and shares that underestimate how many weights 40 points leave idle.
    ("q_l1_zero_share", "a", "L2"),
    ("q_l1_zero_share", "b", "300 steps"),
    ("q_l1_zero_share", "c", "histogram"),
    # The soft-thresholded run's count, read for the subgradient one.
    ("q_l1_subgradient_zeros", 690, "soft-thresholded"),
    # Non-inverted dropout's test-time factor, and the training-time scale.
    ("q_dropout_eval_factor", 0.5, "original"),
    ("q_dropout_eval_factor", 2, "training-time"),
    # The old recap's "independent of the scale", the wrong direction, and the factor squared.
    ("q_bn_gradient_factor", 1, "scale-invariant"),
    ("q_bn_gradient_factor", 4, "shrinks"),
    ("q_bn_gradient_factor", 16, "one factor"),
    ("q_bn_gradient_factor", 1 / 16, "one factor"),
])
def test_usual_wrong_answers_lose_the_point_with_their_own_sentence(name, wrong, says):
    result = verdict(name, wrong)
    assert not result.passed
    assert says in result.diagnosis


@pytest.mark.parametrize("name, wrong", [("q_l1_subgradient_zeros", 1), ("q_l1_subgradient_zeros", 5),
                                         ("q_dropout_eval_factor", 0.7), ("q_bn_gradient_factor", 0.3),
                                         ("q_bn_gradient_factor", 0.2)])
def test_other_wrong_answers_get_what_to_look_at(name, wrong):
    result = verdict(name, wrong)
    assert not result.passed and result.diagnosis == QUESTIONS[name].judge({"answer": -123})[0].diagnosis


def test_every_lab_and_demo_question_is_in_the_notebook_above_its_check():
    import nbformat

    from tests.paths import NOTEBOOKS

    cells = nbformat.read(NOTEBOOKS / "05_regularization.ipynb", as_version=4).cells
    sources = [c.source for c in cells]
    for check in CHECKS:
        answer = check.functions[0]
        asked = next(i for i, s in enumerate(sources) if answer in s and cells[i].cell_type == "markdown")
        checked = next(i for i, s in enumerate(sources) if s.strip() == f'check("{check.name}")')
        assert asked < checked, check.name
    lab = next(i for i, s in enumerate(sources) if "RegularizationLab()" in s)
    assert "Predict, then look" in sources[lab - 1]
