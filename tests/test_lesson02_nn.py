"""Lesson 02 reference numerics: layers, activations, losses, Sequential, datasets, training loop.

References are numerical gradients (bplab.gradcheck) and closed forms computed
independently here, never bplab's own formulas.
"""

import math

import numpy as np
import pytest

from bplab import datasets, gradcheck, nn, train
from bplab.nn import layers

RNG = np.random.default_rng(20240202)


def _ok(results):
    failed = [str(r) for r in results if not r.passed]
    assert not failed, failed


# -- gradients against central differences ---------------------------------------------------

def test_linear_gradients():
    x, W, b = RNG.normal(size=(5, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=3)
    _ok(gradcheck.check_layer(nn.linear_forward, nn.linear_backward, {"x": x, "W": W, "b": b}))


def test_linear_forward_closed_form():
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
    out, _ = nn.linear_forward(x, W, np.array([0.0, 1.0, -1.0]))
    np.testing.assert_allclose(out, [[2.0, 3.0, 2.0]])


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "leaky_relu"])
def test_activation_gradients(name):
    x = RNG.normal(size=(6, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kinks, where central differences are meaningless
    forward, backward = getattr(nn, f"{name}_forward"), getattr(nn, f"{name}_backward")
    _ok(gradcheck.check_layer(forward, backward, {"x": x}))


def test_activation_values_and_subgradients_at_zero():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.relu_forward(x)[0], [0.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.leaky_relu_forward(x, 0.1)[0], [-0.2, 0.0, 3.0])
    np.testing.assert_allclose(nn.sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.tanh_forward(x)[0], [math.tanh(-2), 0.0, math.tanh(3)])
    ones = np.ones(3)
    # torch: relu'(0) = 0, leaky_relu'(0) = negative_slope.
    np.testing.assert_array_equal(nn.relu_backward(ones, nn.relu_forward(x)[1]), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(nn.leaky_relu_backward(ones, nn.leaky_relu_forward(x, 0.1)[1]), [0.1, 0.1, 1.0])
    np.testing.assert_allclose(nn.sigmoid_backward(ones[:1], nn.sigmoid_forward(np.zeros(1))[1]), [0.25])
    np.testing.assert_allclose(nn.tanh_backward(ones[:1], nn.tanh_forward(np.zeros(1))[1]), [1.0])


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "bce_with_logits", "mse_loss", "mae_loss"])
def test_loss_gradients(loss):
    logits = RNG.normal(size=(7, 4))
    if loss == "softmax_cross_entropy":
        target = RNG.integers(0, 4, size=7)
    elif loss == "bce_with_logits":
        target = RNG.uniform(size=(7, 4))
    else:
        target = logits + RNG.choice([-1.0, 1.0], size=(7, 4)) * RNG.uniform(0.1, 1.0, size=(7, 4))
    fn = getattr(nn, loss)
    value, grad = fn(logits, target)
    assert isinstance(value, float)
    _ok([gradcheck.check_gradient(lambda z: fn(z, target)[0], logits.copy(), grad, name="dlogits")])


# -- closed forms and published values --------------------------------------------------------

@pytest.mark.parametrize("k", [2, 3, 10])
def test_cross_entropy_of_uniform_logits_is_log_k(k):
    loss, dlogits = nn.softmax_cross_entropy(np.full((4, k), 3.7), np.arange(4) % k)
    assert loss == pytest.approx(math.log(k), rel=1e-12)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)


def test_cross_entropy_known_value():
    # -log(e^3 / (e + e^2 + e^3)) = log(1 + e^-1 + e^-2), and the mean over two rows.
    loss, _ = nn.softmax_cross_entropy(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]), np.array([2, 0]))
    expected = (math.log(1 + math.exp(-1) + math.exp(-2)) + math.log(1 + math.exp(1) + math.exp(2))) / 2
    assert loss == pytest.approx(expected, rel=1e-12)


def test_bce_known_values():
    # BCE(x, t) = -t log s(x) - (1 - t) log(1 - s(x)); at x = 0 it is log 2 for any t.
    loss, grad = nn.bce_with_logits(np.zeros((2, 2)), np.array([[0.0, 1.0], [0.3, 1.0]]))
    assert loss == pytest.approx(math.log(2), rel=1e-12)
    np.testing.assert_allclose(grad, (0.5 - np.array([[0.0, 1.0], [0.3, 1.0]])) / 4)
    loss, _ = nn.bce_with_logits(np.array([2.0]), np.array([1.0]))
    assert loss == pytest.approx(-math.log(1 / (1 + math.exp(-2))), rel=1e-12)
    loss, _ = nn.bce_with_logits(np.array([2.0]), np.array([0.0]))
    assert loss == pytest.approx(-math.log(1 - 1 / (1 + math.exp(-2))), rel=1e-12)


