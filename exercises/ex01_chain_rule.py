# Generated from solutions/ex01_chain_rule.py by `bplab build-exercises`: edit the marked functions.
"""Lesson 01: the chain rule, staged backpropagation and a scalar autodiff ``Value``.

Write the marked parts, save the file, and run the check cells of
``notebooks/01_chain_rule.ipynb`` (or ``bplab check 01`` in a terminal).

The reference engine ``bplab/autodiff.py`` computes the same gradients; this
file and that module are the one intended repetition in the course (the
reference records local gradients, this class uses one backward closure per
operation, as micrograd does).
"""

import numpy as np

# ---------------------------------------------------------------------------------
# 1. Local derivatives of elementary functions (elementwise on numpy arrays)
# ---------------------------------------------------------------------------------


def d_exp(x):
    """Derivative of ``exp`` at ``x``.

    Parameters
    ----------
    x : ndarray of float64, any shape

    Returns
    -------
    ndarray of float64, shape of ``x``
        ``d/dx exp(x)``, entry by entry.
    """
    raise NotImplementedError('d_exp: not written yet. Read notebook 01, section "2. Local derivatives".')


def d_log(x):
    """Derivative of the natural logarithm at ``x > 0`` (elementwise, shape of ``x``)."""
    raise NotImplementedError('d_log: not written yet. Read notebook 01, section "2. Local derivatives".')


def d_tanh(x):
    """Derivative of ``tanh`` at ``x`` (elementwise, shape of ``x``)."""
    raise NotImplementedError('d_tanh: not written yet. Read notebook 01, section "2. Local derivatives".')


def d_sigmoid(x):
    """Derivative of ``sigmoid(x) = 1 / (1 + exp(-x))`` at ``x`` (elementwise, shape of ``x``).

    Finite for every ``x``, ``x = -1000`` included (where ``exp(-x)`` overflows).
    """
    raise NotImplementedError('d_sigmoid: not written yet. Read notebook 01, section "2. Local derivatives".')


def d_relu(x):
    """Derivative of ``relu(x) = max(x, 0)`` at ``x`` (elementwise; 0 at ``x = 0``, as in PyTorch)."""
    raise NotImplementedError('d_relu: not written yet. Read notebook 01, section "2. Local derivatives".')


def d_power(x, n):
    """Derivative of ``x ** n`` with respect to ``x``, for a number ``n``.

    Parameters
    ----------
    x : ndarray of float64, any shape
    n : float

    Returns
    -------
    ndarray of float64, shape of ``x``
    """
    raise NotImplementedError('d_power: not written yet. Read notebook 01, section "2. Local derivatives".')


# Question (notebook 01, section "4. Computational graphs: forward and backward passes").
# For f = (x + y) * z at y = 5, z = -4, move x to 0: what is df/dz? (a number)
GRAPH_DFDZ = None

# Question (notebook 01, section "5. Fan-out: gradients add up"). For f = x * y + tanh(x) at x = 0.5, y = -1.5:
# what is df/dx? (a number, to 2 decimals)
FANOUT_DFDX = None


# ---------------------------------------------------------------------------------
# 2. A staged forward and backward pass with fan-out (CS231n's example)
#
#     f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y) ** 2)
#
# x is used three times and y twice: their gradients collect one contribution per use.
# ---------------------------------------------------------------------------------


def staged_forward(x, y):
    """Forward pass of ``f(x, y)`` in small stages, keeping what the backward pass needs.

    Parameters
    ----------
    x, y : ndarray of float64, same shape (or floats)

    Returns
    -------
    f : ndarray of float64, shape of ``x``
    cache : object
        The intermediate values, for :func:`staged_backward`.
    """
    raise NotImplementedError('staged_forward: not written yet. Read notebook 01, section "5. Fan-out: gradients add up".')


