"""bplab.optim against closed forms and independent scalar re-derivations of torch.optim's documented rules.

The references here are written per coordinate with plain Python floats, straight
from the pseudocode of the torch.optim documentation (not from bplab's array code),
so a mistake in one is unlikely to be repeated in the other.
"""

import math

import numpy as np
import pytest

from bplab.optim import SGD, Adagrad, Adam, AdamW, RMSprop

STEPS = 60


def _grad_sequence(seed, n, size=3):
    """Gradients of a noisy quadratic-like sequence: a deterministic, sign-changing stream."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=size) * (1 + 0.5 * np.sin(t)) for t in range(n)]


# --- independent per-coordinate references (torch docs pseudocode, scalar floats) ---

def ref_sgd(p, gs, lr, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False):
    b = None
    out = []
    for g in gs:
        g = g + wd * p
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        out.append(p)
    return out


def ref_adagrad(p, gs, lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10):
    s = init
    out = []
    for t, g in enumerate(gs, start=1):
        g = g + wd * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (math.sqrt(s) + eps)
        out.append(p)
    return out


def ref_rmsprop(p, gs, lr, alpha=0.99, eps=1e-8, wd=0.0, momentum=0.0, centered=False):
    v = ga = b = 0.0
    out = []
    for g in gs:
        g = g + wd * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = math.sqrt(v - ga * ga) + eps
        else:
            avg = math.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg
        out.append(p)
    return out


def ref_adam(p, gs, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, amsgrad=False, decoupled=False):
    m = v = vmax = 0.0
    out = []
    for t, g in enumerate(gs, start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2**t)
        mhat = m / (1 - b1**t)
        p = p - lr * mhat / (math.sqrt(vhat) + eps)
        out.append(p)
    return out


CASES = [
    (SGD, dict(lr=0.1), ref_sgd, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9), ref_sgd, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1), ref_sgd,
     dict(lr=0.05, momentum=0.8, dampening=0.3, wd=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True), ref_sgd, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (Adagrad, dict(lr=0.1), ref_adagrad, dict(lr=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.2, initial_accumulator_value=0.5), ref_adagrad,
     dict(lr=0.1, lr_decay=0.05, wd=0.2, init=0.5)),
    (RMSprop, dict(lr=0.01), ref_rmsprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.8), ref_rmsprop, dict(lr=0.01, alpha=0.9, momentum=0.8)),
    (RMSprop, dict(lr=0.01, centered=True, weight_decay=0.1), ref_rmsprop, dict(lr=0.01, centered=True, wd=0.1)),
    (RMSprop, dict(lr=0.01, centered=True, momentum=0.5), ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (Adam, dict(lr=0.01), ref_adam, dict(lr=0.01)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1), ref_adam, dict(lr=0.01, b1=0.8, b2=0.99, wd=0.1)),
    (Adam, dict(lr=0.01, amsgrad=True), ref_adam, dict(lr=0.01, amsgrad=True)),
    (AdamW, dict(lr=0.01), ref_adam, dict(lr=0.01, wd=1e-2, decoupled=True)),
    (AdamW, dict(lr=0.01, weight_decay=0.3, amsgrad=True), ref_adam,
     dict(lr=0.01, wd=0.3, decoupled=True, amsgrad=True)),
]


@pytest.mark.parametrize(("cls", "kwargs", "ref", "ref_kwargs"), CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_matches_scalar_reference(cls, kwargs, ref, ref_kwargs):
    p0 = np.array([0.7, -1.3, 2.1])
    grads = _grad_sequence(1, STEPS)
    w = p0.copy()
    opt = cls([w], **kwargs)
    ours = []
    for g in grads:
        opt.step([g])
        ours.append(w.copy())
    for i in range(3):
        expected = ref(p0[i], [g[i] for g in grads], **ref_kwargs)
        np.testing.assert_allclose([o[i] for o in ours], expected, rtol=1e-12, atol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    g = np.array([1e-3, -5.0, 40.0])
    w = np.zeros(3)
    Adam([w], lr=0.1).step([g])
    np.testing.assert_allclose(w, -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-15)
    np.testing.assert_allclose(w, -0.1 * np.sign(g), rtol=1e-5)  # eps/|g| = 1e-5 at most


def test_adagrad_first_step():
    g = np.array([0.3, -2.0])
    w = np.ones(2)
    Adagrad([w], lr=0.5, initial_accumulator_value=0.25).step([g])
    np.testing.assert_allclose(w, 1 - 0.5 * g / (np.sqrt(0.25 + g**2) + 1e-10), rtol=1e-15)


def test_adamw_decay_factor_with_zero_gradient():
    w = np.array([2.0, -3.0])
    opt = AdamW([w], lr=0.1, weight_decay=0.5)
    for _ in range(7):
        opt.step([np.zeros(2)])
    # zero gradients leave m = 0, so only the decoupled decay acts: p * (1 - lr*wd)**t
    np.testing.assert_allclose(w, np.array([2.0, -3.0]) * 0.95**7, rtol=1e-14)


def test_adam_l2_is_not_decoupled():
    """Adam's weight_decay goes through the moments: with zero loss gradient the first step is lr*sign(p)."""
    w = np.array([2.0, -3.0])
    Adam([w], lr=0.1, weight_decay=0.5).step([np.zeros(2)])
    np.testing.assert_allclose(w, [1.9, -2.9], rtol=1e-7)


