"""Calling the learner's functions inside the child (used by ``Check.produce``)."""

from __future__ import annotations

import contextlib
import copy
import os
import re

import numpy as np

_BROADCAST = re.compile(r"operands could not be broadcast together with (?:remapped )?shapes? (.*)")
_EINSUM = re.compile(r"size of label '(\w)' for operand (\d+) \((\d+)\) does not match previous terms \((\d+)\)")
_MATMUL = re.compile(r"matmul: Input operand \d+ has a mismatch in its core dimension")
_MATMUL_SIZES = re.compile(r"\(size (\d+) is different from (\d+)\)")
_KEY_ERROR = re.compile(r"KeyError: ('[^']*'|\"[^\"]*\"|\d+)$")
_FLOAT_AS_INT = "'float' object cannot be interpreted as an integer"
_ALIGNED = re.compile(r"shapes (\(.*?\)) and (\(.*?\)) not aligned")


_RESHAPE = re.compile(r"cannot reshape array of size (\d+) into shape (\(.*?\))")
_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")
_RENAMED = {"_prev": "children", "prev": "children", "_op": "op", "value": "data", "val": "data",
            "gradient": "grad"}
_INDEX = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")


def explain_text(message):
    """``message`` with numpy's broadcasting or matrix-product error text retold as a sentence about shapes.

    Used on error messages that reach the learner (``"line 12 in f: ValueError: operands could not ..."``).
    """
    index = _INDEX.search(message)
    if index:
        start = message.rfind(": ", 0, index.start())
        value, axis, size = index.groups()
        return (message[:start + 2] if start >= 0 else "") + (
            f"an index goes past the end of an array: index {value} on axis {axis}, whose size is {size}; check "
            "how the indices are computed (window position times stride, offsets inside a window, the output size)")
    attribute = _ATTRIBUTE.search(message)
    if attribute:
        start = message.rfind(": ", 0, attribute.start())
        kind, name = attribute.groups()
        if kind in ("tuple", "list"):
            advice = (f"a {kind} was used where an array was expected (.{name}): unpack it first, for example a "
                      "cache or a function's (out, cache) result")
        elif name in _RENAMED:
            advice = f"{kind} has no .{name}: the attribute is called .{_RENAMED[name]} here"
        else:
            advice = f"{kind} has no attribute .{name}: check the name (and the type of the object)"
        return (message[:start + 2] if start >= 0 else "") + advice
    if _FLOAT_AS_INT in message:
        start = message.find(_FLOAT_AS_INT)
        return message[:start] + (
            "a float was used where an integer is needed (a shape, a range, an index): / always gives a float, "
            "even for whole numbers; use // (or int(...))")
    key = _KEY_ERROR.search(message)
    if key:
        return message[:key.end()] + (
            f": the dict has no key {key.group(1)}: check the key's spelling where the dict is read and where it is "
            "filled (a state or cache from an earlier call must hold it)")
    if "inhomogeneous" in message or "setting an array element with a sequence" in message:
        start = message.rfind(": ", 0, message.find("setting an array element") if "setting an array element"
                              in message else message.find("inhomogeneous"))
        return (message[:start + 2] if start >= 0 else "") + (
            "an array was put where one number goes, or arrays of different shapes were stacked into one: reduce "
            "each to a number first (float(...), np.linalg.norm(M) without axis) or handle a list of arrays one "
            "by one (sum(np.sum(g ** 2) for g in grads))")
    reshape = _RESHAPE.search(message)
    if reshape:
        start = message.rfind(": ", 0, reshape.start())
        return (message[:start + 2] if start >= 0 else "") + (
            f"cannot reshape {reshape.group(1)} entries into shape {reshape.group(2)}: the sizes do not divide as "
            "the reshape assumes (windows that overlap, or a size that is not a multiple); print the shapes")
    for marker in ("operands could not be broadcast", "matmul: Input operand", "not aligned", "size of label"):
        start = message.find(marker)
        if start >= 0:
            sentence = explain(ValueError(message))
            cut = message.rfind(": ", 0, start)  # keep "line 12 in f: ValueError: "
            return (message[:cut + 2] if cut >= 0 else "") + sentence if sentence else message
    return message


