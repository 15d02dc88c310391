"""Lesson 02: backpropagation through a multilayer perceptron.

Write the marked functions, save, and run the matching ``check(...)`` cell in
``notebooks/02_backprop_mlp.ipynb`` (or ``bplab check NAME`` in a terminal).

Conventions (as PyTorch): ``x`` is (N, D); a linear layer computes
``x @ W + b`` with ``W`` (D, M) and ``b`` (M,); every ``*_forward`` returns
``(out, cache)`` and every ``*_backward(dout, cache)`` returns the gradients of
the forward's array inputs; losses return ``(loss, dinput)`` averaged over the
batch (cross-entropy) or over all elements (MSE, MAE, BCE).

(For maintainers: these answers deliberately repeat ``bplab.nn``; the
solution/reference pair is the course's only intended duplication.)
"""

import numpy as np

# The activation forwards are given (from bplab's reference); you write their backward passes.
# Their caches: relu -> x, sigmoid -> out, tanh -> out, leaky_relu -> (x, slope).
from bplab.nn import leaky_relu_forward, relu_forward, sigmoid_forward, tanh_forward  # noqa: F401

# ---------------------------------------------------------------------------------------------
# 2. Linear layers
# ---------------------------------------------------------------------------------------------


def linear_forward(x, W, b):
    """Forward pass of a linear (fully connected) layer.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)

    Returns
    -------
    out : ndarray, shape (N, M)
        ``x @ W + b``.
    cache : tuple
        What the backward pass needs, for example ``(x, W, b)``.
    """
    ### BEGIN SOLUTION  notebook 02, section "2. Linear layers"
    out = x @ W + b
    cache = (x, W, b)
    return out, cache
    ### END SOLUTION


def linear_backward(dout, cache):
    """Backward pass of a linear layer.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
        Upstream gradient of ``out``.
    cache : tuple
        From your ``linear_forward``.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
        Each gradient has the shape of what it is the gradient of.
    """
    ### BEGIN SOLUTION  notebook 02, section "2. Linear layers"
    x, W, _ = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 3. Activations (the forwards are imported above)
# ---------------------------------------------------------------------------------------------


def relu_backward(dout, cache):
    """Backward pass of ReLU.

    Parameters
    ----------
    dout : ndarray, any shape
    cache : ndarray
        ``x``, the forward's input (see ``relu_forward``).

    Returns
    -------
    dx : ndarray, shape of ``dout``
        ``dout`` where ``x > 0``, 0 elsewhere (0 at ``x == 0``, as PyTorch).
    """
    ### BEGIN SOLUTION  notebook 02, section "3. Activations"
    x = cache
    return dout * (x > 0)
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Backward pass of the logistic sigmoid.

    Parameters
    ----------
    dout : ndarray, any shape
    cache : ndarray
        ``s``, the forward's *output* (see ``sigmoid_forward``).

    Returns
    -------
    dx : ndarray, shape of ``dout``
    """
    ### BEGIN SOLUTION  notebook 02, section "3. Activations"
    s = cache
    return dout * s * (1.0 - s)
    ### END SOLUTION


def tanh_backward(dout, cache):
    """Backward pass of tanh.

    Parameters
    ----------
    dout : ndarray, any shape
    cache : ndarray
        ``t``, the forward's *output* (see ``tanh_forward``).

    Returns
    -------
    dx : ndarray, shape of ``dout``
    """
    ### BEGIN SOLUTION  notebook 02, section "3. Activations"
    t = cache
    return dout * (1.0 - t ** 2)
    ### END SOLUTION


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU.

    Parameters
    ----------
    dout : ndarray, any shape
    cache : tuple
        ``(x, slope)`` (see ``leaky_relu_forward``).

    Returns
    -------
    dx : ndarray, shape of ``dout``
        ``dout`` where ``x > 0``, ``slope * dout`` elsewhere (as PyTorch).
    """
    ### BEGIN SOLUTION  notebook 02, section "3. Activations"
    x, slope = cache
    return np.where(x > 0, dout, slope * dout)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 4. Losses
# ---------------------------------------------------------------------------------------------


