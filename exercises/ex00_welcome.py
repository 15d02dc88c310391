# Generated from solutions/ex00_welcome.py by `bplab build-exercises`: edit the marked functions.
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
    raise NotImplementedError('sum_of_squares_gradient: not written yet. Read notebook 00, section "3. Your first exercise".')


# Question (notebook 00, section "4. Break it on purpose"). Once your warm-up passes, change its return
# value to ``x`` (forgetting the 2 of the derivative of x ** 2) and, BEFORE running the check, predict
# which diagnosis the checker will print. Then run it, and put the 2 back.
#   (a) "sign flipped"   (b) "off by a constant factor of 0.5"   (c) "transposed"   (d) "zero gradient"
# Write the letter in quotes, for example BREAK_IT_DIAGNOSIS = "a".
BREAK_IT_DIAGNOSIS = None
