"""Run submitted code in confined child processes that cannot touch the verdict.

Three kinds of process, all started from code loaded before any submission ran::

    grader (runner.py)
      └─ zygote: python -I -m bplab.grading.sandbox CONFIG   (once per batch)
           └─ supervisor: one per exercise module of one learner (forked)
                └─ child: one per check (forked, confined, runs the learner's code)

The **zygote** imports everything the grading needs (numpy, bplab, every
check module, common standard modules), then only forks: the grader's code is
never read from disk again while submissions run. It receives requests on a
socket together with a socket for the answers, forks a supervisor for each,
kills any supervisor that gets stopped, and when the grader goes away it kills
everything and removes the scratch folder.

A **supervisor** makes a private copy of the learner's regular ``ex*.py``
files (opened without following links, size-capped, no ``.pyc``), then for
each check forks a child, waits for it up to the time limit, kills it and
everything it left behind (it is a subreaper; as root, everything owned by the
child's uid), and writes one JSON line per check for the grader. It also
caps the memory of the check's processes in total (:mod:`.memcap`): it makes
the check's memory cgroup, or watches their memory while it waits.

A **child** joins that cgroup first, caps its resources, points
stdin/stdout/stderr at /dev/null, works in an empty scratch folder, confines itself (:mod:`.confine`: network
namespace, Landlock, a dedicated uid as root), poisons bplab's reference
implementations of the graded functions (:mod:`.references`), imports the
learner's module from the private copy, calls ``check.produce`` and writes the
values as JSON on a private pipe, then ends with ``os._exit``.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import pkgutil
import random
import re
import select
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback

from bplab.grading import confine, encode, harness, integrity, memcap, references, registry, tracebacks

PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG = 36, 1
DEFAULT_MEMORY_MB = confine.MEMORY_MB
MAX_SOURCE_BYTES = 1024 * 1024
"""Largest learner file copied; a larger one is left out (and reported missing)."""
MAX_SOURCES = 64
SOURCE_NAME = re.compile(r"ex\w{1,64}\.py")
UID_BASES = (0x70000000, 200_000, 60_000)
"""First uid of the dedicated range, tried in order (containers often map only 0-65535)."""
UID_SLOTS = 4096
PRELOADED = ("math", "cmath", "random", "statistics", "itertools", "functools", "collections", "collections.abc",
             "copy", "dataclasses", "typing", "operator", "heapq", "bisect", "fractions", "decimal", "numbers",
             "string", "re", "json", "time", "abc", "enum", "contextlib", "warnings", "types", "array", "pprint",
             "textwrap", "traceback", "linecache", "inspect", "weakref", "struct", "secrets", "hmac", "hashlib", "zipfile",
             "io", "base64", "datetime", "csv", "pickle", "gzip", "zlib", "uuid", "locale", "ast", "tokenize", "difflib",
             "glob", "fnmatch", "pathlib", "encodings.cp437", "encodings.idna", "numpy.random", "numpy.linalg", "subprocess",
             "threading", "concurrent.futures", "socket", "shutil", "tempfile", "signal", "select", "html", "csv")
"""Standard modules imported before forking: the child, as another uid, may not be able to read the interpreter's."""
CHILD_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
             "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
"""The whole environment of the zygote and every child (plus HOME and TMPDIR in the scratch folder): no secrets."""
_NOT_PRELOADED = ("bplab.widgets", "bplab.figures", "bplab.labs", "bplab.notebook", "bplab.cli",
                  "bplab.__main__", "bplab.graph_layout", "bplab.release", "bplab.exercise_builder", "bplab.loader",
                  "bplab.powered")
_libc = ctypes.CDLL(None, use_errno=True)


# -- the zygote ------------------------------------------------------------------------------------

