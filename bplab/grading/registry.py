"""Find the checks: every ``bplab/grading/lessons/lessonNN.py`` with a ``CHECKS`` list."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from bplab.grading import lessons


def lesson_ids():
    """The lessons that have checks, sorted: ``["00", "01", ...]``."""
    return sorted(info.name[len("lesson"):] for info in pkgutil.iter_modules(lessons.__path__)
                  if info.name.startswith("lesson"))


def checks_of(lesson):
    """The checks of one lesson, in their defined order: exercises, then questions.

    Exercises live in ``lessons/lessonNN.py``, graded predictions in
    ``lessons/questionsNN.py`` (optional); each module has a ``CHECKS`` list.
    """
    module = importlib.import_module(f"bplab.grading.lessons.lesson{lesson}")
    checks = list(module.CHECKS)
    if importlib.util.find_spec(f"bplab.grading.lessons.questions{lesson}") is not None:
        checks += importlib.import_module(f"bplab.grading.lessons.questions{lesson}").CHECKS
    return checks


def all_checks(selected_lessons=None):
    """Every check, lesson by lesson; only ``selected_lessons`` when given."""
    wanted = lesson_ids() if not selected_lessons else [normalize_lesson(x) for x in selected_lessons]
    known = set(lesson_ids())
    unknown = [x for x in wanted if x not in known]
    if unknown:
        raise ValueError(f"no lesson {', '.join(unknown)}; the lessons are {', '.join(sorted(known))}")
    checks = [c for lesson in wanted for c in checks_of(lesson)]
    names = [c.name for c in checks]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise RuntimeError(f"check names must be unique, repeated: {sorted(duplicated)}")
    return checks


def find(target):
    """Checks selected by a lesson (``"02"``), a module (``"ex02_mlp"``) or a check name.

    Raises
    ------
    ValueError
        Naming the available checks when nothing matches.
    """
    target = str(target).strip()
    everything = all_checks()
    if target.isdigit():
        picked = [c for c in everything if c.lesson == normalize_lesson(target)]
    else:
        picked = [c for c in everything if target in (c.name, c.module) or target in c.functions]
    if not picked:
        names = ", ".join(c.name for c in everything)
        raise ValueError(f"no check, lesson or exercise module called {target!r}. Checks: {names}")
    return picked


def normalize_lesson(lesson):
    text = str(lesson).strip()
    if not text.isdigit():
        raise ValueError(f"a lesson is a number like 02, got {lesson!r}")
    return f"{int(text):02d}"
