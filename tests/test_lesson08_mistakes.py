"""Lesson 08's checks against realistic wrong implementations: each loses points, and the feedback names the mistake.

Every wrong submission is the solution file with one edit, graded in the sandbox like a learner's file.
"""

from __future__ import annotations

import pytest

from bplab.grading import registry, runner
from tests.paths import SOLUTIONS

SOLUTION = (SOLUTIONS / "ex08_recurrent.py").read_text()
CHUNKED = '''    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    grad = np.zeros((N, H))
    for t in reversed(range(T)):
        if (t + 1) % truncate == 0:
            grad = np.zeros((N, H))
        dx[:, t], grad, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + grad, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, grad, dWx, dWh, db
'''


def edited(old, new, count=1):
    assert SOLUTION.count(old) == count, f"the solution changed: {old!r} found {SOLUTION.count(old)} times"
    return SOLUTION.replace(old, new)


def truncated_body(new_body):
    start = SOLUTION.index("    N, T, H = dh.shape\n    Wx = cache[0][2]")
    end = SOLUTION.index("    ### END SOLUTION", start)
    return SOLUTION[:start] + new_body + SOLUTION[end:]


# (check, wrong source, words the first failing diagnosis must contain)
MISTAKES = {
    "gate order i, f, o, g": (
        "lstm_step_forward",
        edited("    g = np.tanh(a[:, 2 * H:3 * H])\n    o = sigmoid(a[:, 3 * H:])",
               "    o = sigmoid(a[:, 2 * H:3 * H])\n    g = np.tanh(a[:, 3 * H:])"),
        "order i, f, o, g"),
    "h = o * c": ("lstm_step_forward", edited("    tanh_c = np.tanh(c)\n    h = o * tanh_c", "    tanh_c = c\n    h = o * c"),
                  "h = o·tanh(c)"),
    "tanh'(c) missing o": ("lstm_step_backward_staged",
                           edited("dc_total = dc + dh * o * (1.0 - tanh_c ** 2)", "dc_total = dc + dh * (1.0 - tanh_c ** 2)"),
                           "lost its factor o"),
    "upstream dc ignored": ("lstm_step_backward_staged",
                            edited("dc_total = dc + dh * o * (1.0 - tanh_c ** 2)", "dc_total = dh * o * (1.0 - tanh_c ** 2)"),
                            "upstream dc is missing"),
    "forget gate uses c instead of c_prev": (
        "lstm_step_backward_staged",
        edited("dc_total * c_prev, dc_total * i", "dc_total * (f * c_prev + i * g), dc_total * i"),
        "PREVIOUS cell state"),
    "sigmoid derivative for g": ("lstm_step_backward_staged",
                                 edited("1.0 - g ** 2, o * (1.0 - o)", "g * (1.0 - g), o * (1.0 - o)"), "g is a tanh"),
    "forget gate through c in the whole step": (
        "lstm_step_backward",
        edited("dc_total * c_prev, dc_total * i", "dc_total * (f * c_prev + i * g), dc_total * i"),
        "PREVIOUS cell state"),
    "sign flipped": ("lstm_step_backward",
                     edited("    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)",
                            "    return -(da @ Wx.T), -(da @ Wh.T), -(dc_total * f), -(x.T @ da), -(h_prev.T @ da), "
                            "-da.sum(axis=0)"),
                     "sign flipped"),
    "dc_prev without f": ("lstm_step_backward", edited("da @ Wh.T, dc_total * f,", "da @ Wh.T, dc_total,"),
                          "dc_prev misses the forget gate"),
    "weight gradients not summed over time": (
        "lstm_backward",
        edited("        dWx += dWx_t\n        dWh += dWh_t\n        db += db_t\n    grads",
               "        dWx = dWx_t\n        dWh = dWh_t\n        db = db_t\n    grads"),
        "summed over time"),
    "cell gradient not carried back": (
        "lstm_backward",
        edited("lstm_step_backward(dh[:, t] + dh_next, dc_next, steps[t])",
               "lstm_step_backward(dh[:, t] + dh_next, np.zeros((N, H)), steps[t])"),
        "cell-state gradient is not carried back"),
    "BPTT running forwards": ("lstm_backward", edited("    for t in reversed(range(T)):\n        dx[:, t], dh_next, dc_next",
                                                      "    for t in range(T):\n        dx[:, t], dh_next, dc_next"),
                              "runs forwards in time"),
    "gradient from the next step dropped": (
        "lstm_backward", edited("lstm_step_backward(dh[:, t] + dh_next, dc_next", "lstm_step_backward(dh[:, t], dc_next"),
        "gradient from the next step is missing"),
    "truncation ignored": ("rnn_backward_truncated",
                           edited("        start = max(end - truncate + 1, 0)", "        start = 0"), "no truncation"),
    "truncation off by one": ("rnn_backward_truncated",
                              edited("        start = max(end - truncate + 1, 0)", "        start = max(end - truncate, 0)"),
                              "off by one"),
    "chunks from the start": ("rnn_backward_truncated", truncated_body(CHUNKED), "chunks"),
}


@pytest.fixture(scope="module")
def checks():
    return {c.name: c for c in registry.checks_of("08")}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_a_known_mistake_loses_points_and_is_named(mistake, checks, tmp_path):
    check_name, source, words = MISTAKES[mistake]
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex08_recurrent.py").write_text(source)
    [outcome] = runner.grade([checks[check_name]], folder)
    assert outcome.status == "failed" and outcome.score < checks[check_name].points, outcome.message
    assert words in outcome.diagnosis, (mistake, outcome.diagnosis, outcome.message)


def test_the_solution_passes_the_same_checks(checks):
    outcomes = runner.grade(list(checks.values()), SOLUTIONS)
    assert all(o.status == "passed" for o in outcomes), [o.message for o in outcomes if o.status != "passed"]
