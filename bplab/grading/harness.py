"""Calling the learner's functions inside the child (used by ``Check.produce``)."""

from __future__ import annotations

import copy

import numpy as np


def call(fn, *args, names=None):
    """Call ``fn(*args)`` on copies and report which inputs it changed in place.

    Parameters
    ----------
    fn : callable
        The learner's function.
    *args
        Its arguments; arrays are passed as fresh copies so that one call cannot
        spoil the inputs of the next.
    names : tuple of str, optional
        Names of the arguments for the report; ``arg0, arg1, ...`` by default.

    Returns
    -------
    result : object
        What ``fn`` returned.
    modified : list of str
        Names of the array arguments whose values changed during the call.
    """
    names = names or tuple(f"arg{i}" for i in range(len(args)))
    passed = [a.copy() if isinstance(a, np.ndarray) else copy.copy(a) for a in args]
    kept = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    result = fn(*passed)
    modified = [name for name, before, after in zip(names, kept, passed)
                if before is not None and not (isinstance(after, np.ndarray) and after.shape == before.shape
                                               and np.array_equal(after, before, equal_nan=True))]
    return result, modified
