"""Lesson 07's filter and feature-map viewer: a digit, a bank of 3x3 filters, and what each stage makes of it.

Also home of the lesson's small CNN (built from :mod:`bplab.nn.conv_layers`),
so that the notebook, the viewer's "learned" filters and the tests train the
very same network with the very same settings.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from bplab.validation import as_float_array, check_positive_int

N_FILTERS = 8
CNN_TRAINING = {"epochs": 12, "batch_size": 32, "lr": 1e-2, "seed": 0}
"""How the notebook, the viewer and the tests train the small CNN and the MLP it is compared with."""
MLP_HIDDEN = 32

# Classic hand-made 3x3 kernels, written as cross-correlation kernels (the way conv2d applies them).
PRESET_FILTERS = {
    "vertical edges (Sobel x)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel y)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "diagonal edges ↘": [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]],
    "diagonal edges ↗": [[-2, -1, 0], [-1, 0, 1], [0, 1, 2]],
    "Laplacian (blobs, corners)": [[0, -1, 0], [-1, 4, -1], [0, -1, 0]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "blur (box average)": [[1 / 9] * 3] * 3,
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}
BANKS = ("preset", "learned")


def small_cnn(rng, n_filters=N_FILTERS, ops=None):
    """The lesson's CNN for 8x8 digits given as rows of 64 pixels.

    ``Unflatten(1, 8, 8) -> Conv2d(1, F, 3x3, pad 1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(F*4*4, 10)``.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    n_filters : int
    ops : namespace, optional
        The functional pairs (``bplab.nn`` by default).

    Returns
    -------
    bplab.nn.layers.Sequential
    """
    from bplab.nn.conv_layers import Conv2d, Flatten, MaxPool2d, Unflatten
    from bplab.nn.layers import Linear, ReLU, Sequential
    from bplab.validation import as_generator

    rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
    n_filters = check_positive_int(n_filters, "n_filters")
    return Sequential([Unflatten((1, 8, 8)), Conv2d(1, n_filters, 3, rng, pad=1, ops=ops), ReLU(ops=ops),
                       MaxPool2d(2, ops=ops), Flatten(), Linear(n_filters * 4 * 4, 10, rng, ops=ops)])


def train_digits(model, seed=CNN_TRAINING["seed"], epochs=CNN_TRAINING["epochs"],
                 batch_size=CNN_TRAINING["batch_size"], lr=CNN_TRAINING["lr"]):
    """Train ``model`` on the digits' training split with Adam and softmax cross-entropy.

    Returns
    -------
    history : bplab.train.History
    test_accuracy : float
        On the 450 held-out test digits.
    """
    from bplab import nn, optim
    from bplab.datasets import load_digits
    from bplab.train import evaluate, fit

    X_train, y_train, X_test, y_test = load_digits()
    history = fit(model, nn.softmax_cross_entropy, optim.Adam(model.params, lr=lr), X_train, y_train,
                  epochs=epochs, batch_size=batch_size, rng=seed)
    return history, evaluate(model, nn.softmax_cross_entropy, X_test, y_test)[1]


def deeper_cnn(rng, ops=None):
    """Two conv layers: the lesson's CNN with a second 3x3 convolution (16 filters) after the first pooling.

    ``Unflatten -> Conv2d(1, 8, 3x3, pad 1) -> ReLU -> MaxPool2d(2) -> Conv2d(8, 16, 3x3, pad 1) -> ReLU
    -> MaxPool2d(2) -> Flatten -> Linear(16*2*2, 10)``; 1,898 parameters.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    ops : namespace, optional
        The functional pairs (``bplab.nn`` by default).

    Returns
    -------
    bplab.nn.layers.Sequential
    """
    from bplab.nn.conv_layers import Conv2d, Flatten, MaxPool2d, Unflatten
    from bplab.nn.layers import Linear, ReLU, Sequential
    from bplab.validation import as_generator

    rng = rng if isinstance(rng, np.random.Generator) else as_generator(seed=rng)
    return Sequential([Unflatten((1, 8, 8)), Conv2d(1, N_FILTERS, 3, rng, pad=1, ops=ops), ReLU(ops=ops),
                       MaxPool2d(2, ops=ops), Conv2d(N_FILTERS, 2 * N_FILTERS, 3, rng, pad=1, ops=ops), ReLU(ops=ops),
                       MaxPool2d(2, ops=ops), Flatten(), Linear(2 * N_FILTERS * 2 * 2, 10, rng, ops=ops)])


def receptive_field(layers):
    """Side of the input square that one output unit depends on, and the step between neighbouring units.

    Parameters
    ----------
    layers : list of (kernel, stride)
        Each convolution or pooling layer, first to last.

    Returns
    -------
    field : int
        Each layer adds ``(kernel - 1) * step`` input pixels, where ``step`` is
        the product of the strides of the layers before it.
    step : int
        Input pixels between neighbouring units of the last layer.
    """
    field, step = 1, 1
    for kernel, stride in layers:
        kernel, stride = check_positive_int(kernel, "kernel"), check_positive_int(stride, "stride")
        field += (kernel - 1) * step
        step *= stride
    return field, step


def accuracies_over_seeds(build, seeds, ops=None):
    """Test accuracy of ``build(seed, ops)`` trained with :data:`CNN_TRAINING` on each seed.

    The seed sets both the initialization and the batch order, so two models
    run on the same seeds can be compared seed by seed (:func:`bplab.stats.paired_difference`).

    Returns
    -------
    accuracies : ndarray, shape (len(seeds),)
    models : list of Sequential, the trained models
    """
    accuracies, models = [], []
    for seed in seeds:
        model = build(seed, ops)
        accuracies.append(train_digits(model, seed=seed)[1])
        models.append(model)
    return np.array(accuracies), models


def parameter_count(model):
    """Number of trainable numbers in ``model.params``."""
    return int(sum(p.size for p in model.params))


@lru_cache(maxsize=2)
def learned_filters(seed=CNN_TRAINING["seed"]):
    """The first-layer filters of the small CNN trained with :data:`CNN_TRAINING` (cached per seed).

    Returns
    -------
    W : ndarray, shape (8, 1, 3, 3)
    b : ndarray, shape (8,)
    """
    model = small_cnn(seed)
    train_digits(model, seed=seed)
    conv = model.layers[1]
    W, b = conv.W.copy(), conv.b.copy()
    W.setflags(write=False)
    b.setflags(write=False)
    return W, b


def sample_digits():
    """One test image of each digit 0..9: images (10, 8, 8) in [0, 1], labels (10,)."""
    from bplab.datasets import load_digits

    X, y = load_digits("test", images=True)
    first = [int(np.flatnonzero(y == d)[0]) for d in range(10)]
    return X[first], y[first]


class FeatureMapsModel:
    """State of the viewer: which image, which bank of filters, which filter.

    Parameters
    ----------
    images : ndarray, shape (M, 8, 8), optional
        Candidate inputs; one test digit of each class by default.
    labels : ndarray of int, shape (M,), optional
    learned : (W, b), optional
        The learned bank, ``W`` of shape (F, 1, 3, 3) and ``b`` (F,); the small
        CNN's filters (:func:`learned_filters`) by default.
    ops : namespace, optional
        Provides ``conv2d_forward`` and ``maxpool2d_forward`` (``bplab.nn``
        by default, or the learner's).

    Attributes
    ----------
    image_index, filter_index : int
    bank : {"preset", "learned"}
    x : ndarray, shape (1, 1, H, W)
        The chosen image as a batch of one.
    W, b : the chosen bank, shapes (F, 1, 3, 3) and (F,)
    names : list of str
        A name per filter of the chosen bank.
    conv, relu : ndarray, shape (F, H, W)
        Every filter's feature map after the convolution (pad 1) and after ReLU.
    pooled : ndarray, shape (F, H // 2, W // 2)
        After 2x2 max pooling.
    """

    def __init__(self, images=None, labels=None, learned=None, ops=None):
        if images is None:
            images, default_labels = sample_digits()
            labels = default_labels if labels is None else labels
        self.images = as_float_array(images, "images", ndim=3)
        self.labels = None if labels is None else np.asarray(labels)
        if learned is None:
            learned = learned_filters()
        W, b = learned
        self.learned = (as_float_array(W, "learned W", ndim=4), as_float_array(b, "learned b", ndim=1))
        preset = np.array(list(PRESET_FILTERS.values()), dtype=np.float64)[:, None]
        self.banks = {"preset": (preset, np.zeros(len(preset))), "learned": self.learned}
        if ops is None:
            import bplab.nn as ops
        self.ops = ops
        self.image_index, self.bank, self.filter_index = 0, "preset", 0
        self.compute()

    @property
    def n_filters(self):
        return len(self.banks[self.bank][0])

    def set(self, image_index=None, bank=None, filter_index=None):
        """Change any of the three choices and recompute."""
        if image_index is not None:
            self.image_index = int(np.clip(image_index, 0, len(self.images) - 1))
        if bank is not None:
            if bank not in self.banks:
                raise ValueError(f"bank must be one of {BANKS}, got {bank!r}")
            self.bank = bank
        if filter_index is not None:
            self.filter_index = int(filter_index)
        self.filter_index = int(np.clip(self.filter_index, 0, self.n_filters - 1))
        self.compute()

    def compute(self):
        self.W, self.b = self.banks[self.bank]
        self.names = list(PRESET_FILTERS) if self.bank == "preset" else [
            f"learned filter {i + 1}" for i in range(len(self.W))]
        self.x = self.images[self.image_index][None, None]
        with np.errstate(all="ignore"):  # a learner's code may overflow; the figure says so
            self.conv = np.asarray(self.ops.conv2d_forward(self.x, self.W, self.b, 1, 1)[0])[0]
            self.relu = np.maximum(self.conv, 0.0)
            self.pooled = np.asarray(self.ops.maxpool2d_forward(self.relu[None], 2, 2)[0])[0]

    @property
    def finite(self):
        return bool(np.all(np.isfinite(self.conv)) and np.all(np.isfinite(self.pooled)))

    @property
    def label(self):
        return None if self.labels is None else int(self.labels[self.image_index])
