"""Weight initialization: Glorot/Xavier, He/Kaiming, orthogonal, and the old "standard" heuristic.

Every function returns a float64 matrix of shape ``(fan_in, fan_out)``, the
shape of ``W`` in ``x @ W + b``, and follows the formula of its
``torch.nn.init`` namesake:

=================  ==============================================  =========================
function           distribution                                    ``Var[W]``
=================  ==============================================  =========================
xavier_uniform     U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))  gain² · 2 / (fan_in + fan_out)
xavier_normal      N(0, std²), std = gain * sqrt(2 / (fan_in + fan_out))  same
he_normal          N(0, std²), std = gain / sqrt(fan_in)            gain² / fan_in (2 / fan_in for ReLU)
he_uniform         U(-a, a), a = gain * sqrt(3 / fan_in)            same
orthogonal         gain * Q, Q with orthonormal rows or columns     gain² / max(fan_in, fan_out)
standard_uniform   U(-a, a), a = gain / sqrt(fan_in)                gain² / (3 fan_in)
=================  ==============================================  =========================

``standard_uniform`` is the heuristic that Glorot & Bengio (2010) call the
"standard" initialization, and also what ``torch.nn.Linear`` uses by default.

Randomness: ``rng`` is a ``numpy.random.Generator`` or an int seed. It has no
hidden default: ``rng=None`` raises ``TypeError``, because a fresh unseeded
generator would make every run different, and the course promises the same
numbers for the same seed.

References
----------
Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward neural networks.
He, Zhang, Ren & Sun (2015), Delving deep into rectifiers.
Saxe, McClelland & Ganguli (2014), Exact solutions to the nonlinear dynamics of learning in deep linear networks.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

SQRT2 = math.sqrt(2.0)
"""The default gain of the He schemes (ReLU's)."""

__all__ = ["xavier_uniform", "xavier_normal", "he_normal", "he_uniform", "orthogonal", "standard_uniform",
           "calculate_gain", "weight_variance", "initialize", "SCHEMES", "as_generator"]


def as_generator(rng, who="this function"):
    """The ``numpy.random.Generator`` that ``rng`` names.

    Parameters
    ----------
    rng : numpy.random.Generator or int
        A generator (used as is, so successive calls continue its stream) or a
        seed for ``numpy.random.default_rng``.
    who : str
        Named in the error message.

    Raises
    ------
    TypeError
        For ``None`` and anything that is neither a generator nor an int.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"{who} needs rng=: a numpy.random.Generator or an int seed, got {rng!r} "
                    "(no hidden default, so that the same seed always gives the same weights)")


def _check_fans(fan_in, fan_out, who):
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{who}: {name} must be a positive int, got {value!r}")
        if value < 1:
            raise ValueError(f"{who}: {name} must be a positive int, got {value}")
    return int(fan_in), int(fan_out)


def _check_gain(gain, who):
    if not isinstance(gain, numbers.Real) or isinstance(gain, bool) or not math.isfinite(gain) or gain < 0:
        raise ValueError(f"{who}: gain must be a finite number >= 0, got {gain!r}")
    return float(gain)


def _uniform(a, fan_in, fan_out, rng):
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def _normal(std, fan_in, fan_out, rng):
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    """Glorot/Xavier uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Keeps ``Var[W] = gain² · 2 / (fan_in + fan_out)``, the compromise between
    preserving the forward variance (``fan_in · Var[W] = 1``) and the backward
    one (``fan_out · Var[W] = 1``).

    Parameters
    ----------
    fan_in, fan_out : int
        Inputs and outputs of the layer.
    gain : float
        Multiplies the bound (``calculate_gain("tanh") = 5/3`` for tanh, say).
    rng : numpy.random.Generator or int
        Required (see the module docstring).

    Returns
    -------
    W : ndarray of float64, shape (fan_in, fan_out)
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out, "xavier_uniform")
    a = _check_gain(gain, "xavier_uniform") * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(a, fan_in, fan_out, as_generator(rng, "xavier_uniform"))


def xavier_normal(fan_in, fan_out, gain=1.0, rng=None):
    """Glorot/Xavier normal: ``N(0, std²)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Parameters and returns as :func:`xavier_uniform`.
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out, "xavier_normal")
    std = _check_gain(gain, "xavier_normal") * math.sqrt(2.0 / (fan_in + fan_out))
    return _normal(std, fan_in, fan_out, as_generator(rng, "xavier_normal"))


def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    """He/Kaiming normal (fan_in mode): ``N(0, std²)`` with ``std = gain / sqrt(fan_in)``.

    With the default ``gain = sqrt(2)``, ``Var[W] = 2 / fan_in``: a ReLU zeroes
    half of its inputs, halving the second moment, and the 2 puts it back.

    Parameters and returns as :func:`xavier_uniform`.
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out, "he_normal")
    std = _check_gain(gain, "he_normal") / math.sqrt(fan_in)
    return _normal(std, fan_in, fan_out, as_generator(rng, "he_normal"))


