"""Generate ``exercises/`` from ``solutions/``: each marked block becomes a stub.

In a solution file::

    ### BEGIN SOLUTION  notebook 02, section "2. Linear layers"
    ...the answer...
    ### END SOLUTION

becomes, at the block's indentation::

    raise NotImplementedError("linear_forward: not written yet. Read notebook 02, section \\"2. Linear layers\\".")

A block at module level holds answers to questions (``NAME = value`` lines);
each assigned name becomes ``NAME = None`` in the stub, which grades as "not
attempted" (see :mod:`bplab.grading.questions`).
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*(?P<hint>.*)$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)")
DEF = re.compile(r"^\s*(?:async\s+)?def\s+(?P<name>\w+)|^\s*class\s+(?P<cls>\w+)")
HEADER = "# Generated from solutions/{name} by `bplab build-exercises`: edit the marked functions.\n"


def stub_source(source, filename="<solution>"):
    """The exercise version of a solution file's text.

    Raises
    ------
    ValueError
        On an unclosed or nested block, naming the line.
    """
    out, inside, owner, begin_line = [], False, "this part", 0
    answers = None  # names assigned in a module-level block, else None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError(f"{filename}:{number}: BEGIN SOLUTION inside another block (line {begin_line})")
            inside, begin_line = True, number
            if not begin.group("indent"):
                answers = []
                continue
            hint = begin.group("hint").strip()
            message = f"{owner}: not written yet." + (f" Read {hint}." if hint else "")
            out.append(f"{begin.group('indent')}raise NotImplementedError({message!r})\n")
            continue
        if END.match(line):
            if not inside:
                raise ValueError(f"{filename}:{number}: END SOLUTION without BEGIN")
            if answers is not None:
                if not answers:
                    raise ValueError(f"{filename}:{begin_line}: a module-level block must assign answers (NAME = ...)")
                out.extend(f"{name} = None\n" for name in answers)
            inside, answers = False, None
            continue
        if inside and answers is not None:
            assignment = ASSIGNMENT.match(line)
            if assignment:
                answers.append(assignment.group("name"))
            continue
        if not inside:
            definition = DEF.match(line)
            if definition:
                owner = definition.group("name") or definition.group("cls")
            out.append(line)
    if inside:
        raise ValueError(f"{filename}:{begin_line}: BEGIN SOLUTION is never closed")
    return "".join(out)


def build(solutions_dir, exercises_dir):
    """Write every ``exNN_*.py`` of ``solutions_dir`` as a stub into ``exercises_dir``; the written paths."""
    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(solutions_dir.glob("ex*.py")):
        target = exercises_dir / path.name
        target.write_text(expected_text(path))
        written.append(target)
    return written


def expected_text(solution_path):
    path = Path(solution_path)
    return HEADER.format(name=path.name) + stub_source(path.read_text(), str(path))


def stale(solutions_dir, exercises_dir):
    """Names of exercise files that differ from what ``build`` would write (or are missing)."""
    return [p.name for p in sorted(Path(solutions_dir).glob("ex*.py"))
            if not (Path(exercises_dir) / p.name).exists()
            or (Path(exercises_dir) / p.name).read_text() != expected_text(p)]
