"""Batch normalization over the batch axis (``torch.nn.BatchNorm1d`` on ``(N, D)`` inputs).

Training normalizes each feature with the batch's mean and *biased* variance
and updates the running statistics, in place, as torch does::

    running_mean = (1 - momentum) * running_mean + momentum * batch_mean
    running_var  = (1 - momentum) * running_var  + momentum * batch_var * N / (N - 1)   # unbiased

Evaluation normalizes with the running statistics and updates nothing, so a
trained network gives the same answer for a sample whatever batch it is in.
"""

from __future__ import annotations

import numpy as np

from bplab.validation import as_float_array, check_fraction, check_shape


def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    """Forward pass of batch normalization.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    gamma : ndarray, shape (D,)
        Scale (torch's ``weight``, initialised to ones).
    beta : ndarray, shape (D,)
        Shift (torch's ``bias``, initialised to zeros).
    running : dict
        ``{"mean": ndarray (D,), "var": ndarray (D,)}`` of float64 (torch starts
        them at zeros and ones). Updated in place in training (the arrays
        themselves are overwritten, so references to them see the update).
    train : bool
        Batch statistics (and an update of ``running``) in training, running
        statistics in evaluation.
    momentum : float in [0, 1]
        Weight of the new batch in the running statistics (torch's default 0.1).
    eps : float > 0
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray of float64, shape (N, D)
        ``gamma * (x - mean) / sqrt(var + eps) + beta``.
    cache : tuple
        ``(x_hat, gamma, inv_std, train)``, what :func:`batchnorm_backward` needs.

    Raises
    ------
    ValueError
        On mismatched shapes, a malformed ``running`` dict, ``momentum``
        outside [0, 1], ``eps <= 0``, or fewer than 2 samples in training
        (torch: "Expected more than 1 value per channel when training").
    """
    x = as_float_array(x, "x", ndim=2)
    n, d = x.shape
    gamma, beta = _vector(gamma, "gamma", d), _vector(beta, "beta", d)
    running_mean, running_var = _running_arrays(running, d)
    if not (type(momentum) is float and 0.0 <= momentum <= 1.0):  # the fast path first: layers call this often
        momentum = check_fraction(momentum, "momentum", inclusive=(True, True))
    if not (type(eps) is float and 0.0 < eps < np.inf):
        eps = check_fraction(eps, "eps", 0.0, np.inf, inclusive=(False, False))
    if train:
        if n < 2:
            raise ValueError(f"batch norm in training needs more than 1 sample per feature, got x of shape {x.shape}")
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased (divides by N): what normalizes this batch
        running_mean *= 1.0 - momentum
        running_mean += momentum * mean
        running_var *= 1.0 - momentum
        running_var += momentum * var * (n / (n - 1))  # unbiased: an estimate of the population's variance
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, bool(train))


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization.

    Parameters
    ----------
    dout : ndarray, shape (N, D)
    cache : tuple
        From :func:`batchnorm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma : ndarray, shape (D,)
    dbeta : ndarray, shape (D,)

    Notes
    -----
    In training the mean and variance depend on every sample, so ``dx`` has
    two correction terms beyond ``gamma * inv_std * dout``::

        dx = inv_std / N * (N * g - sum(g) - x_hat * sum(g * x_hat)),   g = gamma * dout

    (sums over the batch). They remove from ``g`` its component along the
    constant direction and along ``x_hat``: shifting or scaling a feature of the
    whole batch does not change the output. In evaluation the statistics are
    constants and ``dx = gamma * inv_std * dout``.
    """
    x_hat, gamma, inv_std, train = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, "dout", x_hat.shape)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = (inv_std / n) * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def new_running(num_features):
    """Fresh running statistics as torch initialises them: mean 0, variance 1.

    Returns
    -------
    dict
        ``{"mean": zeros (D,), "var": ones (D,)}``.
    """
    return {"mean": np.zeros(num_features), "var": np.ones(num_features)}


def _vector(v, name, d):
    """``v`` as a float64 array of shape (d,), checked."""
    if not (isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (d,)):
        v = as_float_array(v, name, ndim=1)
        check_shape(v, name, ((d, "x.shape[1]"),))
    return v


def _running_arrays(running, d):
    if not isinstance(running, dict) or "mean" not in running or "var" not in running:
        raise TypeError("running must be a dict {'mean': ndarray (D,), 'var': ndarray (D,)}"
                        f" (bplab.nn.batchnorm.new_running(D) makes one), got {type(running).__name__}")
    arrays = []
    for key in ("mean", "var"):
        value = running[key]
        if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.shape == (d,):
            arrays.append(value)
            continue
        if not isinstance(value, np.ndarray) or value.dtype != np.float64:
            raise TypeError(f"running[{key!r}] must be a float64 ndarray (it is updated in place),"
                            f" got {type(value).__name__}" + (f" of dtype {value.dtype}" if hasattr(value, "dtype") else ""))
        check_shape(value, f"running[{key!r}]", ((d, "x.shape[1]"),))
        arrays.append(value)
    return arrays
