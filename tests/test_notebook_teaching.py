"""The course's teaching habits, checked on every notebook: predict before looking, graded questions per lesson."""

from __future__ import annotations

import re

import nbformat
import pytest

from bplab.grading import registry
from tests.paths import NOTEBOOKS

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [path.stem for path in NOTEBOOK_FILES]
WIDGET_IMPORT = re.compile(r"from bplab\.widgets\.\w+ import ([\w, ]+)")


def labs_and_the_text_above(notebook):
    """``(cell index, lab class names, the nearest markdown cell above)`` for each cell that builds a lab."""
    names = {name.strip() for cell in notebook.cells if cell.cell_type == "code"
             for match in WIDGET_IMPORT.finditer(cell.source) for name in match.group(1).split(",")}
    found, markdown = [], ""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            markdown = cell.source
        elif cell.cell_type == "code":
            built = [name for name in names if re.search(rf"^\s*(\w+\s*=\s*)?{name}\(", cell.source, re.M)]
            if built:
                found.append((index, built, markdown))
    return found


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_every_lab_has_a_prediction_prompt_directly_above_it(path):
    notebook = nbformat.read(path, as_version=4)
    missing = [f"cell {index + 1} ({', '.join(built)})" for index, built, above in labs_and_the_text_above(notebook)
               if not re.search(r"predict", above, re.I)]
    assert not missing, f"{path.name}: labs without a 'Predict, then look' prompt in the markdown just above: {missing}"


def test_the_lab_finder_sees_labs():
    notebook = nbformat.read(NOTEBOOKS / "07_convolutions.ipynb", as_version=4)
    assert [built for _, built, _ in labs_and_the_text_above(notebook)] == [["FeatureMapViewer"]]


@pytest.mark.parametrize("lesson", registry.lesson_ids())
def test_every_lesson_asks_graded_questions(lesson):
    questions = [c for c in registry.checks_of(lesson) if c.kind == "question"]
    assert len(questions) >= (1 if lesson == "00" else 3), f"lesson {lesson} has {len(questions)} graded questions"


@pytest.mark.parametrize("lesson", registry.lesson_ids())
def test_every_question_is_checked_in_its_notebook(lesson):
    [path] = NOTEBOOKS.glob(f"{lesson}_*.ipynb")
    text = path.read_text()
    unchecked = [c.name for c in registry.checks_of(lesson) if c.kind == "question" and f'check(\\"{c.name}\\")' not in text]
    assert not unchecked, f"{path.name} never runs check(...) for {unchecked}"
