"""Small seeded 2-D classification sets and a 1-D regression, returned as arrays.

Every function returns ``(X, y)``: ``X`` float64 of shape (N, 2) (or (N, 1)
for the regression), ``y`` int64 labels of shape (N,) (or float64 targets of
shape (N, 1)). Randomness comes from ``rng=`` (a ``numpy.random.Generator``)
or ``seed=`` (default 0), never from numpy's global state.
"""

from __future__ import annotations

import numpy as np

from bplab.validation import as_float_array, as_generator, check_fraction, check_positive_int


def _noise(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {value!r}")
    return float(value)


def _split_counts(n_samples, n_classes):
    """Near-equal class sizes that add up to ``n_samples``."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def spirals(n_samples=300, n_classes=3, noise=0.2, *, rng=None, seed=None):
    """Interleaved spiral arms, the classic CS231n toy set (one arm per class).

    Arm ``k`` has radius ``r = linspace(0, 1)`` and angle
    ``t = linspace(4k, 4(k+1)) + noise * N(0, 1)``; a point is
    ``(r sin t, r cos t)``. CS231n's set is ``spirals(300, 3, 0.2)``.

    Parameters
    ----------
    n_samples : int
        Total number of points (split evenly over the classes).
    n_classes : int
    noise : float
        Standard deviation of the angle noise, in radians.
    rng : numpy.random.Generator, optional
    seed : int, optional

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_classes = check_positive_int(n_classes, "n_classes")
    noise = _noise(noise)
    rng = as_generator(rng, seed)
    X, y = [], []
    for k, count in enumerate(_split_counts(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, count)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), count) + noise * rng.standard_normal(count)
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(count, k, dtype=np.int64))
    return np.concatenate(X), np.concatenate(y)


def moons(n_samples=200, noise=0.1, *, rng=None, seed=None):
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        0 for the upper moon, 1 for the lower one.
    """
    n_samples = check_positive_int(n_samples, "n_samples", minimum=2)
    noise = _noise(noise)
    rng = as_generator(rng, seed)
    n_out, n_in = _split_counts(n_samples, 2)
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)])])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return X, y


def circles(n_samples=200, noise=0.05, factor=0.5, *, rng=None, seed=None):
    """A small circle inside a large one (as scikit-learn's ``make_circles``).

    Parameters
    ----------
    factor : float
        Radius of the inner circle, in (0, 1); the outer one has radius 1.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        0 for the outer circle, 1 for the inner one.
    """
    n_samples = check_positive_int(n_samples, "n_samples", minimum=2)
    noise = _noise(noise)
    factor = check_fraction(factor, "factor", 0.0, 1.0, inclusive=(False, False))
    rng = as_generator(rng, seed)
    n_out, n_in = _split_counts(n_samples, 2)
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        factor * np.column_stack([np.cos(t_in), np.sin(t_in)])])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return X, y


def xor(n_samples=200, noise=0.1, *, rng=None, seed=None):
    """Points uniform in the square [-1, 1]^2, labelled by the quadrant's XOR (half of each class).

    The label is 1 where ``x1 * x2 > 0`` (first and third quadrants), 0
    elsewhere, decided before the Gaussian ``noise`` is added (so noise blurs
    the boundary, as in TensorFlow Playground). A margin of 0.05 around the
    axes is left empty so that the noiseless set is cleanly separable.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = _noise(noise)
    rng = as_generator(rng, seed)
    y = np.repeat(np.array([0, 1], dtype=np.int64), _split_counts(n_samples, 2))
    first = rng.choice([-1.0, 1.0], size=n_samples)
    signs = np.column_stack([first, np.where(y == 1, first, -first)])  # same signs <=> x1 * x2 > 0 <=> label 1
    X = rng.uniform(0.05, 1.0, size=(n_samples, 2)) * signs
    X += noise * rng.standard_normal(X.shape)
    return X, y


def blobs(n_samples=200, centers=3, std=0.3, *, rng=None, seed=None):
    """Isotropic Gaussian clusters, one per class.

    Parameters
    ----------
    centers : int or array_like of shape (K, 2)
        The number of clusters (their centres are then spaced evenly on the
        unit circle) or the centres themselves.
    std : float
        Standard deviation of every cluster.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    std = _noise(std)
    rng = as_generator(rng, seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = check_positive_int(int(centers), "centers")
        angles = 2 * np.pi * np.arange(k) / k
        centres = np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        centres = as_float_array(centers, "centers", ndim=2)
        if centres.shape[1] != 2 or len(centres) == 0:
            raise ValueError(f"centers must be an int or an array of shape (K, 2), got shape {centres.shape}")
    counts = _split_counts(n_samples, len(centres))
    y = np.repeat(np.arange(len(centres), dtype=np.int64), counts)
    X = centres[y] + std * rng.standard_normal((n_samples, 2))
    return X, y


def regression_1d(n_samples=100, noise=0.1, *, rng=None, seed=None):
    """A smooth 1-D curve with Gaussian noise: ``y = sin(3x) + 0.5 x + noise``, x uniform in [-1, 1].

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 1)
    y : ndarray of float64, shape (n_samples, 1)
        Targets shaped like a network's output (for ``mse_loss``/``mae_loss``).
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = _noise(noise)
    rng = as_generator(rng, seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n_samples))
    y = np.sin(3.0 * x) + 0.5 * x + noise * rng.standard_normal(n_samples)
    return x[:, None], y[:, None]


