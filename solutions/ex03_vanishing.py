"""Lesson 03: vanishing and exploding gradients.

Write the marked parts of each function, save the file, and run the check
cells of ``notebooks/03_vanishing_exploding.ipynb`` (or ``bplab check 03``).

The gradient-flow explorer draws its Xavier and He weights with your
``xavier_uniform`` and ``he_normal`` once their checks pass ("powered by your
code"); until then, and everywhere else, the notebook uses reference versions of
the same formulas (``bplab.init``, ``bplab.optim.clip``, ``bplab.nn.rnn``).
"""

import numpy as np

SQRT2 = np.sqrt(2.0)


def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    """Glorot/Xavier uniform initialization.

    Draw every entry from ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``,
    so that ``Var[W] = gain² · 2 / (fan_in + fan_out)``.

    Parameters
    ----------
    fan_in, fan_out : int
    gain : float
    rng : numpy.random.Generator
        Draw every random number from it (never from ``np.random`` directly),
        so the same generator state gives the same matrix.

    Returns
    -------
    W : ndarray of float64, shape (fan_in, fan_out)
    """
    ### BEGIN SOLUTION  notebook 03, section "4. Glorot and Bengio: keep the variance"
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
    ### END SOLUTION


def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    """He/Kaiming normal initialization (fan_in mode).

    Draw every entry from ``N(0, std²)`` with ``std = gain / sqrt(fan_in)``;
    with the default gain ``sqrt(2)``, ``Var[W] = 2 / fan_in``.

    Parameters
    ----------
    fan_in, fan_out : int
    gain : float
    rng : numpy.random.Generator

    Returns
    -------
    W : ndarray of float64, shape (fan_in, fan_out)
    """
    ### BEGIN SOLUTION  notebook 03, section "5. He et al.: ReLU halves the variance"
    return rng.normal(0.0, gain / np.sqrt(fan_in), size=(fan_in, fan_out))
    ### END SOLUTION


def layer_gradient_norms(x, weights, biases, dout):
    """Per-layer weight-gradient norms of a deep tanh network.

    The network is ``h_0 = x`` and ``h_l = tanh(h_{l-1} @ W_l + b_l)`` for
    ``l = 1 .. L``; ``dout`` is the upstream gradient ``dL/dh_L``.

    Parameters
    ----------
    x : ndarray, shape (N, D_0)
    weights : list of L ndarrays, ``weights[l]`` of shape (D_l, D_{l+1})
    biases : list of L ndarrays, ``biases[l]`` of shape (D_{l+1},)
    dout : ndarray, shape (N, D_L)

    Returns
    -------
    norms : ndarray of float64, shape (L,)
        ``norms[l]`` is the Frobenius norm ``||dL/dW_l||`` of layer ``l``'s
        weight gradient, first layer first.
    """
    ### BEGIN SOLUTION  notebook 03, section "7. Per-layer gradient norms"
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k].T
    return norms
    ### END SOLUTION


# Questions (notebook 03, section "7. Per-layer gradient norms"), answered BEFORE you open the explorer.
# Q1. A 50-layer sigmoid network with the standard initialization U(-1/sqrt(n), 1/sqrt(n)). Which layer's
#     backpropagated gradient ||dL/da_l|| is the largest?
#     (a) layer 1, the first   (b) layer 25, the middle   (c) layer 50, the last   (d) all about the same
#     Write the letter in quotes, for example SIGMOID_LARGEST_LAYER = "a".
# Q2. A ReLU network with He initialization, every weight then multiplied by 2. Going back one layer,
#     by what factor does the norm ||dL/da_l|| grow (in the mean-field theory)? (a number)
### BEGIN SOLUTION  notebook 03, section "7. Per-layer gradient norms"
SIGMOID_LARGEST_LAYER = "c"
RELU_SCALE2_NORM_FACTOR = 2.0
### END SOLUTION


def rnn_tanh_backward(dh, h):
    """Stage 1 of the RNN step's backward pass: from ``dL/dh`` back to ``dL/da``, through ``h = tanh(a)``.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        Upstream gradient of the step's output ``h``.
    h : ndarray, shape (N, H)
        The step's output ``tanh(a)``, saved by the forward pass (``a`` itself is not needed).

    Returns
    -------
    da : ndarray, shape (N, H)
        The gradient of the pre-activation ``a``.
    """
    ### BEGIN SOLUTION  notebook 03, section "8. Recurrent networks"
    return dh * (1.0 - h ** 2)
    ### END SOLUTION


