# Generated from solutions/ex05_regularization.py by `bplab build-exercises`: edit the marked functions.
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
    raise NotImplementedError('l2_penalty: not written yet. Read notebook 05, section "2. L2 and weight decay".')


# Question (notebook 05, section "1. Overfitting and generalization", above the lab). The lab applies
# L1 = 0.01 by soft-thresholding the weights after every step. After 300 epochs, what share of the
# network's 1,152 weights will be exactly 0?
#   (a) none   (b) fewer than 10 %   (c) between 10 % and 50 %   (d) more than half
L1_ZERO_SHARE = None

# Question (notebook 05, section "3. L1: sparsity and the subgradient"). Trained with the L1 SUBGRADIENT
# strength * sign(W) added to the gradient instead (no soft-thresholding), how many of the 1,152 weights
# will be exactly 0 after 300 epochs? (a number)
L1_SUBGRADIENT_ZEROS = None


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
    raise NotImplementedError('l1_penalty: not written yet. Read notebook 05, section "3. L1: sparsity and the subgradient".')


# Question (notebook 05, section "4. Dropout"). Inverted dropout with p = 0.5: in evaluation, by what
# factor is each unit's value multiplied? (a number)
DROPOUT_EVAL_FACTOR = None


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
    raise NotImplementedError('dropout_forward: not written yet. Read notebook 05, section "4. Dropout".')


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
    raise NotImplementedError('dropout_backward: not written yet. Read notebook 05, section "4. Dropout".')


# Question (notebook 05, section "6. Batch normalization"). The weights W of a layer feed a batch norm
# (in training mode). Multiply W by 4: by what factor does the gradient of the loss with respect to W
# change? (a number; ignore eps)
BN_GRADIENT_FACTOR = None


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
    raise NotImplementedError('batchnorm_forward: not written yet. Read notebook 05, section "6. Batch normalization".')


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
    raise NotImplementedError('batchnorm_backward_staged: not written yet. Read notebook 05, section "6. Batch normalization".')


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
    raise NotImplementedError('batchnorm_backward: not written yet. Read notebook 05, section "6. Batch normalization".')


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
    raise NotImplementedError('early_stopping: not written yet. Read notebook 05, section "5. Early stopping".')
