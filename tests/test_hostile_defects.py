"""Two defects of the sandbox: a child falling back into supervisor code, scratch left by a killed grader."""

import os
import shutil
import signal
import subprocess
import sys
import time

from bplab.grading import registry, sandbox
from tests.paths import ROOT, SOLUTIONS

WARM_UP = [c for c in registry.checks_of("00") if c.name == "sum_of_squares_gradient"]
"""Lesson 00's exercise: the target of every attack here (the lesson also holds questions)."""


def test_the_child_never_returns_into_supervisor_code(tmp_path):
    """When the supervisor is gone, the child's first write fails: it must end, not run the supervisor's code."""
    [check] = WARM_UP
    sources, scratch = tmp_path / "src", tmp_path / "scratch"
    sources.mkdir()
    scratch.mkdir()
    shutil.copy(SOLUTIONS / "ex00_welcome.py", sources)
    state = {"config": {"unconfined": True}, "facts": {"landlock": 0, "netns": False}, "roots": []}
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked process
        try:
            read_end, write_end = os.pipe()
            os.close(read_end)  # the supervisor is dead: nobody reads the answers
            sandbox._child(check, str(sources), str(scratch), write_end, {"memory_mb": 2048}, None, state)
        finally:
            os._exit(99)  # reached only when _child returned or raised
    _, status = os.waitpid(pid, 0)
    assert not (os.WIFEXITED(status) and os.WEXITSTATUS(status) in (99, 3)), "the child returned into the caller"


def _scratch_folders(tmp):
    return sorted(p for p in tmp.iterdir() if p.name.startswith("bplab-grading-"))


def test_a_killed_grader_leaves_no_scratch_folder(tmp_path, walkable_tmp):
    tmp = walkable_tmp
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex00_welcome.py").write_text(
        "import time\n"
        "def sum_of_squares_gradient(x):\n"
        "    open('running', 'w').write('yes')\n"
        "    time.sleep(60)\n")
    grader = subprocess.Popen([sys.executable, "-m", "bplab", "grade", "--impl", str(folder), "--lesson", "00",
                               "--timeout", "60"], cwd=ROOT, env=dict(os.environ, TMPDIR=str(tmp)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not any(any(f.rglob("running")) for f in _scratch_folders(tmp)):
            assert time.monotonic() < deadline, "the check never started"
            assert grader.poll() is None, "the grader ended early"
            time.sleep(0.05)
        grader.send_signal(signal.SIGKILL)
        grader.wait()
        deadline = time.monotonic() + 20  # generous: a loaded 2-core machine delays the zygote's clean-up
        while _scratch_folders(tmp) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _scratch_folders(tmp), "the scratch folder outlived the grader"
        # The grader vanishing while its sandbox starts up is cleaned up too.
        early = subprocess.Popen(grader.args, cwd=ROOT, env=dict(os.environ, TMPDIR=str(tmp)),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not _scratch_folders(tmp) and early.poll() is None:
            time.sleep(0.01)
        early.kill()
        early.wait()
        deadline = time.monotonic() + 20  # generous: a loaded 2-core machine delays the zygote's clean-up
        while _scratch_folders(tmp) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _scratch_folders(tmp), "a grader killed during start-up left its scratch folder"
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()


_HOLD_A_SANDBOX = """
import sys, time
from bplab.grading.runner import Sandbox
sandbox = Sandbox(trusted=True)
print(sandbox.process.pid, sandbox.workspace, flush=True)
time.sleep(120)
"""


def _run_holding_a_sandbox(tmp):
    run = subprocess.Popen([sys.executable, "-c", _HOLD_A_SANDBOX], cwd=ROOT, env=dict(os.environ, TMPDIR=str(tmp)),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    zygote, workspace = run.stdout.readline().split()
    return run, int(zygote), workspace


def test_scratch_of_a_grader_killed_with_its_zygote_is_removed_by_the_next_run(walkable_tmp, monkeypatch):
    """Nothing is left to clean up when both die at once: the next run finds the folder's lock free and removes it."""
    from bplab.grading.runner import Sandbox

    dead, zygote, dead_folder = _run_holding_a_sandbox(walkable_tmp)
    alive, _, alive_folder = _run_holding_a_sandbox(walkable_tmp)
    try:
        os.killpg(zygote, signal.SIGKILL)  # the zygote leads its own session
        dead.kill()
        dead.wait()
        assert os.path.isdir(dead_folder), "the setting of the test: nobody was left to remove it"
        monkeypatch.setenv("TMPDIR", str(walkable_tmp))
        monkeypatch.setattr("tempfile.tempdir", str(walkable_tmp))
        with Sandbox(trusted=True):
            assert not os.path.exists(dead_folder), "a dead run's scratch folder was kept"
            assert os.path.isdir(alive_folder), "a live run's scratch folder was removed"
    finally:
        alive.kill()
        alive.wait()