def train_val_split(X, y, val_fraction=0.2, *, rng=None, seed=None):
    """Shuffle and split into a training and a validation part (scikit-learn's order of outputs).

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N, ...)
    val_fraction : float in (0, 1)
        Share of the samples held out; at least one sample goes to each part.

    Returns
    -------
    X_train, X_val, y_train, y_val : ndarray
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if len(X) < 2:
        raise ValueError(f"need at least 2 samples to split, got {len(X)}")
    val_fraction = check_fraction(val_fraction, "val_fraction", 0.0, 1.0, inclusive=(False, False))
    rng = as_generator(rng, seed)
    order = rng.permutation(len(X))
    n_val = min(max(int(round(val_fraction * len(X))), 1), len(X) - 1)
    val, train = order[:n_val], order[n_val:]
    return X[train], X[val], y[train], y[val]


def regression_outliers(n_samples=60, outlier_fraction=0.2, noise=0.1, outlier_shift=3.0, *, slope=1.0,
                        intercept=0.0, rng=None, seed=None, return_mask=False):
    """A noisy line with a chosen share of gross outliers, all on one side (for MSE vs MAE vs Huber).

    Inliers follow ``y = slope * x + intercept + noise * N(0, 1)`` with ``x``
    uniform in [-1, 1]. A share ``outlier_fraction`` of the points (chosen at
    random) has ``outlier_shift * (1 + U(0, 1))`` added to its target: one-sided
    outliers pull a mean-seeking fit (MSE) up, and a median-seeking one (MAE)
    much less while they are fewer than half.

    Parameters
    ----------
    n_samples : int
    outlier_fraction : float in [0, 1)
        Rounded to a whole number of points.
    noise : float >= 0
    outlier_shift : float >= 0
    slope, intercept : float
        The inliers' line.
    rng : numpy.random.Generator, optional
    seed : int, optional
    return_mask : bool
        Also return which points are outliers.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 1)
    y : ndarray of float64, shape (n_samples, 1)
    is_outlier : ndarray of bool, shape (n_samples,)
        Only when ``return_mask`` is true.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    outlier_fraction = check_fraction(outlier_fraction, "outlier_fraction", 0.0, 1.0)
    noise, outlier_shift = _noise(noise), _noise(outlier_shift)
    rng = as_generator(rng, seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n_samples))
    y = slope * x + intercept + noise * rng.standard_normal(n_samples)
    is_outlier = np.zeros(n_samples, dtype=bool)
    is_outlier[rng.permutation(n_samples)[:int(round(outlier_fraction * n_samples))]] = True
    y[is_outlier] += outlier_shift * (1.0 + rng.uniform(size=int(is_outlier.sum())))
    X, Y = x[:, None], y[:, None]
    return (X, Y, is_outlier) if return_mask else (X, Y)
