"""Weight penalties (L2, L1) and early stopping.

Conventions (torch's, so that the numbers carry over):

* L2: ``penalty = strength / 2 * sum(w ** 2)``, gradient ``strength * w``. With
  this factor 1/2, SGD on ``loss + l2_penalty(w, lam)`` is *exactly*
  ``torch.optim.SGD(weight_decay=lam)`` on ``loss``.
* L1: ``penalty = strength * sum(|w|)``, subgradient ``strength * sign(w)``
  (0 at 0, as ``torch.sign``). Subgradient steps make weights hover around 0
  but seldom land on it; the proximal step :func:`soft_threshold` sets them to
  exactly 0, which is how L1 produces sparse weights in practice.
* Only weight matrices (arrays with 2 or more dimensions) are penalized by
  :func:`add_penalties`: biases and batch-norm parameters are left alone, the
  usual practice.
"""

from __future__ import annotations

import numpy as np

from bplab.nn.regularization_layers import state_arrays
from bplab.validation import as_float_array, check_fraction, check_positive_int

_STRENGTH = dict(low=0.0, high=np.inf, inclusive=(True, False))


def l2_penalty(w, strength):
    """L2 penalty (ridge, "weight decay") and its gradient.

    Parameters
    ----------
    w : ndarray, any shape
    strength : float >= 0
        lambda.

    Returns
    -------
    penalty : float
        ``strength / 2 * sum(w ** 2)``.
    dw : ndarray of float64, shape of ``w``
        ``strength * w``.
    """
    w = as_float_array(w, "w")
    strength = check_fraction(strength, "strength", **_STRENGTH)
    return 0.5 * strength * float(np.sum(w * w)), strength * w


def l1_penalty(w, strength):
    """L1 penalty (lasso) and its subgradient.

    Parameters
    ----------
    w : ndarray, any shape
    strength : float >= 0

    Returns
    -------
    penalty : float
        ``strength * sum(|w|)``.
    dw : ndarray of float64, shape of ``w``
        ``strength * sign(w)``: 0 where ``w == 0`` (a valid subgradient, and torch's).
    """
    w = as_float_array(w, "w")
    strength = check_fraction(strength, "strength", **_STRENGTH)
    return strength * float(np.sum(np.abs(w))), strength * np.sign(w)


def soft_threshold(w, threshold):
    """Proximal operator of ``threshold * |w|``: shrink toward 0 by ``threshold``, stop at 0.

    ``argmin_v 1/2 (v - w)^2 + threshold |v| = sign(w) * max(|w| - threshold, 0)``.
    A gradient step on the data loss followed by this with ``threshold = lr * strength``
    is proximal gradient descent (ISTA) for the L1-penalized loss; every weight
    whose size falls below the threshold becomes exactly 0.

    Parameters
    ----------
    w : ndarray
    threshold : float >= 0

    Returns
    -------
    ndarray of float64, shape of ``w`` (a new array)
    """
    w = as_float_array(w, "w")
    threshold = check_fraction(threshold, "threshold", **_STRENGTH)
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


def penalized(params):
    """The params that weight penalties apply to: weight matrices (``ndim >= 2``), not biases or scales."""
    return [p for p in params if np.ndim(p) >= 2]


def add_penalties(params, grads, l1=0.0, l2=0.0):
    """Add the L1 subgradient and L2 gradient of every weight matrix to its gradient, in place.

    Parameters
    ----------
    params, grads : list of ndarray
        A model's params and grads, in the same order.
    l1, l2 : float >= 0
        Strengths.

    Returns
    -------
    penalty : float
        The total penalty, to add to the data loss.
    """
    total = 0.0
    for param, grad in zip(params, grads, strict=True):
        if np.ndim(param) < 2:
            continue
        for penalty_fn, strength in ((l1_penalty, l1), (l2_penalty, l2)):
            if strength:
                value, dparam = penalty_fn(param, strength)
                total += value
                grad += dparam
    return total


