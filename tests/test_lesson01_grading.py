"""Lesson 01's checks: full marks for the solutions, "not attempted" for the stubs, useful diagnoses for mistakes."""

import re
import shutil
from pathlib import Path

import pytest

from bplab.grading import registry, runner

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "solutions" / "ex01_chain_rule.py").read_text()


@pytest.fixture(scope="module")
def checks():
    return registry.checks_of("01")


def grade_source(tmp_path, source, checks):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex01_chain_rule.py").write_text(source)
    return {o.check.name: o for o in runner.grade(checks, folder)}


def test_solutions_get_full_marks(checks):
    outcomes = runner.grade(checks, ROOT / "solutions")
    assert [o.status for o in outcomes] == ["passed"] * len(checks), [o.message for o in outcomes]
    assert sum(o.score for o in outcomes) == sum(c.points for c in checks) == 17
    assert sum(c.points for c in checks if c.kind == "exercise") == 12  # and 5 graded predictions


def test_stubs_are_not_attempted(checks, tmp_path):
    folder = tmp_path / "stubs"
    folder.mkdir()
    shutil.copy(ROOT / "exercises" / "ex01_chain_rule.py", folder)
    outcomes = runner.grade(checks, folder)
    assert {o.status for o in outcomes} == {"not attempted"}, [o.message for o in outcomes]


def test_a_value_that_overwrites_gradients_is_diagnosed(checks, tmp_path):
    overwriting = re.sub(r"\.grad \+= ", ".grad = ", SOLUTION)  # every backward rule assigns instead of adding
    assert overwriting != SOLUTION
    outcomes = grade_source(tmp_path, overwriting, checks)
    add_mul = outcomes["value_add_mul"]
    assert add_mul.status == "failed"
    assert add_mul.diagnosis.startswith("gradient overwritten instead of accumulated: x is used more than once")
    assert "self.grad += ..." in add_mul.diagnosis
    assert "x * x: d/dx" in add_mul.message  # the simplest case is reported first: x instead of 2x
    assert outcomes["local_derivatives"].status == outcomes["staged_fanout"].status == "passed"


def test_a_recursive_topological_sort_fails_only_the_deep_chain(checks, tmp_path):
    start = SOLUTION.index("        order, visited, stack = [], set(), [(self, False)]")
    end = SOLUTION.index("        self.grad = 1.0\n", start)
    recursive = SOLUTION[:start] + (
        "        order, visited = [], set()\n\n"
        "        def build(v):\n"
        "            if v not in visited:\n"
        "                visited.add(v)\n"
        "                for child in v.children:\n"
        "                    build(child)\n"
        "                order.append(v)\n\n"
        "        build(self)\n") + SOLUTION[end:]
    outcomes = grade_source(tmp_path, recursive, checks)
    failed = [name for name, o in outcomes.items() if o.status != "passed"]
    assert failed == ["value_deep_chain"]
    assert "explicit stack" in outcomes["value_deep_chain"].diagnosis


def test_a_staged_backward_that_drops_a_use_of_x_is_diagnosed(checks, tmp_path):
    wrong = SOLUTION.replace("dx = dx + dnum", "dx = dx")
    outcomes = grade_source(tmp_path, wrong, checks)
    staged = outcomes["staged_fanout"]
    assert staged.status == "failed"
    assert "x is used 3 times" in staged.diagnosis and "sigmoid(x) and x + y" in staged.diagnosis


def test_partial_work_is_graded_part_by_part(checks, tmp_path):
    stub = (ROOT / "exercises" / "ex01_chain_rule.py").read_text()
    written = stub.replace(
        "            raise NotImplementedError('add_backward: not written yet. "
        "Read notebook 01, section \"7. An autodiff engine\".')",
        "            self.grad += out.grad\n            other.grad += out.grad").replace(
        "            raise NotImplementedError('mul_backward: not written yet. "
        "Read notebook 01, section \"7. An autodiff engine\".')",
        "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad")
    marker = "        raise NotImplementedError('backward: not written yet."
    start = written.index(marker)
    end = written.index("\n", start)
    body_start = SOLUTION.index("        order, visited, stack")
    body_end = SOLUTION.index("        ### END SOLUTION", body_start)
    written = written[:start] + SOLUTION[body_start:body_end].rstrip("\n") + written[end:]
    outcomes = grade_source(tmp_path, written, checks)
    assert outcomes["value_add_mul"].status == "passed"
    assert outcomes["value_pow_sub_div"].status == "failed"  # -x * y works already; the others need **
    assert "pow_backward: not written yet" in outcomes["value_pow_sub_div"].diagnosis
    assert outcomes["value_unary"].status == "not attempted"
