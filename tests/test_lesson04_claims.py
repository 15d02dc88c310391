"""Every quantitative claim of notebooks/04_optimizers.ipynb, recomputed and asserted."""

import math

import numpy as np
import pytest

from bplab import lr_finder, optim, stats
from bplab.labs.optimizer_mlp import FAMILIES, final_loss, spiral_range_test, train_once
from bplab.labs.optimizer_race import OptimizerRaceModel
from bplab.optim.noisy_regression import least_squares, sgd_excess_loss
from bplab.optim.theory import gd_optimal, heavy_ball_optimal, iteration_spectral_radius
from bplab.surfaces import quadratic


def _paired(a, b):
    difference = stats.paired_difference(a, b)
    return difference.mean, difference.se


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
    sigma2 = per_example[:, 0].var(ddof=0)  # the population variance: the formula's sigma^2
    for B in (1, 10, 100, 500):
        estimates = np.array([per_example[rng.choice(N, size=B, replace=False), 0].mean() for _ in range(4000)])
        formula = sigma2 / B * (N - B) / (N - 1)
        assert estimates.var() == pytest.approx(formula, rel=0.07)  # "within 7 per cent"
        # "every deviation is within three of them": the standard error of a variance from 4,000 draws
        kurtosis = np.mean((estimates - estimates.mean()) ** 4) / estimates.var() ** 2
        standard_error = np.sqrt((kurtosis - 1) / len(estimates))
        assert 0.02 < standard_error < 0.04 and abs(estimates.var() / formula - 1) < 3 * standard_error
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


def test_nesterov_torch_form_is_the_textbook_look_ahead_point():
    """Section 3: torch's parameters are the textbook Nesterov's look-ahead points theta + mu v."""
    bowl = quadratic(10.0)
    theta, v, lr, mu = bowl.start.copy(), np.zeros(2), 0.1, 0.9
    phi = bowl.start.copy()
    opt = optim.SGD([phi], lr=lr, momentum=mu, nesterov=True)
    for _ in range(50):
        v = mu * v - lr * bowl.gradient(theta + mu * v)
        theta = theta + v
        opt.step([bowl.gradient(phi)])
        np.testing.assert_allclose(phi, theta + mu * v, atol=1e-12)
    assert np.abs(theta).max() > 1e-6  # not trivially both at the minimum


def test_heavy_ball_iteration_matrix_at_the_optimum():
    """Section 4's derivation: at Polyak's (lr*, mu*) every eigenvalue of T_lambda, lambda in [l1, ln], has modulus
    sqrt(mu*); the ends are a repeated real pair; a smaller momentum leaves a real eigenvalue above sqrt(mu)."""
    H = quadratic(100.0).hessian
    lr, mu, rate = heavy_ball_optimal(H)
    for lam in np.linspace(0.01, 1.0, 25):
        T = np.array([[1 + mu - lr * lam, -mu], [1.0, 0.0]])
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(T)), math.sqrt(mu), rtol=1e-6)
    assert rate == pytest.approx(math.sqrt(mu))
    lo, hi = 0.01, 1.0
    assert lr == pytest.approx((1 + math.sqrt(mu)) ** 2 / hi) and lr == pytest.approx((1 - math.sqrt(mu)) ** 2 / lo)
    assert iteration_spectral_radius(H, lr, 0.5 * mu) > rate


@pytest.mark.parametrize("lr, momentum", [(0.1, 0.0), (0.01, 0.9), (0.1, 0.9), (0.001, 0.99)])
def test_effective_step_on_the_slow_direction(lr, momentum):
    """Section 4: in the flat directions momentum behaves like GD with the step lr / (1 - momentum)."""
    H = quadratic(100.0).hessian
    predicted = 1 - 0.01 * lr / (1 - momentum)
    assert iteration_spectral_radius(H, lr, momentum) == pytest.approx(predicted, abs=2e-3)
    # the constant-gradient argument: the buffer settles at g / (1 - momentum)
    p = np.zeros(1)
    opt = optim.SGD([p], lr=lr, momentum=momentum)
    for _ in range(3000):
        opt.step([np.ones(1)])
    before = p.copy()
    opt.step([np.ones(1)])
    assert (before - p)[0] == pytest.approx(lr / (1 - momentum), rel=1e-6)


def test_schedules_lower_the_noise_floor():
    """Section 7: the decaying schedules end well below the constant rate (paired over 5 seeds) and wobble less."""
    problem = least_squares(n_samples=1000, dim=5, noise=0.5, seed=0)
    makes = {
        "constant": None,
        "step": lambda o: optim.StepLR(o, step_size=133, gamma=0.1),
        "cosine": lambda o: optim.CosineAnnealingLR(o, T_max=400),
        "warm-up": lambda o: optim.SequentialLR(
            o, [optim.LinearLR(o, start_factor=0.01, total_iters=40), optim.CosineAnnealingLR(o, T_max=360)],
            milestones=[40]),
    }
    runs = {k: np.array([sgd_excess_loss(problem, 0.1, 400, 10, seed, make) for seed in range(5)])
            for k, make in makes.items()}
    final = {k: r[:, -50:].mean(axis=1) for k, r in runs.items()}
    wobble = {k: r[:, -50:].std(axis=1).mean() for k, r in runs.items()}
    for k in ("step", "cosine", "warm-up"):
        mean, se = _paired(final[k], final["constant"])
        assert mean < -5 * se
        assert final[k].mean() < final["constant"].mean() / 5
        assert wobble[k] < wobble["constant"] / 50


