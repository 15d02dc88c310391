"""Lesson 03: bplab.init against its published formulas, and its input handling."""

import math

import numpy as np
import pytest

from bplab import init

# (function, expected std from the published formula, distribution); square roots written out by hand.
FORMULAS = [
    (init.xavier_uniform, lambda fi, fo, g: g * math.sqrt(6 / (fi + fo)) / math.sqrt(3), "uniform"),
    (init.xavier_normal, lambda fi, fo, g: g * math.sqrt(2 / (fi + fo)), "normal"),
    (init.he_normal, lambda fi, fo, g: g / math.sqrt(fi), "normal"),
    (init.he_uniform, lambda fi, fo, g: g * math.sqrt(3 / fi) / math.sqrt(3), "uniform"),
    (init.standard_uniform, lambda fi, fo, g: g / math.sqrt(fi) / math.sqrt(3), "uniform"),
]


@pytest.mark.parametrize("fn, std_of, kind", FORMULAS, ids=[f[0].__name__ for f in FORMULAS])
@pytest.mark.parametrize("fan_in, fan_out, gain", [(300, 200, 1.0), (80, 400, 5 / 3)])
def test_sample_std_matches_the_formula(fn, std_of, kind, fan_in, fan_out, gain):
    W = fn(fan_in, fan_out, gain=gain, rng=np.random.default_rng(1))
    assert W.shape == (fan_in, fan_out) and W.dtype == np.float64
    n, std = W.size, std_of(fan_in, fan_out, gain)
    kurtosis = 1.8 if kind == "uniform" else 3.0
    # 6 standard errors of the sample std: sqrt((kurtosis - 1) / (4 n)) relative.
    assert abs(W.std() / std - 1) < 6 * math.sqrt((kurtosis - 1) / (4 * n))
    assert abs(W.mean()) < 6 * std / math.sqrt(n)
    if kind == "uniform":
        assert np.max(np.abs(W)) <= std * math.sqrt(3)


def test_he_default_gain_is_sqrt2_and_weight_variance_matches_the_schemes():
    W = init.he_normal(500, 100, rng=3)
    assert abs(W.var() * 500 / 2 - 1) < 0.03
    assert init.weight_variance("xavier_uniform", 30, 10) == pytest.approx(2 / 40)
    assert init.weight_variance("he_normal", 30, 10) == pytest.approx(2 / 30)
    assert init.weight_variance("standard_uniform", 30, 10) == pytest.approx(1 / 90)
    assert init.weight_variance("orthogonal", 30, 10, gain=2.0) == pytest.approx(4 / 30)


@pytest.mark.parametrize("shape", [(64, 64), (100, 30), (30, 100)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    W = init.orthogonal(*shape, gain=1.5, rng=2)
    small = min(shape)
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(small), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.5, rtol=1e-12)


def test_orthogonal_follows_torch_sign_convention():
    # torch: q, r = qr(normal matrix); q *= sign(diag(r)). Then R = Q.T @ A has a positive diagonal.
    rng = np.random.default_rng(4)
    A = rng.normal(size=(6, 6))
    W = init.orthogonal(6, 6, rng=np.random.default_rng(4))
    assert np.all(np.diag(W.T @ A) > 0)


def test_determinism_and_seeds():
    a = init.xavier_uniform(5, 4, rng=np.random.default_rng(7))
    b = init.xavier_uniform(5, 4, rng=np.random.default_rng(7))
    c = init.xavier_uniform(5, 4, rng=7)
    d = init.xavier_uniform(5, 4, rng=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, d)
    rng = np.random.default_rng(0)
    assert not np.array_equal(init.he_normal(3, 3, rng=rng), init.he_normal(3, 3, rng=rng))


@pytest.mark.parametrize("fn", [init.xavier_uniform, init.xavier_normal, init.he_normal, init.he_uniform,
                                init.orthogonal])
def test_rng_is_required(fn):
    with pytest.raises(TypeError, match="rng"):
        fn(3, 4)
    with pytest.raises(TypeError, match="rng"):
        fn(3, 4, rng=np.random.RandomState(0))


def test_bad_inputs_name_what_was_expected():
    with pytest.raises(ValueError, match="fan_in"):
        init.xavier_uniform(0, 4, rng=0)
    with pytest.raises(TypeError, match="fan_out"):
        init.he_normal(3, 4.5, rng=0)
    with pytest.raises(ValueError, match="gain"):
        init.xavier_normal(3, 4, gain=float("nan"), rng=0)
    with pytest.raises(ValueError, match="unknown init scheme"):
        init.initialize("glorot", 3, 4, rng=0)
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain("swish")


def test_calculate_gain_matches_torch_values():
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("sigmoid") == 1.0
