"""Run submitted code in child processes that cannot touch the verdict.

The grader starts this module as a *supervisor* process::

    python -m bplab.grading.sandbox IMPL_DIR REQUESTS_JSON

The supervisor imports only trusted code (numpy, bplab, the check
definitions), makes itself a child subreaper, and then, for each requested
check, forks a child that

1. starts a new session, caps its memory, points stdin/stdout/stderr at
   /dev/null and works in an empty temporary folder;
2. imports the learner's module from IMPL_DIR and calls ``check.produce``;
3. writes the returned values as JSON on a private pipe and ends with
   ``os._exit`` (so the submission's ``atexit`` hooks never run).

The supervisor waits for that child up to the time limit, then kills it and
every process it left behind (orphans are re-parented to the supervisor, the
subreaper, even after ``setsid``), and prints one JSON line per check on its
stdout for the grader. Nothing the child prints can reach that stdout.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback

from bplab.grading import encode, registry

PR_SET_CHILD_SUBREAPER = 36
DEFAULT_MEMORY_MB = 2048


def main(argv):
    impl_dir, request = argv[1], json.loads(argv[2])
    _become_subreaper()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # unwind: kill what is left behind
    checks = {c.name: c for c in registry.all_checks()}
    memory_mb = request.get("memory_mb", DEFAULT_MEMORY_MB)
    workspace = request["workspace"]  # the children's working folders go here; the grader removes it
    import_failures = {}
    grader_gone = False
    try:
        for item in request["checks"]:
            check = checks[item["name"]]
            if check.module in import_failures:
                reply = dict(import_failures[check.module], name=check.name, seconds=0.0)
            else:
                reply = _run_one(check, impl_dir, item["timeout"], memory_mb, workspace)
                if reply.get("import_failed"):
                    import_failures[check.module] = reply
            sys.stdout.write(_reencode(reply) + "\n")
            sys.stdout.flush()
    except (GraderGone, BrokenPipeError):
        grader_gone = True
    finally:
        _kill_descendants()
        if grader_gone:  # nobody else is left to remove the children's scratch folders
            shutil.rmtree(workspace, ignore_errors=True)


class GraderGone(Exception):
    """The grading process ended (its end of our stdin closed): stop, clean up, leave."""


def _run_one(check, impl_dir, timeout, memory_mb, workspace):
    """Fork a child for one check and return the reply for the grader."""
    start = time.perf_counter()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_end)
        _child(check, impl_dir, write_end, memory_mb, workspace)
    os.close(write_end)
    try:
        lines, exit_status = _collect(pid, read_end, start + timeout)
    except GraderGone:
        _kill(pid)
        raise
    os.close(read_end)
    ended = exit_status is not None
    if not ended:
        _kill(pid)
        os.waitpid(pid, 0)
    _kill_descendants()
    seconds = time.perf_counter() - start
    imported = any(line.get("stage") == "imported" for line in lines)
    final = next((line for line in reversed(lines) if "status" in line), None)
    if final is not None:
        return dict(final, name=check.name, seconds=seconds, import_failed=bool(final.get("import_failed")))
    if not ended:
        message = f"timed out after {timeout:g} s" + ("" if imported else " while importing the module")
        return {"name": check.name, "status": "timeout", "message": message, "seconds": seconds,
                "import_failed": not imported}
    message = f"the process ended without an answer ({_describe_status(exit_status)})"
    message += "" if imported else " while importing the module"
    return {"name": check.name, "status": "crashed", "message": message, "seconds": seconds,
            "import_failed": not imported}


def _reencode(reply):
    """The reply as one line of JSON for the grader, within the size limit whatever the child sent."""
    try:
        return encode.dumps(reply)
    except ValueError as error:
        return encode.dumps({"name": reply.get("name"), "status": "error", "seconds": reply.get("seconds", 0.0),
                             "message": f"returned {error}", "import_failed": bool(reply.get("import_failed"))})


def _collect(pid, fd, deadline):
    """Read the child's JSON lines until it exits or the deadline passes.

    Returns (lines, wait status or None when it was still running). Reading
    stops when the child itself exits, not at end-of-file: a process it left
    behind may hold the pipe open, and must not keep the check waiting.
    """
    buffer = bytearray()
    os.set_blocking(fd, False)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        _drain(fd, buffer)
        if done:
            return _parse(buffer), status
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return _parse(buffer), None
        ready, _, _ = select.select([fd, sys.stdin.fileno()], [], [], min(remaining, 0.02))
        if sys.stdin.fileno() in ready and not os.read(sys.stdin.fileno(), 1):
            raise GraderGone
        if len(buffer) > encode.MAX_BYTES:
            _kill(pid)
            os.waitpid(pid, 0)
            return [{"stage": "imported"}, {"status": "error",
                                            "message": f"returned more than {encode.MAX_BYTES // 2 ** 20} MB of data"}], 0


def _drain(fd, buffer):
    while len(buffer) <= encode.MAX_BYTES:
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            return
        buffer.extend(chunk)


def _parse(buffer):
    """The child's messages; a malformed one becomes an error (too large, too deep), never an exception."""
    lines = []
    for raw in bytes(buffer).split(b"\n"):
        if not raw.strip():
            continue
        try:
            item = encode.loads(raw)
        except encode.TooLarge as error:
            item = {"status": "error", "message": f"returned {error}"}
        except ValueError:  # a line cut short when the child was killed, or noise
            continue
        if isinstance(item, dict):
            lines.append(item)
    return lines


