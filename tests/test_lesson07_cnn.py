"""Lesson 07: the conv layer objects, the small CNN and the notebook's CNN-vs-MLP claims."""

from types import SimpleNamespace

import numpy as np
import pytest

from bplab import gradcheck, nn
from bplab.grading.lessons.lesson07 import naive_conv2d, naive_maxpool2d
from bplab.nn.conv_layers import Conv2d, Flatten, MaxPool2d, Unflatten
from bplab.nn.layers import Linear, ReLU, Sequential


def _network(rng):
    return Sequential([Unflatten((2, 6, 6)), Conv2d(2, 3, (3, 2), rng, stride=2, pad=1), ReLU(), MaxPool2d(2, 1),
                       Flatten(), Linear(3 * 2 * 3, 4, rng)])  # conv 3x4, pool 2x3


def test_layers_compose_with_sequential_and_backprop_matches_central_differences():
    rng = np.random.default_rng(0)
    model = _network(rng)
    x = rng.normal(size=(3, 72))
    out = model.forward(x)
    assert out.shape == (3, 4)
    dout = rng.normal(size=out.shape)
    dx = model.backward(dout)
    assert gradcheck.check_gradient(lambda v: model.forward(v), x.copy(), dx, dout=dout, threshold=1e-6).passed
    for index, (param, grad) in enumerate(zip(model.params, model.grads)):
        def f(value, param=param):
            saved = param.copy()
            param[...] = value
            result = model.forward(x)
            param[...] = saved
            return result
        result = gradcheck.check_gradient(f, param.copy(), grad.copy(), dout=dout, name=f"param {index}",
                                          threshold=1e-6)
        assert result.passed, result.message


def test_conv_layer_matches_the_loop_definition_and_writes_grads_in_place():
    rng = np.random.default_rng(1)
    layer = Conv2d(2, 4, 3, rng, stride=2, pad=1)
    layer.b[...] = rng.normal(size=4)
    x = rng.normal(size=(2, 2, 7, 7))
    assert np.allclose(layer.forward(x), naive_conv2d(x, layer.W, layer.b, 2, 1), atol=1e-12)
    grads_before = list(layer.grads)
    layer.backward(np.ones((2, 4, 4, 4)))
    assert all(a is b for a, b in zip(layer.grads, grads_before))
    assert np.allclose(layer.grads[1], 2 * 16)
    assert layer.params[0] is layer.W and layer.W.shape == (4, 2, 3, 3)
    assert "Conv2d(2, 4" in repr(layer)


def test_conv_layer_he_init_has_the_documented_scale():
    layer = Conv2d(16, 64, 3, np.random.default_rng(2))
    fan_in = 16 * 9
    assert abs(layer.W.std() / np.sqrt(2 / fan_in) - 1) < 0.05
    assert np.all(layer.b == 0)


def test_pool_flatten_and_unflatten():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 5, 5))
    pool = MaxPool2d(3, 2)
    assert np.array_equal(pool.forward(x), naive_maxpool2d(x, 3, 2))
    assert pool.backward(np.ones((2, 3, 2, 2))).shape == x.shape
    assert MaxPool2d(2).stride == 2 and pool.params == [] and pool.grads == []
    flat = Flatten()
    assert flat.forward(x).shape == (2, 75)
    assert np.array_equal(flat.backward(flat.forward(x)), x)
    unflatten = Unflatten((3, 5, 5))
    assert np.array_equal(unflatten.forward(x.reshape(2, -1)), x)
    assert unflatten.backward(x).shape == (2, 75)
    with pytest.raises(ValueError, match=r"\(N, 75\)"):
        unflatten.forward(np.zeros((2, 74)))
    with pytest.raises(RuntimeError, match="before forward"):
        Conv2d(1, 1, 3, 0).backward(np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2d(1, 1, (3, 3, 3), 0)


def test_layers_use_the_ops_they_are_given():
    calls = []

    def spy(name):
        def wrapped(*args):
            calls.append(name)
            return getattr(nn, name)(*args)
        return wrapped

    names = ("conv2d_forward", "conv2d_backward", "maxpool2d_forward", "maxpool2d_backward")
    ops = SimpleNamespace(**{name: spy(name) for name in names})
    rng = np.random.default_rng(4)
    model = Sequential([Conv2d(1, 2, 3, rng, ops=ops), MaxPool2d(2, ops=ops)])
    model.backward(np.ones_like(model.forward(rng.normal(size=(1, 1, 6, 6)))))
    assert calls == ["conv2d_forward", "maxpool2d_forward", "maxpool2d_backward", "conv2d_backward"]
