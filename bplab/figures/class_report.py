"""A class report: one self-contained HTML page showing where the class is stuck.

It lives with the figures because it draws; the grading layer below it only grades.

``bplab grade --submissions DIR --report report.html`` writes it: the score
distribution, the pass rate of every check (with how the others ended), and
the most common reasons for failing each check, as inline SVG plots and tables.
The page loads nothing from anywhere; everything learner-derived (folder names,
messages) is escaped, and plots only show labels built from the grader's own
vocabulary.
"""

from __future__ import annotations

import html
import io
import re
import statistics
from collections import Counter
from pathlib import Path

import matplotlib

from bplab import gradcheck
from bplab.figures.base import PALETTE, new_figure
from bplab.grading import report

# How a check ended, in the order the plots stack them.
OUTCOME_GROUPS = ("passed", "failed", "not attempted", "error", "missing")
TOP_REASONS = 3
UNATTEMPTED = ("not attempted", "file missing")


def reason(outcome):
    """Why a learner did not get a check, in a few words; None when it passed.

    A failed check gives its diagnosis (``"sign flipped"`` ...); a check that
    raised gives the exception's type, never its text (the text is the learner's).
    """
    if outcome.status == "passed":
        return None
    if outcome.status == "failed" and getattr(outcome.check, "kind", "") == "question":
        # The wrong answers themselves are what an instructor wants to see ("answered 1.1").
        shown = gradcheck.shown_result(outcome.results)
        detail = shown.detail if shown is not None else ""
        if detail.endswith(" is not it"):
            return "answered " + _short(detail[:-len(" is not it")], limit=30, split=False)
        return _short(detail) or "wrong answer"
    if outcome.status == "failed":
        return _short(outcome.diagnosis) or "wrong values"
    if outcome.status == "error":
        if "ran out of memory" in outcome.message:
            return "ran out of memory"
        match = re.match(r"(importing )?(line \d+( in [\w<>]+)?: )?([A-Za-z_][\w.]*)", outcome.message)
        kind = match.group(4)[:40] if match else "an exception"
        return ("import fails: " if match and match.group(1) else "raises ") + kind
    return {"not attempted": "not attempted", "missing": "file missing", "timeout": "timed out",
            "crashed": "crashed"}.get(outcome.status, outcome.status)


def _short(text, limit=70, split=True):
    """The first clause of a diagnosis (all of it with ``split=False``), at most ``limit`` characters, on one line."""
    first = re.split(r"[:;(]", text or "", maxsplit=1)[0] if split else text or ""
    first = " ".join(first.split())
    return first if len(first) <= limit else first[:limit - 1] + "…"


def _label(text):
    """Text for a plot label: printable, and ``$`` literal (matplotlib would read it as mathematics)."""
    return "".join(c if c.isprintable() else "?" for c in text).replace("$", r"\$")


def _group(status):
    return {"timeout": "error", "crashed": "error"}.get(status, status)


def summarize(graded, checks):
    """Per check: learners by outcome group and the most common reasons.

    Parameters
    ----------
    graded : dict
        ``{learner: [Outcome, ...]}`` as ``runner.grade_submissions`` returns.
    checks : list of Check
        In course order.

    Returns
    -------
    list of dict
        One per check: ``check``, ``counts`` (``{group: learners}``),
        ``pass_rate`` (in [0, 1]) and ``reasons`` (``[(reason, [learners])]``,
        most common first).
    """
    rows = []
    for check in checks:
        counts, reasons = Counter(), {}
        for learner, outcomes in graded.items():
            outcome = next((o for o in outcomes if o.check.name == check.name), None)
            if outcome is None:
                continue
            counts[_group(outcome.status)] += 1
            why = reason(outcome)
            if why:
                reasons.setdefault(why, []).append(learner)
        total = sum(counts.values())
        ranked = sorted(reasons.items(), key=lambda item: (-len(item[1]), item[0]))
        rows.append({"check": check, "counts": counts, "pass_rate": counts["passed"] / total if total else 0.0,
                     "reasons": [(why, sorted(who)) for why, who in ranked]})
    return rows


def render(graded, checks):
    """The report as an HTML string."""
    if not graded:
        raise ValueError("no learners to report on")
    rows = summarize(graded, checks)
    possible = sum(c.points for c in checks)
    totals = {learner: sum(o.score for o in outcomes) for learner, outcomes in graded.items()}
    scores = sorted(totals.values())
    stuck = sorted((r for r in rows if r["pass_rate"] < 1), key=lambda r: (r["pass_rate"], r["check"].lesson))
    summary = (f"{len(graded)} learners, {len(checks)} checks worth {possible:g} points. "
               f"Median score {statistics.median(scores):g}/{possible:g}, "
               f"lowest {scores[0]:g}, highest {scores[-1]:g}.")
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>bplab class report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>bplab class report</h1>", f"<p class='summary'>{html.escape(summary)}</p>",
        *(f"<p class='summary'>Graded under: {html.escape(c)}</p>"
          for c in report.confinements([o for outcomes in graded.values() for o in outcomes])),
        "<h2>Score distribution</h2>", _figure("score-distribution", _score_plot(scores, possible),
                                               "Histogram of learners' total scores"),
        "<h2>Pass rate per check</h2>",
        "<p>Each bar is one check, in course order; the colours say how the learners who did not pass it ended.</p>",
        _figure("pass-rate", _pass_rate_plot(rows), "Share of learners passing each check"),
        "<h2>Most common diagnoses</h2>",
        "<p>The (check, reason) pairs that stop the most learners who attempted the check.</p>",
        _figure("diagnoses", _reasons_plot(rows), "Most common reasons for failing a check"),
        "<h2>Where the class is stuck, check by check</h2>", _stuck_table(stuck, len(graded)),
        "<h2>Learners</h2>", _learner_table(graded, checks, totals),
        "</body></html>",
    ]
    return "\n".join(parts)


