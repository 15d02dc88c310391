"""Comparing two methods over seeds: the paired difference and its standard error.

A ranking drawn from a random experiment is only as good as its spread over
seeds. Running both methods on the same seeds and differencing per seed removes
what the seeds share (the same initialization draw, the same batch order), so
the standard error of the *paired* difference is the honest yardstick.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairedDifference:
    """``a - b`` over seeds.

    Attributes
    ----------
    mean : float
        Mean of the per-seed differences.
    se : float
        Standard error of that mean: sample standard deviation (ddof=1) / sqrt(n).
    wins : int
        Seeds where ``a > b``.
    n : int
        Number of seeds.
    """

    mean: float
    se: float
    wins: int
    n: int

    def __str__(self):
        return f"{self.mean:+.4f} ± {self.se:.4f} (a ahead on {self.wins} of {self.n} seeds)"


def paired_difference(a, b):
    """The per-seed difference ``a - b``: mean, standard error and wins.

    Parameters
    ----------
    a, b : array_like of float, shape (n,)
        One value per seed, the same seeds in the same order; n >= 2.

    Returns
    -------
    PairedDifference
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D with the same length (one value per seed), got {a.shape} and {b.shape}")
    if a.size < 2:
        raise ValueError(f"a standard error needs at least 2 seeds, got {a.size}")
    difference = a - b
    return PairedDifference(mean=float(difference.mean()), se=float(difference.std(ddof=1) / np.sqrt(a.size)),
                            wins=int(np.sum(difference > 0)), n=int(a.size))
