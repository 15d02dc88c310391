"""Lesson 03: the RNN layers against numerical gradients, clipping against torch's rule, the deep stack."""

import math

import numpy as np
import pytest

from bplab import deepnet, gradcheck, nn
from bplab.nn.rnn import hidden_state_gradients
from bplab.optim import clip_grad_norm

RNG = np.random.default_rng(30)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_step_gradients(nonlinearity):
    inputs = {"x": RNG.normal(size=(3, 4)), "h_prev": RNG.normal(size=(3, 5)), "Wx": RNG.normal(size=(4, 5)),
              "Wh": RNG.normal(size=(5, 5)) * 0.5, "b": RNG.normal(size=5)}
    forward = lambda *a: nn.rnn_step_forward(*a, nonlinearity=nonlinearity)
    results = gradcheck.check_layer(forward, nn.rnn_step_backward, inputs, rng=np.random.default_rng(1))
    assert all(r.passed for r in results), [str(r) for r in results]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_bptt_gradients(nonlinearity):
    inputs = {"x": RNG.normal(size=(2, 6, 3)), "h0": RNG.normal(size=(2, 4)), "Wx": RNG.normal(size=(3, 4)),
              "Wh": RNG.normal(size=(4, 4)) * 0.5, "b": RNG.normal(size=4)}
    forward = lambda *a: nn.rnn_forward(*a, nonlinearity=nonlinearity)
    results = gradcheck.check_layer(forward, nn.rnn_backward, inputs, rng=np.random.default_rng(2))
    assert all(r.passed for r in results), [str(r) for r in results]


def test_rnn_forward_is_the_recurrence_and_hidden_gradients_accumulate():
    x, h0 = RNG.normal(size=(2, 4, 3)), RNG.normal(size=(2, 5))
    Wx, Wh, b = RNG.normal(size=(3, 5)), RNG.normal(size=(5, 5)), RNG.normal(size=5)
    h, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    state = h0
    for t in range(4):
        state = np.tanh(x[:, t] @ Wx + state @ Wh + b)
        np.testing.assert_allclose(h[:, t], state, rtol=1e-13)
    dh = RNG.normal(size=h.shape)
    dh_total, grads = hidden_state_gradients(dh, cache)
    np.testing.assert_array_equal(dh_total[:, -1], dh[:, -1])  # nothing flows into the last step from later
    for got, expected in zip(grads, nn.rnn_backward(dh, cache)):
        np.testing.assert_array_equal(got, expected)


def test_rnn_bad_inputs():
    with pytest.raises(ValueError, match="Wh"):
        nn.rnn_step_forward(np.ones((2, 3)), np.ones((2, 4)), np.ones((3, 4)), np.ones((4, 5)), np.ones(4))
    with pytest.raises(ValueError, match="x must be 3-D"):
        nn.rnn_forward(np.ones((2, 3)), np.ones((2, 4)), np.ones((3, 4)), np.ones((4, 4)), np.ones(4))
    with pytest.raises(ValueError, match="h0"):
        nn.rnn_forward(np.ones((2, 5, 3)), np.ones((3, 4)), np.ones((3, 4)), np.ones((4, 4)), np.ones(4))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.rnn_step_forward(np.ones((2, 3)), np.ones((2, 4)), np.ones((3, 4)), np.ones((4, 4)), np.ones(4),
                            nonlinearity="sigmoid")


def test_clip_scales_by_torch_coefficient_and_returns_the_norm_before():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]])]
    total = clip_grad_norm(grads, 1.0)
    assert total == 5.0
    np.testing.assert_allclose(grads[0], [3.0 / (5.0 + 1e-6), 0.0], rtol=1e-15)
    np.testing.assert_allclose(grads[1], [[4.0 / (5.0 + 1e-6)]], rtol=1e-15)


def test_clip_leaves_small_gradients_alone_and_handles_edge_cases():
    grads = [np.array([0.3, 0.4])]
    keep = grads[0]
    assert clip_grad_norm(grads, 1.0) == pytest.approx(0.5)
    assert grads[0] is keep and np.array_equal(keep, [0.3, 0.4])
    # Exactly at max_norm the coefficient is max_norm / (max_norm + 1e-6) < 1: torch scales (a hair).
    at = [np.array([1.0])]
    clip_grad_norm(at, 1.0)
    assert at[0][0] == pytest.approx(1 / (1 + 1e-6), rel=1e-15)
    assert clip_grad_norm([], 1.0) == 0.0
    huge = [np.array([1e200, 1e200])]
    assert clip_grad_norm(huge, 1.0) == pytest.approx(math.sqrt(2) * 1e200)
    np.testing.assert_allclose(huge[0], [2 ** -0.5] * 2)
    with pytest.raises(ValueError, match="total norm"):
        clip_grad_norm([np.array([np.inf])], 1.0, error_if_nonfinite=True)


def test_clip_bad_inputs():
    with pytest.raises(TypeError, match="float64"):
        clip_grad_norm([np.array([1, 2])], 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm([np.ones(2)], 0.0)
    with pytest.raises(TypeError, match="list"):
        clip_grad_norm("grads", 1.0)


@pytest.mark.parametrize("activation", list(deepnet.ACTIVATIONS))
@pytest.mark.parametrize("residual", [False, True])
def test_deepnet_backward_matches_numerical_gradients(activation, residual):
    rng = np.random.default_rng(31)
    x = rng.normal(size=(3, 4))
    weights = deepnet.make_weights(4, 4, "xavier_normal", rng)
    dout = rng.normal(size=(3, 4))
    dW, da, dx = deepnet.backward(dout, deepnet.forward(x, weights, activation, residual)[2], activation, residual)
    for k in range(4):
        loss = lambda W_k, k=k: np.sum(deepnet.forward(x, weights[:k] + [W_k] + weights[k + 1:], activation,
                                                       residual)[1] * dout)
        assert gradcheck.rel_error(dW[k], gradcheck.numerical_gradient(loss, weights[k].copy())) < 1e-7
    numeric_dx = gradcheck.numerical_gradient(lambda v: np.sum(deepnet.forward(v, weights, activation, residual)[1]
                                                               * dout), x.copy())
    assert gradcheck.rel_error(dx, numeric_dx) < 1e-7


def test_gaussian_moments_closed_forms():
    assert deepnet.gaussian_moments("relu", 4.0)[1:] == pytest.approx((2.0, 0.5), rel=1e-12)
    assert deepnet.gaussian_moments("linear", 3.0)[1:] == pytest.approx((3.0, 1.0), rel=1e-12)
    assert deepnet.gaussian_moments("sigmoid", 2.0)[0] == pytest.approx(0.5, abs=1e-12)
    assert deepnet.gaussian_moments("tanh", 1e-8)[2] == pytest.approx(1.0, rel=1e-6)
    # E[tanh'(z)^2] for z ~ N(0, 1), by brute-force Monte Carlo on a fixed sample.
    z = np.random.default_rng(0).normal(size=2_000_000)
    assert deepnet.gaussian_moments("tanh", 1.0)[2] == pytest.approx(np.mean((1 - np.tanh(z) ** 2) ** 2), rel=2e-3)
