"""Every check of every lesson: full marks on the solutions, "not attempted" on the stubs."""

import re

import pytest

from bplab.grading import registry, runner
from tests.paths import EXERCISES, SOLUTIONS

LESSONS = registry.lesson_ids()


@pytest.mark.parametrize("lesson", LESSONS)
def test_solutions_get_full_marks(lesson):
    outcomes = runner.grade(registry.checks_of(lesson), SOLUTIONS)
    failing = [f"{o.check.name}: {o.status} {o.message}" for o in outcomes if o.status != "passed"]
    assert not failing, "\n".join(failing)
    assert sum(o.score for o in outcomes) == sum(c.points for c in registry.checks_of(lesson))


@pytest.mark.parametrize("lesson", LESSONS)
def test_stubs_are_not_attempted(lesson):
    outcomes = runner.grade(registry.checks_of(lesson), EXERCISES)
    wrong = [f"{o.check.name}: {o.status} {o.message}" for o in outcomes if o.status != "not attempted"]
    assert not wrong, "\n".join(wrong)
    assert all(o.score == 0 and "not written yet" in o.message for o in outcomes)


def test_checks_are_well_formed():
    checks = registry.all_checks()
    assert len({c.name for c in checks}) == len(checks)
    for check in checks:
        assert check.points > 0 and check.hint.startswith("notebook "), check
        assert (SOLUTIONS / f"{check.module}.py").exists(), check
        source = (SOLUTIONS / f"{check.module}.py").read_text()
        assert check.kind in ("exercise", "question"), check
        for function in check.functions:
            if check.kind == "question":  # the answer is a module-level name
                assert re.search(rf"^{function}\s*(:[^=]*)?=", source, re.M), (check.name, function)
            else:
                assert f"def {function}(" in source or f"class {function}" in source, (check.name, function)


def test_find_names_what_exists():
    assert [c.name for c in registry.find("sum_of_squares_gradient")] == ["sum_of_squares_gradient"]
    assert registry.find("00") == registry.find("ex00_welcome")
    with pytest.raises(ValueError, match="Checks: "):
        registry.find("no_such_thing")
    with pytest.raises(ValueError, match="no lesson 42"):
        registry.all_checks(["42"])


def test_each_case_that_raises_becomes_its_own_failure_and_the_others_run():
    import types

    from bplab.grading import harness

    module = types.ModuleType("ex_demo")
    module.__file__ = __file__

    def run(k):
        if k == 2:
            raise IndexError("index 2 is out of bounds for axis 0 with size 2")
        return k * 10

    out = harness.each([1, 2, 3], run, module)
    assert out[0] == 10 and out[2] == 30 and "IndexError" in out[1]["raised"]
    with pytest.raises(IndexError):  # every case raising ends the check as before (one message)
        harness.each([2, 2], run, module)
    with pytest.raises(NotImplementedError):  # a stub is still "not attempted"
        harness.each([1], lambda k: (_ for _ in ()).throw(NotImplementedError()), module)