def test_mse_and_mae_known_values():
    pred, target = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [5.0, 1.0]])
    mse, dmse = nn.mse_loss(pred, target)
    assert mse == pytest.approx((1 + 0 + 4 + 9) / 4)
    np.testing.assert_allclose(dmse, 2 * (pred - target) / 4)
    mae, dmae = nn.mae_loss(pred, target)
    assert mae == pytest.approx((1 + 0 + 2 + 3) / 4)
    np.testing.assert_allclose(dmae, [[0.25, 0.0], [-0.25, 0.25]])  # torch's l1_loss: subgradient 0 at 0


def test_stable_and_warning_free_at_1e3():
    big = np.array([[1e3, -1e3, 0.0], [-1e3, -1e3, -1e3], [1e3, 1e3, -1e3]])
    with np.errstate(all="raise"):
        loss, dlogits = nn.softmax_cross_entropy(big, np.array([1, 0, 2]))
        bce, dbce = nn.bce_with_logits(big, (big > 0).astype(float))
        s, cache = nn.sigmoid_forward(big)
        ds = nn.sigmoid_backward(np.ones_like(big), cache)
        t, tcache = nn.tanh_forward(big)
        nn.tanh_backward(np.ones_like(big), tcache)
    for value in (loss, dlogits, bce, dbce, s, ds, t):
        assert np.all(np.isfinite(value))
    # Row 0 label 1: loss 2000; row 1 uniform: log 3; row 2 label 2: 2000 + log 2.
    assert loss == pytest.approx((2000 + math.log(3) + 2000 + math.log(2)) / 3, rel=1e-12)
    assert bce == pytest.approx(math.log(2) / 9, rel=1e-12)  # every 1e3 logit agrees with its target; x = 0 costs log 2
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.5], atol=1e-200)


# -- bad inputs ---------------------------------------------------------------------------------

def test_bad_inputs_raise_clear_errors():
    x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
    with pytest.raises(ValueError, match="W must have shape"):
        nn.linear_forward(x, np.ones((4, 3)), b)
    with pytest.raises(ValueError, match="b must have shape"):
        nn.linear_forward(x, W, np.ones(3))
    with pytest.raises(ValueError, match="x must be 2-D"):
        nn.linear_forward(np.ones((2, 3, 1)), W, b)
    with pytest.raises(TypeError, match="x must be"):
        nn.relu_forward("abc")
    with pytest.raises(ValueError, match="dout"):
        nn.relu_backward(np.ones(3), nn.relu_forward(np.ones(2))[1])
    with pytest.raises(ValueError, match=r"labels in 0\.\.2"):
        nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels in 0\.\.2"):
        nn.softmax_cross_entropy(np.ones((2, 3)), np.array([-1, 0]))
    with pytest.raises(TypeError, match="integer class labels"):
        nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="y must have shape"):
        nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="same shape"):
        nn.mse_loss(np.ones((2, 1)), np.ones(2))
    with pytest.raises(ValueError, match="same shape"):
        nn.mae_loss(np.ones((2, 1)), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        nn.bce_with_logits(np.ones(2), np.array([0.0, 2.0]))


# -- layer objects --------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_whole_network_gradient_check(activation):
    model = nn.mlp([3, 6, 5, 4], activation, rng=1)
    x, y = RNG.normal(size=(8, 3)), RNG.integers(0, 4, size=8)
    loss, dout = nn.softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(dout)
    analytic = [g.copy() for g in model.grads]

    def loss_at(_):
        return nn.softmax_cross_entropy(model.forward(x), y)[0]

    for i, p in enumerate(model.params):
        _ok([gradcheck.check_gradient(loss_at, p, analytic[i], name=f"param {i}", threshold=1e-6)])
    _ok([gradcheck.check_gradient(lambda z: nn.softmax_cross_entropy(model.forward(z), y)[0], x.copy(), dx,
                                  threshold=1e-6)])


def test_sequential_protocol():
    rng = np.random.default_rng(0)
    model = nn.Sequential([nn.Linear(2, 3, rng), nn.ReLU(), nn.Linear(3, 1, rng, init="xavier")])
    assert [p.shape for p in model.params] == [(2, 3), (3,), (3, 1), (1,)]
    assert [g.shape for g in model.grads] == [p.shape for p in model.params]
    grads = model.grads  # a list taken before backward stays valid: grads are written in place
    model.forward(np.ones((4, 2)))
    model.backward(np.ones((4, 1)))
    assert grads[0] is model.layers[0].grads[0] and np.any(grads[2])
    model.params[0][...] = 0.0
    assert not np.any(model.layers[0].W)
    with pytest.raises(TypeError, match="not a layer"):
        nn.Sequential([object()])
    with pytest.raises(ValueError, match="init must be"):
        nn.Linear(2, 3, rng, init="nope")


def test_he_init_scale():
    W = nn.Linear(400, 300, np.random.default_rng(0)).W
    assert W.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert nn.Linear(400, 300, 0, init="xavier").W.std() == pytest.approx(math.sqrt(2 / 700), rel=0.02)
    assert nn.Linear(4, 3, 0, init=lambda i, o, rng: np.ones((i, o))).W.sum() == 12


def test_layers_use_given_ops():
    calls = []

    class Ops:
        @staticmethod
        def relu_forward(x):
            calls.append("f")
            return nn.relu_forward(x)

        @staticmethod
        def relu_backward(dout, cache):
            calls.append("b")
            return nn.relu_backward(dout, cache)

    layer = layers.ReLU(ops=Ops)
    layer.backward(0 * layer.forward(np.ones((2, 2))))
    assert calls == ["f", "b"]


# -- datasets -------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [datasets.spirals, datasets.moons, datasets.circles, datasets.xor, datasets.blobs])
def test_classification_sets_are_seeded_arrays(make):
    X, y = make(seed=3)
    X2, y2 = make(rng=np.random.default_rng(3))
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2 and y.dtype == np.int64 and y.shape == (len(X),)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make(seed=4)[0])
    assert np.all(np.bincount(y) >= len(y) // len(np.unique(y)) - 1)  # balanced


def test_spirals_matches_cs231n_layout():
    X, y = datasets.spirals(300, 3, noise=0.0)
    assert X.shape == (300, 2) and list(np.bincount(y)) == [100, 100, 100]
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[:100], np.linspace(0, 1, 100))
    t = np.linspace(4, 8, 100)  # class 1: theta from 4 to 8 (CS231n: linspace(j*4, (j+1)*4))
    np.testing.assert_allclose(X[100:200], np.column_stack([np.linspace(0, 1, 100) * np.sin(t),
                                                            np.linspace(0, 1, 100) * np.cos(t)]))


