"""Lesson 05's staged batch-norm backward: the slips students make, each named by the check.

Each mistake is the solution with one line changed as a student would change it; the module is graded
through the sandbox like a submission, and the feedback must name the mistake. Also here: the staged
exercise does not hand over the closed form it leads to.
"""

import re

import nbformat
import pytest

from bplab.grading import registry, runner
from tests.paths import EXERCISES, NOTEBOOKS, SOLUTIONS

SOURCE = (SOLUTIONS / "ex05_regularization.py").read_text()

# description: (line of the solution, the student's line, words the feedback must contain)
MISTAKES = {
    "xc's branch through var forgotten": (
        "dxc = dx_hat * inv_std + dvar * 2.0 * xc / n", "dxc = dx_hat * inv_std", "branch through var"),
    "x's branch through mu forgotten": ("dx = dxc + dmu / n", "dx = dxc", "branch through mu"),
    "the mean's 1/N left out of mu's branch": ("dx = dxc + dmu / n", "dx = dxc + dmu", "not dmu"),
    "N - 1 in the variance's derivative": (
        "dxc = dx_hat * inv_std + dvar * 2.0 * xc / n", "dxc = dx_hat * inv_std + dvar * 2.0 * xc / (n - 1)",
        "2 xc / N"),
    "the -1/2 of the power rule dropped": (
        "dvar = dinv_std * -0.5 * (var + eps) ** -1.5", "dvar = dinv_std * (var + eps) ** -1.5", "-1/2"),
    "the power rule's exponent not lowered": (
        "dvar = dinv_std * -0.5 * (var + eps) ** -1.5", "dvar = dinv_std * -0.5 * (var + eps) ** -0.5", "power"),
    "gamma forgotten": ("dx_hat = dout * gamma", "dx_hat = dout", "gamma"),
    "x instead of xc": ("dinv_std = (dx_hat * xc).sum(axis=0)", "dinv_std = (dx_hat * x).sum(axis=0)", "centred"),
    "mu's minus sign dropped": ("dmu = -dxc.sum(axis=0)", "dmu = dxc.sum(axis=0)", "MINUS"),
    "mu's gradient not summed over the broadcast": ("dmu = -dxc.sum(axis=0)", "dmu = -dxc", "shape"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_loses_the_points_and_is_named(name, tmp_path):
    right, wrong, words = MISTAKES[name]
    assert SOURCE.count(right) == 1, f"the solution no longer contains {right!r}"
    (tmp_path / "ex05_regularization.py").write_text(SOURCE.replace(right, wrong))
    [outcome] = runner.grade(registry.find("batchnorm_backward_staged"), tmp_path)
    assert outcome.status == "failed" and outcome.score == 0, outcome
    shown = outcome.diagnosis + " " + outcome.message
    assert words in shown, f"{name}: the learner sees {shown!r}"


# The closed form's tell-tale pieces: "N g_i - sum_j g_j - x_hat_i sum_j g_j x_hat_j", in LaTeX or numpy.
CLOSED_FORM = [re.compile(p) for p in (r"N\s*g_i", r"n\s*\*\s*g\s*-", r"g\.sum\(axis=0\)\s*-\s*x_hat",
                                        r"\\hat x_i\\sum_j")]


def test_the_stub_and_the_text_before_the_staged_exercise_do_not_state_the_closed_form():
    stub = (EXERCISES / "ex05_regularization.py").read_text()
    assert not [p.pattern for p in CLOSED_FORM if p.search(stub)]
    cells = nbformat.read(NOTEBOOKS / "05_regularization.ipynb", as_version=4).cells
    staged = next(i for i, c in enumerate(cells) if c.source.strip() == 'check("batchnorm_backward_staged")')
    before = "\n".join(c.source for c in cells[:staged])
    assert not [p.pattern for p in CLOSED_FORM if p.search(before)]
    # The closed form is still there for the stuck learner: after the staged check, folded in a hint.
    after = "\n".join(c.source for c in cells[staged:])
    assert any(p.search(after) for p in CLOSED_FORM) and "<details>" in after
