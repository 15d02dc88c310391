"""Lesson 06: the training loop, fine-tuning, the capstone's accuracy and the notebook's transfer claims."""

import numpy as np
import pytest

from bplab import nn, optim
from bplab.datasets import load_digits
from bplab.grading.lessons import lesson06
from bplab.labs.training_dashboard import CAPSTONE, accuracy, confusion_matrix, learner_ops, train_capstone
from bplab.nn.layers import Linear, ReLU, Sequential, Tanh
from bplab.nn.regularization_layers import Dropout
from bplab.transfer import (
    STRATEGIES,
    TransferResult,
    digits_network,
    fine_tune,
    frozen_features,
    nearest_mean_accuracy,
    train_epoch,
    transfer_experiment,
    with_new_head,
)


def _small_model(params, activation=Tanh):
    layers = []
    for i in range(len(params) // 2):
        linear = Linear(*params[2 * i].shape, 0)
        linear.W[...], linear.b[...] = params[2 * i], params[2 * i + 1]
        layers += [linear] + ([activation()] if i < len(params) // 2 - 1 else [])
    return Sequential(layers)


def test_train_epoch_matches_an_independent_numpy_replay():
    # The replay (a plain numpy network and torch's SGD rules) is the grader's; here it checks bplab's reference.
    X, y, params = lesson06._loop_inputs()
    model = _small_model(params)
    opt = optim.SGD(model.params, lr=0.1, momentum=0.9)
    rng = np.random.default_rng(61)
    losses = [train_epoch(model, nn.softmax_cross_entropy, opt, X, y, 8, rng) for _ in range(2)]
    expected, readings, _ = lesson06._replay(params, "tanh", X, y, batch_size=8, seed=61, epochs=2, lr=0.1, momentum=0.9)
    for got, want in zip(model.params, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(losses, readings["weighted"], rtol=1e-12)
    # 23 samples in batches of 8: the weighted mean differs from the plain mean of batch losses.
    assert not np.allclose(readings["weighted"], readings["unweighted"])


def test_epoch_loss_is_the_weighted_batch_mean_by_hand():
    # Zero learning rate: nothing moves, so the epoch's loss is the mean loss over all samples.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    model = Sequential([Linear(3, 2, 1)])
    loss = train_epoch(model, nn.softmax_cross_entropy, optim.SGD(model.params, lr=0.0), X, y, 4, rng)
    assert loss == pytest.approx(nn.softmax_cross_entropy(model.forward(X), y)[0], rel=1e-12)


def test_fine_tune_keeps_frozen_layers_bit_for_bit_and_trains_the_rest():
    rng = np.random.default_rng(3)
    model = Sequential([Linear(6, 8, rng), ReLU(), Dropout(0.5, rng=rng), Linear(8, 8, rng), ReLU(), Linear(8, 3, rng)])
    before = [p.copy() for p in model.params]
    X, y = rng.normal(size=(30, 6)), rng.integers(0, 3, size=30)
    given = []

    def make_optimizer(params):
        given.append(list(params))
        return optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1)  # decay would move any param it sees

    losses = fine_tune(model, 3, nn.softmax_cross_entropy, make_optimizer, X, y, epochs=4, batch_size=7,
                       rng=np.random.default_rng(0))
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert len(given) == 1 and all(a is b for a, b in zip(given[0], model.params[2:]))
    assert np.array_equal(model.params[0], before[0]) and np.array_equal(model.params[1], before[1])
    assert all(not np.array_equal(a, b) for a, b in zip(model.params[2:], before[2:]))
    # The frozen prefix runs in evaluation mode: dropout is the identity there.
    np.testing.assert_array_equal(frozen_features(model, 3, X), np.maximum(X @ before[0] + before[1], 0))


def test_fine_tune_with_nothing_frozen_is_plain_training():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(12, 4)), rng.integers(0, 2, size=12)
    a, b = (Sequential([Linear(4, 5, 9), Tanh(), Linear(5, 2, 9)]) for _ in range(2))
    fine_tune(a, 0, nn.softmax_cross_entropy, lambda p: optim.Adam(p, lr=0.01), X, y, epochs=3, batch_size=5,
              rng=np.random.default_rng(1))
    opt, r = optim.Adam(b.params, lr=0.01), np.random.default_rng(1)
    for _ in range(3):
        train_epoch(b, nn.softmax_cross_entropy, opt, X, y, 5, r)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("n_frozen, error", [(-1, ValueError), (3, ValueError), (1.5, TypeError)])
def test_fine_tune_rejects_impossible_freezes(n_frozen, error):
    model = Sequential([Linear(2, 3, 0), ReLU(), Linear(3, 2, 0)])
    with pytest.raises(error):
        fine_tune(model, n_frozen, nn.softmax_cross_entropy, optim.SGD, np.zeros((2, 2)), np.zeros(2, int),
                  epochs=1, batch_size=1, rng=np.random.default_rng(0))


def test_with_new_head_copies_the_hidden_layers_only():
    pretrained = digits_network((16,), 5, rng=0)
    fresh = with_new_head(pretrained, {"hidden": (16,)}, 5, np.random.default_rng(1))
    np.testing.assert_array_equal(fresh.params[0], pretrained.params[0])
    assert fresh.params[0] is not pretrained.params[0]
    assert not np.array_equal(fresh.params[2], pretrained.params[2])
    with pytest.raises(ValueError):
        digits_network((16,), 10, rng=0, activation="swish")


def test_confusion_matrix_counts_pairs_like_a_loop():
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    expected = np.zeros((4, 4), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 4), expected)
    with pytest.raises(ValueError):
        confusion_matrix(y_true, y_pred[:-1], 4)
    with pytest.raises(ValueError):
        confusion_matrix(y_true, y_pred + 1, 4)


