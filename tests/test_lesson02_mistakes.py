"""Realistic wrong versions of lesson 02's new graded functions lose points, each with a diagnosis that names it.

The staged softmax cross-entropy (``softmax_jacobian``, ``softmax_cross_entropy_staged``): each wrong version
below is a mistake a learner makes on the way to ``diag(p) - p p^T`` and to the vector-Jacobian product.
"""

import importlib.util
import types

import numpy as np
import pytest

from bplab.grading import registry
from tests.paths import SOLUTIONS


def _solutions():
    spec = importlib.util.spec_from_file_location("ex02_for_mistakes", SOLUTIONS / "ex02_mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EX = _solutions()


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _staged_with(dp_of, jacobian=EX.softmax_jacobian, mean=True):
    """A staged cross-entropy whose dp stage is ``dp_of(p, rows, y, n)``."""
    def staged(logits, y):
        n = logits.shape[0]
        rows = np.arange(n)
        p = _softmax(logits)
        loss = float(-np.mean(np.log(p[rows, y]))) if mean else float(-np.sum(np.log(p[rows, y])))
        dp = dp_of(p, rows, y, n)
        return loss, np.stack([jacobian(p[i]).T @ dp[i] for i in range(n)])
    return staged


def _right_dp(p, rows, y, n):
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / (n * p[rows, y])
    return dp


def _dp_every_entry(p, rows, y, n):
    return -1.0 / (n * p)


def _dp_not_reciprocal(p, rows, y, n):
    dp = np.zeros_like(p)
    dp[rows, y] = -p[rows, y] / n
    return dp


def _dp_no_mean(p, rows, y, n):
    return _right_dp(p, rows, y, n) * n


def _diagonal_only_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    p = _softmax(logits)
    dp = _right_dp(p, rows, y, n)
    return float(-np.mean(np.log(p[rows, y]))), p * (1 - p) * dp


MISTAKES = {
    "jacobian: only the diagonal p (1 - p)": (
        {"softmax_jacobian": lambda p: np.diag(p * (1 - p))}, "only the diagonal"),
    "jacobian: diag(p) without the quotient rule's second term": (
        {"softmax_jacobian": lambda p: np.diag(p)}, "diag(p) alone"),
    "jacobian: sign flipped": (
        {"softmax_jacobian": lambda p: np.outer(p, p) - np.diag(p)}, "sign flipped"),
    "staged: dp = -1/(N p) at every entry": (
        {"softmax_cross_entropy_staged": _staged_with(_dp_every_entry)}, "dp is 0 at the other entries"),
    "staged: dp uses -p instead of -1/p": (
        {"softmax_cross_entropy_staged": _staged_with(_dp_not_reciprocal)}, "-1/p"),
    "staged: the mean's 1/N forgotten": (
        {"softmax_cross_entropy_staged": _staged_with(_dp_no_mean, mean=False)}, "the batch size"),
    "staged: only the Jacobian's diagonal used": (
        {"softmax_cross_entropy_staged": _diagonal_only_staged}, "only the Jacobian's diagonal"),
}


def _grade(overrides):
    module = types.SimpleNamespace(softmax_jacobian=EX.softmax_jacobian,
                                   softmax_cross_entropy_staged=EX.softmax_cross_entropy_staged, **{})
    for key, value in overrides.items():
        setattr(module, key, value)
    [check] = registry.find("softmax_cross_entropy_staged")
    return check.judge(check.produce(module))


def test_the_solution_passes():
    assert all(result.passed for result in _grade({}))


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_fails_with_its_diagnosis(name):
    overrides, words = MISTAKES[name]
    failed = [result for result in _grade(overrides) if not result.passed]
    assert failed, name
    assert any(words in result.diagnosis for result in failed), [(r.name, r.diagnosis) for r in failed]
