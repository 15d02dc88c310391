"""Cap the memory a check's processes hold in total: a memory cgroup where one can be made, else a watchdog.

``RLIMIT_AS`` caps each process; a submission that forks could still hold that
much in every one of its processes. Two ways to cap the sum, chosen once per
grading run by :func:`start`:

* **A memory cgroup per check** (cgroup v1, or a v2 cgroup whose memory
  controller is delegated to us, which in practice means running as root): the
  child joins it right after the fork, before any learner code runs. Memory
  and swap together are limited to the cap, processes and threads to
  ``confine.PROCESSES``. The kernel's OOM killer acts inside it, and the
  cgroup's ``oom_kill`` count tells the supervisor that a death was memory.
  The run's cgroups are named ``bplab-<zygote pid>-<its start time>``, so
  parallel runs never share one, and a run whose zygote is gone (a killed
  grader) is emptied and removed by the next run.
* **A watchdog** in the supervisor otherwise (not root, no delegation: a
  laptop, most containers): every ``WATCHDOG_PERIOD`` seconds it sums the
  resident anonymous and shared memory of every process below the supervisor
  (all of the check's: the supervisor is a subreaper, so orphans come back to
  it) and kills them all past the cap. Between two looks the processes may
  grow a little beyond it.

:func:`describe` says which one is in force, for every report.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from bplab.grading import confine

PREFIX = "bplab-"
WATCHDOG_PERIOD = 0.02
"""Seconds between two looks of the watchdog."""
_KILL_SECONDS = 2.0


# -- where cgroups can be made ----------------------------------------------------------------------

def _own_cgroups():
    """``{controller: path}`` from /proc/self/cgroup; cgroup v2's unified path under ``""``."""
    paths = {}
    with open("/proc/self/cgroup") as lines:
        for line in lines:
            number, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if number != "0" else [""]:
                paths[controller] = path
    return paths


def _mounts():
    """``[(fstype, root, mount point, super options)]`` of the cgroup file systems."""
    found = []
    with open("/proc/self/mountinfo") as lines:
        for line in lines:
            fields = line.split()
            after = fields.index("-")
            fstype = fields[after + 1]
            if fstype in ("cgroup", "cgroup2"):
                found.append((fstype, fields[3], fields[4], set(fields[after + 3].split(","))))
    return found


def _locate(mount_root, mount_point, path):
    """The folder of cgroup ``path`` in a hierarchy mounted at ``mount_point`` (whose root is ``mount_root``)."""
    if mount_root != "/" and (path == mount_root or path.startswith(mount_root + "/")):
        path = path[len(mount_root):]
    folder = os.path.normpath(os.path.join(mount_point, path.lstrip("/")))
    return folder if os.path.isdir(folder) else None


def _read(path):
    with open(path) as handle:
        return handle.read()


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def cgroup_support():
    """Where this process can make memory cgroups, tried for real; None when it cannot.

    Returns
    -------
    dict or None
        ``{"version": 1 or 2, "memory": folder, "pids": folder or None}``:
        the folders under which per-run cgroups are made (this process's own
        cgroup in each hierarchy).
    """
    try:
        own, mounts = _own_cgroups(), _mounts()
    except (OSError, ValueError, IndexError):
        return None
    candidates = []
    v1 = {c: _locate(root, point, own[c]) for fstype, root, point, options in mounts if fstype == "cgroup"
          for c in ("memory", "pids") if c in options and c in own}
    if v1.get("memory"):
        candidates.append({"version": 1, "memory": v1["memory"], "pids": v1.get("pids")})
    else:
        mount = next(((root, point) for fstype, root, point, _ in mounts if fstype == "cgroup2"), None)
        own_v2 = _locate(*mount, own[""]) if mount and "" in own else None
        try:
            usable = own_v2 and "memory" in _read(os.path.join(own_v2, "cgroup.controllers")).split()
        except OSError:
            usable = False
        if usable:
            # Our own cgroup, when its children may get the memory controller (the root, or an empty delegated
            # one); else beside it, in its parent, which hands the controller down (reachable as root).
            candidates.append({"version": 2, "memory": own_v2, "pids": own_v2})
            parent = os.path.dirname(own_v2)
            if own_v2.rstrip("/") != mount[1].rstrip("/") and parent.startswith(mount[1]):
                candidates.append({"version": 2, "memory": parent, "pids": parent})
    for support in candidates:
        probe = f"{PREFIX}probe-{os.getpid()}-{time.monotonic_ns()}"
        try:
            made = run_cgroups(support, probe)
        except OSError:
            continue
        for folder in made:
            _remove_tree(folder)
        return support
    return None