def _describe_status(status):
    if os.WIFSIGNALED(status):
        return f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _kill(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _become_subreaper():
    """Orphans of the children come back to this process instead of init."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _children(pid):
    """Pids whose parent is ``pid``, read from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _kill_descendants(grace_seconds=2.0):
    """Kill every process left behind until this process has no children at all."""
    if not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        for pid in _children(os.getpid()):
            _kill(pid)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.005)


def _child(check, impl_dir, result_fd, memory_mb, workspace):
    """Body of the forked child: import the submission, produce, answer, exit.

    It never returns: whatever happens (even a failed write because the
    supervisor is gone), it ends with ``os._exit`` and never falls back into
    the supervisor's code.
    """
    try:
        _answer(check, impl_dir, result_fd, memory_mb, workspace)
    finally:
        os._exit(4)


def _answer(check, impl_dir, result_fd, memory_mb, workspace):
    try:
        os.setsid()
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, 65536)
        os.chdir(tempfile.mkdtemp(prefix="check-", dir=workspace))
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.path.insert(0, os.path.abspath(impl_dir))
        sys.dont_write_bytecode = True
    except BaseException:
        os._exit(3)

    def send(message):
        try:
            text = encode.dumps(message)
        except ValueError as error:
            text = encode.dumps({"status": "error", "message": f"returned {error}"})
        data = (text + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(result_fd, view)
            view = view[written:]

    path = os.path.join(os.path.abspath(impl_dir), check.module + ".py")
    try:
        if not os.path.exists(path):
            send({"status": "missing", "import_failed": True,
                  "message": f"{check.module}.py is not in {os.path.abspath(impl_dir)}"})
            os._exit(0)
        import importlib
        module = importlib.import_module(check.module)
    except BaseException as error:  # noqa: BLE001 - a submission may raise anything, even SystemExit
        send({"status": "error", "import_failed": True,
              "message": "importing " + _describe(error, path)})
        os._exit(0)
    try:
        send({"stage": "imported"})
        values = check.produce(module)
        payload = {"status": "ok", "values": encode.to_jsonable(values)}
    except NotImplementedError as error:
        payload = {"status": "not attempted", "message": str(error) or "raises NotImplementedError"}
    except MemoryError:
        payload = {"status": "error", "message": f"ran out of memory (the limit is {memory_mb} MB)"}
    except BaseException as error:  # noqa: BLE001
        payload = {"status": "error", "message": _describe(error, path)}
    send(payload)
    os._exit(0)


def _describe(error, path):
    """``"line 12 in f: ValueError: ..."``, pointing into the learner's file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == path]
    where = f"line {frames[-1].lineno} in {frames[-1].name}: " if frames else ""
    if isinstance(error, SyntaxError) and error.lineno:
        where = f"line {error.lineno}: "
    if isinstance(error, RecursionError):
        return where + "RecursionError: maximum recursion depth exceeded (an endless recursion?)"
    text = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return f"{where}{type(error).__name__}" + (f": {text}" if text else "")


if __name__ == "__main__":
    main(sys.argv)
