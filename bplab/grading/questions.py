"""Graded predictions: questions the learner answers before looking.

A question is a :class:`~bplab.grading.checks.Check` of kind ``"question"``.
The learner records the answer as a module-level name in their exercise file,
next to the exercises of that section::

    # Q: momentum goes from 0.9 to 0.99 at the same learning rate. By what factor
    #    does the effective step lr / (1 - momentum) grow? (a number)
    EFFECTIVE_STEP_FACTOR = 10     # inside a module-level BEGIN / END SOLUTION block

The stub that ``bplab build-exercises`` writes holds ``EFFECTIVE_STEP_FACTOR =
None``, which grades as "not attempted". The definition, in
``bplab/grading/lessons/questionsNN.py``::

    CHECKS = [
        question(lesson="04", name="q_effective_step", module="ex04_optimizers",
                 answer="EFFECTIVE_STEP_FACTOR", expected=Number(10, rel_tol=0.02),
                 right="the effective step is lr / (1 - momentum): 1 / 0.01 over 1 / 0.1",
                 look="sum the geometric series of past gradients that one gradient contributes to",
                 mistakes={"1.1": "that is the ratio of the momenta, not of 1 / (1 - momentum)"},
                 hint='notebook 04, section "3. Momentum"'),
    ]

Like every check, the child only reads the answer; the verdict is computed in
the grading process. A wrong answer gets ``look`` (what to observe again, never
the answer) or, when it matches a known wrong answer, that mistake's sentence;
a right answer gets ``right``, the one-sentence reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from bplab import gradcheck
from bplab.grading.checks import Check


@dataclass(frozen=True)
class Number:
    """A numeric answer: ``value`` within ``rel_tol`` (relative) or ``abs_tol`` (absolute).

    ``lower``/``upper`` give an interval instead, for answers read off a figure
    where every sound reading lies in a range.
    """

    value: float = math.nan
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    lower: float | None = None
    upper: float | None = None

    def parse(self, answer):
        """The answer as a float, or a sentence saying why it is not one."""
        answer = _scalar(answer)
        if isinstance(answer, bool):
            return None, "a number is expected, not True or False"
        if isinstance(answer, (int, float)):
            number = float(answer)
        elif isinstance(answer, str):
            try:
                number = _fraction_or_float(answer)
            except (ValueError, ZeroDivisionError):
                return None, f"a number is expected (like 0.5 or 1/3), got the text {answer[:40]!r}"
        else:
            return None, f"a number is expected, got {type(answer).__name__}"
        if not math.isfinite(number):
            return None, "a finite number is expected"
        return number, ""

    def accepts(self, number):
        if self.lower is not None or self.upper is not None:
            low = -math.inf if self.lower is None else self.lower
            high = math.inf if self.upper is None else self.upper
            return low <= number <= high
        return abs(number - self.value) <= max(self.abs_tol, self.rel_tol * abs(self.value))

    def matches(self, number, wrong):
        """Whether ``number`` is the known wrong answer ``wrong`` (same tolerance as the right one)."""
        return abs(number - float(wrong)) <= max(self.abs_tol, self.rel_tol * abs(float(wrong)), 1e-12)

    def flipped(self, number):
        """Whether ``number`` is the right value with the wrong sign (a sign slip somewhere in the working)."""
        if self.lower is not None or self.upper is not None or not self.value:
            return False
        return abs(number + self.value) <= max(self.abs_tol, self.rel_tol * abs(self.value))

    def describe(self):
        if self.lower is not None or self.upper is not None:
            return f"a number between {self.lower} and {self.upper}"
        return "a number"


@dataclass(frozen=True)
class Choice:
    """A multiple-choice answer: one letter among ``options`` (case and spaces ignored)."""

    value: str
    options: str = "abcd"

    def parse(self, answer):
        if not isinstance(answer, str):
            return None, f"a letter ({', '.join(self.options)}) in quotes is expected, got {type(answer).__name__}"
        letter = answer.strip().strip("()").lower()
        if len(letter) != 1 or letter not in self.options:
            return None, f"one letter among {', '.join(self.options)} is expected, got {answer[:40]!r}"
        return letter, ""

    def accepts(self, letter):
        return letter == self.value.lower()

    def matches(self, letter, wrong):
        return letter == str(wrong).lower()

    def describe(self):
        return f"one letter among {', '.join(self.options)}"


def _scalar(answer):
    """A numpy number (``np.log10(0.9)``) arrives as a 0-d array: take it as the number it is."""
    if isinstance(answer, np.generic):
        answer = np.asarray(answer)
    if isinstance(answer, np.ndarray) and answer.shape == () and answer.dtype.kind in "iuf":
        return float(answer)
    return answer


def _fraction_or_float(text):
    """``"0.5"``, ``"1/3"``, ``"1e-3"``, ``"-2"`` (a Unicode minus too) as a float."""
    cleaned = text.strip().replace("\u2212", "-").replace(" ", "")
    match = re.fullmatch(r"([-+]?[0-9.eE+-]+)/([-+]?[0-9.eE+-]+)", cleaned)
    if match:
        return float(match.group(1)) / float(match.group(2))
    return float(cleaned)


def question(*, lesson, name, module, answer, expected, right, look, hint, mistakes=None, points=1):
    """A graded prediction, as a Check of kind ``"question"``.

    Parameters
    ----------
    lesson, name, module, hint, points
        As for every :class:`Check`; by convention ``name`` starts with ``q_``.
    answer : str
        The module-level name in the exercise file that holds the answer.
    expected : Number or Choice
        What is accepted.
    right : str
        The one-sentence reason, shown when the answer is right.
    look : str
        What to observe again, shown when the answer is wrong (never the answer itself).
    mistakes : dict, optional
        ``{wrong answer: sentence}``: known wrong answers and what each one
        misses. Keys are compared like answers (numbers with the question's tolerance).
    """
    mistakes = dict(mistakes or {})

    def produce(ex):
        value = getattr(ex, answer, None)
        if value is None:
            raise NotImplementedError(f"{answer}: not written yet (it is None): write your prediction in {module}.py")
        return {"answer": value}

    def judge(values):
        parsed, problem = expected.parse(values.get("answer"))
        if problem:
            return [gradcheck.verdict(answer, False, problem, f"write {expected.describe()} in {answer}")]
        if expected.accepts(parsed):
            return [gradcheck.verdict(answer, True, right)]
        known = next((sentence for wrong, sentence in mistakes.items() if expected.matches(parsed, wrong)), "")
        if not known and getattr(expected, "flipped", lambda _: False)(parsed):
            known = f"the right size with the wrong sign: check the sign of each term ({look})"
        return [gradcheck.verdict(answer, False, f"{parsed!r} is not it", known or look)]

    return Check(lesson=lesson, name=name, points=points, module=module, produce=produce, judge=judge,
                 hint=hint, functions=(answer,), kind="question")
