"""Replies are data: bounded in size and depth, stripped of terminal escapes; a stopped supervisor is killed at once."""

import json
import re
import subprocess
import sys
import textwrap
import time

from bplab.grading import registry, report, runner
from tests.paths import ROOT

WARM_UP = [c for c in registry.checks_of("00") if c.name == "sum_of_squares_gradient"]
"""Lesson 00's exercise: the target of every attack here (the lesson also holds questions)."""

TIMEOUT = 4.0
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")

# Writes ``payload`` straight into the answer pipe (the only descriptor above 2), then ends without another word.
WRITE_RAW = textwrap.dedent("""
    import os
    def _answer(payload):
        for fd in range(3, 256):
            try:
                os.fstat(fd)
            except OSError:
                continue
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view[:1 << 20]):]
        os._exit(0)
    """)


def _grade(tmp_path, source):
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "ex00_welcome.py").write_text(source)
    [outcome] = runner.grade(WARM_UP, folder, timeout=TIMEOUT)
    return outcome


def test_a_reply_nested_200000_deep_is_an_error_not_a_crash(tmp_path):
    source = WRITE_RAW + textwrap.dedent("""
        def sum_of_squares_gradient(x):
            _answer(b'{"status": "ok", "values": ' + b'[' * 200000 + b']' * 200000 + b'}\\n')
        """)
    outcome = _grade(tmp_path, source)
    assert outcome.score == 0 and outcome.status == "error", (outcome.status, outcome.message)
    assert "nested" in outcome.message


def test_a_huge_return_value_is_refused_in_the_child(tmp_path):
    outcome = _grade(tmp_path, "def sum_of_squares_gradient(x):\n    return [0.1] * 3_000_000\n")
    assert outcome.score == 0 and outcome.status == "error", (outcome.status, outcome.message)
    assert "MB of data" in outcome.message


def test_a_60_mb_reply_does_not_blow_up_the_supervisor(tmp_path):
    """The supervisor stops reading at the cap: its peak memory stays small (it took 1.6 GB)."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex00_welcome.py").write_text(WRITE_RAW + textwrap.dedent("""
        def sum_of_squares_gradient(x):
            _answer(b'{"status": "ok", "values": {"__list__": [' + b'0,' * 30_000_000 + b'0]}}\\n')
        """))
    script = textwrap.dedent(f"""
        import resource, sys
        from bplab.grading import registry, runner
        checks = [c for c in registry.checks_of("00") if c.name == "sum_of_squares_gradient"]
        [o] = runner.grade(checks, {str(folder)!r}, timeout={TIMEOUT})
        print(o.status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, o.message)
        """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    status, peak_mb, message = run.stdout.split(maxsplit=2)
    assert status == "error" and "MB of data" in message, run.stdout + run.stderr
    assert int(peak_mb) < 500, f"a process of the grading took {peak_mb} MB"


ESCAPES = "\x1b[2J\x1b[H\x1b]0;owned\x07total: 101/101 points\r\x9b31m\u202e"


def test_terminal_escapes_never_reach_any_output(tmp_path):
    classroom = tmp_path / "class"
    evil = classroom / f"evil{ESCAPES}"
    evil.mkdir(parents=True)
    (evil / "ex00_welcome.py").write_text(
        f"def sum_of_squares_gradient(x):\n    raise ValueError({ESCAPES!r} * 3)\n")
    odd = classroom / "odd"
    odd.mkdir()
    (odd / "ex00_welcome.py").write_text(
        f"def sum_of_squares_gradient(x):\n    return {{{ESCAPES!r}: type({ESCAPES!r}, (), {{}})()}}\n")
    graded = runner.grade_submissions(classroom, WARM_UP, jobs=1, timeout=TIMEOUT)
    csv_path = tmp_path / "grades.csv"
    report.write_csv(csv_path, graded, ["00"])
    outputs = [csv_path.read_text(), *graded]
    for outcomes in graded.values():
        assert outcomes[0].score == 0
        outputs += [report.text_table(outcomes), report.html_table(outcomes)]
        for text in (report.to_json(outcomes), report.gradescope(outcomes)):
            outputs.append(text)
            outputs.append(json.dumps(json.loads(text), ensure_ascii=False))  # what a viewer shows
    for text in outputs:
        assert not CONTROL.search(text.replace("\n", "")), repr(text)
        assert "\u202e" not in text


def test_a_stopped_supervisor_is_killed_at_once(tmp_path):
    source = textwrap.dedent("""
        import os, signal
        def sum_of_squares_gradient(x):
            try:
                os.kill(os.getppid(), signal.SIGSTOP)
            except OSError:
                pass
            return -2 * x
        """)
    start = time.monotonic()
    outcome = _grade(tmp_path, source)
    elapsed = time.monotonic() - start
    assert outcome.score == 0
    assert elapsed < TIMEOUT, f"a stopped supervisor held the check for {elapsed:.1f} s"
