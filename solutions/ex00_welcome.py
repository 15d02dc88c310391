"""Lesson 00: the warm-up exercise.

Write the body of the function below, save the file, and run the check cell in
``notebooks/00_welcome.ipynb`` (or ``bplab check sum_of_squares_gradient`` in a
terminal).
"""

import numpy as np


def sum_of_squares_gradient(x):
    """Gradient of ``f(x) = sum(x ** 2)`` with respect to ``x``.

    Parameters
    ----------
    x : ndarray of float64, shape (N,)

    Returns
    -------
    grad : ndarray of float64, shape (N,)
        ``df/dx``, one partial derivative per entry of ``x``.
    """
    ### BEGIN SOLUTION  notebook 00, section "3. Your first exercise"
    return 2.0 * np.asarray(x, dtype=np.float64)
    ### END SOLUTION
