"""The staged RNN step (rnn_tanh_backward, rnn_affine_backward): realistic wrong versions lose points, and the
diagnosis names the mistake; the formula is not handed over before the exercise."""

import re
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest

from bplab.grading import registry
from bplab.loader import load
from tests.paths import EXERCISES, NOTEBOOKS

SOLUTION = load("ex03_vanishing", impl="solutions")
STAGED = registry.find("rnn_step_backward_staged")[0]


def grade(**overrides):
    module = SimpleNamespace(rnn_tanh_backward=SOLUTION.rnn_tanh_backward,
                             rnn_affine_backward=SOLUTION.rnn_affine_backward)
    for name, function in overrides.items():
        setattr(module, name, function)
    return STAGED.judge(STAGED.produce(module))


def affine(**changes):
    """rnn_affine_backward with some of its five results replaced by a wrong formula."""
    def backward(da, x, h_prev, Wx, Wh):
        right = dict(zip(("dx", "dh_prev", "dWx", "dWh", "db"), SOLUTION.rnn_affine_backward(da, x, h_prev, Wx, Wh)))
        for key, wrong in changes.items():
            right[key] = wrong(da, x, h_prev, Wx, Wh)
        return tuple(right.values())
    return backward


WRONG = {
    "forgot tanh's derivative": (dict(rnn_tanh_backward=lambda dh, h: dh.copy()), "local derivative is missing"),
    "sigmoid's derivative": (dict(rnn_tanh_backward=lambda dh, h: dh * h * (1 - h)), "sigmoid"),
    "1 - h without the square": (dict(rnn_tanh_backward=lambda dh, h: dh * (1 - h)), "lacks its square"),
    "tanh applied twice": (dict(rnn_tanh_backward=lambda dh, h: dh * (1 - np.tanh(h) ** 2)), "applied to h again"),
    "sign flipped in stage 1": (dict(rnn_tanh_backward=lambda dh, h: -dh * (1 - h ** 2)), "sign"),
    "dh_prev through Wh, not Wh.T": (dict(rnn_affine_backward=affine(dh_prev=lambda da, x, hp, Wx, Wh: da @ Wh)),
                                     "Wh must be transposed"),
    "dWh transposed": (dict(rnn_affine_backward=affine(dWh=lambda da, x, hp, Wx, Wh: da.T @ hp)), "dWh is transposed"),
    "dWx transposed": (dict(rnn_affine_backward=affine(dWx=lambda da, x, hp, Wx, Wh: da.T @ x)), "transpose"),
    "db averaged": (dict(rnn_affine_backward=affine(db=lambda da, x, hp, Wx, Wh: da.mean(axis=0))), "averaged"),
    "db summed over the wrong axis": (dict(rnn_affine_backward=affine(db=lambda da, x, hp, Wx, Wh: da.sum(axis=1))),
                                      "shape"),
    "dx through Wh": (dict(rnn_affine_backward=affine(dx=lambda da, x, hp, Wx, Wh: da @ Wh.T)), "shape"),
}


def test_the_solution_passes():
    assert all(r.passed for r in grade())


@pytest.mark.parametrize("mistake", sorted(WRONG))
def test_each_mistake_fails_with_its_diagnosis(mistake):
    overrides, words = WRONG[mistake]
    failed = [r for r in grade(**overrides) if not r.passed]
    assert failed, mistake
    text = " ".join(f"{r.detail} {r.diagnosis}" for r in failed)
    assert words in text, (mistake, text)


def test_modifying_an_input_in_place_fails():
    def in_place(dh, h):
        dh *= 1 - h ** 2
        return dh
    assert not all(r.passed for r in grade(rnn_tanh_backward=in_place))


# The derivative of tanh written in h, and the five products of the closed form.
FORMULA = [r"1\s*-\s*h\s*\*\*\s*2", r"1\s*-\s*h_t\^2", r"1\s*-\s*h\^2", r"\(1\s*-\s*h", r"1 - \\tanh\^2",
           r"@\s*Wx\.T", r"@\s*Wh\.T", r"x\.T\s*@", r"h_prev\.T\s*@", r"delta\s*W_x\^\\top", r"x_t\^\\top"]


def _before_the_exercise():
    cells = nbformat.read(NOTEBOOKS / "03_vanishing_exploding.ipynb", as_version=4).cells
    end = next(i for i, c in enumerate(cells) if 'check("rnn_step_backward_staged")' in c.source)
    start = next(i for i, c in enumerate(cells) if c.source.startswith("## 8."))
    text = []
    for cell in cells[start:end]:
        # the collapsed hints may give the formula: that is their job
        text.append(re.sub(r"<details>.*?</details>", "", cell.source, flags=re.S))
    return "\n".join(text), "\n".join(cells[start:end][k].source for k in range(end - start))


def test_the_text_before_the_staged_exercise_does_not_state_the_formula():
    text, with_hints = _before_the_exercise()
    for pattern in FORMULA:
        assert not re.search(pattern, text), pattern
    assert "1 - h ** 2" in with_hints  # ... but the last hint does, collapsed
    assert with_hints.count("<details>") >= 4


def test_the_stubs_do_not_state_the_formula():
    stub = (EXERCISES / "ex03_vanishing.py").read_text()
    for function in ("rnn_tanh_backward", "rnn_affine_backward", "rnn_step_backward"):
        body = stub[stub.index(f"def {function}("):]
        body = body[: body.index("raise NotImplementedError")]
        for pattern in FORMULA:
            assert not re.search(pattern, body), (function, pattern)
