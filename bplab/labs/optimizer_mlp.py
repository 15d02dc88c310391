"""The same optimizers training the lesson-02 network: same data, same initialization, same batches.

Everything but the optimizer is fixed by one seed, so the curves differ only by the
update rule::

    histories = train_with_each({"SGD": lambda p: SGD(p, lr=0.1), "Adam": lambda p: Adam(p, lr=0.01)})
    histories["Adam"].train_loss[-1]
"""

from __future__ import annotations

from bplab.datasets import spirals, train_val_split
from bplab.nn.layers import mlp
from bplab.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from bplab.train import classification_loss, fit

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
    X, y = spirals(n_samples, 3, 0.2, seed=seed)
    X_train, X_val, y_train, y_val = train_val_split(X, y, seed=seed)
    loss_fn, n_out = classification_loss("cross_entropy", 3)
    histories = {}
    for name, make in optimizers.items():
        model = mlp([2, *hidden, n_out], activation="relu", rng=seed)  # the same initial weights every time
        histories[name] = fit(model, loss_fn, make(model.params), X_train, y_train, epochs=epochs,
                              batch_size=batch_size, rng=seed, X_val=X_val, y_val=y_val)
    return histories
