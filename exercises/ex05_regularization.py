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