def main(argv):
    """Zygote: ``CONFIG`` is JSON with the control socket's fd, the workspace, limits and the package folder."""
    config = json.loads(argv[1])
    control = socket.socket(fileno=config["control_fd"])
    state = {"config": config, "uids": {}}
    try:
        try:
            state = _prepare(config)
            hello = {"ready": True, "confinement": state["confinement"]}
        except Exception as error:  # noqa: BLE001 - tell the grader why, then leave
            hello = {"error": f"{type(error).__name__}: {error}"}
        control.send(json.dumps(hello).encode())
        if hello.get("ready"):
            _serve(control, state)
    finally:
        _clean_up({}, state)  # also when the grader vanished before we were ready
        os._exit(0)  # everything is cleaned up: skip the interpreter's slow teardown


def _prepare(config):
    """Import everything, learn what confinement this machine allows; refuse to run without it unless told."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import bplab

    package = os.path.dirname(os.path.realpath(bplab.__file__))
    if package != config["package_dir"]:
        raise RuntimeError(f"the sandbox loaded bplab from {package}, the grader from {config['package_dir']}")
    for name in PRELOADED:
        __import__(name)
    checks = {c.name: c for c in registry.all_checks()}
    for info in pkgutil.walk_packages(bplab.__path__, "bplab."):  # what checks import lazily, before any submission
        if not info.name.startswith(_NOT_PRELOADED):
            __import__(info.name)
    from bplab.datasets import load_digits

    load_digits()  # read once here (cached): the child's uid may not be able to read the package's data files
    facts = confine.probe()
    if config.get("landlock_abi") is not None:  # only ever lowered: to test what happens without Landlock
        facts["landlock"] = min(facts["landlock"], config["landlock_abi"])
    if facts["landlock"] < 1 and not config.get("landlock_required", True):
        config["unconfined"] = True  # the course's own folders (a learner checking their work): run, and say so
    if not config["unconfined"] and facts["landlock"] < 1:
        raise confine.Unavailable(
            "this kernel has no Landlock, so submissions cannot be confined; bplab refuses to grade untrusted code "
            "here. Pass --unconfined only for code you trust (it is then recorded in every report)")
    base = _uid_base() if facts["root"] else None
    facts["uid"] = base
    lock = os.open(os.path.join(config["state_dir"], "uids.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600) \
        if base else None
    forbidden = [config["course_root"], *config.get("forbidden", [])]
    memory = memcap.start(config["memory_mb"], config.get("memory_cap") or "auto")
    return {"checks": checks, "facts": facts, "config": config, "uid_lock": lock, "uids": {}, "memory": memory,
            "roots": confine.readable_roots(package, forbidden),
            "confinement": confine.describe(facts, config["unconfined"], memory=memcap.describe(memory))}


def _uid_base():
    """The first uid of a range this process may switch to (tried in a throw-away child)."""
    for base in UID_BASES:
        pid = os.fork()
        if pid == 0:
            try:
                confine.drop_to(base)
            finally:
                os._exit(0 if os.getuid() == base else 1)
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return base
    raise RuntimeError("no uid to run submissions as: setresuid failed for every candidate range")


def _serve(control, state):
    """Fork a supervisor per request; kill stopped ones; on the grader's departure, clean up and leave."""
    supervisors = {}
    try:
        while True:
            ready, _, _ = select.select([control, sys.stdin], [], [], 0.05)
            if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1 << 10):
                return  # the grader closed the sandbox, or died
            if control in ready:
                message, fds, _, _ = socket.recv_fds(control, 1 << 16, 1)
                request = json.loads(message)
                if "record" in request:  # where the grader recorded bplab's fingerprint for this run
                    state["config"]["record"] = request["record"]
                    continue
                uid = _allocate_uid(state)
                pid = os.fork()
                if pid == 0:
                    control.close()
                    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the lifeline is the zygote's, not ours
                    _supervisor(request, fds[0], uid, state)
                os.close(fds[0])
                supervisors[pid] = uid
            _reap(supervisors, state)
    finally:
        _clean_up(supervisors, state)


