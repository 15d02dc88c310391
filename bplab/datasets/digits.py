"""Handwritten digits: the UCI 8x8 digits, shipped inside the package.

1,797 grey images of 8x8 pixels with values 0..16, ten classes (the digits
0-9), about 180 images each. They are the test set of the UCI "Optical
Recognition of Handwritten Digits" data (E. Alpaydin and C. Kaynak, 1998,
CC BY 4.0); see ``DIGITS_LICENSE.md`` beside this file for the source, the
licence and how ``digits.npz`` was made. Nothing is downloaded at run time.

The split is stratified and seeded, so every learner, test and benchmark
sees the same parts for the same ``seed``. A quarter of every digit is the
**test** set (450 images). The other 1,347 images (``"train+val"``) are split
again, a fifth of every digit to **validation** (269 images) and the rest to
**train** (1,078 images): train to fit, validation to choose (the epoch, the
recipe), test to report once at the end. The test images are the same with
or without the validation split: carving out validation only shrinks train.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from bplab.validation import check_fraction

DATA_FILE = Path(__file__).with_name("digits.npz")
IMAGE_SHAPE = (8, 8)
N_CLASSES = 10
MAX_PIXEL = 16
CLASS_COUNTS = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)
"""Images per digit 0..9, as published with the data (1,797 in all)."""

_SPLITS = ("train", "val", "test", "train+val", "all")
VAL_SEED_OFFSET = 1
"""The validation split's shuffle is seeded with ``[seed, VAL_SEED_OFFSET]``, independent of the test split's."""


@lru_cache(maxsize=1)
def _raw():
    """(images uint8 (1797, 8, 8), labels uint8 (1797,)), read once; callers must copy."""
    with np.load(DATA_FILE) as data:
        images, labels = data["images"], data["labels"]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def stratified_split(y, test_fraction, seed):
    """Indices of a stratified train/test split: each class keeps its proportion.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Class labels.
    test_fraction : float in (0, 1)
        Share of each class that goes to the test set (rounded per class).
    seed : int or sequence of int
        Seed of the ``numpy.random.default_rng`` that shuffles each class.

    Returns
    -------
    train_index, test_index : ndarray of int
        Sorted indices into ``y``; together they cover every sample once.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}")
    check_fraction(test_fraction, "test_fraction", inclusive=(False, False))
    rng = np.random.default_rng(seed)
    test = []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test.append(members[: int(round(test_fraction * members.size))])
    test_index = np.sort(np.concatenate(test))
    train_index = np.setdiff1d(np.arange(y.size), test_index)
    return train_index, test_index


def split_indices(y, *, test_fraction=0.25, val_fraction=0.2, seed=0):
    """Indices of the stratified train / validation / test parts of ``y``.

    The test part is ``stratified_split(y, test_fraction, seed)``'s; the
    validation part takes ``val_fraction`` of every class of the rest, with
    its own seeded shuffle, so the test images do not depend on
    ``val_fraction``.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
    test_fraction : float in (0, 1)
    val_fraction : float in [0, 1)
        Share of every class of the non-test images that goes to validation;
        0 leaves validation empty.
    seed : int

    Returns
    -------
    dict of str to ndarray of int
        ``"train"``, ``"val"``, ``"test"`` and ``"train+val"``: sorted indices
        into ``y``; train, val and test are disjoint and cover every sample.
    """
    check_fraction(val_fraction, "val_fraction", inclusive=(True, False))
    rest, test = stratified_split(y, test_fraction, seed)
    if val_fraction == 0:
        val = np.array([], dtype=rest.dtype)
    else:
        inner_train, inner_val = stratified_split(np.asarray(y)[rest], val_fraction, [seed, VAL_SEED_OFFSET])
        val = rest[inner_val]
    train = np.setdiff1d(rest, val)
    return {"train": train, "val": np.sort(val), "test": test, "train+val": rest}


def load_digits(split=None, *, test_fraction=0.25, val_fraction=0.2, seed=0, images=False):
    """The handwritten digits, scaled to [0, 1], with a fixed stratified split.

    Parameters
    ----------
    split : {None, "train", "val", "test", "train+val", "all"}
        A name returns that part: ``"train"`` (1,078 images by default) to
        fit, ``"val"`` (269) to choose, ``"test"`` (450) to report once,
        ``"train+val"`` the 1,347 non-test images, ``"all"`` every image.
        ``None`` returns ``"train+val"`` and ``"test"``, for work that selects
        nothing (what every lesson but 06 does).
    test_fraction : float
        Share of every digit held out for testing (0.25: 450 test images).
    val_fraction : float
        Share of every digit of the non-test images held out for validation.
    seed : int
        Seed of the split (the default 0 is the course's split).
    images : bool
        Return ``X`` as images of shape ``(N, 8, 8)`` instead of rows of 64.

    Returns
    -------
    X_train, y_train, X_test, y_test
        When ``split`` is None (``X_train`` is ``"train+val"``). ``X`` is
        float64 of shape ``(N, 64)`` (or ``(N, 8, 8)``) with values in [0, 1];
        ``y`` is int64 of shape ``(N,)`` with the digit 0..9.
    X, y
        When ``split`` names a part.

    Examples
    --------
    >>> [load_digits(part)[0].shape[0] for part in ("train", "val", "test")]
    [1078, 269, 450]
    >>> X_train, y_train, X_test, y_test = load_digits()
    >>> X_train.shape, X_test.shape
    ((1347, 64), (450, 64))
    """
    if split is not None and split not in _SPLITS:
        raise ValueError(f"split must be None or one of {_SPLITS}, got {split!r}")
    if not isinstance(images, bool):
        raise TypeError(f"images must be True or False, got {type(images).__name__}")
    raw_images, raw_labels = _raw()
    X = raw_images.astype(np.float64) / MAX_PIXEL
    X = X if images else X.reshape(len(X), -1)
    y = raw_labels.astype(np.int64)
    if split == "all":
        return X, y
    parts = split_indices(y, test_fraction=test_fraction, val_fraction=val_fraction, seed=seed)
    if split is not None:
        return X[parts[split]], y[parts[split]]
    rest, test = parts["train+val"], parts["test"]
    return X[rest], y[rest], X[test], y[test]