def test_momentum_recurrence_on_1d_quadratic():
    """f = h/2 x^2: torch's heavy ball obeys x_{t+1} = (1 + mu - lr h) x_t - mu x_{t-1} after the first step."""
    h, lr, mu = 2.0, 0.1, 0.6
    x = np.array([1.0])
    opt = SGD([x], lr=lr, momentum=mu)
    xs = [1.0]
    for _ in range(40):
        opt.step([h * x])
        xs.append(float(x[0]))
    assert xs[1] == pytest.approx(1 - lr * h)
    for t in range(1, 40):
        assert xs[t + 1] == pytest.approx((1 + mu - lr * h) * xs[t] - mu * xs[t - 1], rel=1e-12, abs=1e-15)
    # closed form: roots of z^2 - (1 + mu - lr h) z + mu, fitted to x0 and x1
    r = np.roots([1, -(1 + mu - lr * h), mu])
    c = np.linalg.solve(np.array([[1, 1], r]), [xs[0], xs[1]])
    closed = [float(np.real(c @ r**t)) for t in range(41)]
    np.testing.assert_allclose(xs, closed, rtol=1e-9, atol=1e-14)


def test_momentum_same_as_textbook_form_for_constant_lr():
    """torch's buf form and the textbook v = mu v - lr g form give the same trajectory at constant lr."""
    grads = _grad_sequence(2, 30, size=1)
    w = np.array([0.5])
    opt = SGD([w], lr=0.03, momentum=0.9)
    p, v = 0.5, 0.0
    for g in grads:
        opt.step([g])
        v = 0.9 * v - 0.03 * g[0]
        p = p + v
        assert w[0] == pytest.approx(p, rel=1e-12)


def test_lr_change_between_steps_is_used():
    w = np.array([1.0])
    opt = SGD([w], lr=0.1)
    opt.lr = 0.5
    opt.step([np.array([1.0])])
    assert w[0] == pytest.approx(0.5)


def test_state_is_inspectable():
    w = np.ones(2)
    opt = Adam([w])
    opt.step([np.ones(2)])
    assert opt.state[0]["step"] == 1
    np.testing.assert_allclose(opt.state[0]["exp_avg"], 0.1)


@pytest.mark.parametrize(("build", "match"), [
    (lambda w: SGD([w], lr=-1), "Invalid learning rate"),
    (lambda w: SGD([w], momentum=-0.1), "Invalid momentum"),
    (lambda w: SGD([w], weight_decay=-1), "Invalid weight_decay"),
    (lambda w: SGD([w], lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda w: SGD([w], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda w: Adam([w], betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda w: Adam([w], betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda w: Adam([w], eps=-1e-8), "Invalid epsilon"),
    (lambda w: AdamW([w], lr=float("nan")), "Invalid learning rate"),
    (lambda w: Adagrad([w], lr_decay=-1), "Invalid lr_decay"),
    (lambda w: Adagrad([w], initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda w: RMSprop([w], alpha=-0.5), "Invalid alpha"),
    (lambda w: SGD([], lr=0.1), "empty parameter list"),
])
def test_bad_hyperparameters(build, match):
    with pytest.raises(ValueError, match=match):
        build(np.zeros(2))


def test_bad_params_and_grads():
    with pytest.raises(TypeError, match="list of numpy arrays"):
        SGD(np.zeros(2), lr=0.1)
    with pytest.raises(TypeError, match="float64"):
        SGD([np.zeros(2, dtype=np.float32)], lr=0.1)
    with pytest.raises(TypeError, match="numpy array"):
        SGD([[0.0, 1.0]], lr=0.1)
    with pytest.raises(TypeError, match="real number"):
        SGD([np.zeros(2)], lr="0.1")
    opt = SGD([np.zeros(2), np.zeros((2, 3))], lr=0.1)
    with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
        opt.step([np.zeros(2)])
    with pytest.raises(ValueError, match=r"grads\[1\] must have the shape"):
        opt.step([np.zeros(2), np.zeros((3, 2))])
    with pytest.raises(TypeError, match="list of arrays"):
        opt.step(np.zeros(2))


def test_grads_not_modified_and_params_updated_in_place():
    w = np.ones(3)
    ref = w
    g = np.full(3, 2.0)
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        opt = cls([w], lr=0.1, weight_decay=0.1) if cls is not Adagrad else cls([w], lr=0.1)
        opt.step([g])
        opt.step([g])
    assert w is ref and not np.allclose(w, 1.0)
    np.testing.assert_array_equal(g, 2.0)


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    grads = _grad_sequence(3, 25, size=4)
    p0 = np.array([0.3, -0.8, 1.5, -2.0])
    pairs = [
        (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.7, dampening=0.2)),
        (Adagrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
        (RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
        (Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
        (AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.2)),
    ]
    for ours_cls, torch_cls, kwargs in pairs:
        w = p0.copy()
        t = torch.tensor(p0.copy(), dtype=torch.float64, requires_grad=True)
        ours, theirs = ours_cls([w], **kwargs), torch_cls([t], **kwargs)
        for g in grads:
            ours.step([g])
            t.grad = torch.tensor(g, dtype=torch.float64)
            theirs.step()
        np.testing.assert_allclose(w, t.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=ours_cls.__name__)