def _clean_up(supervisors, state):
    """Kill every supervisor and what they started, free the uids, remove the scratch folder, settle the record."""
    for pid in supervisors:
        _kill(pid)
    for pid in supervisors:
        _wait_gone(pid)
    _kill_descendants()
    for uid in list(state.get("uids", ())):
        _release_uid(state, uid)
    if state.get("memory") is not None:
        state["memory"].close()  # the run's cgroups, with anything a killed supervisor left in them
    for _ in range(5):  # a second pass for anything created while the first one ran
        shutil.rmtree(state["config"]["workspace"], ignore_errors=True)
        if not os.path.exists(state["config"]["workspace"]):
            break
    if state["config"].get("record"):  # no submission runs any more: were bplab's files changed meanwhile?
        try:
            integrity.end(state["config"]["record"])
        except (integrity.Tampered, OSError, ValueError):
            pass  # the record now says so; the grader reports it, or the next run refuses


def _wait_gone(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _reap(supervisors, state):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG | os.WUNTRACED)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if os.WIFSTOPPED(status):  # a stopped supervisor would never answer: end it now
            _kill(pid)
            continue
        if pid in supervisors:
            uid = supervisors.pop(pid)
            if uid is not None:
                _release_uid(state, uid)


def _allocate_uid(state):
    """A uid of the dedicated range no other grading run holds (a byte-range lock per uid); None when not root."""
    base, lock = state["facts"]["uid"], state["uid_lock"]
    if base is None:
        return None
    for _ in range(1000):
        slot = random.randrange(UID_SLOTS)
        if base + slot in state["uids"]:
            continue
        try:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, slot)
        except OSError:
            continue
        uid = base + slot
        _kill_uid(uid)  # anything a crashed earlier run left under this uid
        state["uids"][uid] = slot
        return uid
    raise RuntimeError("no free uid for a supervisor")


def _release_uid(state, uid):
    _kill_uid(uid)
    slot = state["uids"].pop(uid)
    fcntl.lockf(state["uid_lock"], fcntl.LOCK_UN, 1, slot)


# -- the supervisor --------------------------------------------------------------------------------

class GraderGone(Exception):
    """The grading process ended (its end of the answer socket closed): stop, clean up, leave."""


def _supervisor(request, answer_fd, uid, state):
    """Grade one learner's module: a child per check, one JSON line per check on ``answer_fd``. Never returns."""
    try:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote gone means the grader is gone
        answers = socket.socket(fileno=answer_fd)
        workdir = tempfile.mkdtemp(prefix="learner-", dir=state["config"]["workspace"])
        os.chmod(workdir, 0o711)  # the child's uid passes through to its scratch folder and the copy, lists nothing
        sources = os.path.join(workdir, "src")
        copied = _private_copy(request["impl_dir"], sources)
        import_failures = {}
        for item in request["checks"]:
            check = state["checks"][item["name"]]
            if check.module in import_failures:
                reply = dict(import_failures[check.module], name=check.name, seconds=0.0)
            elif check.module + ".py" not in copied:
                reply = {"name": check.name, "status": "missing", "import_failed": True, "seconds": 0.0,
                         "message": f"{check.module}.py is not in {request['impl_dir']}" + copied.get("", "")}
            else:
                reply = _run_one(check, sources, workdir, item["timeout"], request, uid, state, answers)
            if reply.get("import_failed"):
                import_failures[check.module] = reply
            answers.sendall((_reencode(reply) + "\n").encode())
    except BaseException:  # noqa: BLE001 - the grader gone, or anything else: end here, cleanly
        pass
    finally:
        try:
            _kill_descendants()
            if uid is not None:
                _kill_uid(uid)
        finally:
            os._exit(0)


