"""Memory held in total across a check's processes is capped, not only each process's address space.

A submission that forks can keep several processes each just under the
per-process cap. Where a memory cgroup can be made (root, or a delegated
cgroup v2), each check runs in its own cgroup limited to ``memory_mb`` in
total; elsewhere a watchdog in the supervisor sums the processes' memory and
kills them all past the cap. Both paths are tested here (the watchdog is forced
with ``BPLAB_MEMORY_CAP=watchdog``). The hoard below writes at most 2.8 GB.
"""

import os
import subprocess
import textwrap
import time

import pytest

from bplab.grading import registry, runner

WARM_UP = [c for c in registry.checks_of("00") if c.name == "sum_of_squares_gradient"]
CAP_MB = runner.DEFAULT_MEMORY_MB
"""2048 MB: each process of the hoard stays below it, the four together do not."""
WATCHDOG_SLACK_MB = 400
"""What the processes may add between two looks of the watchdog (every 20 ms) before it kills them."""
TIMEOUT = 15.0


def _hoard(children, mb):
    """A correct gradient, computed after ``children`` forked processes each wrote ``mb`` MB and held it 1.5 s."""
    return textwrap.dedent(f"""
        import os, time

        def sum_of_squares_gradient(x):
            kids = []
            for _ in range({children}):
                pid = os.fork()
                if pid == 0:
                    block = b"\\1" * ({mb} * 2 ** 20)  # written, so it is resident
                    time.sleep(1.5)
                    os._exit(0)
                kids.append(pid)
            for pid in kids:
                os.waitpid(pid, 0)
            return 2 * x
        """)


def _grade(tmp_path, source):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex00_welcome.py").write_text(source)
    [outcome] = runner.grade(WARM_UP, folder, timeout=TIMEOUT)
    return outcome


def _force(monkeypatch, path):
    if path == "watchdog":
        monkeypatch.setenv("BPLAB_MEMORY_CAP", "watchdog")
    else:
        monkeypatch.delenv("BPLAB_MEMORY_CAP", raising=False)


@pytest.mark.parametrize("path", ["auto", "watchdog"])
def test_memory_held_across_forked_processes_is_capped_in_total(tmp_path, monkeypatch, path):
    _force(monkeypatch, path)
    outcome = _grade(tmp_path, _hoard(4, 700))
    assert outcome.score == 0 and outcome.status == "error", (outcome.status, outcome.message)
    assert f"more than {CAP_MB} MB of memory in total across its processes" in outcome.message, outcome.message
    from bplab.grading import memcap

    cgroup = "memory cgroup" in outcome.confinement
    assert cgroup == (path == "auto" and memcap.cgroup_support() is not None), outcome.confinement
    limit = CAP_MB if cgroup else CAP_MB + WATCHDOG_SLACK_MB
    assert outcome.peak_memory_mb is not None and outcome.peak_memory_mb <= limit, outcome.peak_memory_mb


@pytest.mark.parametrize("path", ["auto", "watchdog"])
def test_forked_processes_within_the_cap_pass_and_their_memory_is_measured(tmp_path, monkeypatch, path):
    _force(monkeypatch, path)
    outcome = _grade(tmp_path, _hoard(4, 100))
    assert outcome.score == 1, (outcome.status, outcome.message)
    assert 400 <= outcome.peak_memory_mb < 1000, outcome.peak_memory_mb


def test_every_output_says_how_memory_is_capped(monkeypatch):
    from tests.paths import SOLUTIONS

    for path, expected in (("watchdog", "watchdog"), ("auto", None)):
        _force(monkeypatch, path)
        [outcome] = runner.grade(WARM_UP, SOLUTIONS)
        assert f"{CAP_MB} MB in total per check" in outcome.confinement, outcome.confinement
        if expected:
            assert expected in outcome.confinement


def _bplab_cgroups(beside):
    """Every bplab cgroup in the folders holding ``beside`` (other runs' too, to compare before and after)."""
    return {os.path.join(parent, name) for parent in {os.path.dirname(f) for f in beside}
            for name in os.listdir(parent) if name.startswith("bplab-")}


def _alive(folder):
    """Whether the run that made cgroup ``folder`` (``bplab-<pid>-<start time>``) is still running."""
    from bplab.grading import memcap

    parts = os.path.basename(folder)[len(memcap.PREFIX):].split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return True  # another run's probe, there for a moment
    return str(memcap._start_time(int(parts[0]))) == parts[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="making cgroups here needs root")
def test_cgroups_are_removed_after_grading_and_stale_ones_on_the_next_run(tmp_path, monkeypatch):
    from bplab.grading import memcap

    support = memcap.cgroup_support()
    if support is None:
        pytest.skip("no memory cgroup can be made on this machine")
    monkeypatch.delenv("BPLAB_MEMORY_CAP", raising=False)
    # What a grader killed with SIGKILL leaves: its run's cgroups, a process still in them.
    stale = memcap.run_cgroups(support, name="bplab-999999999-1")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for folder in stale:
            with open(os.path.join(folder, "cgroup.procs"), "w") as procs:
                procs.write(str(sleeper.pid))
        from tests.paths import SOLUTIONS

        before = _bplab_cgroups(stale)
        [outcome] = runner.grade(WARM_UP, SOLUTIONS)
        assert outcome.score == 1 and "memory cgroup" in outcome.confinement
        assert sleeper.wait(timeout=5) == -9, "the stale cgroup's process is killed"
        for folder in stale:
            assert not os.path.exists(folder), f"stale cgroup {folder} left in place"
        time.sleep(0.2)
        left = [f for f in _bplab_cgroups(stale) - before if not _alive(f)]  # a parallel run's are not ours
        assert not left, f"cgroups left after grading: {left}"
    finally:
        sleeper.kill()
        sleeper.wait()
        for folder in stale:
            memcap._remove_tree(folder)  # when the test failed: leave nothing behind
