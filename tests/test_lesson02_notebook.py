"""Lesson 02's notebook claims, asserted here by running the notebook's own code.

The experiment cells are executed from the notebook file itself (found by a line
of their code), so the test and the notebook cannot drift apart ("the same code path").
"""

import importlib.util

import nbformat
import numpy as np
import pytest

from bplab import datasets, gradcheck, nn
from tests.paths import NOTEBOOKS, SOLUTIONS

NOTEBOOK = NOTEBOOKS / "02_backprop_mlp.ipynb"


def _cell(marker):
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"expected one code cell containing {marker!r}, found {len(cells)}"
    return cells[0]


@pytest.fixture(scope="module")
def spiral():
    namespace = {"np": np}
    exec(compile(_cell("max_epochs = 300"), str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def test_two_layer_relu_network_separates_the_spiral(spiral):
    assert spiral["spiral_accuracy"] >= 0.95
    assert spiral["history"].val_acc[-1] >= 0.95
    assert spiral["history"].stopped == "callback"  # the plateau criterion, before max_epochs
    assert spiral["history"].epochs < spiral["max_epochs"]


def test_linear_classifier_cannot(spiral):
    assert spiral["linear_accuracy"] < 0.65  # CS231n reports 49% for a linear classifier on this spiral


def test_activation_derivative_bounds():
    z = np.linspace(-5, 5, 1001)
    assert nn.sigmoid_backward(np.ones_like(z), nn.sigmoid_forward(z)[1]).max() == pytest.approx(0.25, abs=1e-6)
    assert nn.tanh_backward(np.ones_like(z), nn.tanh_forward(z)[1]).max() == pytest.approx(1.0, abs=1e-6)
    # And the bounds hold everywhere, not only on the grid: sigma' = s(1-s) <= 1/4, tanh' = 1 - t^2 <= 1.
    wide = np.random.default_rng(0).normal(scale=10, size=10_000)
    assert nn.sigmoid_backward(np.ones_like(wide), nn.sigmoid_forward(wide)[1]).max() <= 0.25


def test_naive_softmax_overflows_where_the_stable_one_does_not():
    big = np.array([[1000.0, -1000.0, 0.0]])
    with np.errstate(all="ignore"):
        naive = np.exp(big) / np.exp(big).sum()
    assert np.isnan(naive).any()
    assert nn.softmax_cross_entropy(big, np.array([1]))[0] == pytest.approx(2000.0)


def test_initial_loss_is_log_k():
    X, y = datasets.spirals(n_samples=300, n_classes=3, noise=0.2, seed=0)
    fresh = nn.mlp([2, 100, 3], "relu", rng=0, init=0.01)
    assert abs(nn.softmax_cross_entropy(fresh.forward(X), y)[0] - np.log(3)) < 0.01


def _solutions_module():
    spec = importlib.util.spec_from_file_location("ex02_solution_for_test", SOLUTIONS / "ex02_mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_each(module, backward, params, X, dscores):
    _, cache = module.two_layer_forward(X, params)
    grads = backward(dscores, cache)
    results = {}
    for key in params:
        def scores_of(value, key=key):
            return module.two_layer_forward(X, {**params, key: value})[0]
        results[key] = gradcheck.check_gradient(scores_of, params[key].copy(), grads[key], dout=dscores).passed
    return results


def test_planted_bug_shows_in_the_first_layer_only_and_hides_when_b1_is_zero():
    ex = _solutions_module()
    rng = np.random.default_rng(7)  # the notebook's inputs
    X = rng.normal(size=(6, 4))
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    dscores = rng.normal(size=(6, 3))
    assert _check_each(ex, ex.buggy_two_layer_backward, params, X, dscores) == {
        "W1": False, "b1": False, "W2": True, "b2": True}
    assert all(_check_each(ex, ex.fixed_two_layer_backward, params, X, dscores).values())
    zero_bias = {**params, "b1": np.zeros(5)}
    buggy = ex.buggy_two_layer_backward(dscores, ex.two_layer_forward(X, zero_bias)[1])
    fixed = ex.fixed_two_layer_backward(dscores, ex.two_layer_forward(X, zero_bias)[1])
    for key in params:
        np.testing.assert_allclose(buggy[key], fixed[key])  # the notebook's hint: invisible at b1 = 0


def _run(marker, namespace=None):
    namespace = {"np": np, "nn": nn, "datasets": datasets, "gradcheck": gradcheck, **(namespace or {})}
    exec(compile(_cell(marker), str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def test_steps_per_epoch_is_the_ceiling(spiral):
    assert len(spiral["X_train"]) == 240
    assert len(datasets.train_val_split(*datasets.spirals(300, 3, 0.2, seed=0), val_fraction=0.2, seed=1)[0]) == 240
    from bplab import train
    assert len(train.minibatches(240, 32, np.random.default_rng(0))) == 8 == -(-240 // 32)


def test_mse_on_a_saturated_sigmoid_stays_stuck_where_cross_entropy_recovers():
    ns = _run("def train_sigmoid_unit")
    ce, mse = ns["accuracy"]["cross-entropy"], ns["accuracy"]["MSE"]
    paired = ce - mse
    standard_error = paired.std(ddof=1) / np.sqrt(len(paired))
    assert len(paired) == 5 and ce.mean() > 0.95 and mse.mean() < 0.1
    assert paired.mean() > 10 * standard_error  # the ranking is far outside the seed-to-seed noise
    s = 1 / (1 + np.exp(5.0))
    assert (1 - s) / (2 * (1 - s) * s * (1 - s)) == pytest.approx(75.2, abs=0.05)


def test_gradient_check_pitfalls():
    kink = _run("relu_sum = lambda v")
    relu_sum, x_kink, analytic = kink["relu_sum"], kink["x_kink"], kink["analytic"]
    coarse = gradcheck.numerical_gradient(relu_sum, x_kink.copy(), h=1e-5)
    assert coarse[0] == pytest.approx(0.55) and gradcheck.rel_error(analytic, coarse) > 0.1
    fine = gradcheck.numerical_gradient(relu_sum, x_kink.copy(), h=1e-8)
    assert gradcheck.rel_error(analytic, fine) < 1e-7

    precision = _run("def central(f, x, h)")
    central, x_tanh, exact = precision["central"], precision["x_tanh"], precision["exact"]
    f = lambda v: np.sum(np.tanh(v))  # noqa: E731
    errors32 = [gradcheck.rel_error(central(f, x_tanh.astype(np.float32), np.float32(h)), exact)
                for h in precision["steps"]]
    errors64 = [gradcheck.rel_error(central(f, x_tanh, h), exact) for h in precision["steps"]]
    assert min(errors32) > 1e-6                        # no float32 step passes a 1e-7 threshold
    assert errors64[2] < 1e-10 and errors64[0] > 1e-4 and errors64[-1] > 1e-7  # h = 1e-5 good, extremes bad

    hidden = _run("true_grad = np.array([1.0, -2.0, 3e-9])")
    assert gradcheck.compare("g", hidden["wrong_grad"], hidden["true_grad"]).passed
    assert not gradcheck.compare("g", hidden["wrong_grad"][2:], hidden["true_grad"][2:]).passed


def test_a_sampled_check_catches_a_one_column_bug_only_when_it_samples_that_column():
    ns = _run("buggy_dW[:, 7] *= 0.5")
    hits = []
    for seed in range(100):
        rng = np.random.default_rng(seed)
        indices = rng.choice(ns["W_big"].size, size=20, replace=False)
        hits.append(bool(np.any(indices % 100 == 7)))
    assert ns["caught"] == hits                        # "exactly when a sample hits the wrong column"
    assert 0.05 < np.mean(ns["caught"]) < 0.35


def test_regression_fits_follow_the_mean_and_the_median():
    ns = _run("intercepts = {\"mse\": [], \"mae\": [], \"huber\": []}")
    b = ns["intercepts"]
    assert b["mse"].mean() > 0.7 and np.abs(b["mae"]).max() < 0.1
    assert np.all(np.abs(b["mae"]) < b["huber"]) and np.all(b["huber"] < b["mse"])
    gap = ns["gap"]
    assert gap.mean() > 10 * gap.std(ddof=1) / np.sqrt(len(gap))


def test_mae_subgradient_at_a_tie_is_zero_and_matches_central_differences():
    pred, target = np.array([0.5, 1.0, 2.0]), np.array([0.5, 0.0, 3.0])
    _, dpred = nn.mae_loss(pred, target)
    numeric = gradcheck.numerical_gradient(lambda v: nn.mae_loss(v, target)[0], pred.copy())
    assert dpred[0] == 0.0 and numeric[0] == 0.0
    np.testing.assert_allclose(dpred, numeric, atol=1e-10)


def test_two_by_two_softmax_jacobian_of_the_text():
    ns = _run("z = np.array([0.0, np.log(3.0)])")
    np.testing.assert_allclose(ns["jacobian"], [[3 / 16, -3 / 16], [-3 / 16, 3 / 16]], atol=1e-9)
    p = ns["softmax_row"](ns["z"])
    np.testing.assert_allclose(ns["jacobian"].T @ np.array([0.0, -4 / 3]), p - np.array([0.0, 1.0]), atol=1e-9)
