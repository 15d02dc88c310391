"""The bplab command as instructors and learners use it."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from bplab.grading import registry
from tests.paths import EXERCISES, ROOT, SOLUTIONS

POINTS_00 = sum(c.points for c in registry.checks_of("00"))  # lesson 00: the warm-up and its question


def bplab(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "bplab", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), timeout=300)


def test_grade_solutions_full_marks_exit_0():
    run = bplab("grade", "--impl", "solutions", "--lesson", "00")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"total: {POINTS_00}/{POINTS_00} points" in run.stdout


def test_grade_stubs_not_attempted_exit_1_no_traceback():
    run = bplab("grade", "--lesson", "00")
    assert run.returncode == 1
    assert "not attempted" in run.stdout and f"total: 0/{POINTS_00}" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_json_report():
    report = json.loads(bplab("grade", "--impl", "solutions", "--lesson", "00", "--json").stdout)
    assert report["score"] == report["max_score"] == POINTS_00
    assert report["checks"][0]["status"] == "passed"


def test_gradescope_schema(tmp_path):
    results = tmp_path / "results.json"
    bplab("grade", "--lesson", "00", "--gradescope", str(results))
    data = json.loads(results.read_text())
    assert data["score"] == 0
    test = data["tests"][0]
    assert set(test) == {"name", "score", "max_score", "status", "output"}
    assert test["status"] == "failed" and test["max_score"] == 1 and "not attempted" in test["output"]


def test_impl_folder_with_a_missing_file_scores_zero(tmp_path):
    run = bplab("grade", "--impl", str(tmp_path), "--lesson", "00")
    assert run.returncode == 1 and "MISSING" in run.stdout and "ex00_welcome.py is not in" in run.stdout


def test_submissions_csv(tmp_path):
    classroom = tmp_path / "class"
    shutil.copytree(SOLUTIONS, classroom / "ada")
    shutil.copytree(EXERCISES, classroom / "bob")
    (classroom / "eve").mkdir()
    (classroom / "eve" / "ex00_welcome.py").write_text("def sum_of_squares_gradient(x):\n    return -2 * x\n")
    grades = tmp_path / "grades.csv"
    run = bplab("grade", "--submissions", str(classroom), "--lesson", "00", "--csv", str(grades), "--jobs", "2")
    assert run.returncode == 1
    rows = list(csv.reader(grades.open()))
    assert rows[0] == ["learner", "lesson 00", "total"]
    assert rows[1:] == [["ada", str(POINTS_00), str(POINTS_00)], ["bob", "0", "0"], ["eve", "0", "0"]]


def test_check_one_exercise_shows_the_diagnosis(tmp_path):
    (tmp_path / "ex00_welcome.py").write_text("def sum_of_squares_gradient(x):\n    return -2 * x\n")
    run = bplab("check", "sum_of_squares_gradient", "--impl", str(tmp_path))
    assert run.returncode == 1 and "sign flipped" in run.stdout


def test_unknown_lesson_is_a_clear_error():
    run = bplab("grade", "--lesson", "42")
    assert run.returncode == 2 and "no lesson 42" in run.stderr and "Traceback" not in run.stderr


def test_release_holds_no_solution_code(tmp_path):
    dest = tmp_path / "student"
    run = bplab("release", str(dest))
    assert run.returncode == 0, run.stderr
    assert not (dest / "solutions").exists()
    assert (dest / "exercises" / "ex00_welcome.py").exists() and (dest / "notebooks" / "00_welcome.ipynb").exists()
    builder = dest / "bplab" / "exercise_builder.py"  # documents the markers, holds no answer
    for path in dest.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".ipynb"} and path != builder:
            assert not re.search(r"^\s*### BEGIN SOLUTION", path.read_text(), re.MULTILINE), path
    for solution in SOLUTIONS.glob("ex*.py"):
        assert (dest / "exercises" / solution.name).read_text() == (EXERCISES / solution.name).read_text()
    again = bplab("release", str(dest))
    assert again.returncode == 2 and "not empty" in again.stderr


@pytest.mark.parametrize("impl", ["exercises", "solutions"])
def test_bplab_impl_environment_variable(impl):
    run = bplab("grade", "--lesson", "00", env={"BPLAB_IMPL": impl})
    assert run.returncode == (0 if impl == "solutions" else 1)
