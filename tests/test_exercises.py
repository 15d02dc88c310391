"""exercises/ is generated from solutions/ and must be up to date."""

import pytest

from bplab import exercise_builder
from tests.paths import EXERCISES, SOLUTIONS


def test_exercises_are_up_to_date():
    stale = exercise_builder.stale(SOLUTIONS, EXERCISES)
    assert not stale, f"exercises/ is stale for {stale}: run `bplab build-exercises`"


def test_no_exercise_without_a_solution():
    assert sorted(p.name for p in EXERCISES.glob("ex*.py")) == sorted(p.name for p in SOLUTIONS.glob("ex*.py"))


def test_every_solution_has_marked_parts_and_stubs_hide_them():
    for path in SOLUTIONS.glob("ex*.py"):
        source = path.read_text()
        assert "### BEGIN SOLUTION" in source, path.name
        stub = (EXERCISES / path.name).read_text()
        assert "### BEGIN SOLUTION" not in stub and "raise NotImplementedError(" in stub


def test_stub_names_the_function_and_the_section():
    source = ('def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION  notebook 03, section "2. Init"\n'
              '    return x\n    ### END SOLUTION\n')
    stub = exercise_builder.stub_source(source)
    assert "raise NotImplementedError('f: not written yet. Read notebook 03, section \"2. Init\".')" in stub
    assert "return x" not in stub
    compiled = {}
    exec(compile(stub, "stub", "exec"), compiled)
    with pytest.raises(NotImplementedError, match="notebook 03"):
        compiled["f"](1)


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    ### END SOLUTION\n", "without BEGIN"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another block"),
])
def test_malformed_markers_are_reported_with_a_line(source, problem):
    with pytest.raises(ValueError, match=problem):
        exercise_builder.stub_source(source, "bad.py")