def softmax_jacobian(p):
    """The Jacobian of softmax at one row, from that row's probabilities.

    Parameters
    ----------
    p : ndarray, shape (K,)
        ``softmax(z)`` for one row ``z`` of logits.

    Returns
    -------
    J : ndarray, shape (K, K)
        ``J[i, j] = d p_i / d z_j``: how much output ``i`` moves when logit
        ``j`` is nudged. Derive it entry by entry (``i == j`` and ``i != j``).
    """
    ### BEGIN SOLUTION  notebook 02, section "4. Losses"
    p = np.asarray(p, dtype=np.float64)
    return np.diag(p) - np.outer(p, p)
    ### END SOLUTION


def softmax_cross_entropy_staged(logits, y):
    """Softmax cross-entropy and its gradient, computed in stages (the derivation, not the shortcut).

    Forward: ``p = softmax(logits)`` row by row (subtract each row's maximum
    before ``np.exp``), then ``loss = mean over n of -log p[n, y[n]]``.
    Backward, one stage at a time:

    1. ``dp = dloss / dp``, shape (N, C): which entries of ``p`` does the loss
       read, and what is the derivative of ``-log`` there? (Remember the mean.)
    2. for each row ``n``: ``dlogits[n] = J_n.T @ dp[n]`` with
       ``J_n = softmax_jacobian(p[n])`` (a vector-Jacobian product).

    Parameters
    ----------
    logits : ndarray, shape (N, C)
    y : ndarray of int, shape (N,)

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, C)
    """
    ### BEGIN SOLUTION  notebook 02, section "4. Losses"
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / (n * p[rows, y])         # d(-log p_y)/dp_y, and the 1/N of the mean
    dlogits = np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n)])
    return loss, dlogits
    ### END SOLUTION


# Question (notebook 02, section "4. Losses"). A sigmoid output p = sigmoid(z) has the target t = 1 and the logit
# z = -5 (confidently wrong). Cross-entropy gives dL/dz = p - t; MSE on p gives dL/dz = 2 (p - t) p (1 - p).
# By what factor is the MSE gradient smaller than the cross-entropy one? (a number)
### BEGIN SOLUTION  notebook 02, section "4. Losses"
MSE_SATURATION_FACTOR = 75
### END SOLUTION


def softmax_cross_entropy(logits, y):
    """Softmax cross-entropy, averaged over the batch (PyTorch's ``F.cross_entropy``).

    Must stay finite for logits of magnitude 1000: subtract each row's maximum
    before ``np.exp``.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
    y : ndarray of int, shape (N,)
        Labels in ``0 .. C-1``.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, C)
    """
    ### BEGIN SOLUTION  notebook 02, section "4. Losses"
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n
    ### END SOLUTION


def mse_loss(pred, target):
    """Mean squared error over all elements (PyTorch's ``F.mse_loss``).

    Parameters
    ----------
    pred, target : ndarray, same shape

    Returns
    -------
    loss : float
    dpred : ndarray, shape of ``pred``
    """
    ### BEGIN SOLUTION  notebook 02, section "4. Losses"
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size
    ### END SOLUTION


def mae_loss(pred, target):
    """Mean absolute error over all elements (PyTorch's ``F.l1_loss``).

    Parameters
    ----------
    pred, target : ndarray, same shape

    Returns
    -------
    loss : float
    dpred : ndarray, shape of ``pred``
        Use the subgradient 0 where ``pred == target`` (``np.sign`` does).
    """
    ### BEGIN SOLUTION  notebook 02, section "4. Losses"
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size
    ### END SOLUTION


def bce_with_logits(logits, target):
    """Binary cross-entropy on logits, averaged over all elements
    (PyTorch's ``F.binary_cross_entropy_with_logits``).

    Must stay finite for logits of magnitude 1000: use
    ``max(x, 0) - x * t + log(1 + exp(-|x|))`` (``np.log1p``).

    Parameters
    ----------
    logits : ndarray, any shape
    target : ndarray, shape of ``logits``
        Probabilities in [0, 1].

    Returns
    -------
    loss : float
    dlogits : ndarray, shape of ``logits``
    """
    ### BEGIN SOLUTION  notebook 02, section "4. Losses"
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))  # sigmoid without overflow
    return float(loss), (s - t) / x.size
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 5. A whole network
# ---------------------------------------------------------------------------------------------


