"""Graded predictions: parsing, tolerance, feedback, the stub, and every output that lists them."""

import json
import shutil

import numpy as np
import pytest

from bplab.exercise_builder import stub_source
from bplab.grading import registry, report, runner
from bplab.grading.questions import Choice, Number, question
from tests.paths import SOLUTIONS

Q = question(lesson="99", name="q_demo", module="ex99_demo", answer="ANSWER", expected=Number(10, rel_tol=0.05),
             right="because", look="look again", mistakes={1.1: "that is the ratio of the momenta"}, hint="notebook 99")


def judged(check, answer):
    [result] = check.judge({"answer": answer})
    return result


@pytest.mark.parametrize("answer", [10, 10.4, "10", "9.6", "20/2", "1e1", np.float64(10.0), np.array(10.0), np.int64(10)])
def test_number_accepts_sound_answers(answer):
    result = judged(Q, answer)
    assert result.passed and result.detail == "because"


@pytest.mark.parametrize("answer", [9.4, 11, 0, -10, "ten", True, [10], float("nan"), "inf", "1/0",
                                    np.array([10.0]), np.bool_(True)])
def test_number_rejects_wrong_or_malformed_answers_with_advice(answer):
    result = judged(Q, answer)
    assert not result.passed and result.diagnosis
    assert "10" not in result.diagnosis  # never gives the answer away


def test_a_known_wrong_answer_gets_its_own_sentence():
    assert judged(Q, 1.1).diagnosis == "that is the ratio of the momenta"
    assert judged(Q, 2.0).diagnosis == "look again"


def test_interval_and_unicode_minus():
    check = question(lesson="99", name="q_i", module="m", answer="A", expected=Number(lower=-0.3, upper=-0.2),
                     right="r", look="l", hint="notebook 99")
    assert judged(check, "\u22120.25").passed and judged(check, -0.2).passed
    assert not judged(check, -0.31).passed and not judged(check, 0.25).passed


@pytest.mark.parametrize("answer, passed", [("b", True), (" B ", True), ("(b)", True), ("a", False)])
def test_choice(answer, passed):
    check = question(lesson="99", name="q_c", module="m", answer="A", expected=Choice("b"), right="r", look="l",
                     hint="notebook 99")
    assert judged(check, answer).passed is passed


@pytest.mark.parametrize("answer", ["e", "ab", 2, None])
def test_choice_rejects_non_letters_with_a_sentence(answer):
    check = question(lesson="99", name="q_c", module="m", answer="A", expected=Choice("b"), right="r", look="l",
                     hint="notebook 99")
    result = judged(check, answer)
    assert not result.passed and "letter" in result.detail


def test_none_is_not_attempted():
    class Stub:
        ANSWER = None
    with pytest.raises(NotImplementedError, match="not written yet"):
        Q.produce(Stub)


def test_module_level_block_becomes_none_in_the_stub():
    source = '# Q: what?\n### BEGIN SOLUTION  notebook 04\nFACTOR = 10\nLETTER: str = "b"\n### END SOLUTION\n'
    assert stub_source(source) == "# Q: what?\nFACTOR = None\nLETTER = None\n"
    with pytest.raises(ValueError, match="must assign"):
        stub_source("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION\n")


def test_every_question_is_kind_question():
    checks = registry.all_checks()
    questions = [c for c in checks if c.kind == "question"]
    assert all(c.name.startswith("q_") for c in questions)
    assert {c.kind for c in checks} <= {"exercise", "question"}


def test_wrong_answer_loses_the_points_through_the_sandbox(tmp_path):
    source = (SOLUTIONS / "ex00_welcome.py").read_text().replace('BREAK_IT_DIAGNOSIS = "b"', 'BREAK_IT_DIAGNOSIS = "a"')
    (tmp_path / "ex00_welcome.py").write_text(source)
    [outcome] = runner.grade(registry.find("q_break_it"), tmp_path)
    assert outcome.status == "failed" and outcome.score == 0
    assert "nothing is flipped" in outcome.message


def test_kind_in_json_and_gradescope(tmp_path):
    shutil.copy(SOLUTIONS / "ex00_welcome.py", tmp_path)
    outcomes = runner.grade(registry.checks_of("00"), tmp_path)
    rows = json.loads(report.to_json(outcomes))["checks"]
    assert {r["check"]: r["kind"] for r in rows} == {"sum_of_squares_gradient": "exercise", "q_break_it": "question"}
    tests = json.loads(report.gradescope(outcomes))["tests"]
    question_test = next(t for t in tests if t["name"] == "00.q_break_it")
    assert question_test["status"] == "passed" and "constant factor of 0.5" in question_test["output"]
