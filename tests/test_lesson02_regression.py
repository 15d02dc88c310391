"""Lesson 02's regression with outliers: the dataset, Huber's loss (closed form), the lab model and widget."""

import numpy as np
import pytest

from bplab import datasets, gradcheck, nn
from bplab.labs.regression_lab import RegressionLabModel, constant_losses, fit_line
from tests.widgets import exercise_every_control

# -- the dataset ----------------------------------------------------------------------------------

def test_regression_outliers_shapes_seed_and_share():
    X, y, mask = datasets.regression_outliers(50, 0.2, seed=3, return_mask=True)
    assert X.shape == (50, 1) and y.shape == (50, 1) and mask.shape == (50,) and mask.sum() == 10
    X2, y2 = datasets.regression_outliers(50, 0.2, seed=3)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(y, datasets.regression_outliers(50, 0.2, seed=4)[1])
    inlier_residual = y[~mask, 0] - X[~mask, 0]
    assert np.abs(inlier_residual).max() < 0.5           # noise 0.1 around y = x
    assert (y[mask, 0] - X[mask, 0]).min() > 2.5          # shifted up by 3 (1 + U(0, 1))
    assert datasets.regression_outliers(40, 0.0, seed=0, return_mask=True)[2].sum() == 0


@pytest.mark.parametrize("kwargs", [{"outlier_fraction": 1.0}, {"outlier_fraction": -0.1}, {"n_samples": 0},
                                    {"noise": -1.0}])
def test_regression_outliers_rejects_bad_input(kwargs):
    with pytest.raises((ValueError, TypeError)):
        datasets.regression_outliers(**kwargs)


# -- Huber's loss ---------------------------------------------------------------------------------

def _huber_closed_form(pred, target, delta):
    out = []
    for d in (pred - target).ravel():
        out.append(0.5 * d * d if abs(d) <= delta else delta * (abs(d) - 0.5 * delta))
    return sum(out) / len(out)


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_matches_its_closed_form_and_central_differences(delta):
    rng = np.random.default_rng(1)
    pred, target = rng.normal(size=(5, 3)) * 2, rng.normal(size=(5, 3))
    diff = pred - target
    pred = np.where(np.abs(np.abs(diff) - delta) < 1e-3, pred + 0.01, pred)  # keep off the seams for the check
    loss, dpred = nn.huber_loss(pred, target, delta)
    assert loss == pytest.approx(_huber_closed_form(pred, target, delta), rel=1e-12)
    numeric = gradcheck.numerical_gradient(lambda v: _huber_closed_form(v, target, delta), pred.copy())
    assert gradcheck.rel_error(dpred, numeric) < 1e-8


def test_huber_is_mse_over_two_near_the_target_and_mae_times_delta_far_from_it():
    small = np.array([0.1, -0.2, 0.05])
    assert nn.huber_loss(small, np.zeros(3), 1.0)[0] == pytest.approx(nn.mse_loss(small, np.zeros(3))[0] / 2)
    big = np.array([5.0, -7.0, 9.0])
    delta = 0.5
    assert nn.huber_loss(big, np.zeros(3), delta)[0] == pytest.approx(
        delta * nn.mae_loss(big, np.zeros(3))[0] - 0.5 * delta ** 2)
    np.testing.assert_allclose(nn.huber_loss(big, np.zeros(3), delta)[1], delta * np.sign(big) / 3)


@pytest.mark.parametrize("delta", [0, -1.0, float("nan"), True, "1"])
def test_huber_rejects_a_bad_delta(delta):
    with pytest.raises(ValueError):
        nn.huber_loss(np.zeros(2), np.zeros(2), delta)


def test_huber_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        nn.huber_loss(np.zeros(2), np.zeros(3))


# -- mean vs median, and the fit ------------------------------------------------------------------

def test_constant_minimizers_are_the_mean_and_the_median():
    y = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    grid = np.linspace(0, 100, 100_001)
    assert grid[np.argmin(constant_losses(y, grid, "mse"))] == pytest.approx(22.0, abs=1e-3)
    assert grid[np.argmin(constant_losses(y, grid, "mae"))] == pytest.approx(3.0, abs=1e-3)
    huber = grid[np.argmin(constant_losses(y, grid, "huber"))]
    # the outlier pulls with force delta = 1 at most, as does each point farther than delta: here it lands on 3
    assert huber == pytest.approx(3.0, abs=1e-3)


def test_mse_line_is_pulled_by_outliers_and_mae_line_is_not():
    X, y, mask = datasets.regression_outliers(60, 0.2, seed=0, return_mask=True)
    w_mse, b_mse = fit_line(X, y, "mse")
    w_mae, b_mae = fit_line(X, y, "mae")
    w_huber, b_huber = fit_line(X, y, "huber")
    least_squares = np.linalg.lstsq(np.column_stack([X[:, 0], np.ones(len(X))]), y[:, 0], rcond=None)[0]
    np.testing.assert_allclose([w_mse, b_mse], least_squares, atol=1e-3)  # gradient descent reached the optimum
    assert b_mse > 0.8 and abs(b_mae) < 0.1 and abs(b_mae) < b_huber < b_mse
    assert abs(w_mae - 1.0) < 0.1


def test_lab_model_and_widget():
    model = RegressionLabModel("mae", 0.3)
    assert model.best_constant == pytest.approx(model.median, abs=0.05)
    model.configure(loss="mse")
    assert model.best_constant == pytest.approx(model.mean, abs=0.05)
    with pytest.raises(ValueError):
        model.configure(loss="hinge")
    from bplab.widgets.regression_lab import RegressionLab

    lab = RegressionLab()
    exercise_every_control(lab, unchanged_ok=("delta",))  # delta matters to Huber only; the default loss is MSE
    lab.controls["loss"].value = "huber"
    before = lab.image.value
    lab.controls["delta"].value = 0.2
    assert lab.image.value != before and lab.model.delta == 0.2
    assert not lab.errors
