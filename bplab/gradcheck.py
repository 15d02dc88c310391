"""Numerical gradients and comparisons that say *what* is wrong.

Everything that compares a learner's numbers with expected ones goes through
:func:`compare`, so the notebook, ``bplab check`` and ``bplab grade`` give the
same verdicts and the same diagnoses.

The relative error is normwise::

    rel_error(a, b) = max|a - b| / max(max(|a| + |b|), 1e-12)

It is the spec's ``max |a - n| / max(|a| + |n|, tiny)`` taken over the whole
array, so entries that are zero analytically (dead ReLUs, say) do not turn the
numerical noise of central differences into a relative error of 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bplab.factor_names import name_factor, shape_quantities

TINY = 1e-12
"""Floor of the denominator of :func:`rel_error`."""

FLOOR = 1e-8
"""Below this magnitude an array is zero up to round-off for the diagnoses: no ratio of two such arrays means anything."""

MATCH = 1e-6
"""Largest :func:`rel_error` at which an answer is taken to *be* a known wrong answer."""


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar-valued function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with ``x`` itself, changed in place one
        entry at a time and restored afterwards.
    x : ndarray of float64, any shape
    h : float
        Step of the central difference ``(f(x + h) - f(x - h)) / 2h``.

    Returns
    -------
    grad : ndarray, same shape as ``x``
    """
    x = _float64_array(x, "x")
    grad = np.zeros(x.shape)  # C order, so that reshape(-1) is a view whatever x's layout
    flat_grad = grad.reshape(-1)
    for i in range(x.size):
        flat_grad[i] = _central_difference(f, x, i, h)
    return grad


def _central_difference(f, x, i, h):
    """``(f(x + h e_i) - f(x - h e_i)) / 2h``, changing ``x`` in place and restoring it."""
    index = np.unravel_index(i, x.shape)  # index x itself: reshape(-1) would copy a non-contiguous x
    original = x[index]
    x[index] = original + h
    plus = float(f(x))
    x[index] = original - h
    minus = float(f(x))
    x[index] = original
    return (plus - minus) / (2 * h)


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Central-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    This is what a layer's backward pass computes: ``dout`` is the upstream
    gradient, of the shape of ``f(x)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray``; called with ``x`` changed in place and restored.
    x : ndarray of float64, any shape
    dout : ndarray, shape of ``f(x)``
    h : float

    Returns
    -------
    grad : ndarray, same shape as ``x``
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda value: np.sum(np.asarray(f(value)) * dout), x, h)


def sampled_numerical_gradient(f, x, n_samples, rng, h=1e-5):
    """Central differences at ``n_samples`` random entries of a large ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : ndarray of float64
    n_samples : int
    rng : numpy.random.Generator

    Returns
    -------
    indices : ndarray of int, shape (n_samples,)
        Flat indices into ``x``.
    values : ndarray of float64, shape (n_samples,)
    """
    x = _float64_array(x, "x")
    indices = rng.choice(x.size, size=min(n_samples, x.size), replace=False)
    return indices, np.array([_central_difference(f, x, i, h) for i in indices])


