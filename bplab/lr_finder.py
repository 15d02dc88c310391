"""Choosing a learning rate: the range test, a log-grid sweep over seeds, and fair comparisons.

The **range test** (Smith 2017, "Cyclical learning rates"; fastai's ``lr_find``) runs one
short training in which the learning rate grows exponentially from ``lr_min`` to
``lr_max``, one step each, and records the loss. The loss first falls slowly (the rate is
too small to matter), then quickly, then blows up once the rate is too large for the
curvature. On the quadratic ``L/2 · x²`` gradient descent multiplies ``x`` by
``1 - lr · L`` per step, so the loss starts to grow exactly when ``lr > 2 / L``: the test
finds that point. A good constant rate lies below the blow-up, typically by a factor 3 to 10.

The **sweep** trains once per learning rate of a log-spaced grid and per seed, and reports
the mean final loss and its standard error: it confirms (or corrects) the range test's
choice, at the cost of ``len(lrs) · len(seeds)`` trainings.

Comparing two methods fairly means each at its own tuned rate, over several seeds, and
reporting the **paired** difference (the same seed gives both methods the same
initialization and batches, so the seed-to-seed variation cancels in the difference):
:func:`bplab.stats.paired_difference`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bplab.validation import check_fraction, check_positive_int


@dataclass
class RangeTest:
    """The record of one range test.

    Attributes
    ----------
    lrs : ndarray, shape (n,)
        The learning rate of each step that ran.
    losses : ndarray, shape (n,)
        The loss measured at the start of each step (before its update).
    smoothed : ndarray, shape (n,)
        ``losses`` smoothed by a bias-corrected exponential moving average (equal to
        ``losses`` when ``smoothing`` is 0).
    blowup_lr : float
        The learning rate of the step after which the smoothed loss first exceeded
        ``blowup`` times its smallest value so far (or became NaN/inf): the first rate that
        made the loss blow up. ``nan`` if it never did within ``lr_max``.
    best_lr : float
        The learning rate at the smallest smoothed loss.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    blowup_lr: float
    best_lr: float

    def suggested_lr(self, factor=10.0):
        """A rule of thumb: ``blowup_lr / factor`` (a safe constant rate below the blow-up)."""
        return self.blowup_lr / factor


def range_test(loss_and_grads, optimizer, *, lr_min=1e-5, lr_max=10.0, steps=100, smoothing=0.0, blowup=4.0):
    """Run a learning-rate range test.

    Step ``t`` (``0 .. steps-1``) sets ``optimizer.lr = lr_min · (lr_max / lr_min)^(t / (steps - 1))``,
    measures the loss and the gradients at the current parameters and takes one step. The test
    stops at the first step whose loss shows a blow-up.

    Parameters
    ----------
    loss_and_grads : callable
        ``loss_and_grads(t) -> (loss, grads)`` at the optimizer's current parameters (for a network:
        on the ``t``-th mini-batch).
    optimizer : bplab.optim.Optimizer
        Any object with a writable ``lr`` and ``step(grads)``; its parameters are changed.
    lr_min, lr_max : float
        ``0 < lr_min < lr_max``.
    steps : int
        >= 2.
    smoothing : float
        In ``[0, 1)``: the weight of the past in the moving average of the loss (0 = none; 0.9 to
        0.98 for noisy mini-batch losses).
    blowup : float
        >= 1: the loss has blown up once the smoothed loss exceeds ``blowup`` times its smallest
        value so far. With ``smoothing=0`` and ``blowup=1``, any increase counts.

    Returns
    -------
    RangeTest
    """
    if not (0 < lr_min < lr_max and math.isfinite(lr_max)):
        raise ValueError(f"need 0 < lr_min < lr_max < inf, got lr_min={lr_min!r}, lr_max={lr_max!r}")
    steps = check_positive_int(steps, "steps", minimum=2)
    smoothing = check_fraction(smoothing, "smoothing")
    if not blowup >= 1:
        raise ValueError(f"blowup must be >= 1, got {blowup!r}")
    grid = lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))
    lrs, losses, smoothed = [], [], []
    average, best, blowup_lr = 0.0, math.inf, math.nan
    with np.errstate(all="ignore"):  # the blow-up is the point of the test
        for t, lr in enumerate(grid):
            loss, grads = loss_and_grads(t)
            loss = float(loss)
            average = smoothing * average + (1 - smoothing) * loss
            current = average / (1 - smoothing ** (t + 1))  # bias correction, as Adam's
            lrs.append(float(lr))
            losses.append(loss)
            smoothed.append(current)
            if t > 0 and (not math.isfinite(current) or current > blowup * best):
                blowup_lr = lrs[t - 1]  # the step taken at the previous rate made the loss blow up
                break
            best = min(best, current)
            optimizer.lr = float(lr)
            optimizer.step(grads)
    smoothed = np.array(smoothed)
    finite = np.where(np.isfinite(smoothed), smoothed, np.inf)
    return RangeTest(np.array(lrs), np.array(losses), smoothed, float(blowup_lr), float(lrs[int(np.argmin(finite))]))


@dataclass
class Sweep:
    """Final losses on a grid of learning rates and seeds.

    Attributes
    ----------
    lrs : ndarray, shape (n_lrs,)
    seeds : tuple of int
    losses : ndarray, shape (n_lrs, n_seeds)
        Final loss of each run; ``inf`` for a run that diverged (NaN or inf).
    """

    lrs: np.ndarray
    seeds: tuple
    losses: np.ndarray

    def mean(self):
        """Mean final loss per learning rate, shape (n_lrs,) (``inf`` where any seed diverged)."""
        return self.losses.mean(axis=1)

    def stderr(self):
        """Standard error of that mean, ``std(ddof=1) / sqrt(n_seeds)`` (``nan`` with one seed)."""
        n = self.losses.shape[1]
        with np.errstate(invalid="ignore"):
            return self.losses.std(axis=1, ddof=1) / math.sqrt(n) if n > 1 else np.full(len(self.lrs), np.nan)

    @property
    def best_lr(self):
        """The learning rate with the smallest mean final loss."""
        return float(self.lrs[int(np.argmin(self.mean()))])


def sweep(run, lrs, seeds):
    """Train once per learning rate and seed.

    Parameters
    ----------
    run : callable
        ``run(lr, seed) -> final loss`` (a float; NaN or inf for a diverged run).
    lrs : sequence of float
        Usually log-spaced, e.g. ``np.logspace(-3, 0, 7)``.
    seeds : sequence of int

    Returns
    -------
    Sweep
    """
    lrs, seeds = np.asarray(lrs, dtype=np.float64), tuple(int(s) for s in seeds)
    if lrs.ndim != 1 or len(lrs) == 0 or not np.all(lrs > 0):
        raise ValueError(f"lrs must be a non-empty 1-D sequence of positive rates, got {lrs!r}")
    if not seeds:
        raise ValueError("give at least one seed")
    losses = np.array([[float(run(float(lr), seed)) for seed in seeds] for lr in lrs])
    return Sweep(lrs, seeds, np.where(np.isfinite(losses), losses, np.inf))

