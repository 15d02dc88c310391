"""Grading speed: the inline check, the whole course, a class on every core; lesson 00's demo."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Row, ms_row, redraw_rows, samples  # noqa: I001
from bplab import notebook
from bplab.figures.checker_demo import CheckerDemoFigure
from bplab.grading import registry, runner
from bplab.labs.checker_demo import CheckerDemoModel

ROOT = Path(__file__).resolve().parent.parent


def rows():
    inline = samples(lambda: notebook.check("sum_of_squares_gradient", impl="solutions"), repeat=15)
    result = [ms_row("inline check, one exercise (notebook check())", inline, "<= 1000 ms")]

    course = samples(lambda: subprocess.run([sys.executable, "-m", "bplab", "grade", "--impl", "solutions"],
                                            cwd=ROOT, capture_output=True, check=True), repeat=3, warmup=1)
    n_checks = len(registry.all_checks())
    result.append(Row("grade the whole course (bplab grade --impl solutions)", float(np.median(course)),
                      float(np.max(course)), "s", "<= 15 s", f"{n_checks} checks; p95 column = max of 3 runs"))

    with tempfile.TemporaryDirectory() as folder:
        for learner in range(4):
            shutil.copytree(ROOT / "solutions", Path(folder) / f"learner{learner}")
        timings = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            runner.grade_submissions(folder, registry.all_checks(), jobs=jobs)
            timings[jobs] = time.perf_counter() - start
    result.append(Row("grade a class of 4 (--submissions, --jobs 2)", timings[2], float("nan"), "s",
                      "uses every core", f"--jobs 1: {timings[1]:.1f} s, speed-up {timings[1] / timings[2]:.2f}x on 2 cores"))

    model = CheckerDemoModel()
    factors = iter(np.tile(np.linspace(-3, 3, 25), 100))
    result += redraw_rows("lesson 00 checker demo", model, CheckerDemoFigure,
                          [lambda m: m.set_factor(next(factors))])
    return result
