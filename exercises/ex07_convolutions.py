# Generated from solutions/ex07_convolutions.py by `bplab build-exercises`: edit the marked functions.
"""Lesson 07: convolution and max pooling, forward and backward.

Write the marked functions, save, and run the check cells of
``notebooks/07_convolutions.ipynb`` (or ``bplab check 07`` in a terminal).

Shapes follow torch: ``x`` is ``(N, C, H, W)``, a kernel bank ``W`` is
``(F, C, KH, KW)``, and a convolution is a cross-correlation (no flip).
Avoid Python loops over pixels: a loop over the ``KH x KW`` kernel offsets,
vectorized over everything else, is fast and clear (this is what the answers
below do); im2col with ``sliding_window_view`` is another way.

(These answers repeat what ``bplab.nn.conv`` does, by a different route: the
solution/reference pair is the only intended repetition in the course.)
"""

import numpy as np


def conv2d_forward(x, W, b, stride=1, pad=0):
    """Forward pass of a 2-D convolution (``torch.nn.functional.conv2d``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    W : ndarray, shape (F, C, KH, KW)
    b : ndarray, shape (F,)
    stride : int >= 1
    pad : int >= 0
        Zeros added on each side of both spatial axes.

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
        ``out[n, f, p, q] = b[f] + sum over c, i, j of W[f, c, i, j] * xpad[n, c, p*stride + i, q*stride + j]``,
        ``OH = (H + 2 pad - KH) // stride + 1``, ``OW`` likewise.
    cache : tuple
        Whatever ``conv2d_backward`` needs.
    """
    raise NotImplementedError('conv2d_forward: not written yet. Read notebook 07, section "2. The sliding dot product".')


def conv2d_backward(dout, cache):
    """Backward pass of a 2-D convolution.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
    cache : tuple
        From ``conv2d_forward``.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dW : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    raise NotImplementedError('conv2d_backward: not written yet. Read notebook 07, section "3. Backward through a convolution".')


def maxpool2d_forward(x, size=2, stride=2):
    """Forward pass of max pooling (``torch.nn.functional.max_pool2d``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    size : int
        Side of the square window.
    stride : int

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW)
        The maximum of every window, ``OH = (H - size) // stride + 1``.
    cache : tuple
        Whatever ``maxpool2d_backward`` needs.
    """
    raise NotImplementedError('maxpool2d_forward: not written yet. Read notebook 07, section "4. Max pooling".')


def maxpool2d_backward(dout, cache):
    """Backward pass of max pooling.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
    cache : tuple
        From ``maxpool2d_forward``.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Each window's gradient goes to its maximum (the first one on ties);
        entries shared by overlapping windows collect the sum.
    """
    raise NotImplementedError('maxpool2d_backward: not written yet. Read notebook 07, section "4. Max pooling".')
