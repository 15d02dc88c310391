"""Lesson 05: regularization.

Write the marked functions, save, and run the check cells of
``notebooks/05_regularization.ipynb`` (or ``bplab check 05`` in a terminal).

These answers repeat bplab's reference (``bplab.regularization``,
``bplab.nn.dropout``, ``bplab.nn.batchnorm``) on purpose, without its input
validation: the solution/reference pair is the one intended repetition.
"""

import numpy as np


def l2_penalty(W, strength):
    """L2 penalty and its gradient.

    Parameters
    ----------
    W : ndarray of float64, any shape
    strength : float >= 0
        lambda.

    Returns
    -------
    penalty : float
        ``strength / 2 * sum(W ** 2)`` (the 1/2 makes SGD on it equal to weight decay).
    dW : ndarray of float64, shape of ``W``
    """
    ### BEGIN SOLUTION  notebook 05, section "2. L2 and weight decay"
    penalty = 0.5 * strength * np.sum(W * W)
    dW = strength * W
    return float(penalty), dW
    ### END SOLUTION


# Question (notebook 05, section "1. Overfitting and generalization", above the lab). The lab applies
# L1 = 0.01 by soft-thresholding the weights after every step. After 300 epochs, what share of the
# network's 1,152 weights will be exactly 0?
#   (a) none   (b) fewer than 10 %   (c) between 10 % and 50 %   (d) more than half
### BEGIN SOLUTION  notebook 05, section "1. Overfitting and generalization"
L1_ZERO_SHARE = "d"
### END SOLUTION

# Question (notebook 05, section "3. L1: sparsity and the subgradient"). Trained with the L1 SUBGRADIENT
# strength * sign(W) added to the gradient instead (no soft-thresholding), how many of the 1,152 weights
# will be exactly 0 after 300 epochs? (a number)
### BEGIN SOLUTION  notebook 05, section "3. L1: sparsity and the subgradient"
L1_SUBGRADIENT_ZEROS = 0
### END SOLUTION


def l1_penalty(W, strength):
    """L1 penalty and its subgradient.

    Parameters
    ----------
    W : ndarray of float64, any shape
    strength : float >= 0

    Returns
    -------
    penalty : float
        ``strength * sum(|W|)``.
    dW : ndarray of float64, shape of ``W``
        ``strength * sign(W)``, and 0 where ``W == 0``.
    """
    ### BEGIN SOLUTION  notebook 05, section "3. L1: sparsity and the subgradient"
    penalty = strength * np.sum(np.abs(W))
    dW = strength * np.sign(W)
    return float(penalty), dW
    ### END SOLUTION


# Question (notebook 05, section "4. Dropout"). Inverted dropout with p = 0.5: in evaluation, by what
# factor is each unit's value multiplied? (a number)
### BEGIN SOLUTION  notebook 05, section "4. Dropout"
DROPOUT_EVAL_FACTOR = 1
### END SOLUTION


def dropout_forward(x, p, train, rng=None, mask=None):
    """Inverted dropout, forward.

    Parameters
    ----------
    x : ndarray of float64, any shape
    p : float in [0, 1]
        Probability of DROPPING a unit.
    train : bool
        In evaluation (``train=False``) the layer is the identity.
    rng : numpy.random.Generator, optional
        Draws the keep-mask in training when ``mask`` is not given:
        a unit is kept with probability ``1 - p``.
    mask : ndarray of bool, shape of ``x``, optional
        A fixed keep-mask (True = kept), used instead of drawing one.

    Returns
    -------
    out : ndarray of float64, shape of ``x``
        In training: kept units times ``1 / (1 - p)``, dropped units 0
        (all zeros when ``p == 1``, without dividing by zero).
    cache : object
        Whatever your ``dropout_backward`` needs.
    """
    ### BEGIN SOLUTION  notebook 05, section "4. Dropout"
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    scaled_mask = mask * scale
    return x * scaled_mask, (scaled_mask, True)
    ### END SOLUTION


def dropout_backward(dout, cache):
    """Inverted dropout, backward.

    Parameters
    ----------
    dout : ndarray of float64, shape of ``x``
    cache : object
        From your ``dropout_forward``.

    Returns
    -------
    dx : ndarray of float64, shape of ``dout``
    """
    ### BEGIN SOLUTION  notebook 05, section "4. Dropout"
    scaled_mask, train = cache
    if not train:
        return dout.copy()
    return dout * scaled_mask
    ### END SOLUTION


