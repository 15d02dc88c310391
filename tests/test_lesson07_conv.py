"""Lesson 07: the reference convolution and max pooling (bplab.nn.conv).

Independent references: the loop implementations in ``bplab.grading.lessons.lesson07`` (the definition, one
output position at a time), central differences of them, closed forms, and torch when it is importable.
"""

import numpy as np
import pytest

from bplab import gradcheck, nn
from bplab.grading.lessons.lesson07 import (
    naive_conv2d,
    naive_conv2d_dx,
    naive_maxpool2d,
    naive_maxpool2d_dx,
    numerical_conv_gradients,
)

# (x shape, (F, KH, KW), stride, pad): square, non-square, stride 2 with pad 1, stride 3, a stride that leaves
# the last rows uncovered, a kernel as large as the padded input, and 1x1.
CONV_CASES = [
    ((2, 3, 5, 5), (4, 3, 3), 1, 0),
    ((2, 2, 7, 6), (3, 3, 2), 2, 1),
    ((1, 2, 6, 6), (2, 3, 3), 2, 0),
    ((2, 1, 8, 9), (2, 2, 3), 3, 2),
    ((1, 2, 4, 3), (2, 6, 5), 1, 1),
    ((3, 4, 3, 3), (5, 1, 1), 1, 0),
]


def _conv_inputs(case, seed=0):
    x_shape, (f, kh, kw), stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=x_shape)
    W = rng.normal(size=(f, x_shape[1], kh, kw))
    b = rng.normal(size=f)
    return x, W, b, stride, pad, rng


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_forward_matches_the_loop_definition(case):
    x, W, b, stride, pad, _ = _conv_inputs(case)
    out, _ = nn.conv2d_forward(x, W, b, stride=stride, pad=pad)
    expected = naive_conv2d(x, W, b, stride, pad)
    assert out.shape == expected.shape
    assert out.shape[2] == (x.shape[2] + 2 * pad - W.shape[2]) // stride + 1
    assert gradcheck.rel_error(out, expected) < 1e-12


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_backward_matches_central_differences_of_the_loop(case):
    x, W, b, stride, pad, rng = _conv_inputs(case)
    out, cache = nn.conv2d_forward(x, W, b, stride=stride, pad=pad)
    dout = rng.normal(size=out.shape)
    dx, dW, db = nn.conv2d_backward(dout, cache)
    numeric = numerical_conv_gradients(x, W, b, stride, pad, dout)
    for name, analytic, expected in zip(("dx", "dW", "db"), (dx, dW, db), numeric):
        result = gradcheck.compare(name, analytic, expected, threshold=1e-8)
        assert result.passed, result.message
    assert gradcheck.rel_error(dx, naive_conv2d_dx(dout, x.shape, W, stride, pad)) < 1e-12


def test_rows_that_no_window_reaches_get_zero_gradient():
    x = np.ones((1, 1, 6, 6))
    out, cache = nn.conv2d_forward(x, np.ones((1, 1, 3, 3)), np.zeros(1), stride=2)  # windows start at 0 and 2
    dx, _, _ = nn.conv2d_backward(np.ones_like(out), cache)
    assert out.shape == (1, 1, 2, 2)
    assert np.all(dx[0, 0, 5, :] == 0) and np.all(dx[0, 0, :, 5] == 0)
    assert dx[0, 0, 2, 2] == 4  # covered by all four windows


