"""Attacks from a submission on the grader, classmates and the machine: each one is blocked.

The child reports what it managed by raising ``ValueError("...")``; the test
reads that message and checks the effect from outside as well. Cases that need
root (another uid) skip with a reason when the tests do not run as root (CI
runs as root).
"""

import hashlib
import html
import os
import shutil
import signal
import socket
import textwrap
import threading
import time

import pytest

from bplab.figures import class_report
from bplab.grading import confine, integrity, registry, report, runner
from tests.paths import ROOT, SOLUTIONS

WARM_UP = [c for c in registry.checks_of("00") if c.name == "sum_of_squares_gradient"]
"""Lesson 00's exercise: the target of every attack here (the lesson also holds questions)."""

TIMEOUT = 4.0
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="a dedicated uid needs a grader running as root")
LANDLOCK = pytest.mark.skipif(confine.landlock_abi() < 1, reason="this kernel has no Landlock")


def _grade(tmp_path, body, *, name="submission", checks=None, **kwargs):
    """Grade a submission whose ``sum_of_squares_gradient`` runs ``body`` (indented code)."""
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    source = "import os, sys, signal, socket, time\n\ndef sum_of_squares_gradient(x):\n" + textwrap.indent(
        textwrap.dedent(body), "    ")
    (folder / "ex00_welcome.py").write_text(source)
    [outcome] = runner.grade(checks or WARM_UP, folder, timeout=TIMEOUT, **kwargs)
    return outcome


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


REPORT_ERRORS = """
results = []
for attempt in ATTEMPTS:
    try:
        attempt()
        results.append("DONE")
    except Exception as error:
        results.append("blocked:" + type(error).__name__)
raise ValueError(" ".join(results))
"""


def _attempts(tmp_path, attempts):
    """Run labelled one-line attacks in the child; {label: "DONE" or "blocked:<error>"}."""
    body = "ATTEMPTS = [\n" + "".join(f"    lambda: {code},\n" for _, code in attempts) + "]\n"
    outcome = _grade(tmp_path, body + REPORT_ERRORS)
    assert outcome.score == 0 and outcome.status == "error", (outcome.status, outcome.message)
    results = outcome.message.split("ValueError: ", 1)[1].split()
    assert len(results) == len(attempts), outcome.message
    return {label: result for (label, _), result in zip(attempts, results)}, outcome


@LANDLOCK
def test_files_of_the_grader_the_course_and_the_machine_are_out_of_reach(tmp_path):
    runner_py = ROOT / "bplab" / "grading" / "runner.py"
    before = _sha(runner_py)
    found, _ = _attempts(tmp_path, [
        ("append to runner.py", f"open({str(runner_py)!r}, 'a').write('# owned')"),
        ("read the solutions", f"open({str(SOLUTIONS / 'ex00_welcome.py')!r}).read()"),
        ("list the course", f"os.listdir({str(ROOT)!r})"),
        ("read /etc/passwd", "open('/etc/passwd').read()"),
        ("write /tmp", "open('/tmp/bplab-owned', 'w').write('x')"),
        ("write /dev/shm", "open('/dev/shm/bplab-owned', 'w').write('x')"),
        ("write core_pattern", "open('/proc/sys/kernel/core_pattern', 'w').write('|/bin/sh')"),
        ("run a program", "os.system('true') == 0 or 1 / 0"),
        ("make a device", "os.mknod('dev', 0o600 | 0o020000, os.makedev(1, 3))"),
        ("symlink", "os.symlink('/etc/passwd', 'link')"),
        ("write scratch", "open('mine.txt', 'w').write('allowed')"),
    ])
    assert found.pop("write scratch") == "DONE", "the scratch folder is the child's to write"
    assert all(result.startswith("blocked") for result in found.values()), found
    assert _sha(runner_py) == before
    assert not os.path.exists("/tmp/bplab-owned") and not os.path.exists("/dev/shm/bplab-owned")


@LANDLOCK
def test_the_grader_process_is_out_of_reach(tmp_path):
    me = os.getpid()  # runner.grade runs in this process: it is the grader
    found, _ = _attempts(tmp_path, [
        ("read the grader's memory", f"open('/proc/{me}/mem', 'rb').read(1)"),
        ("read the grader's environment", f"open('/proc/{me}/environ', 'rb').read()"),
        ("write the grader's stdout", f"open('/proc/{me}/fd/1', 'w').write('total: 101/101 points')"),
        ("stop the grader", f"os.kill({me}, signal.SIGSTOP)"),
        ("kill the grader", f"os.kill({me}, signal.SIGKILL)"),
        ("stop the supervisor", "os.kill(os.getppid(), signal.SIGSTOP)"),
        ("signal init", "os.kill(1, 0)"),
    ])
    assert all(result.startswith("blocked") for result in found.values()), found


