"""Whether the learner's function changed its arguments: judged from what the child saw, never from its word.

:func:`bplab.grading.harness.call` runs the learner's function in the grading
child and sends back a *witness* per call (the arguments as the function left
them; for a cache built by the learner's own forward, copies from before and
after the call and both results of a repeated call). :func:`not_modified`, in
the grading process, compares them with the inputs the judge regenerates
itself from the check's seed.
"""

from __future__ import annotations

import numpy as np

from bplab.gradcheck import _modified_verdict, verdict


class Cache:
    """Stands, in :func:`not_modified`'s ``inputs``, for an argument the judge cannot regenerate.

    A cache is built by the learner's own forward pass, so the judge compares
    the witness's copies of it from before and after the call.

    Parameters
    ----------
    repeat : bool
        The call on it was made twice (``call(..., repeat=True)``): the two
        results must agree.
    """

    def __init__(self, repeat=False):
        self.repeat = repeat

    def __repr__(self):
        return f"Cache(repeat={self.repeat})"


def not_modified(witness, inputs):
    """A result that fails when the learner's code changed an input in place.

    Runs in the grading process. The child reports what it saw (a witness per
    call, from :func:`bplab.grading.harness.call`), never a verdict: the
    arguments after each call are compared here with the inputs the judge
    regenerated itself. A witness that is missing or malformed fails, so a
    child that claims "nothing changed" without the arrays does not pass.

    What this does not close: the child runs the learner's code, so a
    submission that patches the grader there can still send a witness holding
    untouched inputs. To have them it must copy the inputs before its function
    writes into them (or regenerate them from the check's seed): the very copy
    the honest fix makes (``x = x.copy()``), made in patched grader code
    instead of in its own function, which is more work than the fix. What is
    closed is the bare claim: an empty list of names, or a witness without the
    arrays, fails. For a cache (:class:`Cache`) the judge has no copy of its
    own: the copies from before and after the call, and the two results of a
    repeated call, are the child's word, forgeable the same way (by copying
    the cache before the call).

    Parameters
    ----------
    witness : list of dict, or anything else (which fails)
        One witness per call, in the order the calls were made.
    inputs : list of tuple
        For each call, its arguments as the judge regenerates them; a
        :class:`Cache` for an argument built by the learner's own code.

    Returns
    -------
    GradCheckResult
        Named "inputs unchanged"; a failure names the argument (``x``,
        ``cache[0]``, ``cache['x']``) that changed.
    """
    changed, problem = [], _witness_problem(witness, inputs)
    if problem:
        return verdict("inputs unchanged", False, f"no usable record of the call's inputs came back ({problem})",
                       "the grader could not see the inputs after the call, so it cannot tell they are unchanged: "
                       "was the grader's own code (harness.call) replaced?")
    for seen, args in zip(witness, inputs):
        names = seen["names"] if _is_names(seen.get("names"), len(args)) else [f"arg{i}" for i in range(len(args))]
        for i, (name, expected) in enumerate(zip(names, args)):
            before = seen["before"][i] if isinstance(expected, Cache) else expected
            changed += _changes(name, before, seen["after"][i])
            if isinstance(expected, Cache) and expected.repeat:
                again = seen["again"]
                if isinstance(again.get("raised"), str):
                    changed.append(f"{name} (a second call on it raised {again['raised']})")
                elif not same_values(again["first"], again["second"]):
                    changed.append(f"{name} (a second call on it gave another result)")
    return _modified_verdict(list(dict.fromkeys(changed)))  # each name once, however many calls changed it


def _is_names(names, count):
    return isinstance(names, list) and len(names) == count and all(isinstance(n, str) for n in names)


def _witness_problem(witness, inputs):
    """Why ``witness`` cannot be read against ``inputs`` (a short phrase), or '' when it can."""
    if not isinstance(witness, list) or len(witness) != len(inputs):
        count = len(witness) if isinstance(witness, list) else 0
        return f"{count} call record(s) for {len(inputs)} call(s)"
    for k, (seen, args) in enumerate(zip(witness, inputs)):
        where = f"call {k + 1}"
        if not isinstance(seen, dict) or not isinstance(seen.get("after"), list) or len(seen["after"]) != len(args):
            return f"{where}: no arguments after the call"
        caches = [i for i, a in enumerate(args) if isinstance(a, Cache)]
        if caches and not (isinstance(seen.get("before"), list) and len(seen["before"]) == len(args)):
            return f"{where}: no copy of the cache before the call"
        again = seen.get("again")
        if any(args[i].repeat for i in caches) and not (
                isinstance(again, dict) and (isinstance(again.get("raised"), str)
                                             or {"first", "second"} <= again.keys())):
            return f"{where}: no results of the second call"
    return ""


def _changes(name, before, after, depth=0):
    """Names of the arrays (``x``, ``cache[0]``, ``cache['x']``) in ``after`` that differ from ``before``.

    Tuples and lists match each other (the witness crosses JSON, which has only lists); leaves of
    ``before`` other than arrays are not compared.
    """
    if isinstance(before, np.ndarray):
        same = isinstance(after, np.ndarray) and after.shape == before.shape \
            and np.array_equal(after, before, equal_nan=True)
        return [] if same else [name]
    if depth > 4:
        return []
    if isinstance(before, (tuple, list)):
        if not isinstance(after, (tuple, list)) or len(after) != len(before):
            return [name]
        return [c for i, (b, a) in enumerate(zip(before, after)) for c in _changes(f"{name}[{i}]", b, a, depth + 1)]
    if isinstance(before, dict):
        if not isinstance(after, dict):
            return [name]
        return [c for k, b in before.items()
                for c in (_changes(f"{name}[{k!r}]", b, after.get(k), depth + 1) if k in after else [f"{name}[{k!r}]"])]
    return []


def same_values(a, b):
    """Whether two results (arrays, numbers, and tuples/lists/dicts of them) are equal, NaN equal to NaN."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            a, b = np.asarray(a), np.asarray(b)
            return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        except (TypeError, ValueError):
            return False
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:  # noqa: BLE001 - an object without a usable ==: cannot tell, say same
        return True
