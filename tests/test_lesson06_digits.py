"""The shipped digits: the published counts, the value range, the split."""

import hashlib

import numpy as np
import pytest

from bplab.datasets import load_digits
from bplab.datasets.digits import DATA_FILE, split_indices, stratified_split

# Published with the UCI data (and in scikit-learn's description of the same file).
PUBLISHED_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
# sha256 of images.tobytes() + labels.tobytes() when digits.npz was made (see DIGITS_LICENSE.md).
CHECKSUM = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"


def test_stored_file_is_small_and_unchanged():
    assert DATA_FILE.stat().st_size < 100_000
    with np.load(DATA_FILE) as data:
        images, labels = data["images"], data["labels"]
    assert images.dtype == np.uint8 and images.shape == (1797, 8, 8)
    assert labels.dtype == np.uint8 and labels.shape == (1797,)
    assert hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest() == CHECKSUM
    assert (DATA_FILE.parent / "DIGITS_LICENSE.md").exists()


def test_all_samples_match_the_published_description():
    X, y = load_digits("all")
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == PUBLISHED_COUNTS
    assert X.min() == 0.0 and X.max() == 1.0
    counts = X * 16  # the stored values are whole counts 0..16
    np.testing.assert_array_equal(counts, np.round(counts))


def test_default_split_is_stratified_fixed_and_disjoint():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    for label, count in enumerate(PUBLISHED_COUNTS):
        assert np.sum(y_test == label) == round(0.25 * count)
    again = load_digits()
    for a, b in zip((X_train, y_train, X_test, y_test), again):
        np.testing.assert_array_equal(a, b)
    train_index, test_index = stratified_split(load_digits("all")[1], 0.25, 0)
    assert np.intersect1d(train_index, test_index).size == 0
    assert train_index.size + test_index.size == 1797


def test_validation_split_is_disjoint_stratified_seeded_and_leaves_test_alone():
    y = load_digits("all")[1]
    parts = split_indices(y)
    train, val, test = parts["train"], parts["val"], parts["test"]
    assert (train.size, val.size, test.size) == (1078, 269, 450)
    assert np.intersect1d(train, val).size == np.intersect1d(train, test).size == np.intersect1d(val, test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val, test])), np.arange(y.size))
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), parts["train+val"])
    # Stratified: every digit gives a fifth (rounded) of its non-test images to validation.
    rest = np.bincount(y[parts["train+val"]], minlength=10)
    np.testing.assert_array_equal(np.bincount(y[val], minlength=10), np.round(0.2 * rest).astype(int))
    # The test images are the ones the split had before validation existed (and for any val_fraction).
    for fraction in (0.0, 0.1, 0.3):
        np.testing.assert_array_equal(split_indices(y, val_fraction=fraction)["test"], test)
    np.testing.assert_array_equal(stratified_split(y, 0.25, 0)[1], test)
    assert split_indices(y, val_fraction=0.0)["val"].size == 0
    # Seeded: the same parts every time, other parts for another seed.
    again = split_indices(y)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)
    assert not np.array_equal(split_indices(y, seed=1)["val"], val)
    # The named parts and the two-part default agree with the indices.
    X_all = load_digits("all")[0]
    for name in ("train", "val", "test", "train+val"):
        X, labels = load_digits(name)
        np.testing.assert_array_equal(X, X_all[parts[name]])
        np.testing.assert_array_equal(labels, y[parts[name]])
    X_rest, _, X_test, _ = load_digits()
    np.testing.assert_array_equal(X_rest, X_all[parts["train+val"]])
    np.testing.assert_array_equal(X_test, X_all[test])


def test_named_parts_and_images_and_other_seeds():
    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test", images=True)
    assert X_test.shape == (450, 8, 8)
    np.testing.assert_array_equal(load_digits()[2].reshape(-1, 8, 8), X_test)
    other = load_digits("test", seed=1)[1]
    assert np.bincount(other).tolist() == np.bincount(y_test).tolist()
    # Arrays handed out are the caller's: changing them does not change the next load.
    X_train[:] = -1
    assert load_digits("train")[0].min() == 0.0


@pytest.mark.parametrize("kwargs, error", [
    ({"split": "validation"}, ValueError),
    ({"test_fraction": 0.0}, ValueError),
    ({"test_fraction": 1.0}, ValueError),
    ({"test_fraction": "a lot"}, TypeError),
    ({"split": "val", "val_fraction": 1.0}, ValueError),
    ({"split": "val", "val_fraction": -0.1}, ValueError),
    ({"images": "yes"}, TypeError),
])
def test_bad_arguments_say_what_was_expected(kwargs, error):
    with pytest.raises(error):
        load_digits(**kwargs)
