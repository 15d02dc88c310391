"""The ``bplab`` command: grade, check, release, autograder, build-exercises, strip-notebooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bplab import exercise_builder, loader, release
from bplab.grading import autograder, integrity, registry, report, runner


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError, FileExistsError, runner.SandboxUnavailable, integrity.Tampered) as error:
        print(f"bplab: {error}", file=sys.stderr)
        return 2


def _parser():
    parser = argparse.ArgumentParser(prog="bplab", description="The bplab backpropagation course.")
    commands = parser.add_subparsers(required=True, metavar="command")

    grade = commands.add_parser("grade", help="grade exercises (yours, the solutions, a folder, or a class)")
    grade.add_argument("--impl", default=None, help="exercises (default), solutions, or a folder of exNN_*.py files")
    grade.add_argument("--lesson", nargs="+", default=None, metavar="NN", help="only these lessons")
    grade.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="time limit per check")
    grade.add_argument("--json", action="store_true", help="print JSON instead of a table")
    grade.add_argument("--gradescope", type=Path, metavar="FILE", help="also write Gradescope's results.json")
    grade.add_argument("--submissions", type=Path, metavar="DIR", help="grade every subfolder of DIR")
    grade.add_argument("--csv", type=Path, metavar="FILE", help="with --submissions: write the grades as CSV")
    grade.add_argument("--jobs", type=int, default=None, metavar="N", help="with --submissions: learners in parallel")
    grade.add_argument("--report", type=Path, metavar="FILE", help="with --submissions: write an HTML class report")
    grade.add_argument("--unconfined", action="store_true",
                       help="grade without Landlock and the network namespace (only for code you trust; reported)")
    grade.set_defaults(run=_grade)

    check = commands.add_parser("check", help="run one exercise's checks, as the notebook shows them")
    check.add_argument("name", help="a check, an exercise function, a module (ex02_mlp) or a lesson (02)")
    check.add_argument("--impl", default=None)
    check.add_argument("--timeout", type=float, default=None)
    check.set_defaults(run=_check)

    rel = commands.add_parser("release", help="write the student edition (no solutions) to DEST")
    rel.add_argument("dest", type=Path)
    rel.set_defaults(run=_release)

    bundle = commands.add_parser("autograder", help="write a Gradescope autograder bundle (a zip) to DEST")
    bundle.add_argument("dest", type=Path, metavar="DEST.zip")
    bundle.add_argument("--lesson", nargs="+", default=None, metavar="NN", help="grade only these lessons")
    bundle.set_defaults(run=_autograder)

    build = commands.add_parser("build-exercises", help="regenerate exercises/ from solutions/")
    build.set_defaults(run=_build)

    strip = commands.add_parser("strip-notebooks", help="remove outputs from notebooks (all of notebooks/ by default)")
    strip.add_argument("paths", nargs="*", type=Path, help="notebooks to strip")
    strip.set_defaults(run=_strip)
    return parser


def _grade(args):
    checks = registry.all_checks(args.lesson)
    if (args.csv or args.report) and not args.submissions:
        raise ValueError("--csv and --report need --submissions DIR (a folder with one subfolder per learner)")
    if args.submissions:
        graded = runner.grade_submissions(args.submissions, checks, jobs=args.jobs, timeout=args.timeout,
                                          unconfined=args.unconfined)
        lessons = sorted({c.lesson for c in checks})
        if args.csv:
            report.write_csv(args.csv, graded, lessons)
        if args.report:
            from bplab.figures import class_report  # draws: loaded only when asked for

            class_report.write(args.report, graded, checks)
        total = sum(c.points for c in checks)
        for learner, outcomes in sorted(graded.items()):
            print(f"{learner:<30} {sum(o.score for o in outcomes):g}/{total:g}")
        return 0 if all(o.status == "passed" for outcomes in graded.values() for o in outcomes) else 1
    outcomes = runner.grade(checks, loader.impl_dir(args.impl), timeout=args.timeout, unconfined=args.unconfined)
    print(report.to_json(outcomes) if args.json else report.text_table(outcomes))
    if args.gradescope:
        args.gradescope.write_text(report.gradescope(outcomes))
    return 0 if all(o.status == "passed" for o in outcomes) else 1


def _check(args):
    outcomes = runner.grade(registry.find(args.name), loader.impl_dir(args.impl), timeout=args.timeout)
    print(report.text_table(outcomes))
    return 0 if all(o.status == "passed" for o in outcomes) else 1


def _release(args):
    dest = release.release(loader.course_root(), args.dest)
    print(f"student edition written to {dest}")
    return 0


def _autograder(args):
    dest = autograder.build(args.dest, loader.course_root(), args.lesson)
    print(f"Gradescope autograder written to {dest}: upload it as the assignment's autograder (zip file)")
    return 0


def _build(args):
    root = loader.course_root()
    for path in exercise_builder.build(root / "solutions", root / "exercises"):
        print(f"wrote {path.relative_to(root)}")
    return 0


def _strip(args):
    import nbformat

    for path in args.paths or sorted((loader.course_root() / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        nbformat.write(notebook, path)
        print(f"stripped {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
