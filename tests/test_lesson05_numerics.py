"""Lesson 05's reference numerics: dropout, batch norm, penalties, early stopping, the layer objects.

References are numerical gradients (bplab.gradcheck), closed forms, and a batch norm
written out feature by feature (independent of bplab.nn.batchnorm's vectorized code).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bplab import gradcheck, nn, optim
from bplab.nn.layers import Linear, ReLU, Sequential
from bplab.nn.regularization_layers import BatchNorm, Dropout, GaussianNoise, state_arrays
from bplab.regularization import (
    EarlyStopping,
    Penalized,
    add_penalties,
    early_stopping,
    l1_penalty,
    l2_penalty,
    soft_threshold,
)
from bplab.train import fit


def rng(seed=0):
    return np.random.default_rng(seed)


# -- dropout -------------------------------------------------------------------------------------

def test_dropout_fixed_mask_closed_form_and_gradient():
    x, dout = rng().normal(size=(5, 7)), rng(1).normal(size=(5, 7))
    mask = rng(2).random((5, 7)) >= 0.4
    out, cache = nn.dropout_forward(x, 0.4, True, mask=mask)
    np.testing.assert_array_equal(out, np.where(mask, x / 0.6, 0.0))
    result = gradcheck.check_gradient(lambda v: nn.dropout_forward(v, 0.4, True, mask=mask)[0], x.copy(),
                                      nn.dropout_backward(dout, cache), dout=dout)
    assert result.passed, result


def test_dropout_eval_is_identity_and_gradient_passes_through():
    x, dout = rng().normal(size=(4, 3)), rng(1).normal(size=(4, 3))
    out, cache = nn.dropout_forward(x, 0.7, False, rng())
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(nn.dropout_backward(dout, cache), dout)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_statistics_binomial(p):
    x = np.ones((400, 250))
    out, _ = nn.dropout_forward(x, p, True, rng(3))
    n = x.size
    sd = math.sqrt(p * (1 - p) / n)
    assert abs(np.mean(out == 0) - p) < 5 * sd
    assert abs(out.mean() - 1.0) < 5 * sd / (1 - p)  # E[out] = x: inverted scaling preserves the mean
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p), rtol=1e-15)


def test_dropout_extremes_like_torch():
    x = rng().normal(size=(3, 4))
    with np.errstate(all="raise"):  # p = 1 must not divide by zero
        out, cache = nn.dropout_forward(x, 1.0, True, rng())
    np.testing.assert_array_equal(out, np.zeros_like(x))
    np.testing.assert_array_equal(nn.dropout_backward(np.ones_like(x), cache), np.zeros_like(x))
    np.testing.assert_array_equal(nn.dropout_forward(x, 0.0, True)[0], x)  # certain masks need no rng


def test_dropout_bad_inputs():
    x = np.ones((2, 2))
    for p in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="probability of dropping"):
            nn.dropout_forward(x, p, True, rng())
    with pytest.raises(TypeError):
        nn.dropout_forward(x, "0.5", True, rng())
    with pytest.raises(ValueError, match="rng"):
        nn.dropout_forward(x, 0.5, True)
    with pytest.raises(TypeError, match="Generator"):
        nn.dropout_forward(x, 0.5, True, 0)
    with pytest.raises(ValueError, match="shape"):
        nn.dropout_forward(x, 0.5, True, mask=np.ones((3, 2), dtype=bool))
    with pytest.raises(TypeError, match="boolean"):
        nn.dropout_forward(x, 0.5, True, mask=np.ones((2, 2)))


# -- batch norm ----------------------------------------------------------------------------------

def straightforward_batchnorm(x, gamma, beta, mean, var, eps):
    """Feature by feature, with Python's math: the independent reference."""
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        for i in range(x.shape[0]):
            out[i, j] = gamma[j] * (x[i, j] - mean[j]) / math.sqrt(var[j] + eps) + beta[j]
    return out


def batch_stats(x):
    n = x.shape[0]
    means = [sum(x[:, j]) / n for j in range(x.shape[1])]
    squares = [sum((x[i, j] - means[j]) ** 2 for i in range(n)) for j in range(x.shape[1])]
    return np.array(means), np.array(squares) / n, np.array(squares) / (n - 1)


