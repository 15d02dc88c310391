"""Every lab's controls moved headless, as the browser benchmark moves them: the kernel's cost per action.

The same labs as ``python -m benchmarks browser`` (its ``LABS``), the same actions (a slider to its end,
its start, one step; the next option of a dropdown; a checkbox both ways; every toggle and button once),
without a browser: per lab, the kernel's CPU time per action (compute, figure update, draw, encode; the
redrawing thread's CPU time, so other jobs on the machine barely change it), how many actions needed a
full draw (the rest copied a cached background), and the slowest control. It finds which control of a
lab costs a full draw in seconds, where the browser benchmark takes minutes.

``BPLAB_BENCH_LABS=race,transfer`` measures some labs only (substrings of the names, as for the browser).
"""

from __future__ import annotations

import math
import os

import ipywidgets as widgets
import numpy as np

from benchmarks.bench_browser import LABS
from benchmarks.common import Row


def _build(code):
    """Run a lab's notebook code; its last line is the lab."""
    *body, last = code.strip().splitlines()
    namespace = {}
    exec("\n".join([*body, f"lab = {last}"]), namespace)  # noqa: S102 - our own benchmark code
    return namespace["lab"]


def _actions(control):
    """The values the browser benchmark's actions set ``control`` to, as functions of the control."""
    if isinstance(control, widgets.Play):
        return []
    if isinstance(control, widgets.Checkbox):
        return [lambda c: not c.value] * 2
    if isinstance(control, widgets.SelectMultiple):
        count = len(control.options)
        return [lambda c, s=s: tuple(c.options[(s + k) % count] for k in range(1 + s % 3)) for s in range(3)]
    if isinstance(control, widgets.ToggleButtons):
        return [lambda c, v=v: v for v in _values(control)]
    if isinstance(control, (widgets.Dropdown, widgets.Select)):
        return [lambda c: _values(c)[(_values(c).index(c.value) + 1) % len(c.options)]] * 3
    if isinstance(control, widgets.SelectionSlider):
        return [lambda c, s=s: _values(c)[_slider_index(c.index, len(c.options) - 1, 1, s)] for s in range(3)]
    if isinstance(control, widgets.FloatLogSlider):
        return [lambda c, s=s: c.base ** _slider_index(math.log(c.value, c.base), c.max, c.step, s, c.min)
                for s in range(3)]
    if hasattr(control, "min") and hasattr(control, "max"):
        return [lambda c, s=s: _slider_index(c.value, c.max, c.step, s, c.min) for s in range(3)]
    return []


def _slider_index(now, high, step, action, low=0):
    """Where the browser benchmark's key press ``action`` takes a slider at ``now``: End (Home when already at
    the end), Home (End when already at the start), then one step right (left at the end)."""
    if action == 0:
        return high if now < high else low
    if action == 1:
        return low if now > low else high
    return now + step if now < high else now - step


def _values(control):
    return [o[1] if isinstance(o, tuple) else o for o in control.options]


def _full_draws(lab):
    blitter = getattr(getattr(lab.view, "render", None), "__self__", None)
    return getattr(blitter, "full_draws", None)


def _page_order(lab):
    """The controls in the order the browser benchmark moves them: sliders, then dropdowns and lists, then
    checkboxes, then toggle buttons, each kind in the order the page shows them."""
    shown = []

    def walk(widget):
        shown.append(widget)
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(lab.ui)
    position = {id(w): k for k, w in enumerate(shown)}
    kinds = ((widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.SelectionSlider),
             (widgets.Dropdown, widgets.Select, widgets.SelectMultiple), (widgets.Checkbox,), (widgets.ToggleButtons,))
    kind = {id(c): next((k for k, types in enumerate(kinds) if isinstance(c, types)), len(kinds))
            for c in lab.controls.values()}
    return sorted(lab.controls.items(), key=lambda item: (kind[id(item[1])], position.get(id(item[1]), 10**9)))


def measure(lab):
    """Move every control and click every button; per action: (control, CPU ms, wall ms, full draw or None)."""
    out = []

    def record(name, act):
        before, fulls = len(lab.timings), _full_draws(lab)
        act()
        new = list(lab.timings)[before:]
        after = _full_draws(lab)
        out.append((name, sum(t["cpu"] for t in new) * 1e3,
                    sum(t["compute"] + t["update"] + t["draw"] + t["encode"] for t in new) * 1e3,
                    None if fulls is None else after > fulls))

    for name, control in _page_order(lab):
        if control.layout.display == "none" or getattr(control, "disabled", False):
            continue
        for value in _actions(control):
            record(name, lambda control=control, value=value: setattr(control, "value", value(control)))
    for name, button in lab.buttons.items():
        if not button.disabled:
            record(f"[{name}]", button.click)
    return out


def rows():
    wanted = os.environ.get("BPLAB_BENCH_LABS")
    out = []
    for name, code in LABS:
        if wanted and not any(w.strip() in name for w in wanted.split(",")):
            continue
        lab = _build(code)
        actions = measure(lab)
        if lab.errors:
            out.append(Row(f"lab actions {name}: ERRORS", float(len(lab.errors)), unit="", note=lab.errors[-1][:200]))
        cpu = np.array([a[1] for a in actions])
        fulls = [a[3] for a in actions if a[3] is not None]
        per_control = {}
        for control, ms, _, _ in actions:
            per_control.setdefault(control, []).append(ms)
        slowest = max(per_control, key=lambda c: np.median(per_control[c]))
        full_note = f"full draws {sum(fulls)}/{len(fulls)} actions; " if fulls else ""
        out.append(Row(f"lab actions {name}: kernel CPU per action", float(np.median(cpu)),
                       float(np.percentile(cpu, 95)), "ms", "",
                       f"{full_note}wall median {np.median([a[2] for a in actions]):.0f} ms; slowest control "
                       f"{slowest} (median {np.median(per_control[slowest]):.0f} ms); "
                       + ", ".join(f"{c} {np.median(v):.0f}" for c, v in per_control.items())))
    return out if out else [Row("lab actions: no lab selected", math.nan, unit="")]