def _private_copy(impl_dir, dest):
    """Copy the learner's regular ``ex*.py`` files into ``dest``; ``{name: ""}``, with ``""`` noting anything skipped.

    Links are not followed, special files are skipped, a file larger than
    ``MAX_SOURCE_BYTES`` is left out, and nothing else (no ``.pyc``) is taken.
    """
    os.makedirs(dest, mode=0o755)
    copied, skipped = {}, []
    try:
        names = sorted(n for n in os.listdir(impl_dir) if SOURCE_NAME.fullmatch(n))[:MAX_SOURCES]
    except OSError:
        names = []
    for name in names:
        try:
            fd = os.open(os.path.join(impl_dir, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            skipped.append(f"{name} (a link or unreadable)")
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
                skipped.append(f"{name} (not a regular file, or larger than {MAX_SOURCE_BYTES // 1024} KB)")
                continue
            data = os.read(fd, MAX_SOURCE_BYTES + 1)[:MAX_SOURCE_BYTES]
        finally:
            os.close(fd)
        with open(os.path.join(dest, name), "wb") as handle:
            handle.write(data)
        os.chmod(os.path.join(dest, name), 0o644)
        copied[name] = ""
    if skipped:
        copied[""] = "; skipped " + ", ".join(skipped)
    return copied


def _run_one(check, sources, workdir, timeout, request, uid, state, answers):
    """Fork a child for one check and return the reply for the grader."""
    start = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="check-", dir=workdir)
    if uid is not None:
        os.chown(scratch, uid, uid)
    cap = _memory_cap(state, request)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_end)
        _child(check, sources, scratch, write_end, request, uid, state, cap=cap)
    os.close(write_end)
    try:
        lines, exit_status = _collect(pid, read_end, start + timeout, answers, cap)
    finally:
        os.close(read_end)
        if uid is not None:
            _kill_uid(uid)
        _kill(pid)
        _kill_descendants()
        cap.close()
        shutil.rmtree(scratch, ignore_errors=True)
    reply = _reply(check, lines, exit_status, timeout, time.perf_counter() - start)
    if cap.exceeded:  # whatever the child answered: one of its processes was killed for memory, or all were
        reply = {"name": check.name, "status": "error", "seconds": reply["seconds"],
                 "import_failed": reply["import_failed"],
                 "message": f"used more than {cap.memory_mb} MB of memory in total across its processes "
                            "(the limit for one check; hold fewer or smaller arrays at once)"
                            + (" while importing the module" if reply["import_failed"] else "")}
    reply["peak_memory_mb"] = None if cap.peak_mb is None else round(cap.peak_mb, 1)  # ours, never the child's
    return reply


def _memory_cap(state, request):
    """The total memory cap of one check: its own cgroup, or the watchdog (also when that cgroup cannot be made)."""
    run = state.get("memory")
    if run is not None:
        try:
            return run.for_check()
        except OSError:
            pass
    return memcap.Watchdog(request["memory_mb"])


def _reply(check, lines, exit_status, timeout, seconds):
    """The reply for the grader from what the child sent and how it ended."""
    ended = exit_status is not None
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


def _collect(pid, fd, deadline, answers, cap):
    """Read the child's JSON lines until it exits or the deadline passes, letting ``cap`` watch its memory.

    Returns (lines, wait status or None when it was still running). Reading
    stops when the child itself exits, not at end-of-file: a process it left
    behind may hold the pipe open, and must not keep the check waiting.
    Raises GraderGone when the grader's end of ``answers`` closes.
    """
    buffer = bytearray()
    os.set_blocking(fd, False)
    while True:
        cap.poll()
        done, status = os.waitpid(pid, os.WNOHANG)
        _drain(fd, buffer)
        if done:
            return _parse(buffer), status
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return _parse(buffer), None
        ready, _, _ = select.select([fd, answers], [], [], min(remaining, 0.02))
        if answers in ready and not answers.recv(1):
            raise GraderGone
        if len(buffer) > encode.MAX_BYTES:
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


# -- killing what is left behind ------------------------------------------------------------------

