"""Transfer learning: reuse a trained network's layers for a new task.

Three ways to train a network for a new task with few labelled examples,
compared by :func:`transfer_experiment`:

* **frozen features + new head**: keep the pretrained hidden layers fixed
  (their outputs are "features") and train only a new output layer;
* **fine-tune everything**: start from the pretrained layers and a new output
  layer, and train all of them;
* **from scratch**: train the same architecture from a random initialization.

Freezing follows PyTorch's practice: frozen parameters are simply not given
to the optimizer (``requires_grad=False``), so nothing, not even weight decay,
changes them. Frozen layers also run in evaluation mode, so dropout is off
and batch-norm statistics stay as they were: that is this course's choice,
and in PyTorch it takes a separate ``.eval()`` on the frozen part, because
``requires_grad=False`` alone leaves dropout dropping and batch norm updating
its running statistics (a classic fine-tuning bug). Because frozen layers
never change, :func:`fine_tune` computes their output once and trains the
remaining layers on it.

:func:`nearest_mean_accuracy` asks the representations themselves, without
training, whether the pretrained features separate the new classes better
than the raw pixels do; the experiment records it for both.

This module also holds the reference epoch loop, :func:`train_epoch`, which
the capstone and fine-tuning share (built from :mod:`bplab.train`'s pieces).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bplab.datasets.digits import load_digits
from bplab.nn.layers import ACTIVATIONS, Linear, Sequential
from bplab.train import minibatches, train_step
from bplab.validation import as_float_array, as_generator, check_positive_int

STRATEGIES = ("frozen", "fine-tuned", "scratch")
"""Keys of :attr:`TransferResult.accuracy`."""

STRATEGY_LABELS = {"frozen": "frozen features + new head", "fine-tuned": "fine-tune everything",
                   "scratch": "from scratch"}


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    """One epoch of mini-batch training; the reference of the exercise of the same name.

    The order of the samples is ``rng.permutation(len(X))``, cut into batches
    of ``batch_size`` (the last one may be smaller). Each batch: forward in
    training mode, loss, backward, ``optimizer.step(model.grads)``.

    Parameters
    ----------
    model : object
        ``forward(x, train)``, ``backward(dout)``, ``grads`` (a ``Sequential``).
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``, mean over the batch.
    optimizer : object
        ``step(grads)``, built on ``model.params``.
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    float
        The mean training loss of the epoch: each batch's loss (before its
        update) weighted by the batch's size, ``sum(loss_b * n_b) / N``.
    """
    X = as_float_array(X, "X", ndim=2)
    batch_size = check_positive_int(batch_size, "batch_size")
    total = 0.0
    for batch in minibatches(len(X), batch_size, rng):
        total += train_step(model, loss_fn, optimizer, X[batch], y[batch]) * len(batch)
    return total / len(X)


def frozen_features(model, n_frozen, X):
    """The output of the first ``n_frozen`` layers, in evaluation mode.

    Parameters
    ----------
    model : Sequential
    n_frozen : int
        0 returns ``X`` itself.
    X : ndarray, shape (N, D)

    Returns
    -------
    ndarray, shape (N, features)
    """
    out = as_float_array(X, "X", ndim=2)
    for layer in model.layers[:_check_n_frozen(model, n_frozen)]:
        out = layer.forward(out, train=False)
    return out


def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng, train_epoch=train_epoch):
    """Train all but the first ``n_frozen`` layers of ``model``; the frozen ones stay exactly as they are.

    Parameters
    ----------
    model : Sequential
        Trained in place (its trainable layers' parameters change).
    n_frozen : int
        How many of ``model.layers`` (activations count as layers) to freeze;
        0 trains everything.
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``.
    make_optimizer : callable
        ``make_optimizer(params) -> optimizer``, called once with the
        trainable parameters only.
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
    epochs, batch_size : int
    rng : numpy.random.Generator
        Passed to ``train_epoch`` once per epoch.
    train_epoch : callable
        The epoch loop (the learner's, in the notebook).

    Returns
    -------
    list of float
        The mean training loss of every epoch.
    """
    n_frozen = _check_n_frozen(model, n_frozen)
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = frozen_features(model, n_frozen, X)  # once: frozen layers give the same output every epoch
    return [float(train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng)) for _ in range(epochs)]


def _check_n_frozen(model, n_frozen):
    n_frozen = check_positive_int(n_frozen, "n_frozen", minimum=0)
    if n_frozen >= len(model.layers):
        raise ValueError(f"n_frozen must leave at least one layer to train: the model has {len(model.layers)}"
                         f" layers, got n_frozen={n_frozen}")
    return n_frozen


def digits_network(hidden=(256, 128), n_classes=10, rng=0, *, dropout=0.0, activation="relu", ops=None):
    """The capstone's classifier: Linear, activation[, Dropout], ..., Linear.

    Parameters
    ----------
    hidden : sequence of int
        Units of each hidden layer.
    n_classes : int
        Outputs (scores for softmax cross-entropy).
    rng : numpy.random.Generator or int
        Draws the initial weights (He normal) and the dropout masks.
    dropout : float in [0, 1)
        Probability of dropping a hidden unit in training; 0 adds no dropout layers.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}
    ops : namespace, optional
        The functional layers (:mod:`bplab.nn` by default, or the learner's).

    Returns
    -------
    Sequential
    """
    rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    layers, fan_in = [], 64
    for units in hidden:
        layers += [Linear(fan_in, units, rng, ops=ops), ACTIVATIONS[activation](ops=ops)]
        if dropout:
            from bplab.nn.regularization_layers import Dropout  # lesson 05; only needed with dropout

            layers.append(Dropout(dropout, rng=rng, ops=ops))
        fan_in = units
    layers.append(Linear(fan_in, check_positive_int(n_classes, "n_classes", minimum=2), rng, ops=ops))
    return Sequential(layers)


def with_new_head(pretrained, architecture, n_classes, rng, ops=None):
    """A copy of ``pretrained`` whose output layer is new (random) and has ``n_classes`` outputs.

    Parameters
    ----------
    pretrained : Sequential
        Built by :func:`digits_network` with ``architecture``.
    architecture : dict
        ``digits_network`` keyword arguments (``hidden``, ``dropout`` ...).
    n_classes : int
    rng : numpy.random.Generator
        Draws the new head (and any fresh dropout masks).

    Returns
    -------
    Sequential
        Its hidden layers hold copies of ``pretrained``'s parameters.
    """
    model = digits_network(n_classes=n_classes, rng=rng, ops=ops, **architecture)
    copied = len(model.params) - 2  # every parameter but the new head's W and b
    for target, source in zip(model.params[:copied], pretrained.params[:copied], strict=True):
        target[...] = source
    return model


@dataclass
class TransferResult:
    """Validation accuracies of the three strategies against the number of labelled examples.

    Attributes
    ----------
    label_counts : ndarray of int, shape (K,)
        Labelled examples per class of the new task.
    accuracy : dict of str to ndarray, shape (S, K)
        One row per seed, for each of :data:`STRATEGIES`.
    source_accuracy : float
        The pretrained network's validation accuracy on its own task.
    source_classes, target_classes : tuple of int
    nearest_mean : dict of str to ndarray, shape (S, K)
        A training-free look at the representations themselves: the validation
        accuracy of :func:`nearest_mean_accuracy` on the same few labelled
        images, in ``"pixels"`` and in the ``"pretrained features"`` (the
        output of the pretrained hidden layers).
    """

    label_counts: np.ndarray
    accuracy: dict = field(default_factory=dict)
    source_accuracy: float = float("nan")
    source_classes: tuple = ()
    target_classes: tuple = ()
    nearest_mean: dict = field(default_factory=dict)

    def mean(self, strategy):
        """Mean accuracy over seeds, shape (K,)."""
        return self.accuracy[strategy].mean(axis=0)

    def sem(self, strategy):
        """Standard error of the mean over seeds, shape (K,) (0 with one seed)."""
        return _sem(self.accuracy[strategy])

    def paired_difference(self, strategy, other):
        """``strategy`` minus ``other``, seed by seed: (mean difference, its standard error), each shape (K,).

        Both strategies of a seed train on the same labelled images from the
        same new head, so the differences cancel most of the luck of the draw:
        their standard error is smaller than that of either mean.
        """
        from bplab.stats import paired_difference

        a, b = self.accuracy[strategy], self.accuracy[other]
        pairs = [paired_difference(a[:, k], b[:, k]) for k in range(a.shape[1])]
        return np.array([pair.mean for pair in pairs]), np.array([pair.se for pair in pairs])


def _sem(values):
    """Standard error of the mean over rows (seeds), shape (K,); 0 with one row."""
    return values.std(axis=0, ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.zeros(values.shape[1])


def nearest_mean_accuracy(features_few, y_few, features_test, y_test):
    """Accuracy of the nearest class mean by cosine similarity: how well a representation separates classes.

    Each class is represented by the mean of its labelled feature vectors; a
    test vector gets the class whose mean points in the most similar direction.
    Nothing is trained, so the score measures the features alone, which is
    what reusing them can bring to a new task.

    Parameters
    ----------
    features_few : ndarray, shape (M, F)
        Features of the labelled images.
    y_few : ndarray of int, shape (M,)
        Their classes, 0 .. C - 1, each present at least once.
    features_test : ndarray, shape (N, F)
    y_test : ndarray of int, shape (N,)

    Returns
    -------
    float
    """
    features_few = as_float_array(features_few, "features_few", ndim=2)
    features_test = as_float_array(features_test, "features_test", ndim=2)
    y_few, y_test = np.asarray(y_few), np.asarray(y_test)
    if y_few.shape != features_few.shape[:1] or y_test.shape != features_test.shape[:1]:
        raise ValueError(f"one label per feature row is needed: features_few {features_few.shape} with y_few"
                         f" {y_few.shape}, features_test {features_test.shape} with y_test {y_test.shape}")
    classes = np.unique(y_few)
    if not np.array_equal(classes, np.arange(classes.size)):
        raise ValueError(f"y_few must hold every class 0 .. C - 1 at least once, got classes {classes.tolist()}")
    means = np.stack([features_few[y_few == c].mean(axis=0) for c in classes])
    # A feature vector of zeros (every ReLU off) has no direction; the tiny floor makes it score 0 everywhere.
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    tests = features_test / np.maximum(np.linalg.norm(features_test, axis=1, keepdims=True), 1e-12)
    return float(np.mean(np.argmax(tests @ means.T, axis=1) == y_test))


def _accuracy(model, X, y):
    return float(np.mean(np.argmax(model.forward(X, train=False), axis=1) == y))


def _select(X, y, classes):
    """Rows whose label is in ``classes``, relabelled 0 .. len(classes) - 1."""
    keep = np.isin(y, classes)
    return X[keep], np.searchsorted(np.asarray(classes), y[keep])


def transfer_experiment(label_counts=(1, 2, 5, 10, 20), seeds=(0, 1, 2), *, source_classes=(0, 1, 2, 3, 4),
                        target_classes=(5, 6, 7, 8, 9), architecture=None, pretrain_epochs=20, steps=60,
                        lr=None, ops=None, fine_tune=fine_tune, loss_fn=None, progress=None):
    """Pretrain on the source digits, then compare the strategies on the target digits with few labels.

    The source network trains on the train split's source digits. For every
    seed and every count ``n``, ``n`` labelled train-split images of each
    target class are drawn; the three strategies train on them for ``steps``
    full-batch Adam steps and are scored on every validation image of the
    target classes (comparing strategies is choosing: the test split is left
    for the end).

    Parameters
    ----------
    label_counts : sequence of int
        Labelled examples per target class.
    seeds : sequence of int
        One draw of examples and initial heads per seed (results are averaged).
    source_classes, target_classes : sequence of int
        Digits of the pretraining task and of the new task.
    architecture : dict, optional
        :func:`digits_network` arguments; ``{"hidden": (256,)}`` by default.
    pretrain_epochs : int
        Epochs of mini-batch Adam on all source training images.
    steps : int
        Full-batch steps of each strategy on the target examples.
    lr : dict of str to float, optional
        Adam's learning rate per strategy; the default gives the linear head
        of the frozen strategy a larger step (1e-2) than the whole networks (3e-3).
    ops : namespace, optional
        The functional layers (the learner's, in the notebook).
    fine_tune : callable
        :func:`fine_tune` or the learner's version.
    loss_fn : callable, optional
        Softmax cross-entropy of :mod:`bplab.nn` by default.
    progress : callable, optional
        ``progress(done, total)`` after each trained network.

    Returns
    -------
    TransferResult
    """
    from bplab.optim import Adam  # lesson 04's optimizers; imported here to keep the module's imports light

    if loss_fn is None:
        import bplab.nn

        loss_fn = bplab.nn.softmax_cross_entropy
    architecture = dict(architecture or {"hidden": (256,)})
    lr = {"frozen": 1e-2, "fine-tuned": 3e-3, "scratch": 3e-3} | dict(lr or {})
    label_counts = np.array([check_positive_int(n, "label_counts[i]") for n in label_counts])
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    X_train, y_train = load_digits("train")
    X_val, y_val = load_digits("val")  # the experiment chooses between strategies: the test split stays unread
    X_source, y_source = _select(X_train, y_train, source_classes)
    X_pool, y_pool = _select(X_train, y_train, target_classes)
    X_eval, y_eval = _select(X_val, y_val, target_classes)
    k = len(target_classes)
    if label_counts.max() > np.bincount(y_pool).min():
        raise ValueError(f"label_counts go up to {label_counts.max()}, but a target class has only"
                         f" {np.bincount(y_pool).min()} training images")

    rng = np.random.default_rng(12345)
    pretrained = digits_network(n_classes=len(source_classes), rng=rng, ops=ops, **architecture)
    optimizer = Adam(pretrained.params, lr=3e-3)
    for _ in range(pretrain_epochs):
        train_epoch(pretrained, loss_fn, optimizer, X_source, y_source, 32, rng)
    source_accuracy = _accuracy(pretrained, *_select(X_val, y_val, source_classes))

    accuracy = {s: np.zeros((len(seeds), len(label_counts))) for s in STRATEGIES}
    n_hidden_layers = len(pretrained.layers) - 1
    representations = {"pixels": (X_pool, X_eval),
                       "pretrained features": (frozen_features(pretrained, n_hidden_layers, X_pool),
                                               frozen_features(pretrained, n_hidden_layers, X_eval))}
    nearest_mean = {name: np.zeros((len(seeds), len(label_counts))) for name in representations}
    total, done = len(seeds) * len(label_counts) * len(STRATEGIES), 0
    for i, seed in enumerate(seeds):
        for j, count in enumerate(label_counts):
            draw = np.random.default_rng([seed, int(count)])
            picked = np.concatenate([draw.choice(np.flatnonzero(y_pool == c), count, replace=False) for c in range(k)])
            X_few, y_few = X_pool[picked], y_pool[picked]
            for name, (pool, evaluated) in representations.items():
                nearest_mean[name][i, j] = nearest_mean_accuracy(pool[picked], y_few, evaluated, y_eval)
            for strategy in STRATEGIES:
                init = np.random.default_rng([seed, int(count), 7])  # one head init, shared by the strategies
                if strategy == "scratch":
                    model, n_frozen = digits_network(n_classes=k, rng=init, ops=ops, **architecture), 0
                else:
                    model = with_new_head(pretrained, architecture, k, init, ops=ops)
                    n_frozen = n_hidden_layers if strategy == "frozen" else 0
                fine_tune(model, n_frozen, loss_fn, lambda params, s=strategy: Adam(params, lr=lr[s]), X_few, y_few,
                          epochs=steps, batch_size=len(X_few), rng=np.random.default_rng(seed))
                accuracy[strategy][i, j] = _accuracy(model, X_eval, y_eval)
                done += 1
                if progress is not None:
                    progress(done, total)
    return TransferResult(label_counts, accuracy, source_accuracy, tuple(source_classes), tuple(target_classes),
                          nearest_mean)