def run_cgroups(support, name):
    """Make the cgroups of one run, ``name`` in each hierarchy; their folders (v2: one).

    In cgroup v2 the parent must hand the memory controller to its children.
    If it does not yet, it is asked to, which works only where it holds no
    process (the root cgroup, an empty delegated one); the pids controller is
    used where the parent hands it down already, never switched on for others.
    """
    if support["version"] == 2:
        base = support["memory"]
        enabled = _read(os.path.join(base, "cgroup.subtree_control")).split()
        if "memory" not in enabled:
            _write(os.path.join(base, "cgroup.subtree_control"), "+memory")
            enabled.append("memory")
        controllers = [c for c in ("memory", "pids") if c in enabled]
        folder = os.path.join(base, name)
        os.mkdir(folder, 0o755)
        try:
            _write(os.path.join(folder, "cgroup.subtree_control"), " ".join("+" + c for c in controllers))
            _write(os.path.join(folder, "memory.max"), "max")  # proves the controller is ours to set
        except OSError:
            _remove_tree(folder)
            raise
        return [folder]
    made = []
    try:
        for base in (support["memory"], support["pids"]):
            if base:
                made.append(os.path.join(base, name))
                os.mkdir(made[-1], 0o755)
        _write(os.path.join(made[0], "memory.limit_in_bytes"), "-1")  # proves the controller is ours to set
    except OSError:
        for folder in made:
            _remove_tree(folder)
        raise
    return made


