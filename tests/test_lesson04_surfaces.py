"""bplab.surfaces: gradients against central differences, minima against closed forms, theory of quadratics."""

import numpy as np
import pytest

from bplab import gradcheck
from bplab.optim.theory import gd_optimal, heavy_ball_optimal, iteration_spectral_radius
from bplab.surfaces import HIMMELBLAU_MINIMA, SURFACES, get_surface, quadratic

NAMES = sorted(SURFACES)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    surface = get_surface(name)
    rng = np.random.default_rng(4)
    (x0, x1), (y0, y1) = surface.domain
    for _ in range(10):
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)]) * 0.8
        numeric = gradcheck.numerical_gradient(lambda q: surface.value(q), p.copy(), h=1e-6)
        result = gradcheck.compare(f"{name} gradient", surface.gradient(p), numeric, threshold=1e-7)
        assert result.passed, str(result)


@pytest.mark.parametrize("name", NAMES)
def test_vectorised_over_leading_axes(name):
    surface = get_surface(name)
    X, Y, Z = surface.grid(7)
    points = np.stack([X, Y], axis=-1)
    assert Z.shape == (7, 7)
    np.testing.assert_allclose(surface.value(points), Z)
    grads = surface.gradient(points)
    assert grads.shape == (7, 7, 2)
    np.testing.assert_allclose(grads[3, 2], surface.gradient(points[3, 2]))


@pytest.mark.parametrize("name", NAMES)
def test_start_inside_domain(name):
    surface = get_surface(name)
    (x0, x1), (y0, y1) = surface.domain
    assert x0 <= surface.start[0] <= x1 and y0 <= surface.start[1] <= y1


def test_published_minima():
    assert get_surface("rosenbrock").minima == ((1.0, 1.0),)
    assert tuple(get_surface("rosenbrock").start) == (-1.2, 1.0)
    assert get_surface("beale").minima == ((3.0, 0.5),)
    assert get_surface("booth").minima == ((1.0, 3.0),)
    assert get_surface("saddle").minima == () and get_surface("saddle").min_value is None
    assert len(get_surface("himmelblau").minima) == 4


@pytest.mark.parametrize("name", [n for n in NAMES if n != "saddle"])
def test_minima_are_stationary_with_the_minimum_value(name):
    surface = get_surface(name)
    for m in surface.minima:
        m = np.array(m)
        assert surface.value(m) == pytest.approx(surface.min_value, abs=1e-20)
        np.testing.assert_allclose(surface.gradient(m), 0.0, atol=1e-12)
        # a minimum, not a saddle: the numerical Hessian is positive definite
        hess = np.array([gradcheck.numerical_gradient(lambda q, i=i: surface.gradient(q)[i], m.copy())
                         for i in range(2)])
        assert np.all(np.linalg.eigvalsh((hess + hess.T) / 2) > 0)


def test_himmelblau_minima_agree_with_newton():
    """Refine each stored minimum with Newton's method on the exact gradient; they must not move."""
    surface = get_surface("himmelblau")

    def hessian(x, y):
        return np.array([[12 * x * x + 4 * y - 42, 4 * (x + y)], [4 * (x + y), 4 * x + 12 * y * y - 26]])

    for m in HIMMELBLAU_MINIMA:
        p = np.array(m) + 0.01
        for _ in range(30):
            p = p - np.linalg.solve(hessian(*p), surface.gradient(p))
        np.testing.assert_allclose(p, m, atol=1e-13)


@pytest.mark.parametrize("name", ["quadratic", "booth", "saddle"])
def test_stored_hessian_matches_numerical(name):
    surface = get_surface(name)
    p = np.array([0.3, -0.7])
    hess = np.array([gradcheck.numerical_gradient(lambda q, i=i: surface.gradient(q)[i], p.copy()) for i in range(2)])
    np.testing.assert_allclose(surface.hessian, hess, atol=1e-8)


def test_quadratic_condition_number():
    for kappa in (1.0, 10.0, 250.0):
        eig = np.linalg.eigvalsh(quadratic(kappa).hessian)
        np.testing.assert_allclose(eig, [1 / kappa, 1.0])
    np.testing.assert_allclose(np.linalg.eigvalsh(get_surface("booth").hessian), [2.0, 18.0])


def test_bad_input():
    with pytest.raises(ValueError, match="kappa"):
        quadratic(0.5)
    with pytest.raises(ValueError, match="unknown surface"):
        get_surface("banana")
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        get_surface("booth").value(np.zeros(3))
    with pytest.raises(TypeError):
        get_surface("booth").gradient("here")


# --- the theory of quadratics, verified numerically ---

@pytest.mark.parametrize("kappa", [4.0, 10.0, 100.0])
def test_gd_optimal_step_and_rate(kappa):
    H = quadratic(kappa).hessian
    lr, rate = gd_optimal(H)
    assert lr == pytest.approx(2 / (1 / kappa + 1))
    assert rate == pytest.approx((kappa - 1) / (kappa + 1))
    assert iteration_spectral_radius(H, lr) == pytest.approx(rate, rel=1e-10)
    # optimal: any other step is slower
    for other in (0.9 * lr, 1.1 * lr):
        assert iteration_spectral_radius(H, other) > rate


@pytest.mark.parametrize("kappa", [4.0, 10.0, 100.0])
def test_heavy_ball_optimal_parameters_and_rate(kappa):
    H = quadratic(kappa).hessian
    lr, momentum, rate = heavy_ball_optimal(H)
    lo, hi = 1 / kappa, 1.0
    assert lr == pytest.approx((2 / (np.sqrt(lo) + np.sqrt(hi))) ** 2)
    assert momentum == pytest.approx(((np.sqrt(hi) - np.sqrt(lo)) / (np.sqrt(hi) + np.sqrt(lo))) ** 2)
    assert rate == pytest.approx((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))
    assert iteration_spectral_radius(H, lr, momentum) == pytest.approx(rate, rel=1e-6)
    for d_lr, d_mom in ((0.95, 1.0), (1.05, 1.0), (1.0, 0.95)):
        assert iteration_spectral_radius(H, lr * d_lr, momentum * d_mom) > rate - 1e-12
    assert rate < gd_optimal(H)[1]


def test_theory_rejects_indefinite_hessian():
    with pytest.raises(ValueError, match="positive definite"):
        gd_optimal(get_surface("saddle").hessian)
