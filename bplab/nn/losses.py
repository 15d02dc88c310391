"""Mean-reduced losses with their gradients: ``loss_fn(input, target) -> (loss, dinput)``.

Each follows the PyTorch 2.x function of the same purpose with
``reduction="mean"``:

========================  ==============================================  =====================
bplab                     torch                                           suits
========================  ==============================================  =====================
softmax_cross_entropy     ``F.cross_entropy(logits, y)``                  K-class classification
bce_with_logits           ``F.binary_cross_entropy_with_logits(x, t)``    binary / multi-label
mse_loss                  ``F.mse_loss(pred, target)``                    regression
mae_loss                  ``F.l1_loss(pred, target)``                     regression with outliers
huber_loss                ``F.huber_loss(pred, target, delta=delta)``     regression, robust and smooth
========================  ==============================================  =====================

The gradient is of the *mean*, so it carries a ``1/N`` (or ``1/size``) factor.
The two losses on logits never form ``exp`` of a large positive number, so they
stay finite and warning-free for logits of magnitude 1e3 and beyond.
"""

from __future__ import annotations

import numpy as np

from bplab.nn.activations import exp_nonpositive, sigmoid
from bplab.validation import as_float_array, check_labels, check_probabilities, check_same_shape


def _elementwise_pair(values, target, name):
    """``values`` and ``target`` as float64 arrays of one non-empty shape, for the element-wise mean losses."""
    values, target = as_float_array(values, name), as_float_array(target, "target")
    check_same_shape(values, target, (name, "target"))
    if values.size == 0:
        raise ValueError(f"{name} must not be empty (the mean of nothing is undefined)")
    return values, target


def softmax(logits):
    """Row-wise softmax, stable (the row maximum is subtracted before ``exp``).

    Parameters
    ----------
    logits : ndarray, shape (N, C)

    Returns
    -------
    ndarray, shape (N, C)
        Rows sum to 1.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = exp_nonpositive(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, y):
    """Softmax cross-entropy of integer labels, mean over the batch.

    ``loss = mean_i( logsumexp(logits_i) - logits_i[y_i] )``, as
    ``torch.nn.functional.cross_entropy(logits, y)``.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
        Unnormalized scores.
    y : ndarray of int, shape (N,)
        Class labels in ``0 .. C-1``.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, C)
        ``(softmax(logits) - onehot(y)) / N``.
    """
    logits = as_float_array(logits, "logits", ndim=2)
    n, c = logits.shape
    y = check_labels(y, "y", n, c)
    if n == 0:
        raise ValueError("logits must have at least one row (the mean of an empty batch is undefined)")
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = exp_nonpositive(shifted)             # every entry in (0, 1]: no overflow, no underflow
    sums = exp.sum(axis=1, keepdims=True)      # >= 1: the log is finite
    rows = np.arange(n)
    loss = float(np.mean(np.log(sums[:, 0]) - shifted[rows, y]))
    dlogits = exp / sums
    dlogits[rows, y] -= 1.0
    dlogits /= n
    return loss, dlogits


def bce_with_logits(logits, target):
    """Binary cross-entropy on logits, mean over all elements.

    ``loss = mean( max(x, 0) - x t + log(1 + exp(-|x|)) )``, the stable form of
    ``-t log s(x) - (1 - t) log(1 - s(x))`` used by
    ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Parameters
    ----------
    logits : ndarray, any shape
    target : ndarray, shape of ``logits``
        Probabilities in [0, 1] (usually 0/1 labels, as floats).

    Returns
    -------
    loss : float
    dlogits : ndarray, shape of ``logits``
        ``(sigmoid(x) - t) / logits.size``.
    """
    x, t = _elementwise_pair(logits, target, "logits")
    check_probabilities(t, "target")
    loss = float(np.mean(np.maximum(x, 0.0) - x * t + np.log1p(exp_nonpositive(-np.abs(x)))))
    return loss, (sigmoid(x) - t) / x.size


def mse_loss(pred, target):
    """Mean squared error over all elements (``torch.nn.functional.mse_loss``).

    Parameters
    ----------
    pred : ndarray, any shape
    target : ndarray, shape of ``pred``

    Returns
    -------
    loss : float
    dpred : ndarray, shape of ``pred``
        ``2 (pred - target) / pred.size``.
    """
    p, t = _elementwise_pair(pred, target, "pred")
    diff = p - t
    return float(np.mean(diff * diff)), 2.0 * diff / p.size


def mae_loss(pred, target):
    """Mean absolute error over all elements (``torch.nn.functional.l1_loss``).

    Parameters
    ----------
    pred : ndarray, any shape
    target : ndarray, shape of ``pred``

    Returns
    -------
    loss : float
    dpred : ndarray, shape of ``pred``
        ``sign(pred - target) / pred.size``; the subgradient at 0 is 0, as torch's.
    """
    p, t = _elementwise_pair(pred, target, "pred")
    diff = p - t
    return float(np.mean(np.abs(diff))), np.sign(diff) / p.size


def huber_loss(pred, target, delta=1.0):
    """Huber loss over all elements, mean-reduced (``torch.nn.functional.huber_loss``).

    Quadratic near the target, linear far from it: with ``d = pred - target``,
    ``loss_i = 0.5 d_i^2`` where ``|d_i| <= delta`` and
    ``delta (|d_i| - 0.5 delta)`` elsewhere. The two pieces meet with the same
    value and slope at ``|d| = delta``, so the gradient is continuous: it is
    ``d`` (MSE-like, up to a factor 2) near the target and ``delta sign(d)``
    (MAE-like) far from it, which caps the pull of an outlier.

    Parameters
    ----------
    pred : ndarray, any shape
    target : ndarray, shape of ``pred``
    delta : float > 0
        Where the quadratic turns linear.

    Returns
    -------
    loss : float
    dpred : ndarray, shape of ``pred``
        ``clip(pred - target, -delta, delta) / pred.size``.
    """
    p, t = _elementwise_pair(pred, target, "pred")
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating)) or not np.isfinite(delta) \
            or delta <= 0:
        raise ValueError(f"delta must be a finite number > 0, got {delta!r}")
    diff = p - t
    size = np.abs(diff)
    elementwise = np.where(size <= delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return float(np.mean(elementwise)), np.clip(diff, -delta, delta) / p.size
