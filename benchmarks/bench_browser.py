"""Every lab measured where the learner is: JupyterLab in headless Chromium.

``python -m benchmarks browser`` writes one small notebook per lab into a
temporary folder, opens it in a private JupyterLab (the browser tests'
machinery: ``tests/jupyterlab_server.py``, ``tests/test_browser.py``), runs it,
then moves every control of the lab the way a learner does (slider keys,
dropdown choices, checkbox and button clicks) and presses every play control.

In the page, a capture-phase listener notes each input event and a
``MutationObserver`` notes every new figure (the image's ``src``); a figure
counts as shown when it is decoded and the next animation frame has run. In
the kernel, :class:`bplab.widgets.base.Lab` logs each redraw (compute, figure
update, Agg draw, PNG encode, bytes, the moment it was handed to the kernel's
messaging). Both clocks are the machine's wall clock, so the benchmark splits
each action's latency into: input -> kernel (browser -> kernel message and
queueing), kernel work, kernel -> page (message to the page) and decode.

An action's latency runs from its input event (a key press, a dropdown's
choice; for a button, checkbox or toggle, its click, i.e. the press released,
as web pages' interaction latency counts it) to the last figure of the action
in the page; the page waits for the action's end itself (no polling from the
driver, which took CPU time the kernel then waited for).

Per lab it reports: that latency (median, p95, max), figures per action, the kernel's share;
frames per second delivered to the page during play and whether pause stops
within a frame; the figure's rendered size against its displayed size (times
``devicePixelRatio``); and whether the lab fits a 1280x800 window.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import Row

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VIEWPORT = {"width": 1280, "height": 800}
SETTLE_MS = 700          # no new figure for this long (and an idle kernel): the action is over
ACTION_TIMEOUT_S = 20.0  # one action's longest wait (training to the end of a long run)
PLAY_SECONDS = 3.0       # how long each play control runs
LATENCY_TARGET = "median <= 100 ms, p95 <= 200 ms"
CLICKED = ("button", "checkbox", "option")  # controls that act on a click: latency from the click event
FPS_TARGET = ">= 20 fps, pause within a frame"

_TRANSFER_SETUP = """
import numpy as np
from bplab.transfer import STRATEGIES, TransferResult
from bplab.widgets.training_dashboard import TransferLab
rng = np.random.default_rng(0)
# a synthetic result: the lab only displays it (lesson 06 computes the real one, which takes a minute)
result = TransferResult(np.array([1, 2, 5, 10, 20]), {s: rng.uniform(0.5, 1.0, size=(5, 5)) for s in STRATEGIES},
                        0.99, (0, 1, 2, 3, 4), (5, 6, 7, 8, 9))
