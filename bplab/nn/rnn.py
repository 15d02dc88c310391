"""A vanilla recurrent layer and backpropagation through time (BPTT).

One step computes ``h_t = f(x_t @ Wx + h_{t-1} @ Wh + b)`` with ``f = tanh``
(``torch.nn.RNN``'s default; ``nonlinearity="relu"`` as torch, and ``"linear"``
for the lesson's experiments). Unrolled over ``T`` steps the layer is a deep
network whose layers share ``Wx, Wh, b``, so BPTT is ordinary backpropagation
through the unrolled graph: the gradient reaching ``h_t`` is the upstream
gradient of ``h_t`` itself plus what flows back from ``h_{t+1}``, and the
shared weights' gradients are summed over the steps.

Going back one step multiplies the gradient by ``diag(f'(a_t)) @ Wh.T``. When
the loss reads ``h_T`` alone, the gradient ``k`` steps back is therefore at most
``(max|f'| · ||Wh||_2)^k`` times ``||dL/dh_T||``, with ``||Wh||_2`` the spectral
norm (largest singular value; it equals the spectral radius ``ρ(Wh)`` only for
normal matrices): the vanishing and exploding gradients of lesson 03.

Truncated BPTT (lesson 08, ``truncate=k`` in :func:`rnn_backward`) lets each loss term's gradient travel back
at most ``k`` steps, as if the state ``k`` steps before it were a constant (``detach()`` in torch).
"""

from __future__ import annotations

import numpy as np

from bplab.nn.activations import relu_backward, relu_forward, tanh_backward, tanh_forward
from bplab.validation import as_float_array, check_positive_int, check_shape

NONLINEARITIES = ("tanh", "relu", "linear")


def identity_forward(a):
    """The identity as a layer pair (``"linear"``: no nonlinearity); returns ``(a, None)``."""
    return a, None


def identity_backward(da, _cache):
    """Gradient of the identity: ``da`` itself."""
    return da


_ACTIVATIONS = {
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "linear": (identity_forward, identity_backward),
}


def _activation(nonlinearity):
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {nonlinearity!r}")
    return _ACTIVATIONS[nonlinearity]


def _check_weights(Wx, Wh, b, D):
    Wx = as_float_array(Wx, "Wx", ndim=2)
    Wh = as_float_array(Wh, "Wh", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    H = Wh.shape[1]
    check_shape(Wx, "Wx", ((D, "D, the input size"), (H, "H = Wh.shape[1]")))
    check_shape(Wh, "Wh", ((H, "H"), (H, "H")))
    check_shape(b, "b", ((H, "H"),))
    return Wx, Wh, b


def _step(x, h_prev, Wx, Wh, b, nonlinearity):
    forward, _ = _activation(nonlinearity)
    h, act_cache = forward(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, act_cache, nonlinearity)


def rnn_step_forward(x, h_prev, Wx, Wh, b, *, nonlinearity="tanh"):
    """One step of a vanilla RNN: ``h = tanh(x @ Wx + h_prev @ Wh + b)``.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs of this step.
    h_prev : ndarray, shape (N, H)
        Previous hidden state.
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)
    nonlinearity : {"tanh", "relu", "linear"}
        Keyword only; ``"tanh"`` is the spec's (and torch's default).

    Returns
    -------
    h : ndarray of float64, shape (N, H)
    cache : tuple
        What :func:`rnn_step_backward` needs.
    """
    x = as_float_array(x, "x", ndim=2)
    h_prev = as_float_array(h_prev, "h_prev", ndim=2)
    Wx, Wh, b = _check_weights(Wx, Wh, b, x.shape[1])
    check_shape(h_prev, "h_prev", ((x.shape[0], "N = x.shape[0]"), (Wh.shape[0], "H")))
    return _step(x, h_prev, Wx, Wh, b, nonlinearity)


def rnn_step_backward(dh, cache):
    """Backward pass of one step.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        Upstream gradient of this step's ``h`` (everything that reaches it).
    cache : tuple
        From :func:`rnn_step_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
    """
    x, h_prev, Wx, Wh, act_cache, nonlinearity = cache
    dh = as_float_array(dh, "dh", ndim=2)
    check_shape(dh, "dh", ((h_prev.shape[0], "N"), (h_prev.shape[1], "H")))
    _, backward = _activation(nonlinearity)
    da = backward(dh, act_cache)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b, *, nonlinearity="tanh"):
    """Run a vanilla RNN over a whole sequence.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        ``N`` sequences of ``T`` steps of ``D`` features.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)
    nonlinearity : {"tanh", "relu", "linear"}
        Keyword only.

    Returns
    -------
    h : ndarray of float64, shape (N, T, H)
        Hidden state after every step (``h0`` not included).
    cache : list of tuple
        One step cache per time step.
    """
    x = as_float_array(x, "x", ndim=3)
    h0 = as_float_array(h0, "h0", ndim=2)
    N, T, D = x.shape
    Wx, Wh, b = _check_weights(Wx, Wh, b, D)
    check_shape(h0, "h0", ((N, "N = x.shape[0]"), (Wh.shape[0], "H")))
    h = np.empty((N, T, Wh.shape[0]))
    caches, h_prev = [], h0
    for t in range(T):
        h_prev, step_cache = _step(x[:, t, :], h_prev, Wx, Wh, b, nonlinearity)
        h[:, t, :] = h_prev
        caches.append(step_cache)
    return h, caches


