"""Lesson 07's staged conv backward: the loop versions students write wrong, each named by the check.

Each mistake is the solution's loop with one line changed as a student would change it; the module is graded
through the sandbox like a submission, and the feedback must name the mistake.
"""

import pytest

from bplab.grading import registry, runner
from tests.paths import SOLUTIONS

SOURCE = (SOLUTIONS / "ex07_convolutions.py").read_text()

# description: (line of the solution, the student's line, words the feedback must contain)
MISTAKES = {
    "dx assigned where windows overlap": (
        "dxp[i, :, rows, cols] += g * W[k]", "dxp[i, :, rows, cols] = g * W[k]", "overlap"),
    "dW assigned at each position": (
        "dW[k] += g * xp[i, :, rows, cols]", "dW[k] = g * xp[i, :, rows, cols]", "SUM over positions"),
    "stride ignored": (
        "rows = slice(p * stride, p * stride + kh)\n                    cols = slice(q * stride, q * stride + kw)",
        "rows = slice(p, p + kh)\n                    cols = slice(q, q + kw)", "stride ignored"),
    "padding not cropped": (
        "return dxp[:, :, pad:pad + h, pad:pad + w], dW, db", "return dxp, dW, db", "padding not cropped"),
    "db averaged over the batch": (
        "db[k] += g\n", "db[k] += g / n\n", "batch"),
    "dx sign flipped": (
        "dxp[i, :, rows, cols] += g * W[k]", "dxp[i, :, rows, cols] -= g * W[k]", "sign"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_loses_the_points_and_is_named(name, tmp_path):
    right, wrong, words = MISTAKES[name]
    assert SOURCE.count(right) == 1, f"the solution no longer contains {right!r}"
    (tmp_path / "ex07_convolutions.py").write_text(SOURCE.replace(right, wrong))
    [outcome] = runner.grade(registry.find("conv2d_backward_staged"), tmp_path)
    assert outcome.status == "failed" and outcome.score == 0, outcome
    shown = outcome.diagnosis + " " + outcome.message
    assert words in shown, f"{name}: the learner sees {shown!r}"
