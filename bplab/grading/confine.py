"""Confine the child that runs a submission: Landlock, a network namespace, another uid, rlimits.

Everything here is plain Linux system calls through ``ctypes`` (no dependency).
The layers, applied by :func:`confine` in the forked child before any learner
code is imported:

1. **rlimits**: address space, processes, file size, open files, no core dumps.
   The memory of all the child's processes together is capped by
   :mod:`.memcap` (a cgroup the child joins first, or a watchdog).
2. **A network namespace** (``unshare(CLONE_NEWNET)``; inside a user namespace
   when the grader is not root): no interface but a loopback that is down, so
   no TCP, UDP or local service is reachable.
3. **Another uid** (only when the grader is root): a dedicated uid and gid for
   this child, so it can neither signal, trace nor read the memory or
   ``/proc/<pid>/environ`` of the grader, and ``RLIMIT_NPROC`` counts its
   processes only. The supervisor kills everything that uid owns afterwards.
4. **Landlock** (ABI 1 and later): read-only access to the interpreter,
   site-packages, the ``bplab`` package and the private copy of the learner's
   files; read-write to the check's scratch folder only; no execution, no
   device files; TCP bind/connect denied (ABI 4); signals and abstract unix
   sockets scoped to the child (ABI 6).

:func:`probe` tells what this machine allows, :func:`describe` says it in one
line for every report.
"""

from __future__ import annotations

import ctypes
import os
import resource
import stat
import struct
import sys

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture but alpha
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# landlock.h access rights
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REMOVE_DIR, _REMOVE_FILE, _MAKE_CHAR, _MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
_MAKE_REG, _MAKE_SOCK, _MAKE_FIFO, _MAKE_BLOCK, _MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV  # the rights a rule on a file may hold
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000

MEMORY_MB = 2048
PROCESSES = 16
"""Processes and threads the child may have (``RLIMIT_NPROC``; counted per uid, hence the dedicated uid)."""
FILE_MB = 64
OPEN_FILES = 64

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class Unavailable(OSError):
    """A confinement layer this machine does not offer."""


def _syscall(number, *args):
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    return result


def _unshare(flags):
    if _libc.unshare(ctypes.c_int(flags)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def landlock_abi():
    """The kernel's Landlock ABI version, 0 when Landlock is missing or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return _syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def _userns_allowed():
    """Whether an unprivileged process may create a user namespace (tried in a throw-away child)."""
    pid = os.fork()
    if pid == 0:
        try:
            _unshare(_CLONE_NEWUSER | _CLONE_NEWNET)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def probe():
    """What this machine allows: ``{"landlock": ABI, "root": bool, "netns": bool}``."""
    root = os.geteuid() == 0
    netns = sys.platform.startswith("linux") and (root or _userns_allowed())
    return {"landlock": landlock_abi(), "root": root, "netns": bool(netns)}


def describe(facts, unconfined=False, memory=None):
    """One line saying which confinement is in force, for every report.

    ``memory`` says how memory is capped (``memcap.describe``); that cap holds even unconfined.
    """
    memory = f"; {memory}" if memory else ""
    if unconfined:
        return ("UNCONFINED (--unconfined): submissions ran with the grader's access to files, network and processes"
                + memory)
    abi = facts["landlock"]
    scope = ", TCP" if abi >= 4 else ""
    scope += ", signals and abstract sockets" if abi >= 6 else ""
    parts = [f"Landlock ABI {abi}: files{scope}"]
    parts.append("own network namespace" if facts["netns"] else "network NOT isolated (no namespace allowed)")
    parts.append(f"dedicated uid {facts['uid']}+" if facts.get("uid") else "grader's uid (not root)")
    parts.append(f"rlimits: {PROCESSES} processes, {FILE_MB} MB files, {OPEN_FILES} open files, no core")
    return "; ".join(parts) + memory


def set_limits(memory_mb=MEMORY_MB, *, dedicated_uid):
    """Address space, processes, file size, open files and core dumps of this process and its children.

    With a dedicated uid the process cap is absolute (that uid runs nothing
    else); with the grader's own uid it is the processes that uid already has
    plus ``PROCESSES``.
    """
    memory = memory_mb * 1024 * 1024
    linux = sys.platform.startswith("linux")
    limits = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, FILE_MB * 1024 * 1024),
              (resource.RLIMIT_NOFILE, OPEN_FILES)]
    if linux:  # elsewhere there is no /proc to count the processes a uid has
        limits.append((resource.RLIMIT_NPROC, PROCESSES if dedicated_uid else _tasks_of(os.getuid()) + PROCESSES))
    for limit, value in limits:
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            if linux:
                raise  # elsewhere some limits cannot be lowered (macOS and RLIMIT_AS): best effort


def _tasks_of(uid):
    """Threads (tasks) owned by ``uid``, which ``RLIMIT_NPROC`` counts."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", "rb") as status:
                    fields = dict(line.split(b":", 1) for line in status.read().splitlines() if b":" in line)
                if int(fields[b"Uid"].split()[0]) == uid:
                    count += int(fields[b"Threads"])
            except (OSError, KeyError, ValueError):
                continue
    return count


