"""Lesson 03: the gradient-flow and BPTT explorers headless, and every number notebook 03 states."""

import numpy as np
import pytest

from bplab import init, nn
from bplab.figures.bptt import BPTTFigure
from bplab.figures.gradient_flow import GradientFlowFigure, ladder_log_limits
from bplab.labs.bptt import BPTTModel
from bplab.labs.gradient_flow import GradientFlowModel
from bplab.optim import clip_grad_norm
from bplab.widgets.bptt import BPTTExplorer
from bplab.widgets.gradient_flow import GradientFlowExplorer
from tests.widgets import exercise_every_control


@pytest.fixture(scope="module")
def flow():
    return GradientFlowModel(depth=50, width=64)


# -- the three regimes of the "done" criteria, on the explorer's model --------------------------

def test_sigmoid_with_small_init_vanishes(flow):
    flow.set(activation="sigmoid", scheme="standard_uniform", scale=1.0, residual=False)
    assert flow.regime() == "vanishing" and flow.gradient_ratio() < 1e-30
    assert np.all(flow.prediction.chi < 0.25)  # the sigmoid's 1/4 times n Var[W] = 1/3


def test_large_init_explodes(flow):
    flow.set(activation="relu", scheme="he_normal", scale=2.0, residual=False)
    assert flow.regime() == "exploding" and flow.gradient_ratio() > 1e10
    flow.set(activation="tanh", scheme="xavier_normal", scale=4.0)
    assert flow.regime() == "exploding"


def test_he_init_with_relu_is_stable(flow):
    flow.set(activation="relu", scheme="he_normal", scale=1.0, residual=False)
    assert flow.regime() == "stable" and 0.1 < flow.gradient_ratio() < 10
    np.testing.assert_allclose(flow.prediction.chi, 1.0, rtol=1e-12)


@pytest.mark.parametrize("scheme", ["standard_uniform", "xavier_uniform"])
def test_residual_connection_rescues_the_sigmoid(flow, scheme):
    """Section 11 uses section 7's network (standard init); Xavier's is rescued too."""
    flow.set(activation="sigmoid", scheme=scheme, scale=1.0, residual=False)
    assert flow.regime() == "vanishing"
    flow.set(residual=True)
    assert flow.regime() == "stable"
    flow.set(residual=False)


def test_theory_matches_a_linear_orthogonal_stack_exactly(flow):
    flow.set(activation="linear", scheme="orthogonal", scale=1.0, residual=False)
    np.testing.assert_allclose(flow.stats.back_norm, flow.stats.back_norm[-1], rtol=1e-10)
    np.testing.assert_allclose(flow.prediction.chi, 1.0)


def test_overflow_becomes_a_message_not_an_error():
    model = GradientFlowModel(activation="linear", scheme="he_normal", depth=50, width=16, scale=1e7)
    assert model.message and model.regime() == "overflow"
    figure = GradientFlowFigure(model)
    figure.figure.canvas.draw()
    assert figure.figure._bplab_message.get_visible()
    model.set(scale=1.0)
    figure.update(model)
    assert not figure.figure._bplab_message.get_visible()


def test_gradient_flow_bad_settings():
    with pytest.raises(ValueError, match="activation"):
        GradientFlowModel(activation="swish")
    with pytest.raises(ValueError, match="depth"):
        GradientFlowModel(depth=51)
    with pytest.raises(AttributeError):
        GradientFlowModel().set(colour="red")


def test_gradient_flow_widget_every_control():
    lab = GradientFlowExplorer(depth=20, width=32)
    exercise_every_control(lab)
    assert list(lab.controls)[0] == "activation"


# -- BPTT ---------------------------------------------------------------------------------------

def test_bptt_linear_follows_rho_to_the_distance_exactly():
    model = BPTTModel(rho=0.9, length=50, nonlinearity="linear")
    assert model.decay_ratio() == pytest.approx(0.9 ** 49, rel=1e-9)
    np.testing.assert_allclose(model.step_norm, model.prediction, rtol=1e-9)
    model.set(rho=1.1)
    assert model.decay_ratio() == pytest.approx(1.1 ** 49, rel=1e-9)


def test_bptt_tanh_stays_below_the_bound():
    model = BPTTModel(rho=1.2, length=50, nonlinearity="tanh")
    assert np.all(model.step_norm <= model.prediction * (1 + 1e-9))
    assert model.decay_ratio() < 1.0  # saturation: the gradient vanishes although rho > 1


def test_bptt_clipping_caps_the_global_norm():
    model = BPTTModel(rho=1.2, length=60, nonlinearity="linear", clip=True, threshold=1.0)
    assert model.total_norm > 1e3
    assert model.coefficient * model.total_norm == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(model.clipped_step_norm(), model.coefficient * model.step_norm)
    model.set(clip=False)
    assert model.coefficient == 1.0


def test_bptt_overflow_is_a_message():
    model = BPTTModel(rho=40.0, length=200, nonlinearity="linear")
    assert model.message
    BPTTFigure(model).figure.canvas.draw()


def test_bptt_widget_every_control():
    lab = BPTTExplorer()
    exercise_every_control(lab)
    assert list(lab.controls)[0] == "rho"


# -- the numbers notebook 03 states --------------------------------------------------------------

def test_notebook_sigmoid_derivative_bound_and_saturation():
    x = np.linspace(-10, 10, 200001)
    slope = nn.sigmoid_backward(np.ones_like(x), nn.sigmoid_forward(x)[1])
    assert slope.max() == pytest.approx(0.25, abs=1e-12) and x[slope.argmax()] == pytest.approx(0.0, abs=1e-9)
    assert np.abs(x)[slope < 0.01].min() == pytest.approx(4.58, abs=0.01)


