"""What a notebook cell calls: load the learner's code, check it inline."""

from __future__ import annotations

from bplab.grading import registry, report, runner
from bplab.loader import impl_dir, load

__all__ = ["load", "check"]


class CheckReport(list):
    """The outcomes of an inline check; shown as a table in notebooks and terminals."""

    def _repr_html_(self):
        return report.html_table(self)

    def __repr__(self):
        return report.text_table(self)

    @property
    def passed(self):
        return all(o.status == "passed" for o in self)


def check(target, impl=None, timeout=None):
    """Run the checks of a lesson, module, function or check name, in the sandbox.

    Parameters
    ----------
    target : str
        ``"02"``, ``"ex02_mlp"``, ``"linear_backward"``.
    impl : str, optional
        ``"exercises"``, ``"solutions"`` or a folder; ``BPLAB_IMPL`` by default.

    Returns
    -------
    CheckReport
        A list of outcomes that displays as a table.
    """
    return CheckReport(runner.grade(registry.find(target), impl_dir(impl), timeout=timeout))
