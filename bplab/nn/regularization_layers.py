"""Dropout and batch-norm layer objects, following the protocol of :mod:`bplab.nn.layers`.

``layer.params`` / ``layer.grads`` are lists of arrays (updated in place),
``layer.forward(x, train=True)`` and ``layer.backward(dout)``. Both layers
behave differently in training and evaluation, which is why ``forward`` takes
``train``. Batch norm also keeps running statistics; they are not parameters
(no optimizer touches them) but they are state, listed in ``layer.buffers``
(torch's word) so that early stopping can save and restore them with the weights.
"""

from __future__ import annotations

import numpy as np

from bplab.nn.batchnorm import new_running
from bplab.nn.layers import default_ops
from bplab.validation import as_generator, check_fraction, check_positive_int


class Dropout:
    """Inverted dropout (``torch.nn.Dropout``).

    Parameters
    ----------
    p : float in [0, 1]
        Probability of dropping a unit.
    rng : numpy.random.Generator or int
        Draws the masks (an int seeds a new generator).
    ops : namespace, optional
        Provides ``dropout_forward`` / ``dropout_backward``; :mod:`bplab.nn` by default.
    """

    def __init__(self, p=0.5, rng=0, ops=None):
        self.p = check_fraction(p, "p (the probability of dropping)", inclusive=(True, True))
        self.rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
        self.ops = default_ops(ops)
        self.params = []
        self.grads = []
        self.cache = None

    def forward(self, x, train=True):
        out, self.cache = self.ops.dropout_forward(x, self.p, train, self.rng)
        return out

    def backward(self, dout):
        if self.cache is None:
            raise RuntimeError("Dropout.backward called before forward")
        return self.ops.dropout_backward(dout, self.cache)

    def __repr__(self):
        return f"Dropout(p={self.p:g})"


class GaussianNoise:
    """Adds ``N(0, std^2)`` noise to its input in training, the identity in evaluation.

    As the first layer it is data augmentation on the fly: every epoch sees
    freshly jittered copies of the training points (training with input noise
    acts like a Tikhonov penalty on the network's slope, Bishop 1995).

    Parameters
    ----------
    std : float >= 0
    rng : numpy.random.Generator or int
    """

    def __init__(self, std=0.1, rng=0):
        self.std = check_fraction(std, "std", 0.0, np.inf, inclusive=(True, False))
        self.rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
        self.params = []
        self.grads = []

    def forward(self, x, train=True):
        x = np.asarray(x, dtype=np.float64)
        return x + self.std * self.rng.standard_normal(x.shape) if train and self.std else x

    def backward(self, dout):
        return dout  # the noise is added, so the gradient passes through unchanged

    def __repr__(self):
        return f"GaussianNoise(std={self.std:g})"


class BatchNorm:
    """Batch normalization of ``(N, D)`` inputs (``torch.nn.BatchNorm1d``).

    Parameters
    ----------
    num_features : int
        D.
    momentum : float in [0, 1]
    eps : float > 0
    ops : namespace, optional
        Provides ``batchnorm_forward`` / ``batchnorm_backward``.

    Attributes
    ----------
    gamma, beta : ndarray, shape (D,)
        Start at ones and zeros.
    running : dict
        ``{"mean", "var"}``, start at zeros and ones; updated in place in training.
    params : [gamma, beta]
    grads : [dgamma, dbeta]
    buffers : [running["mean"], running["var"]]
    """

    def __init__(self, num_features, momentum=0.1, eps=1e-5, ops=None):
        num_features = check_positive_int(num_features, "num_features")
        self.momentum = check_fraction(momentum, "momentum", inclusive=(True, True))
        self.eps = float(eps)
        self.ops = default_ops(ops)
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running = new_running(num_features)
        self.params = [self.gamma, self.beta]
        self.grads = [np.zeros(num_features), np.zeros(num_features)]
        self.buffers = [self.running["mean"], self.running["var"]]
        self.cache = None

    def forward(self, x, train=True):
        out, self.cache = self.ops.batchnorm_forward(x, self.gamma, self.beta, self.running, train,
                                                     self.momentum, self.eps)
        # A learner's forward may rebind the dict's entries instead of writing in place: keep the buffers in step.
        for buffer, key in zip(self.buffers, ("mean", "var"), strict=True):
            if self.running[key] is not buffer:
                buffer[...] = self.running[key]
                self.running[key] = buffer
        return out

    def backward(self, dout):
        if self.cache is None:
            raise RuntimeError("BatchNorm.backward called before forward")
        dx, dgamma, dbeta = self.ops.batchnorm_backward(dout, self.cache)
        self.grads[0][...] = dgamma
        self.grads[1][...] = dbeta
        return dx

    def __repr__(self):
        return f"BatchNorm({self.gamma.size})"


def state_arrays(model):
    """Every array that defines a trained model: its params, then its layers' buffers.

    Parameters
    ----------
    model : Sequential-like object or list of ndarray
        An object with ``.params`` (and optionally ``.layers`` whose items may
        have ``.buffers``), or the arrays themselves.

    Returns
    -------
    list of ndarray
        The arrays themselves (not copies), in a fixed order.
    """
    if isinstance(model, (list, tuple)):
        arrays = list(model)
    elif hasattr(model, "params"):
        arrays = list(model.params) + [b for layer in getattr(model, "layers", []) for b in getattr(layer, "buffers", [])]
    else:
        raise TypeError(f"expected a model with .params or a list of arrays, got {type(model).__name__}")
    for array in arrays:
        if not isinstance(array, np.ndarray):
            raise TypeError(f"model state must be numpy arrays (updated in place), got {type(array).__name__}")
    return arrays
