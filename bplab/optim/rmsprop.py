"""RMSProp, as ``torch.optim.RMSprop`` (plain, centered, and with momentum).

::

    g          = grad + weight_decay * p
    square_avg = alpha * square_avg + (1 - alpha) * g * g          (starts at 0)
    if centered:
        grad_avg = alpha * grad_avg + (1 - alpha) * g              (starts at 0)
        avg = sqrt(square_avg - grad_avg ** 2) + eps               (a running std, not RMS)
    else:
        avg = sqrt(square_avg) + eps
    if momentum > 0:
        buf = momentum * buf + g / avg                             (starts at 0, unlike SGD's)
        p  -= lr * buf
    else:
        p  -= lr * g / avg

There is no bias correction: from zero state the first step is
``lr * g / (sqrt(1 - alpha) * |g| + eps)``, about 10 * lr for alpha = 0.99.
"""

from __future__ import annotations

import numpy as np

from bplab.optim.base import Optimizer, check_hyperparameter


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``.

    Parameters
    ----------
    params : list of ndarray of float64
        Updated in place.
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant of the squared-gradient average.
    eps : float, default 1e-8
        Added to the square root.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
    centered : bool, default False
        Normalize by an estimate of the gradient's variance instead of its second moment.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        super().__init__(params, lr)
        self.alpha = check_hyperparameter(alpha, "alpha value")
        self.eps = check_hyperparameter(eps, "epsilon value")
        self.weight_decay = check_hyperparameter(weight_decay, "weight_decay value")
        self.momentum = check_hyperparameter(momentum, "momentum value")
        self.centered = bool(centered)

    def _update(self, param, grad, state, lr):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if self.centered:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1.0 - self.alpha) * grad * grad
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg *= self.alpha
            grad_avg += (1.0 - self.alpha) * grad
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            avg = np.sqrt(square_avg) + self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += grad / avg
            param -= lr * buf
        else:
            param -= lr * (grad / avg)

    def defaults(self):
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps, "weight_decay": self.weight_decay,
                "momentum": self.momentum, "centered": self.centered}