def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    """Stage 2: from ``dL/da`` into the five inputs of ``a = x @ Wx + h_prev @ Wh + b``.

    Parameters
    ----------
    da : ndarray, shape (N, H)
        From :func:`rnn_tanh_backward`.
    x : ndarray, shape (N, D)
    h_prev : ndarray, shape (N, H)
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
        Each has the shape of the input it is the gradient of.
    """
    ### BEGIN SOLUTION  notebook 03, section "8. Recurrent networks"
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: ``h = tanh(x @ Wx + h_prev @ Wh + b)``.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    h_prev : ndarray, shape (N, H)
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)

    Returns
    -------
    h : ndarray, shape (N, H)
    cache : anything your rnn_step_backward needs
    """
    ### BEGIN SOLUTION  notebook 03, section "8. Recurrent networks"
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)
    ### END SOLUTION


def rnn_step_backward(dh, cache):
    """Backward pass of one RNN step.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        Upstream gradient of this step's ``h``.
    cache : from your rnn_step_forward

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)

    Your two stages, :func:`rnn_tanh_backward` then :func:`rnn_affine_backward`, are this
    function: call them.
    """
    ### BEGIN SOLUTION  notebook 03, section "8. Recurrent networks"
    x, h_prev, Wx, Wh, h = cache
    return rnn_affine_backward(rnn_tanh_backward(dh, h), x, h_prev, Wx, Wh)
    ### END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over whole sequences.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)

    Returns
    -------
    h : ndarray, shape (N, T, H)
        Every hidden state (``h0`` excluded).
    cache : anything your rnn_backward needs
    """
    ### BEGIN SOLUTION  notebook 03, section "9. Backpropagation through time"
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    caches, h_prev = [], h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(step_cache)
    return h, caches
    ### END SOLUTION


def rnn_backward(dh, cache):
    """Backpropagation through time.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state ``h[:, t]``.
    cache : from your rnn_forward

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
    """
    ### BEGIN SOLUTION  notebook 03, section "9. Backpropagation through time"
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
    ### END SOLUTION


# Question (notebook 03, section "9. Backpropagation through time"), answered BEFORE you open the explorer.
# A linear RNN whose W_h is 0.8 times an orthogonal matrix; the loss reads h_T alone. Going back one time
# step, by how much does log10 ||dL/dh_t|| change? (a number: negative if the gradient shrinks)
### BEGIN SOLUTION  notebook 03, section "9. Backpropagation through time"
BPTT_LOG10_SLOPE = -0.0969
### END SOLUTION


def clip_grad_norm(grads, max_norm):
    """Clip gradients by their global norm, in place (``torch.nn.utils.clip_grad_norm_``).

    The total norm is ``sqrt(sum_i ||grads[i]||²)``. When
    ``c = max_norm / (total_norm + 1e-6)`` is below 1, multiply every gradient
    in place by ``c``; otherwise leave them unchanged.

    Parameters
    ----------
    grads : list of ndarray of float64
        Changed in place.
    max_norm : float

    Returns
    -------
    total_norm : float
        The global norm *before* clipping.
    """
    ### BEGIN SOLUTION  notebook 03, section "10. Gradient clipping"
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coefficient = max_norm / (total_norm + 1e-6)
    if coefficient < 1.0:
        for g in grads:
            g *= coefficient
    return total_norm
    ### END SOLUTION


# Question (notebook 03, section "10. Gradient clipping"), answered BEFORE you run the clipping demo.
# The BPTT explorer's RNN (linear, rho = 1.2, 60 steps) has a parameter gradient (dWx, dWh, db) that sums what
# every time step contributes (step t through dL/dh_t); its global norm is far above 1. Clip it at max_norm = 1:
# by what factor does the ratio of the first step's share to the last step's, ||dL/dh_1|| / ||dL/dh_T|| (how much
# the gradient changed through time), change? (a number)
### BEGIN SOLUTION  notebook 03, section "10. Gradient clipping"
CLIP_DECAY_RATIO_FACTOR = 1.0
### END SOLUTION