def bn_inputs(n=6, d=4):
    g = rng(5)
    return (g.normal(2.0, 3.0, size=(n, d)), g.uniform(0.5, 2, size=d), g.normal(size=d),
            {"mean": g.normal(size=d), "var": g.uniform(0.5, 2, size=d)}, g.normal(size=(n, d)))


@pytest.mark.parametrize("momentum, eps", [(0.1, 1e-5), (0.5, 0.1), (0.0, 1e-5), (1.0, 1e-5)])
def test_batchnorm_train_matches_formula_and_updates_running_in_place(momentum, eps):
    x, gamma, beta, running, _ = bn_inputs()
    before = {k: v.copy() for k, v in running.items()}
    arrays = (running["mean"], running["var"])
    out, _ = nn.batchnorm_forward(x, gamma, beta, running, True, momentum, eps)
    mean, biased, unbiased = batch_stats(x)
    np.testing.assert_allclose(out, straightforward_batchnorm(x, gamma, beta, mean, biased, eps), rtol=1e-12)
    np.testing.assert_allclose(running["mean"], (1 - momentum) * before["mean"] + momentum * mean, rtol=1e-12)
    np.testing.assert_allclose(running["var"], (1 - momentum) * before["var"] + momentum * unbiased, rtol=1e-12)
    assert running["mean"] is arrays[0] and running["var"] is arrays[1]  # the arrays themselves were updated


def test_batchnorm_eval_uses_running_and_changes_nothing():
    x, gamma, beta, running, _ = bn_inputs()
    before = {k: v.copy() for k, v in running.items()}
    out, _ = nn.batchnorm_forward(x, gamma, beta, running, False)
    np.testing.assert_allclose(out, straightforward_batchnorm(x, gamma, beta, before["mean"], before["var"], 1e-5),
                               rtol=1e-12)
    for key in running:
        np.testing.assert_array_equal(running[key], before[key])


def test_batchnorm_train_output_is_standardized():
    x, _, _, running, _ = bn_inputs(n=50, d=3)
    out, _ = nn.batchnorm_forward(x, np.ones(3), np.zeros(3), running, True)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-14)
    _, biased, _ = batch_stats(x)
    np.testing.assert_allclose(out.var(axis=0), biased / (biased + 1e-5), rtol=1e-12)  # 1 up to eps


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_backward_against_numerical_gradients(train):
    x, gamma, beta, running, dout = bn_inputs()
    _, cache = nn.batchnorm_forward(x, gamma, beta, {k: v.copy() for k, v in running.items()}, train)
    grads = nn.batchnorm_backward(dout, cache)
    inputs = [x, gamma, beta]
    for i, name in enumerate(("dx", "dgamma", "dbeta")):
        def f(v, i=i):
            args = [v if j == i else a for j, a in enumerate(inputs)]
            return nn.batchnorm_forward(*args, {k: a.copy() for k, a in running.items()}, train)[0]
        result = gradcheck.check_gradient(f, inputs[i].copy(), grads[i], dout=dout, name=name)
        assert result.passed, result


def test_batchnorm_dx_is_orthogonal_to_shifts_and_scales():
    """In training the output ignores a per-feature shift or scale of the batch, so dx sums to 0 and is orthogonal to x_hat."""
    x, gamma, beta, running, dout = bn_inputs(n=10)
    out, cache = nn.batchnorm_forward(x, gamma, beta, running, True, eps=1e-300)  # exact invariance needs eps -> 0
    dx, _, _ = nn.batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose((dx * (out - beta)).sum(axis=0), 0.0, atol=1e-12)


