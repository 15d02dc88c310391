"""What a check is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    """One graded check, defined once and used by pytest, the CLI and notebooks.

    Attributes
    ----------
    lesson : str
        Two digits, ``"02"``.
    name : str
        Unique across the course, ``"linear_backward"``.
    points : int
    module : str
        The exercise module it grades, ``"ex02_mlp"``.
    produce : callable
        ``produce(module) -> dict``. Runs in the sandboxed child: calls the
        learner's functions and returns plain values (arrays, numbers, strings,
        lists and dicts of them).
    judge : callable
        ``judge(values) -> list of GradCheckResult``. Runs in the grading
        process and recomputes every reference itself.
    hint : str
        Where to read, ``'notebook 02, section "2. Linear layers"'``.
    functions : tuple of str
        The exercise functions the check exercises.
    timeout : float
        Seconds the child may take, unless ``--timeout`` overrides it.
    kind : str
        ``"exercise"`` (code the learner writes) or ``"question"`` (a
        prediction the learner records; see :mod:`bplab.grading.questions`).
    """

    lesson: str
    name: str
    points: int
    module: str
    produce: Callable = field(repr=False)
    judge: Callable = field(repr=False)
    hint: str = ""
    functions: tuple = ()
    timeout: float = 10.0
    kind: str = "exercise"
