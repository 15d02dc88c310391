"""Grading results as a terminal table, HTML, JSON, Gradescope results and CSV."""

from __future__ import annotations

import csv
import html
import json

import numpy as np

from bplab import gradcheck
from bplab.grading.encode import clean
from bplab.grading.harness import explain_text

STATUS_MARK = {"passed": "pass", "failed": "FAIL", "not attempted": "not attempted", "error": "ERROR",
               "timeout": "TIMEOUT", "crashed": "CRASHED", "missing": "MISSING"}


def shown_case(outcome):
    """The failing result whose message is shown (the one the outcome's message came from), or None.

    The runner takes the message from ``gradcheck.shown_result``; an outcome whose message is another failing
    case's is shown with that case's diagnosis, never a third one's.
    """
    failing = [r for r in outcome.results if not r.passed]
    return next((r for r in failing if r.message == outcome.message), gradcheck.shown_result(outcome.results))


def cases(outcome):
    """Every result of an outcome with its own message and diagnosis (never another case's)."""
    return [{"name": r.name, "passed": bool(r.passed), "message": clean(r.message),
             "diagnosis": "" if r.passed else clean(r.diagnosis)} for r in outcome.results]


def rows(outcomes):
    """One dict per outcome with the columns every format shows.

    ``message`` and ``diagnosis`` describe one and the same case (``gradcheck.shown_result``).
    """
    table = []
    for o in outcomes:
        error = o.worst_error
        if o.status == "failed":  # the failing comparisons' error; none when they could not compare (shape...)
            error = max((r.error for r in o.results if not r.passed and np.isfinite(r.error)), default=float("nan"))
        shown = shown_case(o)
        table.append({
            "lesson": o.check.lesson, "check": o.check.name, "kind": o.check.kind,
            "score": o.score, "max_score": o.max_score,
            "status": o.status, "worst_error": None if not np.isfinite(error) else error,
            "diagnosis": clean(shown.diagnosis) if shown is not None else "", "message": clean(explain_text(_message(o))),
            "hint": o.check.hint if o.status != "passed" else "", "seconds": round(o.seconds, 3),
            "cases": cases(o),
        })
    return table


def _message(outcome):
    """The outcome's message; for a check stopped by another function's stub, also the check's own function."""
    message = outcome.message
    waiting = message.split(": not written yet", 1)[0] if ": not written yet" in message else ""
    own = [f for f in (outcome.check.functions or (outcome.check.name,)) if f != waiting]
    if outcome.status == "not attempted" and waiting and own and waiting not in outcome.check.functions:
        read = message.split(": not written yet", 1)[1].strip(" .")
        return (f"{', '.join(own)} is waiting for {waiting}, which is not written yet" + (f" ({read})" if read else "")
                + f"; this row checks {', '.join(own)} once {waiting} runs.")
    return message


def text_table(outcomes):
    """A fixed-width table and a total line, for terminals."""
    lines = [f"{'check':<28} {'points':>7}  {'result':<13} {'worst error':>11}  what to look at"]
    for row in rows(outcomes):
        error = "" if row["worst_error"] is None else f"{row['worst_error']:.1e}"
        advice = row["message"] or ""
        if row["hint"] and row["hint"] not in advice:
            advice = (advice + "; " if advice else "") + "read " + row["hint"]
        points = f"{row['score']:g}/{row['max_score']:g}"
        lines.append(f"{row['lesson']}.{row['check']:<25} {points:>7}  {STATUS_MARK[row['status']]:<13} {error:>11}  {advice}")
    score, total = sum(o.score for o in outcomes), sum(o.max_score for o in outcomes)
    lines.append(f"total: {score:g}/{total:g} points")
    lines += [f"confinement: {c}" for c in confinements(outcomes)]
    return "\n".join(lines)


def confinements(outcomes):
    """The confinement(s) the outcomes were graded under, in order of appearance (usually one)."""
    return list(dict.fromkeys(getattr(o, "confinement", "") or "unknown" for o in outcomes))


def html_table(outcomes):
    """The inline check's table in a notebook."""
    colours = {"passed": "#009E73", "not attempted": "#666666"}
    body = []
    for row in rows(outcomes):
        colour = colours.get(row["status"], "#D55E00")
        error = "" if row["worst_error"] is None else f"{row['worst_error']:.1e}"
        body.append(
            "<tr>"
            f"<td><code>{html.escape(row['check'])}</code></td>"
            f"<td>{row['score']:g}/{row['max_score']:g}</td>"
            f"<td style='color:{colour};font-weight:bold'>{html.escape(STATUS_MARK[row['status']])}</td>"
            f"<td>{error}</td>"
            f"<td>{html.escape(row['message'] or row['diagnosis'])}</td>"
            f"<td>{html.escape(row['hint'] if row['hint'] not in row['message'] else '')}</td>"
            "</tr>")
    score, total = sum(o.score for o in outcomes), sum(o.max_score for o in outcomes)
    return ("<table class='bplab-check'><thead><tr><th>check</th><th>points</th><th>result</th>"
            "<th>worst error</th><th>diagnosis</th><th>hint</th></tr></thead><tbody>"
            + "".join(body) + f"</tbody><tfoot><tr><td>total</td><td>{score:g}/{total:g}</td></tr>"
            + "".join(f"<tr><td colspan='6' style='color:#666666;font-size:85%'>graded under: {html.escape(c)}</td></tr>"
                      for c in confinements(outcomes))
            + "</tfoot></table>")


def to_json(outcomes):
    score, total = sum(o.score for o in outcomes), sum(o.max_score for o in outcomes)
    return json.dumps({"score": score, "max_score": total, "confinement": "; ".join(confinements(outcomes)),
                       "checks": rows(outcomes)}, indent=2)


def gradescope(outcomes):
    """Gradescope's results.json: score and tests with name, score, max_score, status, output."""
    tests = []
    for row, outcome in zip(rows(outcomes), outcomes):
        if row["kind"] == "question" and row["status"] == "passed":
            detail = row["message"]  # the reason the prediction is right
        else:
            detail = "\n".join(clean(r.message) for r in outcome.results) or row["message"]
        output = f"{row['status']}" + (f": {detail}" if detail else "") + (f"\nRead {row['hint']}." if row["hint"] else "")
        tests.append({"name": f"{row['lesson']}.{row['check']}", "score": row["score"], "max_score": row["max_score"],
                      "status": "passed" if row["status"] == "passed" else "failed", "output": output})
    confinement = "; ".join(confinements(outcomes))
    return json.dumps({"score": sum(o.score for o in outcomes), "output": f"Graded under: {confinement}",
                       "confinement": confinement, "tests": tests}, indent=2)


def write_csv(path, graded_by_learner, lessons):
    """One row per learner, one column per lesson, then the total."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", *[f"lesson {lesson}" for lesson in lessons], "total"])
        for learner, outcomes in sorted(graded_by_learner.items()):
            per_lesson = [sum(o.score for o in outcomes if o.check.lesson == lesson) for lesson in lessons]
            writer.writerow([clean(learner), *[f"{s:g}" for s in per_lesson], f"{sum(per_lesson):g}"])
