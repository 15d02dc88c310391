"""The class report: where the class is stuck, as one self-contained HTML page."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from bplab.figures import class_report
from bplab.gradcheck import verdict
from bplab.grading import registry
from bplab.grading.runner import Outcome
from tests.paths import EXERCISES, ROOT, SOLUTIONS

HOSTILE_NAME = "<img src=x onerror=alert(1)>eve"
HOSTILE_TEXT = "</svg><script>alert('x')</script>"


def _class():
    """Five learners on two checks, with known outcomes."""
    first, second = registry.checks_of("00")[0], registry.find("linear_backward")[0]

    def passed(check):
        return Outcome(check, "passed", score=check.points)

    def flipped(check):
        return Outcome(check, "failed", results=[verdict("dx", False, diagnosis="sign flipped: look at the minus")],
                       message="dx: -> sign flipped")

    graded = {
        "ada": [passed(first), passed(second)],
        "bob": [Outcome(first, "not attempted", message="not written yet"), Outcome(second, "missing", message="no file")],
        "cy": [flipped(first), flipped(second)],
        "dee": [passed(first), flipped(second)],
        HOSTILE_NAME: [Outcome(first, "error", message=f"line 2 in sum_of_squares_gradient: ValueError: {HOSTILE_TEXT}"),
                       Outcome(second, "timeout", message="timed out after 10 s")],
    }
    return graded, [first, second]


def test_reason_names_the_mistake_and_never_the_learners_text():
    graded, _ = _class()
    reasons = {learner: [class_report.reason(o) for o in outcomes] for learner, outcomes in graded.items()}
    assert reasons["ada"] == [None, None]
    assert reasons["bob"] == ["not attempted", "file missing"]
    assert reasons["cy"] == ["sign flipped", "sign flipped"]
    assert reasons[HOSTILE_NAME] == ["raises ValueError", "timed out"]
    importing = Outcome(graded["ada"][0].check, "error", message="importing line 3: SyntaxError: invalid syntax")
    assert class_report.reason(importing) == "import fails: SyntaxError"


def test_summary_counts_each_check():
    graded, checks = _class()
    first, second = class_report.summarize(graded, checks)
    assert first["counts"] == {"passed": 2, "not attempted": 1, "failed": 1, "error": 1}
    assert first["pass_rate"] == pytest.approx(2 / 5)
    assert second["counts"] == {"passed": 1, "missing": 1, "failed": 2, "error": 1}
    assert second["reasons"][0] == ("sign flipped", ["cy", "dee"])  # the most common first


def test_page_is_self_contained_escaped_and_holds_the_plots():
    graded, checks = _class()
    page = class_report.render(graded, checks)
    assert page.startswith("<!DOCTYPE html>")
    assert "5 learners, 2 checks worth 4 points" in page
    for name in ("score-distribution", "pass-rate", "diagnoses"):
        figure = re.search(rf"<figure class='plot' id='{name}'.*?</figure>", page, re.S)
        assert figure and "<svg" in figure.group(0) and "<path" in figure.group(0), name
    # Nothing is loaded from anywhere: no scripts, no external links, only in-page SVG references.
    assert not re.search(r"<(script|link|img|iframe|object)\b", page, re.I)
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("#") for h in hrefs)
    # Learner-derived text shows escaped, exception text not at all.
    assert HOSTILE_NAME not in page and "&lt;img src=x onerror=alert(1)&gt;eve" in page
    assert "alert('x')" not in page and "&lt;/svg&gt;" not in page
    # The stuck table: who is stuck where, the worst check first.
    stuck = page[page.index("Where the class is stuck"):page.index("<h2>Learners")]
    assert stuck.index("linear_backward") < stuck.index("sum_of_squares_gradient")
    assert "<b>sign flipped</b>: 2 (cy, dee)" in stuck


def test_wrong_answers_to_a_question_are_the_reasons_and_cannot_break_the_plots():
    question = next(c for c in registry.all_checks() if c.kind == "question")
    answers = {"ann": "'$\\frac{$'", "ben": "1.1", "cat": "1.1", "eli": "'--></svg><script>alert(2)</script>'"}
    graded = {who: [Outcome(question, "failed", results=[verdict("ANSWER", False, f"{given} is not it", "look again")])]
              for who, given in answers.items()}
    graded["dan"] = [Outcome(question, "failed", results=[verdict("ANSWER", False, "a number is expected", "write one")])]
    [row] = class_report.summarize(graded, [question])
    assert row["reasons"][0] == ("answered 1.1", ["ben", "cat"])
    assert {why for why, _ in row["reasons"]} >= {"answered 1.1", "answered '$\\frac{$'", "a number is expected"}
    page = class_report.render(graded, [question])
    assert page.count("<svg") == 3 and "answered &#x27;$\\frac{$&#x27;" in page
    assert "<script" not in page and page.count("</svg>") == 3  # the answer is text, in the tables and the plots


def test_every_learner_passing_is_reported_plainly():
    graded, checks = _class()
    page = class_report.render({"ada": graded["ada"]}, checks)
    assert "Every learner passed every check." in page


def test_no_learners_is_a_clear_error():
    with pytest.raises(ValueError, match="no learners"):
        class_report.render({}, registry.checks_of("00"))


def _bplab(*args):
    return subprocess.run([sys.executable, "-m", "bplab", *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def _classroom(tmp_path):
    classroom = tmp_path / "class"
    shutil.copytree(SOLUTIONS, classroom / "ada")
    shutil.copytree(EXERCISES, classroom / "bob")
    (classroom / "eve").mkdir()
    (classroom / "eve" / "ex00_welcome.py").write_text("def sum_of_squares_gradient(x):\n    return -2 * x\n")
    return classroom


def test_grade_submissions_writes_the_report(tmp_path):
    report = tmp_path / "report.html"
    run = _bplab("grade", "--submissions", str(_classroom(tmp_path)), "--lesson", "00", "--report", str(report),
                 "--jobs", "2")
    assert run.returncode == 1, run.stderr  # not everyone passed
    page = report.read_text()
    checks = registry.checks_of("00")
    assert f"3 learners, {len(checks)} checks worth {sum(c.points for c in checks)} points" in page
    assert "<b>sign flipped</b>: 1 (eve)" in page and "<b>not attempted</b>: 1 (bob)" in page


def test_report_needs_submissions(tmp_path):
    run = _bplab("grade", "--lesson", "00", "--report", str(tmp_path / "r.html"))
    assert run.returncode == 2 and "--submissions" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.browser
def test_browser_shows_the_plots(tmp_path, browser):
    graded, checks = _class()
    report = class_report.write(tmp_path / "report.html", graded, checks)
    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    assert page.title() == "bplab class report"
    for name in ("score-distribution", "pass-rate", "diagnoses"):
        svg = page.locator(f"figure#{name} svg")
        svg.wait_for(state="visible")
        box = svg.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, (name, box)
        assert svg.locator("path").count() > 10, name
    assert not page.locator("script").count()
    assert requests == [report.as_uri()], "the page loads nothing but itself"
    page.close()

