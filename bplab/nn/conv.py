"""2-D convolution and max pooling, vectorized with im2col.

Both layers follow ``torch.nn.functional`` (``conv2d`` and ``max_pool2d``):
``x`` is ``(N, C, H, W)``, a convolution's weight is ``(F, C, KH, KW)`` and it
computes a cross-correlation (the kernel is *not* flipped), with zero padding
and the output size ``floor((H + 2 pad - KH) / stride) + 1``.

How it is vectorized: :func:`numpy.lib.stride_tricks.sliding_window_view`
gives every ``KH x KW`` window of the padded input as a view (no copy), and one
``tensordot`` with the weight does the dot products of all windows at once
(the tensordot gathers the windows into columns: that is im2col).

The backward pass reuses the same correlation. For every output position the
forward pass adds ``W * window``, so the gradient of the input collects
``W * dout`` at every position the window covered: that is the *full*
convolution of ``dout`` (dilated by the stride) with the kernel flipped in both
spatial axes. The weight's gradient is the correlation of the input with
``dout``: ``dW[f, c, i, j] = sum over n, p, q of dout[n, f, p, q] * xpad[n, c, p*s + i, q*s + j]``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bplab.validation import as_float_array, check_positive_int, check_shape


def _windows(xp, kh, kw, stride):
    """Every ``kh x kw`` window of ``xp`` at the given stride, as a view.

    Parameters
    ----------
    xp : ndarray, shape (N, C, Hp, Wp)

    Returns
    -------
    ndarray, shape (N, C, OH, OW, kh, kw)
        ``OH = (Hp - kh) // stride + 1``, likewise ``OW``.
    """
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _correlate(xp, W, stride):
    """Valid cross-correlation of a padded input with a bank of kernels, no bias.

    Parameters
    ----------
    xp : ndarray, shape (N, C, Hp, Wp)
    W : ndarray, shape (F, C, KH, KW)

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
    """
    windows = _windows(xp, W.shape[2], W.shape[3], stride)
    # Contract channels and kernel rows/columns: (N, OH, OW, F), then channels first.
    return np.tensordot(windows, W, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)


def conv2d_forward(x, W, b, stride=1, pad=0):
    """Forward pass of a 2-D convolution (``torch.nn.functional.conv2d``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    W : ndarray, shape (F, C, KH, KW)
        One ``C x KH x KW`` kernel per output channel.
    b : ndarray, shape (F,)
    stride : int >= 1
        Step between neighbouring windows, in both directions.
    pad : int >= 0
        Zeros added on each side of both spatial axes.

    Returns
    -------
    out : ndarray of float64, shape (N, F, OH, OW)
        ``out[n, f, p, q] = b[f] + sum over c, i, j of W[f, c, i, j] * xpad[n, c, p*stride + i, q*stride + j]``
        with ``OH = (H + 2 pad - KH) // stride + 1`` and ``OW`` likewise.
    cache : tuple
        What :func:`conv2d_backward` needs.

    Raises
    ------
    ValueError
        On a channel mismatch, a kernel larger than the padded input, a bias
        of the wrong length, or a non-positive stride (negative pad).
    TypeError
        On non-numeric arrays or a non-integer stride or pad.
    """
    x = as_float_array(x, "x", ndim=4)
    W = as_float_array(W, "W", ndim=4)
    b = as_float_array(b, "b", ndim=1)
    stride = check_positive_int(stride, "stride", minimum=1)
    pad = check_positive_int(pad, "pad", minimum=0)
    n_filters, channels, kh, kw = W.shape
    if channels != x.shape[1]:
        raise ValueError(f"W must have shape (F, C, KH, KW) with C = x.shape[1] = {x.shape[1]} input channels,"
                         f" got W.shape = {W.shape} (x is (N, C, H, W), W is (F, C, KH, KW) as in torch)")
    check_shape(b, "b", ((n_filters, "W.shape[0], one bias per filter"),))
    height, width = x.shape[2] + 2 * pad, x.shape[3] + 2 * pad
    if kh > height or kw > width or kh < 1 or kw < 1:
        raise ValueError(f"kernel {kh}x{kw} does not fit the padded input {height}x{width}"
                         f" (x is {x.shape[2]}x{x.shape[3]} with pad={pad}): use a smaller kernel or more padding")
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    out = _correlate(xp, W, stride) + b[None, :, None, None]
    return out, (xp, W, stride, pad, x.shape)


def conv2d_backward(dout, cache):
    """Backward pass of a 2-D convolution.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Upstream gradient of ``out``.
    cache : tuple
        From :func:`conv2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        The full convolution of the stride-dilated ``dout`` with the flipped
        kernel, cropped to the unpadded input.
    dW : ndarray, shape (F, C, KH, KW)
        The correlation of the padded input with ``dout``.
    db : ndarray, shape (F,)
        ``dout`` summed over the batch and every position (the bias is shared).
    """
    xp, W, stride, pad, x_shape = cache
    n_filters, channels, kh, kw = W.shape
    out_h = (xp.shape[2] - kh) // stride + 1
    out_w = (xp.shape[3] - kw) // stride + 1
    dout = as_float_array(dout, "dout", ndim=4)
    check_shape(dout, "dout", ((x_shape[0], "N"), (n_filters, "F"), (out_h, "OH"), (out_w, "OW")))

    db = dout.sum(axis=(0, 2, 3))
    # dW[f, c, i, j] = sum_{n, p, q} dout[n, f, p, q] * window[n, c, p, q, i, j]
    dW = np.tensordot(dout, _windows(xp, kh, kw, stride), axes=([0, 2, 3], [0, 2, 3]))

    # dx: put dout back on the input's grid (stride - 1 zeros between entries), pad by the kernel size - 1
    # (a "full" convolution), and correlate with the flipped kernel whose in/out channels are swapped.
    dilated = np.zeros((dout.shape[0], n_filters, (out_h - 1) * stride + 1, (out_w - 1) * stride + 1))
    dilated[:, :, ::stride, ::stride] = dout
    full = np.pad(dilated, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    covered = _correlate(full, flipped, 1)
    # Rows/columns that no window reached (when the stride does not divide the size) get zero gradient.
    dxp = np.zeros_like(xp)
    dxp[:, :, :covered.shape[2], :covered.shape[3]] = covered
    dx = dxp[:, :, pad:pad + x_shape[2], pad:pad + x_shape[3]]
    return dx, dW, db


def maxpool2d_forward(x, size=2, stride=2):
    """Forward pass of max pooling (``torch.nn.functional.max_pool2d(x, size, stride)``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    size : int >= 1
        Side of the square pooling window.
    stride : int >= 1
        Step between windows; windows overlap when ``stride < size``.

    Returns
    -------
    out : ndarray of float64, shape (N, C, OH, OW)
        The maximum of every window; ``OH = (H - size) // stride + 1`` (no
        padding, incomplete windows at the border are dropped, like torch's
        default ``ceil_mode=False``).
    cache : tuple
        What :func:`maxpool2d_backward` needs: the input's shape and, for each
        window, the position of its maximum.

    Notes
    -----
    Ties: when a window holds its maximum more than once, the *first* one in
    row-major order inside the window is the argmax (as torch does on the CPU),
    and only it receives the gradient. A NaN counts as the maximum.

    Raises
    ------
    ValueError
        When the window is larger than the input or ``size``/``stride`` are not positive.
    """
    x = as_float_array(x, "x", ndim=4)
    size = check_positive_int(size, "size", minimum=1)
    stride = check_positive_int(stride, "stride", minimum=1)
    if size > x.shape[2] or size > x.shape[3]:
        raise ValueError(f"pooling window {size}x{size} does not fit the input {x.shape[2]}x{x.shape[3]}")
    windows = _windows(x, size, size, stride)
    n, c, out_h, out_w = windows.shape[:4]
    flat = windows.reshape(n, c, out_h, out_w, size * size)
    argmax = np.argmax(flat, axis=-1)  # first maximum on ties; NaN wins, as in torch
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, (x.shape, argmax, size, stride)


def maxpool2d_backward(dout, cache):
    """Backward pass of max pooling: each window's gradient goes to its argmax.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
    cache : tuple
        From :func:`maxpool2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Zero except at each window's (first) maximum, which receives that
        window's ``dout``; an entry that is the maximum of several overlapping
        windows receives the sum.
    """
    shape, argmax, size, stride = cache
    dout = as_float_array(dout, "dout", ndim=4)
    check_shape(dout, "dout", ((shape[0], "N"), (shape[1], "C"), (argmax.shape[2], "OH"), (argmax.shape[3], "OW")))
    n, c, out_h, out_w = argmax.shape
    rows = np.arange(out_h)[:, None] * stride + argmax // size
    cols = np.arange(out_w)[None, :] * stride + argmax % size
    planes = np.arange(n * c).reshape(n, c, 1, 1)
    flat_index = (planes * shape[2] + rows) * shape[3] + cols
    # bincount adds up the gradient of overlapping windows that share a maximum.
    dx = np.bincount(flat_index.ravel(), weights=dout.ravel(), minlength=int(np.prod(shape)))
    return dx.reshape(shape)
