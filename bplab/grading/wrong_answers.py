"""Known wrong answers, recomputed from a check's own inputs, so that a failure names the mistake.

A judge passes them to :func:`bplab.gradcheck.compare` as ``mistakes``
(``{sentence: wrong array}``): when the learner's answer equals one of them,
the sentence is the diagnosis. The families here build those dictionaries
from a description of the mistake (a formula, a slot of a calculation, a
local derivative, a returned value in another's place) rather than one by one.
"""

from __future__ import annotations

import numpy as np

from bplab.gradcheck import FLOOR, MATCH, TINY, AnyOf, _evaluate, _is_numeric, rel_error, verdict


def formula_mistakes(name, right, candidates):
    """Wrong answers named by the formula that gives them: ``{"name is <expr>; it is <right>": array}``.

    Parameters
    ----------
    name : str
        What is compared (``"dh_prev"``).
    right : str
        The right formula, in the notation of the notebook (``"da @ Wh.T"``).
    candidates : dict of str to ndarray
        Formulas a learner may have written instead, each evaluated on the check's inputs; the right formula,
        if it is among them, is left out.
    """
    return {f"{name} is computed as {expr}; it is {right}": value for expr, value in candidates.items()
            if expr.replace(" ", "") != right.replace(" ", "")}


def merge_mistakes(first, *more):
    """``first``, then the wrong answers of ``more`` that are not already among ``first``'s (same numbers).

    Lets a check add generic formula candidates after its hand-named mistakes without naming one answer twice.
    """
    merged = dict(first)
    for extra in more:
        for text, value in extra.items():
            values = [np.asarray(v, dtype=np.float64) for v in (value.arrays if isinstance(value, AnyOf) else (value,))]
            known = [np.asarray(a, dtype=np.float64) for v in merged.values()
                     for a in (v.arrays if isinstance(v, AnyOf) else (v,))]
            fresh = [v for v in values if not any(
                a.shape == v.shape and np.allclose(a, v, rtol=1e-9, atol=1e-12, equal_nan=True) for a in known)]
            if fresh:
                merged[text] = fresh[0] if len(fresh) == 1 else AnyOf(*fresh)
    return merged


def misplaced(expected, label):
    """For each key of a returned dict, the other keys' right values: ``{key: {"grads['W1'] holds ...": array}}``.

    A gradient stored under another parameter's key is the right number in the wrong place; said so, rather than
    as a wrong shape or a relative error.
    """
    return {key: {f"{label}[{key!r}] holds the value that belongs under {other!r}: store each under its own key":
                  np.asarray(value, dtype=np.float64) for other, value in expected.items() if other != key}
            for key in expected}


def wrong_derivatives(kind, pre, post=None, pre_name="z", post_name="h"):
    """Local derivatives of an activation as learners get them wrong, named in the notebook's notation.

    The usual wrong quantities: the derivative computed from the output where the input is needed (or the
    reverse), the activation applied again to its own output, another activation's formula, a missing square or
    sign, and no derivative at all. Each check multiplies them into its own backward pass (with
    :func:`derivative_mistakes`), so that a wrong answer is named by the formula that produces it.

    Parameters
    ----------
    kind : {"tanh", "sigmoid", "relu"}
    pre : ndarray
        The activation's input (pre-activation), named ``pre_name``.
    post : ndarray, optional
        Its output, named ``post_name`` (computed from ``pre`` when omitted).

    Returns
    -------
    right : str
        The right local derivative, for example ``"(1 - h**2)"``.
    wrong : dict of str to ndarray
        ``{"(1 - h)": array, ...}``, the right one left out.
    """
    z, h = pre_name, post_name
    if kind == "tanh":
        post = np.tanh(pre) if post is None else post
        right = f"(1 - {h}**2)"
        wrong = {f"(1 - {h})": 1 - post, f"{h}**2": post ** 2, f"(1 + {h}**2)": 1 + post ** 2,
                 f"({h}**2 - 1)": post ** 2 - 1, f"(1 - {h})**2": (1 - post) ** 2,
                 f"(1 - {z}**2), from the input {z} instead of the output {h}": 1 - pre ** 2,
                 f"(1 - tanh({h})**2), tanh applied again to {h} = tanh({z})": 1 - np.tanh(post) ** 2,
                 f"{h} * (1 - {h}), the sigmoid's derivative": post * (1 - post),
                 f"{h}, the output itself": post, "1 (no derivative)": np.ones_like(post)}
    elif kind == "sigmoid":
        post = 0.5 * (1.0 + np.tanh(0.5 * pre)) if post is None else post
        again = 0.5 * (1.0 + np.tanh(0.5 * post))
        right = f"{h} * (1 - {h})"
        wrong = {f"(1 - {h})": 1 - post, f"{h}": post, f"{h} * (1 + {h})": post * (1 + post),
                 f"(1 - {h})**2": (1 - post) ** 2, f"(1 - {h}**2), tanh's derivative": 1 - post ** 2,
                 f"{z} * (1 - {z}), from the input {z} instead of the output {h}": pre * (1 - pre),
                 f"sigmoid({h}) * (1 - sigmoid({h})), the sigmoid applied again to {h}": again * (1 - again),
                 "1 (no derivative)": np.ones_like(post)}
    elif kind == "relu":
        post = np.maximum(pre, 0.0) if post is None else post
        right = f"({z} > 0)"
        wrong = {f"{h}, the output itself (the derivative is the mask {z} > 0)": post,
                 f"{z}, the input itself (the derivative is the mask {z} > 0)": pre,
                 f"({z} < 0), the mask inverted": (pre < 0) * 1.0,
                 "1 (no mask)": np.ones_like(pre)}
    else:
        raise ValueError(f"kind must be 'tanh', 'sigmoid' or 'relu', got {kind!r}")
    return right, wrong


