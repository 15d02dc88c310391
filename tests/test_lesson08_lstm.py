"""Lesson 08's reference numerics: the LSTM (every gradient against central differences), truncated BPTT,
the long-lag dataset and the recurrent classifier's training."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bplab import gradcheck, nn
from bplab.datasets import first_token
from bplab.grading.lessons.lesson08 import numerical_truncated_gradients
from bplab.nn.lstm import gate_gradients, state_gradients
from bplab.nn.rnn import hidden_state_gradients
from bplab.recurrent import accuracy, init_classifier, loss_and_gradients, spectral_norm, train

THRESHOLD = 1e-7


def lstm_inputs(seed=0, N=3, D=4, H=5, scale=0.6):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            scale * rng.normal(size=(D, 4 * H)), scale * rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H),
            rng.normal(size=(N, H)), rng.normal(size=(N, H)))


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# -- one step --------------------------------------------------------------------------------------------------

def test_step_forward_follows_torch_gate_order():
    x, h_prev, c_prev, Wx, Wh, b, _, _ = lstm_inputs()
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    h, c, _ = nn.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    np.testing.assert_allclose(c, f * c_prev + i * g, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(f * c_prev + i * g), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("scale", [0.6, 2.0])
@pytest.mark.parametrize("which", range(6))
def test_step_backward_matches_central_differences(which, scale):
    inputs = lstm_inputs(seed=which, scale=scale)
    dh, dc = inputs[6], inputs[7]
    _, _, cache = nn.lstm_step_forward(*inputs[:6])
    analytic = nn.lstm_step_backward(dh, dc, cache)[which]

    def f(v):
        args = list(inputs[:6])
        args[which] = v
        h, c, _ = nn.lstm_step_forward(*args)
        return float(np.sum(h * dh) + np.sum(c * dc))

    numeric = gradcheck.numerical_gradient(f, inputs[which].copy())
    assert gradcheck.rel_error(analytic, numeric) < THRESHOLD


def test_gate_gradients_are_the_gradients_of_the_cell_and_of_the_preactivations():
    x, h_prev, c_prev, Wx, Wh, b, dh, dc = lstm_inputs(seed=3)
    H = h_prev.shape[1]
    _, _, cache = nn.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    dc_total, da = gate_gradients(dh, dc, cache)
    a0 = x @ Wx + h_prev @ Wh + b

    def from_a(a):
        i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
        c = f * c_prev + i * g
        return float(np.sum(dh * o * np.tanh(c)) + np.sum(dc * c))

    assert gradcheck.rel_error(da, gradcheck.numerical_gradient(from_a, a0.copy())) < THRESHOLD
    o = sigmoid(a0[:, 3 * H:])
    c = nn.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)[1]
    numeric = gradcheck.numerical_gradient(lambda v: float(np.sum(dh * o * np.tanh(v)) + np.sum(dc * v)), c.copy())
    assert gradcheck.rel_error(dc_total, numeric) < THRESHOLD


def test_cell_path_jacobian_is_diag_of_the_forget_gate():
    """The notebook's section 6 claim: with h_prev fixed, dc_t/dc_{t-1} = diag(f_t)."""
    x, h_prev, c_prev, Wx, Wh, b, _, _ = lstm_inputs(seed=4, N=1)
    H = h_prev.shape[1]
    jacobian = np.stack([gradcheck.numerical_gradient(
        lambda v, j=j: float(nn.lstm_step_forward(x, h_prev, v, Wx, Wh, b)[1][0, j]), c_prev.copy())[0]
        for j in range(H)])
    forget = sigmoid((x @ Wx + h_prev @ Wh + b)[0, H:2 * H])
    np.testing.assert_allclose(jacobian, np.diag(forget), atol=1e-9)


# -- sequences ---------------------------------------------------------------------------------------------------

def sequence_inputs(seed=0, N=2, T=5, D=3, H=4, with_c0=True):
    rng = np.random.default_rng(seed)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = 0.7 * rng.normal(size=(D, 4 * H)), 0.7 * rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    c0 = rng.normal(size=(N, H)) if with_c0 else None
    return x, h0, Wx, Wh, b, c0, rng.normal(size=(N, T, H))


