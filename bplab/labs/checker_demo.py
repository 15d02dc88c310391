"""Lesson 00's miniature checker: a candidate gradient ``c * 2x`` judged by ``gradcheck.compare``."""

from __future__ import annotations

import numpy as np

from bplab import gradcheck


class CheckerDemoModel:
    """State of the demo.

    Attributes
    ----------
    x : ndarray, shape (5,)
        The point where ``f(x) = sum(x ** 2)`` is differentiated.
    factor : float
        The candidate gradient is ``factor * 2 * x``.
    numeric : ndarray, shape (5,)
        Central differences of ``f`` at ``x``.
    candidate : ndarray, shape (5,)
    result : GradCheckResult
    """

    def __init__(self, factor=0.5, seed=0):
        self.x = np.random.default_rng(seed).normal(size=5)
        self.numeric = gradcheck.numerical_gradient(lambda v: np.sum(v ** 2), self.x.copy())
        self.set_factor(factor)

    def set_factor(self, factor):
        self.factor = float(factor)
        self.candidate = self.factor * 2 * self.x
        self.result = gradcheck.compare("grad", self.candidate, self.numeric, kind="gradient")
