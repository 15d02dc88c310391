"""Grade: run checks in the sandbox and compute verdicts in this process."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bplab.grading import encode
from bplab.grading.sandbox import DEFAULT_MEMORY_MB

SUPERVISOR_SLACK = 8.0
"""Seconds a supervisor may take beyond a check's limit (start-up, killing)."""
STOPPED_POLL = 0.05
"""Seconds between two looks at whether the supervisor was stopped."""


@dataclass
class Outcome:
    """The verdict on one check.

    Attributes
    ----------
    check : Check
    status : str
        ``passed``, ``failed``, ``not attempted``, ``error``, ``timeout``,
        ``crashed`` or ``missing``.
    score : float
    results : list of GradCheckResult
    message : str
        One line saying what went wrong (empty when passed).
    seconds : float
    """

    check: object
    status: str
    score: float = 0.0
    results: list = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0

    @property
    def max_score(self):
        return self.check.points

    @property
    def worst_error(self):
        errors = [r.error for r in self.results if np.isfinite(r.error)]
        return max(errors) if errors else float("nan")

    @property
    def diagnosis(self):
        return next((r.diagnosis for r in self.results if not r.passed and r.diagnosis), "")


def grade(checks, impl_dir, *, timeout=None, memory_mb=DEFAULT_MEMORY_MB, jobs=None):
    """Run ``checks`` on the modules in ``impl_dir``; one Outcome per check, in order.

    Parameters
    ----------
    checks : list of Check
    impl_dir : path
        Folder holding the exercise modules (``ex02_mlp.py`` ...).
    timeout : float, optional
        Per-check limit in seconds overriding each check's own.
    memory_mb : int
        Address-space cap of each child.
    jobs : int, optional
        Exercise modules graded at once, each by its own supervisor (every core by default).
    """
    impl_dir = Path(impl_dir).resolve()
    if not impl_dir.is_dir():
        raise FileNotFoundError(f"no folder {impl_dir} to grade")
    modules = {}
    for check in checks:
        modules.setdefault(check.module, []).append(check)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(modules)))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = pool.map(lambda group: _grade_group(group, impl_dir, timeout, memory_mb), modules.values())
        outcomes = {o.check.name: o for group in graded for o in group}
    return [outcomes[c.name] for c in checks]


def _grade_group(checks, impl_dir, timeout, memory_mb):
    """Grade checks in one supervisor, starting a new one if the submission kills it."""
    pending, outcomes = list(checks), []
    while pending:
        for name, reply in _supervise(pending, impl_dir, timeout, memory_mb):
            outcomes.append(_verdict(next(c for c in pending if c.name == name), reply))
        done = {o.check.name for o in outcomes}
        pending = [c for c in pending if c.name not in done]
    return outcomes


def _supervise(checks, impl_dir, timeout, memory_mb):
    """Start a supervisor; yield (name, reply) per check until it finishes or dies."""
    # The children's working folders live here; this process removes it, even when a submission kills the supervisor.
    workspace = tempfile.TemporaryDirectory(prefix="bplab-grading-")
    request = {"checks": [{"name": c.name, "timeout": float(timeout or c.timeout)} for c in checks],
               "memory_mb": memory_mb, "workspace": workspace.name}
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONHASHSEED="0", MPLBACKEND="Agg")
    process = subprocess.Popen([sys.executable, "-m", "bplab.grading.sandbox", str(impl_dir), json.dumps(request)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE,
                               env=env, start_new_session=True)
    buffer = b""
    try:
        for item in request["checks"]:
            deadline = time.monotonic() + item["timeout"] + SUPERVISOR_SLACK
            line, buffer = _read_line(process, buffer, deadline)
            reply = _decode(line)
            if reply is None or reply.get("name") != item["name"]:
                reply = {"status": "crashed", "message": "the grading process for this check was stopped "
                         "(did the submission kill it?)"}
                yield item["name"], reply
                return
            yield item["name"], reply
    finally:
        _stop(process)
        workspace.cleanup()


def _read_line(process, buffer, deadline):
    """The supervisor's next line, or None when it ends, stops, overruns the deadline or sends too much."""
    fd = process.stdout.fileno()
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or len(buffer) > encode.MAX_BYTES + 4096 or _stopped(process.pid):
            return None, buffer
        ready, _, _ = select.select([fd], [], [], min(remaining, STOPPED_POLL))
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None, buffer
        buffer += chunk
    line, _, rest = buffer.partition(b"\n")
    return line, rest


def _stopped(pid):
    """Whether ``pid`` is stopped (SIGSTOP, SIGTSTP, ptrace): it would never answer, so it is killed at once."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t")
    except (OSError, IndexError):
        return False


def _decode(line):
    if line is None:
        return None
    try:
        reply = encode.loads(line)
    except ValueError:  # too large, too deep or malformed: the supervisor was tampered with
        return None
    return reply if isinstance(reply, dict) else None


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.stdout.close()
    process.stdin.close()


def _verdict(check, reply):
    """Turn a supervisor reply into an Outcome; the values are judged here."""
    status = reply.get("status")
    try:
        seconds = float(reply.get("seconds") or 0.0)
    except (TypeError, ValueError):
        seconds = 0.0
    message = encode.clean(reply.get("message") or "")[:500]
    if status != "ok":
        known = {"not attempted", "error", "timeout", "crashed", "missing"}
        return Outcome(check, status if status in known else "error", message=message or encode.clean(status)[:100],
                       seconds=seconds)
    values = encode.from_jsonable(reply.get("values"))
    if not isinstance(values, dict):
        return Outcome(check, "failed", message="returned values of the wrong form", seconds=seconds)
    try:
        results = list(check.judge(values))
    except Exception as error:  # a malformed return must fail the check, not the grader
        return Outcome(check, "failed", seconds=seconds,
                       message=f"returned values of the wrong form ({type(error).__name__}: {error})"[:300])
    passed = bool(results) and all(r.passed for r in results)
    failing = next((r for r in results if not r.passed), None)
    return Outcome(check, "passed" if passed else "failed", score=float(check.points) if passed else 0.0,
                   results=results, message="" if failing is None else failing.message, seconds=seconds)


def grade_submissions(submissions_dir, checks, *, jobs=None, timeout=None):
    """Grade every subfolder of ``submissions_dir``; {learner: [Outcome, ...]}.

    Learners are graded in parallel, ``jobs`` at a time (every core by
    default); each one's checks run in its own sandbox processes.
    """
    folders = sorted(p for p in Path(submissions_dir).iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise FileNotFoundError(f"no submission folders in {submissions_dir}")
    jobs = jobs or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = pool.map(lambda folder: grade(checks, folder, timeout=timeout, jobs=1), folders)
        return {encode.clean(folder.name): outcomes for folder, outcomes in zip(folders, graded)}
