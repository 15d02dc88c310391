"""Convolution, max-pooling and reshaping layer objects (the protocol of :mod:`bplab.nn.layers`).

They compose with :class:`bplab.nn.layers.Sequential`, ``Linear`` and the
activation layers, which work on arrays of any shape. A small CNN on the 8x8
digits, fed rows of 64 pixels (what :func:`bplab.train.fit` takes)::

    Sequential([Unflatten((1, 8, 8)), Conv2d(1, 8, 3, rng, pad=1), ReLU(), MaxPool2d(2),
                Flatten(), Linear(8 * 4 * 4, 10, rng)])
"""

from __future__ import annotations

import numpy as np

from bplab.nn.layers import default_ops, init_weight
from bplab.validation import as_float_array, as_generator, check_positive_int


def _pair(value, name):
    """An int or a pair of ints, as a pair of positive ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width), got {value!r}")
        return check_positive_int(value[0], f"{name}[0]"), check_positive_int(value[1], f"{name}[1]")
    value = check_positive_int(value, name)
    return value, value


class Conv2d:
    """2-D convolution layer (``torch.nn.Conv2d`` with square stride and padding).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    rng : numpy.random.Generator or int
        Draws the initial weights (an int is used as a seed).
    stride : int >= 1
    pad : int >= 0
    init : {"he", "xavier"}, float or callable
        As for :class:`bplab.nn.layers.Linear`, with ``fan_in = C * KH * KW``
        (the inputs of one output value) and ``fan_out = out_channels``. The
        bias starts at 0.
    ops : namespace, optional
        Provides ``conv2d_forward`` and ``conv2d_backward``; :mod:`bplab.nn` by default.

    Attributes
    ----------
    W : ndarray, shape (out_channels, in_channels, KH, KW)
    b : ndarray, shape (out_channels,)
    params : [W, b]
    grads : [dW, db]
    """

    def __init__(self, in_channels, out_channels, kernel_size, rng, stride=1, pad=0, init="he", ops=None):
        in_channels = check_positive_int(in_channels, "in_channels")
        out_channels = check_positive_int(out_channels, "out_channels")
        kh, kw = _pair(kernel_size, "kernel_size")
        self.stride = check_positive_int(stride, "stride")
        self.pad = check_positive_int(pad, "pad", minimum=0)
        rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
        self.ops = default_ops(ops)
        fan_in = in_channels * kh * kw
        # One column per filter, as for Linear; a filter's column holds its C x KH x KW weights.
        self.W = init_weight(init, fan_in, out_channels, rng).T.reshape(out_channels, in_channels, kh, kw).copy()
        self.b = np.zeros(out_channels)
        self.params = [self.W, self.b]
        self.grads = [np.zeros_like(self.W), np.zeros_like(self.b)]
        self.cache = None

    def forward(self, x, train=True):
        out, self.cache = self.ops.conv2d_forward(x, self.W, self.b, self.stride, self.pad)
        return out

    def backward(self, dout):
        if self.cache is None:
            raise RuntimeError("Conv2d.backward called before forward")
        dx, dW, db = self.ops.conv2d_backward(dout, self.cache)
        self.grads[0][...] = dW  # in place: lists of grads taken earlier stay valid
        self.grads[1][...] = db
        return dx

    def __repr__(self):
        f, c, kh, kw = self.W.shape
        return f"Conv2d({c}, {f}, kernel_size=({kh}, {kw}), stride={self.stride}, pad={self.pad})"


class MaxPool2d:
    """Max pooling layer (``torch.nn.MaxPool2d(size, stride)``); no parameters.

    Parameters
    ----------
    size : int
        Side of the square window.
    stride : int, optional
        ``size`` by default (non-overlapping windows, as in torch).
    ops : namespace, optional
        Provides ``maxpool2d_forward`` and ``maxpool2d_backward``.
    """

    def __init__(self, size=2, stride=None, ops=None):
        self.size = check_positive_int(size, "size")
        self.stride = self.size if stride is None else check_positive_int(stride, "stride")
        self.ops = default_ops(ops)
        self.params = []
        self.grads = []
        self.cache = None

    def forward(self, x, train=True):
        out, self.cache = self.ops.maxpool2d_forward(x, self.size, self.stride)
        return out

    def backward(self, dout):
        if self.cache is None:
            raise RuntimeError("MaxPool2d.backward called before forward")
        return self.ops.maxpool2d_backward(dout, self.cache)

    def __repr__(self):
        return f"MaxPool2d({self.size}, stride={self.stride})"


class Flatten:
    """``(N, C, H, W) -> (N, C * H * W)`` (``torch.nn.Flatten``): feature maps into a Linear layer."""

    def __init__(self):
        self.params = []
        self.grads = []
        self.shape = None

    def forward(self, x, train=True):
        x = as_float_array(x, "x")
        if x.ndim < 2:
            raise ValueError(f"Flatten needs x of shape (N, ...), got shape {x.shape}")
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        if self.shape is None:
            raise RuntimeError("Flatten.backward called before forward")
        return np.reshape(dout, self.shape)

    def __repr__(self):
        return "Flatten()"


class Unflatten:
    """``(N, D) -> (N, *shape)`` (``torch.nn.Unflatten(1, shape)``): rows of pixels into images.

    Parameters
    ----------
    shape : tuple of int
        For example ``(1, 8, 8)``: one channel of 8x8 pixels; its product must be ``D``.
    """

    def __init__(self, shape):
        self.shape = tuple(check_positive_int(s, "shape[i]") for s in shape)
        self.params = []
        self.grads = []

    def forward(self, x, train=True):
        x = as_float_array(x, "x", ndim=2)
        if x.shape[1] != int(np.prod(self.shape)):
            raise ValueError(f"Unflatten{self.shape} needs x of shape (N, {int(np.prod(self.shape))}), got {x.shape}")
        return x.reshape(len(x), *self.shape)

    def backward(self, dout):
        return np.reshape(dout, (len(dout), -1))

    def __repr__(self):
        return f"Unflatten({self.shape})"