def derivative_mistakes(kind, pre, backward, *, post=None, pre_name="z", post_name="h", where=""):
    """Every wrong local derivative of :func:`wrong_derivatives` pushed through the check's own backward pass.

    Parameters
    ----------
    kind, pre, post, pre_name, post_name
        As in :func:`wrong_derivatives`.
    backward : callable
        ``backward(local) -> result`` (an array, or a list of arrays, one per returned gradient): the right
        backward pass with the activation's local derivative replaced by ``local``.
    where : str
        Where the derivative is used, for the message (``"da"``).

    Returns
    -------
    dict of str to (ndarray or list)
        ``{"da uses tanh's derivative as (1 - h); it is (1 - h**2)": backward(...)}``.
    """
    right, wrong = wrong_derivatives(kind, pre, post, pre_name, post_name)
    at = f"{where} uses " if where else ""
    found = {f"{at}{kind}'s derivative as {expr}; it is {right}": backward(local) for expr, local in wrong.items()}
    return found


def unpack(value, count, what):
    """Split a returned tuple of ``count`` arrays, padding with None if it is short.

    Used by judges so that a wrong number of returned values becomes a clear
    "missing" diagnosis instead of an exception.
    """
    if isinstance(value, (list, tuple)):
        items = list(value)[:count]
    elif count == 1:
        items = [value]
    else:
        items = []
    return items + [None] * (count - len(items))


def counted(judge, key, names, what):
    """``judge`` with :func:`returned_count` of ``values[key]`` put first (a function returning too few values).

    A loss function that returns only its gradient is then told "returned one ndarray, expected 2 values: return
    loss, dpred" rather than "loss is None" (which reads as a missing return statement).
    """
    def wrapped(values):
        count = returned_count(values.get(key) if isinstance(values, dict) else None, names, what)
        return ([count] if count is not None else []) + list(judge(values))
    return wrapped


def returned_count(value, names, what):
    """A failed verdict when ``what`` returned a tuple of another length than ``names``, else None.

    Judges put it before the comparisons, so that a missing or nested value is named as such rather than
    as a wrong shape of whichever output moved into its place.

    Parameters
    ----------
    value : object
        What the learner's function returned.
    names : sequence of str
        The names of the values it must return, in order.
    what : str
        The function, for the message.
    """
    if value is None or len(names) < 2 or isinstance(value, (list, tuple)) and len(value) == len(names):
        return None  # None is told by compare ("is a return statement missing?")
    if not isinstance(value, (list, tuple)):
        shape = np.shape(value) if _is_numeric(value) else None
        one = f"one {type(value).__name__}" + (f" of shape {shape}" if shape else "")
        return verdict(f"values returned by {what}", False, f"returned {one}, expected {len(names)} values",
                       f"return all {len(names)}: return {', '.join(names)}")
    nested = [i for i, item in enumerate(value) if isinstance(item, (list, tuple))]
    advice = f"return {', '.join(names)} in that order"
    if nested and len(value) < len(names):
        advice = (f"value {nested[0] + 1} is itself a tuple of {len(value[nested[0]])}: return the arrays side by "
                  f"side, not nested: {advice}")
    return verdict(f"values returned by {what}", False, f"returned {len(value)} values, expected {len(names)}",
                   advice)