def _rms_ratio(**settings):
    stats = GradientFlowModel(**settings).stats
    return stats.pre_rms[-1] / stats.pre_rms[0]


def test_notebook_glorot_reproduction():
    standard = _rms_ratio(activation="tanh", depth=10, width=128, scheme="standard_uniform")
    xavier = _rms_ratio(activation="tanh", depth=10, width=128, scheme="xavier_uniform")
    assert standard < 0.01 and 0.5 * (1 / 3) ** 4.5 < standard < 2 * (1 / 3) ** 4.5  # collapses like 3^(-9/2)
    assert xavier > 0.15  # preserved (tanh compresses a little per layer)


def test_notebook_he_reproduction():
    """He keeps the scale of a 50-layer ReLU network; Xavier halves the variance per layer.

    At width 128 each run is a log-normal random walk around the mean-field prediction (one
    seed alone ranges from about 0.15 to 1.5), so the claim is checked on the geometric mean of
    8 seeds, and every He run is compared with every Xavier run.
    """
    def ratios(scheme):
        return np.array([_rms_ratio(activation="relu", depth=50, width=128, scheme=scheme, seed=s) for s in range(8)])

    he, xavier = ratios("he_normal"), ratios("xavier_normal")
    assert 0.3 < np.exp(np.mean(np.log(he))) < 3
    assert 0.3 * 2 ** -24.5 < np.exp(np.mean(np.log(xavier))) < 3 * 2 ** -24.5
    assert he.min() > 1e4 * xavier.max()


def test_notebook_orthogonal_preserves_norms():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 64))
    h = x
    for _ in range(50):
        h = h @ init.orthogonal(64, 64, rng=rng)
    np.testing.assert_allclose(np.linalg.norm(h, axis=1), np.linalg.norm(x, axis=1), rtol=1e-12)


def test_notebook_clipping_example():
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=(4, 4)) * 10, rng.normal(size=4) * 10]
    total = clip_grad_norm(grads, max_norm=1.0)
    after = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    assert total > 1 and after == pytest.approx(total / (total + 1e-6), rel=1e-12)


def test_notebook_regime_table():
    model = GradientFlowModel(depth=50, width=64)
    expected = [("sigmoid", "standard_uniform", 1.0, "vanishing"), ("relu", "he_normal", 2.0, "exploding"),
                ("relu", "he_normal", 1.0, "stable")]
    for activation, scheme, scale, regime in expected:
        assert model.set(activation=activation, scheme=scheme, scale=scale).regime() == regime


def test_notebook_norm_factor_is_sqrt_chi():
    """Sections 3 and 7: chi multiplies the gradient's second moment, so the norm changes by sqrt(chi) per layer.

    The measured 50-layer ratios match the product of sqrt(chi) over 49 layers (within the finite-width
    wander), and are nowhere near the product of chi itself.
    """
    model = GradientFlowModel(depth=50, width=64)
    for activation, scheme, scale in [("sigmoid", "standard_uniform", 1.0), ("relu", "he_normal", 2.0)]:
        model.set(activation=activation, scheme=scheme, scale=scale)
        chi = model.prediction.chi
        theory = model.prediction.back_norm[0] / model.prediction.back_norm[-1]
        measured = model.gradient_ratio()
        assert abs(np.log10(measured / theory)) < 0.5  # within a factor 3 over 49 layers
        assert abs(np.log10(measured / np.prod(chi[1:]))) > 10  # chi^49 is far off: chi is not the norm factor
    model.set(activation="relu", scheme="he_normal", scale=2.0)
    np.testing.assert_allclose(model.prediction.chi, 4.0, rtol=1e-9)


def test_notebook_tanh_xavier_shrinks_about_fourfold():
    """Section 3: with Xavier the RMS of a 10-layer tanh network ends at about a quarter of its first value."""
    xavier = _rms_ratio(activation="tanh", depth=10, width=128, scheme="xavier_uniform")
    standard = _rms_ratio(activation="tanh", depth=10, width=128, scheme="standard_uniform")
    assert 3.5 < 1 / xavier < 4.5 and standard < xavier / 10


def test_ladder_log_limits_end_each_side_on_the_first_rung_holding_the_padded_data():
    assert ladder_log_limits(np.array([0.3, 2.0])) == (1e-2, 1e2)  # padded by 3: 0.1 .. 6
    assert ladder_log_limits(np.array([1e-57, 1e17])) == (1e-80, 1e20)
    assert ladder_log_limits(np.array([1e-7, 0.5])) == (1e-10, 1e2)  # the ends move on their own
    assert ladder_log_limits(np.array([1e-9]), np.array([np.nan, np.inf, 0.0, 40.0])) == (1e-10, 1e5)
    assert ladder_log_limits(np.array([1e-300, 1e200])) == (1e-150, 1e150)  # clamped: the ticks take powers
    assert ladder_log_limits(np.array([np.nan, -1.0])) == (1e-3, 1e3)  # nothing to show


def test_gradient_flow_results_are_reused_for_settings_seen_before():
    model = GradientFlowModel(depth=10, width=16)
    first = model.stats
    model.set(activation="tanh")
    assert model.stats is not first
    model.set(activation="sigmoid")
    assert model.stats is first  # the same settings: nothing recomputed
    fresh = GradientFlowModel(depth=10, width=16)
    np.testing.assert_array_equal(first.back_norm, fresh.stats.back_norm)