def rel_error(a, b):
    """Normwise relative error ``max|a - b| / max(max(|a| + |b|), 1e-12)``.

    Parameters
    ----------
    a, b : array_like of the same shape

    Returns
    -------
    float
        0 for identical arrays, 1 for ``a == -b``, about ``|c - 1| / (c + 1)``
        for ``a == c * b``.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), TINY))


@dataclass
class GradCheckResult:
    """The verdict on one output or gradient.

    Attributes
    ----------
    name : str
        What was compared, for example ``"dW"``.
    passed : bool
    error : float
        Relative error (:func:`rel_error`), ``nan`` when it could not be computed.
    threshold : float
    where : str
        The worst entry, for example ``"dW[3, 1]: got 0.12, expected -0.12"``.
    diagnosis : str
        The likely mistake, empty when none is recognised or when passed.
    detail : str
        A sentence for failures that are not about numbers (shape, type, ...).
    """

    name: str
    passed: bool
    error: float = float("nan")
    threshold: float = 0.0
    where: str = ""
    diagnosis: str = ""
    detail: str = ""

    @property
    def message(self) -> str:
        if self.passed:
            return f"{self.name}: ok (relative error {self.error:.1e})" if np.isfinite(self.error) else f"{self.name}: ok"
        parts = [f"{self.name}:"]
        if self.detail:
            parts.append(self.detail)
        elif np.isfinite(self.error):
            parts.append(f"relative error {self.error:.1e} > {self.threshold:.0e}")
        if self.where:
            parts.append(f"worst at {self.where}")
        if self.diagnosis:
            parts.append(f"-> {self.diagnosis}")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.message


class AnyOf:
    """Several arrays that are all one mistake (for example the same bug under two loop orders).

    Use as a value of ``compare(..., mistakes={text: AnyOf(a, b)})``.
    """

    def __init__(self, *arrays):
        self.arrays = arrays


def products(named, shape=None):
    """Every ``A @ B`` (either transposed) of the named 2-D arrays that has ``shape``: ``{"A @ B.T": array}``.

    With ``shape`` None, every product that can be formed (a wrong operand often gives another shape).
    Used with :func:`formula_mistakes` to recognise a wrong operand or a misplaced transpose in a matrix product.
    """
    found = {}
    for name_a, a in named.items():
        for name_b, b in named.items():
            for ta in (False, True):
                for tb in (False, True):
                    left, right = (a.T if ta else a), (b.T if tb else b)
                    if left.ndim == right.ndim == 2 and left.shape[1] == right.shape[0] \
                            and (shape is None or (left.shape[0], right.shape[1]) == tuple(shape)):
                        found[f"{name_a}{'.T' if ta else ''} @ {name_b}{'.T' if tb else ''}"] = left @ right
    return found


def verdict(name, passed, detail="", diagnosis=""):
    """A result that is not a numeric comparison (a statistic, a behaviour).

    Returns
    -------
    GradCheckResult
    """
    return GradCheckResult(name=name, passed=bool(passed), detail=detail, diagnosis=diagnosis)


def raised(name, item):
    """The failed verdict of a case whose run raised (a marker from ``harness.attempt``/``harness.each``), else None.

    Returns
    -------
    GradCheckResult or None
    """
    if isinstance(item, dict) and isinstance(item.get("raised"), str):
        return verdict(name, False, item["raised"][:500])
    return None


def shown_result(results):
    """The failing result whose message the learner is shown: the first one that names a mistake, else the first.

    A case that names its mistake (a diagnosis) tells more than a case that only failed (a relative error, another
    case's exception); message and diagnosis always come from this one result.

    Returns
    -------
    GradCheckResult or None
    """
    failing = [r for r in results if not r.passed]
    return next((r for r in failing if r.diagnosis), failing[0] if failing else None)


def compare(name, actual, expected, *, threshold=1e-7, batch_size=None, mistakes=None, kind=None, factors=None):
    """Compare ``actual`` with ``expected`` and diagnose the common mistakes.

    Parameters
    ----------
    name : str
        What is compared, shown in every message (``"dx"``, ``"loss"``).
    actual : object
        What the learner's code returned.
    expected : array_like of float64
        The reference (a numerical gradient, a closed form).
    threshold : float
        Largest accepted :func:`rel_error`.
    batch_size : int, optional
        When given, a constant factor equal to it is reported as a batch
        average that was forgotten (or applied twice).
    mistakes : dict of str to array_like or AnyOf, or a callable returning one, optional
        Check-specific wrong answers, recomputed from the same inputs (a callable is called only when the
        comparison fails, so that costly wrong answers cost nothing when the answer is right), for
        example the gradient that results when fan-out is not accumulated. A
        match is reported by its key, before any generic diagnosis (even when
        the wrong answer has another shape); when several match, all are named.
    kind : {"gradient", "output"}, optional
        What is compared, for the wording of the messages; guessed from
        ``name`` when omitted (``dx``, ``dW``, ``d/dx`` ... are gradients).
    factors : dict of str to float, optional
        Named quantities of the case (``{"momentum": 0.5, "lr": 0.1}``) a constant factor between ``actual``
        and ``expected`` is matched against (see :func:`bplab.factor_names.name_factor`), besides the counts
        of ``expected``'s shape (entries, rows, columns), which are always tried.

    Returns
    -------
    GradCheckResult
    """
    expected = np.asarray(expected, dtype=np.float64)
    kind = kind or _kind_of(name)
    result = GradCheckResult(name=name, passed=False, threshold=threshold)
    problem = _form_problem(actual, expected, kind)
    if problem:
        result.detail, result.diagnosis = problem
        known = _known_mistakes(actual, _evaluate(mistakes), expected) if actual is not None and _is_numeric(actual) \
            else ""
        # An exact transpose is the plainest name for what happened; any other known wrong answer comes first.
        if not result.diagnosis.startswith("transposed"):
            result.diagnosis = known or result.diagnosis
        return result

    actual_array = np.asarray(actual)
    if not np.all(np.isfinite(actual_array)):
        bad = np.argwhere(~np.isfinite(actual_array))
        index = tuple(int(i) for i in bad[0]) if actual_array.ndim else ()
        result.detail = f"contains {actual_array[index]} at {name}{list(index)} ({len(bad)} non-finite entries)"
        result.diagnosis = (_known_mistakes(actual_array, _evaluate(mistakes), expected)
                            or "NaN or inf: look for an overflow (exp of a large number), a division by zero, "
                               "a log of 0 or the square root of a negative number")
        return result

    actual_array = actual_array.astype(np.float64)
    result.error = rel_error(actual_array, expected)
    result.passed = result.error <= threshold
    if result.passed:
        return result
    result.where = _worst_entry(name, actual_array, expected)
    result.diagnosis = _diagnose(actual_array, expected, batch_size, _evaluate(mistakes), kind, factors)
    return result


_NOT_GRADIENTS = {"deep", "dropping", "determinism", "distribution", "dropped", "data"}


def _kind_of(name):
    """``"gradient"`` for names such as ``dx``, ``dW (stride 2)``, ``expr: d/dx``; ``"output"`` otherwise."""
    words = re.split(r"[\s:(\[]+", str(name).strip())
    return "gradient" if any(re.fullmatch(r"d(/d)?[A-Za-z_]\w*", w) and w.lower() not in _NOT_GRADIENTS
                             for w in words) else "output"


def _form_problem(actual, expected, kind="gradient"):
    """(detail, diagnosis) when ``actual`` is not even a float array of the right shape."""
    if actual is None:
        return "is None", "missing: the function returned None (is a return statement missing?)"
    if isinstance(actual, dict) and "__unsupported__" in actual:
        return f"is a {actual['__unsupported__']}", f"wrong type: expected a numpy array of shape {expected.shape}"
    if isinstance(actual, (str, bytes)) or not _is_numeric(actual):
        return f"is a {type(actual).__name__}", f"wrong type: expected a numpy array of shape {expected.shape}"
    actual_array = np.asarray(actual)
    if actual_array.shape != expected.shape:
        if actual_array.ndim == 2 and actual_array.T.shape == expected.shape:
            if np.allclose(actual_array.T, expected, rtol=1e-5, atol=1e-8):
                return (
                    f"has shape {actual_array.shape}, expected {expected.shape}",
                    "transposed: the right numbers, transposed (check the order in the matrix product)",
                )
        return (
            f"has shape {actual_array.shape}, expected {expected.shape}",
            ("wrong shape: a gradient has the shape of what it is the gradient of" if kind == "gradient" else
             f"wrong shape: this output has shape {expected.shape} (check the shapes each operation produces)")
            + "".join(f"; {hint}" for hint in [_shape_hint(actual_array.shape, expected.shape)] if hint),
        )
    if actual_array.dtype.kind not in "f":
        return (
            f"has dtype {actual_array.dtype}, expected float64",
            "wrong dtype: integer or boolean results lose the fractions (use float arrays)",
        )
    if actual_array.dtype != np.float64:
        return (
            f"has dtype {actual_array.dtype}, expected float64",
            "wrong dtype: keep float64 (float32 is too coarse for a gradient check)",
        )
    return None


def _shape_hint(got, want):
    """What a wrong shape itself shows (a reduction left out, entries rearranged, one too few), or ''.

    Each hint follows from the two shapes alone, so it never names a mistake the shapes do not show.
    """
    if len(want) == 0:
        return (f"one number expected, an array of shape {got} returned: is the mean (or sum) over its elements "
                "missing? (np.mean(...), then float(...))")
    if len(got) == len(want) + 1 and 1 in (got[0], got[-1]) and tuple(d for d in got if d != 1) == \
            tuple(d for d in want if d != 1):
        return ("an extra axis of size 1: a reduction that kept its axis (keepdims=True) where the result has one "
                "axis fewer? Drop keepdims here")
    if len(got) == len(want) + 1 and tuple(got[1:]) == tuple(want):
        return (f"an extra first axis of size {got[0]}: a parameter shared by the {got[0]} rows (examples) gets the "
                "SUM of their contributions; is a .sum(axis=0) missing?")
    if len(got) == len(want) + 1 and tuple(got[:-1]) == tuple(want):
        return (f"an extra last axis of size {got[-1]}: is a sum over the last axis missing, or was a reduction's "
                "keepdims=True kept where the result has fewer axes?")
    if len(got) != len(want) and int(np.prod(got)) == int(np.prod(want)):
        return (f"the right number of entries ({int(np.prod(want))}) with {len(got)} axes instead of {len(want)}: "
                f"flattened or reshaped; build it with shape {tuple(want)} directly")
    if len(got) == len(want) and int(np.prod(got)) == int(np.prod(want)):
        return ("the right number of entries in another arrangement: blocks stacked or concatenated along the wrong "
                "axis (np.concatenate(..., axis=1) puts them side by side), or a wrong reshape or transpose?")
    if len(got) == len(want):
        differ = [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
        if len(differ) == 1 and abs(got[differ[0]] - want[differ[0]]) == 1:
            axis = differ[0]
            side = "short" if got[axis] < want[axis] else "too many"
            return (f"one entry {side} along axis {axis} ({got[axis]} instead of {want[axis]}): an off-by-one in a "
                    "loop or a slice (range(n - 1), range(1, n), [:-1]), or built from an array of another size?")
        if len(got) == 1:
            return (f"{got[0]} entries instead of {want[0]}: a sum or mean over the wrong axis (axis=0 adds up the "
                    "rows, axis=1 the columns), or computed from the wrong array?")
    return ""


def _is_numeric(value):
    try:
        array = np.asarray(value)
    except Exception:
        return False
    return array.dtype.kind in "biuf"


def _worst_entry(name, actual, expected):
    diff = np.abs(actual - expected)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    label = f"{name}[{', '.join(str(int(i)) for i in index)}]" if index else name
    return f"{label}: got {actual[index]:.6g}, expected {expected[index]:.6g}"


def _evaluate(mistakes):
    """The mistakes dict, computing it first when it was given as a callable."""
    if callable(mistakes):
        mistakes = mistakes()
    return mistakes or {}


def _known_mistakes(actual, mistakes, expected=None):
    """The descriptions of every known wrong answer ``actual`` equals, joined; '' when none.

    A wrong answer that equals the expected one on these inputs tells nothing and is skipped; a match
    must also be ten times closer to the wrong answer than the wrong answer is to the right one.
    """
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    found, blank = [], []
    for description, wrong in mistakes.items():
        candidates = wrong.arrays if isinstance(wrong, AnyOf) else (wrong,)
        for candidate in candidates:
            candidate = np.asarray(candidate, dtype=np.float64)
            if candidate.shape != actual.shape or description in found:
                continue
            finite = np.isfinite(candidate)
            if not finite.any() and np.array_equal(np.isnan(candidate), np.isnan(actual)) \
                    and np.array_equal(np.nan_to_num(candidate), np.nan_to_num(actual)) and description not in blank:
                blank.append(description)  # nothing finite to compare: the same NaN/inf everywhere, kept aside
            if not np.array_equal(finite, np.isfinite(actual)) or not finite.any():
                continue  # a wrong answer with NaN or inf matches the same non-finite entries, and the rest
            if not finite.all():
                actual_part, candidate_part = actual[finite], candidate[finite]
                if rel_error(actual_part, candidate_part) < MATCH:
                    found.append(description)
                continue
            distance = rel_error(actual, candidate)
            apart = rel_error(candidate, expected) if expected is not None and expected.shape == candidate.shape \
                else np.inf
            if distance < MATCH and distance < 0.1 * apart:
                found.append(description)
    if len(found) > 1:  # the inputs cannot tell these apart: name them all rather than guess
        return "one of these (they give the same numbers here): " + " | ".join(found)
    if not found and len(blank) == 1:  # only one known mistake gives NaN/inf in exactly these places
        return f"{blank[0]} (that mistake gives NaN/inf in exactly these entries)"
    return found[0] if found else ""


def _diagnose(actual, expected, batch_size, mistakes, kind="gradient", factors=None):
    """Name the mistake that explains ``actual``, or return ''."""
    known = _known_mistakes(actual, mistakes, expected)
    if known:
        return known
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    if scale <= FLOOR:
        return ("expected all zeros here: nothing downstream depends on this input" if kind == "gradient"
                else "expected (numerically) zero here")
    if float(np.max(np.abs(actual))) <= FLOOR * scale:
        return ("zero gradient: is the gradient missing, or computed but not returned?" if kind == "gradient"
                else "all zeros: is the result computed but not returned (or overwritten)?")
    if rel_error(actual, -expected) < 1e-6:
        return "sign flipped: the right magnitude with the wrong sign"
    skipped = _skipped_end(actual, expected, scale) or _short_loop(actual, expected, scale)
    if skipped:
        return skipped
    swapped = _swapped_blocks(actual, expected)
    if swapped:
        return swapped
    if actual.ndim == 2 and actual.shape[0] == actual.shape[1] and rel_error(actual.T, expected) < 1e-6:
        return "transposed: the right numbers, transposed (check the order in the matrix product)"
    factor = _constant_factor(actual, expected)
    if factor is None:
        return ""
    if batch_size and batch_size > 1 and np.isclose(abs(factor), batch_size, rtol=1e-6):
        return f"off by a factor of N = {batch_size} (the batch size): is the average over the batch missing?"
    if batch_size and batch_size > 1 and np.isclose(abs(factor), 1 / batch_size, rtol=1e-6):
        return f"off by a factor of 1/N = 1/{batch_size}: the batch average is applied twice"
    # A scalar has no shape to offer, and a 2 between two numbers is no evidence: only the case's quantities.
    named = name_factor(factor, {**shape_quantities(expected.shape), **(factors or {})},
                        constants=actual.size > 1) if factor > 0 else ""
    if named:
        return named
    if actual.size == 1:
        return ""  # any two numbers differ by "a constant factor": only a named one says something
    return f"off by a constant factor of {factor:.6g}: look for a missing or extra constant (a 2, a 1/N, a scale)"


def _swapped_blocks(actual, expected):
    """The sentence when ``actual`` is ``expected`` with two equal-width blocks of its last axis exchanged, else ''.

    Blocks of columns hold stacked quantities (the gates of an LSTM, the parameters of several layers); two of
    them exchanged is a mixed-up order, which the numbers show exactly.
    """
    if actual.ndim == 0:
        return ""
    width = actual.shape[-1]
    for count in (2, 3, 4):
        if width % count or width == count and count > 2:
            continue
        size = width // count
        blocks = [expected[..., k * size:(k + 1) * size] for k in range(count)]
        for first in range(count):
            for second in range(first + 1, count):
                if np.allclose(blocks[first], blocks[second], rtol=1e-6, atol=1e-12):
                    continue
                order = list(blocks)
                order[first], order[second] = order[second], order[first]
                if rel_error(actual, np.concatenate(order, axis=-1)) < 1e-6:
                    return (f"blocks {first} and {second} of the last axis (of {count} blocks, {size} wide each) are "
                            "swapped: the right values in the wrong places; check the order in which the blocks "
                            "are stacked")
    return ""


def _short_loop(actual, expected, scale):
    """The loop-bound sentence when only the first k slices along an axis are right and k is another axis's size.

    ``for i in range(C)`` where the loop should run over the N rows: rows 0..C-1 are right, the others are not.
    """
    for axis in range(actual.ndim):
        n = actual.shape[axis]
        right = [rel_error(np.take(actual, i, axis=axis), np.take(expected, i, axis=axis)) < 1e-6 for i in range(n)]
        k = right.index(False) if False in right else n
        others = [actual.shape[a] for a in range(actual.ndim) if a != axis]
        if 0 < k < n and not any(right[k:]) and k in others:
            other = next(a for a in range(actual.ndim) if a != axis and actual.shape[a] == k)
            return (f"only the first {k} entries along axis {axis} (of {n}) are right: a loop runs over range({k}), "
                    f"the size of axis {other}, instead of over all {n} (check which dimension the loop counts)")
    return ""


def _skipped_end(actual, expected, scale):
    """The loop-bound sentence when the first or last slice along an axis is exactly zero where it should not be.

    Only a slice that is all zero in the answer and clearly non-zero in the reference counts, so the sentence
    describes what the numbers show: that index was never written.
    """
    for axis in range(actual.ndim):
        if actual.shape[axis] < 2:
            continue
        for index, words in ((0, "the loop never reaches index 0 (range(n - 1, 0, -1) stops before 0; "
                                  "reversed(range(n)) includes it)"),
                             (-1, "the loop stops before the last index (range(n - 1) leaves out n - 1)")):
            got, want = np.take(actual, index, axis=axis), np.take(expected, index, axis=axis)
            if np.max(np.abs(got)) == 0.0 and np.max(np.abs(want)) > 1e-3 * scale:
                position = actual.shape[axis] - 1 if index == -1 else 0
                return f"the entries at index {position} of axis {axis} are all zero, the others not: {words}"
    return ""


def _constant_factor(actual, expected):
    """The c with ``actual == c * expected``, or None (never for arrays of round-off size)."""
    if float(np.max(np.abs(actual))) <= FLOOR or float(np.max(np.abs(expected))) <= FLOOR:
        return None
    nonzero = np.abs(expected) > 1e-8 * np.max(np.abs(expected))
    ratios = actual[nonzero] / expected[nonzero]
    factor = float(np.median(ratios))
    if factor == 0 or np.isclose(factor, 1.0, rtol=1e-9, atol=0):
        return None
    return factor if rel_error(actual, factor * expected) < 1e-6 else None


def check_gradient(f, x, analytic, *, dout=None, name="dx", threshold=1e-7, h=1e-5, sample=None, rng=None,
                   batch_size=None, mistakes=None):
    """Compare an analytic gradient with central differences of ``f``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, or ``f(x) -> ndarray`` when ``dout`` is given.
    x : ndarray of float64
        Point of evaluation (changed in place during the check and restored).
    analytic : ndarray, shape of ``x``
        The gradient under test.
    dout : ndarray, optional
        Upstream gradient for an array-valued ``f``.
    sample : int, optional
        Check only this many random entries (for large arrays); needs ``rng``.

    Returns
    -------
    GradCheckResult
    """
    scalar_f = f if dout is None else (lambda value: np.sum(np.asarray(f(value)) * dout))
    if sample is None:
        return compare(name, analytic, numerical_gradient(scalar_f, x, h), threshold=threshold,
                       batch_size=batch_size, mistakes=mistakes)
    if rng is None:
        raise ValueError("check_gradient(sample=...) needs rng=numpy.random.default_rng(seed)")
    problem = _form_problem(analytic, np.asarray(x))
    if problem:
        return GradCheckResult(name=name, passed=False, threshold=threshold, detail=problem[0], diagnosis=problem[1])
    indices, numeric = sampled_numerical_gradient(scalar_f, x, sample, rng, h)
    picked = np.asarray(analytic, dtype=np.float64).reshape(-1)[indices]
    return compare(f"{name} (at {indices.size} sampled entries)", picked, numeric, threshold=threshold,
                   batch_size=batch_size)


def check_layer(forward, backward, inputs, *, threshold=1e-7, rng=None, h=1e-5):
    """Gradient-check a ``forward -> (out, cache)`` / ``backward(dout, cache)`` pair.

    This is the tool a learner uses on their own layers in a notebook.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs.values()) -> (out, cache)``.
    backward : callable
        ``backward(dout, cache) -> gradients`` of the inputs, in their order.
    inputs : dict of str to ndarray
        Named float64 inputs, in the forward's argument order.
    rng : numpy.random.Generator, optional
        Draws the upstream gradient; seed 0 when omitted.

    Returns
    -------
    list of GradCheckResult
        One per input, and one that fails when an input was modified in place.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    names = list(inputs)
    arrays = [np.array(inputs[n], dtype=np.float64) for n in names]
    before = [a.copy() for a in arrays]
    out, cache = forward(*arrays)
    dout = rng.normal(size=np.shape(out))
    grads = backward(dout, cache)
    modified = [n for n, a, b in zip(names, arrays, before) if not np.array_equal(a, b)]
    results = [_modified_verdict(modified)]
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    if len(grads) != len(names):
        results.append(verdict("backward", False, f"returned {len(grads)} gradients, expected {len(names)} ({', '.join(names)})"))
        return results
    for i, (name, grad) in enumerate(zip(names, grads)):
        def f_of_input(value, i=i):
            args = [value if j == i else a for j, a in enumerate(before)]
            return forward(*[np.array(a) for a in args])[0]
        results.append(check_gradient(f_of_input, before[i].copy(), grad, dout=dout, name=f"d{name}",
                                      threshold=threshold, h=h, batch_size=arrays[0].shape[0] if arrays[0].ndim else None))
    return results


