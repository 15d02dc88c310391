"""Grade: run checks in the sandbox and compute verdicts in this process."""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bplab import gradcheck
from bplab.grading import encode, integrity
from bplab.grading import sandbox as sandbox_module
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
    confinement : str
        Which confinement the submission ran under (``confine.describe``).
    peak_memory_mb : float or None
        The most memory the check's processes held at once, in total, as the
        memory cap measured it (the cgroup's peak, or the watchdog's largest
        sum); None when not measured.
    """

    check: object
    status: str
    score: float = 0.0
    results: list = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    confinement: str = ""
    peak_memory_mb: float | None = None

    @property
    def max_score(self):
        return self.check.points

    @property
    def worst_error(self):
        errors = [r.error for r in self.results if np.isfinite(r.error)]
        return max(errors) if errors else float("nan")

    @property
    def diagnosis(self):
        """The diagnosis of the case whose message is shown (``gradcheck.shown_result``), never another case's."""
        from bplab.grading.report import shown_case

        shown = shown_case(self)
        return shown.diagnosis if shown is not None else ""


def grade(checks, impl_dir, *, timeout=None, memory_mb=DEFAULT_MEMORY_MB, jobs=None, unconfined=False, sandbox=None):
    """Run ``checks`` on the modules in ``impl_dir``; one Outcome per check, in order.

    Parameters
    ----------
    checks : list of Check
    impl_dir : path
        Folder holding the exercise modules (``ex02_mlp.py`` ...).
    timeout : float, optional
        Per-check limit in seconds overriding each check's own.
    memory_mb : int
        Memory cap of each check: the address space of each of its processes, and the memory all of them hold
        together (:mod:`.memcap`: a memory cgroup where one can be made, else a watchdog).
    jobs : int, optional
        Exercise modules graded at once, each by its own supervisor (every core by default).
    unconfined : bool
        Grade even without Landlock, and without it and the network namespace where they exist: only for
        trusted code. Every outcome records it.
    sandbox : Sandbox, optional
        A running sandbox to use (a batch); a new one is started and stopped otherwise.

    Raises
    ------
    SandboxUnavailable
        When submissions cannot be confined here and ``unconfined`` is not given.
    integrity.Tampered
        When bplab's own files changed while untrusted code was graded (now or in an earlier run).
    """
    impl_dir = Path(impl_dir).resolve()
    if not impl_dir.is_dir():
        raise FileNotFoundError(f"no folder {impl_dir} to grade")
    if sandbox is None:
        with Sandbox(memory_mb=memory_mb, unconfined=unconfined, trusted=_is_course_folder(impl_dir),
                     forbidden=[impl_dir]) as own:
            return grade(checks, impl_dir, timeout=timeout, jobs=jobs, sandbox=own)
    modules = {}
    for check in checks:
        modules.setdefault(check.module, []).append(check)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(modules)))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = pool.map(lambda group: _grade_group(group, impl_dir, timeout, sandbox), modules.values())
        outcomes = {o.check.name: o for group in graded for o in group}
    return [outcomes[c.name] for c in checks]


def _is_course_folder(folder):
    """The course's own solutions/ and exercises/ (the learner's own work) need no tamper watch."""
    from bplab import loader

    root = loader.course_root()
    return folder in (root / "solutions", root / "exercises")


def _grade_group(checks, impl_dir, timeout, sandbox):
    """Grade checks in one supervisor, asking for a new one if the submission ends it."""
    pending, outcomes = list(checks), []
    while pending:
        for name, reply in sandbox.run(pending, impl_dir, timeout):
            outcome = _verdict(next(c for c in pending if c.name == name), reply)
            outcome.confinement = sandbox.confinement
            outcome.peak_memory_mb = _megabytes(reply.get("peak_memory_mb"))
            outcomes.append(outcome)
        done = {o.check.name for o in outcomes}
        pending = [c for c in pending if c.name not in done]
    return outcomes


class SandboxUnavailable(RuntimeError):
    """The sandbox could not start, or refuses to run submissions unconfined."""


_BOOT = ("import sys; sys.path.append({parent!r}); from bplab.grading import sandbox; "
         "sys.exit(sandbox.main(sys.argv))")


