"""The LSTM cell and its backpropagation through time, with ``torch.nn.LSTM``'s semantics (float64).

One step, with ``H`` hidden units and the pre-activations ``a = x @ Wx + h_prev @ Wh + b`` of shape ``(N, 4H)``
split into four blocks in torch's order (input, forget, cell, output)::

    i = σ(a[:, :H])   f = σ(a[:, H:2H])   g = tanh(a[:, 2H:3H])   o = σ(a[:, 3H:])
    c = f * c_prev + i * g
    h = o * tanh(c)

torch stores the weights transposed and two biases: ``weight_ih_l0`` is ``Wx.T``, ``weight_hh_l0`` is
``Wh.T`` and ``bias_ih_l0 + bias_hh_l0`` is ``b``.

Why the cell keeps the gradient: ``c`` is updated by addition, so ``∂c_t/∂c_{t-1} = diag(f_t)`` (through the
direct path): with forget gates near 1 the gradient flows back through many steps almost unchanged, where a
vanilla RNN multiplies it by ``diag(tanh'(a_t)) @ Wh.T`` at every step.

Every function is finite and warning-free (even under ``np.errstate(all="raise")``) for pre-activations of
magnitude 1e3: the sigmoid takes ``exp`` of non-positive numbers only, ``tanh`` saturates exactly, and
underflow to subnormals or zero (what torch computes too) is silenced inside these functions.
"""

from __future__ import annotations

import numpy as np

from bplab.validation import as_float_array, check_shape


def _check_weights(Wx, Wh, b, D):
    Wx = as_float_array(Wx, "Wx", ndim=2)
    Wh = as_float_array(Wh, "Wh", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    H = Wh.shape[0]
    check_shape(Wh, "Wh", ((H, "H = Wh.shape[0]"), (4 * H, "4H")))
    check_shape(Wx, "Wx", ((D, "D, the input size"), (4 * H, "4H")))
    check_shape(b, "b", ((4 * H, "4H"),))
    return Wx, Wh, b


# Products of gate values and gradients may fall below float64's smallest normal number when pre-activations are
# huge (σ(-700) ~ 1e-304). Gradual underflow to a subnormal or to 0 is what torch computes too, and harmless: it
# is silenced here, so a caller's np.errstate(all="raise") only trips on real overflow or invalid operations.
_QUIET_UNDERFLOW = {"under": "ignore"}


def _sigmoid(a):
    """σ(a) from ``exp(-|a|)`` only (never overflows); called with underflow silenced (exp(-1000) is 0)."""
    z = np.exp(-np.abs(a))
    r = 1.0 / (1.0 + z)
    return np.where(a >= 0, r, z * r)


def _step(x, h_prev, c_prev, Wx, Wh, b):
    with np.errstate(**_QUIET_UNDERFLOW):
        return _step_quiet(x, h_prev, c_prev, Wx, Wh, b)


def _step_quiet(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    gates = _sigmoid(a)                                 # i, f, o (and g, overwritten next)
    gates[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])  # g
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, Wx, Wh, gates, tanh_c)


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step (``torch.nn.LSTMCell``).

    Parameters
    ----------
    x : ndarray, shape (N, D)
    h_prev, c_prev : ndarray, shape (N, H)
        Previous hidden and cell states.
    Wx : ndarray, shape (D, 4H)
    Wh : ndarray, shape (H, 4H)
    b : ndarray, shape (4H,)
        Gate blocks in torch's order: input, forget, cell (g), output.

    Returns
    -------
    h, c : ndarray of float64, shape (N, H)
    cache : tuple
        What :func:`lstm_step_backward` needs.
    """
    x = as_float_array(x, "x", ndim=2)
    h_prev = as_float_array(h_prev, "h_prev", ndim=2)
    c_prev = as_float_array(c_prev, "c_prev", ndim=2)
    Wx, Wh, b = _check_weights(Wx, Wh, b, x.shape[1])
    H = Wh.shape[0]
    check_shape(h_prev, "h_prev", ((x.shape[0], "N = x.shape[0]"), (H, "H")))
    check_shape(c_prev, "c_prev", ((x.shape[0], "N = x.shape[0]"), (H, "H")))
    return _step(x, h_prev, c_prev, Wx, Wh, b)


def gate_gradients(dh, dc, cache):
    """The staged middle of the backward pass: the gradients of the new cell state and of the pre-activations.

    Parameters
    ----------
    dh, dc : ndarray, shape (N, H)
        Upstream gradients of this step's ``h`` and ``c``.
    cache : tuple
        From :func:`lstm_step_forward`.

    Returns
    -------
    dc_total : ndarray, shape (N, H)
        ``dL/dc``: the upstream ``dc`` plus the path through ``h = o * tanh(c)``.
    da : ndarray, shape (N, 4H)
        ``dL/da``, blocks in the order i, f, g, o.
    """
    with np.errstate(**_QUIET_UNDERFLOW):
        return _gate_gradients(dh, dc, cache)


def _gate_gradients(dh, dc, cache):
    _, _, c_prev, _, _, gates, tanh_c = cache
    H = c_prev.shape[1]
    i, g, o = gates[:, :H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    dc_total = dc + dh * o * (1.0 - tanh_c * tanh_c)
    # dL/da = (gradient of each gate value) * (derivative of its nonlinearity, written with its output):
    # the gate values' gradients are dc·g, dc·c_prev, dc·i (the cell update) and dh·tanh(c) (the output).
    local = gates * (1.0 - gates)           # σ' = σ(1 - σ) for i, f, o
    local[:, 2 * H:3 * H] = 1.0 - g * g     # tanh' = 1 - tanh² for g
    da = np.concatenate([g, c_prev, i, tanh_c], axis=1)
    da *= local
    da.reshape(-1, 4, H)[:, :3] *= dc_total[:, None, :]  # i, f, g: the cell update's (da is contiguous: a view)
    da[:, 3 * H:] *= dh
    return dc_total, da


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    Parameters
    ----------
    dh, dc : ndarray, shape (N, H)
        Upstream gradients of this step's ``h`` and ``c``.
    cache : tuple
        From :func:`lstm_step_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev, dc_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)
    """
    h_prev, c_prev = cache[1], cache[2]
    H = c_prev.shape[1]
    dh = as_float_array(dh, "dh", ndim=2)
    dc = as_float_array(dc, "dc", ndim=2)
    check_shape(dh, "dh", ((h_prev.shape[0], "N"), (H, "H")))
    check_shape(dc, "dc", ((h_prev.shape[0], "N"), (H, "H")))
    return _step_backward(dh, dc, cache)[1]


