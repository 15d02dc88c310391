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
    ### BEGIN SOLUTION  notebook 07, section "2. The sliding dot product"
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, kh, kw = W.shape
    out_h = (xp.shape[2] - kh) // stride + 1
    out_w = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]
    for i in range(kh):
        for j in range(kw):
            # The input entries that kernel offset (i, j) meets, one per output position: (N, C, OH, OW).
            patch = xp[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, i, j])
    cache = (xp, W, stride, pad)
    return out, cache
    ### END SOLUTION


def conv2d_backward_loops(dout, x, W, stride=1, pad=0):
    """Backward pass of a 2-D convolution, one output position at a time (the staged version).

    Derive it from the forward pass: output ``out[n, f, p, q]`` was computed from one window of the padded
    input, one filter ``W[f]`` and one bias ``b[f]``. Walk over every output position and send its upstream
    gradient ``dout[n, f, p, q]`` back to everything that produced it. Loops over positions are fine here:
    this version is for understanding; ``conv2d_backward`` is the fast one.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Upstream gradient of ``conv2d_forward(x, W, b, stride, pad)``'s output.
    x : ndarray, shape (N, C, H, W)
    W : ndarray, shape (F, C, KH, KW)
    stride : int >= 1
    pad : int >= 0

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dW : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    ### BEGIN SOLUTION  notebook 07, section "3. Backward through a convolution"
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    db = np.zeros(f)
    for i in range(n):
        for k in range(f):
            for p in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    rows = slice(p * stride, p * stride + kh)
                    cols = slice(q * stride, q * stride + kw)
                    g = dout[i, k, p, q]
                    db[k] += g
                    dW[k] += g * xp[i, :, rows, cols]
                    dxp[i, :, rows, cols] += g * W[k]  # windows overlap: add, never assign
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db
    ### END SOLUTION


# Question (notebook 07, section "3. Backward through a convolution"). You have written dx by scattering
# W * dout back over every window. The same dx is also ONE call of conv2d_forward (a cross-correlation) on
# dout, padded by K - 1 on every side ("full"). With which kernel?
#   (a) W itself, with its in/out channel axes swapped
#   (b) W flipped in both spatial axes, with its in/out channel axes swapped
#   (c) W flipped in both spatial axes, channel axes as they are
#   (d) dout itself: dx is a correlation of dout with the input
# Write the letter in quotes.
### BEGIN SOLUTION  notebook 07, section "3. Backward through a convolution"
DX_KERNEL = "b"
### END SOLUTION


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
    ### BEGIN SOLUTION  notebook 07, section "3. Backward through a convolution"
    xp, W, stride, pad = cache
    _, _, kh, kw = W.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dW[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            # Every input entry collects the gradient of every output it fed (+=: windows overlap).
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
    ### END SOLUTION


# Question (notebook 07, section "4. Max pooling"). A 5 x 5 input has a single largest entry, at the
# centre (row 2, column 2). It goes through max pooling with windows of size 3 and stride 2. How many
# windows send their upstream gradient to the centre entry? (a number)
### BEGIN SOLUTION  notebook 07, section "4. Max pooling"
POOL_CENTRE_WINDOWS = 4
### END SOLUTION


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
    ### BEGIN SOLUTION  notebook 07, section "4. Max pooling"
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], size * size)
    argmax = flat.argmax(axis=-1)  # the first maximum in row-major order on ties
    out = flat.max(axis=-1)
    cache = (x.shape, argmax, size, stride)
    return out, cache
    ### END SOLUTION


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
    ### BEGIN SOLUTION  notebook 07, section "4. Max pooling"
    shape, argmax, size, stride = cache
    n, c, out_h, out_w = argmax.shape
    dx = np.zeros(shape)
    rows = np.arange(out_h)[:, None] * stride + argmax // size
    cols = np.arange(out_w)[None, :] * stride + argmax % size
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, :, None, None]
    np.add.at(dx, (batch, channel, rows, cols), dout)  # add.at accumulates repeated indices; dx[...] += does not
    return dx
    ### END SOLUTION


# Question (notebook 07, section "6. Two conv layers"). Two 3 x 3 convolutions with stride 1 are stacked
# (no pooling between them). One output value of the second layer depends on a square of how many input
# pixels per side (its receptive field)? (a number)
### BEGIN SOLUTION  notebook 07, section "6. Two conv layers"
RECEPTIVE_FIELD = 5
### END SOLUTION

# Question (notebook 07, section "6. Two conv layers"). Shift a digit one pixel to the right. Away from the
# borders, what happens to the feature maps of a convolution with stride 1?
#   (a) they shift one pixel to the right as well, values unchanged
#   (b) they stay where they are: a convolution ignores where a pattern is
#   (c) they change in a way that depends on the filter
# Write the letter in quotes.
### BEGIN SOLUTION  notebook 07, section "6. Two conv layers"
SHIFTED_FEATURE_MAPS = "a"
### END SOLUTION

# Question (notebook 07, section "7. Try it: filters and feature maps"). The ink of a digit is bright (high
# values) on a dark background. Apply the vertical-edge filter [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] (as
# conv2d applies it: no flip) to a vertical stroke. Where is the feature map positive?
#   (a) along the stroke's left edge (and negative along its right edge)
#   (b) along the stroke's right edge (and negative along its left edge)
#   (c) in the middle of the stroke
#   (d) along the top and bottom ends of the stroke
# Write the letter in quotes.
### BEGIN SOLUTION  notebook 07, section "7. Try it: filters and feature maps"
SOBEL_POSITIVE_EDGE = "a"
### END SOLUTION