class Sandbox:
    """The zygote of one batch: started before any submission runs, from files checked unchanged.

    Use as a context manager. ``confinement`` says which layers are in force.
    ``BPLAB_MEMORY_CAP=watchdog`` in the environment caps memory with the watchdog even where cgroups work.
    ``_landlock_abi`` lowers the Landlock ABI the sandbox believes it has (tests of the refusal).
    """

    def __init__(self, *, memory_mb=DEFAULT_MEMORY_MB, unconfined=False, trusted=False, forbidden=(), _landlock_abi=None):
        import bplab
        from bplab import loader

        self.memory_mb, self.unconfined = memory_mb, unconfined
        self._record = None
        _remove_dead_workspaces(_traversable_tmp())
        self.workspace = tempfile.mkdtemp(prefix="bplab-grading-", dir=_traversable_tmp())
        os.chmod(self.workspace, 0o711)  # the children's uid walks through to its own scratch folder
        self._alive = _hold_alive_lock(self.workspace)
        # Requests (with a socket for the answers) travel as datagrams; the zygote's stdin is the lifeline:
        # end-of-file there means this process closed the sandbox or died.
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        package = os.path.dirname(os.path.realpath(bplab.__file__))
        state = integrity.state_dir()
        config = {"control_fd": theirs.fileno(), "workspace": self.workspace, "unconfined": unconfined,
                  "landlock_required": not trusted,
                  "package_dir": package, "course_root": str(loader.course_root()), "state_dir": str(state),
                  "forbidden": [str(f) for f in forbidden], "landlock_abi": _landlock_abi,
                  "memory_mb": memory_mb, "memory_cap": os.environ.get("BPLAB_MEMORY_CAP", "auto")}
        env = dict(sandbox_module.CHILD_ENV, HOME=self.workspace, TMPDIR=self.workspace)
        debug = os.environ.get("BPLAB_SANDBOX_DEBUG")
        # -I: no PYTHONPATH, user site or current folder; the bytecode cache is private, so a planted .pyc is never read.
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-X", f"pycache_prefix={state / 'pycache'}", "-c",
             _BOOT.format(parent=os.path.dirname(package)), json.dumps(config)],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=None if debug else subprocess.DEVNULL, start_new_session=True, cwd=self.workspace)
        theirs.close()
        hello, deadline = {}, time.monotonic() + 120
        try:
            while not hello and self.process.poll() is None and time.monotonic() < deadline:
                if select.select([self._control], [], [], 0.05)[0]:
                    hello = json.loads(self._control.recv(1 << 16) or b"{}")
        except (OSError, ValueError):
            hello = {}
        if not hello.get("ready"):
            self.close()
            raise SandboxUnavailable(hello.get("error") or "the grading sandbox did not start")
        self.confinement = hello["confinement"]
        self._lock = threading.Lock()
        if not trusted:  # fingerprint bplab now, before any submission runs; the zygote settles it when all is over
            self._record = integrity.begin()
            self._control.send(json.dumps({"record": str(self._record)}).encode())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(check=exc[0] is None)

    def close(self, check=False):
        """Stop the zygote (it kills everything it started), remove the scratch folder, check the files."""
        self._control.close()
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.workspace, ignore_errors=True)
        if self._alive is not None:
            os.close(self._alive)
            self._alive = None
        if self._record is not None:
            record, self._record = self._record, None
            try:
                integrity.end(record)
            except integrity.Tampered:
                if check:
                    raise

    def run(self, checks, impl_dir, timeout):
        """Ask for a supervisor; yield (name, reply) per check until it finishes or dies."""
        request = {"impl_dir": str(impl_dir), "memory_mb": self.memory_mb,
                   "checks": [{"name": c.name, "timeout": float(timeout or c.timeout)} for c in checks]}
        mine, theirs = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self._control, [json.dumps(request).encode()], [theirs.fileno()])
        except OSError:
            mine.close()
            theirs.close()
            for item in request["checks"]:
                yield item["name"], {"status": "crashed", "message": "the grading sandbox is gone"}
            return
        theirs.close()
        buffer = b""
        try:
            for item in request["checks"]:
                deadline = time.monotonic() + item["timeout"] + SUPERVISOR_SLACK
                line, buffer = _read_line(mine, self.process.pid, buffer, deadline)
                reply = _decode(line)
                if reply is None or reply.get("name") != item["name"]:
                    yield item["name"], {"status": "crashed", "message": "the grading process for this check was "
                                         "stopped (did the submission kill it?)"}
                    return
                yield item["name"], reply
        finally:
            mine.close()


