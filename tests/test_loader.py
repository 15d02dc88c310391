"""The learner's code in notebooks: BPLAB_IMPL, live reloading, "powered by your code"."""

import os
import time

import pytest

from bplab import loader, notebook, powered
from tests.paths import EXERCISES, SOLUTIONS


def write(path, text):
    path.write_text(text)
    stamp = time.time() + 1  # a distinct modification time even on coarse file systems
    os.utime(path, (stamp, stamp))


def test_default_is_exercises_and_env_selects(monkeypatch):
    monkeypatch.delenv("BPLAB_IMPL", raising=False)
    assert loader.impl_dir() == EXERCISES
    monkeypatch.setenv("BPLAB_IMPL", "solutions")
    assert loader.impl_dir() == SOLUTIONS
    monkeypatch.setenv("BPLAB_IMPL", "/no/such/folder")
    with pytest.raises(FileNotFoundError, match="Use 'exercises', 'solutions' or a folder path"):
        loader.impl_dir()


def test_a_saved_edit_is_picked_up_without_restart(tmp_path):
    module = tmp_path / "ex00_welcome.py"
    write(module, "def sum_of_squares_gradient(x):\n    return 1\n")
    live = loader.load("ex00_welcome", impl=str(tmp_path))
    assert live.sum_of_squares_gradient(3) == 1
    write(module, "def sum_of_squares_gradient(x):\n    return 2 * x\n")
    assert live.sum_of_squares_gradient(3) == 6


def test_a_misspelled_function_is_named(tmp_path):
    write(tmp_path / "ex00_welcome.py", "def f():\n    pass\n")
    with pytest.raises(AttributeError, match="has no 'g'"):
        _ = loader.load("ex00_welcome", impl=str(tmp_path)).g


def test_inline_check_reports_and_renders(tmp_path):
    write(tmp_path / "ex00_welcome.py", "def sum_of_squares_gradient(x):\n    return -2 * x\n")
    report = notebook.check("sum_of_squares_gradient", impl=str(tmp_path))
    assert not report.passed
    html = report._repr_html_()
    assert "sign flipped" in html and "FAIL" in html and "<table" in html
    assert "sign flipped" in repr(report)


def test_powered_by_your_code_only_when_checks_pass(tmp_path):
    reference = type("Reference", (), {"sum_of_squares_gradient": staticmethod(lambda x: "reference")})
    write(tmp_path / "ex00_welcome.py", "def sum_of_squares_gradient(x):\n    return -2 * x\n")
    choice = powered.choose("ex00_welcome", ["sum_of_squares_gradient"], reference, impl=str(tmp_path))
    assert not choice.by_learner and "sum_of_squares_gradient passes" in choice.label
    assert choice.ops.sum_of_squares_gradient(1) == "reference"
    write(tmp_path / "ex00_welcome.py", "def sum_of_squares_gradient(x):\n    return 2 * x\n")
    choice = powered.choose("ex00_welcome", ["sum_of_squares_gradient"], reference, impl=str(tmp_path))
    assert choice.by_learner and choice.label == "powered by your code"
    assert choice.ops.sum_of_squares_gradient(1) == 2