def isolate_network():
    """Move this process into a new, empty network namespace (inside a user namespace when not root)."""
    if os.geteuid() == 0:
        _unshare(_CLONE_NEWNET)
        return
    uid, gid = os.getuid(), os.getgid()
    _unshare(_CLONE_NEWUSER | _CLONE_NEWNET)
    # Map our own ids, so that files we create keep our uid (unmapped ids would make creation fail).
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def drop_to(uid):
    """Become ``uid`` (gid ``uid``, no supplementary groups): every capability is gone."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def landlock(read, write, abi=None):
    """Restrict this thread (and what it starts) to reading ``read`` and writing ``write``.

    Parameters
    ----------
    read, write : list of str
        Folders or files. ``read`` gets reading files and listing folders;
        ``write`` also gets creating, writing, truncating and removing regular
        files and folders. Nothing else is allowed: no execution, no device,
        socket, FIFO or symbolic link creation, no linking across folders.

    Raises
    ------
    Unavailable
        When the kernel has no Landlock.
    """
    abi = landlock_abi() if abi is None else abi
    if abi < 1:
        raise Unavailable("Landlock is not available on this kernel")
    handled_fs = (1 << 13) - 1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0) | (_IOCTL_DEV if abi >= 5 else 0)
    handled_net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled_fs, handled_net, scoped)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    buffer = ctypes.create_string_buffer(attr[:size], size)
    ruleset = _syscall(_SYS_CREATE_RULESET, buffer, ctypes.c_size_t(size), ctypes.c_uint32(0))
    try:
        reading = _READ_FILE | _READ_DIR
        writing = reading | _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE_DIR | _MAKE_REG | (_TRUNCATE if abi >= 3 else 0)
        for paths, access in ((read, reading), (write, writing)):
            for path in paths:
                _allow(ruleset, path, access)
        _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _allow(ruleset, path, access):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FILE_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("=Qi", access, fd), 12)
        _syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), rule, ctypes.c_uint32(0))
    finally:
        os.close(fd)


def readable_roots(package_dir, forbidden):
    """What a child may read: the interpreter, site-packages, system libraries and the ``bplab`` package.

    A candidate that contains any of ``forbidden`` (the learner's folder, the
    course root with its solutions) is left out: a venv inside the course
    folder is allowed, the course folder itself never.
    """
    import site
    import sysconfig

    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(package_dir),
                  *(sysconfig.get_paths().get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")),
                  *site.getsitepackages(), "/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/lib32", "/usr/local/lib",
                  *(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))}
    if site.ENABLE_USER_SITE and site.getusersitepackages():
        candidates.add(site.getusersitepackages())
    forbidden = [os.path.realpath(f) for f in forbidden if f]
    roots = []
    for candidate in sorted(c for c in candidates if c):
        real = os.path.realpath(candidate)
        if real == "/" or not os.path.exists(real):
            continue
        if real in roots or any(f == real or f.startswith(real.rstrip("/") + "/") for f in forbidden):
            continue
        roots.append(real)
    return roots