def _start_time(pid):
    """The start time of ``pid`` in clock ticks since boot (field 22 of /proc/PID/stat), None when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _run_name():
    return f"{PREFIX}{os.getpid()}-{_start_time(os.getpid())}"


def remove_stale(support):
    """Empty and remove the cgroups of runs whose process is gone (a grader killed before it cleaned up)."""
    for base in {support["memory"], support["pids"]} - {None}:
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for name in names:
            parts = name[len(PREFIX):].split("-")
            if not name.startswith(PREFIX) or len(parts) != 2 or not all(p.isdigit() for p in parts):
                continue  # another kind of name (a probe): not a run's
            pid, started = int(parts[0]), int(parts[1])
            if _start_time(pid) != started:
                _remove_tree(os.path.join(base, name))


def _kill_members(folder, deadline):
    """SIGKILL every process in cgroup ``folder`` until it is empty or ``deadline`` (monotonic) passes."""
    kill = os.path.join(folder, "cgroup.kill")
    if os.path.exists(kill):  # cgroup v2, Linux 5.14 and later: the whole subtree at once
        try:
            _write(kill, "1")
        except OSError:
            pass
    while True:
        try:
            members = [int(p) for p in _read(os.path.join(folder, "cgroup.procs")).split()]
        except (OSError, ValueError):
            return
        if not members or time.monotonic() > deadline:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.002)


def _remove_tree(folder, seconds=_KILL_SECONDS):
    """Kill what is in cgroup ``folder`` and below, then remove them, deepest first."""
    deadline = time.monotonic() + seconds
    for path, subfolders, _ in sorted(os.walk(folder), key=lambda entry: -entry[0].count("/")):
        del subfolders
        _kill_members(path, deadline)
        while True:
            try:
                os.rmdir(path)
                break
            except FileNotFoundError:
                break
            except OSError:  # EBUSY: a killed process not yet gone
                if time.monotonic() > deadline:
                    break
                time.sleep(0.002)


# -- one run: the cap of each check ----------------------------------------------------------------

def start(memory_mb, mode="auto"):
    """The memory cap of one grading run (made in the zygote): cgroups when possible, else the watchdog.

    Parameters
    ----------
    memory_mb : int
        Total memory (and swap) a check's processes may hold.
    mode : {"auto", "watchdog"}
        ``"watchdog"`` skips the cgroups (``BPLAB_MEMORY_CAP=watchdog``: to
        test that path, or where cgroups misbehave).
    """
    if mode not in ("auto", "watchdog"):
        raise ValueError(f"BPLAB_MEMORY_CAP must be 'auto' or 'watchdog', not {mode!r}")
    support = cgroup_support() if mode == "auto" and sys.platform.startswith("linux") else None
    if support is not None:
        remove_stale(support)
        try:
            return CgroupRun(support, memory_mb)
        except OSError:
            pass
    if not os.path.isdir(f"/proc/{os.getpid()}/task"):  # macOS: no /proc to watch
        return UncappedRun(memory_mb)
    return WatchdogRun(memory_mb)


def describe(run):
    """Which memory cap is in force, for :func:`confine.describe`."""
    if isinstance(run, UncappedRun):
        return f"memory: {run.memory_mb} MB per process (address space), NOT capped in total (no cgroup, no /proc)"
    return f"memory: {run.memory_mb} MB in total per check ({run.kind}) and per process (address space)"


class CgroupRun:
    """The cgroups of one run; each check gets its own below them."""

    def __init__(self, support, memory_mb):
        self.support, self.memory_mb = support, memory_mb
        self.kind = f"memory cgroup v{support['version']}"
        self.folders = run_cgroups(support, _run_name())
    def for_check(self):
        # Unique even when a supervisor's pid comes back in the same run while a killed one's cgroup is still there.
        return CgroupCap(self, f"check-{os.getpid()}-{time.monotonic_ns()}")

    def close(self):
        for folder in self.folders:
            _remove_tree(folder)


class CgroupCap:
    """One check's cgroup: made by the supervisor, joined by the child, emptied and removed afterwards."""

    def __init__(self, run, name):
        self.memory_mb, self.version = run.memory_mb, run.support["version"]
        self.folders = []
        self.exceeded, self.peak_mb = False, None
        limit = str(run.memory_mb * 1024 * 1024)
        try:
            for parent in run.folders:
                self.folders.append(os.path.join(parent, name))
                os.mkdir(self.folders[-1], 0o755)
            memory, pids = self.folders[0], self.folders[-1]
            if self.version == 2:  # memory.swap.max 0: memory and swap together stay within the limit
                required = ("memory.max", limit)
                optional = [("memory.swap.max", "0"), ("memory.oom.group", "1")]
            else:  # memsw (memory + swap) may not be set below the memory limit, so the memory limit goes first
                required = ("memory.limit_in_bytes", limit)
                optional = [("memory.memsw.limit_in_bytes", limit)]
            _write(os.path.join(memory, required[0]), required[1])
            for path, value in [(os.path.join(memory, s), v) for s, v in optional] + \
                    [(os.path.join(pids, "pids.max"), str(confine.PROCESSES))]:
                if os.path.exists(path):  # swap accounting, the OOM group and the pids controller where offered
                    _write(path, value)
        except OSError:
            self.close()
            raise

    def join(self):
        """Move the calling process into this cgroup (the child, before it runs anything of the learner's)."""
        for folder in self.folders:
            _write(os.path.join(folder, "cgroup.procs"), "0")

    def poll(self):
        """Nothing to do: the kernel enforces the limit."""

    def close(self):
        """Kill what is left in the cgroup, learn whether memory killed anything and the peak, remove it."""
        if not self.folders:
            return
        deadline = time.monotonic() + _KILL_SECONDS
        for folder in self.folders:
            _kill_members(folder, deadline)
        memory = self.folders[0]
        try:
            if self.version == 2:
                events = dict(line.split() for line in _read(os.path.join(memory, "memory.events")).splitlines())
                self.exceeded = int(events.get("oom_kill", 0)) > 0 or int(events.get("oom_group_kill", 0)) > 0
                peak = os.path.join(memory, "memory.peak")
                self.peak_mb = int(_read(peak)) / 2 ** 20 if os.path.exists(peak) else None
            else:
                control = dict(line.split() for line in _read(os.path.join(memory, "memory.oom_control")).splitlines())
                if "oom_kill" in control:  # Linux 4.13 and later
                    self.exceeded = int(control["oom_kill"]) > 0
                else:
                    self.exceeded = int(_read(os.path.join(memory, "memory.failcnt"))) > 0
                self.peak_mb = int(_read(os.path.join(memory, "memory.max_usage_in_bytes"))) / 2 ** 20
        except (OSError, ValueError):
            pass
        for folder in self.folders:
            _remove_tree(folder)
        self.folders = []


