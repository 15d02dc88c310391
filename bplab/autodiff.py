"""A scalar reverse-mode autodiff engine, small enough to read in one sitting.

In the spirit of Karpathy's micrograd: every arithmetic operation on
:class:`Value` objects records its inputs (``children``), its name (``op``) and
its *local gradients* (the partial derivatives of its output with respect to
each input, known at forward time). ``backward()`` walks the graph from the
output in reverse topological order and applies the chain rule at every node::

    child.grad += local_gradient * node.grad      # "+=": a value used twice gets both contributions

micrograd's known pitfalls are avoided:

* the topological order is built with an explicit stack, so a chain of 10,000
  nodes does not hit Python's recursion limit;
* ``backward()`` recomputes the interior gradients on every call and
  :meth:`Value.zero_grad` clears the leaves, so backward after zero_grad gives
  the same gradients again (leaves accumulate across calls, like PyTorch's
  ``.grad``);
* ``exp`` overflows to ``inf`` and ``tanh`` uses ``math.tanh`` (``tanh(1000) = 1``
  exactly) instead of raising ``OverflowError``; ``/`` and ``**`` follow IEEE 754
  (``1 / 0 = inf``, ``(-8) ** 0.5 = nan``), as PyTorch does;
* ``log`` of a non-positive number raises a ``ValueError`` saying so;
* ``**`` takes int or float exponents only (``TypeError`` otherwise);
* children are kept in a tuple, in order and with repeats, so ``x * x`` is drawn
  with its two edges.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["Value", "topological_order", "difference_errors", "convergence_order"]


class Value:
    """A scalar that remembers how it was computed.

    Parameters
    ----------
    data : int or float
        The value.
    children : tuple of Value
        The inputs of the operation that produced it (empty for a leaf).
    op : str
        The operation's name (``"+"``, ``"*"``, ``"tanh"``, ``"**2"``...), empty for a leaf.
    local_grads : tuple of float
        ``d(self)/d(child)`` for each child, in order.
    label : str
        A name for drawings (``"x"``).

    Attributes
    ----------
    data : float
    grad : float
        ``d(output)/d(self)`` after ``output.backward()``.
    """

    __slots__ = ("data", "grad", "children", "op", "local_grads", "label")

    def __init__(self, data, children=(), op="", local_grads=(), label=""):
        if isinstance(data, Value) or isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value needs a real number (int or float), got {type(data).__name__}")
        if len(children) != len(local_grads):
            raise ValueError(f"{len(children)} children need {len(children)} local gradients, got {len(local_grads)}")
        self.data = float(data)
        self.grad = 0.0
        self.children = tuple(children)
        self.op = op
        self.local_grads = tuple(float(g) for g in local_grads)
        self.label = label

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # -- binary operations ----------------------------------------------------------
    def __add__(self, other):
        other = _lift(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __sub__(self, other):
        other = _lift(other)
        return Value(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __mul__(self, other):
        other = _lift(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __truediv__(self, other):
        other = _lift(other)
        a, b = self.data, other.data
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2; IEEE division so that b = 0 gives inf, not ZeroDivisionError.
        return Value(_ieee(np.divide, a, b), (self, other), "/", (_ieee(np.divide, 1.0, b), -_ieee(np.divide, a, b * b)))

    def __pow__(self, exponent):
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise TypeError(f"Value ** exponent needs an int or float exponent, got {type(exponent).__name__} "
                            "(for a Value exponent write (b * a.log()).exp())")
        n, a = float(exponent), self.data
        return Value(_ieee(np.power, a, n), (self,), f"**{exponent:g}", (n * _ieee(np.power, a, n - 1.0),))

    def __rpow__(self, base):
        raise TypeError("number ** Value is not supported: write (x * math.log(base)).exp() instead")

    def __neg__(self):
        return Value(-self.data, (self,), "neg", (-1.0,))

    def __radd__(self, other):
        return _lift(other) + self

    def __rsub__(self, other):
        return _lift(other) - self

    def __rmul__(self, other):
        return _lift(other) * self

    def __rtruediv__(self, other):
        return _lift(other) / self

    # -- elementary functions ------------------------------------------------------
    def exp(self):
        try:
            out = math.exp(self.data)
        except OverflowError:  # exp(x) for x > 709.78 is beyond float64: inf, as numpy and PyTorch give
            out = math.inf
        return Value(out, (self,), "exp", (out,))

    def log(self):
        if not self.data > 0:
            raise ValueError(f"log needs a positive input, got {self.data!r}")
        return Value(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)  # not (e^2x - 1)/(e^2x + 1), which overflows for x > 355
        return Value(t, (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self):
        s = _sigmoid(self.data)
        return Value(s, (self,), "sigmoid", (s * (1.0 - s),))

    def relu(self):
        # The derivative at 0 is taken as 0, as PyTorch does.
        return Value(max(self.data, 0.0), (self,), "relu", (1.0 if self.data > 0 else 0.0,))

    # -- backpropagation -------------------------------------------------------------
    def _backward(self):
        """Chain rule at this node: pass ``local * upstream`` to every child (accumulating)."""
        for child, local in zip(self.children, self.local_grads):
            child.grad += local * self.grad

    def backward(self):
        """Fill ``.grad`` of every value this one depends on with ``d(self)/d(value)``.

        Interior gradients are recomputed from zero on every call; the leaves'
        gradients accumulate across calls, like PyTorch's ``.grad``, so call
        :meth:`zero_grad` before a second backward to get the same numbers again.
        """
        order = topological_order(self)
        for node in order:
            if node.children:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()

    def zero_grad(self):
        """Set the gradient of this value and of everything it depends on to 0."""
        for node in topological_order(self):
            node.grad = 0.0


def topological_order(root, children=None):
    """Every node ``root`` depends on, each after all of its children (``root`` last).

    Depth-first with an explicit stack instead of recursion, so that graphs
    deeper than Python's recursion limit (about 1000) work.

    Parameters
    ----------
    root : Value-like
    children : callable, optional
        ``children(node) -> sequence``; ``node.children`` by default.

    Returns
    -------
    list
        The distinct nodes, inputs first.
    """
    children = children or (lambda node: node.children)
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:  # all of its children are in ``order`` already
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(tuple(children(node))) if id(child) not in visited)
    return order


def _lift(other):
    """A number becomes a leaf Value (so ``2 * x`` and ``x + 1`` work)."""
    return other if isinstance(other, Value) else Value(other)


def _ieee(ufunc, a, b):
    """``ufunc(a, b)`` in float64 with IEEE results (inf, nan) instead of Python's exceptions."""
    with np.errstate(all="ignore"):
        return float(ufunc(np.float64(a), np.float64(b)))