@LANDLOCK
def test_no_network_and_no_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("BPLAB_TEST_SECRET", "hunter2")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.5)
    tcp_port, udp_port = server.getsockname()[1], udp.getsockname()[1]
    found, outcome = _attempts(tmp_path, [
        ("secret in environ", "os.environ['BPLAB_TEST_SECRET']"),
        ("tcp connect", f"socket.create_connection(('127.0.0.1', {tcp_port}), timeout=1)"),
        ("udp send", f"socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {udp_port}))"),
        ("bind a port", "socket.socket().bind(('0.0.0.0', 0)) or socket.socket().listen()"),
        ("abstract unix socket", "socket.socket(socket.AF_UNIX).connect('\\0bplab-test')"),
    ])
    assert all(result.startswith("blocked") for result in found.values()), found
    assert "hunter2" not in outcome.message
    with pytest.raises(OSError):
        server.accept()
    with pytest.raises(OSError):
        udp.recvfrom(10)
    server.close()
    udp.close()


def test_bombs_are_capped_and_nothing_outlives_the_check(tmp_path):
    body = """
    import threading
    kinds = {}
    children = 0
    try:
        for _ in range(200):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            children += 1
    except OSError:
        pass
    kinds['processes'] = children
    threads = 0
    try:
        for _ in range(500):
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
            threads += 1
    except (RuntimeError, OSError):
        pass
    kinds['threads'] = threads
    try:
        with open('big', 'wb') as handle:
            for _ in range(100):
                handle.write(b'0' * (1 << 20))
        kinds['file MB'] = 100
    except OSError:
        kinds['file MB'] = os.path.getsize('big') >> 20
    raise ValueError(f"uid {os.getuid()} " + repr(kinds))
    """
    start = time.monotonic()
    outcome = _grade(tmp_path, body)
    assert time.monotonic() - start < TIMEOUT + 6
    assert outcome.score == 0 and outcome.status == "error", (outcome.status, outcome.message)
    kinds = eval(outcome.message.split("uid ", 1)[1].split(" ", 1)[1])  # noqa: S307 - our own repr of a dict
    assert kinds["processes"] + kinds["threads"] <= confine.PROCESSES + 1, kinds
    assert kinds["file MB"] <= confine.FILE_MB, kinds
    uid = int(outcome.message.split("uid ", 1)[1].split()[0])
    if uid != os.getuid():  # as root: nothing of that uid survives the check
        left = [p for p in os.listdir("/proc") if p.isdigit() and _uid_of(p) == uid]
        assert not left, f"processes of uid {uid} survived grading: {left}"


