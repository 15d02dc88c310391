"""A deep stack of equal-width layers, measured layer by layer, and the mean-field theory of its signals.

The network is ``h_0 = x`` and, for ``l = 1 .. L``,

    a_l = h_{l-1} @ W_l + b_l,      h_l = f(a_l)          (plain)
    h_l = h_{l-1} + f(a_l)                                (residual)

built from ``bplab.nn``'s layer pairs. :func:`measure` runs it forward and
backward and returns per-layer statistics; :func:`predict` gives what the
variance recursions of Glorot & Bengio (2010) and He et al. (2015) predict for
the same settings (the "mean-field" approximation: entries treated as
independent, pre-activations as Gaussian):

    Var[a_l]        = n_in  · Var[W] · E[h_{l-1}²]
    E[h_l²]         = E[f(a_l)²]             (+ E[h_{l-1}²] + 2 E[h_{l-1}] E[f(a_l)] if residual)
    E[(dL/dh_{l-1})²] = n_out · Var[W] · E[f'(a_l)²] · E[(dL/dh_l)²]   (+ E[(dL/dh_l)²] if residual)
    ||dL/da_l||²    ≈ N · n_out · E[f'(a_l)²] · E[(dL/dh_l)²]
    ||dL/dW_l||²    ≈ n_in · E[h_{l-1}²] · ||dL/da_l||²

Each layer multiplies the backward signal's second moment (its variance) by
``χ = n · Var[W] · E[f'²]``, and so its norm by ``√χ``: below ``χ = 1``
gradients vanish geometrically with depth, above it they explode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bplab import init as initializers
from bplab import nn
from bplab.nn.rnn import identity_backward, identity_forward

ACTIVATIONS = {
    "sigmoid": (nn.sigmoid_forward, nn.sigmoid_backward),
    "tanh": (nn.tanh_forward, nn.tanh_backward),
    "relu": (nn.relu_forward, nn.relu_backward),
    "leaky_relu": (nn.leaky_relu_forward, nn.leaky_relu_backward),
    "linear": (identity_forward, identity_backward),
}
"""Name -> (forward, backward) pair of ``bplab.nn``."""

# Gauss-Hermite nodes for E[g(z)], z ~ N(0, v). An even count has no node at 0, where ReLU's
# derivative jumps, so E[relu'(z)^2] = 1/2 comes out exactly (by symmetry).
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(100)
_WEIGHTS = _WEIGHTS / np.sqrt(2.0 * np.pi)


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    return ACTIVATIONS[activation]


def gaussian_moments(activation, variance):
    """``E[f(z)]``, ``E[f(z)²]`` and ``E[f'(z)²]`` for ``z ~ N(0, variance)``, by Gauss-Hermite quadrature.

    Parameters
    ----------
    activation : str
        A key of :data:`ACTIVATIONS`.
    variance : float
        >= 0.

    Returns
    -------
    f1, f2, df2 : float
    """
    forward, backward = _check_activation(activation)
    z = np.sqrt(variance) * _NODES
    out, cache = forward(z)
    slope = backward(np.ones_like(z), cache)
    return float(_WEIGHTS @ out), float(_WEIGHTS @ (out * out)), float(_WEIGHTS @ (slope * slope))


def make_weights(depth, width, scheme, rng, gain=None):
    """``depth`` square weight matrices drawn by an ``bplab.init`` scheme (biases are zero).

    Parameters
    ----------
    depth, width : int
    scheme : str
        A key of ``bplab.init.SCHEMES``.
    rng : numpy.random.Generator or int
    gain : float, optional
        The scheme's default when None.

    Returns
    -------
    list of ndarray, each of shape (width, width)
    """
    rng = initializers.as_generator(rng, "make_weights")
    return [initializers.initialize(scheme, width, width, gain=gain, rng=rng) for _ in range(depth)]


def forward(x, weights, activation, residual=False):
    """Run the stack forward.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    weights : list of ndarray, each of shape (D, D)
    activation : str
    residual : bool

    Returns
    -------
    pre : list of ndarray, shape (N, D) each
        The pre-activations ``a_1 .. a_L``.
    out : ndarray, shape (N, D)
        ``h_L``.
    caches : list
    """
    act_forward, _ = _check_activation(activation)
    h, pre, caches = x, [], []
    for W in weights:
        a, linear_cache = nn.linear_forward(h, W, np.zeros(W.shape[1]))
        f, act_cache = act_forward(a)
        pre.append(a)
        caches.append((linear_cache, act_cache))
        h = h + f if residual else f
    return pre, h, caches


def backward(dout, caches, activation, residual=False):
    """Backpropagate ``dout = dL/dh_L`` through the stack.

    Returns
    -------
    dW : list of ndarray
        ``dL/dW_l`` for ``l = 1 .. L``.
    da : list of ndarray
        ``dL/da_l``, the backpropagated gradient at each pre-activation.
    dx : ndarray, shape (N, D)
    """
    _, act_backward = _check_activation(activation)
    dh, dW, da = dout, [None] * len(caches), [None] * len(caches)
    for k in reversed(range(len(caches))):
        linear_cache, act_cache = caches[k]
        da[k] = act_backward(dh, act_cache)
        dh_prev, dW[k], _ = nn.linear_backward(da[k], linear_cache)
        dh = dh + dh_prev if residual else dh_prev  # the skip path adds the identity's gradient
    return dW, da, dh


@dataclass
class LayerStats:
    """Per-layer measurements of one forward/backward pass (index 0 is the first layer).

    Attributes
    ----------
    pre_rms : ndarray, shape (L,)
        ``sqrt(mean(a_l²))``, the size of the pre-activations.
    pre_bands : ndarray, shape (L, 4)
        The 10th, 25th, 75th and 90th percentiles of ``|a_l|``.
    saturated : ndarray, shape (L,)
        Fraction of units whose local derivative is below 5% of the activation's largest one
        (saturated sigmoid/tanh units, inactive ReLUs).
    grad_norm : ndarray, shape (L,)
        ``||dL/dW_l||`` (Frobenius).
    back_norm : ndarray, shape (L,)
        ``||dL/da_l||``, the backpropagated gradient: the product of the Jacobians above layer ``l``.
    """

    pre_rms: np.ndarray
    pre_bands: np.ndarray
    saturated: np.ndarray
    grad_norm: np.ndarray
    back_norm: np.ndarray


def measure(x, weights, activation, residual=False, dout=None, rng=None):
    """Forward and backward once, and the per-layer statistics.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    weights : list of ndarray
    activation : str
    residual : bool
    dout : ndarray, shape (N, D), optional
        ``dL/dh_L``; by default standard normal entries divided by N (the loss
        ``mean_n <G_n, h_L[n]>`` of a random linear read-out ``G``), drawn from ``rng``.
    rng : numpy.random.Generator or int, optional
        Needed only when ``dout`` is None.

    Returns
    -------
    LayerStats
    """
    pre, out, caches = forward(x, weights, activation, residual)
    if dout is None:
        dout = initializers.as_generator(rng, "measure").normal(size=out.shape) / out.shape[0]
    dW, da, _ = backward(dout, caches, activation, residual)
    _, act_backward = ACTIVATIONS[activation]
    largest_slope = _largest_slope(activation)
    stacked = np.abs(np.stack([a.reshape(-1) for a in pre]))
    slopes = np.stack([np.abs(act_backward(np.ones_like(a), c)).reshape(-1) for a, (_, c) in zip(pre, caches)])
    # Percentiles sort: on the first BAND_SAMPLE entries of each layer they cost a fraction of a full sort.
    return LayerStats(
        pre_rms=np.sqrt(np.mean(stacked * stacked, axis=1)),
        pre_bands=np.percentile(stacked[:, :BAND_SAMPLE], [10, 25, 75, 90], axis=1).T,
        saturated=np.mean(slopes < 0.05 * largest_slope, axis=1),
        grad_norm=_norms(dW),
        back_norm=_norms(da),
    )


def _norms(arrays):
    return np.array([np.sqrt(np.sum(g * g)) for g in arrays])


BAND_SAMPLE = 1024
"""How many entries of each layer the percentile bands of :class:`LayerStats` use."""


def _largest_slope(activation):
    return {"sigmoid": 0.25}.get(activation, 1.0)


@dataclass
class Prediction:
    """What the mean-field recursions predict, per layer (index 0 is the first layer).

    Attributes
    ----------
    pre_rms : ndarray, shape (L,)
        ``sqrt(Var[a_l])``.
    grad_norm : ndarray, shape (L,)
        The predicted ``||dL/dW_l||``.
    back_norm : ndarray, shape (L,)
        The predicted ``||dL/da_l||``.
    chi : ndarray, shape (L,)
        The backward gain ``n · Var[W] · E[f'(a_l)²]`` of each layer on the gradient's variance (the norm
        changes by its square root): < 1 vanishes, > 1 explodes.
    """

    pre_rms: np.ndarray
    grad_norm: np.ndarray
    back_norm: np.ndarray
    chi: np.ndarray


def predict(depth, width, activation, weight_var, batch, input_second_moment=1.0, input_mean=0.0,
            dout_second_moment=None, residual=False):
    """The variance recursions of the module docstring, for square layers.

    Parameters
    ----------
    depth, width : int
    activation : str
    weight_var : float
        ``Var[W]`` of one entry (``bplab.init.weight_variance`` times the scale squared).
    batch : int
        N, the number of rows of ``x``.
    input_second_moment, input_mean : float
        ``E[x²]`` and ``E[x]``.
    dout_second_moment : float, optional
        ``E[(dL/dh_L)²]``; ``1 / N²`` by default (see :func:`measure`).
    residual : bool

    Returns
    -------
    Prediction
    """
    _check_activation(activation)
    dout_second_moment = 1.0 / batch ** 2 if dout_second_moment is None else dout_second_moment
    gain = width * weight_var
    h2 = np.empty(depth + 1)  # E[h_l^2]
    var = np.empty(depth)
    df2 = np.empty(depth)
    h2[0], h1 = input_second_moment, input_mean
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(depth):
            var[k] = gain * h2[k]
            f1, f2, df2[k] = gaussian_moments(activation, var[k]) if np.isfinite(var[k]) else (np.nan,) * 3
            # With a skip path, h_k = h_{k-1} + f(a_k): the cross term matters when f has a mean (sigmoid, ReLU).
            h2[k + 1] = f2 + (h2[k] + 2.0 * h1 * f1 if residual else 0.0)
            h1 = f1 + (h1 if residual else 0.0)
        chi = gain * df2
        d2 = np.empty(depth)  # E[(dL/dh_l)^2] for the output of layer l
        d2[-1] = dout_second_moment
        for k in range(depth - 1, 0, -1):
            d2[k - 1] = d2[k] * (chi[k] + (1.0 if residual else 0.0))
        back2 = batch * width * df2 * d2  # N * D entries of dL/da_l, each of second moment E[f'^2] E[(dL/dh_l)^2]
        grad2 = width * h2[:-1] * back2
    return Prediction(pre_rms=np.sqrt(var), grad_norm=np.sqrt(grad2), back_norm=np.sqrt(back2), chi=chi)
