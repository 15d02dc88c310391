"""Input validation shared by bplab's numerics (scikit-learn style).

Every public numerical function checks its inputs with these helpers, so a bad
shape, dtype or label raises a ``ValueError``/``TypeError`` that names the
argument, what was expected and what arrived. The helpers are cheap (no copies
of float64 arrays) because the training loop and the widgets call them often.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, name, ndim=None):
    """``x`` as a float64 ndarray, checked.

    Parameters
    ----------
    x : array_like of numbers
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.

    Returns
    -------
    ndarray of float64
        ``x`` itself when it already is a float64 array (no copy).

    Raises
    ------
    TypeError
        When ``x`` is not numeric (strings, objects, None, complex).
    ValueError
        When ``x`` has the wrong number of dimensions.
    """
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        array = x
    else:
        if x is None:
            raise TypeError(f"{name} must be a numpy array of numbers, got None")
        try:
            array = np.asarray(x)
        except Exception as error:  # ragged lists and the like
            raise TypeError(f"{name} must be a numpy array of numbers, got {type(x).__name__}: {error}") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a numpy array of real numbers, got dtype {array.dtype}")
        array = array.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            wanted = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {wanted}, got shape {array.shape}")
    return array


def check_shape(x, name, shape):
    """Raise ``ValueError`` unless ``x.shape`` matches ``shape``.

    Parameters
    ----------
    x : ndarray
    name : str
    shape : tuple
        Expected shape; ``None`` entries match any length. Entries may also
        be ``(length, "label")`` pairs so that the message says where a
        length comes from, e.g. ``((3, "W.shape[1]"),)``.
    """
    actual = x.shape
    if len(actual) == len(shape):  # the usual case first, without building anything: the training loop calls it often
        for wanted, length in zip(shape, actual):
            if type(wanted) is tuple:
                wanted = wanted[0]
            if wanted is not None and wanted != length:
                break
        else:
            return
    expected = [s[0] if isinstance(s, tuple) else s for s in shape]
    if x.ndim != len(expected) or any(e is not None and e != n for e, n in zip(expected, x.shape, strict=True)):
        text = ", ".join("any" if s is None else (f"{s[0]} ({s[1]})" if isinstance(s, tuple) else str(s))
                         for s in shape)
        raise ValueError(f"{name} must have shape ({text}{',' if len(shape) == 1 else ''}), got {x.shape}")


def check_same_shape(a, b, names):
    """Raise ``ValueError`` unless ``a`` and ``b`` have one shape (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}"
                         " (no broadcasting: reshape one of them)")


def check_labels(y, name, n_samples, n_classes):
    """Integer class labels, checked.

    Parameters
    ----------
    y : array_like of int, shape (N,)
    name : str
    n_samples : int
        Expected N.
    n_classes : int
        Labels must lie in ``0 .. n_classes - 1``.

    Returns
    -------
    ndarray of int, shape (N,)

    Raises
    ------
    TypeError
        When ``y`` is not an integer array (floats, bools, strings).
    ValueError
        When ``y`` has the wrong shape or a label is out of range.
    """
    labels = np.asarray(y)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer class labels (dtype int), got dtype {labels.dtype}"
                        " (convert with y.astype(int) if the values are whole numbers)")
    check_shape(labels, name, ((n_samples, "one label per row"),))
    if labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= n_classes:
            bad = low if low < 0 else high
            raise ValueError(f"{name} must hold labels in 0..{n_classes - 1} (there are {n_classes} classes),"
                             f" got {bad}")
    return labels


def check_probabilities(t, name):
    """Raise ``ValueError`` unless every entry of ``t`` lies in [0, 1] (targets of a binary loss)."""
    if t.size and (not np.all(np.isfinite(t)) or t.min() < 0 or t.max() > 1):
        raise ValueError(f"{name} must hold probabilities in [0, 1], got values in [{t.min()}, {t.max()}]")


def check_positive_int(value, name, minimum=1):
    """An integer ``>= minimum``; raises ``TypeError``/``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_fraction(value, name, low=0.0, high=1.0, *, inclusive=(True, False)):
    """A real number in ``[low, high)`` (ends per ``inclusive``); raises otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    above = value >= low if inclusive[0] else value > low
    below = value <= high if inclusive[1] else value < high
    if not (above and below and np.isfinite(value)):
        brackets = ("[" if inclusive[0] else "(") + f"{low}, {high}" + ("]" if inclusive[1] else ")")
        raise ValueError(f"{name} must lie in {brackets}, got {value}")
    return float(value)


def as_generator(rng=None, seed=None):
    """The ``numpy.random.Generator`` a seeded function uses.

    Parameters
    ----------
    rng : numpy.random.Generator, optional
        Used as is when given.
    seed : int, optional
        Seeds a new generator when ``rng`` is None; 0 when both are None, so
        results are reproducible by default (no global random state).

    Returns
    -------
    numpy.random.Generator
    """
    if rng is not None:
        if seed is not None:
            raise ValueError("give rng= or seed=, not both")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator (numpy.random.default_rng(seed)),"
                            f" got {type(rng).__name__}")
        return rng
    return np.random.default_rng(0 if seed is None else seed)