TransferLab(result)
"""

LABS = [
    ("checker demo (00)", "from bplab.widgets.checker_demo import CheckerDemo\nCheckerDemo()"),
    ("graph explorer (01)", "from bplab.widgets.graph_explorer import GraphExplorer\n"
                            "GraphExplorer('CS231n: f = (x + y)·z')"),
    ("playground (02)", "from bplab.widgets.playground import Playground\nPlayground()"),
    ("gradient flow (03)", "from bplab.widgets.gradient_flow import GradientFlowExplorer\nGradientFlowExplorer()"),
    ("BPTT explorer (03)", "from bplab.widgets.bptt import BPTTExplorer\nBPTTExplorer()"),
    ("optimizer race (04)", "from bplab.widgets.optimizer_race import OptimizerRace\nOptimizerRace()"),
    ("regularization lab (05)", "from bplab.widgets.regularization_lab import RegularizationLab\n"
                                "RegularizationLab()"),
    ("training dashboard (06)", "from bplab.labs.training_dashboard import train_capstone\n"
                                "from bplab.widgets.training_dashboard import TrainingDashboardLab\n"
                                "record = train_capstone(30, hidden=(64,))[1]\nTrainingDashboardLab(record)"),
    ("transfer (06)", _TRANSFER_SETUP.strip()),
    ("feature maps (07)", "from bplab.widgets.feature_maps import FeatureMapViewer\nFeatureMapViewer()"),
]

# -- page-side instruments -----------------------------------------------------------------------------------
_INSTALL = """() => {
  if (window.__bp) return;
  const bp = window.__bp = {inputs: [], frames: []};
  const epoch = (t) => performance.timeOrigin + t;
  for (const type of ['keydown', 'pointerdown', 'click', 'input', 'change'])
    window.addEventListener(type, (e) => bp.inputs.push({type, t: epoch(e.timeStamp || performance.now())}), true);
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const img = m.target;
      if (!(img instanceof HTMLImageElement) || !img.classList.contains('bplab-figure') || !img.src) continue;
      const frame = {set: epoch(performance.now()), shown: null, dropped: false,
                     natural: 0, displayed: 0, ratio: window.devicePixelRatio};
      bp.frames.push(frame);
      img.decode().then(() => requestAnimationFrame(() => {
        frame.shown = epoch(performance.now());
        frame.natural = img.naturalWidth;
        frame.displayed = img.getBoundingClientRect().width;
      }), () => { frame.dropped = true; });
    }
  }).observe(document.body, {attributes: true, attributeFilter: ['src'], subtree: true});
}"""

_NOW = "() => performance.timeOrigin + performance.now()"

# Mark every control of the (only) lab; describe each one.
_CONTROLS = """() => {
  const lab = document.querySelector('.bplab-lab');
  const found = [];
  const add = (element, kind) => {
    if (element.closest('[style*="display: none"]') || element.offsetParent === null) return;
    if (element.disabled || element.getAttribute('disabled') !== null) return;
    element.setAttribute('data-bp', String(found.length));
    const box = element.closest('.widget-inline-hbox, .widget-inline-vbox, .widget-play, .jupyter-widgets');
    const label = box && box.querySelector('.widget-label');
    const text = (s) => (s || '').replace(/\u200b/g, '').trim();  // a zero-width space holds an empty label's place
    found.push({kind, label: (text(label && label.textContent) || element.title || text(element.textContent)
        || element.getAttribute('aria-label') || kind).slice(0, 40),
        options: element.options ? element.options.length : 0});
  };
  for (const e of lab.querySelectorAll('.noUi-handle')) {
    const slider = e.closest('.widget-slider, .jupyter-widgets');
    if (!(slider && slider.classList.contains('mod-disabled')) && !e.closest('[disabled]')) add(e, 'slider');
  }
  for (const e of lab.querySelectorAll('select')) add(e, e.multiple ? 'multiselect' : 'select');
  for (const e of lab.querySelectorAll('input[type=checkbox]')) add(e, 'checkbox');
  for (const group of lab.querySelectorAll('.widget-toggle-buttons'))
    for (const e of group.querySelectorAll('.widget-toggle-button')) add(e, 'option');
  for (const e of lab.querySelectorAll('.bplab-play')) add(e, 'play');
  for (const e of lab.querySelectorAll('.widget-play')) add(e.querySelector('button'), 'play');
  for (const e of lab.querySelectorAll('button.jupyter-button')) {
    if (e.closest('.widget-play, .widget-toggle-buttons') || e.classList.contains('bplab-play')) continue;
    add(e, 'button');
  }
  return found;
}"""

_SLIDER_STATE = """(i) => {
  const e = document.querySelector(`[data-bp="${i}"]`);
  return [e.getAttribute('aria-valuenow'), e.getAttribute('aria-valuemin'), e.getAttribute('aria-valuemax')];
}"""

_KERNEL_IDLE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""

# Wait in the page until the action is over: no figure pending or arriving for settleMs, the kernel idle.
_SETTLE = """async ([since, settleMs, timeoutMs]) => {
  const epoch = () => performance.timeOrigin + performance.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const deadline = epoch() + timeoutMs;
  await sleep(150);
  while (epoch() < deadline) {
    const frames = window.__bp.frames.filter((f) => f.set >= since);
    const last = Math.max(since, ...frames.map((f) => f.shown || f.set));
    const pending = frames.some((f) => f.shown === null && !f.dropped);
    if (!pending && (""" + _KERNEL_IDLE + """)() && epoch() - last >= settleMs) return true;
    await sleep(50);
  }
  return false;
}"""

_EXECUTE = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
  };
  await future.done;
  return out;
}"""

_TIMINGS = """
import json
from bplab.widgets.base import live_labs
print(json.dumps(list(live_labs()[-1].timings)))
"""

# The lab's height against the room a notebook gives it in a 1280x800 window.
_FIT = """() => {
  const lab = document.querySelector('.bplab-lab');
  const scroller = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
      || document.querySelector('.jp-NotebookPanel .jp-Notebook');
  const box = lab.getBoundingClientRect();
  return {width: box.width, height: box.height, room: scroller ? scroller.clientHeight : window.innerHeight,
          room_width: scroller ? scroller.clientWidth : window.innerWidth, scroll_width: lab.scrollWidth};
}"""