class WatchdogRun:
    """No cgroup: each check is watched by its supervisor."""

    kind = f"watchdog summing the processes' memory every {WATCHDOG_PERIOD * 1000:g} ms"

    def __init__(self, memory_mb):
        self.memory_mb = memory_mb

    def for_check(self):
        return Watchdog(self.memory_mb)

    def close(self):
        pass


class UncappedRun:
    """Neither a cgroup nor /proc (macOS): only each process's address space is capped."""

    kind = "not capped in total"

    def __init__(self, memory_mb):
        self.memory_mb = memory_mb

    def for_check(self):
        return _Uncapped(self.memory_mb)

    def close(self):
        pass


class _Uncapped:
    def __init__(self, memory_mb):
        self.memory_mb, self.exceeded, self.peak_mb = memory_mb, False, None

    def join(self):
        pass

    def poll(self):
        pass

    def close(self):
        pass


class Watchdog:
    """Sum the memory of every process below this one (the supervisor); past the cap, kill them all.

    Each look reads ``RssAnon + RssShmem`` of every process (cheap, but pages
    shared after a fork count once per process); only when that exceeds the
    cap does it read the proportional set size (``Pss_Anon + Pss_Shmem`` of
    ``smaps_rollup``, slower on large processes), which counts shared pages
    once, and it kills when that exceeds the cap too (or cannot be read).
    ``peak_mb`` is the largest sum seen.
    """

    def __init__(self, memory_mb):
        self.memory_mb = memory_mb
        self.cap = memory_mb * 1024 * 1024
        self.exceeded, self.peak_mb = False, 0.0
        self._next = 0.0
        self._root = os.getpid()

    def join(self):
        """Nothing to join: the child is below the supervisor already."""

    def poll(self):
        """Look at most every ``WATCHDOG_PERIOD`` seconds; kill everything below past the cap."""
        now = time.monotonic()
        if now < self._next:
            return  # after a kill it keeps looking: what survives it is killed again and counts in the peak
        self._next = now + WATCHDOG_PERIOD
        pids = _descendants(self._root)
        total = sum(_resident(pid) for pid in pids)
        if total > self.cap:
            total = sum(_proportional(pid) for pid in pids)
        self.peak_mb = max(self.peak_mb, total / 2 ** 20)
        if total > self.cap:
            self.exceeded = True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def close(self):
        """Nothing to remove (the supervisor has killed every process below it)."""


def _descendants(root):
    """Every process below ``root``: through /proc/PID/task/TID/children, or a scan of /proc without it."""
    if not os.path.exists(f"/proc/{root}/task/{root}/children"):  # a kernel without CONFIG_PROC_CHILDREN
        return _descendants_by_scan(root)
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:  # gone meanwhile
            continue
        for task in tasks:
            try:
                children = [int(c) for c in _read(f"/proc/{pid}/task/{task}/children").split()]
            except (OSError, ValueError):
                continue
            found.extend(children)
            frontier.extend(children)
    return found


def _descendants_by_scan(root):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    below, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return sorted(below)


def _fields(path, names):
    """The sum of the ``kB`` fields ``names`` of a /proc file, in bytes; 0 when the process is gone."""
    try:
        text = _read(path)
    except OSError:
        return None
    total = 0
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in names:
            total += int(value.split()[0]) * 1024
    return total


def _resident(pid):
    return _fields(f"/proc/{pid}/status", ("RssAnon", "RssShmem")) or 0


def _proportional(pid):
    """The proportional share; the resident size when smaps_rollup cannot be read (not dumpable, old kernel)."""
    value = _fields(f"/proc/{pid}/smaps_rollup", ("Pss_Anon", "Pss_Shmem"))
    return _resident(pid) if not value else value
