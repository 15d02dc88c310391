"""Learning-rate schedules against torch.optim.lr_scheduler's documented examples and formulas."""

import math

import numpy as np
import pytest

from bplab.optim import (
    SGD,
    Adam,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    SequentialLR,
    StepLR,
    lr_curve,
)


def _opt(lr=0.05):
    return SGD([np.zeros(2)], lr=lr)


def test_steplr_documented_example():
    # torch docs: lr = 0.05 if epoch < 30; 0.005 if 30 <= epoch < 60; 0.0005 if 60 <= epoch < 90
    rates = lr_curve(lambda o: StepLR(o, step_size=30, gamma=0.1), 0.05, 90)
    np.testing.assert_allclose(rates[:30], 0.05)
    np.testing.assert_allclose(rates[30:60], 0.005)
    np.testing.assert_allclose(rates[60:], 0.0005)


def test_linearlr_documented_example():
    # torch docs: factor 0.5, total_iters 4: 0.025, 0.03125, 0.0375, 0.04375, then 0.05
    rates = lr_curve(lambda o: LinearLR(o, start_factor=0.5, total_iters=4), 0.05, 7)
    np.testing.assert_allclose(rates, [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05])


def test_exponential():
    np.testing.assert_allclose(lr_curve(lambda o: ExponentialLR(o, gamma=0.9), 2.0, 5), 2.0 * 0.9 ** np.arange(5))


def test_cosine_matches_torch_recursive_form():
    """torch's get_lr is recursive; its documented closed form must agree with it for 2 * T_max epochs."""
    base, eta_min, T = 0.1, 0.001, 10
    rec = [base]
    for t in range(1, 2 * T + 1):
        prev = rec[-1]
        if (t - 1 - T) % (2 * T) == 0:
            rec.append(prev + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2)
        else:
            rec.append((1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (prev - eta_min)
                       + eta_min)
    ours = lr_curve(lambda o: CosineAnnealingLR(o, T_max=T, eta_min=eta_min), base, 2 * T + 1)
    np.testing.assert_allclose(ours, rec, rtol=1e-12)
    assert ours[T] == pytest.approx(eta_min)


def test_construction_applies_epoch_zero_and_step_sets_optimizer_lr():
    opt = _opt(1.0)
    sched = LinearLR(opt, start_factor=0.25, total_iters=2)
    assert opt.lr == 0.25 and sched.last_epoch == 0
    sched.step()
    assert opt.lr == pytest.approx(0.625) and sched.get_last_lr() == [opt.lr]


def test_warmup_then_cosine():
    def make(o):
        return SequentialLR(o, [LinearLR(o, start_factor=0.1, total_iters=4), CosineAnnealingLR(o, T_max=4)],
                            milestones=[4])

    rates = lr_curve(make, 1.0, 9)
    np.testing.assert_allclose(rates[:5], [0.1, 0.325, 0.55, 0.775, 1.0])
    np.testing.assert_allclose(rates[4:], [(1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)], atol=1e-15)


def test_scheduler_drives_training():
    w = np.array([1.0])
    opt = Adam([w], lr=0.1)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        opt.step([np.array([1.0])])
        sched.step()
    assert opt.lr == pytest.approx(0.1 / 8)


def test_bad_arguments():
    with pytest.raises(TypeError, match="bplab.optim optimizer"):
        StepLR(object(), step_size=3)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="start_factor"):
        LinearLR(_opt(), start_factor=0.0)
    with pytest.raises(ValueError, match="Invalid gamma"):
        ExponentialLR(_opt(), gamma=-1)
    opt = _opt()
    with pytest.raises(ValueError, match="milestones"):
        SequentialLR(opt, [StepLR(opt, 2), StepLR(opt, 3)], milestones=[])