def he_uniform(fan_in, fan_out, gain=SQRT2, rng=None):
    """He/Kaiming uniform (fan_in mode): ``U(-a, a)`` with ``a = gain * sqrt(3 / fan_in)``.

    Parameters and returns as :func:`xavier_uniform`.
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out, "he_uniform")
    a = _check_gain(gain, "he_uniform") * math.sqrt(3.0 / fan_in)
    return _uniform(a, fan_in, fan_out, as_generator(rng, "he_uniform"))


def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
    """A (semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_``.

    The QR decomposition of a standard normal matrix, with the signs of ``Q``'s
    columns set by ``diag(R)`` so that ``Q`` is uniformly distributed (Haar).
    When ``fan_in >= fan_out`` the columns are orthonormal (``W.T @ W = gain² I``),
    otherwise the rows are (``W @ W.T = gain² I``); either way every singular
    value equals ``gain``, so ``||x @ W|| = gain · ||x||`` for a square ``W``.

    Parameters and returns as :func:`xavier_uniform`.
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out, "orthogonal")
    gain = _check_gain(gain, "orthogonal")
    rng = as_generator(rng, "orthogonal")
    tall = rng.normal(size=(max(fan_in, fan_out), min(fan_in, fan_out)))
    q, r = np.linalg.qr(tall)
    q = q * np.sign(np.diag(r))
    return gain * (q if fan_in >= fan_out else q.T)


def standard_uniform(fan_in, fan_out, gain=1.0, rng=None):
    """The "standard" heuristic ``U(-a, a)``, ``a = gain / sqrt(fan_in)`` (Glorot & Bengio's eq. 1).

    ``Var[W] = 1 / (3 fan_in)``, so each layer multiplies the variance of a
    (near-linear) signal by about 1/3: the initialization under which deep
    tanh networks' activations and gradients fade.

    Parameters and returns as :func:`xavier_uniform`.
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out, "standard_uniform")
    a = _check_gain(gain, "standard_uniform") / math.sqrt(fan_in)
    return _uniform(a, fan_in, fan_out, as_generator(rng, "standard_uniform"))


SCHEMES = {
    "standard_uniform": standard_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "orthogonal": orthogonal,
}
"""The schemes by name, for labs and notebooks that let the learner choose."""

_DEFAULT_GAIN = {"he_normal": SQRT2, "he_uniform": SQRT2}


def initialize(scheme, fan_in, fan_out, gain=None, rng=None):
    """``SCHEMES[scheme](fan_in, fan_out, gain, rng)``, with the scheme's default gain when ``gain`` is None.

    Raises
    ------
    ValueError
        For an unknown scheme, naming the known ones.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    gain = _DEFAULT_GAIN.get(scheme, 1.0) if gain is None else gain
    return SCHEMES[scheme](fan_in, fan_out, gain=gain, rng=rng)


def weight_variance(scheme, fan_in, fan_out, gain=None):
    """The variance of one entry of ``initialize(scheme, fan_in, fan_out, gain)``, from its formula.

    Returns
    -------
    float
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    fan_in, fan_out = _check_fans(fan_in, fan_out, "weight_variance")
    gain = _check_gain(_DEFAULT_GAIN.get(scheme, 1.0) if gain is None else gain, "weight_variance")
    unit = {
        "standard_uniform": 1.0 / (3.0 * fan_in),
        "xavier_uniform": 2.0 / (fan_in + fan_out),
        "xavier_normal": 2.0 / (fan_in + fan_out),
        "he_normal": 1.0 / fan_in,
        "he_uniform": 1.0 / fan_in,
        # Each unit-norm row or column spreads its norm over max(fan_in, fan_out) entries.
        "orthogonal": 1.0 / max(fan_in, fan_out),
    }[scheme]
    return gain ** 2 * unit


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    ``linear``/``sigmoid`` 1, ``tanh`` 5/3, ``relu`` sqrt(2),
    ``leaky_relu`` sqrt(2 / (1 + slope²)) with ``slope = param`` (default 0.01).
    """
    if nonlinearity in ("linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}; choose linear, sigmoid, tanh, relu or leaky_relu")
