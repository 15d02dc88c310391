"""Stochastic gradient descent with (heavy-ball or Nesterov) momentum, as ``torch.optim.SGD``.

torch's momentum is *not* the textbook ``v = mu * v - lr * g; p += v``: the buffer holds
a running sum of gradients (no learning rate inside), and the learning rate multiplies
it at the end::

    g   = grad + weight_decay * p                  (L2 penalty added to the gradient)
    buf = g                              on the first step (no dampening then)
    buf = momentum * buf + (1 - dampening) * g     afterwards
    d   = g + momentum * buf  if nesterov  else  buf
    p  -= lr * d

With a constant learning rate both forms give the same trajectory; they differ when the
learning rate changes (a schedule), because torch's buffer does not remember old rates.
"""

from __future__ import annotations

from bplab.optim.base import Optimizer, check_hyperparameter


class SGD(Optimizer):
    """``torch.optim.SGD``: plain, momentum, or Nesterov gradient descent.

    Parameters
    ----------
    params : list of ndarray of float64
        Updated in place.
    lr : float, default 1e-3
    momentum : float, default 0
    dampening : float, default 0
        Scales the new gradient in the buffer by ``1 - dampening`` (not on the first step).
    weight_decay : float, default 0
        L2 penalty: ``weight_decay * p`` is added to the gradient.
    nesterov : bool, default False
        Needs ``momentum > 0`` and ``dampening == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0]); opt = SGD([w], lr=0.1, momentum=0.9)
    >>> opt.step([2 * w]); w          # buf = g = 2 on the first step
    array([0.8])
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, lr)
        self.momentum = check_hyperparameter(momentum, "momentum value")
        self.dampening = check_hyperparameter(dampening, "dampening value")
        self.weight_decay = check_hyperparameter(weight_decay, "weight_decay value")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param, grad, state, lr):
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        param -= lr * grad

    def defaults(self):
        return {"lr": self.lr, "momentum": self.momentum, "dampening": self.dampening,
                "weight_decay": self.weight_decay, "nesterov": self.nesterov}
