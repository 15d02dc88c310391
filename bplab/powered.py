"""Run demos on the learner's code once it passes its checks ("powered by your code")."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from bplab.grading import registry, runner
from bplab.loader import impl_dir, load

_cache = {}


@dataclass
class Choice:
    """Which implementation a demo runs.

    Attributes
    ----------
    ops : namespace
        The functions to call.
    by_learner : bool
    label : str
        Shown by the widget: whose code powers it, and why.
    """

    ops: object
    by_learner: bool
    label: str


def choose(module_name, check_names, reference, impl=None):
    """The learner's functions when the named checks all pass, else ``reference``.

    Parameters
    ----------
    module_name : str
        ``"ex02_mlp"``.
    check_names : list of str
        Checks that must pass, e.g. ``["linear_backward", "relu_backward"]``.
    reference : module or namespace
        Provides the same function names (``bplab.nn``).

    Returns
    -------
    Choice
    """
    folder = impl_dir(impl)
    path = folder / f"{module_name}.py"
    try:
        stamp = (str(path), path.stat().st_mtime_ns, tuple(check_names))
    except FileNotFoundError:
        return Choice(reference, False, f"reference implementation ({path.name} not found)")
    if stamp not in _cache:
        checks = [c for c in registry.all_checks() if c.name in check_names]
        outcomes = runner.grade(checks, folder)
        failing = [o.check.name for o in outcomes if o.status != "passed"]
        _cache[stamp] = failing
    failing = _cache[stamp]
    if failing:
        return Choice(reference, False, "reference implementation (yours takes over when "
                      + ", ".join(failing) + " pass" + ("es" if len(failing) == 1 else "") + ")")
    learner = load(module_name, impl)
    names = [n for n in dir(reference) if not n.startswith("_")]
    ops = SimpleNamespace(**{n: (getattr(learner, n) if hasattr(learner, n) else getattr(reference, n)) for n in names})
    return Choice(ops, True, "powered by your code")
