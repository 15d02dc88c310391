"""bplab.lr_finder and the schedules' noisy problem: checked on cases with a known answer."""

import math

import numpy as np
import pytest

from bplab import lr_finder, optim
from bplab.labs.optimizer_mlp import FAMILIES, final_loss, spiral_range_test, train_once
from bplab.optim.noisy_regression import least_squares, sgd_excess_loss


def quadratic_problem(curvatures, start):
    """L(x) = 1/2 sum_i c_i x_i² with SGD on it: the loss blows up exactly when lr > 2 / max(c)."""
    c = np.asarray(curvatures, dtype=np.float64)
    x = np.array(start, dtype=np.float64)
    return (lambda t: (0.5 * float(np.sum(c * x * x)), [c * x])), optim.SGD([x], lr=1.0)


@pytest.mark.parametrize("curvature", [4.0, 0.3, 25.0])
def test_range_test_finds_two_over_the_curvature(curvature):
    loss_and_grads, opt = quadratic_problem([curvature], [1.0])
    test = lr_finder.range_test(loss_and_grads, opt, lr_min=1e-4, lr_max=100.0, steps=400, smoothing=0.0, blowup=1.0)
    factor = test.lrs[1] / test.lrs[0]
    # the first rate of the grid above 2 / L: the loss falls at every rate below it and grows after it
    assert 2 / curvature < test.blowup_lr <= 2 / curvature * factor * (1 + 1e-12)
    assert np.all(np.diff(test.losses[:-1]) <= 0) and test.losses[-1] > test.losses[-2]


def test_range_test_on_an_ill_conditioned_quadratic_is_an_upper_bound():
    """Below 2 / L_max every direction shrinks, so no loss can grow: the blow-up is never reported early. It shows
    once the stiff direction's growth dominates the loss, which takes a few steps more when that direction had
    already converged (here before the second curvature's own limit 2 / 1)."""
    for blowup in (1.0, 4.0):
        loss_and_grads, opt = quadratic_problem([0.01, 1.0, 10.0], [1.0, 1.0, 1.0])
        test = lr_finder.range_test(loss_and_grads, opt, lr_min=1e-4, lr_max=100.0, steps=300, blowup=blowup)
        assert 2 / 10.0 < test.blowup_lr < 2 / 1.0
        assert test.best_lr <= test.blowup_lr and test.suggested_lr() == pytest.approx(test.blowup_lr / 10)
    assert test.best_lr < test.blowup_lr and test.suggested_lr() == pytest.approx(test.blowup_lr / 10)


def test_range_test_smoothing_is_a_bias_corrected_average():
    losses = iter([4.0, 2.0, 1.0, 100.0, 100.0])
    test = lr_finder.range_test(lambda t: (next(losses), [np.zeros(1)]), optim.SGD([np.zeros(1)], lr=1.0), lr_min=1e-3,
                                lr_max=1.0, steps=5, smoothing=0.5, blowup=4.0)
    # averages: 4; (0.5*4*0.5 + 0.5*2) / 0.75 = 2.667; (..)/0.875; the 100 blows it up (> 4 x best)
    assert test.smoothed[0] == pytest.approx(4.0)
    assert test.smoothed[1] == pytest.approx((0.25 * 4 + 0.5 * 2) / 0.75)
    assert test.smoothed[2] == pytest.approx((0.125 * 4 + 0.25 * 2 + 0.5 * 1) / 0.875)
    assert len(test.lrs) == 4 and test.blowup_lr == test.lrs[2]


def test_range_test_never_blowing_up_and_nan():
    test = lr_finder.range_test(lambda t: (1.0 / (t + 1), [np.zeros(1)]), optim.SGD([np.zeros(1)], lr=1.0), lr_min=1e-3,
                                lr_max=1.0, steps=10)
    assert math.isnan(test.blowup_lr) and len(test.lrs) == 10 and test.best_lr == pytest.approx(1.0)
    values = iter([1.0, 0.5, float("nan")])
    test = lr_finder.range_test(lambda t: (next(values), [np.zeros(1)]), optim.SGD([np.zeros(1)], lr=1.0), lr_min=1e-3,
                                lr_max=1.0, steps=10)
    assert test.blowup_lr == test.lrs[1]


