"""The gradient-through-time explorer's model: a vanilla RNN and an LSTM side by side on the long-lag task.

Both networks read the same sequences of :func:`bplab.datasets.first_token` (the first token is the label,
``lag`` steps of noise follow) and classify their last hidden state. For a probe batch the model computes
``‖∂L/∂h_t‖`` at every step ``t`` for both, relative to the last step's, so the curves show how far back the
gradient reaches: ``ρ``-like geometric decay for the RNN; for the LSTM, the cell state's additive path
(``∂c_t/∂c_{t-1} = diag(f_t)``) with forget gates near ``σ(b_f)`` at initialization, hence the dashed
``σ(b_f)^(T-t)`` line.

Training is explicit (:meth:`GradientThroughTimeModel.train`, a button in the widget): it runs Adam with the
lesson's settings, clipping by global norm when ``clip`` is on, and records the loss. Changing the lag, the
hidden size, the forget-gate bias or the seed starts both networks afresh.
"""

from __future__ import annotations

import numpy as np

from bplab import nn
from bplab.datasets import first_token
from bplab.nn.activations import sigmoid
from bplab.optim.clip import global_norm
from bplab.recurrent import CELLS, accuracy, init_classifier, loss_and_gradients, train
from bplab.recurrent_experiments import TASK, TRAINING

PROBE = 16
"""Sequences in the probe batch whose gradients are drawn (small: the redraw must stay fast)."""
RESET_ON = ("lag", "hidden", "forget_bias", "seed")


class GradientThroughTimeModel:
    """State and computation of the gradient-through-time explorer.

    Attributes
    ----------
    lag : int
        Steps between the signal and the readout (the sequences have ``lag + 1`` steps).
    hidden : int
        Hidden units of both networks.
    forget_bias : float
        Added to the LSTM's forget-gate bias at initialization.
    clip : bool
        Clip the gradient by global norm while training.
    threshold : float
        The clipping threshold (``max_norm``).
    seed : int
    ops : namespace
        Where the LSTM's ``lstm_forward``/``lstm_backward`` come from for training (the learner's once their
        checks pass); ``bplab.nn`` by default.
    relative : dict of str to ndarray of shape (T,)
        ``‖∂L/∂h_t‖ / ‖∂L/∂h_T‖`` per cell, after :meth:`update`.
    total_norm : dict of str to float
        Global norm of each network's parameter gradient on the probe batch (before clipping).
    losses : dict of str to list of float
        Training loss per update since the last reset.
    accuracy : dict of str to float
        Accuracy on held-out sequences (NaN before training).
    message : str
        Non-empty when numbers left the float64 range.
    """

    def __init__(self, lag=20, hidden=16, forget_bias=3.0, clip=True, threshold=1.0, seed=0, ops=None):
        self.lag, self.hidden, self.forget_bias, self.seed = lag, hidden, forget_bias, seed
        self.clip, self.threshold = clip, threshold
        self.ops = nn if ops is None else ops
        self._built_for = self._measured_at = None
        self.relative, self.total_norm, self.losses, self.accuracy = {}, {}, {}, {}
        self.message = ""
        self.update()

    def set(self, **settings):
        """Change settings by name and recompute; returns self."""
        for name, value in settings.items():
            if not hasattr(self, name) or name.startswith("_"):
                raise AttributeError(f"GradientThroughTimeModel has no setting {name!r}")
            setattr(self, name, value)
        return self.update()

    def _check(self):
        if int(self.lag) < 1:
            raise ValueError(f"lag must be >= 1, got {self.lag}")
        if int(self.hidden) < 1:
            raise ValueError(f"hidden must be >= 1, got {self.hidden}")
        if not np.isfinite(self.forget_bias):
            raise ValueError(f"forget_bias must be finite, got {self.forget_bias}")
        if not (np.isfinite(self.threshold) and self.threshold > 0):
            raise ValueError(f"threshold must be a finite number > 0, got {self.threshold}")

    def _build(self):
        """Fresh networks and data for the current lag, size, forget-gate bias and seed."""
        lag, hidden, seed = int(self.lag), int(self.hidden), int(self.seed)
        self._x, self._y = first_token(TASK["train"], lag, TASK["n_classes"], TASK["noise"], seed=seed)
        self._x_test, self._y_test = first_token(TASK["test"], lag, TASK["n_classes"], TASK["noise"],
                                                 seed=1000 + seed)
        self.models = {cell: init_classifier(cell, TASK["n_classes"], hidden, TASK["n_classes"], seed=seed,
                                             forget_bias=float(self.forget_bias)) for cell in CELLS}
        self.losses = {cell: [] for cell in CELLS}
        self.accuracy = {cell: float("nan") for cell in CELLS}
        self._updates = 0
        self._built_for = tuple(getattr(self, name) for name in RESET_ON)
        self._measured_at = None

    def update(self):
        """Rebuild when a structural setting changed, then measure the gradients on the probe batch; returns self."""
        self._check()
        if self._built_for != tuple(getattr(self, name) for name in RESET_ON):
            self._build()
        if self._measured_at == (self._built_for, self._updates):
            return self  # only clipping changed: the weights, and so the gradients, are the same
        self._measured_at = (self._built_for, self._updates)
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            for cell, model in self.models.items():
                _, grads, norms = loss_and_gradients(model, self._x[:PROBE], self._y[:PROBE], state_norms=True)
                self.relative[cell] = norms / norms[-1] if norms[-1] > 0 else np.full_like(norms, np.nan)
                self.total_norm[cell] = global_norm(list(grads.values()))
        finite = all(np.all(np.isfinite(r)) for r in self.relative.values())
        self.message = "" if finite else (
            "Overflow: a gradient left the float64 range (or was exactly 0 at the last step).\n"
            "Press reset, or lower the lag.")
        return self

    def forget_law(self):
        """``σ(b_f)^(T-t)``: the cell path's decay when every forget gate sits at its initial bias."""
        distance = np.arange(int(self.lag), -1, -1)
        return sigmoid(np.float64(self.forget_bias)) ** distance

    def clip_coefficient(self, cell):
        """The factor clipping would apply to ``cell``'s gradient now (1 when clipping is off or not needed)."""
        total = self.total_norm.get(cell, 0.0)
        if not self.clip or not np.isfinite(total) or total <= self.threshold:
            return 1.0
        return self.threshold / (total + 1e-6)

    @property
    def updates(self):
        """Updates trained since the last reset."""
        return self._updates

    def train(self, updates=50):
        """Train both networks for ``updates`` more Adam updates (the lesson's settings), then re-measure."""
        for cell, model in self.models.items():
            log = train(model, self._x, self._y, updates=updates, batch_size=TRAINING["batch_size"],
                        lr=TRAINING["lr"], clip=self.threshold if self.clip else None,
                        seed=int(self.seed) * 1000 + self._updates, ops=self.ops if cell == "lstm" else None)
            self.losses[cell] += log.loss
            self.accuracy[cell] = float("nan") if log.diverged else accuracy(model, self._x_test, self._y_test)
        self._updates += updates
        return self.update()

    def reset(self):
        """Both networks back to their initialization."""
        self._built_for = None
        return self.update()