def test_closed_forms():
    # A ones kernel over a ones image with pad 1 counts the covered pixels: 4 at corners, 6 on edges, 9 inside.
    out, _ = nn.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.zeros(1), pad=1)
    expected = np.array([[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])
    assert np.array_equal(out[0, 0], expected)
    # The identity kernel with "same" padding returns the input.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 1, 5, 7))
    identity = np.zeros((1, 1, 3, 3))
    identity[0, 0, 1, 1] = 1
    assert np.array_equal(nn.conv2d_forward(x, identity, np.zeros(1), pad=1)[0], x)
    # A 1x1 convolution mixes channels: a matrix product at every pixel.
    x = rng.normal(size=(2, 3, 4, 4))
    W = rng.normal(size=(5, 3, 1, 1))
    b = rng.normal(size=5)
    expected = np.einsum("nchw,fc->nfhw", x, W[:, :, 0, 0]) + b[:, None, None]
    assert np.allclose(nn.conv2d_forward(x, W, b)[0], expected, rtol=1e-12, atol=1e-12)
    # Cross-correlation, not convolution: a kernel with a single 1 at (0, 0) reads the top-left of each window.
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    corner = np.zeros((1, 1, 2, 2))
    corner[0, 0, 0, 0] = 1
    assert np.array_equal(nn.conv2d_forward(x, corner, np.zeros(1))[0][0, 0], x[0, 0, :3, :3])


def test_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    for case in CONV_CASES:
        x, W, b, stride, pad, rng = _conv_inputs(case)
        tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
        out = torch.nn.functional.conv2d(tx, tW, tb, stride=stride, padding=pad)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(torch.tensor(dout))
        ours, cache = nn.conv2d_forward(x, W, b, stride, pad)
        grads = nn.conv2d_backward(dout, cache)
        assert np.allclose(ours, out.detach().numpy(), atol=1e-10)
        for mine, theirs in zip(grads, (tx.grad, tW.grad, tb.grad)):
            assert np.allclose(mine, theirs.numpy(), atol=1e-10)
    x = np.random.default_rng(1).integers(0, 3, size=(2, 2, 7, 7)).astype(np.float64)  # ties included
    tx = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.max_pool2d(tx, 3, 2)
    out.backward(torch.ones_like(out))
    ours, cache = nn.maxpool2d_forward(x, 3, 2)
    assert np.array_equal(ours, out.detach().numpy())
    assert np.array_equal(nn.maxpool2d_backward(np.ones(ours.shape), cache), tx.grad.numpy())


def test_conv_does_not_modify_inputs_and_accepts_integers():
    x, W, b, stride, pad, rng = _conv_inputs(CONV_CASES[1])
    copies = [a.copy() for a in (x, W, b)]
    out, cache = nn.conv2d_forward(x, W, b, stride, pad)
    dout = rng.normal(size=out.shape)
    dout_copy = dout.copy()
    nn.conv2d_backward(dout, cache)
    assert all(np.array_equal(a, c) for a, c in zip((x, W, b), copies))
    assert np.array_equal(dout, dout_copy)
    out, _ = nn.conv2d_forward(np.ones((1, 1, 3, 3), dtype=int), np.ones((1, 1, 2, 2), dtype=int), np.zeros(1, int))
    assert out.dtype == np.float64 and np.all(out == 4)


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((np.zeros((1, 2, 5, 5)), np.zeros((1, 3, 3, 3)), np.zeros(1)), {}, ValueError, "C = x.shape[1] = 2"),
    ((np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 5, 5)), np.zeros(1)), {}, ValueError, "does not fit"),
    ((np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 6, 6)), np.zeros(1)), {"pad": 1}, ValueError, "padded input 5x5"),
    ((np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1)), {"stride": 0}, ValueError, "stride must be >= 1"),
    ((np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1)), {"stride": -2}, ValueError, "stride"),
    ((np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1)), {"stride": 1.5}, TypeError, "stride"),
    ((np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1)), {"pad": -1}, ValueError, "pad must be >= 0"),
    ((np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3)), {}, ValueError, "one bias per filter"),
    ((np.zeros((1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1)), {}, ValueError, "x must be 4-D"),
    ((np.zeros((1, 1, 5, 5)), np.zeros((1, 3, 3)), np.zeros(1)), {}, ValueError, "W must be 4-D"),
    ((np.zeros((1, 1, 5, 5)), "W", np.zeros(1)), {}, TypeError, "W must be"),
])
def test_conv_rejects_bad_input(args, kwargs, error, words):
    with pytest.raises(error) as raised:
        nn.conv2d_forward(*args, **kwargs)
    assert words in str(raised.value)


def test_conv_backward_rejects_a_dout_of_the_wrong_shape():
    out, cache = nn.conv2d_forward(np.zeros((2, 1, 5, 5)), np.zeros((3, 1, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="dout must have shape"):
        nn.conv2d_backward(np.zeros((2, 3, 4, 4)), cache)


# -- max pooling ------------------------------------------------------------------------------------------------

POOL_CASES = [((2, 3, 4, 6), 2, 2), ((2, 2, 7, 7), 3, 2), ((1, 2, 5, 5), 2, 1), ((1, 1, 5, 7), 2, 2),
              ((1, 1, 3, 3), 3, 1)]


def _distinct(shape, seed):
    """Entries 1e-2 apart at least, so central differences with h = 1e-5 never cross a tie."""
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape))
    return (rng.permutation(count) - count / 2).reshape(shape) * 1e-2, rng