def test_saddle_escape_order_and_the_reason():
    """Section 8: Adam escapes first (about 1 / lr steps), then momentum; SGD would need about 349 steps."""
    race = OptimizerRaceModel("saddle", optimizers=("SGD", "Momentum", "Adam"))
    escape = race.first_step_beyond(1.0)
    assert escape["SGD"] is None and escape["Adam"] < escape["Momentum"]
    assert escape["Adam"] == pytest.approx(1 / race.adaptive_lr, abs=3)
    assert round(math.log(1000) / math.log(1 + 2 * race.lr)) == 349
    # the tiny y-gradient gets a full-size step: Adam's first step along y is lr, SGD's lr * 2y
    start = race.surface.start
    assert abs(race.runs["Adam"].path[1, 1] - start[1]) == pytest.approx(race.adaptive_lr, rel=1e-4)
    assert abs(race.runs["SGD"].path[1, 1] - start[1]) == pytest.approx(race.lr * 2 * start[1], rel=1e-9)


@pytest.fixture(scope="module")
def network_race():
    """Sections 9 and 10 as the notebook runs them: range tests, sweeps below the blow-up, races on seeds 10-14."""
    tests = {name: spiral_range_test(make, lr_min=1e-4, lr_max=10.0, steps=100) for name, make in FAMILIES.items()}
    sweeps = {name: lr_finder.sweep(final_loss(make, epochs=30), tests[name].blowup_lr / 10 ** (np.arange(1, 5) / 2),
                                    seeds=(0, 1)) for name, make in FAMILIES.items()}
    seeds = range(10, 15)

    def losses(make, lr):
        return np.array([final_loss(make, epochs=30)(lr, seed) for seed in seeds])

    race = {name: np.array([train_once(FAMILIES[name], s.best_lr, seed, epochs=30).train_loss[-1] for seed in seeds])
            for name, s in sweeps.items()}
    unfair = {"sgd": losses(FAMILIES["SGD"], 0.1), "momentum_big": losses(FAMILIES["Momentum"], 0.1),
              "momentum_equal": losses(FAMILIES["Momentum"], 0.01)}
    return tests, sweeps, race, unfair


def test_sweep_choices_lie_below_the_blowup(network_race):
    tests, sweeps, _, _ = network_race
    for name in FAMILIES:
        ratio = tests[name].blowup_lr / sweeps[name].best_lr
        assert 10 ** 0.5 - 1e-9 <= ratio <= 10 ** 2 + 1e-9
        assert np.all(np.isfinite(sweeps[name].mean()[sweeps[name].lrs <= sweeps[name].best_lr]))
    # "10 to 32 times below the blow-up"
    ratios = [tests[n].blowup_lr / sweeps[n].best_lr for n in FAMILIES]
    assert min(ratios) == pytest.approx(10, rel=1e-6) and max(ratios) == pytest.approx(10 ** 1.5, rel=1e-6)
    # "at 0.034 one of its two seeds trains (0.081) and the other does not (1.006)": the widest spread of the sweep
    rms = sweeps["RMSprop"]
    assert rms.lrs[1] == pytest.approx(0.034, abs=5e-4)
    assert max(rms.losses[1]) > 0.9 and min(rms.losses[1]) < 0.2
    spreads = {(n, k): np.ptp(sweeps[n].losses[k]) for n in FAMILIES for k in range(len(sweeps[n].lrs))}
    assert max(spreads, key=spreads.get) == ("RMSprop", 1)
    # "Adam's 0.2 and 0.02 give the same mean loss within [their standard errors over two seeds]"
    adam = sweeps["Adam"]
    assert abs(adam.mean()[1] - adam.mean()[3]) < 2 * max(adam.stderr()[1], adam.stderr()[3])


def test_equal_effective_step_removes_momentums_advantage(network_race):
    """Section 10: at equal lr momentum wins by a lot (its effective step is 10x); at equal effective step it does not."""
    *_, unfair = network_race
    big, big_se = _paired(unfair["momentum_big"], unfair["sgd"])
    equal, equal_se = _paired(unfair["momentum_equal"], unfair["sgd"])
    assert big < -10 * big_se and big < -0.1
    assert equal > 0 and abs(equal) < 0.1 * abs(big)  # "no better, in fact slightly worse"


def test_fair_race_conclusions(network_race):
    """Section 10's wording: each method below SGD by more than 2 standard errors; Adam below momentum by more
    than 2; Adam and RMSprop within one standard error of each other."""
    *_, race, _ = network_race
    for name in ("Momentum", "RMSprop", "Adam"):
        mean, se = _paired(race[name], race["SGD"])
        assert mean < -2 * se, name
    mean, se = _paired(race["Adam"], race["Momentum"])
    assert mean < -2 * se
    mean, se = _paired(race["Adam"], race["RMSprop"])
    assert abs(mean) < se
