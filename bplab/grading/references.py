"""Make bplab's own reference implementations unusable inside the child that runs a check.

A learner could answer ``linear_backward`` with ``from bplab.nn import
linear_backward``, an alias of it, or a thin wrapper that calls it (the
student edition ships ``bplab``). Comparing function objects or reading the
learner's code catches the first two only, and is easy to dodge. Instead, in
the child and before the learner's module is imported, :func:`poison` swaps
the code of every reference implementing a graded function for code that
raises :class:`ReferenceUsed` and records the call. Every route to the
reference (an alias, ``functools.partial``, a wrapper, a layer object whose
method calls it, a subclass) then runs the poisoned code. The grader's own
process keeps the real references for judging: the swap happens in the
forked child's copy of memory only.

References are found by name: a function or class in a ``bplab`` module
(grading, widgets, figures and labs aside) with the name of one of the
check's ``functions``; :data:`EXTRA` adds references with other names.

Detecting by tracing which code objects ran was measured as the
alternative: a ``sys.setprofile`` hook that looks each called code object up
in a set doubled the time of the course's ``produce`` calls (1.90 s -> 3.75 s
on the solutions, 1.7x to 2.2x per heavy check), and a learner can unhook it
as easily as undo this. Neither stops a learner who copies the reference's
source text into their file; that is plagiarism for a human to judge.
"""

from __future__ import annotations

import sys
import types

EXTRA = {
    "sgd_step": ("bplab.optim.sgd:SGD",),
    "sgd_momentum_step": ("bplab.optim.sgd:SGD",),
    "nesterov_step": ("bplab.optim.sgd:SGD",),
    "rmsprop_step": ("bplab.optim.rmsprop:RMSprop",),
    "adam_step": ("bplab.optim.adam:Adam",),
}
"""Graded function -> ``module:attribute`` references whose name differs from it."""

_SKIP = ("bplab.grading", "bplab.widgets", "bplab.figures", "bplab.labs", "bplab.notebook", "bplab.powered")
_GLOBAL = "__bplab_reference_used__"

USED = []
"""Names of the poisoned references that were called in this process."""


class ReferenceUsed(RuntimeError):
    """Raised by a poisoned reference: the learner's code called bplab's own implementation."""

    def __init__(self, where):
        super().__init__(f"calls bplab's own reference {where}: a graded function must be your own implementation")
        self.reference = where


def _raise(where):
    USED.append(where)
    raise ReferenceUsed(where)


def references(names):
    """``{qualified name: object}`` of the bplab references implementing ``names``."""
    found = {}
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("bplab.") or module_name.startswith(_SKIP) or module is None:
            continue
        for name in names:
            value = getattr(module, name, None)
            if isinstance(value, (types.FunctionType, type)) and str(getattr(value, "__module__", "")).startswith("bplab."):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    for name in names:
        for spec in EXTRA.get(name, ()):
            module_name, _, attribute = spec.partition(":")
            value = getattr(sys.modules.get(module_name), attribute, None)
            if value is not None:
                found[f"{module_name}.{attribute}"] = value
    return found


def poison(names):
    """Make every reference implementing ``names`` raise :class:`ReferenceUsed` when called; their names."""
    poisoned = []
    for where, value in references(names).items():
        functions = [value] if isinstance(value, types.FunctionType) else [
            getattr(member, "__func__", member) for member in vars(value).values()]
        for function in functions:
            if isinstance(function, types.FunctionType) and function.__closure__ is None:
                function.__globals__[_GLOBAL] = _raise
                function.__code__ = _poisoned_code(function.__name__, where)
        poisoned.append(where)
    return poisoned


def _poisoned_code(name, where):
    source = f"def {name}(*args, **kwargs):\n    {_GLOBAL}({where!r})\n"
    namespace = {}
    exec(compile(source, f"<bplab reference {where}>", "exec"), namespace)
    return namespace[name].__code__


def used():
    """The first reference called in this process, or ``""``."""
    return USED[0] if USED else ""