@pytest.mark.parametrize("kwargs, error", [({"lr_min": 0.0}, ValueError), ({"lr_min": 2.0, "lr_max": 1.0}, ValueError),
                                           ({"steps": 1}, ValueError), ({"steps": 2.5}, TypeError),
                                           ({"smoothing": 1.0}, ValueError), ({"blowup": 0.5}, ValueError)])
def test_range_test_bad_settings(kwargs, error):
    loss_and_grads, opt = quadratic_problem([1.0], [1.0])
    with pytest.raises(error):
        lr_finder.range_test(loss_and_grads, opt, **kwargs)


def test_sweep_picks_the_known_best_rate_and_reports_mean_and_stderr():
    def run(lr, seed):  # best at lr = 0.1; seeds add a known offset
        return (math.log10(lr) + 1) ** 2 + 0.01 * seed

    result = lr_finder.sweep(run, np.logspace(-3, 0, 7), seeds=(0, 1, 2))
    assert result.best_lr == pytest.approx(0.1)
    np.testing.assert_allclose(result.mean(), (np.log10(result.lrs) + 1) ** 2 + 0.01)
    np.testing.assert_allclose(result.stderr(), 0.01 / math.sqrt(3))


def test_sweep_treats_divergence_as_infinitely_bad():
    result = lr_finder.sweep(lambda lr, seed: float("nan") if lr > 0.5 else lr, [0.1, 1.0], seeds=(0, 1))
    assert np.isinf(result.losses[1]).all() and result.best_lr == 0.1
    with pytest.raises(ValueError):
        lr_finder.sweep(lambda lr, seed: 0.0, [], seeds=(0,))
    with pytest.raises(ValueError):
        lr_finder.sweep(lambda lr, seed: 0.0, [0.1], seeds=())


def test_spiral_range_test_falls_then_blows_up():
    test = spiral_range_test(FAMILIES["SGD"], steps=100)
    assert 1.0 < test.blowup_lr < 10.0  # SGD on this network: its curvature allows a few units at most
    assert test.smoothed.min() < 0.8 * test.smoothed[0]
    assert test.lrs[0] == pytest.approx(1e-4)


def test_train_once_and_final_loss():
    history = train_once(FAMILIES["Adam"], 0.01, seed=3, epochs=3)
    assert history.epochs == 3
    run = final_loss(FAMILIES["Adam"], epochs=3)
    assert run(0.01, 3) == pytest.approx(history.train_loss[-1], rel=1e-12)

    class Diverging:  # an update that sends the weights to NaN: fit stops with "diverged"
        def __init__(self, params, lr):
            self.params = params

        def step(self, grads):
            for p in self.params:
                p[...] = np.nan

    assert final_loss(Diverging, epochs=3)(0.1, 3) == math.inf  # a diverged run counts as infinitely bad


def test_least_squares_optimum_and_excess_loss():
    problem = least_squares(seed=0)
    full = np.arange(len(problem.y))
    np.testing.assert_allclose(problem.gradient(problem.optimum, full), 0.0, atol=1e-12)
    excess = sgd_excess_loss(problem, 0.05, 200, 10, seed=0)
    assert excess.shape == (201,) and np.all(excess >= -1e-12) and excess[-1] < 0.01 * excess[0]


def test_the_noise_floor_is_proportional_to_the_rate():
    """Section 7's question: halving a constant rate halves the floor (between 0.4 and 0.6)."""
    problem = least_squares(seed=0)
    floors = [np.mean([sgd_excess_loss(problem, lr, 1000, 10, s)[300:].mean() for s in range(5)]) for lr in (0.05, 0.025)]
    assert 0.4 < floors[1] / floors[0] < 0.6