_ALIVE = ".alive"


def _hold_alive_lock(workspace):
    """Lock ``workspace/.alive`` for as long as this process lives; the descriptor to close when done.

    The file is locked before it gets its name, so a run that finds it never
    takes a live run's folder for a dead one. The kernel drops the lock when
    this process dies, however it dies, and the next run removes the folder.
    """
    fd = os.open(os.path.join(workspace, _ALIVE + ".new"), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(os.path.join(workspace, _ALIVE + ".new"), os.path.join(workspace, _ALIVE))
    return fd


def _remove_dead_workspaces(tmp):
    """Remove the scratch folders of runs that died without cleaning up (a grader and its zygote both killed)."""
    for path in Path(tmp).glob("bplab-grading-*"):
        try:
            fd = os.open(path / _ALIVE, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue  # still starting, another user's, or not ours to judge
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its run is alive
        else:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)


def _traversable_tmp():
    """The temporary folder, if another uid can walk through it to its scratch folder; else /tmp."""
    folder = os.path.realpath(tempfile.gettempdir())
    parts = folder.split("/")
    walkable = all(os.stat("/" + "/".join(parts[1:i + 1])).st_mode & 0o001 for i in range(1, len(parts)))
    return folder if walkable or os.geteuid() != 0 else "/tmp"


def _read_line(sock, zygote_pid, buffer, deadline):
    """The supervisor's next line, or None when it ends, stops, overruns the deadline or sends too much."""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or len(buffer) > encode.MAX_BYTES + 4096:
            return None, buffer
        if _stopped(zygote_pid):
            os.kill(zygote_pid, signal.SIGKILL)
            return None, buffer
        ready, _, _ = select.select([sock], [], [], min(remaining, STOPPED_POLL))
        if not ready:
            continue
        chunk = sock.recv(1 << 20)
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


def _megabytes(value):
    """A finite, non-negative number from the supervisor's reply, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        return None
    return float(value)


def _decode(line):
    if line is None:
        return None
    try:
        reply = encode.loads(line)
    except ValueError:  # too large, too deep or malformed: the supervisor was tampered with
        return None
    return reply if isinstance(reply, dict) else None


def _add_note(failing, notes):
    """Put what the learner's source shows (an unpacking in the wrong order) first in the failing case's diagnosis.

    The child reads it from the source of the graded functions (:func:`bplab.grading.tracebacks.notes`); it is a
    fact about the code, so it is shown instead of what the numbers suggest (their consequence).
    """
    if not isinstance(notes, list) or not notes or not isinstance(notes[0], str):
        return
    note = encode.clean(notes[0])[:300]
    # A value landing in the wrong name (an unpacking, a call or a signature in another order) changes every number
    # after it: what the numbers suggest then (often "returned in the wrong order") describes its consequence.
    failing.diagnosis = note


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
    failing = gradcheck.shown_result(results)
    if failing is not None:
        _add_note(failing, reply.get("notes"))
        message = failing.message
    else:  # a right prediction is told why it is right
        message = "; ".join(r.detail for r in results if r.detail) if check.kind == "question" else ""
    return Outcome(check, "passed" if passed else "failed", score=float(check.points) if passed else 0.0,
                   results=results, message=message, seconds=seconds)


def grade_submissions(submissions_dir, checks, *, jobs=None, timeout=None, unconfined=False):
    """Grade every subfolder of ``submissions_dir``; {learner: [Outcome, ...]}.

    Learners are graded in parallel, ``jobs`` at a time (every core by
    default), all by one sandbox started before the first submission runs;
    each learner's checks run in their own supervisor under their own uid.
    """
    submissions_dir = Path(submissions_dir).resolve()
    folders = sorted(p for p in submissions_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise FileNotFoundError(f"no submission folders in {submissions_dir}")
    jobs = jobs or os.cpu_count() or 1
    with Sandbox(unconfined=unconfined, forbidden=[submissions_dir]) as sandbox, \
            ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = list(pool.map(lambda folder: grade(checks, folder, timeout=timeout, jobs=1, sandbox=sandbox), folders))
    return {encode.clean(folder.name): outcomes for folder, outcomes in zip(folders, graded)}
