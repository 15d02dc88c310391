"""The MLP playground's model (TensorFlow Playground's ideas): data, network, training, decision map.

No ipywidgets and no drawing here: the widget copies control values into
:meth:`PlaygroundModel.configure` and calls :meth:`PlaygroundModel.tick`
(one animation frame of training) or :meth:`PlaygroundModel.reset`; the
figure reads the attributes.

Training uses the same pieces as :func:`bplab.train.fit` (``train_step``,
``minibatches``, ``evaluate``, ``classification_loss``) and an ``ops``
namespace of layer functions: :mod:`bplab.nn`, or the learner's own
("powered by your code").
"""

from __future__ import annotations

import functools

import numpy as np

from bplab import datasets, train
from bplab.nn.layers import mlp
from bplab.optim import SGD

DATASETS = {"spirals": datasets.spirals, "moons": datasets.moons, "circles": datasets.circles,
            "xor": datasets.xor, "blobs": datasets.blobs}
"""Classification sets by name; each takes ``(n_samples, noise, seed=...)`` (blobs: ``std`` = noise)."""
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
LOSSES = ("cross_entropy", "bce", "mse", "mae")
DIVERGENCE_FACTOR = 50.0
"""Training counts as diverged when the loss is not finite or exceeds this multiple of its initial value."""
NOISE_MAX = 0.5
"""The noise slider's top."""
NOISE_STEP = 0.05
"""The noise slider's step: the map's plane covers the data at every noise level ``0, NOISE_STEP, ..., NOISE_MAX``."""
STRUCTURAL = ("dataset", "noise", "hidden_layers", "units", "activation", "loss", "n_samples", "seed")
"""Settings whose change starts training afresh (new data or a new network); lr and batch size do not."""


