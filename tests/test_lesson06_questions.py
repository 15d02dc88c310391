"""Lesson 06's graded predictions: each tolerance accepts the sound answers and rejects the usual wrong ones."""

import math

import nbformat
import pytest

from bplab.grading.lessons.questions06 import CHECKS
from tests.paths import NOTEBOOKS

QUESTIONS = {check.name: check for check in CHECKS}


def verdict(name, answer):
    [result] = QUESTIONS[name].judge({"answer": answer})
    return result


@pytest.mark.parametrize("name, answers", [
    ("q_digits_initial_loss", [math.log(10), 2.3, "2.30", 2.303, 2.35]),
    ("q_dropout_train_accuracy", ["c", "C"]),
    ("q_running_vs_evaluated_loss", ["a"]),
    ("q_frozen_parameters", [1285, "1285", 1285.0]),
    ("q_transfer_gap", ["b"]),
])
def test_sound_answers_pass_with_the_reason(name, answers):
    for answer in answers:
        result = verdict(name, answer)
        assert result.passed and result.detail, (name, answer)


@pytest.mark.parametrize("name, wrong, says", [
    ("q_digits_initial_loss", 0.1, "probability"),            # the probability, not its -ln
    ("q_digits_initial_loss", 1, "natural"),                  # log10
    ("q_digits_initial_loss", 10, "1/p"),
    ("q_digits_initial_loss", 0, "certainty"),
    ("q_dropout_train_accuracy", "a", "evaluation mode"),
    ("q_dropout_train_accuracy", "b", "still fits"),
    ("q_running_vs_evaluated_loss", "b", "larger"),
    ("q_running_vs_evaluated_loss", "c", "dropout on vs off"),
    ("q_frozen_parameters", 1280, "biases"),           # the head's weights only
    ("q_frozen_parameters", 64 * 256 + 256 + 1285, "frozen hidden layer too"),
    ("q_frozen_parameters", 64 * 256 + 256, "never sees it"),
    ("q_transfer_gap", "a", "left to gain"),
    ("q_transfer_gap", "c", "scarcest"),
])
def test_usual_wrong_answers_lose_the_point_with_their_own_sentence(name, wrong, says):
    result = verdict(name, wrong)
    assert not result.passed and says in result.diagnosis


@pytest.mark.parametrize("name, wrong", [("q_digits_initial_loss", 2.2), ("q_digits_initial_loss", 2.4),
                                         ("q_digits_initial_loss", 4.6), ("q_frozen_parameters", 1290),
                                         ("q_frozen_parameters", 2570)])
def test_near_misses_get_what_to_look_at(name, wrong):
    result = verdict(name, wrong)
    assert not result.passed and result.diagnosis


def test_each_question_is_asked_above_the_demo_it_is_about_and_checked_after():
    cells = nbformat.read(NOTEBOOKS / "06_capstone.ipynb", as_version=4).cells
    sources = [c.source for c in cells]
    for check in CHECKS:
        answer = check.functions[0]
        asked = next(i for i, s in enumerate(sources) if answer in s and cells[i].cell_type == "markdown")
        checked = next(i for i, s in enumerate(sources) if s.strip() == f'check("{check.name}")')
        demo = next(i for i in range(asked + 1, checked) if cells[i].cell_type == "code")
        assert asked < demo < checked, check.name
    for lab in ("TrainingDashboardLab(", "TransferLab("):
        index = next(i for i, s in enumerate(sources) if s.startswith(lab))
        assert "Predict, then look" in sources[index - 1], lab
