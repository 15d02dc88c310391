"""Lesson 06's labs driven headless: the training dashboard and the transfer comparison."""

import numpy as np
import pytest

from bplab.labs.training_dashboard import TrainingDashboard, TrainingRecord, TransferComparison, train_capstone
from bplab.transfer import STRATEGIES, TransferResult
from bplab.widgets.training_dashboard import TrainingDashboardLab, TransferLab
from tests.widgets import exercise_every_control


@pytest.fixture(scope="module")
def record():
    return train_capstone(4, hidden=(32,), dropout=0.0)[1]


def _fake_result():
    rng = np.random.default_rng(0)
    return TransferResult(np.array([1, 2, 5]), {s: rng.uniform(0.5, 1.0, size=(3, 3)) for s in STRATEGIES}, 0.99,
                          (0, 1, 2, 3, 4), (5, 6, 7, 8, 9))


def test_dashboard_model_selects_epochs_and_digits(record):
    model = TrainingDashboard(record, n_shown=5)
    assert model.epoch == record.epochs == 4
    model.set_epoch(99)
    assert model.epoch == 4
    model.set_epoch(-3)
    assert model.epoch == 1
    confusion = model.confusion()
    assert confusion.sum() == len(record.y_val) == 269 and np.trace(confusion) / confusion.sum() == model.accuracy
    shown, total = model.misclassified()
    assert total == np.sum(model.predictions != record.y_val) and len(shown) == min(5, total)
    model.digit = int(record.y_val[shown[0]]) if total else 0
    shown, total = model.misclassified()
    assert np.all(record.y_val[shown] == model.digit)
    with pytest.raises(TypeError):
        TrainingDashboard("not a record")


def test_dashboard_lab_every_control_changes_the_figure(record):
    lab = TrainingDashboardLab(record, note="reference implementation")
    exercise_every_control(lab)
    assert list(lab.controls)[0] == "epoch"
    lab.play.value = 2  # the play button drives the epoch slider
    assert lab.controls["epoch"].value == 2 and lab.model.epoch == 2 and not lab.errors


def test_dashboard_shows_divergence_as_a_message():
    n = 20
    y = np.arange(n) % 10
    nan = float("nan")
    diverged = TrainingRecord(y_val=y, images=np.zeros((n, 8, 8)), train_loss=[2.0, nan], val_loss=[2.1, nan],
                              val_acc=[0.2, 0.1], train_acc=[0.2, 0.1], predictions=[y, np.zeros(n, int)],
                              seconds=[0.1, 0.2], stopped="diverged")
    lab = TrainingDashboardLab(diverged)
    exercise_every_control(lab, unchanged_ok=("digit",))
    lab.controls["epoch"].value = 2
    assert lab.view.figure._bplab_message.get_visible()
    lab.controls["epoch"].value = 1
    assert not lab.view.figure._bplab_message.get_visible()


def test_transfer_comparison_model_and_lab():
    result = _fake_result()
    model = TransferComparison(result)
    model.set_count(4)
    assert model.count == 5 and model.index == 2
    np.testing.assert_array_equal(model.at_count()["scratch"], result.accuracy["scratch"][:, 2])
    np.testing.assert_allclose(result.sem("frozen"), result.accuracy["frozen"].std(0, ddof=1) / np.sqrt(3))
    lab = TransferLab(result)
    exercise_every_control(lab)
    with pytest.raises(TypeError):
        TransferComparison({"frozen": 1})


def test_record_reports_the_first_epoch_and_time_to_reach_an_accuracy():
    record = TrainingRecord(y_val=np.zeros(1, int), images=np.zeros((1, 8, 8)), train_loss=[1.0, 0.5, 0.4, 0.3],
                            val_acc=[0.90, 0.97, 0.96, 0.98], seconds=[0.1, 0.25, 0.4, 0.55])
    assert record.epochs_to_accuracy(0.97) == 2 and record.time_to_accuracy(0.97) == 0.25
    assert record.epochs_to_accuracy(0.98) == 4 and record.time_to_accuracy(0.98) == 0.55
    assert record.epochs_to_accuracy(0.99) is None and record.time_to_accuracy(0.99) is None


def test_record_keeps_the_best_validation_epoch_and_restores_its_weights():
    from bplab import nn, optim
    from bplab.datasets import load_digits
    from bplab.recipes import record_training
    from bplab.transfer import digits_network

    X, y = load_digits("train")
    X_val, y_val = load_digits("val")
    rng = np.random.default_rng(3)
    model = digits_network((16,), 10, rng)
    # A learning rate high enough that the validation loss is not monotone over 6 epochs.
    record = record_training(model, nn.softmax_cross_entropy, optim.SGD(model.params, lr=2.0), X, y, X_val, y_val,
                             epochs=6, batch_size=64, rng=rng)
    finite = [v if np.isfinite(v) else np.inf for v in record.val_loss]
    assert record.best_epoch == int(np.argmin(finite)) + 1
    restored = nn.softmax_cross_entropy(model.forward(X_val, train=False), y_val)[0]
    assert restored == record.val_loss[record.best_epoch - 1]
    assert len(record.train_loss_eval) == record.epochs and record.images.shape == (269, 8, 8)