class PlaygroundModel:
    """State of the playground.

    Parameters
    ----------
    dataset : {"spirals", "moons", "circles", "xor", "blobs"}
    noise : float
        The dataset's noise (angle noise in radians for spirals, a Gaussian
        standard deviation for the others).
    hidden_layers : int
        Number of hidden layers (0 is a linear classifier).
    units : int
        Units per hidden layer.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}
    loss : {"cross_entropy", "bce", "mse", "mae"}
    lr : float
        Learning rate of plain SGD.
    batch_size : int
    n_samples : int
        Points in the dataset; ``val_fraction`` of them are held out.
    seed : int
        Seeds the data, the split, the initial weights and the batch order.
    ops : namespace, optional
        Layer and loss functions (:mod:`bplab.nn` by default).
    grid : int
        The decision map is evaluated on ``grid x grid`` points.
    max_steps_per_tick : int
        A tick trains one epoch, or this many mini-batch steps if an epoch
        has more (so that small batches still animate smoothly).

    Attributes
    ----------
    X_train, y_train, X_val, y_val : ndarray
    n_classes : int
    network : bplab.nn.layers.Sequential
    epoch : float
        Epochs trained (fractional: examples seen / training-set size).
    history : dict of str to list of float
        ``"epoch"``, ``"train_loss"``, ``"val_loss"``, ``"train_acc"``, ``"val_acc"``.
    probabilities : ndarray, shape (grid, grid, n_classes)
        The network's class probabilities over the plane (rows = y, columns = x).
    extent : tuple
        ``(x_min, x_max, y_min, y_max)`` of the map.
    diverged : bool
        True once the loss or the weights stopped being finite, or the loss
        grew :data:`DIVERGENCE_FACTOR`-fold; ticks do nothing until
        :meth:`reset` or a structural change.
    """

    def __init__(self, dataset="spirals", noise=0.2, hidden_layers=1, units=32, activation="relu",
                 loss="cross_entropy", lr=0.5, batch_size=32, n_samples=300, val_fraction=0.2, seed=0,
                 ops=None, grid=48, max_steps_per_tick=25):
        self.dataset, self.noise, self.hidden_layers, self.units = dataset, noise, hidden_layers, units
        self.activation, self.loss, self.lr, self.batch_size = activation, loss, lr, batch_size
        self.n_samples, self.val_fraction, self.seed = n_samples, val_fraction, seed
        self.ops = ops
        self.grid = grid
        self.max_steps_per_tick = max_steps_per_tick
        self._validate()
        self._make_data()
        self.reset()

    # -- settings ---------------------------------------------------------------------------------
    def configure(self, **settings):
        """Change settings; a structural change (see :data:`STRUCTURAL`) resets training.

        Returns
        -------
        bool
            True when training was reset.
        """
        unknown = set(settings) - set(STRUCTURAL) - {"lr", "batch_size"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(STRUCTURAL) + ['batch_size', 'lr']}")
        changed = {k for k, v in settings.items() if getattr(self, k) != v}
        previous = {k: getattr(self, k) for k in settings}
        for key, value in settings.items():
            setattr(self, key, value)
        try:
            self._validate()
        except (TypeError, ValueError):
            for key, value in previous.items():
                setattr(self, key, value)
            raise
        if changed & {"dataset", "noise", "n_samples", "seed"}:
            self._make_data()
        if changed & set(STRUCTURAL):
            self.reset()
            return True
        if "lr" in changed:
            self.optimizer.lr = self.lr
        if "batch_size" in changed:
            self._queue = []  # the next step starts a fresh shuffle with the new batch size
        return False

    def _validate(self):
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {self.dataset!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if not (np.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be >= 0, got {self.noise}")
        if not (np.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr}")
        for name in ("hidden_layers", "units", "batch_size", "n_samples"):
            value = getattr(self, name)
            if int(value) != value or value < (0 if name == "hidden_layers" else 1):
                raise ValueError(f"{name} must be a whole number >= {0 if name == 'hidden_layers' else 1}, got {value}")

    # -- data and network ---------------------------------------------------------------------------
    def _make_data(self):
        X, y = _dataset(self.dataset, int(self.n_samples), float(self.noise), self.seed)
        self.X_train, self.X_val, self.y_train, self.y_val = datasets.train_val_split(
            X, y, self.val_fraction, seed=self.seed + 1)
        self.n_classes = int(y.max()) + 1
        # The same plane for every noise level of the slider (all of their data, padded): moving the noise slider
        # keeps the axes, so the figure redraws the map and points only, and the learner compares like with like.
        # The current data too, for a noise set off the slider's stops from code; not for a stop's rounding
        # (0.15000000000000002), which would move the limits by 1e-17 and redraw the axes for nothing.
        low, high = _plane(self.dataset, int(self.n_samples), self.seed)
        tolerance = 1e-6 * (high - low)
        low = np.where(X.min(axis=0) < low - tolerance, X.min(axis=0), low)
        high = np.where(X.max(axis=0) > high + tolerance, X.max(axis=0), high)
        pad = 0.1 * (high - low) + 1e-9
        self.extent = tuple(float(v) for v in (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1]))
        xs = np.linspace(self.extent[0], self.extent[1], self.grid)
        ys = np.linspace(self.extent[2], self.extent[3], self.grid)
        gx, gy = np.meshgrid(xs, ys)
        self.grid_points = np.column_stack([gx.ravel(), gy.ravel()])

    def reset(self):
        """Fresh weights (from ``seed``), empty history, epoch 0."""
        self.loss_fn, n_outputs = train.classification_loss(self.loss, self.n_classes, ops=self.ops)
        sizes = [2] + [int(self.units)] * int(self.hidden_layers) + [n_outputs]
        init = "he" if self.activation in ("relu", "leaky_relu") else "xavier"
        self.network = mlp(sizes, self.activation, rng=np.random.default_rng(self.seed), init=init, ops=self.ops)
        self.optimizer = SGD(self.network.params, lr=float(self.lr))
        self._rng = np.random.default_rng(self.seed + 2)
        self._queue = []
        self.epoch = 0.0
        self.steps = 0
        self.diverged = False
        self.history = {k: [] for k in ("epoch", "train_loss", "val_loss", "train_acc", "val_acc")}
        self._evaluate()

    # -- training -----------------------------------------------------------------------------------
    def steps_per_tick(self):
        """Mini-batch steps in one tick: one epoch, at most ``max_steps_per_tick``."""
        per_epoch = -(-len(self.X_train) // int(self.batch_size))
        return max(1, min(per_epoch, self.max_steps_per_tick))

    def tick(self):
        """One animation frame: train ``steps_per_tick()`` steps, then evaluate. Nothing once diverged."""
        if self.diverged:
            return
        batch_size = int(self.batch_size)
        # Divergence is a lesson here, not an error: overflow becomes inf/NaN, which _evaluate reports.
        with np.errstate(all="ignore"):
            for _ in range(self.steps_per_tick()):
                if not self._queue:
                    self._queue = train.minibatches(len(self.X_train), batch_size, self._rng)
                batch = self._queue.pop()
                train.train_step(self.network, self.loss_fn, self.optimizer, self.X_train[batch],
                                 self.y_train[batch])
                self.steps += 1
                self.epoch += len(batch) / len(self.X_train)
        self._evaluate()

    def _evaluate(self):
        with np.errstate(all="ignore"):
            train_loss, train_acc = train.evaluate(self.network, self.loss_fn, self.X_train, self.y_train)
            val_loss, val_acc = train.evaluate(self.network, self.loss_fn, self.X_val, self.y_val)
            out = self.network.forward(self.grid_points, train=False)
            finite = np.isfinite(train_loss) and all(np.all(np.isfinite(p)) for p in self.network.params)
            if finite:
                self.probabilities = self._probabilities(out).reshape(self.grid, self.grid, self.n_classes)
        for key, value in zip(("epoch", "train_loss", "val_loss", "train_acc", "val_acc"),
                              (self.epoch, train_loss, val_loss, train_acc, val_acc), strict=True):
            self.history[key].append(float(value))
        start = self.history["train_loss"][0]
        exploded = finite and train_loss > DIVERGENCE_FACTOR * max(start, 1e-3)
        if not finite or exploded:
            self.diverged = True  # keep the last finite map on screen; the figure says what happened

    def _probabilities(self, out):
        """Class probabilities from the outputs, as the loss reads them.

        Cross-entropy: softmax. BCE: sigmoid of the one logit (2 classes) or of
        each one-vs-rest logit, normalized. MSE/MAE: outputs clipped to [0, 1]
        and normalized (they regress one-hot targets).
        """
        if self.loss == "cross_entropy":
            z = np.exp(out - out.max(axis=1, keepdims=True))
            return z / z.sum(axis=1, keepdims=True)
        if self.loss == "bce":
            s = 0.5 * (1.0 + np.tanh(0.5 * out))  # the sigmoid, overflow-free
            if out.shape[1] == 1:
                return np.column_stack([1.0 - s[:, 0], s[:, 0]])
            scores = s
        else:
            scores = np.clip(out, 0.0, 1.0)
        total = scores.sum(axis=1, keepdims=True)
        return np.where(total > 0, scores / np.where(total > 0, total, 1.0), 1.0 / self.n_classes)

    # -- what the figure shows -------------------------------------------------------------------------
    def summary(self):
        """One line of settings: architecture, loss, learning rate, batch size."""
        arch = " → ".join(["2"] + [str(self.units)] * int(self.hidden_layers) + [str(self.network.layers[-1].W.shape[1])])
        return (f"{self.dataset} (noise {self.noise:g}) · {arch} {self.activation} · {self.loss} · "
                f"lr {self.lr:.3g} · batch {int(self.batch_size)}")

    def status(self):
        """One line of progress: epoch, losses and accuracies (or the divergence)."""
        h = self.history
        text = (f"epoch {self.epoch:.1f} · loss train {h['train_loss'][-1]:.3g} / val {h['val_loss'][-1]:.3g}"
                f" · accuracy train {h['train_acc'][-1]:.0%} / val {h['val_acc'][-1]:.0%}")
        return text

    def divergence_message(self):
        """What to tell the learner when training diverged, or ''."""
        if not self.diverged:
            return ""
        last, start = self.history["train_loss"][-1], self.history["train_loss"][0]
        what = ("the loss is no longer finite (overflow)" if not np.isfinite(last)
                else f"the loss grew from {start:.3g} to {last:.3g}")
        return (f"Training diverged at epoch {self.epoch:.1f}: {what}.\n"
                f"Learning rate {self.lr:.3g} is too large here: lower it and press reset.")


def _dataset(name, n_samples, noise, seed):
    """``DATASETS[name]`` with the noise under its own keyword (blobs: ``std``)."""
    return DATASETS[name](n_samples, **({"noise": noise} if name != "blobs" else {"std": noise}), seed=seed)


@functools.lru_cache(maxsize=32)
def _plane(name, n_samples, seed):
    """``(low, high)`` corners of the box holding the data at every noise level of the slider.

    Kept: the plane is asked for on every noise change, and the data are deterministic given these arguments.
    """
    levels = np.linspace(0.0, NOISE_MAX, round(NOISE_MAX / NOISE_STEP) + 1)
    points = np.concatenate([_dataset(name, n_samples, float(noise), seed)[0] for noise in levels])
    low, high = points.min(axis=0), points.max(axis=0)
    low.setflags(write=False)
    high.setflags(write=False)
    return low, high
