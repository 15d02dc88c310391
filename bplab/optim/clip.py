"""Gradient clipping by global norm (Pascanu, Mikolov & Bengio, 2013), as ``torch.nn.utils.clip_grad_norm_``.

Clipping rescales the whole gradient, all parameters together, so the update
keeps its direction and only its length is capped: one exploding step through
a recurrent network's "cliff" cannot throw the weights far away. It does
nothing for vanishing gradients.
"""

from __future__ import annotations

import numpy as np

from bplab.optim.base import check_hyperparameter

EPS = 1e-6
"""Added to the total norm before dividing, as torch does (so a zero gradient never divides by zero)."""


def global_norm(grads):
    """``sqrt(sum_i ||grads[i]||²)``, the L2 norm of all the gradients as one vector.

    Computed without overflow for huge entries (rescaled by the largest one when the squares overflow).

    Parameters
    ----------
    grads : list of ndarray

    Returns
    -------
    float
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
        if not np.isfinite(total):
            largest = max((float(np.max(np.abs(g))) for g in grads if g.size), default=0.0)
            if np.isfinite(largest) and largest > 0:
                total = largest * float(np.sqrt(sum(float(np.sum((g / largest) ** 2)) for g in grads)))
    return total


def clip_grad_norm(grads, max_norm, error_if_nonfinite=False):
    """Scale ``grads`` in place so that their global L2 norm is at most ``max_norm``.

    The total norm is ``sqrt(sum_i ||grads[i]||²)``. When the coefficient
    ``max_norm / (total_norm + 1e-6)`` is below 1, every gradient is multiplied
    by it; otherwise nothing changes. The returned norm is the one *before*
    clipping, as torch returns it.

    Parameters
    ----------
    grads : list of ndarray of float64
        Modified in place (like ``p.grad`` in torch).
    max_norm : float
        Largest allowed global norm, > 0.
    error_if_nonfinite : bool
        As torch: raise ``ValueError`` when the total norm is NaN or inf. When
        False (the default, as torch) a non-finite norm makes the coefficient 0
        or NaN and the gradients are scaled by it, as torch does.

    Returns
    -------
    total_norm : float
        The global norm before clipping.

    Raises
    ------
    TypeError
        When ``grads`` is not a list of float64 arrays (they could not be changed in place).
    ValueError
        For ``max_norm <= 0`` or a non-finite norm with ``error_if_nonfinite``.
    """
    if isinstance(grads, np.ndarray):
        grads = [grads]  # torch accepts a single tensor too
    if not isinstance(grads, (list, tuple)):
        raise TypeError(f"grads must be a list of numpy arrays, got {type(grads).__name__}")
    for i, g in enumerate(grads):
        if not isinstance(g, np.ndarray) or g.dtype != np.float64:
            kind = f"array of dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"grads[{i}] must be a float64 numpy array (it is scaled in place), got {kind}")
    max_norm = check_hyperparameter(max_norm, "max_norm", low=0.0, low_inclusive=False)
    if not grads:
        return 0.0
    total_norm = global_norm(grads)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise ValueError(f"the total norm of the gradients is {total_norm}, so they cannot be clipped "
                         "(error_if_nonfinite=True)")
    coefficient = max_norm / (total_norm + EPS)  # 0 for an infinite norm, NaN for a NaN one, as in torch
    if not coefficient >= 1.0:
        with np.errstate(invalid="ignore"):  # inf * 0 = NaN is torch's answer too
            for g in grads:
                g *= coefficient
    return total_norm
