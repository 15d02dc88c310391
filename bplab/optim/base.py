"""The machinery every optimizer shares: parameter and gradient validation, per-parameter state.

An optimizer is built from a list of float64 arrays (a model's ``params``) and updates
them **in place** on ``step(grads)``, exactly as ``torch.optim`` updates
``param.data``: layers keep their references to the same arrays, so nothing has to be
copied back. The update rules live in the subclasses (one module each); this module
only checks inputs and keeps the per-parameter ``state`` dicts (like torch's
``optimizer.state[p]``) so that a learner can look inside, e.g.
``opt.state[0]["exp_avg"]``.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_hyperparameter(value, name, *, low=0.0, high=None, low_inclusive=True, message=None):
    """A real hyperparameter in range, or ``ValueError``/``TypeError`` (torch's wording).

    Parameters
    ----------
    value : float
    name : str
        Used in the message, e.g. ``"learning rate"`` gives ``"Invalid learning rate: -1"``.
    low, high : float, optional
        Allowed range; ``high`` is exclusive.
    low_inclusive : bool
        Whether ``value == low`` is allowed.
    message : str, optional
        Extra explanation appended to the error.

    Returns
    -------
    float
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    bad = not np.isfinite(value) or (value < low if low_inclusive else value <= low)
    bad = bad or (high is not None and value >= high)
    if bad:
        interval = ("[" if low_inclusive else "(") + f"{low:g}, " + ("inf)" if high is None else f"{high:g})")
        extra = f" ({message})" if message else ""
        raise ValueError(f"Invalid {name}: {value!r}; it must lie in {interval}{extra}")
    return value


def check_betas(betas):
    """``(beta1, beta2)``, each in [0, 1), or ``ValueError`` naming the index (torch's wording)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(check_hyperparameter(b, f"beta parameter at index {i}", high=1.0) for i, b in enumerate(betas))


class Optimizer:
    """Base class: holds ``params``, ``lr`` and one ``state`` dict per parameter.

    Parameters
    ----------
    params : list of ndarray of float64
        Updated in place by :meth:`step`. Any shapes.
    lr : float
        Learning rate, >= 0. A learning-rate schedule changes ``opt.lr`` between steps.

    Attributes
    ----------
    params : list of ndarray
    lr : float
    state : list of dict
        Per-parameter state (momentum buffers, moment estimates, step counts), created
        lazily on the first step, as in torch.
    initial_lr : float or None
        The rate before any learning-rate scheduler changed it.
    """

    def __init__(self, params, lr):
        if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
            raise TypeError("params must be a list of numpy arrays (e.g. model.params or [w]),"
                            f" got {type(params).__name__}")
        if len(params) == 0:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{i}] must be a numpy array, got {type(p).__name__}")
            if p.dtype != np.float64:
                raise TypeError(f"params[{i}] must have dtype float64 (it is updated in place),"
                                f" got {p.dtype}; convert it with p.astype(np.float64)")
            if not p.flags.writeable:
                raise ValueError(f"params[{i}] is read-only; the optimizer updates it in place")
        self.params = list(params)
        self.lr = check_hyperparameter(lr, "learning rate")
        self.state = [{} for _ in self.params]
        self.initial_lr = None  # set by the first learning-rate scheduler (torch's group["initial_lr"])

    def _check_grads(self, grads):
        """The gradients as float64 arrays, one per parameter with its shape."""
        if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
            raise TypeError(f"grads must be a list of arrays in the order of params, got {type(grads).__name__}")
        if len(grads) != len(self.params):
            raise ValueError(f"step() got {len(grads)} gradients for {len(self.params)} parameters"
                             " (one gradient per parameter, in the same order)")
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if type(g) is np.ndarray and g.dtype == np.float64 and g.shape == p.shape:  # the usual case, fast
                checked.append(g)
                continue
            g = np.asarray(g)
            if g.dtype.kind not in "biuf":
                raise TypeError(f"grads[{i}] must be an array of real numbers, got dtype {g.dtype}")
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}], {p.shape}, got {g.shape}")
            checked.append(g.astype(np.float64, copy=False))
        return checked

    def step(self, grads):
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        grads : list of ndarray
            ``grads[i]`` has the shape of ``params[i]``. Not modified.
        """
        lr = check_hyperparameter(self.lr, "learning rate")
        for p, g, state in zip(self.params, self._check_grads(grads), self.state, strict=True):
            self._update(p, g, state, lr)

    def _update(self, param, grad, state, lr):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self.defaults().items())
        return f"{type(self).__name__}({settings})"

    def defaults(self):
        """The hyperparameters, as a dict (for display)."""
        return {"lr": self.lr}
