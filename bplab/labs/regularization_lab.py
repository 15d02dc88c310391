"""The regularization lab's model: an over-sized MLP overfitting a small noisy dataset.

40 noisy "moons" points, a 2-32-32-2 ReLU network (1,152 weights), full-batch
SGD with momentum: without regularization the training loss goes to 0 while the
validation loss turns up after a few dozen epochs. The settings add L2, L1
(soft-thresholded after each momentum step, so weights reach exactly 0: a
heuristic, not ISTA, see :class:`bplab.regularization.Penalized`), dropout after each hidden activation,
batch norm before each activation, and early stopping with a patience.

Training is progressive: :meth:`RegularizationLabModel.train` runs a few epochs
at a time (the widget calls it once per tick of its Play control) with
:func:`bplab.train.fit`, so the page stays responsive.
"""

from __future__ import annotations

import collections
import copy

import numpy as np

from bplab import nn
from bplab.datasets import moons
from bplab.nn.layers import Linear, ReLU, Sequential
from bplab.nn.regularization_layers import BatchNorm, Dropout
from bplab.optim import SGD
from bplab.regularization import EarlyStopping, Penalized, penalized
from bplab.train import accuracy, fit

SETTINGS = ("l2", "l1", "dropout", "batchnorm", "patience")
QUICK_KEPT = 64
"""Quick first passes kept (per settings) by :meth:`RegularizationLabModel.restart`, about 30 kB each: every
stop of the lab's four sliders, computed ahead, and the settings the learner came from."""


def build_network(width, depth, dropout, batchnorm, rng, ops=None):
    """``Linear -> [BatchNorm] -> ReLU -> [Dropout]`` per hidden layer, then a Linear to 2 scores.

    Parameters
    ----------
    width, depth : int
        Units per hidden layer, number of hidden layers.
    dropout : float
        Probability of dropping (0: no Dropout layers).
    batchnorm : bool
    rng : numpy.random.Generator
        Draws the initial weights and the dropout masks.
    ops : namespace, optional
        The functional layers (``bplab.nn`` or the learner's).

    Returns
    -------
    Sequential
    """
    layers, fan_in = [], 2
    for _ in range(depth):
        layers.append(Linear(fan_in, width, rng, ops=ops))
        if batchnorm:
            layers.append(BatchNorm(width, ops=ops))
        layers.append(ReLU(ops=ops))
        if dropout:
            layers.append(Dropout(dropout, rng, ops=ops))
        fan_in = width
    layers.append(Linear(fan_in, 2, rng, ops=ops))
    return Sequential(layers)


def _copy_state(state):
    """A deep copy of a model's training state: arrays shared by layers, optimizer and stopper stay shared."""
    # the layers' ``ops`` (bplab.nn, or the learner's functions): referenced, not copied
    shared = {id(layer.ops): layer.ops for layer in state["net"].layers if hasattr(layer, "ops")}
    return copy.deepcopy(state, shared)


