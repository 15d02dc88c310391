"""The Gradescope autograder bundle, unpacked into a scratch root standing in for /autograder and run end to end.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once as root,
copies run_autograder to /autograder/run_autograder and runs it for each
submission. Here the root is a scratch folder (``BPLAB_AUTOGRADER_ROOT``, read
only by the two scripts), and the virtual environment setup.sh would install is
assembled from this checkout's environment instead of the registry: a fresh
venv whose site-packages holds the bundled ``bplab`` (as pip would put it) and
sees this venv's dependencies. setup.sh itself runs against a stand-in python3
that records what it is asked to do.
"""

import compileall
import io
import json
import os
import shutil
import site
import stat
import subprocess
import sys
import sysconfig
import textwrap
import time
import tokenize
import venv
import zipfile
from pathlib import Path

import pytest

from bplab.grading import autograder, registry, runner
from tests.paths import EXERCISES, ROOT, SOLUTIONS

CHECKS = registry.all_checks()
POSSIBLE = sum(c.points for c in CHECKS)


def _bplab(*args):
    return subprocess.run([sys.executable, "-m", "bplab", *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    dest = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    run = _bplab("autograder", str(dest))
    assert run.returncode == 0, run.stderr
    assert str(dest) in run.stdout
    return dest


def _install(bundle, root):
    """Unpack ``bundle`` as Gradescope does and stand in for setup.sh's pip install; returns run_autograder."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile drops the mode; Gradescope keeps it
        (root / "source" / name).chmod(0o755)
    environment = root / autograder.VENV
    venv.EnvBuilder(with_pip=False, symlinks=True).create(environment)
    scratch = Path(sysconfig.get_path("purelib", vars={"base": str(environment), "platbase": str(environment)}))
    shutil.copytree(root / "source" / "course" / "bplab", scratch / "bplab")
    compileall.compile_dir(scratch / "bplab", quiet=1)  # pip compiles what it installs
    # The dependencies (numpy ...) come from this venv; its editable bplab does not (.pth lines are not re-scanned).
    (scratch / "bplab-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    (root / "bplab-work").mkdir()
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root / "run_autograder"


def _run(script, root, submission_files):
    """Put ``{relative path: text}`` in root/submission, run run_autograder, return results.json."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    for relative, text in submission_files.items():
        (root / "submission" / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / relative).write_text(text)
    (root / "results").mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(root), "BPLAB_AUTOGRADER_ROOT": str(root)}
    run = subprocess.run([str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    return json.loads((root / "results" / "results.json").read_text()), run.stdout


@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory):
    root = tmp_path_factory.mktemp("autograder")
    return _install(bundle, root), root


def _files(folder, prefix=""):
    return {f"{prefix}{p.name}": p.read_text() for p in sorted(Path(folder).glob("ex*.py"))}


# -- the bundle ------------------------------------------------------------------------------------
def test_bundle_follows_gradescopes_layout_and_holds_no_answers(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        for script in ("setup.sh", "run_autograder"):
            assert script in names, "Gradescope needs both scripts at the root of the zip"
            assert stat.S_IMODE(archive.getinfo(script).external_attr >> 16) == 0o755
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        assert "course/pyproject.toml" in names and "course/bplab/grading/autograder.py" in names
        assert "course/bplab/datasets/digits.npz" in names  # package data the checks use
        tops = {n.split("/")[1] for n in names if n.startswith("course/")}
        assert tops == {"pyproject.toml", "README.md", "bplab"}, "no solutions/, exercises/, notebooks/ or tests/"
        assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
        for name in names:  # a solution block is a comment; docstrings that document the markers are fine
            if name.endswith(".py"):
                tokens = tokenize.tokenize(io.BytesIO(archive.read(name)).readline)
                assert not [t for t in tokens if t.type == tokenize.COMMENT and "BEGIN SOLUTION" in t.string], name


def test_bundle_is_never_overwritten_and_must_be_a_zip(bundle, tmp_path):
    again = _bplab("autograder", str(bundle))
    assert again.returncode == 2 and "exists" in again.stderr
    wrong = _bplab("autograder", str(tmp_path / "autograder.tar"))
    assert wrong.returncode == 2 and ".zip" in wrong.stderr


def test_bundle_for_some_lessons_grades_only_those(tmp_path):
    dest = tmp_path / "a.zip"
    assert _bplab("autograder", str(dest), "--lesson", "2", "00").returncode == 0
    script = zipfile.ZipFile(dest).read("run_autograder").decode()
    assert script.rstrip().endswith('--root "$ROOT" --lesson 00 02')
    assert _bplab("autograder", str(tmp_path / "b.zip"), "--lesson", "42").returncode == 2


# -- setup.sh --------------------------------------------------------------------------------------
FAKE_PYTHON3 = """#!/usr/bin/env bash
# Stands in for Ubuntu's python3 (and, copied, for the venv's python): records each call.
echo "$0 $*" >> "$FAKE_LOG"
if [ "$1" = "-c" ]; then exit "${FAKE_TOO_OLD:-0}"; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    if [ -n "${FAKE_NO_VENV:-}" ] && [ ! -e "$FAKE_LOG.venv-installed" ]; then exit 1; fi
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
fi
"""
FAKE_APT_GET = """#!/usr/bin/env bash
echo "apt-get $*" >> "$FAKE_LOG"
if [ "$1" = "install" ]; then touch "$FAKE_LOG.venv-installed"; fi
"""


def _setup(bundle, tmp_path, **env):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, script in (("python3", FAKE_PYTHON3), ("apt-get", FAKE_APT_GET)):
        (fake / name).write_text(script)
        (fake / name).chmod(0o755)
    log = tmp_path / "calls.log"
    env = {"PATH": f"{fake}:/usr/bin:/bin", "FAKE_LOG": str(log), "BPLAB_AUTOGRADER_ROOT": str(root), **env}
    run = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return run, root, [c.replace(str(fake / "python3"), "python3").replace(str(root), "ROOT") for c in calls]


def test_scripts_are_valid_bash(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        run = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


def test_setup_installs_the_bundled_course_into_a_venv(bundle, tmp_path):
    run, root, calls = _setup(bundle, tmp_path)
    assert run.returncode == 0, run.stderr
    venv_python = "ROOT/bplab-venv/bin/python"
    assert calls[1:] == [
        "python3 -m venv ROOT/bplab-venv",
        f"{venv_python} -m pip install --quiet --upgrade pip",
        f"{venv_python} -m pip install --quiet ROOT/source/course",  # the bundled source; deps from the registry
    ], calls
    assert calls[0].startswith("python3 -c ") and "3, 10" in calls[0]
    assert (root / "bplab-work").is_dir()


def test_setup_installs_venv_from_ubuntu_when_it_is_missing(bundle, tmp_path):
    run, root, calls = _setup(bundle, tmp_path, FAKE_NO_VENV="1")
    assert run.returncode == 0, run.stderr
    assert calls[1:5] == ["python3 -m venv ROOT/bplab-venv", "apt-get update -qq",
                          "apt-get install -y -qq python3-venv", "python3 -m venv ROOT/bplab-venv"], calls
    assert calls[-1] == "ROOT/bplab-venv/bin/python -m pip install --quiet ROOT/source/course"


def test_setup_refuses_a_python_older_than_the_course_needs(bundle, tmp_path):
    run, root, calls = _setup(bundle, tmp_path, FAKE_TOO_OLD="1")
    assert run.returncode != 0 and "Python 3.10 or newer" in run.stderr
    assert len(calls) == 1 and not (root / "bplab-venv").exists()


# -- run_autograder --------------------------------------------------------------------------------
def test_solutions_get_full_marks(installed):
    script, root = installed
    python = root / autograder.VENV / "bin" / "python"
    where = subprocess.run([str(python), "-I", "-c", "import bplab; print(bplab.__file__)"], capture_output=True,
                           text=True, cwd=root / "bplab-work", check=True).stdout
    assert where.startswith(str(root / autograder.VENV)), "graded by the bundled bplab, which has no solutions/"
    results, stdout = _run(script, root, _files(SOLUTIONS))
    assert results["score"] == POSSIBLE
    assert [t["name"] for t in results["tests"]] == [f"{c.lesson}.{c.name}" for c in CHECKS]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])
    assert f"{POSSIBLE:g}/{POSSIBLE:g} points" in stdout
    assert "graded files: ex00_welcome.py" in results["output"]


def test_stubs_in_a_subfolder_get_zero(installed):
    script, root = installed
    files = _files(EXERCISES, prefix="my-course/exercises/")
    files["my-course/ex02_mlp (1).py"] = "print('a renamed download')\n"
    results, _ = _run(script, root, files)
    assert results["score"] == 0 and len(results["tests"]) == len(CHECKS)
    assert all(t["output"].startswith("not attempted") for t in results["tests"])
    assert "graded files: my-course/exercises/ex00_welcome.py" in results["output"]
    assert "not graded, the name is not an exercise file: ex02_mlp (1).py" in results["output"]


def _sandbox_confines_writes(tmp_path):
    """Whether a submission's child can write outside its scratch folder (the sandbox's confinement, issue 18)."""
    probe = tmp_path / "probe-written"
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "ex00_welcome.py").write_text(
        f"def sum_of_squares_gradient(x):\n    open({str(probe)!r}, 'w').write('x')\n    return 2 * x\n")
    runner.grade(registry.checks_of("00"), folder, timeout=5)
    return not probe.exists()


def test_hostile_submission_scores_zero_and_cannot_forge_the_results(bundle, tmp_path):
    root = tmp_path / "autograder"
    script = _install(bundle, root)
    orphan = tmp_path / "orphan-was-alive"
    fake = json.dumps({"score": POSSIBLE, "tests": []})
    hostile = textwrap.dedent(f"""
        import glob, os, site, time
        import bplab.grading

        def attack():
            for path in [{str(root / "results" / "results.json")!r}, {str(root / "run_autograder")!r},
                         *glob.glob(os.path.join(os.path.dirname(bplab.grading.__file__), "*.py"))]:
                try:
                    with open(path, "a") as handle:
                        handle.write({fake!r})
                except OSError:
                    pass
            try:
                open(os.path.join(site.getsitepackages()[0], "zz-forge.pth"), "w").write("import os\\n")
            except OSError:
                pass
            if os.fork() == 0:  # outlive grading, then write the results again
                os.setsid()
                time.sleep(2)
                open({str(orphan)!r}, "w").write("alive")
                open({str(root / "results" / "results.json")!r}, "w").write({fake!r})
                os._exit(0)

        attack()

        def sum_of_squares_gradient(x):
            attack()
            return None
        """)
    grader = {p: p.read_bytes() for p in [script, *sorted((root / "source").rglob("*.py"))]}
    installed_package = sorted((root / autograder.VENV).rglob("bplab/grading/*.py"))
    grader.update({p: p.read_bytes() for p in installed_package})
    results, _ = _run(script, root, {"ex00_welcome.py": hostile})
    time.sleep(3)
    after = json.loads((root / "results" / "results.json").read_text())
    assert after == results, "nothing rewrote the results after grading"
    assert not orphan.exists(), "no process of the submission outlived grading"
    assert results["score"] == 0 and len(results["tests"]) == len(CHECKS)
    changed = [str(p.relative_to(root)) for p, data in grader.items() if not p.exists() or p.read_bytes() != data]
    if _sandbox_confines_writes(tmp_path):
        assert not changed, f"the submission changed the grader's files: {changed}"
        assert not list(root.rglob("zz-forge.pth"))
    else:  # no confinement in the sandbox: the autograder sees the change and trusts nothing of the run
        assert changed
        assert "changed the grader's files" in results["output"]
        assert all(t["score"] == 0 and "changed the grader's files" in t["output"] for t in results["tests"])


# -- the pieces ------------------------------------------------------------------------------------
def test_exercise_files_are_found_at_the_top_or_below(tmp_path):
    (tmp_path / "deep" / "deeper").mkdir(parents=True)
    (tmp_path / "deep" / "ex02_mlp.py").write_text("a = 1\n")
    (tmp_path / "deep" / "deeper" / "ex02_mlp.py").write_text("a = 2\n")
    (tmp_path / "ex00_welcome.py").symlink_to(SOLUTIONS / "ex00_welcome.py")
    (tmp_path / "ex03_vanishing.py").write_bytes(b"#" * (autograder.MAX_FILE_BYTES + 1))
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "ex01_chain_rule.py").write_text("junk\n")
    found, notes = autograder.find_exercise_files(tmp_path, ["ex00_welcome", "ex01_chain_rule", "ex02_mlp",
                                                             "ex03_vanishing"])
    assert found == {"ex02_mlp": tmp_path / "deep" / "ex02_mlp.py"}  # the shallowest copy
    text = "\n".join(notes)
    assert "ex00_welcome.py is a link" in text and "ex03_vanishing.py is larger than" in text
    assert "ex02_mlp.py is in several places" in text and "graded deep/ex02_mlp.py" in text
    dest = tmp_path / "copied"
    dest.mkdir()
    autograder.copy_exercise_files(found, dest)
    assert [p.name for p in dest.iterdir()] == ["ex02_mlp.py"] and (dest / "ex02_mlp.py").read_text() == "a = 1\n"
    found, notes = autograder.find_exercise_files(tmp_path / "__MACOSX", ["ex00_welcome"])
    assert found == {} and notes[0] == "no exercise file found: upload your ex00_welcome.py from the course's exercises/ folder"


