"""The prose tells the truth: every number a notebook's markdown quotes is the number it prints.

Convention (CONTRIBUTING.md, "Notebooks"): a number in markdown that comes from a
computation is followed by the invisible marker ``<!--printed-->``::

    The network gets 56%<!--printed--> of the points right.

This test runs each notebook with the solutions and requires each marked token
to appear in the notebook's printed output (streams, plain text, HTML and
Markdown displays), with no digit glued to either side. Editing a quoted number,
or a change that alters the printed result, makes it fail.

Also here: learners read no maintenance checks, so no code cell holds an
``assert`` (the claims are asserted in ``tests/test_lessonNN_*.py``).
"""

from __future__ import annotations

import ast
import html
import re

import nbformat
import pytest

from tests.paths import NOTEBOOKS

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [path.stem for path in NOTEBOOK_FILES]
MARKER = re.compile(r"(\S+?)<!--\s*printed\s*-->")
TAG = re.compile(r"<[^>]+>")


def quoted_numbers(markdown):
    """The marked tokens of a markdown text, without emphasis or code marks around them."""
    return [token.strip("*_`()[]$") for token in MARKER.findall(markdown)]


def printed_text(notebook):
    """Everything an executed notebook shows as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                parts.append(data.get("text/plain", ""))
                parts.append(data.get("text/markdown", ""))
                parts.append(html.unescape(TAG.sub(" ", data.get("text/html", ""))))
    return "\n".join(parts)


def missing_claims(notebook):
    """Marked tokens in markdown that the printed output does not contain."""
    shown = printed_text(notebook)
    missing = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for token in quoted_numbers(cell.source):
            if not re.search(rf"(?<![0-9.]){re.escape(token)}(?![0-9])", shown):
                missing.append(f"cell {index + 1}: {token!r}")
    return missing


def test_marker_convention_catches_an_edited_number():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("It gets **56%**<!--printed--> right, loss 0.248<!--printed-->."),
        nbformat.v4.new_code_cell("print(...)", outputs=[nbformat.v4.new_output("stream", text="acc 56%\nloss 0.2481\n")]),
    ])
    assert quoted_numbers(notebook.cells[0].source) == ["56%", "0.248"]
    assert missing_claims(notebook) == ["cell 1: '0.248'"]  # 0.2481 is not 0.248
    notebook.cells[1].outputs[0].text = "acc 56%\nloss 0.248\n"
    assert missing_claims(notebook) == []
    notebook.cells[0].source = notebook.cells[0].source.replace("56%", "65%")
    assert missing_claims(notebook) == ["cell 1: '65%'"]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_no_assert_in_code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    offending = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse("\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        if any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
            offending.append(f"cell {index + 1}")
    assert not offending, f"{path.name}: assert in code cells {offending}; move the claim into tests/"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_quoted_numbers_are_the_printed_ones(path, timings, monkeypatch):
    import time

    from nbclient import NotebookClient

    monkeypatch.setenv("BPLAB_IMPL", "solutions")
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    timings.append((f"nbclient {path.stem} (claims)", time.perf_counter() - start))
    missing = missing_claims(notebook)
    assert not missing, (f"{path.name}: numbers quoted in the text but not printed by the notebook "
                         f"(edit the text or the computation): {missing}")
