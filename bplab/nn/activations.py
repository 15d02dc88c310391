"""Element-wise activations and their backward passes (ReLU, sigmoid, tanh, leaky ReLU).

Each backward pass multiplies the upstream gradient by the local derivative.
Sigmoid and tanh cache their *output* because their derivatives are cheapest
written in it: ``s (1 - s)`` and ``1 - t**2``. The subgradient at 0 follows
PyTorch: ReLU's is 0, leaky ReLU's is ``slope``.
"""

from __future__ import annotations

import numpy as np

from bplab.validation import as_float_array, check_same_shape


def _upstream(dout, reference):
    dout = as_float_array(dout, "dout")
    check_same_shape(dout, reference, ("dout", "the forward's output"))
    return dout


def relu_forward(x):
    """``max(x, 0)``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray of float64, shape of ``x``
    cache : ndarray
        ``x``.
    """
    x = as_float_array(x, "x")
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    """Gradient of ReLU: passes ``dout`` where ``x > 0``, 0 elsewhere (0 at ``x == 0``, like torch).

    Returns
    -------
    dx : ndarray, shape of ``dout``
    """
    x = cache
    dout = _upstream(dout, x)
    return dout * (x > 0)


EXP_FLOOR = -600.0
"""Arguments of ``exp`` are clipped here: ``exp(-600) ~ 3e-261`` is still a normal float, so no
underflow is ever signalled (and it is below anything that matters next to 1)."""


def exp_nonpositive(z):
    """``exp(z)`` for ``z <= 0``, clipped at :data:`EXP_FLOOR` so that it neither overflows nor underflows."""
    return np.exp(np.maximum(z, EXP_FLOOR))


def sigmoid(x):
    """Numerically stable logistic function ``1 / (1 + exp(-x))``.

    ``exp`` is only ever taken of ``-|x|`` (see :func:`exp_nonpositive`), so
    it never overflows or underflows, even under ``np.errstate(all="raise")``.
    """
    z = exp_nonpositive(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_forward(x):
    """The logistic sigmoid (``torch.sigmoid``), finite and warning-free for any finite ``x``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray of float64, shape of ``x``
    cache : ndarray
        ``out``.
    """
    x = as_float_array(x, "x")
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """Gradient of the sigmoid: ``dout * s * (1 - s)`` with ``s`` the forward's output."""
    s = cache
    dout = _upstream(dout, s)
    return dout * s * (1.0 - s)


def tanh_forward(x):
    """Hyperbolic tangent.

    Returns
    -------
    out : ndarray of float64, shape of ``x``
    cache : ndarray
        ``out``.
    """
    x = as_float_array(x, "x")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Gradient of tanh: ``dout * (1 - t**2)`` with ``t`` the forward's output."""
    t = cache
    dout = _upstream(dout, t)
    return dout * (1.0 - t * t)


def leaky_relu_forward(x, slope=0.01):
    """``x`` where positive, ``slope * x`` elsewhere (``torch.nn.functional.leaky_relu``).

    Parameters
    ----------
    x : ndarray, any shape
    slope : float
        torch's ``negative_slope``.

    Returns
    -------
    out : ndarray of float64, shape of ``x``
    cache : tuple
        ``(x, slope)``.
    """
    x = as_float_array(x, "x")
    slope = float(slope)
    return np.where(x > 0, x, slope * x), (x, slope)


def leaky_relu_backward(dout, cache):
    """Gradient of leaky ReLU: ``dout`` where ``x > 0``, ``slope * dout`` elsewhere (as torch)."""
    x, slope = cache
    dout = _upstream(dout, x)
    return np.where(x > 0, dout, slope * dout)