class Penalized:
    """An optimizer with L1/L2 penalties on the weight matrices: what a regularized training step does.

    ``step(grads)`` adds the L2 gradient ``l2 * W`` (and, with
    ``l1_mode="subgradient"``, the L1 subgradient) to the gradients of the
    weight matrices, lets the wrapped optimizer step, then, with
    ``l1_mode="proximal"``, soft-thresholds the weights by ``lr * l1``
    (exact zeros). After a plain SGD step that is proximal gradient descent
    (ISTA); after a momentum or Adam step it is a common heuristic, not ISTA,
    and the L1 and L2 strengths no longer compare at face value: momentum
    accumulates the L2 gradient over about ``1 / (1 - momentum)`` steps, the
    threshold stays ``lr * l1`` (notebook 05, section 3).

    Parameters
    ----------
    optimizer : bplab.optim optimizer
        Has ``.params``, ``.lr`` and ``.step(grads)``.
    l1, l2 : float >= 0
    l1_mode : {"proximal", "subgradient"}

    Notes
    -----
    Under plain SGD the L2 part is exactly ``SGD(weight_decay=l2)`` restricted
    to the weight matrices. Under Adam it is L2 regularization, not decoupled
    weight decay (:class:`bplab.optim.AdamW`); notebook 05 shows the difference.
    """

    def __init__(self, optimizer, l1=0.0, l2=0.0, l1_mode="proximal"):
        if l1_mode not in ("proximal", "subgradient"):
            raise ValueError(f"l1_mode must be 'proximal' or 'subgradient', got {l1_mode!r}")
        self.optimizer = optimizer
        self.params = optimizer.params
        self.l1 = check_fraction(l1, "l1", **_STRENGTH)
        self.l2 = check_fraction(l2, "l2", **_STRENGTH)
        self.l1_mode = l1_mode

    def step(self, grads):
        proximal = self.l1_mode == "proximal"
        add_penalties(self.params, grads, l1=0.0 if proximal else self.l1, l2=self.l2)
        self.optimizer.step(grads)
        if proximal and self.l1:
            threshold = self.optimizer.lr * self.l1
            for weight in penalized(self.params):
                weight[...] = soft_threshold(weight, threshold)


def early_stopping(val_losses, patience, min_delta=0.0):
    """Where early stopping picks its best epoch and where it stops training.

    An epoch improves when its loss is below ``best - min_delta`` (the first
    epoch always improves, a NaN never does). Training stops after ``patience``
    epochs in a row without improvement (Keras' and Lightning's rule).

    Parameters
    ----------
    val_losses : sequence of float
        The validation loss after each epoch so far, epoch 0 first.
    patience : int >= 1
    min_delta : float >= 0

    Returns
    -------
    best_epoch : int or None
        Index of the best epoch so far (None for an empty sequence or all NaN).
    stop_epoch : int or None
        Index of the epoch after which training stops, None if it does not
        stop within ``val_losses``.
    """
    patience = check_positive_int(patience, "patience")
    min_delta = check_fraction(min_delta, "min_delta", **_STRENGTH)
    best_epoch, best = None, np.inf
    for epoch, loss in enumerate(val_losses):
        if float(loss) < best - min_delta:
            best_epoch, best = epoch, float(loss)
        elif epoch - (-1 if best_epoch is None else best_epoch) >= patience:
            return best_epoch, epoch
    return best_epoch, None


class EarlyStopping:
    """Stop when the validation loss stops improving, and restore the best weights.

    Plugs into :func:`bplab.train.fit` as its ``callback(epoch, history)``:
    it returns True (stop) after ``patience`` epochs without improvement of
    ``history.val_loss`` and, before returning, copies the best epoch's
    weights (and batch-norm running statistics) back into the model.

    Parameters
    ----------
    model : object with ``.params`` or list of ndarray
        What to save and restore (see :func:`bplab.nn.regularization_layers.state_arrays`).
    patience : int >= 1
    min_delta : float >= 0
    restore_best : bool
        Restore the best weights when stopping (Keras' ``restore_best_weights``).

    Attributes
    ----------
    val_losses : list of float
        Every loss seen.
    best_epoch : int or None
    stop_epoch : int or None
        Set when training was stopped.

    Notes
    -----
    When training ends because the epochs run out, call :meth:`restore` to get
    the best weights anyway.
    """

    def __init__(self, model, patience=10, min_delta=0.0, restore_best=True):
        self.arrays = state_arrays(model)
        self.patience = check_positive_int(patience, "patience")
        self.min_delta = check_fraction(min_delta, "min_delta", **_STRENGTH)
        self.restore_best = bool(restore_best)
        self.val_losses = []
        self.best_epoch = None
        self.stop_epoch = None
        self._best_state = None

    def __call__(self, epoch, history):
        """fit's callback: True to stop."""
        if not getattr(history, "val_loss", None):
            raise ValueError("EarlyStopping needs validation losses: call fit with X_val= and y_val=")
        return self.update(history.val_loss[-1])

    def update(self, val_loss):
        """Record one epoch's validation loss; True when training should stop (best weights then restored)."""
        self.val_losses.append(float(val_loss))
        self.best_epoch, stop = early_stopping(self.val_losses, self.patience, self.min_delta)
        if self.best_epoch == len(self.val_losses) - 1:
            self._best_state = [a.copy() for a in self.arrays]
        if stop is None:
            return False
        self.stop_epoch = stop
        if self.restore_best:
            self.restore()
        return True

    def restore(self):
        """Copy the best epoch's state back into the model's arrays (in place)."""
        if self._best_state is None:
            return
        for array, saved in zip(self.arrays, self._best_state, strict=True):
            array[...] = saved