def _sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow for either sign of ``x``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def difference_errors(f, dfdx, x, steps):
    """Errors of the forward and the central difference quotients of ``f`` at ``x``.

    Forward: ``(f(x + h) - f(x)) / h``, error O(h). Central:
    ``(f(x + h) - f(x - h)) / 2h``, error O(h^2): the ``(h^2 / 2) f''(x)`` terms
    of the Taylor expansions of ``f(x + h)`` and ``f(x - h)`` cancel, leaving
    ``(h^2 / 6) f'''(x)``. Both also carry a rounding error of about
    ``eps |f(x)| / h``, so the best step is near ``sqrt(eps)`` (about 1e-8) for
    the forward quotient and near ``eps ** (1/3)`` (about 1e-5) for the central one.

    Parameters
    ----------
    f : callable
        ``f(float) -> float``.
    dfdx : float
        The exact derivative at ``x``.
    x : float
    steps : array_like of float, shape (K,)

    Returns
    -------
    forward, central : ndarray of float64, shape (K,)
        Absolute errors ``|quotient - dfdx|``.
    """
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or not np.all(steps > 0):
        raise ValueError("steps must be a 1-D array of positive numbers")
    forward = np.array([abs((f(x + h) - f(x)) / h - dfdx) for h in steps])
    central = np.array([abs((f(x + h) - f(x - h)) / (2 * h) - dfdx) for h in steps])
    return forward, central


def convergence_order(steps, errors):
    """The slope of ``log(error)`` against ``log(h)``: 1 for an O(h) error, 2 for O(h^2).

    Parameters
    ----------
    steps, errors : array_like of float, shape (K,)

    Returns
    -------
    float
    """
    steps, errors = np.asarray(steps, dtype=np.float64), np.asarray(errors, dtype=np.float64)
    if steps.shape != errors.shape or steps.size < 2:
        raise ValueError("steps and errors need the same shape with at least two entries")
    return float(np.polyfit(np.log(steps), np.log(errors), 1)[0])
