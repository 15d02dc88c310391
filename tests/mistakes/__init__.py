"""Wrong answers as learners write them, one module of data per lesson.

Each :class:`Mistake` is the solution module with one function (or one line)
replaced by a plausible wrong version. ``tests/test_learner_mistakes.py``
grades each one with the real check and asserts that it loses points and that
the message the learner sees names the mistake (all of ``keywords`` appear in
it, case-insensitively).
"""

from __future__ import annotations

import contextlib
import linecache
import os
import signal
import textwrap
import types
from dataclasses import dataclass, field

from bplab.grading import encode, harness, registry, runner, sandbox
from tests.paths import SOLUTIONS


@dataclass(frozen=True)
class Mistake:
    """One wrong answer.

    Attributes
    ----------
    check : str
        The check that must catch it.
    what : str
        The mistake, in a few words (the test's id).
    keywords : tuple of str
        Words the shown message must contain (all of them, any case).
    code : str
        Source appended to the solution module: redefinitions of the wrong functions.
    replace : tuple of (str, str)
        Exact substitutions in the solution's source (for methods of a class).
    """

    check: str
    what: str
    keywords: tuple
    code: str = ""
    replace: tuple = field(default=())


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds):
    def stop(signum, frame):
        raise _Timeout()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_CHECKS = {}


def _checks():
    if not _CHECKS:
        _CHECKS.update({c.name: c for c in registry.all_checks()})
    return _CHECKS


def all_mistakes():
    """Every mistake of every lesson module in this folder, as (lesson, Mistake)."""
    import importlib
    import pkgutil

    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("lesson"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found += [(_checks()[m.check].lesson, m) for m in module.MISTAKES]
    return sorted(found, key=lambda item: item[0])


def build_module(mistake, module_name):
    """The solution module with the mistake patched in (a fresh module object, never imported by name)."""
    path = SOLUTIONS / f"{module_name}.py"
    source = path.read_text()
    for old, new in mistake.replace:
        if old not in source:
            raise AssertionError(f"{mistake.what}: the solution no longer contains {old!r}")
        source = source.replace(old, new)
    source += "\n\n" + textwrap.dedent(mistake.code)
    fake = f"<mistake {mistake.check}: {mistake.what}>"
    # The sandbox reads the learner's line from their file; this module has none, so linecache holds its source.
    linecache.cache[os.path.abspath(fake)] = linecache.cache[fake] = (len(source), None,
                                                                       source.splitlines(True), fake)
    module = types.ModuleType(module_name)
    module.__file__ = fake
    exec(compile(source, fake, "exec"), module.__dict__)  # noqa: S102 - our own test data
    return module, fake


def grade(mistake, timeout=None):
    """Grade one mistake in this process the way the sandbox and the runner do; an Outcome."""
    check = _checks()[mistake.check]
    module, fake = build_module(mistake, check.module)
    harness.take_notes()  # a fresh child has none
    try:
        with _time_limit(timeout or check.timeout):
            values = check.produce(module)
        reply = {"status": "ok", "values": encode.to_jsonable(values), "notes": harness.take_notes()[:3]}
    except NotImplementedError as error:
        reply = {"status": "not attempted", "message": str(error)}
    except _Timeout:
        reply = {"status": "timeout", "message": f"timed out after {timeout or check.timeout:g} s"}
    except Exception as error:  # noqa: BLE001 - what the sandbox reports
        # The sandbox names the learner's line ("line 12 in f: ..."); its path test is on absolute paths.
        reply = {"status": "error", "message": sandbox._describe(error, os.path.abspath(fake))}
    reply = encode.loads(encode.dumps(reply))  # what crosses from the child: JSON only
    return runner._verdict(check, reply)


def shown(outcome):
    """What the learner reads: the message of the shown case (it holds that case's diagnosis), as every report shows it."""
    from bplab.grading import report

    return report.rows([outcome])[0]["message"]
