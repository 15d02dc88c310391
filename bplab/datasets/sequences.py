"""A sequence task with a long lag: remember the first token through ``lag`` steps of noise.

Each sequence has ``T = lag + 1`` steps of ``n_classes`` input channels. Step 0 shows one of ``n_classes``
one-hot tokens; steps ``1 .. lag`` are Gaussian noise on the *same* channels. The label is the first token, read
from the network's state after the last step. Nothing after step 0 carries information about the label, so a
network must carry it ``lag`` steps, and the noise it reads meanwhile must not wash it out; to learn that, the
gradient must travel ``lag`` steps back. Chance accuracy is ``1 / n_classes``.
"""

from __future__ import annotations

import numbers

import numpy as np

from bplab.validation import as_generator, check_positive_int


def first_token(n_samples, lag, n_classes=4, noise=1.0, *, rng=None, seed=None):
    """Sequences whose label is their first token, followed by ``lag`` steps of noise.

    Parameters
    ----------
    n_samples : int
    lag : int >= 0
        Steps between the signal and the readout; the sequences have ``lag + 1`` steps.
    n_classes : int >= 2
        Signal tokens, one per class.
    noise : float >= 0
        Standard deviation of the Gaussian noise of steps ``1 .. lag``.
    rng : numpy.random.Generator, optional
    seed : int, optional
        Used when ``rng`` is None (0 by default).

    Returns
    -------
    x : ndarray of float64, shape (n_samples, lag + 1, n_classes)
        ``x[:, 0]`` one-hot, ``x[:, 1:]`` noise.
    y : ndarray of int64, shape (n_samples,)
        The class of the first token; classes are balanced up to one sample.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    lag = check_positive_int(lag, "lag", minimum=0)
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = as_generator(rng, seed)
    y = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int64)
    x = float(noise) * rng.normal(size=(n_samples, lag + 1, n_classes))
    x[:, 0] = np.eye(n_classes)[y]
    return x, y