def hidden_state_gradients(dh, cache, truncate=None):
    """BPTT, keeping the total gradient that reaches every hidden state.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of each ``h_t`` (from outside the recurrence).
    cache : list of tuple
        From :func:`rnn_forward`.
    truncate : int, optional
        Truncated BPTT: the gradient of each loss term (each ``dh[:, t]``) flows back through at most
        ``truncate`` steps, into ``h_t, ..., h_{t-truncate+1}`` and the weights of those steps, and stops there,
        as if ``h_{t-truncate}`` were a constant (``detach()`` in torch). None (or ``truncate >= T``) is full BPTT.

    Returns
    -------
    dh_total : ndarray, shape (N, T, H)
        ``dL/dh_t``: the upstream part plus what flows back from later steps (within the truncation).
    grads : tuple
        ``(dx, dh0, dWx, dWh, db)``, as :func:`rnn_backward` returns them.
    """
    if not isinstance(cache, list) or not cache:
        raise TypeError("cache must be the list of step caches returned by rnn_forward")
    _, h_prev0, Wx, Wh, _, _ = cache[0]
    N, H, T = h_prev0.shape[0], Wh.shape[0], len(cache)
    dh = as_float_array(dh, "dh", ndim=3)
    check_shape(dh, "dh", ((N, "N"), (T, "T"), (H, "H")))
    if truncate is not None:
        truncate = check_positive_int(truncate, "truncate")
    if truncate is None or truncate >= T:
        return _full_bptt(dh, cache)
    return _truncated_bptt(dh, cache, truncate)


def _full_bptt(dh, cache):
    _, h_prev0, Wx, Wh, _, _ = cache[0]
    N, H, T = h_prev0.shape[0], Wh.shape[0], len(cache)
    dx = np.empty((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_total = np.empty_like(dh)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        # h_t fans out to the output (dh[:, t]) and to the next step (dh_next): the gradients add.
        dh_total[:, t] = dh[:, t] + dh_next
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh_total[:, t], cache[t])
        dWx += dWx_t  # the weights are shared by every step: their gradients add up
        dWh += dWh_t
        db += db_t
    return dh_total, (dx, dh_next, dWx, dWh, db)


def _truncated_bptt(dh, cache, k):
    """Each loss term's own backward pass over its last ``k`` steps: ``k`` step backwards per term.

    The terms cannot share one backward sweep (each stops at a different step), so a loss at every step costs
    ``T·k`` step backwards; terms whose upstream gradient is zero are skipped, so a loss on the last step only
    (the lesson's task) costs ``k``: that is the time truncation saves.
    """
    _, h_prev0, Wx, Wh, _, _ = cache[0]
    N, H, T = h_prev0.shape[0], Wh.shape[0], len(cache)
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_total, dh0 = np.zeros_like(dh), np.zeros((N, H))
    for end in range(T):
        if not np.any(dh[:, end]):
            continue
        grad = dh[:, end]
        for t in range(end, max(end - k, -1), -1):
            dh_total[:, t] += grad
            dx_t, grad, dWx_t, dWh_t, db_t = rnn_step_backward(grad, cache[t])
            dx[:, t] += dx_t
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
        if end - k < 0:  # this term's window reached the first step: what is left is h0's gradient
            dh0 += grad
    return dh_total, (dx, dh0, dWx, dWh, db)


def rnn_backward(dh, cache, truncate=None):
    """Backpropagation through time over a whole sequence.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state ``h[:, t]``.
    cache : list of tuple
        From :func:`rnn_forward`.
    truncate : int, optional
        Truncated BPTT (see :func:`hidden_state_gradients`); None is full BPTT.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
    """
    return hidden_state_gradients(dh, cache, truncate)[1]