# Question (notebook 05, section "6. Batch normalization"). The weights W of a layer feed a batch norm
# (in training mode). Multiply W by 4: by what factor does the gradient of the loss with respect to W
# change? (a number; ignore eps)
### BEGIN SOLUTION  notebook 05, section "6. Batch normalization"
BN_GRADIENT_FACTOR = 0.25
### END SOLUTION


def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    """Batch normalization, forward (``torch.nn.BatchNorm1d``).

    Parameters
    ----------
    x : ndarray of float64, shape (N, D)
    gamma, beta : ndarray of float64, shape (D,)
    running : dict
        ``{"mean": ndarray (D,), "var": ndarray (D,)}``, updated in place in training:
        ``running = (1 - momentum) * running + momentum * batch``, with the
        UNBIASED batch variance (divide by N - 1) for ``running["var"]``.
    train : bool
        Training: normalize with the batch mean and the BIASED batch variance
        (divide by N). Evaluation: normalize with the running statistics and
        leave them unchanged.
    momentum : float
    eps : float
        Added to the variance under the square root.

    Returns
    -------
    out : ndarray of float64, shape (N, D)
    cache : object
        Whatever your ``batchnorm_backward`` needs.
    """
    ### BEGIN SOLUTION  notebook 05, section "6. Batch normalization"
    if train:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std, train)
    ### END SOLUTION


def batchnorm_backward_staged(dout, x, gamma, eps=1e-5):
    """Batch normalization's backward pass in training mode, one node of the graph at a time.

    The forward pass, written as a graph of small steps (each line one node)::

        mu      = x.mean(axis=0)                 # (D,)
        xc      = x - mu                         # (N, D)   mu is broadcast to every row
        var     = (xc ** 2).mean(axis=0)         # (D,)     biased: divide by N
        inv_std = 1 / np.sqrt(var + eps)         # (D,)
        x_hat   = xc * inv_std                   # (N, D)
        y       = gamma * x_hat + beta           # (N, D)

    Go through it backward, from ``dout`` = dL/dy, and return the gradient of
    the loss with respect to every node. Where a node feeds several others,
    add up the gradients coming back from each of them.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, D)
        dL/dy.
    x : ndarray of float64, shape (N, D)
    gamma : ndarray of float64, shape (D,)
    eps : float

    Returns
    -------
    dict of str to ndarray
        ``"dbeta"`` (D,), ``"dgamma"`` (D,), ``"dx_hat"`` (N, D),
        ``"dinv_std"`` (D,), ``"dvar"`` (D,), ``"dxc"`` (N, D),
        ``"dmu"`` (D,), ``"dx"`` (N, D): dL/d(node) for every node, with
        everything downstream of that node taken into account.
    """
    ### BEGIN SOLUTION  notebook 05, section "6. Batch normalization"
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = dinv_std * -0.5 * (var + eps) ** -1.5
    dxc = dx_hat * inv_std + dvar * 2.0 * xc / n
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n
    return {"dbeta": dbeta, "dgamma": dgamma, "dx_hat": dx_hat, "dinv_std": dinv_std, "dvar": dvar,
            "dxc": dxc, "dmu": dmu, "dx": dx}
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """Batch normalization, backward.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, D)
    cache : object
        From your ``batchnorm_forward``.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma : ndarray, shape (D,)
    dbeta : ndarray, shape (D,)
        In training the batch mean and variance depend on every row of ``x``;
        in evaluation they are constants.
    """
    ### BEGIN SOLUTION  notebook 05, section "6. Batch normalization"
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION


def early_stopping(val_losses, patience, min_delta=0.0):
    """Best epoch and stopping epoch of early stopping.

    An epoch improves when its loss is below ``best - min_delta`` (the first
    epoch always improves, a NaN never does). Training stops after
    ``patience`` epochs in a row without improvement.

    Parameters
    ----------
    val_losses : list of float
        Validation loss after each epoch, epoch 0 first.
    patience : int >= 1
    min_delta : float >= 0

    Returns
    -------
    best_epoch : int or None
        Index of the best epoch up to the stop (None if no epoch improved).
    stop_epoch : int or None
        Index of the epoch after which training stops; None if it never stops.
    """
    ### BEGIN SOLUTION  notebook 05, section "5. Early stopping"
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
    ### END SOLUTION
