"""Lesson 03's gradient-flow explorer runs on the learner's initializers once their checks pass."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bplab import init
from bplab.labs.gradient_flow import GradientFlowModel
from bplab.widgets.gradient_flow import GradientFlowExplorer
from tests.widgets import exercise_every_control

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, STUBS = str(ROOT / "solutions"), str(ROOT / "exercises")
POWERED = ("xavier_uniform", "he_normal")


@pytest.fixture(scope="module")
def powered_lab():
    return GradientFlowExplorer(impl=SOLUTIONS, depth=20, width=32)


def test_passing_solutions_power_the_explorer(powered_lab):
    assert "Xavier (uniform) and He (normal) initialization: powered by your code." in powered_lab.note.value
    for name in POWERED:  # the learner's functions, not bplab.init's
        assert getattr(powered_lab.model.init_ops, name).__module__ != "bplab.init"
    assert powered_lab.model.init_ops.orthogonal is init.orthogonal  # the other schemes stay on the reference


@pytest.mark.parametrize("scheme", POWERED)
def test_gradient_norms_equal_the_reference_for_the_same_seed(powered_lab, scheme):
    # The solution draws rng.uniform(-a, a, size) / rng.normal(0, std, size) with the same a and std as
    # bplab.init (both square roots are correctly rounded), so the matrices, and the norms, are identical.
    settings = dict(activation="relu" if scheme == "he_normal" else "tanh", scheme=scheme, depth=20, width=32)
    powered_lab.model.set(**settings)
    reference = GradientFlowModel(**settings)
    assert not powered_lab.model.message and not reference.message
    np.testing.assert_array_equal(powered_lab.model.stats.grad_norm, reference.stats.grad_norm)
    np.testing.assert_array_equal(powered_lab.model.stats.back_norm, reference.stats.back_norm)


def test_stubs_leave_the_reference_in_charge_and_say_so():
    lab = GradientFlowExplorer(impl=STUBS, depth=10, width=16)
    note = lab.note.value
    assert "Xavier (uniform) and He (normal) initialization: reference implementation" in note
    assert "xavier_uniform" in note and "he_normal" in note and "powered by your code" not in note
    assert lab.model.init_ops is init
    assert "‖∂L/∂a_1‖" in note  # the measurements' sentence is still there


def test_model_calls_the_exercise_signature():
    calls = []

    def spy(fan_in, fan_out, gain=1.0, rng=None):
        calls.append((fan_in, fan_out, gain, type(rng)))
        return init.he_normal(fan_in, fan_out, gain=gain, rng=rng)

    model = GradientFlowModel(scheme="he_normal", depth=3, width=8, init_ops=SimpleNamespace(he_normal=spy))
    assert calls == [(8, 8, init.SQRT2, np.random.Generator)] * 3
    model.set(scheme="standard_uniform")  # a scheme the namespace lacks comes from bplab.init
    assert len(calls) == 3 and not model.message


def test_powered_widget_every_control(powered_lab):
    exercise_every_control(powered_lab)
    assert "powered by your code" in powered_lab.note.value


def test_weights_do_not_depend_on_the_order_depths_were_asked_for():
    """Same settings, same numbers: a model grown from depth 10 to 50 equals one built at 50."""

    fresh = GradientFlowModel()
    fresh.set(depth=50)
    grown = GradientFlowModel()
    grown.set(depth=10)
    grown.weights()
    grown.set(depth=50)
    for a, b in zip(fresh.weights(), grown.weights(), strict=True):
        np.testing.assert_array_equal(a, b)