def test_fingerprint_sees_a_file_rewritten_and_restored(tmp_path):
    (tmp_path / "source").mkdir()
    target = tmp_path / "source" / "runner.py"
    target.write_text("original")
    (tmp_path / "submission").mkdir()
    before = autograder.fingerprint(tmp_path)
    (tmp_path / "submission" / "anything.py").write_text("the learner's folder is not watched")
    assert autograder.changed_paths(before, autograder.fingerprint(tmp_path)) == []
    info = target.stat()
    time.sleep(0.01)
    target.write_text("forged!!")  # same size
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the old modification time
    assert autograder.changed_paths(before, autograder.fingerprint(tmp_path)) == ["source/runner.py"]


def test_without_landlock_the_submission_is_still_graded_and_says_so(walkable_tmp, monkeypatch):
    """On a host whose kernel (or container profile) lacks Landlock, Gradescope still gets grades, labelled."""
    real_grade = runner.grade

    def grade_without_landlock(checks, folder, **options):
        if not options.get("unconfined") and options.get("sandbox") is None:  # the refusal a sandbox start gives
            raise runner.SandboxUnavailable("this kernel has no Landlock")
        return real_grade(checks, folder, **options)

    monkeypatch.setattr(runner, "grade", grade_without_landlock)
    root = walkable_tmp / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "ex00_welcome.py", root / "submission")
    results = autograder.grade_submission(root, lessons=["00"])
    assert results["score"] == sum(c.points for c in registry.checks_of("00"))
    assert "graded without full confinement: this kernel has no Landlock" in results["output"]
    assert json.loads((root / "results" / "results.json").read_text())["score"] == results["score"]
