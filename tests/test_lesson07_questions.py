"""Lesson 07's predictions: right answers pass with their reason; the usual wrong ones lose the point."""

import pytest

from bplab.grading import registry

QUESTIONS = {c.name: c for c in registry.checks_of("07") if c.kind == "question"}

# question: (right answers, {usual wrong answer: a word its feedback must contain})
CASES = {
    "q_dx_kernel": (["b", "B"], {"a": "flip is missing", "c": "swapped", "d": "dW"}),
    "q_pool_overlap": ([4, "4"], {1: "overlap", 2: "rows AND columns", 9: "area"}),
    "q_receptive_field": ([5, 5.0], {6: "twice", 9: "ONE window", 3: "several outputs"}),
    "q_equivariance": (["a"], {"b": "invariance", "c": "shared"}),
    "q_sobel_edges": (["a"], {"b": "flip", "c": "zero", "d": "top and bottom"}),
}


def test_lesson_07_has_its_questions():
    assert set(QUESTIONS) == set(CASES) and len(QUESTIONS) >= 3


@pytest.mark.parametrize("name", CASES)
def test_right_answers_pass_with_the_reason(name):
    for answer in CASES[name][0]:
        [result] = QUESTIONS[name].judge({"answer": answer})
        assert result.passed and result.detail, (name, answer)


@pytest.mark.parametrize("name", CASES)
def test_usual_wrong_answers_lose_the_point_with_their_own_feedback(name):
    for answer, word in CASES[name][1].items():
        [result] = QUESTIONS[name].judge({"answer": answer})
        assert not result.passed, (name, answer)
        assert word in result.diagnosis, (name, answer, result.diagnosis)


@pytest.mark.parametrize("name, unlisted", [("q_pool_overlap", 3), ("q_receptive_field", 7)])
def test_an_unlisted_wrong_number_gets_what_to_look_at_not_the_answer(name, unlisted):
    [result] = QUESTIONS[name].judge({"answer": unlisted})
    assert not result.passed and result.diagnosis == QUESTIONS[name].judge({"answer": 1000})[0].diagnosis
    assert str(CASES[name][0][0]) not in result.diagnosis


@pytest.mark.parametrize("name", ["q_dx_kernel", "q_equivariance"])
def test_a_letter_outside_the_options_is_explained(name):
    [result] = QUESTIONS[name].judge({"answer": "z"})
    assert not result.passed and "letter" in result.detail
