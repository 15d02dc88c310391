"""What theory says about gradient descent on a quadratic ``f(p) = 1/2 p^T H p``.

With the eigenvalues of ``H`` in ``[lambda_1, lambda_n]`` (``0 < lambda_1 <= lambda_n``)
and condition number ``kappa = lambda_n / lambda_1``:

* gradient descent ``p <- p - alpha H p`` contracts each eigen-direction by
  ``|1 - alpha lambda|``; the worst one is smallest for ``alpha* = 2 / (lambda_1 + lambda_n)``,
  where the rate is ``(kappa - 1) / (kappa + 1)``;
* the heavy ball (Polyak 1964) ``p <- p - alpha H p + beta (p - p_prev)``, which is
  ``torch.optim.SGD(lr=alpha, momentum=beta)`` at a constant learning rate, is best at
  ``alpha* = (2 / (sqrt(lambda_1) + sqrt(lambda_n)))^2`` and
  ``beta* = ((sqrt(lambda_n) - sqrt(lambda_1)) / (sqrt(lambda_n) + sqrt(lambda_1)))^2``,
  with the rate ``(sqrt(kappa) - 1) / (sqrt(kappa) + 1)``.

"Rate" is the asymptotic factor by which the distance to the minimum shrinks per step
(the spectral radius of the iteration matrix); :func:`iteration_spectral_radius`
computes it for any ``alpha, beta`` so the formulas can be checked numerically.
"""

from __future__ import annotations

import math

import numpy as np


def _extreme_eigenvalues(hessian):
    eig = np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64))
    if eig[0] <= 0:
        raise ValueError(f"the Hessian must be positive definite (a quadratic with a minimum),"
                         f" got eigenvalues {eig}")
    return float(eig[0]), float(eig[-1])


def gd_optimal(hessian):
    """Optimal constant step and rate of gradient descent on ``1/2 p^T H p``.

    Parameters
    ----------
    hessian : ndarray, shape (n, n)
        Symmetric positive definite.

    Returns
    -------
    lr : float
        ``2 / (lambda_1 + lambda_n)``.
    rate : float
        ``(kappa - 1) / (kappa + 1)``.
    """
    lo, hi = _extreme_eigenvalues(hessian)
    kappa = hi / lo
    return 2.0 / (lo + hi), (kappa - 1) / (kappa + 1)


def heavy_ball_optimal(hessian):
    """Polyak's optimal heavy-ball step, momentum and rate on ``1/2 p^T H p``.

    Returns
    -------
    lr : float
        ``(2 / (sqrt(lambda_1) + sqrt(lambda_n)))^2``.
    momentum : float
        ``((sqrt(lambda_n) - sqrt(lambda_1)) / (sqrt(lambda_n) + sqrt(lambda_1)))^2``.
    rate : float
        ``(sqrt(kappa) - 1) / (sqrt(kappa) + 1)`` (= ``sqrt(momentum)``).
    """
    lo, hi = _extreme_eigenvalues(hessian)
    a, b = math.sqrt(lo), math.sqrt(hi)
    root_kappa = b / a
    return (2.0 / (a + b)) ** 2, ((b - a) / (b + a)) ** 2, (root_kappa - 1) / (root_kappa + 1)


def iteration_spectral_radius(hessian, lr, momentum=0.0):
    """Spectral radius of the heavy-ball iteration ``(p_t, p_{t-1}) -> (p_{t+1}, p_t)`` on a quadratic.

    Parameters
    ----------
    hessian : ndarray, shape (n, n)
    lr, momentum : float
        ``momentum = 0`` is plain gradient descent.

    Returns
    -------
    float
        The asymptotic per-step contraction factor (> 1 means divergence).
    """
    H = np.asarray(hessian, dtype=np.float64)
    n = H.shape[0]
    eye = np.eye(n)
    T = np.block([[(1 + momentum) * eye - lr * H, -momentum * eye], [eye, np.zeros((n, n))]])
    return float(np.max(np.abs(np.linalg.eigvals(T))))