@pytest.mark.parametrize("with_c0", [True, False])
def test_sequence_backward_matches_central_differences(with_c0):
    x, h0, Wx, Wh, b, c0, dh = sequence_inputs(with_c0=with_c0)
    _, cache = nn.lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    grads = nn.lstm_backward(dh, cache)
    args = [x, h0, Wx, Wh, b] + ([c0] if with_c0 else [])
    assert len(grads) == len(args)  # dc0 only when c0 was given
    for which, analytic in enumerate(grads):
        def f(v, which=which):
            a = list(args)
            a[which] = v
            return float(np.sum(nn.lstm_forward(*a[:5], c0=a[5] if with_c0 else None)[0] * dh))
        assert gradcheck.rel_error(analytic, gradcheck.numerical_gradient(f, args[which].copy())) < THRESHOLD, which


def test_state_gradients_report_the_gradient_reaching_every_state():
    x, h0, Wx, Wh, b, c0, dh = sequence_inputs(seed=1)
    h, cache = nn.lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    dh_total, dc_total, grads = state_gradients(dh, cache)
    np.testing.assert_allclose(dh_total[:, -1], dh[:, -1])  # nothing comes back from after the last step
    t = 2  # dL/dh_t by perturbing h_t and re-running the rest of the sequence
    def rest(v):
        hs, c = [], cache["cells"][:, t]
        h_prev = v
        for s in range(t + 1, x.shape[1]):
            h_prev, c, _ = nn.lstm_step_forward(x[:, s], h_prev, c, Wx, Wh, b)
            hs.append(h_prev)
        return float(np.sum(np.stack(hs, axis=1) * dh[:, t + 1:]) + np.sum(v * dh[:, t]))
    numeric = gradcheck.numerical_gradient(rest, h[:, t].copy())
    assert gradcheck.rel_error(dh_total[:, t], numeric) < THRESHOLD
    np.testing.assert_array_equal(grads[2], nn.lstm_backward(dh, cache)[5])


def test_large_preactivations_stay_finite_and_warning_free():
    x, h0, Wx, Wh, b, c0, dh = sequence_inputs(seed=2)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        h, cache = nn.lstm_forward(1e3 * x, h0, 30 * Wx, 300 * Wh, 1e3 * b, c0=c0)
        grads = nn.lstm_backward(dh, cache)
        h1, c1, step = nn.lstm_step_forward(1e3 * x[:, 0], h0, c0, Wx, Wh, 1e3 * b)
        step_grads = nn.lstm_step_backward(dh[:, 0], dh[:, 1], step)
    a = (1e3 * x[:, 0]) @ (30 * Wx)
    assert np.abs(a).max() > 1e3
    for array in (h, *grads, h1, c1, *step_grads):
        assert np.all(np.isfinite(array))


def test_bad_inputs_raise_clear_errors():
    x, h0, Wx, Wh, b, c0, dh = sequence_inputs()
    with pytest.raises(ValueError, match="Wx must have shape"):
        nn.lstm_forward(x, h0, Wx[:, :-1], Wh, b)
    with pytest.raises(ValueError, match="Wh must have shape"):
        nn.lstm_forward(x, h0, Wx, Wh[:, :8], b[:8])
    with pytest.raises(ValueError, match="x must be 3-D"):
        nn.lstm_forward(x[0], h0, Wx, Wh, b)
    with pytest.raises(ValueError, match="c0 must have shape"):
        nn.lstm_forward(x, h0, Wx, Wh, b, c0=c0[:1])
    with pytest.raises(TypeError, match="cache must be the dict"):
        nn.lstm_backward(dh, [])
    _, cache = nn.lstm_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match="dh must have shape"):
        nn.lstm_backward(dh[:, :2], cache)
    with pytest.raises(TypeError):
        nn.lstm_step_forward("x", h0, c0, Wx, Wh, b)


# -- truncated BPTT ----------------------------------------------------------------------------------------------

def rnn_inputs(seed=0, N=2, T=6, D=3, H=4):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)), 0.8 * rng.normal(size=(H, H)),
            rng.normal(size=H), rng.normal(size=(N, T, H)))


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("everywhere", [True, False])
def test_truncated_bptt_is_the_gradient_with_the_far_state_held_constant(k, everywhere):
    x, h0, Wx, Wh, b, dh = rnn_inputs(seed=k)
    if not everywhere:
        dh[:, :-1] = 0.0
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    analytic = nn.rnn_backward(dh, cache, truncate=k)
    for got, expected in zip(analytic, numerical_truncated_gradients(x, h0, Wx, Wh, b, dh, k), strict=True):
        assert gradcheck.rel_error(got, expected) < THRESHOLD


