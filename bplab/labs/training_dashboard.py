"""The capstone's training dashboard: a recorded training run on the digits, and the transfer comparison.

:func:`record_training` trains a network epoch by epoch and keeps what the
dashboard shows: losses, accuracies, the validation predictions of every
epoch and the training time (the test split is for the end, never shown
during training). :class:`TrainingDashboard` selects an epoch (and a digit)
of such a record and derives the confusion matrix and the misclassified
validation images; :class:`TransferComparison` selects a label count of a
:class:`bplab.transfer.TransferResult`. No drawing and no ipywidgets here.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from bplab import transfer
from bplab.datasets.digits import N_CLASSES, load_digits
from bplab.recipes import TrainingRecord, accuracy, record_training  # noqa: F401 - re-exported for the notebook
from bplab.validation import check_positive_int

CAPSTONE = {"hidden": (256, 128), "dropout": 0.3, "lr": 3e-3, "batch_size": 32, "seed": 0}
"""The capstone's recipe: 64-256-128-10 ReLU network, dropout 0.3, Adam(3e-3), batches of 32."""


def confusion_matrix(y_true, y_pred, n_classes=N_CLASSES):
    """Counts of (true class, predicted class) pairs.

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (N,)
    n_classes : int

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
        ``C[i, j]`` = number of samples of class ``i`` predicted as ``j``;
        the diagonal holds the correct ones.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of one length, got {y_true.shape} and {y_pred.shape}")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(f"{name} must hold integer labels in 0..{n_classes - 1}")
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def train_capstone(epochs=30, *, ops=None, train_epoch=transfer.train_epoch, progress=None, **recipe):
    """Train the capstone network on the digits' train split, watched on validation; ``(model, record)``.

    The model comes back with the weights of the epoch with the lowest
    validation loss (``record.best_epoch``). The test split is not touched:
    evaluate it once, at the end, with :func:`accuracy`.

    Parameters
    ----------
    epochs : int
    ops : namespace, optional
        The functional layers (:mod:`bplab.nn`, or the learner's).
    train_epoch : callable
    progress : callable, optional
        See :func:`record_training`.
    **recipe
        Overrides of :data:`CAPSTONE` (``hidden``, ``dropout``, ``lr``, ``batch_size``, ``seed``).

    Returns
    -------
    model : Sequential
    record : TrainingRecord
    """
    from bplab.optim import Adam

    unknown = set(recipe) - set(CAPSTONE)
    if unknown:
        raise TypeError(f"unknown recipe settings {sorted(unknown)}; known: {sorted(CAPSTONE)}")
    recipe = CAPSTONE | recipe
    loss_fn = ops.softmax_cross_entropy if ops is not None else _reference_loss()
    X_train, y_train = load_digits("train")
    X_val, y_val = load_digits("val")
    rng = np.random.default_rng(recipe["seed"])
    model = transfer.digits_network(recipe["hidden"], N_CLASSES, rng, dropout=recipe["dropout"], ops=ops)
    optimizer = Adam(model.params, lr=recipe["lr"])
    record = record_training(model, loss_fn, optimizer, X_train, y_train, X_val, y_val, epochs=epochs,
                             batch_size=recipe["batch_size"], rng=rng, train_epoch=train_epoch, progress=progress)
    return model, record


def _reference_loss():
    import bplab.nn

    return bplab.nn.softmax_cross_entropy


def learner_ops(impl=None):
    """The learner's layers where their checks pass, bplab's elsewhere: ``(ops, train_epoch, fine_tune, label)``.

    Linear, ReLU and softmax cross-entropy come from ``ex02_mlp``, dropout from
    ``ex05_regularization``, the training loop and fine-tuning from
    ``ex06_capstone``, each only once its checks pass (:func:`bplab.powered.choose`).
    """
    import bplab.nn
    from bplab.powered import choose

    layers = choose("ex02_mlp", ["linear_forward", "linear_backward", "relu_backward", "softmax_cross_entropy"],
                    bplab.nn, impl=impl)
    dropout = choose("ex05_regularization", ["dropout_forward", "dropout_backward"], bplab.nn, impl=impl)
    reference = SimpleNamespace(train_epoch=transfer.train_epoch, fine_tune=transfer.fine_tune)
    loop = choose("ex06_capstone", ["train_epoch"], reference, impl=impl)
    tuning = choose("ex06_capstone", ["train_epoch", "fine_tune"], reference, impl=impl)
    ops = SimpleNamespace(**vars(layers.ops) if isinstance(layers.ops, SimpleNamespace) else
                          {n: getattr(layers.ops, n) for n in dir(layers.ops) if not n.startswith("_")})
    ops.dropout_forward, ops.dropout_backward = dropout.ops.dropout_forward, dropout.ops.dropout_backward
    label = "; ".join(f"{what}: {choice.label}" for what, choice in
                      (("layers", layers), ("dropout", dropout), ("train_epoch", loop), ("fine_tune", tuning)))
    return ops, loop.ops.train_epoch, tuning.ops.fine_tune, label


class TrainingDashboard:
    """State of the dashboard: which epoch and which digit of a :class:`TrainingRecord` are shown.

    Parameters
    ----------
    record : TrainingRecord
    n_shown : int
        How many misclassified images the dashboard shows.

    Attributes
    ----------
    epoch : int
        1 .. record.epochs (the last one at first).
    digit : int or None
        Show only misclassified images of this true digit; None for all.
    """

    def __init__(self, record, n_shown=12):
        if not isinstance(record, TrainingRecord):
            raise TypeError(f"record must be a TrainingRecord (from record_training), got {type(record).__name__}")
        if record.epochs == 0:
            raise ValueError("the record has no epochs: train for at least one epoch")
        self.record = record
        self.n_shown = check_positive_int(n_shown, "n_shown")
        self.epoch = record.epochs
        self.digit = None

    def set_epoch(self, epoch):
        """Select an epoch, clamped to 1 .. record.epochs."""
        self.epoch = int(min(max(int(epoch), 1), self.record.epochs))

    @property
    def predictions(self):
        return self.record.predictions[self.epoch - 1]

    @property
    def accuracy(self):
        return self.record.val_acc[self.epoch - 1]

    @property
    def diverged(self):
        """True when the selected epoch's training loss is not finite."""
        return not np.isfinite(self.record.train_loss[self.epoch - 1])

    def confusion(self):
        """Confusion matrix of the selected epoch's validation predictions, (10, 10)."""
        return confusion_matrix(self.record.y_val, self.predictions)

    def misclassified(self):
        """Indices of up to ``n_shown`` misclassified validation images (of ``digit`` when set), and how many."""
        wrong = self.predictions != self.record.y_val
        if self.digit is not None:
            wrong &= self.record.y_val == self.digit
        indices = np.flatnonzero(wrong)
        return indices[: self.n_shown], len(indices)


class TransferComparison:
    """State of the transfer figure: which label count is looked at closely.

    Parameters
    ----------
    result : bplab.transfer.TransferResult
    """

    def __init__(self, result):
        if not isinstance(result, transfer.TransferResult):
            raise TypeError(f"result must be a TransferResult (from transfer_experiment), got {type(result).__name__}")
        self.result = result
        self.count = int(result.label_counts[0])

    def set_count(self, count):
        """Select the label count nearest to ``count``."""
        counts = self.result.label_counts
        self.count = int(counts[np.argmin(np.abs(counts - count))])

    @property
    def index(self):
        return int(np.flatnonzero(self.result.label_counts == self.count)[0])

    def at_count(self):
        """{strategy: accuracies of every seed at the selected count}."""
        return {s: self.result.accuracy[s][:, self.index] for s in transfer.STRATEGIES}