def _lost_axis(shapes):
    """The sentence when the shapes show which axis is off, else ''.

    One shape the other without its last axis ("(6,4) (6,)") is a reduction that lost its axis (keepdims); a
    vector set on an earlier axis ("(5,3) (3,1)") whose size is the other's last axis belongs on that last axis.

    numpy lines shapes up from the right, so a row statistic of shape (N,) meets an (N, C) array at its C axis:
    the reduction dropped the axis that would have let it broadcast.
    """
    found = re.findall(r"\(([\d,\s]*)\)", shapes)
    if len(found) != 2:
        return ""
    a, b = ([int(v) for v in part.split(",") if v.strip()] for part in found)
    for big, small in ((a, b), (b, a)):
        values = [k for k in small if k != 1]
        if len(big) >= 2 and len(values) == 1 and small[-1] == 1 and big[-1] == values[0] != big[-2]:
            return (f"the {tuple(small)} array has its {values[0]} values on an earlier axis, the {tuple(big)} one on "
                    "its last: numpy lines shapes up from the right, so they belong on the last axis (drop the "
                    "[:, None])")
        if len(big) >= 2 and small == big[:-1] and big[-1] != big[-2]:
            return (f"the {tuple(small)} array looks like a reduction over the last axis of the {tuple(big)} one that "
                    "lost that axis: keep it with keepdims=True (or index [:, None]) so each row's value meets its row")
    return ""


def explain(error):
    """A sentence about shapes for numpy's broadcasting and matrix-product errors, else None.

    Parameters
    ----------
    error : BaseException

    Returns
    -------
    str or None
    """
    text = str(error)
    match = _BROADCAST.search(text)
    if match:
        shapes = match.group(1).strip().rstrip(".")
        lost = _lost_axis(shapes)
        if lost:
            return f"shapes do not fit: numpy cannot combine arrays of shapes {shapes} element by element; {lost}"
        return (f"shapes do not fit: numpy cannot combine arrays of shapes {shapes} element by element; "
                "print the shapes of what you combine: a sum over an axis that is missing, a wrong axis, or an "
                "index that needs None to line up (b[None, :, None, None]) is the usual cause")
    match = _EINSUM.search(text)
    if match:
        label, operand, got, before = match.groups()
        return (f"shapes do not fit in an einsum: axis '{label}' has size {got} in operand {operand} but {before} "
                "before; print the shapes you pass (is an axis padded, transposed or taken from the wrong array?)")
    if _MATMUL.search(text) or _ALIGNED.search(text):
        detail = _ALIGNED.search(text)
        shapes = f" ({detail.group(1)} @ {detail.group(2)})" if detail else ""
        sizes = _MATMUL_SIZES.search(text)
        inner = f" (here {sizes.group(2)} and {sizes.group(1)})" if sizes else ""
        return (f"shapes do not fit in a matrix product{shapes}: the inner sizes must agree{inner}; "
                "is a transpose (.T) missing or misplaced, or are the two factors in the wrong order "
                "(A @ B is not B @ A)? Print the shapes of both factors")
    return None


@contextlib.contextmanager
def explained_errors():
    """Retell numpy's shape errors raised in the learner's code as a sentence about shapes.

    The same exception is re-raised (its traceback still points at the
    learner's line); only its message changes.
    """
    try:
        yield
    except ValueError as error:
        sentence = explain(error)
        if sentence is not None and not str(error).startswith("shapes do not fit"):
            error.args = (sentence,)
        raise


def _snapshot(value, depth=0, leaves=False):
    """Copies of the arrays inside ``value`` (through tuples, lists and dicts), for a later comparison.

    Other leaves become None (not compared), or are kept as they are when ``leaves``.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if depth < 4 and isinstance(value, tuple):
        return tuple(_snapshot(v, depth + 1, leaves) for v in value)
    if depth < 4 and isinstance(value, list):
        return [_snapshot(v, depth + 1, leaves) for v in value]
    if depth < 4 and isinstance(value, dict):
        return {k: _snapshot(v, depth + 1, leaves) for k, v in value.items()}
    return value if leaves else None


NOTES = []  # in the sandbox's child: what the source of the functions called shows (tracebacks.notes)


def _take_note(fn):
    from bplab.grading import tracebacks

    note = tracebacks.notes(fn)
    if note and note not in NOTES:
        NOTES.append(note)


def _signature_note(fn, names, count):
    """The note when ``fn``'s parameters are the documented names in another order (``def d_power(n, x)``)."""
    import inspect

    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()][:count]
    except (TypeError, ValueError):
        return ""
    want = list(names or ())[:count]
    if len(want) == len(params) == count >= 2 and sorted(params) == sorted(want) and params != want:
        name = getattr(fn, "__name__", "the function")
        moved = [w for w, p in zip(want, params) if w != p]
        how = f"{moved[0]} and {moved[1]} are swapped" if len(moved) == 2 else "its parameters are in another order"
        return (f"{name}'s {how}: it takes ({', '.join(params)}), but the exercise calls it as {name}({', '.join(want)}) (the "
                f"documented order): the arguments land in the wrong parameters; write def {name}({', '.join(want)})")
    return ""


def take_notes():
    """The notes gathered by :func:`call` since the last time, for the reply to the grader."""
    found = NOTES[:]
    NOTES.clear()
    return found