def staged_backward(df, cache):
    """Backward pass of :func:`staged_forward`, stage by stage in reverse.

    Parameters
    ----------
    df : ndarray of float64, shape of ``f``
        Upstream gradient ``dL/df``.
    cache : object
        From :func:`staged_forward`.

    Returns
    -------
    dx, dy : ndarray of float64, shape of ``f``
    """
    raise NotImplementedError('staged_backward: not written yet. Read notebook 01, section "5. Fan-out: gradients add up".')


# Question (notebook 01, section "6. Numeric vs analytic derivatives"). In float64, at which step h is the error of
# the central difference (f(x + h) - f(x - h)) / 2h smallest? Write the exponent of ten (for h = 1e-3, write -3).
BEST_CENTRAL_EXPONENT = None

# Question (notebook 01, section "6. Numeric vs analytic derivatives"). How many evaluations of f does the
# central-difference gradient of a function of n = 1000 inputs need? (a number)
NUMERIC_EVALUATIONS = None


# ---------------------------------------------------------------------------------
# 3. A scalar autodiff engine: each operation has a backward rule; backward() runs them
# ---------------------------------------------------------------------------------


class Value:
    """A scalar that remembers how it was computed, so that it can backpropagate.

    Parameters
    ----------
    data : float
    children : tuple of Value
        The operation's inputs (empty for a leaf), in order.
    op : str
        The operation's name, for drawings.
    label : str
        A name for drawings.

    Attributes
    ----------
    data : float
    grad : float
        ``d(output)/d(self)`` after ``output.backward()``.
    """

    def __init__(self, data, children=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self.children = tuple(children)
        self.op = op
        self.label = label
        self._backward = lambda: None  # a leaf passes nothing on

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def add_backward():
            raise NotImplementedError('add_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = add_backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def mul_backward():
            raise NotImplementedError('mul_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = mul_backward
        return out

    def __pow__(self, n):
        if isinstance(n, bool) or not isinstance(n, (int, float)):
            raise TypeError(f"Value ** n needs an int or float n, got {type(n).__name__}")
        out = Value(self.data ** n, (self,), f"**{n:g}")

        def pow_backward():
            raise NotImplementedError('pow_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = pow_backward
        return out

    def exp(self):
        out = Value(float(np.exp(self.data)), (self,), "exp")

        def exp_backward():
            raise NotImplementedError('exp_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = exp_backward
        return out

    def log(self):
        if not self.data > 0:
            raise ValueError(f"log needs a positive input, got {self.data!r}")
        out = Value(float(np.log(self.data)), (self,), "log")

        def log_backward():
            raise NotImplementedError('log_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = log_backward
        return out

    def tanh(self):
        out = Value(float(np.tanh(self.data)), (self,), "tanh")

        def tanh_backward():
            raise NotImplementedError('tanh_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = tanh_backward
        return out

    def sigmoid(self):
        out = Value(float(0.5 * (1.0 + np.tanh(0.5 * self.data))), (self,), "sigmoid")  # no overflow for any x

        def sigmoid_backward():
            raise NotImplementedError('sigmoid_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = sigmoid_backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def relu_backward():
            raise NotImplementedError('relu_backward: not written yet. Read notebook 01, section "7. An autodiff engine".')

        out._backward = relu_backward
        return out

    # Built from the operations above, so they need no backward rule of their own.
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return (-self) + other

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    def backward(self):
        """Set ``.grad`` of every value this one depends on to ``d(self)/d(value)``.

        Build the topological order (every node after its children) without
        recursion, so that a chain of thousands of nodes works; then seed
        ``self.grad = 1`` and call each node's ``_backward`` from the output back.
        """
        raise NotImplementedError('backward: not written yet. Read notebook 01, section "7. An autodiff engine".')


# Question (notebook 01, section "7. An autodiff engine"). For f(a, b) = tanh(a * b) + exp(a) / b at a = 0.5, b = 2:
# what is df/db? (a number, to 2 decimals)
CUSTOM_DFDB = None
