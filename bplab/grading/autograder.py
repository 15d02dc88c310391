"""A Gradescope autograder: build the bundle, and grade one submission inside Gradescope.

Gradescope's autograder specification: the uploaded zip holds ``setup.sh`` and
``run_autograder`` at its root and is unpacked into ``/autograder/source``;
``setup.sh`` runs once, as root, on Ubuntu, while the image is built;
``run_autograder`` is copied to ``/autograder/run_autograder`` and runs for every
submission, with the learner's files in ``/autograder/submission``; it must write
``/autograder/results/results.json``.

The bundle ships the ``bplab`` package, ``pyproject.toml`` and ``README.md``, never
``solutions/``: every check recomputes its references from bplab's numerics.
``setup.sh`` installs the course from that source with pip (the package registry
supplies the dependencies) into ``/autograder/bplab-venv``.

``run_autograder`` calls ``python -m bplab.grading.autograder --root /autograder``:
find the learner's ``exNN_*.py`` files (at the top of the submission or in a
subfolder), copy them into a fresh folder, grade them with the sandboxed grader
and write ``results.json`` (the ``bplab grade --gradescope`` format). The
grader's own files (the unpacked bundle, the virtual environment, the working
folder, ``run_autograder``) are fingerprinted before and after grading: when a
submission has changed any of them, no verdict of that run can be trusted, and
every check scores 0 with a message saying why.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bplab.grading import registry, report, runner

VENV = "bplab-venv"
"""The virtual environment ``setup.sh`` creates under the autograder root."""

GRADER_PATHS = ("source", VENV, "bplab-work", "run_autograder")
"""What ``setup.sh`` and Gradescope put under the autograder root for the grader: watched during a run."""

MAX_FILE_BYTES = 1 << 20
"""Largest exercise file taken from a submission (a learner's module is a few kB)."""

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, on Ubuntu, while it builds the autograder image.
# It installs the course from the bundled source; pip fetches the dependencies from the package registry.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${BPLAB_AUTOGRADER_ROOT:-/autograder}"   # set only by bplab's own tests
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "bplab needs Python 3.10 or newer; choose a newer Ubuntu base image in Gradescope's settings" >&2
    exit 1
fi
if ! python3 -m venv "$ROOT/bplab-venv"; then
    # Ubuntu ships venv as a separate package.
    apt-get update -qq && apt-get install -y -qq python3-venv
    python3 -m venv "$ROOT/bplab-venv"
fi
"$ROOT/bplab-venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/bplab-venv/bin/python" -m pip install --quiet "$SOURCE/course"
mkdir -p "$ROOT/bplab-work"   # run_autograder's working folder: empty, and watched like the rest
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission into /autograder/results/results.json.
set -euo pipefail
ROOT="${BPLAB_AUTOGRADER_ROOT:-/autograder}"   # set only by bplab's own tests
export PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg
cd "$ROOT/bplab-work"
exec "$ROOT/bplab-venv/bin/python" -I -B -m bplab.grading.autograder --root "$ROOT"LESSONS
"""


# -- building the bundle (the instructor's machine) ------------------------------------------------
def build(dest, course_root, lessons=None):
    """Write the Gradescope autograder zip to ``dest``.

    Parameters
    ----------
    dest : path
        The zip to write; an existing file is not overwritten.
    course_root : path
        The course checkout (holds ``pyproject.toml`` and ``bplab/``).
    lessons : list of str, optional
        Grade only these lessons (one Gradescope assignment per lesson); every lesson by default.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    FileExistsError
        When ``dest`` exists.
    ValueError
        When a lesson does not exist or ``dest`` does not end in ``.zip``.
    """
    dest, course_root = Path(dest), Path(course_root)
    if dest.suffix != ".zip":
        raise ValueError(f"the autograder bundle is a .zip file, got {dest}")
    if dest.exists():
        raise FileExistsError(f"{dest} exists; choose a new name")
    if not (course_root / "pyproject.toml").is_file() or not (course_root / "bplab").is_dir():
        raise FileNotFoundError(f"{course_root} is not the course folder (no pyproject.toml and bplab/)")
    selected = [c.lesson for c in registry.all_checks(lessons)]
    lesson_args = "" if not lessons else " --lesson " + " ".join(sorted(set(selected)))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bplab-bundle-") as staging:
        course = Path(staging) / "course"
        course.mkdir()
        for name in ("pyproject.toml", "README.md"):  # pyproject.toml names README.md as the long description
            shutil.copy2(course_root / name, course / name)
        shutil.copytree(course_root / "bplab", course / "bplab", ignore=IGNORED)
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as bundle:
            _add_script(bundle, "setup.sh", SETUP_SH)
            _add_script(bundle, "run_autograder", RUN_AUTOGRADER.replace("LESSONS", lesson_args))
            for path in sorted(course.rglob("*")):
                if path.is_file():
                    bundle.write(path, path.relative_to(staging).as_posix())
    return dest


def _add_script(bundle, name, text):
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = (stat.S_IFREG | 0o755) << 16  # executable once unpacked
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


# -- grading one submission (inside Gradescope's container) ---------------------------------------
def find_exercise_files(submission, modules):
    """The learner's exercise files in ``submission``, at the top or in subfolders.

    Parameters
    ----------
    submission : path
    modules : iterable of str
        The exercise modules wanted, ``"ex02_mlp"`` ...

    Returns
    -------
    found : dict
        ``{module: path}``, the shallowest regular file of that name (never a link).
    notes : list of str
        What a learner should know: duplicates, links, files too large, unknown ``ex*.py`` names.
    """
    submission = Path(submission)
    wanted = {f"{m}.py": m for m in modules}
    candidates, notes, unknown = {}, [], set()
    for folder, subfolders, files in os.walk(submission):  # does not descend into linked folders
        subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "__")))
        for name in sorted(files):
            path = Path(folder) / name
            if name in wanted:
                candidates.setdefault(wanted[name], []).append(path)
            elif re.fullmatch(r"ex\d\d.*\.py", name):
                unknown.add(name)
    found = {}
    for module, paths in sorted(candidates.items()):
        paths.sort(key=lambda p: (len(p.relative_to(submission).parts), str(p)))
        regular = [p for p in paths if p.is_file() and not p.is_symlink()]
        shown = [str(p.relative_to(submission)) for p in paths]
        if not regular:
            notes.append(f"{shown[0]} is a link, not a file: upload the file itself")
            continue
        if regular[0].stat().st_size > MAX_FILE_BYTES:
            notes.append(f"{regular[0].relative_to(submission)} is larger than {MAX_FILE_BYTES // 1024} kB and was not graded")
            continue
        found[module] = regular[0]
        if len(paths) > 1:
            notes.append(f"{module}.py is in several places ({', '.join(shown)}); graded {shown[paths.index(regular[0])]}")
    if not candidates:
        notes.append(f"no exercise file found: upload your {', '.join(sorted(wanted))} from the course's exercises/ folder")
    if unknown:
        notes.append(f"not graded, the name is not an exercise file: {', '.join(sorted(unknown))} "
                     f"(expected {', '.join(sorted(wanted))})")
    return found, notes


def copy_exercise_files(found, dest):
    """Copy ``{module: path}`` into ``dest`` as ``module.py``, reading without following links."""
    dest = Path(dest)
    for module, path in found.items():
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                continue
            data = handle.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]
        (dest / f"{module}.py").write_bytes(data)


def fingerprint(root):
    """Every path of the grader under ``root`` with its type, mode, size and change times.

    The grader is ``GRADER_PATHS``: the unpacked bundle, the virtual
    environment, the working folder and ``run_autograder``. The change time
    (ctime) cannot be set back by a process, so a file rewritten and restored
    still shows. Links are not followed.
    """
    root = os.path.abspath(root)
    marks = {}

    def mark(path, info):
        marks[os.path.relpath(path, root)] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns)

    def visit(folder):
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            try:
                mark(entry.path, entry.stat(follow_symlinks=False))
            except FileNotFoundError:
                continue
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path)

    for top in GRADER_PATHS:
        path = os.path.join(root, top)
        try:
            mark(path, os.lstat(path))
        except FileNotFoundError:
            continue
        visit(path)
    return marks


def changed_paths(before, after):
    """Paths added, removed or changed between two fingerprints, sorted."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def grade_submission(root, lessons=None):
    """Grade ``root/submission`` and write ``root/results/results.json``; returns the results dict."""
    root = Path(root)
    results_file = root / "results" / "results.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    checks = registry.all_checks(lessons)
    # Until grading ends, the results say so: nothing the submission wrote there survives.
    _write(results_file, {"score": 0, "output": "grading did not finish; ask the course staff", "tests": []})
    before = fingerprint(root)
    found, notes = find_exercise_files(root / "submission", dict.fromkeys(c.module for c in checks))
    with tempfile.TemporaryDirectory(prefix="bplab-submission-") as folder:
        os.chmod(folder, 0o755)  # the grader may read it as another user
        copy_exercise_files(found, folder)
        try:
            outcomes = runner.grade(checks, folder)
        except runner.SandboxUnavailable as error:
            # Gradescope gives every submission a container of its own, so without Landlock (an older host kernel,
            # a seccomp profile that blocks it) the submission is still graded, and everything says so.
            notes.append(f"graded without full confinement: {error}")
            outcomes = runner.grade(checks, folder, unconfined=True)
    results = json.loads(report.gradescope(outcomes))
    tampered = changed_paths(before, fingerprint(root))
    if tampered:
        shown = ", ".join(tampered[:5]) + (" ..." if len(tampered) > 5 else "")
        message = f"the submission changed the grader's files ({shown}); no result of this run can be trusted"
        print(f"bplab autograder: {message}", flush=True)  # stdout: shown to the instructor
        for test in results["tests"]:
            test.update(score=0, status="failed", output=f"0 points: {message}")
        results["score"] = 0
        notes.insert(0, message)
    graded = ", ".join(str(p.relative_to(root / "submission")) for p in found.values()) or "none"
    results["output"] = "\n".join([f"graded files: {graded}", *notes])
    _write(results_file, results)
    return results


def _write(path, data):
    """Replace ``path`` in one step: a reader never sees half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2))
    os.replace(partial, path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bplab.grading.autograder",
                                     description="Grade a Gradescope submission (run by run_autograder).")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--lesson", nargs="+", default=None, metavar="NN")
    args = parser.parse_args(argv)
    results = grade_submission(args.root, args.lesson)
    total = sum(t["max_score"] for t in results["tests"])
    print(f"bplab autograder: {results['score']:g}/{total:g} points", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
