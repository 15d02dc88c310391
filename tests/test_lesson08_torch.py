"""Lesson 08's LSTM and truncated BPTT against PyTorch (runs only where torch is installed).

torch is never a dependency of the course; where it is present, this pins ``bplab.nn.lstm`` to
``torch.nn.LSTM``/``LSTMCell`` (gate order i, f, g, o; ``weight_ih_l0 = Wx.T``, ``weight_hh_l0 = Wh.T``,
``bias_ih_l0 + bias_hh_l0 = b``; zero initial cell state by default), and truncated BPTT to ``detach()``.
"""

import numpy as np
import pytest

from bplab import nn

torch = pytest.importorskip("torch")


def lstm_module(Wx, Wh, b, rng):
    D, G = Wx.shape
    module = torch.nn.LSTM(D, G // 4, batch_first=True).double()
    split = rng.normal(size=G)  # torch has two biases; only their sum matters
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(Wx.T))
        module.weight_hh_l0.copy_(torch.tensor(Wh.T))
        module.bias_ih_l0.copy_(torch.tensor(b - split))
        module.bias_hh_l0.copy_(torch.tensor(split))
    return module


@pytest.mark.parametrize("with_c0", [True, False])
@pytest.mark.parametrize("scale", [0.5, 30.0])
def test_lstm_forward_and_backward_equal_torch(with_c0, scale):
    rng = np.random.default_rng(0)
    N, T, D, H = 3, 6, 4, 5
    x, h0 = scale * rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    c0 = rng.normal(size=(N, H)) if with_c0 else None
    dh = rng.normal(size=(N, T, H))

    h, cache = nn.lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    grads = nn.lstm_backward(dh, cache)

    module = lstm_module(Wx, Wh, b, rng)
    tx = torch.tensor(x, requires_grad=True)
    th0 = torch.tensor(h0[None], requires_grad=True)
    tc0 = torch.tensor((c0 if with_c0 else np.zeros((N, H)))[None], requires_grad=True)
    out, _ = module(tx, (th0, tc0))
    (out * torch.tensor(dh)).sum().backward()

    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    expected = [tx.grad.numpy(), th0.grad.numpy()[0], module.weight_ih_l0.grad.numpy().T,
                module.weight_hh_l0.grad.numpy().T, module.bias_ih_l0.grad.numpy()]
    np.testing.assert_allclose(module.bias_hh_l0.grad.numpy(), expected[4], rtol=1e-12)
    if with_c0:
        expected.append(tc0.grad.numpy()[0])
    assert len(grads) == len(expected)
    for got, want in zip(grads, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_lstm_step_equals_torch_lstm_cell():
    rng = np.random.default_rng(1)
    N, D, H = 4, 3, 6
    x, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    h, c, cache = nn.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    dx, dh_prev, dc_prev, dWx, dWh, db = nn.lstm_step_backward(dh, dc, cache)

    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(Wx.T))
        cell.weight_hh.copy_(torch.tensor(Wh.T))
        cell.bias_ih.copy_(torch.tensor(b))
        cell.bias_hh.zero_()
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h_prev, c_prev))
    th_new, tc_new = cell(tx, (th, tc))
    ((th_new * torch.tensor(dh)).sum() + (tc_new * torch.tensor(dc)).sum()).backward()
    np.testing.assert_allclose(h, th_new.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(c, tc_new.detach().numpy(), rtol=1e-13, atol=1e-14)
    for got, want in [(dx, tx.grad), (dh_prev, th.grad), (dc_prev, tc.grad), (dWx, cell.weight_ih.grad.T),
                      (dWh, cell.weight_hh.grad.T), (db, cell.bias_ih.grad)]:
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("k", [1, 3])
def test_truncated_bptt_equals_detach_in_torch(k):
    """The loss term at t sees h_{t-k} as a constant: torch computes that by detaching it."""
    rng = np.random.default_rng(2)
    N, T, D, H = 2, 7, 3, 4
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, H)), 0.8 * rng.normal(size=(H, H)), rng.normal(size=H)
    dh = rng.normal(size=(N, T, H))
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    grads = nn.rnn_backward(dh, cache, truncate=k)

    tensors = [torch.tensor(a, requires_grad=True) for a in (x, h0, Wx, Wh, b)]
    tx, th0, tWx, tWh, tb = tensors
    with torch.no_grad():  # the untouched forward pass: where each window starts
        states, h = [], th0
        for t in range(T):
            h = torch.tanh(tx[:, t] @ tWx + h @ tWh + tb)
            states.append(h)
    total = 0
    for end in range(T):
        start = end - k + 1
        h = th0 if start <= 0 else states[start - 1].detach()
        for t in range(max(start, 0), end + 1):
            h = torch.tanh(tx[:, t] @ tWx + h @ tWh + tb)
        total = total + (h * torch.tensor(dh[:, end])).sum()
    total.backward()
    for got, tensor in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(got, tensor.grad.numpy(), rtol=1e-11, atol=1e-13)