def test_batchnorm_bad_inputs():
    x, gamma, beta, running, _ = bn_inputs()
    with pytest.raises(ValueError, match="more than 1 sample"):
        nn.batchnorm_forward(x[:1], gamma, beta, running, True)
    with pytest.raises(ValueError, match="gamma"):
        nn.batchnorm_forward(x, gamma[:2], beta, running, True)
    with pytest.raises(TypeError, match="running"):
        nn.batchnorm_forward(x, gamma, beta, {"mean": running["mean"]}, True)
    with pytest.raises(TypeError, match="float64"):
        nn.batchnorm_forward(x, gamma, beta, {"mean": [0.0] * 4, "var": running["var"]}, True)
    with pytest.raises(ValueError, match="momentum"):
        nn.batchnorm_forward(x, gamma, beta, running, True, momentum=1.5)
    with pytest.raises(ValueError, match="eps"):
        nn.batchnorm_forward(x, gamma, beta, running, True, eps=0.0)
    with pytest.raises(ValueError, match="2-D"):
        nn.batchnorm_forward(x[0], gamma, beta, running, True)


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    x, gamma, beta, running, _ = bn_inputs()
    layer = torch.nn.BatchNorm1d(4, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
        layer.running_mean.copy_(torch.from_numpy(running["mean"]))
        layer.running_var.copy_(torch.from_numpy(running["var"]))
    expected = layer.train()(torch.from_numpy(x)).detach().numpy()
    out, _ = nn.batchnorm_forward(x, gamma, beta, running, True)
    np.testing.assert_allclose(out, expected, rtol=1e-10)
    np.testing.assert_allclose(running["var"], layer.running_var.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(torch.nn.functional.dropout(torch.ones(3, 3), 1.0, True).numpy(),
                                  nn.dropout_forward(np.ones((3, 3)), 1.0, True)[0])


# -- layer objects ---------------------------------------------------------------------------------

def test_layers_follow_the_protocol_and_gradient_check_in_a_network():
    X = rng().normal(size=(8, 3))
    y = rng(1).integers(0, 2, size=8)
    net = Sequential([Linear(3, 5, rng(2)), BatchNorm(5), ReLU(), Dropout(0.3, rng(3)), Linear(5, 2, rng(4))])
    mask_seed = 11

    def loss(train=True):
        net.layers[3].rng = rng(mask_seed)  # the same dropout mask on every call
        return nn.softmax_cross_entropy(net.forward(X, train=train), y)

    buffers = net.layers[1].buffers
    state = [a.copy() for a in buffers]

    def restore():  # each forward in training moves the running statistics: put them back
        for a, s in zip(buffers, state, strict=True):
            a[...] = s

    _, dout = loss()
    net.backward(dout)
    # The bias right before batch norm shifts every sample alike, which batch norm removes: its gradient is 0.
    np.testing.assert_allclose(net.grads[1], 0.0, atol=1e-12)
    for param, grad in [pg for k, pg in enumerate(zip(net.params, net.grads, strict=True)) if k != 1]:
        def f(_):
            restore()
            return loss()[0]
        result = gradcheck.check_gradient(f, param, grad.copy(), name=f"param {param.shape}")
        assert result.passed, result
    assert len(state_arrays(net)) == len(net.params) + 2  # + the batch norm's running mean and var


def test_batchnorm_layer_keeps_buffers_when_ops_rebind_the_dict():
    def rebinding_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
        out, cache = nn.batchnorm_forward(x, gamma, beta, {k: v.copy() for k, v in running.items()}, train,
                                          momentum, eps)
        running["mean"] = running["mean"] + 1.0  # a learner's style: new arrays in the dict
        return out, cache

    class Ops:
        batchnorm_forward = staticmethod(rebinding_forward)
        batchnorm_backward = staticmethod(nn.batchnorm_backward)

    layer = BatchNorm(3, ops=Ops)
    buffer = layer.buffers[0]
    layer.forward(rng().normal(size=(4, 3)))
    assert layer.running["mean"] is buffer
    np.testing.assert_array_equal(buffer, np.ones(3))


def test_gaussian_noise_layer():
    layer = GaussianNoise(0.5, rng())
    x = np.zeros((2000, 2))
    assert abs(layer.forward(x).std() - 0.5) < 0.02
    np.testing.assert_array_equal(layer.forward(x, train=False), x)
    np.testing.assert_array_equal(layer.backward(np.ones(3)), np.ones(3))


# -- penalties -----------------------------------------------------------------------------------

def test_penalties_closed_forms_and_gradients():
    W = rng().normal(size=(4, 3))
    W[0, 0] = 0.0
    value, grad = l2_penalty(W, 0.3)
    assert value == pytest.approx(0.15 * np.sum(W ** 2), rel=1e-15)
    assert gradcheck.compare("dW", grad, gradcheck.numerical_gradient(lambda v: 0.15 * np.sum(v ** 2), W.copy())).passed
    value, grad = l1_penalty(W, 0.3)
    assert value == pytest.approx(0.3 * np.sum(np.abs(W)), rel=1e-15)
    np.testing.assert_array_equal(grad, 0.3 * np.sign(W))
    assert grad[0, 0] == 0.0
    with pytest.raises(ValueError, match="strength"):
        l2_penalty(W, -1.0)


def test_soft_threshold_is_the_proximal_operator():
    w = np.array([-2.0, -0.3, 0.0, 0.1, 0.5, 3.0])
    np.testing.assert_array_equal(soft_threshold(w, 0.5), [-1.5, 0.0, 0.0, 0.0, 0.0, 2.5])
    # argmin_v 1/2 (v - w)^2 + t |v|, by brute force on a fine grid
    grid = np.linspace(-4, 4, 80001)
    for value in w:
        brute = grid[np.argmin(0.5 * (grid - value) ** 2 + 0.5 * np.abs(grid))]
        assert soft_threshold(np.array([value]), 0.5)[0] == pytest.approx(brute, abs=1e-4)


def test_add_penalties_skips_biases():
    W, b = rng().normal(size=(3, 2)), rng(1).normal(size=2)
    gW, gb = np.zeros_like(W), np.zeros_like(b)
    total = add_penalties([W, b], [gW, gb], l1=0.1, l2=0.2)
    assert total == pytest.approx(0.1 * np.abs(W).sum() + 0.1 * (W ** 2).sum())
    np.testing.assert_allclose(gW, 0.1 * np.sign(W) + 0.2 * W)
    np.testing.assert_array_equal(gb, 0.0)


def test_sgd_weight_decay_equals_l2_penalty_exactly():
    """torch.optim.SGD(weight_decay=lam) == SGD on loss + lam/2 ||W||^2, bit for bit (the notebook's claim)."""
    X, W0, target = rng().normal(size=(20, 3)), rng(1).normal(size=(3, 2)), rng(2).normal(size=(20, 2))
    a, b = W0.copy(), W0.copy()
    decay = optim.SGD([a], lr=0.05, momentum=0.9, weight_decay=0.1)
    penalty = Penalized(optim.SGD([b], lr=0.05, momentum=0.9), l2=0.1)
    for _ in range(50):
        decay.step([X.T @ (X @ a - target) / 20])
        penalty.step([X.T @ (X @ b - target) / 20])
    np.testing.assert_array_equal(a, b)


# -- early stopping ------------------------------------------------------------------------------

@pytest.mark.parametrize("losses, patience, min_delta, expected", [
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.69, 0.8], 3, 0.0, (2, 5)),
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.69, 0.8], 4, 0.0, (6, None)),
    ([1.0, 0.97, 0.96, 0.9], 2, 0.05, (0, 2)),
    ([1.0, 1.0, 1.0], 2, 0.0, (0, 2)),
    ([float("nan"), float("nan")], 2, 0.0, (None, 1)),
    ([], 1, 0.0, (None, None)),
])
def test_early_stopping_rule(losses, patience, min_delta, expected):
    assert early_stopping(losses, patience, min_delta) == expected