@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool_matches_the_loop_and_central_differences(case):
    shape, size, stride = case
    x, rng = _distinct(shape, 5)
    out, cache = nn.maxpool2d_forward(x, size, stride)
    assert np.array_equal(out, naive_maxpool2d(x, size, stride))
    dout = rng.normal(size=out.shape)
    dx = nn.maxpool2d_backward(dout, cache)
    numeric = gradcheck.numerical_gradient_array(lambda v: naive_maxpool2d(v, size, stride), x.copy(), dout)
    assert gradcheck.compare("dx", dx, numeric, threshold=1e-8).passed
    assert np.isclose(dx.sum(), dout.sum())  # every window passes its whole gradient on


def test_ties_route_to_the_first_maximum_in_row_major_order():
    x = np.array([[2., 2.], [2., 2.]])[None, None]
    _, cache = nn.maxpool2d_forward(x)
    assert np.array_equal(nn.maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0], [[1, 0], [0, 0]])
    x = np.array([[0., 3.], [3., 1.]])[None, None]
    _, cache = nn.maxpool2d_forward(x)
    assert np.array_equal(nn.maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0], [[0, 1], [0, 0]])
    x = np.random.default_rng(2).integers(0, 3, size=(2, 2, 6, 6)).astype(float)
    out, cache = nn.maxpool2d_forward(x, 3, 1)
    dout = np.random.default_rng(3).normal(size=out.shape)
    assert np.allclose(nn.maxpool2d_backward(dout, cache), naive_maxpool2d_dx(x, dout, 3, 1, "first"))


def test_the_notebooks_pooling_example():
    x = np.array([[1., 3., 2., 2.], [4., 0., 2., 1.], [0., 5., 7., 7.], [6., 5., 7., 7.]])[None, None]
    out, cache = nn.maxpool2d_forward(x, size=2, stride=2)
    dx = nn.maxpool2d_backward(np.array([[10., 20.], [30., 40.]])[None, None], cache)
    assert np.array_equal(out[0, 0], [[4, 2], [6, 7]])
    assert dx[0, 0, 1, 0] == 10 and dx[0, 0, 0, 2] == 20 and dx[0, 0, 0, 3] == 0 and dx[0, 0, 2, 2] == 40
    assert dx[0, 0, 3, 0] == 30 and dx.sum() == 100


def test_nan_is_the_maximum_as_in_torch():
    x = np.array([[1., np.nan], [3., 2.]])[None, None]
    out, cache = nn.maxpool2d_forward(x)
    assert np.isnan(out[0, 0, 0, 0])
    assert np.array_equal(nn.maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0], [[0, 1], [0, 0]])


@pytest.mark.parametrize("x, kwargs, error, words", [
    (np.zeros((1, 1, 3, 3)), {"size": 4}, ValueError, "does not fit"),
    (np.zeros((1, 1, 4, 4)), {"stride": 0}, ValueError, "stride must be >= 1"),
    (np.zeros((1, 1, 4, 4)), {"size": 0}, ValueError, "size must be >= 1"),
    (np.zeros((1, 1, 4, 4)), {"size": 2.0}, TypeError, "size must be an integer"),
    (np.zeros((4, 4)), {}, ValueError, "x must be 4-D"),
])
def test_maxpool_rejects_bad_input(x, kwargs, error, words):
    with pytest.raises(error) as raised:
        nn.maxpool2d_forward(x, **kwargs)
    assert words in str(raised.value)


def test_maxpool_backward_rejects_a_dout_of_the_wrong_shape():
    _, cache = nn.maxpool2d_forward(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="dout must have shape"):
        nn.maxpool2d_backward(np.zeros((2, 3, 4, 4)), cache)


# -- the notebook's claims about the backward pass -----------------------------------------------------------

def test_dx_is_the_full_convolution_with_the_flipped_kernel_and_dW_a_correlation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 6, 6))
    W = rng.normal(size=(4, 3, 3, 3))
    b = rng.normal(size=4)
    out, _ = nn.conv2d_forward(x, W, b)
    dout = rng.normal(size=out.shape)
    dx_num = gradcheck.numerical_gradient_array(lambda v: naive_conv2d(v, W, b), x.copy(), dout)
    dW_num = gradcheck.numerical_gradient_array(lambda v: naive_conv2d(x, v, b), W.copy(), dout)
    flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    dx_full = nn.conv2d_forward(dout, flipped, np.zeros(3), pad=2)[0]
    dW_corr = nn.conv2d_forward(x.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3), np.zeros(4))[0]
    assert gradcheck.rel_error(dx_full, dx_num) < 1e-8
    assert gradcheck.rel_error(dW_corr.transpose(1, 0, 2, 3), dW_num) < 1e-8
    unflipped = nn.conv2d_forward(dout, W.transpose(1, 0, 2, 3), np.zeros(3), pad=2)[0]
    assert gradcheck.rel_error(unflipped, dx_num) > 0.1
