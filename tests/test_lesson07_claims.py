"""Lesson 07: every claim the notebook makes, computed independently of the notebook and asserted here."""

import re

import nbformat
import numpy as np
import pytest

from bplab import gradcheck, nn
from bplab.grading.lessons.lesson07 import naive_conv2d
from bplab.labs.feature_maps import (
    MLP_HIDDEN,
    PRESET_FILTERS,
    accuracies_over_seeds,
    deeper_cnn,
    parameter_count,
    receptive_field,
    small_cnn,
)
from bplab.nn.layers import mlp
from bplab.stats import paired_difference
from tests.paths import EXERCISES, NOTEBOOKS, SOLUTIONS

NOTEBOOK = NOTEBOOKS / "07_convolutions.ipynb"


@pytest.mark.parametrize("stride, pad, size", [(1, 0, 6), (1, 1, 8), (2, 1, 4)])
def test_output_size_formula(stride, pad, size):
    out, _ = nn.conv2d_forward(np.zeros((1, 1, 8, 8)), np.zeros((4, 1, 3, 3)), np.zeros(4), stride=stride, pad=pad)
    assert out.shape == (1, 4, size, size) and (8 + 2 * pad - 3) // stride + 1 == size


def test_dx_is_the_full_cross_correlation_with_the_flipped_swapped_kernel_and_dw_the_correlation_of_x():
    rng = np.random.default_rng(2)
    x, W, b = rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    dout = rng.normal(size=(2, 4, 4, 4))
    dx_num = gradcheck.numerical_gradient_array(lambda v: naive_conv2d(v, W, b), x.copy(), dout)
    dW_num = gradcheck.numerical_gradient_array(lambda v: naive_conv2d(x, v, b), W.copy(), dout)
    flipped = naive_conv2d(dout, W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), np.zeros(3), pad=2)
    unflipped = naive_conv2d(dout, W.transpose(1, 0, 2, 3), np.zeros(3), pad=2)
    assert gradcheck.rel_error(flipped, dx_num) < 1e-8
    assert gradcheck.rel_error(unflipped, dx_num) > 0.1  # candidate (a) is wrong
    dW = naive_conv2d(x.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3), np.zeros(4)).transpose(1, 0, 2, 3)
    assert gradcheck.rel_error(dW, dW_num) < 1e-8


def test_overlapping_pool_windows_sum_at_the_centre():
    x = np.arange(25, dtype=np.float64).reshape(1, 1, 5, 5) / 100
    x[0, 0, 2, 2] = 1.0
    _, cache = nn.maxpool2d_forward(x, size=3, stride=2)
    dx = nn.maxpool2d_backward(np.array([[1.0, 10.0], [100.0, 1000.0]])[None, None], cache)
    assert dx[0, 0, 2, 2] == 1111 and np.count_nonzero(dx) == 1


def test_ties_go_to_the_first_maximum():
    x = np.array([[1., 3., 2., 2.], [4., 0., 2., 1.], [0., 5., 7., 7.], [6., 5., 7., 7.]])[None, None]
    _, cache = nn.maxpool2d_forward(x, size=2, stride=2)
    dx = nn.maxpool2d_backward(np.array([[10., 20.], [30., 40.]])[None, None], cache)[0, 0]
    assert dx[1, 0] == 10 and dx[0, 2] == 20 and dx[0, 3] == 0 and dx[2, 2] == 40 and dx[3, 0] == 30
    assert dx.sum() == 100


def test_receptive_field_of_two_stacked_convs_by_backprop_and_by_the_rule():
    x = np.zeros((1, 1, 11, 11))
    h1, cache1 = nn.conv2d_forward(x, np.ones((1, 1, 3, 3)), np.zeros(1))
    h2, cache2 = nn.conv2d_forward(h1, np.ones((1, 1, 3, 3)), np.zeros(1))
    dh2 = np.zeros_like(h2)
    dh2[0, 0, 3, 3] = 1.0
    dx = nn.conv2d_backward(nn.conv2d_backward(dh2, cache2)[0], cache1)[0][0, 0]
    rows, cols = np.nonzero(dx)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (3, 7, 3, 7)
    assert receptive_field([(3, 1), (3, 1)]) == (5, 1)
    assert [receptive_field([(3, 1), (2, 2), (3, 1), (2, 2)][:k]) for k in range(1, 5)] == [(3, 1), (4, 2), (8, 2), (10, 4)]
    with pytest.raises(ValueError):
        receptive_field([(0, 1)])


