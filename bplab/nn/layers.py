"""Layer objects that hold parameters and caches, composed by :class:`Sequential`.

The protocol every layer follows (other lessons add classes in their own
modules with the same protocol)::

    layer.params : list of ndarray   updated in place by optimizers
    layer.grads  : list of ndarray   same shapes, overwritten in place by backward
    layer.forward(x, train=True) -> out
    layer.backward(dout) -> dx

Each layer computes with an ``ops`` namespace that provides the functional
pairs (``linear_forward``/``linear_backward``, ...): :mod:`bplab.nn` by
default, or the learner's functions ("powered by your code", see
:func:`bplab.powered.choose`).
"""

from __future__ import annotations

import numbers

import numpy as np

from bplab import init as init_schemes
from bplab.validation import as_float_array, as_generator, check_positive_int

_INIT_SCHEMES = {"he": init_schemes.he_normal,          # std sqrt(2 / fan_in): keeps ReLU activations' scale
                 "xavier": init_schemes.xavier_normal}  # std sqrt(2 / (fan_in + fan_out)): for tanh / sigmoid


def default_ops(ops):
    """The functional pairs a layer calls: ``ops`` (say, the learner's module), or ``bplab.nn`` when None."""
    if ops is not None:
        return ops
    import bplab.nn  # late: bplab.nn's __init__ may not have finished importing when this module loads

    return bplab.nn


def init_weight(init, fan_in, fan_out, rng):
    """Initial weight matrix, shape (fan_in, fan_out)."""
    if callable(init):
        W = np.asarray(init(fan_in, fan_out, rng=rng), dtype=np.float64)
        if W.shape != (fan_in, fan_out):
            raise ValueError(f"init returned shape {W.shape}, expected ({fan_in}, {fan_out})")
        return W
    if isinstance(init, str):
        if init not in _INIT_SCHEMES:
            raise ValueError(f"init must be 'he', 'xavier', a number (the std) or a callable"
                             f" init(fan_in, fan_out, rng=rng), got {init!r}")
        return _INIT_SCHEMES[init](fan_in, fan_out, rng=rng)
    if isinstance(init, numbers.Real) and not isinstance(init, bool):
        return rng.normal(0.0, float(init), size=(fan_in, fan_out))  # CS231n-style fixed scale, e.g. 0.01
    raise TypeError(f"init must be 'he', 'xavier', a number or a callable, got {type(init).__name__}")


class Linear:
    """Fully connected layer ``x @ W + b``.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator or int
        Draws the initial weights (an int is used as a seed).
    init : {"he", "xavier"}, float or callable
        He (Kaiming) normal, Glorot (Xavier) normal, a fixed std, or
        ``init(fan_in, fan_out, rng=rng)`` such as ``bplab.init.he_uniform``.
        The bias starts at 0.
    ops : namespace, optional
        Provides ``linear_forward`` and ``linear_backward``.

    Attributes
    ----------
    W : ndarray, shape (in_features, out_features)
    b : ndarray, shape (out_features,)
    params : [W, b]
    grads : [dW, db]
    """

    def __init__(self, in_features, out_features, rng, init="he", ops=None):
        in_features = check_positive_int(in_features, "in_features")
        out_features = check_positive_int(out_features, "out_features")
        rng = as_generator(rng) if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
        self.ops = default_ops(ops)
        self.W = init_weight(init, in_features, out_features, rng)
        self.b = np.zeros(out_features)
        self.params = [self.W, self.b]
        self.grads = [np.zeros_like(self.W), np.zeros_like(self.b)]
        self.cache = None

    def forward(self, x, train=True):
        out, self.cache = self.ops.linear_forward(x, self.W, self.b)
        return out

    def backward(self, dout):
        if self.cache is None:
            raise RuntimeError("Linear.backward called before forward")
        dx, dW, db = self.ops.linear_backward(dout, self.cache)
        # In place, so that a list of grads taken before the step stays valid.
        self.grads[0][...] = dW
        self.grads[1][...] = db
        return dx

    def __repr__(self):
        return f"Linear({self.W.shape[0]}, {self.W.shape[1]})"


class _Activation:
    """A parameter-free element-wise layer built on an ``ops.<name>_forward/_backward`` pair."""

    name = ""

    def __init__(self, ops=None):
        self.ops = default_ops(ops)
        self.params = []
        self.grads = []
        self.cache = None

    def _forward(self, x):
        return getattr(self.ops, f"{self.name}_forward")(x)

    def forward(self, x, train=True):
        out, self.cache = self._forward(x)
        return out

    def backward(self, dout):
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return getattr(self.ops, f"{self.name}_backward")(dout, self.cache)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    """``max(x, 0)``."""

    name = "relu"


class Sigmoid(_Activation):
    """Logistic sigmoid."""

    name = "sigmoid"


class Tanh(_Activation):
    """Hyperbolic tangent."""

    name = "tanh"


class LeakyReLU(_Activation):
    """``x`` where positive, ``slope * x`` elsewhere."""

    name = "leaky_relu"

    def __init__(self, slope=0.01, ops=None):
        super().__init__(ops)
        self.slope = float(slope)

    def _forward(self, x):
        return self.ops.leaky_relu_forward(x, self.slope)

    def __repr__(self):
        return f"LeakyReLU(slope={self.slope})"


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}
"""Activation layers by name (the playground's choices)."""


class Sequential:
    """Layers applied in order; backward runs them in reverse.

    Parameters
    ----------
    layers : list of layer objects

    Attributes
    ----------
    params, grads : list of ndarray
        Every layer's params/grads, flattened in layer order (the same arrays,
        so an optimizer built on ``model.params`` updates the layers).
    """

    def __init__(self, layers):
        self.layers = list(layers)
        for layer in self.layers:
            for attribute in ("forward", "backward", "params", "grads"):
                if not hasattr(layer, attribute):
                    raise TypeError(f"{type(layer).__name__} is not a layer: it has no .{attribute}")
        self.params = [p for layer in self.layers for p in layer.params]
        self.grads = [g for layer in self.layers for g in layer.grads]

    def forward(self, x, train=True):
        """Output of the last layer, shape (N, out_features)."""
        out = as_float_array(x, "x")
        for layer in self.layers:
            out = layer.forward(out, train=train)
        return out

    def backward(self, dout):
        """Fill every layer's grads; return the gradient of the input."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def __call__(self, x, train=False):
        return self.forward(x, train=train)

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"


def mlp(sizes, activation="relu", rng=0, init="he", ops=None):
    """A multilayer perceptron: Linear, activation, ..., Linear (no activation at the end).

    Parameters
    ----------
    sizes : sequence of int
        ``[in_features, hidden_1, ..., out_features]``; at least two entries.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}
    rng : numpy.random.Generator or int
    init : see :class:`Linear`
    ops : namespace, optional

    Returns
    -------
    Sequential
    """
    sizes = [check_positive_int(s, "sizes[i]") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least the input and output sizes, got {sizes}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(fan_in, fan_out, rng, init=init, ops=ops))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation](ops=ops))
    return Sequential(layers)