@pytest.fixture(scope="module")
def capstone():
    """The notebook's capstone run on the solutions' layers and loop: (model, record)."""
    ops, loop, _, label = learner_ops("solutions")
    assert label.count("powered by your code") == 4, label
    return train_capstone(30, ops=ops, train_epoch=loop)


def test_the_capstone_chosen_on_validation_reaches_97_percent_on_test(capstone):
    # The spec's capstone target (and the notebook's claim, read once at its end): accuracy asserted, time only
    # reported (benchmark). The model is the epoch of lowest validation loss.
    model, record = capstone
    X_test, y_test = load_digits("test")
    assert record.best_epoch is not None and record.val_acc[record.best_epoch - 1] >= 0.97
    assert accuracy(model, X_test, y_test) >= 0.97


def test_the_capstone_claims_of_sections_3_and_4(capstone):
    model, record = capstone
    # q_dropout_train_accuracy: dropout does not prevent memorization, the training accuracy is 100 %.
    assert record.train_acc[-1] == 1.0
    # q_running_vs_evaluated_loss: the running mean (dropout on, older weights) is above the evaluated loss.
    assert record.train_loss[-1] > record.train_loss_eval[-1]
    # q_digits_initial_loss: an untrained network's loss is near ln 10 (a little above: the scores are not all equal).
    untrained = digits_network(CAPSTONE["hidden"], 10, np.random.default_rng(CAPSTONE["seed"]), dropout=CAPSTONE["dropout"])
    X_val, y_val = load_digits("val")
    initial = nn.softmax_cross_entropy(untrained.forward(X_val, train=False), y_val)[0]
    assert np.log(10) <= initial < np.log(10) + 0.15


def test_the_recipe_chosen_on_validation_is_the_capstones(capstone):
    # Section 6: dropout 0.3 against no dropout, each at its best epoch, chosen by the validation loss.
    _, record = capstone
    ops, loop, _, _ = learner_ops("solutions")
    _, other = train_capstone(30, ops=ops, train_epoch=loop, dropout=0.0)
    assert record.val_loss[record.best_epoch - 1] < other.val_loss[other.best_epoch - 1]


