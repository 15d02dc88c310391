"""The regression lab's model: fit a line to data with outliers by MSE, MAE or Huber, and see which one they pull.

A line ``pred = w x + b`` is fitted by full-batch gradient descent on the chosen
loss (the gradient of ``pred`` from :mod:`bplab.nn`'s loss, then the chain rule
into ``w`` and ``b``). The step decays linearly to 0, which lets the
subgradient of MAE settle instead of bouncing around the kink. Beside the
fit, the model computes the loss of every *constant* prediction ``c``: MSE's
is smallest at the mean of the targets, MAE's at their median, Huber's in
between, which is the whole story of the outliers' pull.
"""

from __future__ import annotations

import numpy as np

from bplab import datasets, nn

LOSSES = ("mse", "mae", "huber")
LABELS = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}


def loss_function(name, delta=1.0):
    """``loss(pred, target) -> (loss, dpred)`` for ``"mse"``, ``"mae"`` or ``"huber"``."""
    if name == "mse":
        return nn.mse_loss
    if name == "mae":
        return nn.mae_loss
    if name == "huber":
        return lambda pred, target: nn.huber_loss(pred, target, delta)
    raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")


def fit_line(X, y, loss, *, delta=1.0, steps=600, lr=0.5):
    """Fit ``pred = X w + b`` by gradient descent with a linearly decaying step.

    Parameters
    ----------
    X : ndarray, shape (N, 1)
    y : ndarray, shape (N, 1)
    loss : {"mse", "mae", "huber"}
    delta : float
        Huber's threshold.
    steps : int
    lr : float
        The first step size; step ``t`` uses ``lr * (1 - t / steps)``.

    Returns
    -------
    w, b : float
        Slope and intercept.
    """
    loss_fn = loss_function(loss, delta)
    x, target = X[:, 0], y[:, 0]
    w = b = 0.0
    for t in range(steps):
        _, dpred = loss_fn(w * x + b, target)      # dL/dpred, already divided by N
        step = lr * (1.0 - t / steps)
        w -= step * float(dpred @ x)               # chain rule: dpred/dw = x
        b -= step * float(dpred.sum())             # dpred/db = 1
    return w, b


def constant_losses(y, grid, loss, delta=1.0):
    """The loss of predicting the constant ``c`` for every target, for each ``c`` in ``grid``.

    Returns
    -------
    ndarray of float64, shape (len(grid),)
    """
    loss_fn = loss_function(loss, delta)
    return np.array([loss_fn(np.full(y.shape, c), y)[0] for c in grid])


class RegressionLabModel:
    """State of the lab.

    Parameters
    ----------
    loss : {"mse", "mae", "huber"}
    outlier_fraction : float in [0, 0.5]
    delta : float
        Huber's threshold.
    n_samples, seed : int
        The data (:func:`bplab.datasets.regression_outliers`; inliers on ``y = x``).

    Attributes
    ----------
    X, y : ndarray, shape (N, 1)
    is_outlier : ndarray of bool, shape (N,)
    w, b : float
        The fitted line.
    grid, curve : ndarray, shape (G,)
        Constant predictions ``c`` and their losses.
    best_constant, mean, median : float
    """

    TRUE_SLOPE, TRUE_INTERCEPT = 1.0, 0.0

    def __init__(self, loss="mse", outlier_fraction=0.2, delta=1.0, n_samples=60, seed=0):
        self.loss, self.outlier_fraction, self.delta = loss, outlier_fraction, delta
        self.n_samples, self.seed = n_samples, seed
        self.recompute()

    def configure(self, **settings):
        """Change ``loss``, ``outlier_fraction``, ``delta`` (and ``n_samples``, ``seed``), then recompute."""
        unknown = set(settings) - {"loss", "outlier_fraction", "delta", "n_samples", "seed"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        for key, value in settings.items():
            setattr(self, key, value)
        self.recompute()

    def recompute(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        self.X, self.y, self.is_outlier = datasets.regression_outliers(
            self.n_samples, self.outlier_fraction, slope=self.TRUE_SLOPE, intercept=self.TRUE_INTERCEPT,
            seed=self.seed, return_mask=True)
        self.w, self.b = fit_line(self.X, self.y, self.loss, delta=self.delta)
        targets = self.y[:, 0]
        self.mean, self.median = float(targets.mean()), float(np.median(targets))
        self.grid = np.linspace(targets.min() - 0.5, targets.max() + 0.5, 121)
        self.curve = constant_losses(self.y, self.grid, self.loss, self.delta)
        self.best_constant = float(self.grid[np.argmin(self.curve)])

    def summary(self):
        """One line: the fit against the inliers' line."""
        return (f"{LABELS[self.loss]} fit: slope {self.w:.2f}, intercept {self.b:.2f} "
                f"(inliers: slope {self.TRUE_SLOPE:g}, intercept {self.TRUE_INTERCEPT:g}) · "
                f"{int(self.is_outlier.sum())} of {self.n_samples} points are outliers")