def slot_mistakes(compute, slots, *, pairs=False):
    """Known wrong answers of a computation written as named slots, each replaced by a known wrong alternative.

    A backward pass is a handful of places where a learner writes one sub-expression (the local derivative of a
    gate, the upstream factor, a term of a sum). Each place is a *slot* with its known wrong alternatives;
    every answer with one slot wrong (and, with ``pairs``, two slots wrong at once) is recomputed from the
    check's inputs and named by the alternatives' sentences. This names a family of mistakes, not a list.

    Parameters
    ----------
    compute : callable
        ``compute(choice) -> dict of str to ndarray``: every output of the computation, where ``choice`` maps a
        slot to the key of the alternative used there (a slot not in ``choice`` is computed right).
    slots : dict of str to dict of str to str
        ``{slot: {alternative: sentence}}``; the sentence says what is wrong and what is right.
    pairs : bool
        Also every combination of two alternatives in different slots (sentences joined by " AND ").

    Returns
    -------
    dict of str to dict of str to ndarray
        For each output, ``{sentence: wrong array}``, without answers equal to the right one or to an earlier
        (simpler) wrong one, so that one mistake is never named twice under two names.
    """
    right = compute({})
    choices = [({slot: alt}, text) for slot, alts in slots.items() for alt, text in alts.items()]
    if pairs:
        names = list(slots)
        choices += [({a: alt_a, b: alt_b}, f"{text_a} AND {text_b}")
                    for i, a in enumerate(names) for b in names[i + 1:]
                    for alt_a, text_a in slots[a].items() for alt_b, text_b in slots[b].items()]
    found = {key: {} for key in right}
    seen = {key: {_fingerprint(value)} for key, value in right.items()}
    for choice, text in choices:
        try:
            with np.errstate(all="ignore"):
                outputs = compute(choice)
        except (ValueError, IndexError, ZeroDivisionError):
            continue  # a mistake that cannot even run on these inputs: the learner's code would have raised
        for key, value in outputs.items():
            if value is None or key not in found:
                continue
            mark = _fingerprint(value)
            if mark not in seen[key]:
                seen[key].add(mark)
                found[key][text] = value
    return found


def _fingerprint(value):
    """A key under which arrays equal up to round-off collide (for :func:`slot_mistakes`'s deduplication)."""
    array = np.asarray(value, dtype=np.float64)
    scale = float(np.abs(array).max()) if array.size else 1.0
    scale = scale if np.isfinite(scale) and scale > TINY else 1.0
    return array.shape, (np.round(array / scale, 8) + 0.0).tobytes()  # + 0.0: -0.0 is 0.0


def returned_order(values, expected, names, what, *, threshold=1e-7):
    """A failed verdict when some returned values are right but in another value's place, else None.

    Judges put it before the comparisons, so that two swapped return values are named as a wrong order rather
    than as two wrong gradients.

    Parameters
    ----------
    values : sequence
        What the learner's function returned, unpacked (one entry per expected value).
    expected : sequence of array_like
        The right values, in order.
    names : sequence of str
        Their names, in order.
    what : str
        The function, for the message.
    threshold : float
        Largest :func:`rel_error` at which a value is taken to be another one.
    """
    def same(a, b):
        try:
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.all(np.isfinite(a))) and rel_error(a, b) <= threshold \
            and float(np.max(np.abs(b), initial=0.0)) > FLOOR

    moved = []
    for i, value in enumerate(values):
        if value is None or same(value, expected[i]):
            continue
        # Only a value whose own place holds something else was moved (a value computed like another one, with
        # that one also in its place, is a wrong formula, not a wrong order).
        found = [j for j in range(len(expected)) if j != i and same(value, expected[j])
                 and not same(expected[i], expected[j]) and not (j < len(values) and same(values[j], expected[j]))]
        if found:
            moved.append(f"value {i + 1} is {names[found[0]]}")
    if not moved:
        return None
    return verdict(f"order of the values returned by {what}", False, "; ".join(moved),
                   f"the right values in the wrong order: return {', '.join(names)} in that order")


def drop_contradicted(cases, *, threshold=1e-7):
    """Each case's known wrong answers, without those that a case the learner got right rules out.

    One check often runs several cases (with and without padding, with a NaN, ...). A known mistake that would
    have changed the answer of a case the learner got right cannot be theirs, even where it fits a failing case
    by coincidence (no padding and a missing + 1 give the same output size): naming it would blame a mistake
    the answer does not match.

    Parameters
    ----------
    cases : list of (actual, expected, mistakes)
        ``mistakes`` as for :func:`compare` (a dict, a callable returning one, or None).
    threshold : float
        Largest :func:`rel_error` of a case taken as right.

    Returns
    -------
    list of dict
        The mistakes of each case (evaluated), without the contradicted descriptions.
    """
    def right(actual, expected):
        try:
            actual = np.asarray(actual, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return actual.shape == expected.shape and bool(np.all(np.isfinite(actual))) \
            and rel_error(actual, expected) <= threshold

    cases = [(actual, np.asarray(expected, dtype=np.float64), mistakes) for actual, expected, mistakes in cases]
    if all(right(actual, expected) for actual, expected, _ in cases):
        return [{} for _ in cases]
    evaluated = [_evaluate(mistakes) for _, _, mistakes in cases]
    ruled_out = set()
    for (actual, expected, _), mistakes in zip(cases, evaluated):
        if not right(actual, expected):
            continue
        for text, wrong in mistakes.items():
            candidates = [np.asarray(a, dtype=np.float64) for a in (wrong.arrays if isinstance(wrong, AnyOf) else (wrong,))]
            candidates = [c for c in candidates if c.size]  # an empty placeholder: not applicable to this case
            if candidates and all(c.shape != expected.shape or rel_error(c, expected) > MATCH for c in candidates):
                ruled_out.add(text)
    return [{text: wrong for text, wrong in mistakes.items() if text not in ruled_out} for mistakes in evaluated]
