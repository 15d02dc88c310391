"""Refuse to grade when the grader's own files changed while untrusted code was being graded.

Submissions run confined (another uid, Landlock), so they cannot write the
grader's files; this is the check behind that wall. Learner code can only
run while a grading run is under way, so that is the window watched:

* :func:`begin` fingerprints (SHA-256) every ``.py`` file of the ``bplab``
  package and the ``.pth`` and top-level ``.py`` files of site-packages (the
  hooks Python runs at start-up), and writes a record of the run in the
  grader's private state folder (``BPLAB_STATE_DIR``, else
  ``$XDG_STATE_HOME/bplab`` or ``~/.local/state/bplab``, mode 0700: outside
  the course folder and out of reach of the child's uid and Landlock rules).
* :func:`end` fingerprints again, as soon as no submission runs any more:
  the sandbox's zygote calls it after killing everything it started, even
  when the grader itself was killed. Unchanged: the record is removed.
  Changed: the record stays, marked, and :class:`Tampered` is raised.
* :func:`begin` also looks at the records of earlier runs that never ended
  (the grader was killed): if the files differ from what such a run started
  with, or a run found them changed, grading is refused until the instructor
  has looked and deleted the record.

Edits between runs (a developer's, an upgrade) are accepted: only changes
that happened while submissions were running are suspicious. The grader
never re-reads its code during a run (the sandbox's zygote imports
everything before the first submission runs and only forks afterwards; its
bytecode cache is private, see ``sandbox.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import site
import sys
import time
from pathlib import Path

import bplab

PACKAGE = Path(bplab.__file__).resolve().parent


class Tampered(RuntimeError):
    """The grader's own files changed during a grading run."""


def state_dir():
    """The grader's private folder (created with mode 0700)."""
    base = os.environ.get("BPLAB_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "bplab")
    os.makedirs(base, mode=0o700, exist_ok=True)
    return Path(base)


def watched_files():
    """The files whose change would change what the grader runs."""
    files = sorted(PACKAGE.rglob("*.py"))
    for folder in {*site.getsitepackages(), *(p for p in sys.path if p.endswith("site-packages"))}:
        if os.path.isdir(folder):
            files += sorted(p for p in Path(folder).iterdir() if p.suffix in (".pth", ".py") and p.is_file())
    return files


def fingerprint():
    """``{path: sha256}`` of :func:`watched_files`."""
    prints = {}
    for path in watched_files():
        try:
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            prints[str(path)] = "unreadable"
    return prints


def _records():
    folder = state_dir() / "runs" / hashlib.sha256(str(PACKAGE).encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def _changed(before, after):
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


def begin():
    """Refuse if an earlier run saw the files change; then record this run. Returns its record."""
    current = fingerprint()
    for path in sorted(_records().glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        alive = _start_time(record.get("pid")) == record.get("start")
        # A run whose grader and sandbox were both killed before checking: compare with what it started with.
        changed = record.get("changed") or ([] if alive else _changed(record.get("files", {}), current))
        if changed:
            raise Tampered(
                f"bplab refuses to grade: its own files changed while an earlier grading run (pid {record.get('pid')}, "
                f"started {record.get('started')}) had submissions running: {', '.join(changed[:5])}"
                f"{' ...' if len(changed) > 5 else ''}. A submission may have rewritten the grader. Check these files "
                f"(git diff, or reinstall bplab), then delete {path} to grade again.")
        if not alive:
            path.unlink(missing_ok=True)
    record = {"pid": os.getpid(), "start": _start_time(os.getpid()), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "files": current, "changed": []}
    path = _records() / f"{os.getpid()}-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(record))
    return path


def end(path):
    """Check the files did not change since :func:`begin`; raise :class:`Tampered` (and keep the record) if they did.

    Called by the sandbox's zygote once every process it started is dead
    (even when the grader was killed), and by the grader when it closes the
    sandbox; the first call settles it.
    """
    try:
        record = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return  # already checked and found unchanged
    changed = record.get("changed") or _changed(record["files"], fingerprint())
    if not changed:
        Path(path).unlink(missing_ok=True)
        return
    record["changed"] = changed
    Path(path).write_text(json.dumps(record))
    raise Tampered(f"bplab's own files changed while submissions were being graded: {', '.join(changed[:5])}. "
                   f"These grades cannot be trusted; check the files, then delete {path} to grade again.")
