"""Realistic wrong answers lose points, and the message the learner sees names the mistake.

The wrong answers are data (``tests/mistakes/lessonNN.py``): the solution
module with one function or line replaced as learners get it wrong. Each is
graded by the real check, in this process (as the sandboxed child would run
it, JSON round trip included), and must

* lose points (never "passed", never full marks), and
* show a message that contains the mistake's key words.

``python -m tests.test_learner_mistakes`` prints the counts per lesson.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import pytest

from bplab.grading import report
from tests.mistakes import all_mistakes, grade, shown

MISTAKES = all_mistakes()


def named(mistake, outcome):
    text = shown(outcome).lower()
    return all(word.lower() in text for word in mistake.keywords)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # wrong code overflows; the check must say so, not numpy
@pytest.mark.parametrize("lesson, mistake", MISTAKES, ids=[f"{m.check}: {m.what}" for _, m in MISTAKES])
def test_mistake_loses_points_and_is_named(lesson, mistake):
    outcome = grade(mistake)
    assert outcome.status != "passed" and outcome.score < outcome.max_score, \
        f"{mistake.what}: not caught ({outcome.status})"
    assert named(mistake, outcome), f"{mistake.what}: the learner reads {shown(outcome)!r}"
    row = report.rows([outcome])[0]
    assert row["diagnosis"] in row["message"], "the diagnosis shown belongs to another case than the message"


# -- each case keeps its own diagnosis, in every output ------------------------------------------------------------

def _outcome_with_three_cases():
    from bplab.gradcheck import verdict
    from bplab.grading.checks import Check
    from bplab.grading.runner import Outcome

    check = Check(lesson="99", name="demo", points=2, module="ex99", produce=None, judge=None, hint="notebook 99")
    results = [verdict("case A", True),
               verdict("case B", False, "wrong numbers", ""),                       # fails, no diagnosis
               verdict("case C", False, "has NaN", "NaN handling: diagnosis of C")]  # fails, with one
    return Outcome(check, "failed", 0.0, results, message=results[1].message)


def test_the_diagnosis_shown_is_the_one_of_the_case_whose_message_is_shown():
    outcome = _outcome_with_three_cases()
    row = report.rows([outcome])[0]
    assert row["message"].startswith("case B") and row["diagnosis"] == ""
    for text in (report.text_table([outcome]), report.html_table([outcome])):
        assert "case B" in text and "diagnosis of C" not in text


def test_every_case_keeps_its_own_diagnosis_in_json_and_gradescope():
    outcome = _outcome_with_three_cases()
    cases = json.loads(report.to_json([outcome]))["checks"][0]["cases"]
    assert [(c["name"], c["diagnosis"]) for c in cases] == [("case A", ""), ("case B", ""),
                                                             ("case C", "NaN handling: diagnosis of C")]
    output = json.loads(report.gradescope([outcome]))["tests"][0]["output"]
    lines = {line.split(":")[0]: line for line in output.splitlines()[1:]}
    assert "diagnosis of C" in lines["case C"] and "diagnosis of C" not in lines["case B"]


def test_every_graded_function_has_several_mistakes():
    from bplab.grading import registry

    per_check = Counter(m.check for _, m in MISTAKES)
    graded = [c for c in registry.all_checks() if c.lesson <= "07" and getattr(c, "kind", "exercise") == "exercise"
              and not c.name.endswith("_staged")]
    thin = [f"{c.name} ({per_check[c.name]})" for c in graded if per_check[c.name] < 2]
    assert not thin, "checks with fewer than 2 learner mistakes: " + ", ".join(thin)


def measure(out=sys.stdout):
    """Mistakes tried, caught (lost points) and named, per lesson; returns the failures."""
    totals, failures = {}, []
    for lesson, mistake in MISTAKES:
        outcome = grade(mistake)
        caught = outcome.status != "passed" and outcome.score < outcome.max_score
        ok = caught and named(mistake, outcome)
        tried, c, n = totals.get(lesson, (0, 0, 0))
        totals[lesson] = (tried + 1, c + caught, n + ok)
        if not ok:
            failures.append(f"[{lesson}] {mistake.check}: {mistake.what}\n    -> {shown(outcome)}")
    for lesson, (tried, caught, ok) in sorted(totals.items()):
        print(f"lesson {lesson}: {tried} mistakes tried, {caught} caught, {ok} named", file=out)
    tried, caught, ok = (sum(v[i] for v in totals.values()) for i in range(3))
    print(f"total: {tried} tried, {caught} caught, {ok} named", file=out)
    return failures


if __name__ == "__main__":
    for line in measure():
        print(line)