def _modified_verdict(modified_names):
    """The "inputs unchanged" result for a list of names of changed inputs (empty: passed)."""
    if not modified_names:
        return verdict("inputs unchanged", True)
    if all(str(n).endswith("(a second call on it gave another result)") for n in modified_names):
        return _differs_on_repeat(modified_names)
    names = ", ".join(str(n) for n in modified_names)
    if any(str(n).startswith("cache") or "second call on it" in str(n) for n in modified_names):
        return verdict("inputs unchanged", False, f"{names} changed by the call",
                       "the cache was changed in place (an in-place operation such as *=, += or a[...] = on an "
                       "array held in the cache): a second backward on it gives other gradients; build new arrays")
    return verdict("inputs unchanged", False, f"{names} changed by the call",
                   "input modified in place: work on a copy (x = x.copy()) or build a new array")


def _differs_on_repeat(modified_names):
    """The verdict when two calls on one cache, which neither changed, gave different results.

    Nothing was written into the cache (that would be named ``cache[...]``), so the backward itself is not a
    function of its arguments: it draws random numbers of its own (a new dropout mask on every call) or reads
    state kept elsewhere.
    """
    names = ", ".join(str(n).replace(" (a second call on it gave another result)", "") for n in modified_names)
    return verdict("inputs unchanged", False, f"a second call on the same {names} gave another result, and "
                   f"{names} did not change",
                   "two calls on the same cache, which neither changed, gave different results: the backward draws "
                   "random numbers of its own (a new mask on every call?) or reads state kept outside the cache; "
                   "compute it from dout and the cache alone (what the forward drew, it stores in the cache)")


def _float64_array(x, name):
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"{name} must be a float64 numpy array (it is changed in place), got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    return x


