"""The gradient-through-time explorer driven headless: every control, the buttons, the model's behaviour, and
"powered by your code" for the LSTM."""

import numpy as np
import pytest

from bplab import nn
from bplab.figures.gradient_through_time import GradientThroughTimeFigure
from bplab.labs.gradient_through_time import GradientThroughTimeModel
from bplab.nn.activations import sigmoid
from bplab.widgets.gradient_through_time import GradientThroughTimeExplorer
from tests.paths import EXERCISES, SOLUTIONS
from tests.widgets import exercise_every_control


@pytest.fixture(scope="module")
def lab():
    return GradientThroughTimeExplorer(impl=str(SOLUTIONS), lag=10)


def test_every_control_and_button(lab):
    exercise_every_control(lab)


def test_solutions_power_the_lstm_training(lab):
    assert "LSTM training: powered by your code." in lab.note.value
    assert lab.model.ops.lstm_backward.__module__ != "bplab.nn.lstm"


def test_stubs_leave_the_reference_in_charge_and_say_so():
    lab = GradientThroughTimeExplorer(impl=str(EXERCISES), lag=5)
    assert "reference implementation" in lab.note.value and "lstm_forward" in lab.note.value
    assert lab.model.ops is nn and not lab.errors


def test_training_lowers_the_loss_and_structural_settings_reset():
    model = GradientThroughTimeModel(lag=5, hidden=8)
    before = {cell: r.copy() for cell, r in model.relative.items()}
    model.train(40)
    assert model.updates == 40 and all(len(v) == 40 for v in model.losses.values())
    assert all(np.mean(v[-5:]) < v[0] for v in model.losses.values())
    assert all(np.isfinite(a) for a in model.accuracy.values())
    assert any(not np.array_equal(before[c], model.relative[c]) for c in before)
    model.set(clip=False)  # not structural: the trained weights stay
    assert model.updates == 40
    model.set(forget_bias=0.0)  # structural: both networks start afresh
    assert model.updates == 0 and model.losses == {"rnn": [], "lstm": []}


def test_measurements():
    model = GradientThroughTimeModel(lag=12, hidden=8, forget_bias=2.0, threshold=1e-3, clip=True)
    for ratios in model.relative.values():
        assert ratios.shape == (13,) and ratios[-1] == 1.0
    np.testing.assert_allclose(model.forget_law(), sigmoid(2.0) ** np.arange(12, -1, -1))
    assert model.clip_coefficient("rnn") == pytest.approx(1e-3 / (model.total_norm["rnn"] + 1e-6))
    model.set(clip=False)
    assert model.clip_coefficient("rnn") == 1.0


@pytest.mark.parametrize("bad", [{"lag": 0}, {"hidden": 0}, {"threshold": 0.0}, {"forget_bias": float("nan")}])
def test_bad_settings_raise(bad):
    with pytest.raises(ValueError):
        GradientThroughTimeModel(**bad)


def test_figure_updates_without_rebuilding():
    model = GradientThroughTimeModel(lag=6, hidden=4)
    view = GradientThroughTimeFigure(model)
    axes = list(view.figure.axes)
    model.set(lag=9)
    view.update(model)
    assert view.figure.axes == axes
    assert view.curves["lstm"].get_xdata().size == 10
