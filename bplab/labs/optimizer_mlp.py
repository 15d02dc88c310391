"""The optimizers training the lesson-02 network: same data, same initialization, same batches.

Everything but the optimizer is fixed by one seed, so the curves differ only by the
update rule::

    histories = train_with_each({"SGD": lambda p: SGD(p, lr=0.1), "Adam": lambda p: Adam(p, lr=0.01)})
    histories["Adam"].train_loss[-1]

For choosing learning rates (:mod:`bplab.lr_finder`) the same problem is available one run at
a time: :func:`train_once` trains with an optimizer *family* ``make(params, lr)`` at one rate
and seed (the seed fixes the initialization and the batch order; the data stay those of
``data_seed``), :func:`final_loss` turns it into the ``run(lr, seed)`` that
:func:`bplab.lr_finder.sweep` wants, and :func:`spiral_range_test` runs a range test on it.
"""

from __future__ import annotations

import math

import numpy as np

from bplab.datasets import spirals, train_val_split
from bplab.lr_finder import range_test
from bplab.nn.layers import mlp
from bplab.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from bplab.train import classification_loss, fit, minibatches

# learning rates from torch's usual ranges: the SGD family needs a larger one than the adaptive methods
DEFAULT_OPTIMIZERS = {
    "SGD": lambda params: SGD(params, lr=0.1),
    "Momentum": lambda params: SGD(params, lr=0.1, momentum=0.9),
    "Nesterov": lambda params: SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda params: Adagrad(params, lr=0.05),
    "RMSprop": lambda params: RMSprop(params, lr=3e-3),
    "Adam": lambda params: Adam(params, lr=1e-2),
    "AdamW": lambda params: AdamW(params, lr=1e-2, weight_decay=1e-2),
}

FAMILIES = {
    "SGD": lambda params, lr: SGD(params, lr=lr),
    "Momentum": lambda params, lr: SGD(params, lr=lr, momentum=0.9),
    "RMSprop": lambda params, lr: RMSprop(params, lr=lr),
    "Adam": lambda params, lr: Adam(params, lr=lr),
}
"""Optimizer families ``make(params, lr)`` for sweeps and fair races (momentum 0.9, torch's other defaults)."""

N_CLASSES = 3


def spiral_problem(data_seed=0, n_samples=300):
    """The three spirals (noise 0.2) split into training and validation sets.

    Returns
    -------
    X_train, X_val : ndarray, shape (n, 2)
    y_train, y_val : ndarray of int, shape (n,)
    """
    X, y = spirals(n_samples, N_CLASSES, 0.2, seed=data_seed)
    return train_val_split(X, y, seed=data_seed)


def train_with_each(optimizers=None, *, hidden=(32, 32), epochs=60, batch_size=32, seed=0, n_samples=300):
    """Train one fresh copy of the same network with each optimizer.

    Parameters
    ----------
    optimizers : dict of str to callable, optional
        ``name -> make(params) -> optimizer``; :data:`DEFAULT_OPTIMIZERS` by default.
    hidden : tuple of int
        Hidden layer sizes of the ReLU MLP (input 2, output 3 classes).
    epochs, batch_size : int
    seed : int
        Fixes the data (three spirals), the split, the initialization and the batch order.
    n_samples : int

    Returns
    -------
    dict of str to bplab.train.History
    """
    optimizers = DEFAULT_OPTIMIZERS if optimizers is None else optimizers
    data = spiral_problem(seed, n_samples)
    return {name: _train(make, data, hidden, epochs, batch_size, seed) for name, make in optimizers.items()}


def _train(make, data, hidden, epochs, batch_size, seed):
    X_train, X_val, y_train, y_val = data
    loss_fn, n_out = classification_loss("cross_entropy", N_CLASSES)
    model = mlp([2, *hidden, n_out], activation="relu", rng=seed)  # the same initial weights for every optimizer
    return fit(model, loss_fn, make(model.params), X_train, y_train, epochs=epochs, batch_size=batch_size,
               rng=seed, X_val=X_val, y_val=y_val)


def train_once(make, lr, seed, *, hidden=(32, 32), epochs=30, batch_size=32, data_seed=0, n_samples=300):
    """Train the spiral network once with ``make(params, lr)``.

    Parameters
    ----------
    make : callable
        ``make(params, lr) -> optimizer`` (for example a value of :data:`FAMILIES`).
    lr : float
    seed : int
        The initialization and the batch order; the data are those of ``data_seed``.
    hidden, epochs, batch_size, data_seed, n_samples
        As :func:`train_with_each`.

    Returns
    -------
    bplab.train.History
    """
    data = spiral_problem(data_seed, n_samples)
    return _train(lambda params: make(params, lr), data, hidden, epochs, batch_size, seed)


def final_loss(make, **settings):
    """``run(lr, seed) -> final training loss`` of :func:`train_once` (``inf`` when it diverged)."""
    def run(lr, seed):
        history = train_once(make, lr, seed, **settings)
        last = history.train_loss[-1] if history.train_loss else math.inf
        return last if history.stopped != "diverged" and math.isfinite(last) else math.inf
    return run


def spiral_range_test(make, *, lr_min=1e-4, lr_max=10.0, steps=100, batch_size=32, seed=0, smoothing=0.9,
                      blowup=4.0, hidden=(32, 32), data_seed=0, n_samples=300):
    """A learning-rate range test (:func:`bplab.lr_finder.range_test`) on the spiral network.

    One training of ``steps`` mini-batch steps (several epochs of shuffled batches), the rate
    growing exponentially from ``lr_min`` to ``lr_max``; the loss recorded is each batch's,
    smoothed with weight ``smoothing``.

    Returns
    -------
    bplab.lr_finder.RangeTest
    """
    X_train, _, y_train, _ = spiral_problem(data_seed, n_samples)
    loss_fn, n_out = classification_loss("cross_entropy", N_CLASSES)
    model = mlp([2, *hidden, n_out], activation="relu", rng=seed)
    rng = np.random.default_rng(seed)
    batches = []

    def loss_and_grads(t):
        if not batches:
            batches.extend(minibatches(len(X_train), batch_size, rng))
        batch = batches.pop(0)
        out = model.forward(X_train[batch], train=True)
        loss, dout = loss_fn(out, y_train[batch])
        model.backward(dout)
        return loss, model.grads

    return range_test(loss_and_grads, make(model.params, lr_min), lr_min=lr_min, lr_max=lr_max, steps=steps,
                      smoothing=smoothing, blowup=blowup)