def test_early_stopping_bad_inputs():
    with pytest.raises(ValueError, match="patience"):
        early_stopping([1.0], 0)
    with pytest.raises(TypeError, match="patience"):
        early_stopping([1.0], 2.5)


def test_early_stopping_callback_stops_fit_and_restores_best_weights():
    from bplab.datasets import moons

    X, y = moons(40, 0.35, seed=0)
    X_val, y_val = moons(200, 0.35, seed=1000)
    net = Sequential([Linear(2, 32, rng(1)), BatchNorm(32), ReLU(), Linear(32, 2, rng(2))])
    stopper = EarlyStopping(net, patience=5)
    history = fit(net, nn.softmax_cross_entropy, optim.SGD(net.params, lr=0.3, momentum=0.9), X, y, epochs=300,
                  batch_size=40, rng=0, X_val=X_val, y_val=y_val, callback=stopper)
    assert history.stopped == "callback"
    assert stopper.stop_epoch == len(history.val_loss) - 1 == stopper.best_epoch + 5
    restored = nn.softmax_cross_entropy(net.forward(X_val, train=False), y_val)[0]
    assert restored == history.val_loss[stopper.best_epoch]  # weights and running stats of the best epoch, exactly


def test_early_stopping_needs_validation():
    stopper = EarlyStopping([np.zeros(2)], patience=2)
    with pytest.raises(ValueError, match="X_val"):
        stopper(1, type("H", (), {"val_loss": []})())