def test_deeper_cnn_parameter_counts():
    model = deeper_cnn(0)
    assert parameter_count(model) == 1898
    assert sum(p.size for p in model.layers[4].params) == 16 * 8 * 9 + 16 == 1168
    assert model.forward(np.zeros((2, 64))).shape == (2, 10)


def test_convolution_is_equivariant_and_pooling_is_not_invariant():
    from bplab.datasets import load_digits

    images, _ = load_digits("test", images=True)
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(8, 1, 3, 3)), rng.normal(size=8)
    digit = images[0][None, None]
    shifted = np.zeros_like(digit)
    shifted[..., 1:] = digit[..., :-1]
    maps = nn.conv2d_forward(digit, W, b, pad=1)[0]
    maps_shifted = nn.conv2d_forward(shifted, W, b, pad=1)[0]
    assert np.array_equal(maps_shifted[..., 1:][..., :-1], maps[..., :-1][..., :-1])  # all but the last column
    pooled = nn.maxpool2d_forward(np.maximum(maps, 0), 2, 2)[0]
    pooled_shifted = nn.maxpool2d_forward(np.maximum(maps_shifted, 0), 2, 2)[0]
    assert np.abs(pooled_shifted - pooled).max() > 0.1 * pooled.max()


def test_sobel_x_is_positive_on_the_left_edge_of_a_bright_stroke():
    image = np.zeros((1, 1, 8, 8))
    image[..., 1:7, 3:6] = 1.0  # a vertical stroke in columns 3, 4 and 5
    W = np.array(PRESET_FILTERS["vertical edges (Sobel x)"], dtype=np.float64)[None, None]
    maps = nn.conv2d_forward(image, W, np.zeros(1), pad=1)[0][0, 0]
    rows = slice(2, 6)
    assert np.all(maps[rows, 2:4] > 0)   # the left edge
    assert np.all(maps[rows, 5:7] < 0)   # the right edge
    assert np.all(maps[rows, 4] == 0)    # the uniform middle


@pytest.mark.slow
def test_cnn_beats_the_larger_mlp_over_five_seeds():
    """Section 5: CNN (1,370 parameters) vs MLP (2,410), seed by seed."""
    seeds = range(5)
    cnn_accuracy, cnns = accuracies_over_seeds(lambda seed, ops: small_cnn(seed, ops=ops), seeds)
    mlp_accuracy, _ = accuracies_over_seeds(lambda seed, ops: mlp([64, MLP_HIDDEN, 10], rng=seed), seeds)
    difference = paired_difference(cnn_accuracy, mlp_accuracy)
    assert parameter_count(cnns[0]) == 1370 and parameter_count(mlp([64, MLP_HIDDEN, 10], rng=0)) == 2410
    assert difference.wins == 5 and difference.mean > 3 * difference.se
    assert np.all(cnn_accuracy >= 0.96)
    assert sum(p.size for p in cnns[0].layers[1].params) == 80  # "the convolution layer itself has only 80"


def _markdown_before(notebook, target):
    text = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and target in cell.source:
            return "\n".join(text)
        if cell.cell_type == "markdown":
            text.append(re.sub(r"<details>.*?</details>", "", cell.source, flags=re.S))
    raise AssertionError(f"no cell runs {target}")


def test_the_backward_formula_is_derived_not_given():
    """Before the staged exercise, the text (outside the collapsed hints) and the stubs hold no backward formula."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    before = _markdown_before(notebook, 'check("conv2d_backward_staged")')
    assert "dW[f] +=" not in before and r"\partial W" not in before and r"\partial L" not in before
    assert r"\partial L" in _markdown_before(notebook, 'check("q_dx_kernel")')  # the gather form comes after
    stub = (EXERCISES / "ex07_convolutions.py").read_text()
    assert "dW[f] +=" not in stub and "+= g" not in stub
    assert "dW[k] += g" in (SOLUTIONS / "ex07_convolutions.py").read_text()
