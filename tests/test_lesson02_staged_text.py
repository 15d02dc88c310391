"""Derive, don't transcribe: before the softmax cross-entropy exercises, neither the notebook's visible text nor
the exercise stubs state the formulas they ask for (the Jacobian diag(p) - p p^T, the gradient (p - onehot) / N).
The formulas are allowed inside collapsed ``<details>`` hints."""

import ast
import re

import nbformat
import pytest

from tests.paths import NOTEBOOKS, ROOT

NOTEBOOK = NOTEBOOKS / "02_backprop_mlp.ipynb"
FORMULA = re.compile(r"onehot|one-hot|diag|np\.outer|p\s*p\^\\top|softmax\(z\)\s*-", re.IGNORECASE)
DETAILS = re.compile(r"<details>.*?</details>", re.DOTALL)


def _visible_text_before(check_name):
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    end = next(i for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip() == f'check("{check_name}")')
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## 4. Losses"))
    return "\n".join(DETAILS.sub("", c.source) for c in cells[start:end] if c.cell_type == "markdown")


@pytest.mark.parametrize("check_name", ["softmax_cross_entropy_staged", "softmax_cross_entropy"])
def test_notebook_does_not_state_the_formula_before_the_exercise(check_name):
    text = _visible_text_before(check_name)
    assert not FORMULA.search(text), FORMULA.search(text).group(0)


def test_the_formulas_are_in_the_hints():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    hints = "\n".join(m for c in cells if c.cell_type == "markdown" for m in DETAILS.findall(c.source))
    assert "np.diag(p) - np.outer(p, p)" in hints and r"\text{onehot}(y_n)" in hints


@pytest.mark.parametrize("function", ["softmax_jacobian", "softmax_cross_entropy_staged", "softmax_cross_entropy"])
def test_stub_docstrings_do_not_state_the_formula(function):
    tree = ast.parse((ROOT / "exercises" / "ex02_mlp.py").read_text())
    [node] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    assert not FORMULA.search(ast.get_docstring(node) or "")
    assert not FORMULA.search(ast.unparse(node))  # nor the stub's body
