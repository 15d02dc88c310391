"""Lesson 02's graded predictions: each tolerance accepts the sound answers and rejects the usual wrong ones."""

import math

import numpy as np
import pytest

from bplab import datasets, gradcheck, nn
from bplab.grading import registry
from bplab.labs.regression_lab import constant_losses


def _verdict(name, answer):
    [check] = registry.find(name)
    [result] = check.judge({"answer": answer})
    return result


# (question, answers that must pass, wrong answers that must fail: each one a mistake a learner makes)
CASES = {
    "q_mse_saturation": ([75, 75.2, "75", 74, 77], [2, 4, 150, 1, 37.6, 0.0133, "1/75"]),
    "q_initial_loss": ([1.10, 1.0986, math.log(3), "1.1"], [1 / 3, 0, math.log2(3), -math.log(3), 3, 1.0]),
    "q_steps_per_epoch": ([8, "8"], [7.5, 7, 240, 9, 32]),
    "q_linear_dataset": (["d", "D", " d "], ["a", "b", "c"]),
    "q_relu_kink": ([0.55, "0.55", "11/20"], [1, 0.5, 0, 0.45]),
    "q_mae_constant": ([3, 3.0, "3"], [22, 100, 2.5, 0, 3.5]),
}


@pytest.mark.parametrize("name", CASES)
def test_tolerance_accepts_sound_answers_and_rejects_the_usual_wrong_ones(name):
    right, wrong = CASES[name]
    for answer in right:
        assert _verdict(name, answer).passed, (name, answer)
    for answer in wrong:
        result = _verdict(name, answer)
        assert not result.passed, (name, answer)
        assert result.diagnosis, (name, answer)


def test_known_wrong_answers_get_their_own_sentence():
    assert "z = 0" in _verdict("q_mse_saturation", 2).diagnosis
    assert "cross-entropy's divided by MSE's" in _verdict("q_mse_saturation", 0.0132).diagnosis  # the ratio upside down
    assert "minus its log" in _verdict("q_initial_loss", 1 / 3).diagnosis
    assert "smaller eighth batch" in _verdict("q_steps_per_epoch", 7.5).diagnosis
    assert "analytic derivative" in _verdict("q_relu_kink", 1).diagnosis
    assert "mean" in _verdict("q_mae_constant", 22).diagnosis
    assert "XOR" in _verdict("q_linear_dataset", "c").diagnosis


def test_answers_are_what_the_lesson_computes():
    s = 1 / (1 + math.exp(5))
    ce, mse = s - 1, 2 * (s - 1) * s * (1 - s)
    assert _verdict("q_mse_saturation", ce / mse).passed
    X, y = datasets.spirals(n_samples=300, n_classes=3, noise=0.2, seed=0)
    fresh = nn.mlp([2, 100, 3], "relu", rng=0, init=0.01)
    assert _verdict("q_initial_loss", nn.softmax_cross_entropy(fresh.forward(X), y)[0]).passed
    assert _verdict("q_steps_per_epoch", math.ceil(240 / 32)).passed
    numeric = gradcheck.numerical_gradient(lambda v: float(np.maximum(v, 0.0).sum()), np.array([1e-6]))
    assert _verdict("q_relu_kink", numeric[0]).passed
    grid = np.linspace(0, 100, 10_001)
    targets = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    assert _verdict("q_mae_constant", grid[np.argmin(constant_losses(targets, grid, "mae"))]).passed


def test_only_the_blobs_are_linearly_separable_in_the_playground():
    from bplab.labs.playground import PlaygroundModel

    accuracy = {}
    for name in ("spirals", "circles", "xor", "blobs"):
        model = PlaygroundModel(dataset=name, hidden_layers=0)
        for _ in range(40):
            model.tick()
        accuracy[name] = model.history["val_acc"][-1]
    assert accuracy["blobs"] > 0.9
    assert max(accuracy["spirals"], accuracy["circles"], accuracy["xor"]) < 0.8, accuracy
