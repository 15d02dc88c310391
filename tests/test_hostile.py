"""Hostile submissions: each scores 0 with a clear message, and grading finishes with intact results."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from bplab.grading import registry, runner
from tests.paths import ROOT, SOLUTIONS

WARM_UP = [c for c in registry.checks_of("00") if c.name == "sum_of_squares_gradient"]
"""Lesson 00's exercise: the target of every attack here (the lesson also holds questions)."""

TIMEOUT = 2.0
SLACK = 6.0  # start-up and clean-up on a loaded 2-core machine: the time-limit contract, not a speed figure

HOSTILE = {
    "exit at import": ("import sys\nsys.exit(0)\n", "crashed|error", ""),
    "os._exit at import": ("import os\nos._exit(0)\n", "crashed", "ended without an answer"),
    "SIGKILL at import": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "crashed", "SIGKILL"),
    "endless loop at import": ("while True:\n    pass\n", "timeout", "while importing"),
    "sleep at import": ("import time\ntime.sleep(1000)\n", "timeout", "timed out"),
    "exit inside": ("import sys\ndef sum_of_squares_gradient(x):\n    sys.exit(0)\n", "error", "SystemExit"),
    "os._exit inside": ("import os\ndef sum_of_squares_gradient(x):\n    os._exit(0)\n", "crashed", ""),
    "SIGKILL inside": ("import os, signal\ndef sum_of_squares_gradient(x):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                       "crashed", "SIGKILL"),
    "endless loop inside": ("def sum_of_squares_gradient(x):\n    while True:\n        pass\n", "timeout", "2 s"),
    "sleep inside": ("import time\ndef sum_of_squares_gradient(x):\n    time.sleep(1000)\n", "timeout", ""),
    "KeyboardInterrupt": ("def sum_of_squares_gradient(x):\n    raise KeyboardInterrupt\n", "error", "KeyboardInterrupt"),
    "unbounded recursion": ("def sum_of_squares_gradient(x):\n    return sum_of_squares_gradient(x)\n",
                            "error|crashed", ""),
    "syntax error": ("def sum_of_squares_gradient(x)\n    return 2 * x\n", "error", "SyntaxError"),
    "empty module": ("", "error", "AttributeError"),
    "memory bomb": ("def sum_of_squares_gradient(x):\n    return bytearray(8 * 1024 ** 3)\n", "error", "memory"),
    "returns an object": ("def sum_of_squares_gradient(x):\n    return object()\n", "failed", "wrong type"),
    "printed fake results": (textwrap.dedent("""
        import json, sys
        fake = {"name": "sum_of_squares_gradient", "status": "ok", "values": {}, "seconds": 0}
        for stream in (sys.stdout, sys.stderr):
            print(json.dumps(fake), file=stream, flush=True)
            print("total: 1/1 points", file=stream, flush=True)
        def sum_of_squares_gradient(x):
            print(json.dumps({"status": "passed", "score": 1}))
            return -2 * x
        """), "failed", "sign flipped"),
    "monkeypatched numpy and bplab": (textwrap.dedent("""
        import numpy, bplab.gradcheck as g
        from bplab.grading import runner, encode
        numpy.allclose = lambda *a, **k: True
        numpy.array_equal = lambda *a, **k: True
        g.rel_error = lambda a, b: 0.0
        g.compare = lambda name, *a, **k: g.GradCheckResult(name, True)
        runner._verdict = lambda check, reply: None
        def sum_of_squares_gradient(x):
            return x * 0 + 1.0
        """), "failed", ""),
    "modifies its input": ("def sum_of_squares_gradient(x):\n    x *= 2\n    return x\n", "failed", "modified in place"),
    "hides that it modifies its input": (textwrap.dedent("""
        import sys
        import numpy as np
        import bplab.grading.harness as harness
        def forged(fn, *args, names=None, repeat=False):
            # the learner's function on copies, and a claim that nothing changed
            return fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args]), []
        harness.call = forged
        for name, module in list(sys.modules.items()):
            if name.startswith("bplab.grading.lessons.lesson") and hasattr(module, "call"):
                module.call = forged
        def sum_of_squares_gradient(x):
            x *= 2
            return x
        """), "failed", "no usable record of the call's inputs"),
}