def write(path, graded, checks):
    """Write the report to ``path``; returns the path."""
    path = Path(path)
    path.write_text(render(graded, checks), encoding="utf-8")
    return path


# -- plots -----------------------------------------------------------------------------------------
def _figure(name, svg, caption):
    return (f"<figure class='plot' id='{name}' role='img' aria-label='{html.escape(caption)}'>{svg}"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _svg(figure):
    """The figure as an inline ``<svg>`` element: text drawn as paths, no external reference."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "bplab"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _new_figure(width, height):
    return new_figure(width, height, dpi=72)


def _score_plot(scores, possible):
    figure = _new_figure(8, 3.2)
    axes = figure.add_subplot()
    bins = min(20, max(1, int(possible))) if possible else 1
    axes.hist(scores, bins=bins, range=(0, max(possible, 1)), color=PALETTE["blue"], edgecolor="white")
    axes.set_xlabel("total score (points)")
    axes.set_ylabel("learners")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


_GROUP_COLOURS = {"passed": "green", "failed": "vermillion", "not attempted": "grey", "error": "purple",
                  "missing": "black"}


def _pass_rate_plot(rows):
    figure = _new_figure(8, 1.2 + 0.22 * len(rows))
    axes = figure.add_subplot()
    labels = [f"{r['check'].lesson}.{r['check'].name}" for r in rows]
    positions = range(len(rows))
    left = [0.0] * len(rows)
    for group in OUTCOME_GROUPS:
        shares = []
        for r in rows:
            total = sum(r["counts"].values())
            shares.append(100 * r["counts"][group] / total if total else 0.0)
        axes.barh(positions, shares, left=left, color=PALETTE[_GROUP_COLOURS[group]], label=group, height=0.8)
        left = [a + b for a, b in zip(left, shares)]
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("learners (%)")
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(OUTCOME_GROUPS), frameon=False, fontsize=8)
    return _svg(figure)


def _reasons_plot(rows, limit=15):
    """The (check, reason) pairs of attempted work that stop the most learners (unattempted work is in the pass rates)."""
    pairs = sorted(((len(who), _label(f"{r['check'].lesson}.{r['check'].name}: {why}"))
                    for r in rows for why, who in r["reasons"] if why not in UNATTEMPTED),
                   key=lambda p: (-p[0], p[1]))[:limit]
    figure = _new_figure(8, 1.0 + 0.3 * max(len(pairs), 1))
    axes = figure.add_subplot()
    if not pairs:
        axes.text(0.5, 0.5, "no attempted check failed", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return _svg(figure)
    axes.barh(range(len(pairs)), [count for count, _ in pairs], color=PALETTE["vermillion"], height=0.7)
    axes.set_yticks(range(len(pairs)), [label for _, label in pairs], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("learners")
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


# -- tables ----------------------------------------------------------------------------------------
def _stuck_table(stuck, learners):
    if not stuck:
        return "<p>Every learner passed every check.</p>"
    body = []
    for r in stuck:
        check = r["check"]
        reasons = "".join(
            f"<li><b>{html.escape(why)}</b>: {len(who)} ({html.escape(', '.join(who[:8]))}"
            f"{html.escape(', ...') if len(who) > 8 else ''})</li>" for why, who in r["reasons"][:TOP_REASONS])
        body.append(f"<tr><td><code>{html.escape(check.lesson)}.{html.escape(check.name)}</code></td>"
                    f"<td>{r['counts']['passed']}/{learners}</td><td><ul>{reasons}</ul></td>"
                    f"<td>{html.escape(check.hint)}</td></tr>")
    return ("<table class='stuck'><thead><tr><th>check</th><th>passed</th><th>most common reasons (learners)</th>"
            "<th>where to read</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>")


def _learner_table(graded, checks, totals):
    lessons = sorted({c.lesson for c in checks})
    possible = {lesson: sum(c.points for c in checks if c.lesson == lesson) for lesson in lessons}
    head = "".join(f"<th>lesson {html.escape(lesson)}</th>" for lesson in lessons)
    body = []
    for learner in sorted(graded):
        cells = "".join(
            f"<td>{sum(o.score for o in graded[learner] if o.check.lesson == lesson):g}/{possible[lesson]:g}</td>"
            for lesson in lessons)
        body.append(f"<tr><td>{html.escape(learner)}</td>{cells}<td>{totals[learner]:g}</td></tr>")
    return (f"<table class='learners'><thead><tr><th>learner</th>{head}<th>total</th></tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
figure.plot { margin: 1rem 0; } figure.plot svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
ul { margin: 0; padding-left: 1.1rem; }
"""
