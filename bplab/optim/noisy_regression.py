"""A noisy mini-batch problem with a known optimum, for watching learning-rate schedules work.

Least squares on fixed data, ``L(w) = 1/(2N) · ||X w - y||²``, minimized by the
least-squares solution ``w*``. Mini-batch SGD with a constant rate does not converge: the
gradient noise keeps ``w`` jiggling around ``w*``, and the excess loss ``L(w) - L(w*)``
settles at a **noise floor** roughly proportional to the learning rate (for a small rate
``lr``, about ``lr · tr(Σ) / (4 B)``, ``Σ`` the per-example gradient covariance at ``w*``
and ``B`` the batch size). A schedule that lowers the rate towards the end lowers the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bplab.optim.sgd import SGD
from bplab.validation import check_positive_int


@dataclass
class LeastSquares:
    """``L(w) = 1/(2N) · ||X w - y||²`` with its minimizer.

    Attributes
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
    optimum : ndarray, shape (D,)
        ``w*``, the least-squares solution.
    min_loss : float
        ``L(w*)``.
    """

    X: np.ndarray
    y: np.ndarray
    optimum: np.ndarray
    min_loss: float

    def loss(self, w):
        """``L(w)`` on the whole data set."""
        r = self.X @ w - self.y
        return float(r @ r) / (2 * len(self.y))

    def gradient(self, w, batch):
        """The mini-batch gradient ``X_b^T (X_b w - y_b) / B`` for the rows ``batch``."""
        Xb = self.X[batch]
        return Xb.T @ (Xb @ w - self.y[batch]) / len(batch)


def least_squares(n_samples=1000, dim=5, noise=0.5, seed=0):
    """Random regression data ``y = X w_true + noise · ε`` with standard normal ``X`` and ``ε``.

    Returns
    -------
    LeastSquares
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(check_positive_int(n_samples, "n_samples", minimum=2), check_positive_int(dim, "dim")))
    y = X @ rng.normal(size=dim) + noise * rng.normal(size=n_samples)
    optimum = np.linalg.lstsq(X, y, rcond=None)[0]
    problem = LeastSquares(X, y, optimum, 0.0)
    problem.min_loss = problem.loss(optimum)
    return problem


def sgd_excess_loss(problem, lr, steps, batch_size, seed, make_scheduler=None):
    """Run mini-batch SGD from ``w = 0`` and record the excess loss after every step.

    Parameters
    ----------
    problem : LeastSquares
    lr : float
        The base learning rate.
    steps : int
    batch_size : int
        Each step draws ``batch_size`` rows without replacement.
    seed : int
        The batches.
    make_scheduler : callable, optional
        ``optimizer -> scheduler`` from :mod:`bplab.optim.schedules`; its ``step()`` is called after
        every optimizer step (so its "epochs" count steps here). ``None``: a constant rate.

    Returns
    -------
    excess : ndarray, shape (steps + 1,)
        ``L(w_t) - L(w*)`` for ``t = 0 .. steps``.
    """
    steps, batch_size = check_positive_int(steps, "steps"), check_positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(seed)
    w = np.zeros(problem.X.shape[1])
    optimizer = SGD([w], lr=lr)
    scheduler = make_scheduler(optimizer) if make_scheduler is not None else None
    excess = np.empty(steps + 1)
    excess[0] = problem.loss(w) - problem.min_loss
    for t in range(1, steps + 1):
        batch = rng.choice(len(problem.y), size=batch_size, replace=False)
        optimizer.step([problem.gradient(w, batch)])
        if scheduler is not None:
            scheduler.step()
        excess[t] = problem.loss(w) - problem.min_loss
    return excess