def test_truncation_at_least_the_length_is_full_bptt_and_none_is_unchanged():
    x, h0, Wx, Wh, b, dh = rnn_inputs()
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    full = nn.rnn_backward(dh, cache)
    for k in (6, 100):
        for a, c in zip(nn.rnn_backward(dh, cache, truncate=k), full, strict=True):
            np.testing.assert_array_equal(a, c)


def test_inputs_beyond_the_window_get_exactly_zero_gradient():
    x, h0, Wx, Wh, b, dh = rnn_inputs(T=8)
    dh[:, :-1] = 0.0
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    dh_total, (dx, dh0, *_) = hidden_state_gradients(dh, cache, truncate=3)
    assert np.all(dx[:, :5] == 0) and np.all(dh0 == 0) and np.all(dh_total[:, :5] == 0)
    assert np.all(dx[:, 5:] != 0)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError), (True, TypeError)])
def test_bad_truncation_lengths_are_rejected(bad, error):
    x, h0, Wx, Wh, b, dh = rnn_inputs()
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    with pytest.raises(error, match="truncate"):
        nn.rnn_backward(dh, cache, truncate=bad)


# -- the dataset ---------------------------------------------------------------------------------------------------

def test_first_token_sequences():
    x, y = first_token(10, lag=7, n_classes=3, noise=0.5, seed=4)
    assert x.shape == (10, 8, 3) and x.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0], np.eye(3)[y])  # the first token is the label
    assert sorted(np.bincount(y)) == [3, 3, 4]  # balanced up to one
    assert 0.3 < x[:, 1:].std() < 0.7
    again, _ = first_token(10, lag=7, n_classes=3, noise=0.5, seed=4)
    np.testing.assert_array_equal(x, again)
    other, _ = first_token(10, lag=7, n_classes=3, noise=0.5, rng=np.random.default_rng(5))
    assert not np.array_equal(x, other)
    with pytest.raises(ValueError, match="noise"):
        first_token(4, 2, noise=-1)
    with pytest.raises(ValueError, match="n_classes"):
        first_token(4, 2, n_classes=1)


# -- training ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_classifier_gradients_match_central_differences(cell):
    x, y = first_token(6, lag=4, seed=1)
    model = init_classifier(cell, 4, 3, 4, seed=2, forget_bias=1.0)
    _, grads, norms = loss_and_gradients(model, x, y, state_norms=True)
    assert norms.shape == (5,)
    for name, param in model.params.items():
        def f(v, name=name):
            trial = model.copy()
            trial.params[name] = v
            return loss_and_gradients(trial, x, y)[0]
        assert gradcheck.rel_error(grads[name], gradcheck.numerical_gradient(f, param.copy())) < THRESHOLD, name


def test_init_as_torch_and_forget_bias():
    model = init_classifier("lstm", 4, 16, 4, seed=0, forget_bias=3.0)
    bound = 1 / np.sqrt(16)
    assert np.abs(model.params["Wh"]).max() <= bound
    assert np.all(model.params["b"][16:32] >= 3 - bound) and np.all(np.abs(model.params["b"][:16]) <= bound)
    with pytest.raises(ValueError, match="cell"):
        init_classifier("gru", 4, 16, 4)
    with pytest.raises(ValueError, match="recurrent"):
        init_classifier("lstm", 4, 16, 4, recurrent=np.eye(16))


def test_training_learns_a_short_lag_and_records_what_the_notebook_plots():
    x, y = first_token(256, lag=3, seed=0)
    model = init_classifier("rnn", 4, 8, 4, seed=0)
    log = train(model, x, y, updates=60, lr=0.03, clip=1.0, seed=0, record_at=(0, 60))
    assert log.checkpoints == [0, 60] and len(log.loss) == 60 and not log.diverged
    assert np.mean(log.loss[-10:]) < 0.5 * log.loss[0]
    assert accuracy(model, *first_token(256, lag=3, seed=9)) > 0.9
    assert log.spectral[-1] == pytest.approx(spectral_norm(model))


def test_learner_ops_give_the_reference_gradients():
    """ops= swaps in other forward/backward functions (the learner's); the solutions give the same numbers."""
    from bplab.loader import load
    from tests.paths import SOLUTIONS

    solutions = load("ex08_recurrent", SOLUTIONS)
    x, y = first_token(8, lag=5, seed=3)
    model = init_classifier("lstm", 4, 6, 4, seed=1, forget_bias=1.0)
    ref = loss_and_gradients(model, x, y)
    mine = loss_and_gradients(model, x, y, ops=solutions, state_norms=True)
    for name in ref[1]:
        np.testing.assert_allclose(mine[1][name], ref[1][name], rtol=1e-10, atol=1e-13)
