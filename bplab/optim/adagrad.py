"""AdaGrad, as ``torch.optim.Adagrad``: per-coordinate steps shrink with the sum of squared gradients.

::

    step += 1
    g    = grad + weight_decay * p
    clr  = lr / (1 + (step - 1) * lr_decay)
    sum += g * g                     (sum starts at initial_accumulator_value)
    p   -= clr * g / (sqrt(sum) + eps)

Note where ``eps`` goes: added to the square root, not under it. On the first step from
a zero accumulator, ``p -= lr * g / (|g| + eps)``: a step of about ``lr`` per coordinate.
"""

from __future__ import annotations

import numpy as np

from bplab.optim.base import Optimizer, check_hyperparameter


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``.

    Parameters
    ----------
    params : list of ndarray of float64
        Updated in place.
    lr : float, default 1e-2
    lr_decay : float, default 0
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        Starting value of the sum of squared gradients.
    eps : float, default 1e-10
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        super().__init__(params, lr)
        self.lr_decay = check_hyperparameter(lr_decay, "lr_decay value")
        self.weight_decay = check_hyperparameter(weight_decay, "weight_decay value")
        self.initial_accumulator_value = check_hyperparameter(initial_accumulator_value,
                                                              "initial_accumulator_value")
        self.eps = check_hyperparameter(eps, "epsilon value")
        # torch creates the accumulator in the constructor, not on the first step.
        for p, state in zip(self.params, self.state, strict=True):
            state["step"] = 0
            state["sum"] = np.full_like(p, self.initial_accumulator_value)

    def _update(self, param, grad, state, lr):
        state["step"] += 1
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        clr = lr / (1.0 + (state["step"] - 1) * self.lr_decay)
        state["sum"] += grad * grad
        param -= clr * (grad / (np.sqrt(state["sum"]) + self.eps))

    def defaults(self):
        return {"lr": self.lr, "lr_decay": self.lr_decay, "weight_decay": self.weight_decay,
                "initial_accumulator_value": self.initial_accumulator_value, "eps": self.eps}
