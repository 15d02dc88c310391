"""Inverted dropout (``torch.nn.functional.dropout``).

In training each unit is dropped (set to 0) with probability ``p`` and the kept
units are multiplied by ``1 / (1 - p)``, so that every unit's expected value is
unchanged: ``E[out] = (1 - p) * x / (1 - p) = x``. Evaluation is then the
identity, with nothing to rescale ("inverted" dropout). With ``p = 1`` every unit
is dropped and the output is zeros, as in torch (no division by zero).
"""

from __future__ import annotations

import numpy as np

from bplab.validation import as_float_array, check_fraction


def dropout_forward(x, p, train, rng=None, mask=None):
    """Forward pass of inverted dropout.

    Parameters
    ----------
    x : ndarray, any shape
    p : float in [0, 1]
        Probability of dropping a unit (torch's ``p``).
    train : bool
        Dropout acts only in training; in evaluation the layer is the identity.
    rng : numpy.random.Generator, optional
        Draws the mask in training. Needed unless ``mask`` is given or
        ``p`` is 0 or 1 (then the mask is certain).
    mask : ndarray of bool, shape of ``x``, optional
        The keep-mask to use instead of drawing one: True where a unit is
        kept. A fixed mask makes the layer deterministic, for gradient checks.

    Returns
    -------
    out : ndarray of float64, shape of ``x``
    cache : tuple
        ``(scaled_mask, train)``: ``scaled_mask`` is ``mask / (1 - p)``
        (zeros when ``p = 1``), the factor that multiplies ``x``.

    Raises
    ------
    ValueError
        When ``p`` is outside [0, 1], ``rng`` is missing when needed, or
        ``mask`` has the wrong shape.
    TypeError
        When ``rng`` is not a Generator or ``mask`` is not boolean.
    """
    x = as_float_array(x, "x")
    p = check_fraction(p, "p (the probability of dropping)", inclusive=(True, True))
    if not train:
        return x.copy(), (None, False)
    keep = _keep_mask(x.shape, p, rng, mask)
    # Kept units carry 1/(1-p) so that the expectation is unchanged; p = 1 keeps nothing and scales by 0.
    scaled_mask = keep * (1.0 / (1.0 - p) if p < 1.0 else 0.0)
    return x * scaled_mask, (scaled_mask, True)


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Parameters
    ----------
    dout : ndarray, shape of the forward's ``x``
        Upstream gradient.
    cache : tuple
        From :func:`dropout_forward`.

    Returns
    -------
    dx : ndarray of float64, shape of ``dout``
        ``dout * mask / (1 - p)`` in training (dropped units pass no
        gradient), ``dout`` itself in evaluation.
    """
    scaled_mask, train = cache
    dout = as_float_array(dout, "dout")
    if not train:
        return dout.copy()
    if dout.shape != scaled_mask.shape:
        raise ValueError(f"dout must have the shape of the forward's x, {scaled_mask.shape}, got {dout.shape}")
    return dout * scaled_mask


def _keep_mask(shape, p, rng, mask):
    """The boolean keep-mask: the given one (checked) or one drawn with P(keep) = 1 - p."""
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"mask must be a boolean array (True = kept), got dtype {mask.dtype}")
        if mask.shape != shape:
            raise ValueError(f"mask must have the shape of x, {shape}, got {mask.shape}")
        return mask
    if p in (0.0, 1.0):
        return np.full(shape, p == 0.0)
    if rng is None:
        raise ValueError("dropout_forward in training needs rng=numpy.random.default_rng(seed) (or a fixed mask=)")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    # U ~ [0, 1): P(U >= p) = 1 - p.
    return rng.random(shape) >= p