def test_regression_and_split():
    X, y = datasets.regression_1d(50, seed=0)
    assert X.shape == (50, 1) and y.shape == (50, 1) and y.dtype == np.float64
    Xc, yc = datasets.moons(100, seed=0)
    Xtr, Xv, ytr, yv = datasets.train_val_split(Xc, yc, 0.25, seed=0)
    assert len(Xv) == 25 and len(Xtr) == 75
    both = np.concatenate([Xtr, Xv])
    assert sorted(map(tuple, both)) == sorted(map(tuple, Xc))
    with pytest.raises(ValueError, match="val_fraction"):
        datasets.train_val_split(Xc, yc, 1.0)
    with pytest.raises(ValueError, match="noise"):
        datasets.spirals(noise=-1)
    with pytest.raises(ValueError, match="rng= or seed="):
        datasets.moons(rng=np.random.default_rng(0), seed=1)


# -- training loop --------------------------------------------------------------------------------

class _PlainSGD:
    """A stand-in optimizer (bplab.optim belongs to lesson 04): p -= lr * g."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self, grads):
        for p, g in zip(self.params, grads, strict=True):
            p -= self.lr * g


def test_fit_records_history_and_learns():
    X, y = datasets.moons(200, 0.1, seed=0)
    Xtr, Xv, ytr, yv = datasets.train_val_split(X, y, 0.25, seed=0)
    model = nn.mlp([2, 16, 2], "tanh", rng=0)
    history = train.fit(model, nn.softmax_cross_entropy, _PlainSGD(model.params, 0.5), Xtr, ytr,
                        epochs=60, batch_size=32, rng=0, X_val=Xv, y_val=yv)
    assert history.epochs == 60 and history.stopped == "completed"
    assert len(history.val_loss) == len(history.train_acc) == len(history.val_acc) == 60
    assert history.train_loss[-1] < history.train_loss[0] and history.val_acc[-1] > 0.85
    loss, acc = train.evaluate(model, nn.softmax_cross_entropy, Xv, yv)
    assert loss == history.val_loss[-1] and acc == history.val_acc[-1]


def test_fit_callback_stops_and_divergence_is_reported():
    X, y = datasets.blobs(60, seed=0)
    model = nn.mlp([2, 4, 3], rng=0)
    history = train.fit(model, nn.softmax_cross_entropy, _PlainSGD(model.params, 0.1), X, y,
                        epochs=50, batch_size=8, rng=0, callback=lambda epoch, h: epoch == 3)
    assert history.epochs == 3 and history.stopped == "callback"
    model = nn.mlp([1, 4, 1], rng=0)
    Xr, yr = datasets.regression_1d(40, seed=0)
    with np.errstate(all="ignore"):
        history = train.fit(model, nn.mse_loss, _PlainSGD(model.params, 1e6), Xr * 100, yr,
                            epochs=20, batch_size=40, rng=0)
    assert history.stopped == "diverged" and math.isnan(history.train_acc[0])
    with pytest.raises(ValueError, match="same number of rows"):
        train.fit(model, nn.mse_loss, _PlainSGD(model.params, 0.1), Xr, yr[:3], epochs=1, batch_size=1, rng=0)


@pytest.mark.parametrize("name", ["cross_entropy", "bce", "mse", "mae"])
@pytest.mark.parametrize("k", [2, 3])
def test_classification_losses_give_labels_gradients(name, k):
    loss_fn, n_out = train.classification_loss(name, k)
    out, y = RNG.normal(size=(5, n_out)), RNG.integers(0, k, size=5)
    loss, dout = loss_fn(out, y)
    _ok([gradcheck.check_gradient(lambda z: loss_fn(z, y)[0], out.copy(), dout)])
    assert 0 <= train.accuracy(out, y) <= 1
