"""The affine (fully connected) layer: ``out = x @ W + b``.

Shapes are the guide to every gradient: ``dW`` has the shape of ``W``, and
``x.T @ dout`` is the only product of ``x`` and ``dout`` with that shape.
"""

from __future__ import annotations

from bplab.validation import as_float_array, check_shape


def linear_forward(x, W, b):
    """Forward pass of a linear layer (``torch.nn.functional.linear`` with ``W = weight.T``).

    Parameters
    ----------
    x : ndarray, shape (N, D)
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)

    Returns
    -------
    out : ndarray of float64, shape (N, M)
    cache : tuple
        ``(x, W, b)``, what :func:`linear_backward` needs.
    """
    x = as_float_array(x, "x", ndim=2)
    W = as_float_array(W, "W", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W must have shape (D, M) with D = x.shape[1] = {x.shape[1]}, got {W.shape}"
                         " (flatten inputs with x.reshape(len(x), -1); W is (D_in, D_out), not torch's (out, in))")
    check_shape(b, "b", ((W.shape[1], "W.shape[1]"),))
    out = x @ W + b
    return out, (x, W, b)


def linear_backward(dout, cache):
    """Backward pass of a linear layer.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
        Upstream gradient of ``out``.
    cache : tuple
        From :func:`linear_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    x, W, _ = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, "dout", ((x.shape[0], "N"), (W.shape[1], "M")))
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)  # b is broadcast over the N rows, so its gradient sums over them
    return dx, dW, db
