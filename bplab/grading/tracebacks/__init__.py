"""An exception in the learner's code, told in terms of their code: the line, what it tried, with which shapes.

:func:`describe` is called in the sandbox's child (``sandbox._describe``) while the traceback's frames are still
alive: it reads the failing line of the learner's file, finds the expression that raised (Python's column
positions), looks up the values of the names it uses in that frame, and writes one or two sentences from the
exception's type, the expression's kind (a matrix product, an element-wise operation, an unpacking, an index, a
call) and what the learner's own file declares (the docstrings' parameter and return names and shapes, the
cache a forward function builds). It never re-runs the learner's code: only names, ``.T``, ``.shape`` and
constant indices are evaluated, on plain arrays, numbers and containers, so nothing the learner wrote is called.

It returns None when it has nothing better to say than the exception's own text.

The parts: :mod:`.reading` (frames, line, values), :mod:`.declared` (what the file declares, source
notes), :mod:`.shapes` and :mod:`.calls` (the families of errors).
"""

from __future__ import annotations

import ast

import numpy as np

from bplab.grading.tracebacks.calls import (
    _argument_order,
    _arguments,
    _container_misuse,
    _generator_method,
    _key_error,
    _missing_method,
    _name_error,
    _returned_count,
    _unpacking,
)
from bplab.grading.tracebacks.declared import _order_problems, notes
from bplab.grading.tracebacks.reading import (
    _any_frame,
    _cut,
    _enclosing,
    _expression,
    _frames,
    _names_shown,
    _position,
    _quote,
    _Source,
    _statement,
)
from bplab.grading.tracebacks.shapes import (
    _SLOT_ERROR,
    _assignment,
    _axis_error,
    _elementwise,
    _index_error,
    _matmul,
    _padding,
    _unindexed,
)


def describe(error, path):
    """A sentence about ``error`` in terms of the learner's line, or None when there is nothing better to say.

    Parameters
    ----------
    error : BaseException
        Raised by the learner's code (its traceback still holds the frames).
    path : str
        The learner's file (absolute).

    Returns
    -------
    str or None
        The sentence, without the ``"line N in f: Type:"`` prefix.
    """
    try:
        return _describe(error, path)
    except Exception:  # noqa: BLE001 - the description must never hide the error itself
        return None


def _describe(error, path):
    frames = _frames(error, path)
    if not frames:
        if isinstance(error, (ValueError, TypeError)) and "unpack" in str(error):
            return _returned_count(error, path)
        if isinstance(error, TypeError):
            source = _Source(path, _any_frame(error))
            return _arguments(error, None, source) if source.tree is not None else None
        return None
    frame, lineno, lasti = frames[-1]
    source = _Source(path, frame)
    if source.tree is None:
        return None
    function = source.functions.get(frame.f_code.co_name) or _enclosing(source, lineno)
    if function is None:
        return None
    swapped = _argument_order(frames, source) or next(
        (found for f, _, _ in reversed(frames) if (fn := source.functions.get(f.f_code.co_name)) is not None
         for found in [_order_problems(fn, source)] if found), "")
    if swapped:
        return _cut(swapped)
    statement = _statement(function, lineno)
    node = _expression(statement, _position(frame, lasti))
    text = None
    if isinstance(error, NameError):
        text = _name_error(error, statement, function, frame, source)
    elif isinstance(error, KeyError):
        text = _key_error(error, node, frame, source)
    elif isinstance(error, np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError):
        text = _axis_error(error, node, frame, source)
    elif isinstance(error, IndexError):
        text = _index_error(error, node, function, frame, source)
    elif isinstance(error, TypeError):
        text = _arguments(error, node, source, frame) or (_container_misuse(node, frame, source, function)
                                                   if node is not None else None)
    elif isinstance(error, AttributeError):
        text = (_container_misuse(node, frame, source, function) or _missing_method(node, frame, source)
                or _generator_method(node, frame, source)) if node is not None else None
    elif isinstance(error, ValueError):
        if "unpack" in str(error):
            text = _unpacking(error, node, statement, function, frame, source)
        elif _SLOT_ERROR.search(str(error)):
            text = _assignment(error, statement, source)
        elif node is not None:
            text = (_padding(statement, function, frame, source) or _unindexed(node, statement, error, frame, source)
                    or _matmul(node, statement, function, frame, source) or _elementwise(node, function, frame, source)
                    or _container_misuse(node, frame, source, function, direct=True))
            if text is None and any(w in str(error) for w in ("broadcast", "matmul", "aligned", "shapes do not fit")):
                from bplab.grading.harness import explain

                told = str(error) if str(error).startswith("shapes do not fit") else explain(error) or str(error)
                text = f"{_quote(source.segment(node))}: {told}"
    if text is None and isinstance(error, (ValueError, IndexError)):  # (a line numpy reports without a position)
        text = _padding(statement, function, frame, source)
    inside = None
    if text is None and isinstance(error, (ValueError, TypeError, IndexError)) and node is not None:
        text = inside = _raised_inside(error, node, statement, frame, source)
    if text and len(frames) > 1 and "called from line" not in text:
        caller, line, caller_lasti = frames[-2]
        owner = source.functions.get(caller.f_code.co_name) or _enclosing(source, line)
        call = _expression(_statement(owner, line), _position(caller, caller_lasti)) if owner is not None else None
        if call is not None:
            shapes = _names_shown(call, caller) if inside else ""  # which of the caller's inputs went in
            suffix = (f" (called from line {line} in {owner.name}: {_quote(source.segment(call))}"
                      + (f" with {shapes}" if shapes else "") + ")")
            return _cut(text, 420 - len(suffix)) + suffix
    return _cut(text) if text else None


def _raised_inside(error, node, statement, frame, source):
    """An error raised inside bplab's code (a layer's shape check) that the learner's line called: the call, the
    shapes of what it passed, and the library's message, so that the learner sees which of their inputs was wrong."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame is not frame:
        tb = tb.tb_next
    inner = tb.tb_next if tb is not None else None  # what the line called: bplab's code, past the check's wrappers
    while inner is not None and str(inner.tb_frame.f_globals.get("__name__", "")).startswith("bplab.grading"):
        inner = inner.tb_next
    inner = inner.tb_frame if inner is not None else None
    if inner is None or not str(inner.f_globals.get("__name__", "")).startswith("bplab."):
        return None  # numpy's own errors are told by the cases above; bplab's layers check their inputs
    calls = [c for c in ast.walk(statement) if isinstance(c, ast.Call)
             and c.lineno <= getattr(node, "lineno", 0) <= (c.end_lineno or 0)]
    call = node if isinstance(node, ast.Call) else (min(calls, key=lambda c: len(source.segment(c))) if calls else None)
    if call is None:
        return None
    owner = f"bplab's {getattr(inner.f_code, 'co_qualname', inner.f_code.co_name)}"
    shown = _names_shown(call, frame)
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (f"{_quote(source.segment(call))} passed " + (shown or "its arguments")
            + f" to {owner}, which raised: {_cut(said, 220)}")


__all__ = ["describe", "notes"]
