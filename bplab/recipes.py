"""Training runs on the digits: recording a run epoch by epoch, and recipes that describe a whole run.

:func:`record_training` trains a network epoch by epoch, watching it on the
validation images, and keeps the weights of the best epoch (the capstone's
dashboard replays the record).

A recipe is a dict (lesson 06's open-ended task asks the learner to write one):

=================  ===========================================================
``hidden``         units of each hidden layer, e.g. ``(256, 128)``
``activation``     ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"leaky_relu"``
``dropout``        probability of dropping a hidden unit in training, [0, 1)
``optimizer``      ``"sgd"``, ``"adam"``, ``"adamw"`` or ``"rmsprop"``
``lr``             the optimizer's learning rate
``momentum``       SGD's and RMSprop's momentum (0 by default)
``weight_decay``   the optimizer's weight decay (0 by default)
``batch_size``     examples per mini-batch
``epochs``         how many epochs at most
=================  ===========================================================

:func:`train_recipe` trains it on the digits' train split, watches every
epoch on the validation split and keeps the epoch with the lowest validation
loss (early stopping, lesson 05). The test split is not used here.

What a recipe costs is counted (:func:`training_cost`: multiply-adds and
optimizer steps), not timed, so a limit on it means the same on every
machine, busy or not.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from bplab import transfer
from bplab.datasets.digits import IMAGE_SHAPE, N_CLASSES, load_digits
from bplab.nn.layers import ACTIVATIONS
from bplab.validation import as_float_array, check_positive_int


@dataclass
class TrainingRecord:
    """One training run, epoch by epoch, watched on the validation images (never the test images).

    Attributes
    ----------
    train_loss : list of float
        What ``train_epoch`` returned: the running mean of the batch losses
        during the epoch, in training mode (dropout on) while the weights change.
    train_loss_eval : list of float
        The training loss evaluated after the epoch, in evaluation mode (the
        definition :func:`bplab.train.fit` uses).
    val_loss, val_acc, train_acc : list of float
        Evaluated after each epoch in evaluation mode.
    predictions : list of ndarray of int, shape (N_val,)
        The validation predictions after each epoch.
    seconds : list of float
        Training time (evaluations excluded) from the start to the end of each epoch.
    y_val : ndarray of int, shape (N_val,)
    images : ndarray of float, shape (N_val, 8, 8)
    best_epoch : int or None
        The epoch (from 1) with the lowest validation loss: the one early
        stopping keeps, and whose weights :func:`record_training` restores.
    stopped : str
        ``"completed"``, ``"stopped"`` (by the progress callback) or ``"diverged"``.
    """

    y_val: np.ndarray
    images: np.ndarray
    train_loss: list = field(default_factory=list)
    train_loss_eval: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    predictions: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped: str = "completed"

    @property
    def epochs(self):
        return len(self.train_loss)

    def time_to_accuracy(self, target):
        """Training seconds until the validation accuracy first reached ``target``, or None."""
        epoch = self.epochs_to_accuracy(target)
        return None if epoch is None else self.seconds[epoch - 1]

    def epochs_to_accuracy(self, target):
        """The first epoch (from 1) whose validation accuracy reached ``target``, or None."""
        return next((i + 1 for i, acc in enumerate(self.val_acc) if acc >= target), None)


def record_training(model, loss_fn, optimizer, X_train, y_train, X_val, y_val, *, epochs, batch_size, rng,
                    train_epoch=transfer.train_epoch, progress=None, restore_best=True):
    """Train for ``epochs`` epochs, watch every epoch on validation, keep the best (see :class:`TrainingRecord`).

    Early stopping without the stopping: every epoch is trained and recorded
    (the dashboard replays them all), the epoch with the lowest validation
    loss is remembered with its weights (:class:`bplab.regularization.EarlyStopping`),
    and those weights are put back at the end.

    Parameters
    ----------
    model, loss_fn, optimizer
        As for :func:`bplab.transfer.train_epoch`.
    X_train, y_train, X_val, y_val : ndarray
        ``X`` of shape (N, 64) with pixel values in [0, 1].
    epochs, batch_size : int
    rng : numpy.random.Generator
    train_epoch : callable
        The epoch loop (the learner's in the notebook).
    progress : callable, optional
        ``progress(epoch, record) -> bool`` after every epoch; True stops.
    restore_best : bool
        Leave the model with the best epoch's weights (True) or the last epoch's.

    Returns
    -------
    TrainingRecord
    """
    from bplab.regularization import EarlyStopping

    X_train = as_float_array(X_train, "X_train", ndim=2)
    X_val = as_float_array(X_val, "X_val", ndim=2)
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    record = TrainingRecord(y_val=np.asarray(y_val), images=X_val.reshape(len(X_val), *IMAGE_SHAPE))
    keeper = EarlyStopping(model, patience=epochs + 1)  # never stops: it only remembers the best weights
    elapsed = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        loss = float(train_epoch(model, loss_fn, optimizer, X_train, y_train, batch_size, rng))
        elapsed += time.perf_counter() - start
        with np.errstate(all="ignore"):  # a diverged network is recorded, then reported by the dashboard
            val_loss, predicted = _evaluate(model, loss_fn, X_val, y_val)
            train_loss_eval, train_predicted = _evaluate(model, loss_fn, X_train, y_train)
        record.train_loss.append(loss)
        record.train_loss_eval.append(train_loss_eval)
        record.val_loss.append(val_loss)
        record.predictions.append(predicted)
        record.val_acc.append(float(np.mean(predicted == y_val)))
        record.train_acc.append(float(np.mean(train_predicted == y_train)))
        record.seconds.append(elapsed)
        keeper.update(val_loss if np.isfinite(val_loss) else np.inf)
        record.best_epoch = None if keeper.best_epoch is None else keeper.best_epoch + 1
        if not np.isfinite(loss):
            record.stopped = "diverged"
            break
        if progress is not None and progress(epoch, record):
            record.stopped = "stopped"
            break
    if restore_best:
        keeper.restore()
    return record


def _evaluate(model, loss_fn, X, y):
    """(loss, predicted classes) in evaluation mode; the loss is NaN when the scores are not finite."""
    out = model.forward(X, train=False)
    loss = float(loss_fn(out, y)[0]) if np.all(np.isfinite(out)) else float("nan")
    return loss, _predicted(out)


def _predicted(out):
    return np.argmax(np.nan_to_num(out, nan=-np.inf), axis=1)


def accuracy(model, X, y):
    """Fraction of ``X`` (N, 64) whose highest score, in evaluation mode, is at the label ``y`` (N,)."""
    with np.errstate(all="ignore"):
        return float(np.mean(_predicted(model.forward(as_float_array(X, "X", ndim=2), train=False)) == np.asarray(y)))


DEFAULTS = {"hidden": (256, 128), "activation": "relu", "dropout": 0.0, "optimizer": "adam", "lr": 1e-3,
            "momentum": 0.0, "weight_decay": 0.0, "batch_size": 32, "epochs": 10}
"""Every setting a recipe may give; those it leaves out take these values."""

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
MAX_UNITS = 2048
"""Widest hidden layer accepted (wider ones cannot train in the time limit anyway)."""


def check_recipe(recipe):
    """The recipe with its defaults filled in; a clear TypeError or ValueError when it is not a recipe.

    Parameters
    ----------
    recipe : dict
        Settings named in :data:`DEFAULTS`.

    Returns
    -------
    dict
        Every setting of :data:`DEFAULTS`, ``hidden`` as a tuple of int.
    """
    if not isinstance(recipe, dict):
        raise TypeError(f"a recipe is a dict of settings (like {{'lr': 1e-3, 'epochs': 10}}), "
                        f"got {type(recipe).__name__}")
    unknown = sorted(str(k) for k in recipe if k not in DEFAULTS)
    if unknown:
        raise ValueError(f"unknown recipe settings {unknown}; the settings are {sorted(DEFAULTS)}")
    full = DEFAULTS | recipe
    hidden = full["hidden"]
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)) or not all(
            isinstance(u, numbers.Integral) and not isinstance(u, bool) and 1 <= u <= MAX_UNITS for u in hidden):
        raise ValueError(f"hidden must be a tuple of layer widths between 1 and {MAX_UNITS}, like (256, 128),"
                         f" got {hidden!r}")
    full["hidden"] = tuple(int(u) for u in hidden)
    if full["activation"] not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {full['activation']!r}")
    if full["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {full['optimizer']!r}")
    for name, low, high in (("dropout", 0.0, 1.0), ("lr", 0.0, math.inf), ("momentum", 0.0, 1.0),
                            ("weight_decay", 0.0, math.inf)):
        value = full[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise TypeError(f"{name} must be a finite number, got {value!r}")
        if not (low <= value < high) or (name == "lr" and value == 0):
            raise ValueError(f"{name} must lie in {'(' if name == 'lr' else '['}{low}, {high}), got {value}")
        full[name] = float(value)
    for name in ("batch_size", "epochs"):
        value = full[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        full[name] = int(value)
    return full


def make_optimizer(recipe, params):
    """The recipe's optimizer (from :mod:`bplab.optim`) on ``params``."""
    from bplab import optim

    kind, lr, decay, momentum = recipe["optimizer"], recipe["lr"], recipe["weight_decay"], recipe["momentum"]
    if kind == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum, weight_decay=decay)
    if kind == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=momentum, weight_decay=decay)
    if kind == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=decay)
    return optim.Adam(params, lr=lr, weight_decay=decay)


