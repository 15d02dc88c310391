"""Lesson 06: the capstone. The training loop, and fine-tuning with frozen layers.

Write the bodies of the two functions below, save the file, and run the check
cells in ``notebooks/06_capstone.ipynb`` (or ``bplab check 06`` in a terminal).

The reference versions live in ``bplab/transfer.py``; this file repeats them on
purpose (solution and reference are the course's one intended duplication).
"""

from bplab.nn.layers import Sequential


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    """Train ``model`` for one epoch of shuffled mini-batches.

    Use ``rng`` exactly like this, so that your epoch can be replayed:
    ``order = rng.permutation(len(X))``, then the batches are
    ``order[0:batch_size]``, ``order[batch_size:2 * batch_size]``, ... (the
    last one may be smaller). For every batch, in this order:

    1. ``out = model.forward(X_batch, train=True)``
    2. ``loss, dout = loss_fn(out, y_batch)``
    3. ``model.backward(dout)``  (fills ``model.grads``)
    4. ``optimizer.step(model.grads)``  (updates ``model.params`` in place)

    Parameters
    ----------
    model : Sequential
        Has ``forward(x, train)``, ``backward(dout)``, ``params`` and ``grads``.
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``, the mean over the batch.
    optimizer : object
        Built on ``model.params``; ``optimizer.step(grads)``.
    X : ndarray of float64, shape (N, D)
    y : ndarray of int, shape (N,)
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    float
        The epoch's mean training loss: every batch's loss (computed before
        its update) weighted by the batch's size, ``sum(loss_b * n_b) / N``.
        With a smaller last batch, a plain average of the batch losses is wrong.
    """
    ### BEGIN SOLUTION  notebook 06, section "2. The training loop"
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
    ### END SOLUTION


def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    """Train all but the first ``n_frozen`` layers of ``model``; the frozen layers must not change at all.

    As in PyTorch, a frozen parameter is one the optimizer never sees: build
    the optimizer with ``make_optimizer(params)`` on the parameters of
    ``model.layers[n_frozen:]`` only (weight decay would move any parameter it
    is given, even one whose gradient is zero). Frozen layers run in
    evaluation mode (``train=False``). Because they never change, compute
    their output for ``X`` once, then train the remaining layers on it with
    your ``train_epoch``, once per epoch, passing ``rng`` along.

    Parameters
    ----------
    model : Sequential
        ``model.layers`` lists its layers; activations count as layers.
        Trained in place.
    n_frozen : int
        How many leading layers to freeze; 0 trains everything.
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``.
    make_optimizer : callable
        ``make_optimizer(params) -> optimizer``; call it once.
    X : ndarray of float64, shape (N, D)
    y : ndarray of int, shape (N,)
    epochs : int
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    list of float
        ``train_epoch``'s loss of every epoch, in order.

    Notes
    -----
    ``Sequential(model.layers[n_frozen:])`` is a model made of the trainable
    layers (the same layer objects, so training it trains ``model``).
    """
    ### BEGIN SOLUTION  notebook 06, section "5. Transfer learning"
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
    ### END SOLUTION
