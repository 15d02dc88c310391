"""The training loop: epochs of shuffled mini-batches, with a history of losses and accuracies.

``fit`` works with any model that follows the layer protocol of
:mod:`bplab.nn.layers` (``forward(x, train)``, ``backward(dout)``,
``params``, ``grads``), any ``loss_fn(out, y) -> (loss, dout)`` and any
optimizer with ``step(grads)`` that updates the model's ``params`` in place
(:mod:`bplab.optim`). Numpy only: progress bars live in the widgets layer and
plug in through ``callback``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bplab.validation import as_float_array, as_generator, check_positive_int


@dataclass
class History:
    """What :func:`fit` recorded, one entry per completed epoch.

    Attributes
    ----------
    train_loss, train_acc : list of float
        On the whole training set at the end of each epoch, in evaluation mode
        (``train=False``), so train and validation curves are comparable.
    val_loss, val_acc : list of float
        The same on the validation set (empty without one).
    stopped : str
        ``"completed"``, ``"callback"`` (the callback asked to stop) or
        ``"diverged"`` (the training loss became NaN or infinite).

    Accuracies are ``nan`` when the targets are not integer class labels
    (regression).
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    stopped: str = "completed"

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.train_loss)


def accuracy(out, y):
    """Share of correct predictions, or ``nan`` when ``y`` is not integer labels.

    Parameters
    ----------
    out : ndarray, shape (N, C)
        Network outputs: class scores (prediction = arg max), or for ``C == 1``
        a single logit per row (prediction = ``logit > 0``).
    y : ndarray, shape (N,)
        Integer labels.

    Returns
    -------
    float
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or y.ndim != 1 or len(y) == 0:
        return float("nan")
    out = np.asarray(out)
    predicted = (out[:, 0] > 0).astype(np.int64) if out.shape[1] == 1 else np.argmax(out, axis=1)
    return float(np.mean(predicted == y))


def evaluate(model, loss_fn, X, y):
    """Loss and accuracy of ``model`` on ``(X, y)`` in evaluation mode.

    Returns
    -------
    loss : float
    accuracy : float
        ``nan`` for non-label targets (see :func:`accuracy`).
    """
    out = model.forward(as_float_array(X, "X"), train=False)
    loss, _ = loss_fn(out, y)
    return float(loss), accuracy(out, y)


def minibatches(n_samples, batch_size, rng):
    """Index arrays of one epoch: a random permutation cut into batches (the last may be smaller)."""
    order = rng.permutation(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]


def train_step(model, loss_fn, optimizer, X, y):
    """One gradient step on one batch: forward, loss, backward, update.

    Returns
    -------
    float
        The batch's loss before the update.
    """
    out = model.forward(X, train=True)
    loss, dout = loss_fn(out, y)
    model.backward(dout)
    optimizer.step(model.grads)
    return float(loss)


def fit(model, loss_fn, optimizer, X, y, *, epochs, batch_size, rng, X_val=None, y_val=None, callback=None):
    """Train with shuffled mini-batches for ``epochs`` epochs (or until stopped).

    Parameters
    ----------
    model : object
        ``forward(x, train)``, ``backward(dout)``, ``params``, ``grads``
        (for example :class:`bplab.nn.layers.Sequential`).
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``, mean-reduced over the batch.
    optimizer : object
        ``step(grads)`` updates ``model.params`` in place.
    X : ndarray, shape (N, D), or (N, C, H, W) for images
    y : ndarray, shape (N,) or (N, K)
    epochs : int
    batch_size : int
        Larger than N means full-batch gradient descent.
    rng : numpy.random.Generator or int
        Shuffles the batches (an int is a seed).
    X_val, y_val : ndarray, optional
        Evaluated after every epoch.
    callback : callable, optional
        ``callback(epoch, history) -> bool`` after every epoch (epoch counts
        from 1); returning True stops training (early stopping plugs in here).

    Returns
    -------
    History
    """
    X = as_float_array(X, "X", ndim=(2, 3, 4))
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if X_val is not None:
        X_val = as_float_array(X_val, "X_val", ndim=(2, 3, 4))
        if len(X_val) != len(y_val):
            raise ValueError(f"X_val and y_val must have the same number of rows, got {len(X_val)} and {len(y_val)}")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)

    history = History()
    for epoch in range(1, epochs + 1):
        for batch in minibatches(len(X), batch_size, rng):
            train_step(model, loss_fn, optimizer, X[batch], y[batch])
        loss, acc = evaluate(model, loss_fn, X, y)
        history.train_loss.append(loss)
        history.train_acc.append(acc)
        if X_val is not None:
            val_loss, val_acc = evaluate(model, loss_fn, X_val, y_val)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
        if not np.isfinite(loss):
            history.stopped = "diverged"  # nothing more to learn from NaNs; say so instead of looping on
            break
        if callback is not None and callback(epoch, history):
            history.stopped = "callback"
            break
    return history


def classification_loss(name, n_classes, ops=None):
    """A ``loss_fn(out, y)`` for integer labels, and the number of outputs it needs.

    Parameters
    ----------
    name : {"cross_entropy", "bce", "mse", "mae"}
        ``"cross_entropy"``: softmax cross-entropy on K scores.
        ``"bce"``: binary cross-entropy on logits: one logit for two classes,
        one logit per class (one-vs-rest) for more.
        ``"mse"``/``"mae"``: regression of the raw scores onto one-hot
        targets. With no sigmoid or softmax in between nothing saturates, so
        this trains; lesson 02 shows where MSE does fall behind
        cross-entropy: on a saturating (sigmoid) output that starts wrong.
    n_classes : int
    ops : namespace, optional
        Provides the losses (``bplab.nn`` by default, or the learner's).

    Returns
    -------
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)`` with ``y`` int labels of shape (N,).
    n_outputs : int
    """
    if ops is None:
        import bplab.nn as ops
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    eye = np.eye(n_classes)
    if name == "cross_entropy":
        return (lambda out, y: ops.softmax_cross_entropy(out, y)), n_classes
    if name == "bce":
        if n_classes == 2:
            return (lambda out, y: ops.bce_with_logits(out, y[:, None].astype(np.float64))), 1
        return (lambda out, y: ops.bce_with_logits(out, eye[y])), n_classes
    if name == "mse":
        return (lambda out, y: ops.mse_loss(out, eye[y])), n_classes
    if name == "mae":
        return (lambda out, y: ops.mae_loss(out, eye[y])), n_classes
    raise ValueError(f"name must be one of 'cross_entropy', 'bce', 'mse', 'mae', got {name!r}")