def training_cost(recipe, n_train=1078, n_val=269, seeds=1):
    """What training a recipe costs, counted rather than timed: ``(multiply_adds, steps)``.

    Counting makes a limit the same on every machine and under any load. An
    epoch costs three matrix products per layer and training example (the
    forward pass and the two backward products) plus one per layer for every
    image evaluated after the epoch (train and validation); each mini-batch is
    one optimizer step, whose Python overhead dominates when batches are tiny.

    Parameters
    ----------
    recipe : dict
        Checked by :func:`check_recipe`.
    n_train, n_val : int
        Images trained on and evaluated (the digits' train and validation splits).
    seeds : int
        How many times the recipe is trained.

    Returns
    -------
    multiply_adds : int
    steps : int
    """
    recipe = check_recipe(recipe)
    widths = (64, *recipe["hidden"], N_CLASSES)
    per_image = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    per_epoch = per_image * (3 * n_train + n_train + n_val)
    steps = -(-n_train // recipe["batch_size"]) * recipe["epochs"] * seeds
    return per_epoch * recipe["epochs"] * seeds, steps


def train_recipe(recipe, *, seed=0, ops=None, train_epoch=transfer.train_epoch):
    """Train a recipe on the digits' train split, watched on validation; ``(model, record)``.

    Parameters
    ----------
    recipe : dict
        See the module's docstring; checked by :func:`check_recipe`.
    seed : int
        Initial weights, dropout masks and shuffling.
    ops : namespace, optional
        The functional layers (:mod:`bplab.nn` by default, or the learner's).
    train_epoch : callable
        The epoch loop.

    Returns
    -------
    model : Sequential
        With the weights of the epoch of lowest validation loss.
    record : TrainingRecord
    """
    recipe = check_recipe(recipe)
    loss_fn = ops.softmax_cross_entropy if ops is not None else _reference_loss()
    X_train, y_train = load_digits("train")
    X_val, y_val = load_digits("val")
    rng = np.random.default_rng(seed)
    model = transfer.digits_network(recipe["hidden"], N_CLASSES, rng, dropout=recipe["dropout"],
                                    activation=recipe["activation"], ops=ops)
    record = record_training(model, loss_fn, make_optimizer(recipe, model.params), X_train, y_train, X_val, y_val,
                             epochs=recipe["epochs"], batch_size=recipe["batch_size"], rng=rng,
                             train_epoch=train_epoch)
    return model, record


def _reference_loss():
    import bplab.nn

    return bplab.nn.softmax_cross_entropy