def two_layer_loss(X, y, params):
    """Loss and gradients of ``X -> linear -> ReLU -> linear -> softmax cross-entropy``.

    Use your own layer functions above.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray of int, shape (N,)
    params : dict
        ``"W1"`` (D, H), ``"b1"`` (H,), ``"W2"`` (H, C), ``"b2"`` (C,).

    Returns
    -------
    loss : float
    grads : dict
        The same keys as ``params``, each gradient of the shape of its parameter.
    """
    ### BEGIN SOLUTION  notebook 02, section "5. A whole network"
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION


# Question (notebook 02, section "5. A whole network"). A 3-class network with small random weights (N(0, 0.01^2))
# sees the spiral for the first time. What softmax cross-entropy loss do you expect? (a number, 2 decimals)
### BEGIN SOLUTION  notebook 02, section "5. A whole network"
INITIAL_LOSS = 1.10
### END SOLUTION

# Question (notebook 02, section "6. The training loop"). 240 training points, batch size 32: how many steps
# (parameter updates) make one epoch? (a number)
### BEGIN SOLUTION  notebook 02, section "6. The training loop"
STEPS_PER_EPOCH = 8
### END SOLUTION

# Question (notebook 02, section "6. The training loop"). With 0 hidden layers (a linear classifier), which
# playground dataset can the network classify well? (a) spirals (b) circles (c) xor (d) blobs
### BEGIN SOLUTION  notebook 02, section "6. The training loop"
LINEAR_DATASET = "d"
### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 7. Find the planted bug (given code: read it, gradient-check it, then fix it below)
# ---------------------------------------------------------------------------------------------


def two_layer_forward(X, params):
    """Given: the scores of ``X -> linear -> ReLU -> linear``, and a cache for the backward pass.

    Returns
    -------
    scores : ndarray, shape (N, C)
    cache : tuple
        ``(X, params, h)`` with ``h`` the ReLU's output, shape (N, H).
    """
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    scores = h @ params["W2"] + params["b2"]
    return scores, (X, params, h)


def buggy_two_layer_backward(dscores, cache):
    """Given, and WRONG somewhere: gradients of the parameters of ``two_layer_forward``.

    A gradient check of each returned gradient tells you which ones are wrong;
    the code between the correct ones and the wrong ones holds the bug.

    Parameters
    ----------
    dscores : ndarray, shape (N, C)
        Upstream gradient of the scores.
    cache : tuple
        From ``two_layer_forward``.

    Returns
    -------
    grads : dict
        ``"W1"``, ``"b1"``, ``"W2"``, ``"b2"``.
    """
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (X @ params["W1"] > 0)  # which units were active
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def fixed_two_layer_backward(dscores, cache):
    """``buggy_two_layer_backward`` with its bug fixed.

    Parameters
    ----------
    dscores : ndarray, shape (N, C)
    cache : tuple
        From ``two_layer_forward``: ``(X, params, h)``.

    Returns
    -------
    grads : dict
        ``"W1"``, ``"b1"``, ``"W2"``, ``"b2"``.
    """
    ### BEGIN SOLUTION  notebook 02, section "7. Find the planted bug"
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (h > 0)  # the mask must include the bias: X @ W1 + b1 > 0, which is h > 0
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 8. Gradient checking, honestly
# ---------------------------------------------------------------------------------------------

# Question (notebook 02, section "8. Gradient checking, honestly"). relu(x) = max(x, 0) at x = 1e-6, central
# difference with h = 1e-5: (relu(x + h) - relu(x - h)) / 2h = ? (a number)
### BEGIN SOLUTION  notebook 02, section "8. Gradient checking, honestly"
RELU_KINK_NUMERIC = 0.55
### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 9. Regression: outliers and the choice of loss
# ---------------------------------------------------------------------------------------------

# Question (notebook 02, section "9. Regression: outliers and the choice of loss"). The targets are 1, 2, 3, 4
# and 100. Which constant prediction c has the smallest MAE, mean(|c - target|)? (a number)
### BEGIN SOLUTION  notebook 02, section "9. Regression: outliers and the choice of loss"
MAE_BEST_CONSTANT = 3
### END SOLUTION
