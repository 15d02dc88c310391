"""Every notebook in a real JupyterLab, in headless Chromium: run all cells, no error anywhere, every lab reacts.

For each ``notebooks/*.ipynb``: open it in a fresh page, Run → Run All Cells,
wait until every code cell has run and every widget has rendered, assert that
opening it did not change it (no unsaved mark), that no error shows
(tracebacks, ``.bplab-error`` messages inside widgets, widgets that failed to
display), then for every ``.bplab-lab`` check its layout (no cut-off label, the
figure shown at the size it was rendered, slider readouts read-only), move its
first control and assert that its figure changed. Screenshots go to
``test-artifacts/screenshots/``.

Needs Chromium (``/usr/bin/chromium`` or ``chromium`` on PATH) and the
``playwright`` Python package (no ``playwright install``: the system Chromium is
used). Without them the tests are skipped, except when ``CI`` is set, where they
fail. Run only these tests with ``pytest -m browser``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import time
import warnings
from pathlib import Path

import pytest

from tests.jupyterlab_server import JupyterLabServer
from tests.paths import NOTEBOOKS, ROOT

pytestmark = pytest.mark.browser

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager:plugin"

LOAD_TIMEOUT = 90_000      # ms: page, app and kernel start
RUN_TIMEOUT = 240_000      # ms: all cells of one notebook (the spec allows 30 s; the machine may be busy)
WIDGET_TIMEOUT = 30_000    # ms: every widget output rendered
CHANGE_TIMEOUT = 10_000    # ms: a figure redrawn after a control moved


# -- fixtures: one browser (tests/conftest.py) and one server for the session, one page per notebook ----
@pytest.fixture(scope="session")
def lab_server():
    # ipywidgets 8 brings the JupyterLab widget manager; without it every widget shows as text only.
    assert importlib.util.find_spec("jupyterlab_widgets") is not None, \
        "jupyterlab_widgets is not installed: widgets cannot render in JupyterLab (pip install 'ipywidgets>=8')"
    with JupyterLabServer(ROOT) as server:
        yield server


@pytest.fixture
def page(browser, lab_server):
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.bplab_console = []  # browser-side errors, quoted in failure messages
    tab.on("console", lambda message: message.type == "error" and tab.bplab_console.append(message.text))
    tab.on("pageerror", lambda error: tab.bplab_console.append(f"uncaught: {error}"))
    yield tab
    context.close()
    lab_server.shutdown_kernels()  # one kernel at a time keeps memory low on small machines


# -- the test ---------------------------------------------------------------------------------
@pytest.mark.parametrize("notebook", NOTEBOOK_FILES, ids=[p.stem for p in NOTEBOOK_FILES])
def test_notebook_in_jupyterlab(notebook, page, lab_server, timings):
    stored = notebook.read_bytes()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{notebook.stem}*.png"):  # a lab removed since the last run leaves no stale image
        old.unlink()
    lab = NotebookPage(page, lab_server, notebook)

    start = time.perf_counter()
    try:
        lab.open()
        changed_on_open = lab.changes_on_open()
        lab.run_all_cells()
        lab.wait_for_widgets()
    except BaseException:
        with contextlib.suppress(Exception):  # what the learner would see, for the failure report
            lab.screenshot_full(SCREENSHOTS / f"{notebook.stem}.png")
        raise
    ran = time.perf_counter() - start
    lab.screenshot_full(SCREENSHOTS / f"{notebook.stem}.png")

    errors = lab.errors()
    assert not errors, lab.report(f"{notebook.name}: errors after Run All Cells", errors)
    if set(changed_on_open) == {"language_info.version"}:  # the kernel's Python is not the one stored
        warnings.warn(f"{notebook.name}: JupyterLab wrote this kernel's Python version into the notebook on open "
                      f"({changed_on_open['language_info.version']}); learners on that version see it unsaved",
                      stacklevel=1)
    else:
        assert not changed_on_open, f"{notebook.name}: opening it changed it (unsaved mark): {changed_on_open}"

    problems = []
    count = lab.count_labs()
    for index in range(count):
        problems += [f"lab {index + 1} of {count} ({lab.lab_title(index)!r}): {p}" for p in lab.layout_problems(index)]
        problem = lab.move_first_control(index)
        lab.screenshot_lab(index, SCREENSHOTS / f"{notebook.stem}-lab{index + 1}.png")
        if problem:
            problems.append(f"lab {index + 1} of {count} ({lab.lab_title(index)!r}): {problem}")
    timings.append((f"browser {notebook.stem}: open + run all ({count} labs)", ran))
    timings.append((f"browser {notebook.stem}: move first control of every lab", time.perf_counter() - start - ran))
    assert not problems, lab.report(f"{notebook.name}: labs that did not react or look broken", problems)

    errors = lab.errors()
    assert not errors, lab.report(f"{notebook.name}: errors after moving the controls", errors)
    idle = lab.labs_not_drawing_ahead()
    assert not idle, f"{notebook.name}: labs that drew nothing ahead after the page moved a control: {idle}"
    assert notebook.read_bytes() == stored, f"{notebook.name} was modified on disk by the browser run (autosave?)"


# -- the page object ------------------------------------------------------------------------------------------
# Small JavaScript helpers; ``window.jupyterapp`` exists because the server runs with expose_app_in_browser.
_CURRENT = "window.jupyterapp.shell.currentWidget"

# The printed output of ``code`` run in the notebook's kernel (as a cell would run it, but not shown).
_KERNEL_OUTPUT = f"""async (code) => {{
  const kernel = {_CURRENT}.sessionContext.session.kernel;
  const future = kernel.requestExecute({{code, silent: false, store_history: false}});
  let out = '';
  future.onIOPub = (msg) => {{ if (msg.header.msg_type === 'stream') out += msg.content.text; }};
  await future.done;
  return out;
}}"""

# Rounds of drawing ahead of the kernel's labs that have models to draw ahead (the page moved a control of each).
_AHEAD_ROUNDS = """
import json as _json
from bplab.widgets.base import Lab as _Lab, live_labs as _live_labs
print(_json.dumps([{"lab": type(lab).__name__, "started": lab._ahead_round, "done": lab.ahead_rounds_done,
                    "errors": [e[:300] for e in lab.errors if e.startswith("drawing ahead")]}
                   for lab in _live_labs() if type(lab).ahead is not _Lab.ahead]))
