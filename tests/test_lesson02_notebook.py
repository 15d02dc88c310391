"""Lesson 02's notebook claims, asserted here by running the notebook's own code.

The spiral cell is executed from the notebook file itself, so the test and the
notebook cannot drift apart ("the same code path").
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
    namespace = {}
    exec(compile(_cell("# spiral-recipe"), str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - our own notebook
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