def test_the_reference_recipe_reaches_97_percent_too():
    model, _ = train_capstone(30)
    assert accuracy(model, *load_digits("test")) >= 0.97


@pytest.mark.slow
def test_the_notebooks_transfer_claims():
    # Exactly the notebook's experiment, scored on validation; its statements, as paired differences over 10 seeds.
    result = transfer_experiment(label_counts=(1, 5, 20), seeds=range(10))
    assert result.source_accuracy > 0.97
    tuned_frozen, se_tf = result.paired_difference("fine-tuned", "frozen")
    assert np.all(tuned_frozen > 3 * se_tf), "fine-tuning beats frozen features at every count, by several s.e."
    assert tuned_frozen[0] > tuned_frozen[-1] > 0, "q_transfer_gap: the gap shrinks toward 0 with more labels"
    tuned_scratch, se_ts = result.paired_difference("fine-tuned", "scratch")
    assert np.all(np.abs(tuned_scratch) < 1.5 * se_ts), "fine-tuning and from scratch match within 1.5 s.e."
    for strategy in STRATEGIES:  # more labels help every strategy
        assert result.mean(strategy)[-1] > result.mean(strategy)[0] + 0.2
    # The notebook's explanation: the pretrained features separate 5-9 worse than the raw pixels do.
    pixels, features = (result.nearest_mean[name].mean(axis=0) for name in ("pixels", "pretrained features"))
    assert np.all(pixels > features), (pixels, features)


def test_paired_difference_is_the_mean_and_standard_error_of_the_seedwise_differences():
    rng = np.random.default_rng(2)
    accuracy_ = {s: rng.uniform(0.5, 1, size=(6, 3)) for s in STRATEGIES}
    result = TransferResult(np.array([1, 5, 20]), accuracy_)
    mean, sem = result.paired_difference("fine-tuned", "frozen")
    d = accuracy_["fine-tuned"] - accuracy_["frozen"]
    np.testing.assert_allclose(mean, d.mean(axis=0))
    np.testing.assert_allclose(sem, [np.std(d[:, k], ddof=1) / np.sqrt(6) for k in range(3)])


def test_nearest_mean_accuracy_matches_a_loop_over_images():
    rng = np.random.default_rng(5)
    few, y_few = rng.normal(size=(9, 4)), np.repeat([0, 1, 2], 3)
    test, y_test = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    means = [few[y_few == c].mean(axis=0) for c in range(3)]
    cosine = [[x @ m / np.sqrt((x @ x) * (m @ m)) for m in means] for x in test]
    expected = np.mean([int(np.argmax(row)) == label for row, label in zip(cosine, y_test)])
    assert nearest_mean_accuracy(few, y_few, test, y_test) == pytest.approx(expected)
    # Direction, not length, decides: scaling a test vector changes nothing.
    assert nearest_mean_accuracy(few, y_few, test * rng.uniform(0.1, 10, (40, 1)), y_test) == pytest.approx(expected)


def test_nearest_mean_accuracy_survives_all_zero_features_and_rejects_a_missing_class():
    # Dead ReLU features (all zero) have no direction: no 0/0, they just match no class better than another.
    with np.errstate(all="raise"):
        assert nearest_mean_accuracy(np.eye(2), [0, 1], np.zeros((3, 2)), [0, 0, 1]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="every class"):
        nearest_mean_accuracy(np.eye(2), [0, 2], np.eye(2), [0, 2])
    with pytest.raises(ValueError, match="one label per feature row"):
        nearest_mean_accuracy(np.eye(2), [0, 1, 1], np.eye(2), [0, 1])


def test_transfer_experiment_rejects_more_labels_than_exist():
    with pytest.raises(ValueError, match="training images"):
        transfer_experiment(label_counts=(500,), seeds=(0,))
    with pytest.raises(ValueError):
        transfer_experiment(seeds=())
