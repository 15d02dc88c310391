"""Derive, don't transcribe: before the LSTM backward exercises, neither the notebook's visible text nor the
exercise stubs state the gradients they ask for (the cell path's Jacobian diag(f), dL/dc through tanh, the gate
derivatives). The formulas are allowed inside collapsed ``<details>`` hints, and after the exercises."""

import ast
import re

import nbformat
import pytest

from tests.paths import NOTEBOOKS, ROOT

NOTEBOOK = NOTEBOOKS / "08_recurrent.ipynb"
FORMULA = re.compile(
    r"diag\}?\(f"                          # dc_prev = dc_total * f, as the Jacobian diag(f_t)
    r"|1\s*-\s*\\?tanh\s*\^?\s*(\*\*\s*)?2"  # tanh' written out (stage 1 and stage 3)
    r"|\\?sigma\s*\(1\s*-|\(1\s*-\s*[ifo]\)"  # sigma' written out (stage 3)
    r"|dc_total\s*(\*|\\odot)|dc\s*\+\s*dh"   # the assembled gradients
    r"|dh\s*(\*|\\odot)\s*\\?tanh",
    re.IGNORECASE)
DETAILS = re.compile(r"<details>.*?</details>", re.DOTALL)


def _visible_text_before(check_name):
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    end = next(i for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip().startswith(f'check("{check_name}")'))
    return "\n".join(DETAILS.sub("", c.source) for c in cells[:end] if c.cell_type == "markdown")


@pytest.mark.parametrize("check_name", ["lstm_step_backward_staged", "lstm_step_backward"])
def test_notebook_does_not_state_the_gradients_before_the_exercise(check_name):
    text = _visible_text_before(check_name)
    assert not FORMULA.search(text), FORMULA.search(text).group(0)


def test_the_pattern_finds_the_formulas_where_they_are_allowed():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    hints = "\n".join(m for c in cells if c.cell_type == "markdown" for m in DETAILS.findall(c.source))
    assert FORMULA.search(hints)  # stage 3's hint writes the derivatives out
    after = _visible_text_before("lstm_forward")  # section 7 ends with the Jacobian, once the learner has written it
    assert "diag}(f_t)" in after and FORMULA.search(after)


@pytest.mark.parametrize("function", ["lstm_gate_gradients", "lstm_step_backward"])
def test_stub_docstrings_do_not_state_the_gradients(function):
    tree = ast.parse((ROOT / "exercises" / "ex08_recurrent.py").read_text())
    [node] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    assert not FORMULA.search(ast.get_docstring(node) or "")
    assert not FORMULA.search(ast.unparse(node))  # nor the stub's body
