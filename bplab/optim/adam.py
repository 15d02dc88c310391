"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW`` (PyTorch 2.x).

::

    step += 1
    Adam:   g = grad + weight_decay * p            (L2 penalty, goes through the moments)
    AdamW:  p *= 1 - lr * weight_decay             (decoupled decay, bypasses the moments)
    m = beta1 * m + (1 - beta1) * g                (both moments start at 0)
    v = beta2 * v + (1 - beta2) * g * g
    if amsgrad: v_max = max(v_max, v); use v_max in place of v below
    denom = sqrt(v) / sqrt(1 - beta2 ** step) + eps
    p -= lr / (1 - beta1 ** step) * m / denom

Bias correction divides out the ``(1 - beta ** step)`` that the zero start leaves in
``m`` and ``v``; ``eps`` is added *after* the bias-corrected square root. From zero
state the first step is exactly ``lr * g / (|g| + eps)``: about ``lr * sign(g)``.
"""

from __future__ import annotations

import math

import numpy as np

from bplab.optim.base import Optimizer, check_betas, check_hyperparameter


class Adam(Optimizer):
    """``torch.optim.Adam``.

    Parameters
    ----------
    params : list of ndarray of float64
        Updated in place.
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0
        L2 penalty added to the gradient (for decoupled decay use :class:`AdamW`).
    amsgrad : bool, default False
        Normalize by the running maximum of the second moment.
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        super().__init__(params, lr)
        self.betas = check_betas(betas)
        self.eps = check_hyperparameter(eps, "epsilon value")
        self.weight_decay = check_hyperparameter(weight_decay, "weight_decay value")
        self.amsgrad = bool(amsgrad)

    def _update(self, param, grad, state, lr):
        beta1, beta2 = self.betas
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        if self.weight_decay:
            if self.decoupled:
                param *= 1.0 - lr * self.weight_decay
            else:
                grad = grad + self.weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * grad * grad
        second = exp_avg_sq
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        step_size = lr / (1.0 - beta1**step)
        denom = np.sqrt(second) / math.sqrt(1.0 - beta2**step) + self.eps
        param -= step_size * (exp_avg / denom)

    def defaults(self):
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """``torch.optim.AdamW``: Adam with decoupled weight decay ``p *= 1 - lr * weight_decay``.

    Parameters
    ----------
    params : list of ndarray of float64
        Updated in place.
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 1e-2
        Note the non-zero default (torch's): AdamW decays weights unless told not to.
    amsgrad : bool, default False
    """

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