def _step_backward(dh, dc, cache):
    """``(dc_total, (dx, dh_prev, dc_prev, dWx, dWh, db))`` for one step, inputs already checked."""
    with np.errstate(**_QUIET_UNDERFLOW):
        return _step_backward_quiet(dh, dc, cache)


def _step_backward_quiet(dh, dc, cache):
    x, h_prev, _, Wx, Wh, gates, _ = cache
    H = h_prev.shape[1]
    dc_total, da = _gate_gradients(dh, dc, cache)
    dc_prev = dc_total * gates[:, H:2 * H]  # the additive path: dc_prev = f * dc
    return dc_total, (da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0))


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """Run an LSTM over whole sequences (``torch.nn.LSTM`` with ``batch_first=True``, one layer).

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
    Wx : ndarray, shape (D, 4H)
    Wh : ndarray, shape (H, 4H)
    b : ndarray, shape (4H,)
    c0 : ndarray, shape (N, H), optional
        Initial cell state; zeros when None (as torch).

    Returns
    -------
    h : ndarray of float64, shape (N, T, H)
        Hidden state after every step.
    cache : dict
        ``"steps"`` (one step cache per time step), ``"cells"`` (N, T, H) and ``"c0_given"``.
    """
    x = as_float_array(x, "x", ndim=3)
    h0 = as_float_array(h0, "h0", ndim=2)
    N, T, D = x.shape
    Wx, Wh, b = _check_weights(Wx, Wh, b, D)
    H = Wh.shape[0]
    check_shape(h0, "h0", ((N, "N = x.shape[0]"), (H, "H")))
    c_given = c0 is not None
    c0 = np.zeros((N, H)) if c0 is None else as_float_array(c0, "c0", ndim=2)
    check_shape(c0, "c0", ((N, "N = x.shape[0]"), (H, "H")))
    h, cells = np.empty((N, T, H)), np.empty((N, T, H))
    steps, h_prev, c_prev = [], h0, c0
    with np.errstate(**_QUIET_UNDERFLOW):
        for t in range(T):
            h_prev, c_prev, step_cache = _step_quiet(x[:, t, :], h_prev, c_prev, Wx, Wh, b)
            h[:, t], cells[:, t] = h_prev, c_prev
            steps.append(step_cache)
    return h, {"steps": steps, "cells": cells, "c0_given": c_given}


def state_gradients(dh, cache):
    """BPTT through an LSTM, keeping the total gradient that reaches every hidden and cell state.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of each ``h_t`` (from outside the recurrence).
    cache : dict
        From :func:`lstm_forward`.

    Returns
    -------
    dh_total, dc_total : ndarray, shape (N, T, H)
        ``dL/dh_t`` (upstream plus what flows back from step ``t+1``) and ``dL/dc_t``.
    grads : tuple
        ``(dx, dh0, dc0, dWx, dWh, db)``.
    """
    if not isinstance(cache, dict) or not cache.get("steps"):
        raise TypeError("cache must be the dict returned by lstm_forward")
    steps = cache["steps"]
    _, h_prev0, _, Wx, Wh, _, _ = steps[0]
    N, H, T = h_prev0.shape[0], h_prev0.shape[1], len(steps)
    dh = as_float_array(dh, "dh", ndim=3)
    check_shape(dh, "dh", ((N, "N"), (T, "T"), (H, "H")))
    dx = np.empty((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_total, dc_total = np.empty_like(dh), np.empty_like(dh)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    with np.errstate(**_QUIET_UNDERFLOW):
        for t in reversed(range(T)):
            # h_t fans out to the loss (dh[:, t]) and to step t+1 (dh_next): the gradients add.
            dh_total[:, t] = dh[:, t] + dh_next
            dc_total[:, t], (dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t) = _step_backward_quiet(
                dh_total[:, t], dc_next, steps[t])
            dWx += dWx_t  # shared weights: their gradients add up over the steps
            dWh += dWh_t
            db += db_t
    return dh_total, dc_total, (dx, dh_next, dc_next, dWx, dWh, db)


def lstm_backward(dh, cache):
    """Backpropagation through time over whole sequences.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state ``h[:, t]``.
    cache : dict
        From :func:`lstm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)
    dc0 : ndarray, shape (N, H)
        Only when ``lstm_forward`` was given ``c0`` (as the last element).
    """
    _, _, (dx, dh0, dc0, dWx, dWh, db) = state_gradients(dh, cache)
    grads = (dx, dh0, dWx, dWh, db)
    return grads + (dc0,) if cache["c0_given"] else grads
