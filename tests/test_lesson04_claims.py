"""Every quantitative claim of notebooks/04_optimizers.ipynb, recomputed and asserted."""

import math

import numpy as np
import pytest

from bplab import optim
from bplab.labs.optimizer_mlp import train_with_each
from bplab.optim.theory import gd_optimal, heavy_ball_optimal, iteration_spectral_radius
from bplab.surfaces import quadratic


def test_1d_learning_rate_regimes():
    """Section 1: x_t = (1 - lr h)^t x0; diverges iff lr > 2/h (h = 2)."""
    h = 2.0
    final = {lr: abs((1 - lr * h) ** 25) for lr in (0.05, 0.5, 0.9, 1.1)}
    assert final[0.05] == pytest.approx(0.9**25)
    assert final[0.5] == 0.0
    assert final[0.9] < 1 < final[1.1]
    assert 2 / h == 1.0


def test_minibatch_variance_formula():
    """Section 2: Var[g_B] = sigma^2 / B * (N - B) / (N - 1) for batches drawn without replacement."""
    rng = np.random.default_rng(0)
    N, D = 1000, 5
    X = rng.normal(size=(N, D))
    y = X @ rng.normal(size=D) + 0.5 * rng.normal(size=N)
    per_example = -y[:, None] * X  # gradients at w = 0
    sigma2 = per_example[:, 0].var(ddof=1)
    for B in (1, 10, 100, 500):
        estimates = np.array([per_example[rng.choice(N, size=B, replace=False), 0].mean() for _ in range(4000)])
        assert estimates.var() == pytest.approx(sigma2 / B * (N - B) / (N - 1), rel=0.1)
    # the full batch has no noise: the factor (N - B)/(N - 1) is 0
    assert (N - N) / (N - 1) == 0


def test_torch_and_textbook_momentum_agree_until_the_rate_changes():
    """Section 3."""
    grads = np.random.default_rng(1).normal(size=(30, 2))
    p = np.array([1.0, -1.0])
    q, v = p.copy(), np.zeros(2)
    opt = optim.SGD([p], lr=0.05, momentum=0.9)
    for t, g in enumerate(grads):
        opt.lr = 0.05 if t < 15 else 0.01
        opt.step([g])
        v = 0.9 * v - opt.lr * g
        q = q + v
        if t == 14:
            np.testing.assert_allclose(p, q, rtol=1e-12)
    assert np.abs(p - q).max() > 0.1


@pytest.mark.parametrize("kappa", [100.0])
def test_optimal_rates_measured(kappa):
    """Section 4: the predicted rates (k-1)/(k+1) and (sqrt k - 1)/(sqrt k + 1), measured by running SGD."""
    surface = quadratic(kappa)
    H = surface.hessian
    gd_lr, gd_rate = gd_optimal(H)
    hb_lr, hb_momentum, hb_rate = heavy_ball_optimal(H)
    assert gd_rate == pytest.approx(99 / 101) and hb_rate == pytest.approx(9 / 11)
    assert gd_lr == pytest.approx(2 / (0.01 + 1)) and hb_momentum == pytest.approx((0.9 / 1.1) ** 2)

    def measured(lr, momentum, steps=600):
        p = surface.start.copy()
        opt = optim.SGD([p], lr=lr, momentum=momentum)
        norms = []
        for _ in range(steps):
            opt.step([surface.gradient(p)])
            norms.append(np.linalg.norm(p))
        return (norms[-1] / norms[steps // 2 - 1]) ** (1 / (steps - steps // 2))

    assert measured(gd_lr, 0.0) == pytest.approx(gd_rate, abs=1e-4)
    # the repeated eigenvalue at Polyak's optimum adds a factor t: measured slightly above the rate
    assert hb_rate <= measured(hb_lr, hb_momentum) <= hb_rate + 0.005
    assert iteration_spectral_radius(H, hb_lr, hb_momentum) == pytest.approx(hb_rate, rel=1e-6)
    # "GD needs about kappa/2 steps to gain a factor e; momentum about sqrt(kappa)/2"
    assert -1 / math.log(gd_rate) == pytest.approx(kappa / 2, rel=0.01)
    assert -1 / math.log(hb_rate) == pytest.approx(math.sqrt(kappa) / 2, rel=0.01)


def test_first_steps_from_zero_state():
    """Sections 5 and 6: Adagrad and Adam step lr*g/(|g|+eps) ~ lr; RMSprop ~ 10 lr for alpha = 0.99."""
    g = np.array([0.003, -2.0, 50.0])
    for cls in (optim.Adagrad, optim.Adam):
        p = np.zeros(3)
        cls([p], lr=0.1).step([g])
        np.testing.assert_allclose(-p, 0.1 * np.sign(g), rtol=1e-5)
    p = np.zeros(3)
    optim.RMSprop([p], lr=0.1).step([g])
    np.testing.assert_allclose(-p, 0.1 * g / (np.sqrt(0.01) * np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(-p, 10 * 0.1 * np.sign(g), rtol=1e-4)


def test_adam_l2_versus_adamw_decay():
    """Section 6: AdamW shrinks every weight by (1 - lr wd) per step; Adam's L2 moves each by about lr."""
    results = {}
    for cls in (optim.Adam, optim.AdamW):
        p = np.array([5.0, 0.01])
        opt = cls([p], lr=0.1, weight_decay=0.1)
        for _ in range(10):
            opt.step([np.zeros(2)])
        results[cls.__name__] = p
    np.testing.assert_allclose(results["AdamW"], np.array([5.0, 0.01]) * 0.99**10, rtol=1e-12)
    assert (1 - 0.1 * 0.1) ** 10 == pytest.approx(0.9044, abs=1e-4)
    assert 5.0 - results["Adam"][0] == pytest.approx(10 * 0.1, rel=0.01)  # shrinks by about 10 lr
    assert results["Adam"][1] < 0  # the small weight overshoots past zero


def test_network_comparison_claim():
    """Section 9: momentum, Nesterov and the adaptive methods end with at least 2x lower training loss than SGD."""
    histories = train_with_each(epochs=60)
    sgd = histories["SGD"].train_loss[-1]
    for name, history in histories.items():
        assert history.stopped == "completed"
        if name != "SGD":
            assert history.train_loss[-1] * 2 <= sgd, name
