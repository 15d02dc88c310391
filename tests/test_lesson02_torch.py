"""Lesson 02's losses, activations and linear layer against PyTorch (runs only where torch is installed).

torch is never a dependency of the course; where it is present, this pins bplab.nn to
torch's documented semantics: mean reductions, sign(0) = 0 in L1's gradient,
leaky ReLU's default slope, cross-entropy over integer labels.
"""

import numpy as np
import pytest

from bplab import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _torch_value_and_grad(fn, *arrays, grad_of=0):
    tensors = [torch.tensor(a, requires_grad=(i == grad_of)) for i, a in enumerate(arrays)]
    out = fn(*tensors)
    out.backward()
    return out.item(), tensors[grad_of].grad.numpy()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_softmax_cross_entropy(rng):
    logits, y = rng.normal(size=(7, 4)) * 3, rng.integers(0, 4, size=7)
    loss, dlogits = nn.softmax_cross_entropy(logits, y)
    logits_t = torch.tensor(logits, requires_grad=True)
    expected = F.cross_entropy(logits_t, torch.tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, logits_t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_bce_with_logits(rng):
    logits, target = rng.normal(size=(6, 3)) * 5, rng.integers(0, 2, size=(6, 3)).astype(float)
    loss, dlogits = nn.bce_with_logits(logits, target)
    value, grad = _torch_value_and_grad(F.binary_cross_entropy_with_logits, logits, target)
    assert loss == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(dlogits, grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("ours, theirs", [(nn.mse_loss, F.mse_loss), (nn.mae_loss, F.l1_loss)])
def test_regression_losses_including_a_zero_residual(rng, ours, theirs):
    pred, target = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    target[0, 0] = pred[0, 0]  # L1's subgradient at 0: torch uses sign(0) = 0
    loss, dpred = ours(pred, target)
    value, grad = _torch_value_and_grad(theirs, pred, target)
    assert loss == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(dpred, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, torch_fn", [("relu", F.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
                                            ("leaky_relu", F.leaky_relu)])
def test_activations(rng, name, torch_fn):
    x, dout = rng.normal(size=(4, 5)) * 3, rng.normal(size=(4, 5))
    out, cache = getattr(nn, f"{name}_forward")(x)
    dx = getattr(nn, f"{name}_backward")(dout, cache)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = torch_fn(x_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_linear_matches_torch_with_transposed_weight(rng):
    """bplab stores W as (D_in, D_out) and computes x @ W + b; torch's Linear stores W.T."""
    x, W, b, dout = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=(3, 2))
    out, cache = nn.linear_forward(x, W, b)
    dx, dW, db = nn.linear_backward(dout, cache)
    x_t, W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, W.T.copy(), b))
    out_t = F.linear(x_t, W_t, b_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12)
    for ours, theirs in [(dx, x_t.grad), (dW, W_t.grad.T), (db, b_t.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-15)