def _uid_of(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return int(next(line for line in status if line.startswith("Uid:")).split()[1])
    except (OSError, StopIteration):
        return None


@ROOT_ONLY
def test_the_child_runs_as_a_dedicated_uid_without_capabilities(tmp_path):
    body = """
    try:
        os.setuid(0)
        regained = "root again"
    except PermissionError:
        regained = "no"
    raise ValueError(f"ids {os.getuid()} {os.getgid()} {len(os.getgroups())} {regained}")
    """
    outcome = _grade(tmp_path, body)
    uid, gid, groups, regained = outcome.message.split("ids ", 1)[1].split(maxsplit=3)
    assert int(uid) not in (0, os.getuid()) and int(gid) != 0, outcome.message
    assert groups == "0", "no supplementary groups"
    assert regained == "no", "no capability to become root again"


def test_classmates_cannot_be_harmed(tmp_path):
    classroom = tmp_path / "class"
    shutil.copytree(SOLUTIONS, classroom / "honest")
    honest_file = classroom / "honest" / "ex00_welcome.py"
    before = _sha(honest_file)
    (classroom / "hostile").mkdir()
    (classroom / "hostile" / "ex00_welcome.py").write_text(textwrap.dedent(f"""
        import os, signal
        def sum_of_squares_gradient(x):
            for attempt in (lambda: open({str(honest_file)!r}, "w").write("raise SystemExit"),
                            lambda: os.kill(-1, signal.SIGKILL)):
                try:
                    attempt()
                except OSError:
                    pass
            source = open({str(honest_file)!r}).read()   # copying a classmate's work
            namespace = {{}}
            exec(source, namespace)
            return namespace["sum_of_squares_gradient"](x)
        """))
    graded = runner.grade_submissions(classroom, WARM_UP, jobs=2, timeout=TIMEOUT)
    assert graded["honest"][0].score == 1
    assert graded["hostile"][0].score == 0
    assert _sha(honest_file) == before


def test_links_and_planted_bytecode_are_not_taken(tmp_path):
    """A symlink to the solutions, or a stub next to a .pyc compiled from them: neither scores."""
    import py_compile

    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "ex00_welcome.py").symlink_to(SOLUTIONS / "ex00_welcome.py")
    [outcome] = runner.grade(WARM_UP, linked, timeout=TIMEOUT)
    assert outcome.score == 0 and outcome.status == "missing" and "link" in outcome.message, outcome.message

    planted = tmp_path / "planted"
    planted.mkdir()
    stub = "def sum_of_squares_gradient(x):\n    raise NotImplementedError('stub')\n"
    (planted / "ex00_welcome.py").write_text(stub)
    pyc = planted / "__pycache__" / f"ex00_welcome.{__import__('sys').implementation.cache_tag}.pyc"
    pyc.parent.mkdir()
    py_compile.compile(str(SOLUTIONS / "ex00_welcome.py"), cfile=str(pyc),
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    [outcome] = runner.grade(WARM_UP, planted, timeout=TIMEOUT)
    assert outcome.score == 0 and outcome.status == "not attempted", outcome.message


def test_without_landlock_untrusted_code_is_refused_unless_unconfined(tmp_path, monkeypatch):
    monkeypatch.setenv("BPLAB_STATE_DIR", str(tmp_path / "state"))
    folder = tmp_path / "s"
    shutil.copytree(SOLUTIONS, folder)
    with pytest.raises(runner.SandboxUnavailable, match="--unconfined"):
        runner.Sandbox(_landlock_abi=0)
    with runner.Sandbox(_landlock_abi=0, unconfined=True) as sandbox:
        [outcome] = runner.grade(WARM_UP, folder, sandbox=sandbox)
    assert outcome.score == 1 and "UNCONFINED" in outcome.confinement
    # The course's own folders (a learner checking their exercises) still grade, and say how.
    with runner.Sandbox(_landlock_abi=0, trusted=True) as sandbox:
        [outcome] = runner.grade(WARM_UP, SOLUTIONS, sandbox=sandbox)
    assert outcome.score == 1 and "UNCONFINED" in outcome.confinement


def test_every_output_says_which_confinement_was_in_force(tmp_path):
    outcomes = runner.grade(WARM_UP, SOLUTIONS)
    confinement = outcomes[0].confinement
    assert confinement and ("Landlock ABI" in confinement or "UNCONFINED" in confinement)
    import json

    assert f"confinement: {confinement}" in report.text_table(outcomes)
    assert json.loads(report.to_json(outcomes))["confinement"] == confinement
    assert confinement in json.loads(report.gradescope(outcomes))["output"]
    assert f"graded under: {html.escape(confinement)}" in report.html_table(outcomes)
    assert f"Graded under: {html.escape(confinement)}" in class_report.render({"ada": outcomes}, WARM_UP)


def _supervisors_of(pid):
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent_of(p) == pid]


def _parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError):
        return None


@pytest.mark.parametrize("target", ["supervisor", "zygote"])
def test_a_stopped_sandbox_process_is_noticed_at_once(tmp_path, target):
    """Whoever stops a supervisor or the zygote (only an unconfined submission could): the check ends at once."""
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "ex00_welcome.py").write_text("import time\ndef sum_of_squares_gradient(x):\n    time.sleep(60)\n")
    with runner.Sandbox(trusted=True) as sandbox:
        def stop_soon():
            time.sleep(1.0)
            zygote = sandbox.process.pid
            victims = _supervisors_of(zygote) if target == "supervisor" else [zygote]
            for pid in victims:
                os.kill(pid, signal.SIGSTOP)

        stopper = threading.Thread(target=stop_soon)
        stopper.start()
        start = time.monotonic()
        [outcome] = runner.grade(WARM_UP, folder, timeout=30, sandbox=sandbox)
        elapsed = time.monotonic() - start
        stopper.join()
    assert outcome.score == 0 and outcome.status == "crashed" and "stopped" in outcome.message, outcome.message
    assert elapsed < 5, f"a stopped {target} held the check for {elapsed:.1f} s"


def test_changes_to_the_graders_files_during_a_run_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("BPLAB_STATE_DIR", str(tmp_path / "state"))
    watched = tmp_path / "runner.py"
    watched.write_text("original")
    monkeypatch.setattr(integrity, "watched_files", lambda: [watched])
    record = integrity.begin()
    integrity.end(record)  # unchanged: settled, nothing kept
    assert not record.exists()

    record = integrity.begin()
    watched.write_text("tampered")
    with pytest.raises(integrity.Tampered, match="runner.py"):
        integrity.end(record)
    with pytest.raises(integrity.Tampered, match="refuses to grade"):
        integrity.begin()  # every later run refuses until the instructor looked
    record.unlink()
    integrity.end(integrity.begin())

    watched.write_text("edited between runs")  # a developer's edit between runs is fine
    integrity.end(integrity.begin())