class RegularizationLabModel:
    """State of the lab: data, network, optimizer, curves.

    Parameters
    ----------
    l2, l1 : float >= 0
        Penalty strengths on the weight matrices (L1 applied as a soft-threshold after each step).
    dropout : float in [0, 1]
    batchnorm : bool
    patience : int >= 0
        Early-stopping patience in epochs; 0 turns early stopping off.
    seed : int
        Data, initial weights and dropout masks.
    n_train, n_val : int
    noise : float
        Standard deviation of the noise added to the moons.
    width, depth : int
        The network's hidden layers.
    lr, momentum : float
        SGD's.
    max_epochs : int
    quick_epochs : int
        What :meth:`restart` trains at once, so a control change shows a model.
    grid_size : int
        Resolution of the decision-boundary grid.
    l1_mode : {"proximal", "subgradient"}
        How L1 is applied (see :class:`bplab.regularization.Penalized`).
    ops : namespace, optional

    Attributes
    ----------
    X, y, X_val, y_val : ndarray
    train_loss, val_loss, train_acc, val_acc : list of float
        One entry per epoch trained.
    status : str
        ``"training"``, ``"finished"`` (max_epochs reached), ``"stopped"``
        (early stopping restored the best weights) or ``"diverged"``.
    """

    def __init__(self, l2=0.0, l1=0.0, dropout=0.0, batchnorm=False, patience=0, *, seed=0, n_train=40,
                 n_val=200, noise=0.35, width=32, depth=2, lr=0.1, momentum=0.9, max_epochs=300,
                 quick_epochs=30, grid_size=50, l1_mode="proximal", ops=None):
        self.l2, self.l1, self.dropout, self.batchnorm, self.patience = l2, l1, dropout, bool(batchnorm), patience
        self.seed, self.width, self.depth, self.lr, self.momentum = seed, width, depth, lr, momentum
        self.max_epochs, self.quick_epochs = int(max_epochs), int(quick_epochs)
        self.ops, self.l1_mode = ops, l1_mode
        self.X, self.y = moons(n_train, noise, seed=seed)
        self.X_val, self.y_val = moons(n_val, noise, seed=seed + 1000)
        low, high = self.X_val.min(axis=0) - 0.3, self.X_val.max(axis=0) + 0.3
        self.extent = (low[0], high[0], low[1], high[1])
        gx, gy = np.meshgrid(np.linspace(low[0], high[0], grid_size), np.linspace(low[1], high[1], grid_size))
        self.grid = np.column_stack([gx.ravel(), gy.ravel()])
        self.grid_shape = gx.shape
        self._quick = collections.OrderedDict()  # settings -> the state after their quick first pass
        self._ends = collections.OrderedDict()  # settings -> the state trained to the end from that pass
        self.reset()

    # -- settings and training ----------------------------------------------------------------
    def configure(self, **settings):
        """Change settings (names in ``SETTINGS``); resets the training when one changes.

        Returns
        -------
        bool
            Whether anything changed (and the training was reset).
        """
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; the settings are {SETTINGS}")
        changed = {k: v for k, v in settings.items() if getattr(self, k) != v}
        for key, value in changed.items():
            setattr(self, key, value)
        if changed:
            self.reset()
        return bool(changed)

    def reset(self):
        """A fresh network and optimizer for the current settings (deterministic given the seed)."""
        net_rng, self._shuffle_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(2))
        self.net = build_network(self.width, self.depth, self.dropout, self.batchnorm, net_rng, self.ops)
        self.optimizer = Penalized(SGD(self.net.params, lr=self.lr, momentum=self.momentum), l1=self.l1, l2=self.l2,
                                   l1_mode=self.l1_mode)
        self.stopper = EarlyStopping(self.net, patience=self.patience) if self.patience else None
        self.train_loss, self.val_loss, self.train_acc, self.val_acc = [], [], [], []
        self.status = "training"
        self._at_quick_pass = False  # the state after restart()'s quick first pass, nothing trained since

    def restart(self):
        """Reset, then train the quick first pass.

        The pass is deterministic given the settings, so its end state is kept for the last
        :data:`QUICK_KEPT` settings: coming back to settings (the learner comparing two values, a
        checkbox turned off again) copies it back, about 1 ms instead of 10-20 ms of training, and
        training on from it continues exactly as from a fresh pass (random generators included).
        """
        key = self._settings_key()
        kept = self._quick.get(key)
        if kept is not None:
            self._quick.move_to_end(key)
            self._restore(kept)
        else:
            self.reset()
            self.train(self.quick_epochs)
            self._quick[key] = self._snapshot()
            while len(self._quick) > QUICK_KEPT:
                self._quick.popitem(last=False)
        self._at_quick_pass = True

    def quick_pass_key(self):
        """The settings, while the state is their quick first pass (:meth:`restart`, nothing trained since): it is
        the same state for the same settings. None otherwise."""
        return self._settings_key() if self._at_quick_pass else None

    def _settings_key(self):
        """Everything a training run depends on."""
        return (*(getattr(self, name) for name in (*SETTINGS, "seed", "width", "depth", "lr", "momentum", "l1_mode",
                                                   "quick_epochs", "max_epochs")), id(self.ops))

    _STATE = ("net", "optimizer", "stopper", "_shuffle_rng", "train_loss", "val_loss", "train_acc", "val_acc",
              "status")

    def _snapshot(self):
        """A copy of everything training changes."""
        return _copy_state({name: getattr(self, name) for name in self._STATE})

    def _restore(self, state):
        for name, value in _copy_state(state).items():
            setattr(self, name, value)

    def train(self, epochs):
        """Train up to ``epochs`` more epochs (fewer at the end, none once finished, stopped or diverged)."""
        self._at_quick_pass = False
        epochs = min(int(epochs), self.max_epochs - self.epoch)
        if self.status != "training" or epochs <= 0:
            return
        with np.errstate(all="ignore"):  # extreme settings may overflow: reported as "diverged", not raised
            history = fit(self.net, nn.softmax_cross_entropy, self.optimizer, self.X, self.y, epochs=epochs,
                          batch_size=len(self.X), rng=self._shuffle_rng, X_val=self.X_val, y_val=self.y_val,
                          callback=self.stopper)
        self.train_loss += history.train_loss
        self.val_loss += history.val_loss
        self.train_acc += history.train_acc
        self.val_acc += history.val_acc
        if history.stopped == "callback":
            self.status = "stopped"
        elif history.stopped == "diverged" or not np.all(np.isfinite(self.val_loss)):
            self.status = "diverged"
        elif self.epoch >= self.max_epochs:
            self.status = "finished"

    def run_to_end(self):
        """Train until finished, stopped or diverged; returns self."""
        for _ in self.training_to_end(self.max_epochs):
            pass
        return self

    def training_to_end(self, epochs):
        """Train to the end ``epochs`` at a time, yielding after each piece: :meth:`run_to_end` in pieces (the
        same numbers), for training ahead between two messages from the page.

        From a quick first pass (:meth:`restart`) the end state is kept per settings, as the pass is: training
        to the end from there again copies it back."""
        key = self._settings_key() if self._at_quick_pass else None
        kept = self._ends.get(key) if key is not None else None
        if kept is not None:
            self._ends.move_to_end(key)
            self._restore(kept)
            self._at_quick_pass = False
            return
        while self.status == "training" and self.epoch < self.max_epochs:
            self.train(epochs)
            yield
        if key is not None:
            self._ends[key] = self._snapshot()
            while len(self._ends) > QUICK_KEPT:
                self._ends.popitem(last=False)

    # -- what the figure shows ----------------------------------------------------------------
    @property
    def epoch(self):
        """Epochs trained so far."""
        return len(self.train_loss)

    @property
    def best_epoch(self):
        """Epoch (1-based, as on the curves) of the lowest validation loss, or None."""
        finite = [(loss, i) for i, loss in enumerate(self.val_loss) if np.isfinite(loss)]
        return min(finite)[1] + 1 if finite else None

    @property
    def stop_epoch(self):
        """Epoch (1-based) after which early stopping stopped training, or None."""
        return self.stopper.stop_epoch + 1 if self.stopper is not None and self.stopper.stop_epoch is not None else None

    def current_val_loss(self):
        """Validation loss of the network as it is now (after a restore: the best epoch's)."""
        out = self.net.forward(self.X_val, train=False)
        return float(nn.softmax_cross_entropy(out, self.y_val)[0])

    def probabilities(self):
        """P(class 1) on the grid, shape ``grid_shape`` (NaN where the network overflowed)."""
        with np.errstate(all="ignore"):
            # In chunks small enough that BLAS stays single-threaded: threads cost more than they save at this size.
            chunks = np.array_split(self.grid, max(1, len(self.grid) * self.width // 8192))
            scores = np.concatenate([self.net.forward(chunk, train=False) for chunk in chunks])
            scores = scores - scores.max(axis=1, keepdims=True)
            p = 1.0 / (1.0 + np.exp(scores[:, 0] - scores[:, 1]))
        return p.reshape(self.grid_shape)

    def accuracies(self):
        """(train, validation) accuracy of the network as it is now."""
        with np.errstate(all="ignore"):
            return (accuracy(self.net.forward(self.X, train=False), self.y),
                    accuracy(self.net.forward(self.X_val, train=False), self.y_val))

    def weights(self):
        """Every entry of the weight matrices, flattened (biases and batch-norm scales excluded)."""
        return np.concatenate([w.ravel() for w in penalized(self.net.params)])