"""

_KERNEL_IDLE = f"""() => {{
  const panel = {_CURRENT};
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
      && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}}"""

# 'done' when every non-empty code cell has an execution count; 'error' when a cell failed (Run All stops
# there); 'dead' when the kernel died; false (keep waiting) otherwise.
_RUN_STATE = f"""() => {{
  const panel = {_CURRENT};
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status === 'dead') return 'dead';
  if (kernel.status !== 'idle') return false;
  const cells = panel.content.model.cells;
  let pending = false;
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++) if (cell.outputs.get(j).type === 'error') return 'error';
    if (cell.sharedModel.getSource().trim() && !cell.executionCount) pending = true;
  }}
  return pending ? false : 'done';
}}"""

_WIDGET_OUTPUTS = f"""() => {{
  const cells = {_CURRENT}.content.model.cells;
  let count = 0;
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++)
      if (cell.outputs.get(j).data['application/vnd.jupyter.widget-view+json']) count++;
  }}
  return count;
}}"""

# Widget outputs whose view exists (or that gave up with an error message), and labs whose figure is loaded.
_WIDGETS_READY = """(expected) => {
  const outputs = Array.from(document.querySelectorAll('.jp-OutputArea-output'));
  const rendered = outputs.filter(o => o.querySelector(':scope > .jupyter-widgets')
      || /Error displaying widget|model not found/.test(o.textContent)).length;
  if (rendered < expected) return false;
  return Array.from(document.querySelectorAll('.bplab-lab img.bplab-figure'))
      .every(img => img.src && img.complete && img.naturalWidth > 0);
}"""

_ERRORS = f"""() => {{
  const found = [];
  const text = (e) => e.textContent.trim().replace(/\\s+\\n/g, '\\n').slice(0, 1500);
  const cells = {_CURRENT}.content.model.cells;
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++) {{
      const out = cell.outputs.get(j).toJSON();
      if (out.output_type === 'error')
        found.push(`cell ${{i + 1}}: ${{out.ename}}: ${{out.evalue}}\\n` +
                   cell.sharedModel.getSource().split('\\n').slice(0, 3).join('\\n'));
    }}
  }}
  const stderr = '[data-mime-type="application/vnd.jupyter.stderr"]';
  for (const e of document.querySelectorAll(`.jp-OutputArea-output${{stderr}}, .jp-RenderedText${{stderr}}`))
    if (/Traceback|Error/.test(e.textContent)) found.push('stderr output: ' + text(e));
  for (const e of document.querySelectorAll('.bplab-error')) found.push('inside a lab: ' + text(e));
  for (const e of document.querySelectorAll('.jp-OutputArea-output'))
    if (/Error displaying widget|model not found/.test(e.textContent)) found.push('widget: ' + text(e));
  for (const e of document.querySelectorAll('.jp-Dialog')) found.push('dialog: ' + text(e));
  return Array.from(new Set(found));
}}"""

# Mark the first control of lab ``index`` (document order) and describe it. For a group of toggle buttons
# or radio buttons, the element to click is the group's first option that is not selected.
_FIRST_CONTROL = """(index) => {
  const lab = document.querySelectorAll('.bplab-lab')[index];
  let control = lab.querySelector(['.noUi-handle', 'select', 'input[type=checkbox]', 'input[type=radio]',
      '.widget-toggle-button', '.widget-play button', 'input[type=number]'].join(', '));
  if (!control) return null;
  const group = control.closest('.widget-radio-box, .widget-toggle-buttons');
  if (group) control = group.querySelector('input[type=radio]:not(:checked), .widget-toggle-button:not(.mod-active)')
      || control;
  document.querySelectorAll('[data-bplab-test]').forEach(e => e.removeAttribute('data-bplab-test'));
  control.setAttribute('data-bplab-test', 'control');
  const kind = control.classList.contains('noUi-handle') ? 'slider'
      : control.closest('.widget-play') ? 'play'
      : control.tagName === 'SELECT' ? 'select'
      : control.tagName === 'INPUT' ? control.type : 'toggle';
  const box = control.closest('.widget-inline-hbox, .widget-inline-vbox');
  const label = box && box.querySelector('.widget-label');
  return {kind, now: control.getAttribute('aria-valuenow'), min: control.getAttribute('aria-valuemin'),
          max: control.getAttribute('aria-valuemax'), options: control.options ? control.options.length : 0,
          selected: control.selectedIndex === undefined ? -1 : control.selectedIndex,
          label: ((label && label.textContent.trim()) || control.textContent.trim() || control.value || '')
              .slice(0, 60)};
}"""

# The figure of lab ``index``: its src and a digest of its bytes (the src changes with every update).
_FIGURE = """async (index) => {
  const img = document.querySelectorAll('.bplab-lab')[index].querySelector('img.bplab-figure');
  if (!img || !img.src) return null;
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return {src: img.src, digest: Array.from(new Uint8Array(digest)).map(b => b.toString(16)).join(''),
          size: bytes.byteLength};
}"""

_FIGURE_CHANGED = """([index, src]) => {
  const lab = document.querySelectorAll('.bplab-lab')[index];
  const img = lab.querySelector('img.bplab-figure');
  return lab.querySelector('.bplab-error') !== null || (img.src !== src && img.complete && img.naturalWidth > 0);
}"""

# What a learner would see as broken in a lab's layout: cut-off labels, a stretched (blurry) figure,
# slider readouts that accept typing (they would ignore or silently change what is typed).
_LAYOUT_PROBLEMS = """(index) => {
  const lab = document.querySelectorAll('.bplab-lab')[index];
  const problems = [];
  for (const e of lab.querySelectorAll('.widget-label, .widget-label-basic, .widget-label-basic span')) {
    if (e.offsetParent === null || !e.textContent.trim()) continue;
    if (e.scrollWidth > e.clientWidth + 1)
      problems.push(`label cut off: "${e.textContent.trim()}" needs ${e.scrollWidth} px, has ${e.clientWidth}`);
  }
  const img = lab.querySelector('img.bplab-figure');
  const shown = img.getBoundingClientRect().width * window.devicePixelRatio;
  if (img.naturalWidth && Math.abs(img.naturalWidth - shown) > 2)
    problems.push(`figure rendered ${img.naturalWidth} px wide but shown ${shown.toFixed(0)} px (blurry)`);
  for (const r of lab.querySelectorAll('.widget-readout')) {
    const style = getComputedStyle(r);
    if (r.offsetParent !== null && (style.pointerEvents !== 'none' || style.webkitUserModify !== 'read-only'))
      problems.push(`the readout "${r.textContent}" can be typed into`);
  }
  return problems;
}"""

_NOTEBOOK_HEIGHT = """() => {
  const scroller = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
      || document.querySelector('.jp-NotebookPanel .jp-Notebook');
  return scroller ? [scroller.scrollHeight, scroller.clientHeight] : null;
}"""

_SCROLL_TOP = """() => {
  for (const e of document.querySelectorAll('.jp-NotebookPanel .jp-WindowedPanel-outer, .jp-NotebookPanel .jp-Notebook'))
    e.scrollTop = 0;
}"""


class NotebookPage:
    """One notebook open in JupyterLab in one browser page."""

    def __init__(self, page, server, notebook):
        self.page = page
        self.server = server
        self.notebook = Path(notebook)
        self.path = self.notebook.resolve().relative_to(server.root).as_posix()

    def open(self):
        """Load JupyterLab with only this notebook open (a fresh workspace) and wait for an idle kernel."""
        workspace = re.sub(r"[^A-Za-z0-9]+", "-", self.notebook.stem) + f"-{time.monotonic_ns()}"
        self.page.goto(self.server.lab_url(self.path, workspace), timeout=LOAD_TIMEOUT)
        self.page.wait_for_function(
            f"() => window.jupyterapp && {_CURRENT} && {_CURRENT}.sessionContext"
            f" && {_CURRENT}.context && {_CURRENT}.context.path === {self.path!r}", timeout=LOAD_TIMEOUT)
        assert self.page.evaluate(f"() => window.jupyterapp.hasPlugin({WIDGET_MANAGER!r})"), \
            "the Jupyter widget manager (jupyterlab_widgets) is not loaded in JupyterLab: widgets cannot render"
        accept = self.page.locator(".jp-Dialog .jp-mod-accept")  # "Select Kernel" when a notebook names none
        deadline = time.monotonic() + LOAD_TIMEOUT / 1000
        while not self.page.evaluate(_KERNEL_IDLE):
            if accept.count():
                accept.first.click()
            assert time.monotonic() < deadline, self.report("the kernel did not start", [])
            self.page.wait_for_timeout(200)
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # more room for the notebook

    def changes_on_open(self):
        """What opening the notebook changed in it ({} when nothing: no unsaved mark), as dotted keys."""
        self.page.wait_for_timeout(1000)  # JupyterLab writes kernel metadata once the kernel has answered
        if not self.page.evaluate(f"() => {_CURRENT}.context.model.dirty"):
            return {}
        now = self.page.evaluate(f"() => {_CURRENT}.context.model.toJSON().metadata")
        stored = json.loads(self.notebook.read_text())["metadata"]
        changes = {}
        for key in sorted(set(now) | set(stored)):
            old, new = stored.get(key), now.get(key)
            if isinstance(old, dict) and isinstance(new, dict):
                changes.update({f"{key}.{k}": (old.get(k), new.get(k)) for k in sorted(set(old) | set(new))
                                if old.get(k) != new.get(k)})
            elif old != new:
                changes[key] = (old, new)
        return changes or {"cells": "changed (metadata unchanged)"}

    def layout_problems(self, index):
        """Cut-off labels, a stretched figure, typeable readouts in lab ``index``."""
        self.page.locator(".bplab-lab").nth(index).scroll_into_view_if_needed()
        return self.page.evaluate(_LAYOUT_PROBLEMS, index)

    def run_all_cells(self):
        """Run → Run All Cells from the menu bar, as a learner would, and wait until it is done."""
        # A notebook stored with execution counts would look "done" at once; start from none.
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        self.page.locator(".lm-MenuBar-itemLabel").filter(has_text=re.compile(r"^Run$")).click()
        self.page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile(r"^Run All Cells$")).click()
        state = self.page.wait_for_function(_RUN_STATE, timeout=RUN_TIMEOUT, polling=250).json_value()
        assert state != "dead", self.report("the kernel died while running the notebook", self.errors())
        assert state == "done", self.report("a cell raised; Run All Cells stopped there", self.errors())

    def wait_for_widgets(self):
        """Wait until every widget output has rendered and every lab's figure has loaded."""
        expected = self.page.evaluate(_WIDGET_OUTPUTS)
        try:
            self.page.wait_for_function(_WIDGETS_READY, arg=expected, timeout=WIDGET_TIMEOUT, polling=250)
        except Exception as error:  # noqa: BLE001 - re-raised with what the page shows
            raise AssertionError(self.report(
                f"{expected} widget outputs did not all render within {WIDGET_TIMEOUT / 1000:.0f} s "
                f"(is the widget manager working?): {type(error).__name__}", self.errors())) from None

    def errors(self):
        """Every error visible in the notebook: tracebacks, lab error messages, widgets that failed, dialogs."""
        found = list(self.page.evaluate(_ERRORS))
        found += [f"browser console: {line[:300]}" for line in self.page.bplab_console
                  if re.search(r"widget|model not found|Could not create", line, re.IGNORECASE)]
        return found

    def labs_not_drawing_ahead(self, timeout=30.0):
        """The kernel's labs with models to draw ahead (:meth:`bplab.widgets.base.Lab.ahead`) that started no
        round of it after the page moved their controls, or whose rounds failed or never ended.

        Each lab started a round when it was built (in a cell); the page's control change must start another,
        on whichever thread the kernel receives it (ipykernel 7 may use a subshell's: see
        ``tests/test_draw_ahead.py``)."""
        deadline = time.monotonic() + timeout
        while True:
            labs = json.loads(self.page.evaluate(_KERNEL_OUTPUT, _AHEAD_ROUNDS) or "[]")
            idle = [lab for lab in labs if lab["started"] < 2 or lab["errors"] or not lab["done"]]
            if not idle or time.monotonic() > deadline:
                return idle
            self.page.wait_for_timeout(500)

    def count_labs(self):
        return self.page.locator(".bplab-lab").count()

    def lab_title(self, index):
        title = self.page.locator(".bplab-lab").nth(index).locator("b")  # Lab's header is bold
        return title.first.text_content() if title.count() else ""

    def move_first_control(self, index):
        """Move lab ``index``'s first control; return a problem description, or None when its figure changed."""
        control = self.page.evaluate(_FIRST_CONTROL, index)
        if control is None:
            return "no slider, dropdown, checkbox, toggle, radio, play or number control found"
        before = self.page.evaluate(_FIGURE, index)
        if before is None:
            return "no img.bplab-figure with a src"
        element = self.page.locator("[data-bplab-test=control]")
        element.scroll_into_view_if_needed()
        kind = control["kind"]
        if kind == "slider":
            element.focus()
            at_max = control["now"] is not None and float(control["now"]) >= float(control["max"])
            element.press("Home" if at_max else "End")
            if element.get_attribute("aria-valuenow") == control["now"]:  # keyboard jump unsupported: step
                for _ in range(3):
                    element.press("ArrowLeft" if at_max else "ArrowRight")
        elif kind == "select":
            if control["options"] < 2:
                return f"its first control ({control['label']!r}) is a dropdown with a single option"
            element.select_option(index=(control["selected"] + 1) % control["options"])
        elif kind == "number":
            element.fill(str(float(element.input_value() or 0) + 1))
            element.press("Enter")
        else:  # checkbox, radio, toggle button, play
            element.click()
        try:
            self.page.wait_for_function(_FIGURE_CHANGED, arg=[index, before["src"]], timeout=CHANGE_TIMEOUT,
                                        polling=100)
        except Exception:  # noqa: BLE001 - a timeout is the finding
            return (f"moving its first control ({kind} {control['label']!r}) did not change the figure within "
                    f"{CHANGE_TIMEOUT / 1000:.0f} s")
        finally:
            if kind == "play":
                element.click()  # pause again: a running animation would keep the kernel busy
        self.page.wait_for_function(_KERNEL_IDLE, timeout=CHANGE_TIMEOUT)  # let continuous updates settle
        self.page.wait_for_timeout(100)
        errors = self.page.locator(".bplab-lab").nth(index).locator(".bplab-error")
        if errors.count():
            return f"after moving {kind} {control['label']!r} the lab shows: {errors.first.text_content()}"
        after = self.page.evaluate(_FIGURE, index)
        if after is None or after["digest"] == before["digest"]:
            return f"moving {kind} {control['label']!r} redrew the figure, but with the same image"
        return None

    # -- screenshots ------------------------------------------------------------------------------------
    def screenshot_full(self, path):
        """The whole notebook in one image.

        The viewport is stretched to the notebook's height (and stays so, so that each lab's own
        screenshot is not cut by the status bar), and the notebook is scrolled to its top.
        """
        heights = self.page.evaluate(_NOTEBOOK_HEIGHT)
        if heights:
            content, visible = heights
            height = min(VIEWPORT["height"] + max(content - visible, 0), 16_000)  # Chromium's texture limit
            self.page.set_viewport_size({"width": VIEWPORT["width"], "height": int(height)})
        self.page.evaluate(_SCROLL_TOP)
        self.page.wait_for_timeout(300)
        self.page.screenshot(path=path)

    def screenshot_lab(self, index, path):
        self.page.locator(".bplab-lab").nth(index).screenshot(path=path)

    def report(self, title, lines):
        """A failure message: what went wrong, then the browser console's errors."""
        console = [f"  {line[:300]}" for line in self.page.bplab_console[-10:]]
        shown = "\n".join(f"- {line}" for line in lines) or "- (nothing visible in the notebook)"
        tail = ("\nbrowser console errors:\n" + "\n".join(console)) if console else ""
        return f"{title}\n{shown}{tail}\nscreenshots: {SCREENSHOTS}"