def attempt(action, module):
    """``action()``, or ``{"raised": "line 12 in f: IndexError: ..."}`` when the learner's code raises.

    The marker holds the same description an exception ending the whole check gets (``sandbox._describe``: the
    learner's line, its shapes); :func:`bplab.gradcheck.raised` turns it into that case's failed verdict.
    ``NotImplementedError`` ("not attempted"), ``MemoryError`` and ``RecursionError`` still end the check.

    Parameters
    ----------
    action : callable
        Runs one case (its ``call(...)`` witness lines included).
    module : module
        The learner's module (its file is where the description points).
    """
    try:
        return action()
    except (NotImplementedError, MemoryError, RecursionError):
        raise
    except Exception as error:  # noqa: BLE001 - one case's error; the others are still judged
        from bplab.grading.sandbox import _describe

        return {"raised": _describe(error, os.path.abspath(getattr(module, "__file__", "") or ""))}


def each(items, run, module):
    """``[run(item) for item in items]``, a case that raises becoming its own marker (:func:`attempt`).

    An exception raised in only some cases (an index error only at stride 2) then fails those cases while the
    cases that ran are still compared and diagnosed. When every case raises, the first exception ends the check as
    before (one message, the first case's).

    Returns
    -------
    list
        One result or marker per item.
    """
    out, first = [], None
    for item in items:
        try:
            out.append(run(item))
        except (NotImplementedError, MemoryError, RecursionError):
            raise
        except Exception as error:  # noqa: BLE001
            first = first or error
            out.append(attempt(lambda error=error: _reraise(error), module))
    if first is not None and all(isinstance(o, dict) and "raised" in o for o in out):
        raise first
    return out


def _reraise(error):
    raise error


LAST_RETURNED = []
"""``[fn, result]`` of the last :func:`call`, so that a check unpacking a learner's result into the wrong number of
values can say what the learner's function returned (``tracebacks``)."""


def call(fn, *args, names=None, repeat=False):
    """Call ``fn(*args)`` on copies; the result, and a witness of what the call did to its arguments.

    Top-level arrays are passed as fresh copies, so that one call cannot spoil
    the inputs of the next. Arrays *inside* a tuple, list or dict argument (a
    cache) are passed as they are: a backward pass that writes into its cache
    gives a different answer the second time it is called on it.

    The child reports data, not a verdict: the judge, in the grading process,
    compares the witness's arguments after the call with the inputs it
    regenerates itself (:func:`bplab.grading.in_place.not_modified`).

    Parameters
    ----------
    fn : callable
        The learner's function.
    *args
        Its arguments.
    names : tuple of str, optional
        Names of the arguments for the report; ``arg0, arg1, ...`` by default
        (and for arguments beyond the names given).
    repeat : bool
        Call ``fn`` a second time on the same arguments (after restoring the
        top-level arrays), and put both results in the witness.

    Returns
    -------
    result : object
        What ``fn`` returned (the first call's).
    witness : dict
        See :func:`witness`.
    """
    _take_note(fn)
    order = _signature_note(fn, names, len(args))
    if order and order not in NOTES:
        NOTES.insert(0, order)
    passed = [a.copy() if isinstance(a, np.ndarray) else copy.copy(a) for a in args]
    before = [_snapshot(a) for a in args]
    with explained_errors():
        result = fn(*passed)
    LAST_RETURNED[:] = [fn, result]  # for tracebacks: the check's own unpacking of it may fail next
    seen = witness(names, passed, before)
    if repeat:
        again_args = [a.copy() if isinstance(a, np.ndarray) else p for a, p in zip(args, passed)]
        first = _snapshot(result, leaves=True)
        try:
            with explained_errors():
                seen["again"] = {"first": first, "second": _snapshot(fn(*again_args), leaves=True)}
        except Exception as error:  # noqa: BLE001 - the first call worked: the cache is what changed
            seen["again"] = {"raised": type(error).__name__}
    return result, seen


def witness(names, after, before=None):
    """What a call did to its arguments, as plain data for the judge (built in the child).

    Parameters
    ----------
    names : sequence of str or None
        Names of the arguments; ``arg0, arg1, ...`` beyond those given.
    after : sequence
        The arguments as the learner's function left them (the objects it received).
    before : sequence, optional
        The arguments as they were before the call. The judge reads them only
        for arguments it cannot regenerate itself (a cache built by the
        learner's forward); every other argument is compared with its own copy.

    Returns
    -------
    dict
        ``{"names": [...], "after": [...], "before": [...] or None, "again": None}``;
        arrays are copied through tuples, lists and dicts (four levels), other leaves become None.
        :func:`call` sets ``"again"`` for a call made twice on the same cache:
        ``{"first": result, "second": result}``, or ``{"raised": exception type name}``.
    """
    names = list(names or ())[:len(after)]
    names += [f"arg{i}" for i in range(len(names), len(after))]
    return {"names": names, "after": [_snapshot(a) for a in after],
            "before": None if before is None else [_snapshot(b) for b in before], "again": None}