def _notebook(code):
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": code}
    return {"cells": [cell], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


# -- driving one lab -----------------------------------------------------------------------------------------------
class LabSession:
    """One lab open in one page: move controls, press play, read the kernel's timings."""

    def __init__(self, page, lab_page):
        self.page = page
        self.lab_page = lab_page
        page.evaluate(_INSTALL)

    def now(self):
        return self.page.evaluate(_NOW)

    def frames(self):
        return self.page.evaluate("() => window.__bp.frames")

    def inputs(self):
        return self.page.evaluate("() => window.__bp.inputs")

    def settle(self, since, timeout=ACTION_TIMEOUT_S):
        """Wait until the kernel is idle and no figure arrived for SETTLE_MS; True when it settled in time.

        The waiting happens in the page (one call): polling from here cost the driver, the browser and this
        process CPU time that the kernel then waited for on a 2-core machine, which a learner's page does
        not spend."""
        return self.page.evaluate(_SETTLE, [since, SETTLE_MS, timeout * 1000])

    def act(self, index, control, step):
        """Perform one action on control ``index``; return the page time just before it."""
        element = self.page.locator(f'[data-bp="{index}"]')
        element.scroll_into_view_if_needed()
        start = self.now()
        kind = control["kind"]
        if kind == "slider":
            now, low, high = (float(v) for v in self.page.evaluate(_SLIDER_STATE, index))
            key = ["End", "Home", "ArrowRight" if now < high else "ArrowLeft"][step % 3]
            if key == "End" and now >= high:
                key = "Home"
            elif key == "Home" and now <= low:
                key = "End"
            element.focus()
            element.press(key)
        elif kind == "select":
            selected = element.evaluate("e => e.selectedIndex")
            element.select_option(index=(selected + 1) % control["options"])
        elif kind == "multiselect":
            count = control["options"]
            chosen = [(step + k) % count for k in range(1 + step % 3)]
            element.select_option(index=chosen)
        else:
            element.click()
        return start

    def measure_action(self, index, control, step, timeout=ACTION_TIMEOUT_S):
        """One action: its input time, the figures it produced, and whether it settled."""
        start = self.act(index, control, step)
        settled = self.settle(start, timeout)
        events = [e for e in self.inputs() if e["t"] >= start - 5]
        # a button acts on its click (the press released), as web pages' interaction latency counts it (INP):
        # the time the button is held down is the learner's, not the lab's
        clicks = [e["t"] for e in events if e["type"] == "click"] if control["kind"] in CLICKED else []
        inputs = clicks or [e["t"] for e in events]
        frames = [f for f in self.frames() if f["set"] >= start]
        return {"control": control["label"] or control["kind"], "kind": control["kind"],
                "input": min(inputs) if inputs else start, "frames": frames, "settled": settled}

    def play(self, index, seconds=PLAY_SECONDS):
        """Press play, wait, press pause: frames per second in the page, frames after pause."""
        element = self.page.locator(f'[data-bp="{index}"]')
        element.scroll_into_view_if_needed()
        start = self.now()
        element.click()
        self.page.wait_for_timeout(int(seconds * 1000))
        paused_at = self.now()
        # a run that reached its end has stopped by itself: a click now would play it again
        if element.evaluate("e => !!e.querySelector('.fa-pause') || e.classList.contains('mod-active')"):
            element.click()
            # the pause is the click's pointerdown in the page (playwright's own click takes tens of ms before it)
            pressed = [e["t"] for e in self.inputs() if e["type"] == "pointerdown" and e["t"] >= paused_at]
            paused_at = min(pressed, default=paused_at)
        self.settle(paused_at, timeout=10)
        settled = self.now()
        frames = [f for f in self.frames() if f["set"] >= start and f["shown"]]
        during = [f["shown"] for f in frames if f["shown"] <= paused_at]
        after = [f["shown"] for f in frames if f["shown"] > paused_at]
        return {"start": start, "paused": paused_at, "settled": settled, "during": during, "after": after}

    def kernel_timings(self):
        text = self.page.evaluate(_EXECUTE, _TIMINGS)
        try:
            return json.loads(text.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RuntimeError(f"could not read the lab's timings from the kernel: {text[:300]}") from None


def _percentile(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _breakdown(actions, timings):
    """Median split of the last figure of each action: where its time went, in ms."""
    parts = {k: [] for k in ("to kernel", "compute", "figure update", "draw", "PNG encode", "to page", "decode")}
    for action in actions:
        shown = [f for f in action["frames"] if f["shown"]]
        if not shown:
            continue
        last = shown[-1]
        # the kernel redraw that produced it: the last one handed over before the page received it
        done = [t for t in timings if action["input"] - 50 <= t["start"] * 1e3 and t["sent"] * 1e3 <= last["set"] + 5]
        if not done:
            continue
        first, final = done[0], done[-1]
        parts["to kernel"].append(first["start"] * 1e3 - action["input"])
        parts["compute"].append(sum(t["compute"] for t in done) * 1e3)
        parts["figure update"].append(sum(t["update"] for t in done) * 1e3)
        parts["draw"].append(sum(t["draw"] for t in done) * 1e3)
        parts["PNG encode"].append(sum(t["encode"] for t in done) * 1e3)
        parts["to page"].append(last["set"] - final["sent"] * 1e3)
        parts["decode"].append(last["shown"] - last["set"])
    return {k: float(np.median(v)) for k, v in parts.items() if v}


def _cpu_ticks():
    """``(total, stolen)``: the machine's CPU time so far in clock ticks, from ``/proc/stat`` (None where there is
    none). On a virtual machine the host may take the cores away for a while ("steal"): a slow run then says so."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(fields), fields[7]) if len(fields) == 8 else None  # user nice system idle iowait irq softirq steal


def measure_lab(name, code, browser, server, folder, actions_per_control=3):
    """Open one lab and measure it; returns a dict of findings."""
    from tests.test_browser import NotebookPage

    ticks = _cpu_ticks()

    path = folder / (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + ".ipynb")
    path.write_text(json.dumps(_notebook(code)))
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.bplab_console = []
    try:
        lab_page = NotebookPage(page, server, path)
        lab_page.open()
        lab_page.run_all_cells()
        lab_page.wait_for_widgets()
        errors = lab_page.errors()
        if errors:
            raise RuntimeError(f"{name}: errors after running: {errors}")
        session = LabSession(page, lab_page)
        fit = page.evaluate(_FIT)
        controls = page.evaluate(_CONTROLS)
        actions, plays = [], []
        for index, control in enumerate(controls):  # play first: from the state the lab opens in
            if control["kind"] == "play":
                plays.append((control["label"], session.play(index)))
        for index, control in enumerate(controls):
            if control["kind"] == "play":
                continue
            repeats = 1 if control["kind"] in ("button", "option", "checkbox") else actions_per_control
            if control["kind"] == "checkbox":
                repeats = 2
            for step in range(repeats):
                actions.append(session.measure_action(index, control, step))
        timings = session.kernel_timings()
        errors = lab_page.errors()
        size = [f for f in session.frames() if f["shown"]]
        now = _cpu_ticks()
        steal = (now[1] - ticks[1]) / (now[0] - ticks[0]) if ticks and now and now[0] > ticks[0] else None
        return {"name": name, "actions": actions, "plays": plays, "timings": timings, "fit": fit,
                "size": size[-1] if size else None, "errors": errors, "controls": len(controls), "steal": steal}
    finally:
        context.close()
        server.shutdown_kernels()


def summarize(result):
    """Benchmark rows for one lab's findings."""
    name, actions, timings = result["name"], result["actions"], result["timings"]
    rows = []
    latencies, counts, missing = [], [], []
    per_control = {}
    for action in actions:
        shown = [f for f in action["frames"] if f["shown"]]
        counts.append(len(action["frames"]))
        if shown:
            latencies.append(shown[-1]["shown"] - action["input"])
            per_control.setdefault(action["control"], []).append(latencies[-1])
        else:
            missing.append(action["control"])
    kernel = [sum(t[k] for k in ("compute", "update", "draw", "encode")) * 1e3 for t in timings]
    kernel_median = float(np.median(kernel)) if kernel else float("nan")
    cpu = [t["cpu"] * 1e3 for t in timings if "cpu" in t]
    cpu_note = f", of it CPU {np.median(cpu):.0f} ms (the rest: waiting for a core)" if cpu else ""
    if latencies:
        lat = np.array(latencies)
        ratio = float(np.median(lat)) / kernel_median if kernel_median == kernel_median else float("nan")
        busiest = actions[int(np.argmax(counts))]["control"]
        note = (f"max {lat.max():.0f} ms over {len(lat)} actions; figures/action mean {np.mean(counts):.2f} "
                f"max {max(counts)} ({busiest}); kernel redraw median {kernel_median:.0f} ms{cpu_note} "
                f"(page/kernel {ratio:.1f}x)")
        if missing:
            note += f"; no new figure after: {', '.join(sorted(set(missing)))}"
        if result.get("steal") is not None:  # the host's share of the cores during the lab: noise, not ours
            note += f"; host steal {result['steal']:.0%} of CPU time"
        # the goal holds for every control, not only for the lab's actions together
        medians = {control: float(np.median(values)) for control, values in per_control.items()}
        slowest = max(medians, key=medians.get)
        over = sorted(c for c, m in medians.items() if m > 100)
        note += (f"; slowest control {slowest} (median {medians[slowest]:.0f} ms); "
                 f"controls with a median over 100 ms: {', '.join(over) if over else 'none'}")
        rows.append(Row(f"browser {name}: input -> figure in page", float(np.median(lat)),
                        _percentile(lat, 95), "ms", LATENCY_TARGET, note))
        rows.append(Row(f"browser {name}: each control's median", medians[slowest], float("nan"), "ms",
                        "each <= 100 ms", "; ".join(f"{c[:24]} {m:.0f}" for c, m in medians.items())))
        parts = _breakdown(actions, timings)
        rows.append(Row(f"browser {name}: where the time goes", sum(parts.values()), float("nan"), "ms",
                        "", "; ".join(f"{k} {v:.0f}" for k, v in parts.items())))
    for label, play in result["plays"]:
        during = play["during"]
        span = (during[-1] - during[0]) / 1e3 if len(during) > 1 else float("nan")
        fps = (len(during) - 1) / span if span == span and span > 0 else 0.0
        late = [t - play["paused"] for t in play["after"]]
        # animation frames the kernel began after the pause click (the last redraw is the still frame)
        begun = max(0, sum(1 for t in timings if play["paused"] < t["start"] * 1e3 < play["settled"]) - 1)
        kernel_fps = 1e3 / kernel_median if kernel_median == kernel_median and kernel_median > 0 else float("nan")
        rows.append(Row(f"browser {name}: play ({label or 'play'})", fps, float("nan"), "fps", FPS_TARGET,
                        f"{len(during)} frames in {PLAY_SECONDS:.0f} s; after pause: {len(late)} frame(s)"
                        + (f", the last {max(late):.0f} ms after (the lossless still frame included)" if late else "")
                        + f"; kernel frames begun after pause: {begun}; kernel alone ~{kernel_fps:.0f} fps"))
    size, fit = result["size"], result["fit"]
    if size:
        wanted = size["displayed"] * size["ratio"]
        fits = fit["height"] <= fit["room"] and fit["scroll_width"] <= fit["room_width"] + 1
        rows.append(Row(f"browser {name}: image rendered / displayed", size["natural"] / wanted, float("nan"), "x",
                        "1.0 (sharp), lab fits 1280x800",
                        f"rendered {size['natural']} px wide, shown {size['displayed']:.0f} css px x dpr "
                        f"{size['ratio']:g}; lab {fit['width']:.0f}x{fit['height']:.0f} px in "
                        f"{fit['room_width']:.0f}x{fit['room']:.0f}: {'fits' if fits else 'does NOT fit'}"))
    if result["errors"]:
        rows.append(Row(f"browser {name}: ERRORS", float(len(result["errors"])), unit="",
                        note=" | ".join(e[:120] for e in result["errors"])))
    return rows


def rows(labs=None):
    from tests.chromium import CHROMIUM_ARGS, find_chromium
    from tests.jupyterlab_server import JupyterLabServer

    chromium = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        return [Row("browser: skipped (needs /usr/bin/chromium and the playwright package)", float("nan"), unit="")]
    wanted = os.environ.get("BPLAB_BENCH_LABS")  # a comma-separated subset of lab names, to measure one lab
    selected = [(n, c) for n, c in (labs or LABS) if not wanted or any(w.strip() in n for w in wanted.split(","))]
    folder = Path(tempfile.mkdtemp(prefix="bplab-bench-browser-"))
    out = []
    try:
        with sync_playwright() as playwright, JupyterLabServer(folder) as server:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                for name, code in selected:
                    try:
                        result = measure_lab(name, code, browser, server, folder)
                    except Exception as error:  # noqa: BLE001 - one lab's failure is a finding, not the end
                        out.append(Row(f"browser {name}: FAILED", float("nan"), unit="",
                                       note=f"{type(error).__name__}: {str(error)[:300]}"))
                        continue
                    lab_rows = summarize(result)
                    for row in lab_rows:
                        _print(row)
                    out.extend(lab_rows)
            finally:
                browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def _print(row):
    """Rows as they come (the whole run takes minutes); ``python -m benchmarks`` prints the table at the end."""
    if os.environ.get("BPLAB_BENCH_VERBOSE"):
        print(f"  .. {row.name}: {row.median:.3g} {row.unit} {row.note}", file=sys.stderr, flush=True)