def _kill(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _prctl(option, value):
    if sys.platform.startswith("linux"):
        _libc.prctl(option, value, 0, 0, 0)


def _kill_uid(uid):
    """Kill every process owned by ``uid``: a helper becomes that uid and sends SIGKILL to all it may signal."""
    pid = os.fork()
    if pid == 0:
        try:
            confine.drop_to(uid)
            for _ in range(50):  # kill(-1) reaches every process of the uid but the caller; again for any forked meanwhile
                os.kill(-1, signal.SIGKILL)
        except BaseException:  # noqa: BLE001 - ProcessLookupError: none left
            pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _process_table():
    """``{pid: parent pid}`` from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat_file:
                    table[int(entry)] = int(stat_file.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return table


def _kill_descendants(grace_seconds=2.0):
    """Kill every process below this one (a whole chain at once) until none is left."""
    if not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + grace_seconds
    me = os.getpid()
    while time.monotonic() < deadline:
        table = _process_table()
        below, frontier = set(), {me}
        while frontier:
            frontier = {pid for pid, parent in table.items() if parent in frontier} - below
            below |= frontier
        for pid in below:
            _kill(pid)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.005)


# -- the child ------------------------------------------------------------------------------------

def _child(check, sources, scratch, result_fd, request, uid, state, cap=None):
    """Body of the forked child: confine, import the submission, produce, answer, exit.

    It never returns: whatever happens (even a failed write because the
    supervisor is gone), it ends with ``os._exit`` and never falls back into
    the supervisor's code.
    """
    try:
        _answer(check, sources, scratch, result_fd, request, uid, state, cap)
    finally:
        os._exit(4)


def _confine_self(check, sources, scratch, result_fd, request, uid, state, cap):
    if cap is not None:
        cap.join()  # first: everything after this, and every process started from here, counts against the cap
    os.setsid()
    confine.set_limits(request["memory_mb"], dedicated_uid=uid is not None)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, result_fd)
    os.closerange(result_fd + 1, 65536)
    os.chdir(scratch)
    os.environ.clear()
    os.environ.update(CHILD_ENV, HOME=scratch, TMPDIR=scratch, MPLCONFIGDIR=scratch)
    tempfile.tempdir = scratch
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not state["config"]["unconfined"]:
        if state["facts"]["netns"]:
            confine.isolate_network()
        confine.landlock([*state["roots"], sources], [scratch], state["facts"]["landlock"])
    if uid is not None:
        confine.drop_to(uid)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # cleared by the uid change; the supervisor gone, the child goes
    sys.path[:] = [sources] + [p for p in sys.path if any(p == r or p.startswith(r + "/") for r in state["roots"])]
    sys.dont_write_bytecode = True
    sys.pycache_prefix = None  # the zygote's private cache is out of reach; read site-packages' own .pyc files
    references.poison(check.functions)


def _answer(check, sources, scratch, result_fd, request, uid, state, cap):
    try:
        _confine_self(check, sources, scratch, result_fd, request, uid, state, cap)
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

    path = os.path.join(sources, check.module + ".py")
    try:
        import importlib
        module = importlib.import_module(check.module)
    except BaseException as error:  # noqa: BLE001 - a submission may raise anything, even SystemExit
        send({"status": "error", "import_failed": True, "message": "importing " + _describe(error, path)})
        os._exit(0)
    try:
        send({"stage": "imported"})
        values = check.produce(module)
        payload = {"status": "ok", "values": encode.to_jsonable(values)}
    except NotImplementedError as error:
        payload = {"status": "not attempted", "message": str(error) or "raises NotImplementedError"}
    except encode.TooLarge as error:
        payload = {"status": "error", "message": f"returned {error}"}
    except MemoryError:
        payload = {"status": "error", "message": f"ran out of memory (the limit is {request['memory_mb']} MB)"}
    except BaseException as error:  # noqa: BLE001
        payload = {"status": "error", "message": _describe(error, path)}
    notes = harness.take_notes()
    if notes and payload.get("status") == "ok":
        payload["notes"] = notes[:3]
    if references.used():  # even when the learner's code caught the exception
        payload = {"status": "error", "message": f"{', '.join(check.functions)} "
                   f"calls bplab's own reference {references.used()}: a graded function must be your own implementation"}
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
    told = tracebacks.describe(error, path)  # the learner's line, its shapes, what the file declares
    if told:
        text = told
    if isinstance(error, ModuleNotFoundError) and error.name and error.name.split(".")[0] in sys.stdlib_module_names:
        text += " (the grader offers numpy, bplab and common standard modules only)"
    return f"{where}{type(error).__name__}" + (f": {text}" if text else "")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