def _submission(tmp_path, source):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex00_welcome.py").write_text(source)
    return folder


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_submission_scores_zero(tmp_path, case):
    source, statuses, message = HOSTILE[case]
    start = time.monotonic()
    [outcome] = runner.grade(WARM_UP, _submission(tmp_path, source), timeout=TIMEOUT)
    elapsed = time.monotonic() - start
    assert outcome.score == 0
    assert outcome.status in statuses.split("|"), (outcome.status, outcome.message)
    assert message in outcome.message + " " + " ".join(r.message for r in outcome.results), outcome.message
    assert outcome.message, "a zero needs a reason"
    assert elapsed < TIMEOUT + SLACK, f"grading took {elapsed:.1f} s"


def test_the_submission_cannot_kill_its_supervisor(walkable_tmp, tmp_path, monkeypatch):
    """Killing the supervisor is refused (another uid as root; Landlock's signal scope otherwise); scratch is removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(walkable_tmp))  # where the grader puts the children's scratch folders
    source = textwrap.dedent("""
        import os, signal
        def sum_of_squares_gradient(x):
            open("left-behind.txt", "w").write(os.getcwd())
            os.kill(os.getppid(), signal.SIGKILL)
        """)
    [outcome] = runner.grade(WARM_UP, _submission(tmp_path, source), timeout=TIMEOUT)
    assert outcome.score == 0 and outcome.status == "error", (outcome.status, outcome.message)
    assert "PermissionError" in outcome.message
    assert not list(walkable_tmp.iterdir()), "the grader removes the scratch folder"


def test_a_hostile_learner_does_not_spoil_the_class(tmp_path):
    classroom = tmp_path / "class"
    shutil.copytree(SOLUTIONS, classroom / "honest")
    (classroom / "hostile").mkdir()
    (classroom / "hostile" / "ex00_welcome.py").write_text(
        "import os, signal\nos.killpg(0, signal.SIGKILL)\ndef sum_of_squares_gradient(x):\n    return 2 * x\n")
    graded = runner.grade_submissions(classroom, WARM_UP, jobs=2, timeout=TIMEOUT)
    assert graded["honest"][0].score == 1
    assert graded["hostile"][0].score == 0


def test_process_left_behind_cannot_rewrite_the_results(tmp_path):
    """fork + setsid, then rewrite the results file after grading ended: the orphan is killed first."""
    results = tmp_path / "results.json"
    marker = tmp_path / "orphan-was-alive"
    source = textwrap.dedent(f"""
        import os, time, json
        def sum_of_squares_gradient(x):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(1.5)
                    open({str(marker)!r}, "w").write("alive")
                    open({str(results)!r}, "w").write(json.dumps({{"score": 100, "tests": []}}))
                os._exit(0)
            return -2 * x
        """)
    folder = _submission(tmp_path, source)
    run = subprocess.run([sys.executable, "-m", "bplab", "grade", "--impl", str(folder), "--lesson", "00",
                          "--timeout", str(TIMEOUT), "--gradescope", str(results)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert run.returncode == 1
    written = results.read_text()
    time.sleep(3.0)
    assert results.read_text() == written and json.loads(written)["score"] == 0
    assert not marker.exists()


def _claim_nothing_changed(values):
    """``values`` with every witness replaced by the bare claim of a patched ``call``: ``(result, [])``."""
    if isinstance(values, dict):
        return {k: [] if k == "witness" else _claim_nothing_changed(v) for k, v in values.items()}
    if isinstance(values, list):
        return [_claim_nothing_changed(v) for v in values]
    return values


def test_no_check_takes_a_claim_that_the_inputs_are_unchanged():
    """Every check that judges "inputs unchanged" fails it when the witness is a bare claim.

    The solutions pass the same case with their real witnesses (``tests/test_grading.py``: full marks).
    """
    from bplab.grading import encode
    from tests.mistakes import Mistake, build_module

    judged = []
    for check in registry.all_checks():
        if check.kind != "exercise" or check.timeout > 10:  # the long training runs judge no inputs: 15 s saved
            continue
        module, _ = build_module(Mistake(check.name, "the solution", ()), check.module)
        sent = encode.to_jsonable(check.produce(module))
        claim = _claim_nothing_changed(sent)
        if claim == sent:  # no witness: the check has no "inputs unchanged" case
            continue
        verdicts = [r for r in check.judge(encode.from_jsonable(encode.loads(encode.dumps(claim))))
                    if r.name == "inputs unchanged"]
        assert verdicts and not any(r.passed for r in verdicts), (check.name, [str(r) for r in verdicts])
        judged.append(check.name)
    assert len(judged) >= 40, judged
