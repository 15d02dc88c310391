"""The thin wiring every lab shares: controls, a rendered figure, errors shown, never lost."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import html
import io
import math
import sys
import threading
import time
import traceback
import warnings
import weakref

import ipywidgets as widgets

from bplab.figures.base import css_width, encode_jpeg, encode_png, set_animating

READOUT_STYLE = ("<style>.bplab-lab .widget-readout {pointer-events: none; -webkit-user-modify: read-only;"
                 " user-modify: read-only;} .bplab-lab .bplab-caption .widget-html-content {line-height: 1.4;"
                 " padding-top: 4px;}</style>")
"""Slider readouts show the value and cannot be typed into: a typed value could be rejected silently
(a readout shows negative numbers with a Unicode minus it does not accept back, "1/2" becomes 1, a
selection slider's readout ignores typing and goes blank). The slider (keyboard arrows too) sets it.
A caption under the figure reads as a paragraph (a widget's HTML has the line height of a control)."""

FRONT_END_INTERVAL = 10**9
"""A Play control's ``interval`` (ms) as the browser sees it: its own timer never fires (the kernel plays).

Under 2**31 ms: browsers run a longer ``setTimeout`` at once."""

_LABS = weakref.WeakValueDictionary()
"""Every live lab by creation number: the browser benchmark reads their timings from the kernel."""
_COUNTER = iter(range(10**9))
_ROUND_OVER = object()  # what Lab.ahead's iterator gives when it is exhausted


def live_labs():
    """The labs alive in this process, oldest first."""
    return [lab for _, lab in sorted(_LABS.items())]


class Lab:
    """Base of every widget: a title, controls, a figure and a status line.

    Subclasses build ``self.model`` (a ``bplab.labs`` object) and
    ``self.view`` (a ``bplab.figures`` builder with ``.figure`` and
    ``.update(model)``), then call ``self._assemble(controls, buttons)``, and
    implement :meth:`apply_controls` (copy control values into the model and
    recompute). Every callback goes through :meth:`guard`, so an exception is
    shown inside the widget and recorded in ``self.errors``, and the next
    change works again.

    Attributes
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        Every control whose ``value`` changes the figure (tests move them all).
    buttons : dict of str to ipywidgets.Button
    errors : list of str
        Every exception caught in a callback, as text.
    image : ipywidgets.Image
        The figure as rendered by Agg.
    caption : ipywidgets.HTML or None
        A line under the figure, when the subclass sets one before :meth:`_assemble`: text that changes with
        the controls, drawn by the browser rather than into every image.
    ui : ipywidgets.VBox
        The root box, with the CSS class ``bplab-lab``.
    players : list of Player
        The kernel players of the lab's ``Play`` controls (:meth:`play_from_kernel`).
    timings : collections.deque of dict
        One entry per redraw, in seconds: ``compute`` (the action), ``update`` (the figure's artists),
        ``draw`` (Agg), ``encode``, ``cpu`` (this thread's CPU time for all of it), wall-clock ``start``
        and ``sent``, and the image's ``bytes``.
    """

    title = ""

    def __init__(self):
        self.errors = []
        self.controls = {}
        self.buttons = {}
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("bplab-figure")
        self.status = widgets.HTML()
        self.note = widgets.HTML()
        self.caption = None
        self.ui = None
        # One entry per redraw: where the kernel's time went (read by ``python -m benchmarks browser``).
        self.timings = collections.deque(maxlen=2000)
        self._frame = {}
        # Control changes arrive on the kernel's main thread, play frames on a player thread: one at a time.
        self._lock = threading.RLock()
        self._held = None
        self._applied = None
        self.players = []
        self._kept_images = collections.OrderedDict()  # (shown_state(), animating) -> (format, bytes)
        self._ahead_round = 0  # a control change starts a new round of drawing ahead; the older one stops
        self.drawn_ahead = 0  # models of :meth:`ahead` drawn so far
        self.ahead_rounds_done = 0  # rounds of drawing ahead that ran to their end
        _LABS[next(_COUNTER)] = self

    # -- to implement -------------------------------------------------------
    def apply_controls(self):
        """Copy the controls' values into ``self.model`` and recompute."""
        raise NotImplementedError

    # -- shared wiring ------------------------------------------------------
    def _assemble(self, controls, buttons=None, layout=None, beside=False):
        """Wire the controls and build ``self.ui``.

        Parameters
        ----------
        controls : dict of str to widget
            Each one's ``value`` change calls :meth:`refresh`.
        buttons : dict of str to (Button, callable)
            Each click calls the callable through :meth:`guard`, then redraws.
        layout : widget, optional
            The controls' arrangement; a vertical box of them by default.
        beside : bool
            Put the controls left of the figure (for a tall panel of controls) instead of above it.
        """
        self.controls = dict(controls)
        for control in self.controls.values():
            control.observe(lambda change: self._control_changed(), names="value")
            if isinstance(control, widgets.Play):
                self.play_from_kernel(control)
        for name, (button, action) in (buttons or {}).items():
            self.buttons[name] = button
            button.on_click(lambda _button, action=action: self.run(action))
        header = widgets.HTML((f"<b>{html.escape(self.title)}</b>" if self.title else "") + READOUT_STYLE)
        panel = layout if layout is not None else widgets.VBox(
            list(self.controls.values()) + list(self.buttons.values()))
        if self.caption is not None:
            self.caption.add_class("bplab-caption")
        figure = self.image if self.caption is None else widgets.VBox(
            [self.image, self.caption], layout=widgets.Layout(max_width="100%"))
        if beside:  # controls left, figure right: tall control panels still fit a 1280x800 window
            body = widgets.HBox([panel, figure],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
            self.ui = widgets.VBox([header, self.note, body, self.status])
        else:
            self.ui = widgets.VBox([header, panel, self.note, figure, self.status])
        self.ui.add_class("bplab-lab")
        self.refresh()

    def play_from_kernel(self, play, fps=None):
        """Let the kernel play ``play`` (an ``ipywidgets.Play``): frames are pushed, not requested.

        A Play ticked by the browser costs a browser -> kernel -> browser round trip per frame, which tops
        out near 15 frames per second; here the browser's play/pause button only switches the ``playing``
        trait, and a kernel thread advances ``value`` by ``step`` every ``1 / fps`` seconds (the
        value's observers redraw, exactly as a browser tick would), until ``max`` (or forever with
        ``repeat``). Setting ``value`` from code still ticks synchronously, as before.

        Parameters
        ----------
        play : ipywidgets.Play
        fps : float, optional
            Frames per second to aim at; by default ``1000 / play.interval`` as set by the lab, at most 30.

        Returns
        -------
        Player
        """
        player = Player(self, play, fps=fps)
        self.players.append(player)
        return player

    @contextlib.contextmanager
    def hold(self):
        """Apply several control changes as one: redraw once, when the block ends.

        Use it when one control sets others (``with self.hold(): slider.value = ...``)."""
        with self._lock:
            outer = self._held is None
            if outer:
                self._held = False
            try:
                yield
            finally:
                if outer:
                    requested, self._held = self._held, None
                    if requested:
                        self.refresh()

    def guard(self, action):
        """Run ``action()``; an exception becomes a message in the widget and an entry in ``errors``."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - a widget must survive every control value
            text = f"{type(error).__name__}: {error}"
            self.errors.append(text + "\n" + traceback.format_exc())
            self.status.value = (
                "<div class='bplab-error' style='color:#D55E00;border:1px solid #D55E00;padding:4px'>"
                f"Something went wrong while updating: {html.escape(text)}. Change a control to try again.</div>")
            return False
        return True

    def refresh(self):
        """Apply the controls and redraw; what every control change calls (once per :meth:`hold` block)."""
        with self._lock:
            if self._held is not None:
                self._held = True
                return
            self.run(self.apply_controls)
            self._applied = self._control_state()
        self._draw_ahead_when_idle()

    def _control_changed(self):
        with self._lock:
            if self._held is None and self._applied is not None and _same(self._control_state(), self._applied):
                # the values the figure shows, give or take rounding: the page echoing a value the kernel set
                # (its slider computes min + k * step in floating point) costs no second redraw
                return
        self.refresh()

    def _control_state(self):
        return [control.value for control in self.controls.values()]

    def run(self, action):
        """Run an action (a button's, a tick's) through :meth:`guard`, then redraw."""
        with self._lock:
            self._run(action)

    def _run(self, action):
        wall, start, cpu = time.time(), time.perf_counter(), time.thread_time()
        self._frame = {}
        ok = self.guard(action)
        computed = time.perf_counter()
        ok = ok and self.guard(lambda: self.view.update(self.model))
        updated = time.perf_counter()
        ok = ok and self.guard(self.draw)
        if ok:
            self.status.value = ""
        done = time.perf_counter()
        frame = self._frame
        self.timings.append({"start": wall, "sent": wall + done - start, "compute": computed - start,
                             "update": updated - computed, "draw": frame.get("draw", done - updated),
                             "encode": frame.get("encode", 0.0), "bytes": len(self.image.value or b""),
                             # CPU time of this thread: below the wall time when the machine is busy elsewhere
                             "cpu": time.thread_time() - cpu})

    AHEAD_DELAY = 0.25
    """Seconds after a control change before the kernel starts drawing ahead (:meth:`ahead`)."""

    DRAW_AHEAD_ANYWHERE = False
    """Draw ahead on any running event loop, not only an IPython kernel's (tests set it: a test runner
    may run another library's event loop, a browser driver's, on which nothing should be drawn ahead)."""

    def ahead(self):
        """Models one likely learner action away (the other options of a dropdown), each computed when taken.

        While the kernel is idle, each one is drawn into the figure (not sent), then the figure is given
        the lab's model back. The figure's caches and the model's then hold what that action draws: the
        first choice of a surface or a data set costs what choosing it again costs. A ``None`` is a piece
        of work done ahead with nothing to draw (a slider stop's computation, kept in the model's cache):
        the next item is taken at the next turn of the loop. Nothing by default.
        """
        return iter(())

    def _draw_ahead_when_idle(self):
        """Draw :meth:`ahead`'s models, one per turn of the kernel's event loop, from AHEAD_DELAY on."""
        loop = _kernel_loop(self.DRAW_AHEAD_ANYWHERE)
        if loop is None:
            return  # not on a kernel's event loop (a player's thread, a test, a script): nothing is drawn ahead
        self._ahead_round += 1
        this_round, models = self._ahead_round, None

        def draw_next():
            nonlocal models
            if this_round != self._ahead_round or self.animating:
                return
            # quiet: a warning or a print (from learner code) would land under whichever cell ran last; the
            # learner sees them when making the choice
            with self._lock, _quiet():
                try:
                    models = iter(self.ahead()) if models is None else models
                    model = next(models, _ROUND_OVER)
                    if model is _ROUND_OVER:
                        self.ahead_rounds_done += 1
                        return
                    state = None if model is None else self.ahead_state(model)
                    key = None if state is None else (state, False)  # nothing is drawn ahead during play
                    # None: work done ahead, nothing to draw; a kept image needs no drawing (None is never kept)
                    if model is not None and key not in self._kept_images:
                        try:
                            self.view.update(model)
                            if key is None:
                                getattr(self.view, "render", self.view.figure.canvas.draw)()
                            else:  # encoded as the choice would encode it, kept, not sent
                                self._keep(key, *self._render(animating=False)[:2])
                            self.drawn_ahead += 1
                        finally:
                            self.view.update(self.model)
                except Exception:  # noqa: BLE001 - recorded, not shown: the learner did nothing
                    self.errors.append("drawing ahead:\n" + traceback.format_exc())
                    return
            # a timer, not call_soon: a message that arrived meanwhile is handled before the next model
            loop.call_later(0.001, draw_next)

        # from any thread (a subshell's): the round runs on the loop's own thread, the kernel's main one
        loop.call_soon_threadsafe(loop.call_later, self.AHEAD_DELAY, draw_next)

    def ahead_state(self, model):
        """What :meth:`shown_state` would be with ``model`` (one of :meth:`ahead`'s) as the lab's model; None
        (the default) renders it ahead without keeping an image.

        With a state, the model drawn ahead is encoded too and its image kept under that state, as showing it
        would keep it: choosing it then sends that image, neither drawn nor encoded again.
        """
        return None

    IMAGES_KEPT = 32
    """Encoded images kept per lab that says what its figure shows (:meth:`shown_state`): 30-50 kB each."""

    def shown_state(self):
        """A hashable key of everything the figure shows, for a lab whose figure is a function of it; None
        (the default) draws every time.

        With a key, the image encoded for a state is kept: showing the state again (a checkbox switched
        back, a slider moved back, a preset chosen again) sends it without drawing or encoding. The
        figure's artists are still updated on every change, so a full draw shows the same state.
        """
        return None

    def draw(self):
        """Render the figure with Agg and show it as PNG (or the image kept for this state: :meth:`shown_state`)."""
        state, animating = self.shown_state(), self.animating
        key = None if state is None else (state, animating)
        kept = None if key is None else self._kept_images.get(key)
        if kept is not None:
            start = time.perf_counter()
            self._kept_images.move_to_end(key)
            self.show_image(kept[1], kept[0])
            self._frame.update(draw=0.0, encode=time.perf_counter() - start)
            return
        start = time.perf_counter()
        format, data, drawing = self._render(animating)
        self.show_image(data, format)
        self._frame.update(draw=drawing, encode=time.perf_counter() - start - drawing)
        if key is not None:
            self._keep(key, format, data)

    def _render(self, animating):
        """Draw the figure and encode it (JPEG for an animation frame, PNG otherwise).

        Returns
        -------
        format : str
        data : bytes
        drawing : float
            Seconds the drawing took.
        """
        start = time.perf_counter()
        set_animating(self.view.figure, animating)
        # a figure may draw itself faster than a full draw (blitting: only the moving artists)
        getattr(self.view, "render", self.view.figure.canvas.draw)()
        drawn = time.perf_counter()
        canvas = self.view.figure.canvas
        format, data = ("jpeg", encode_jpeg(canvas)) if animating else ("png", encode_png(canvas))
        return format, data, drawn - start

    def _keep(self, key, format, data):
        """Keep an encoded image for a state (the oldest go beyond IMAGES_KEPT)."""
        self._kept_images[key] = (format, data)
        self._kept_images.move_to_end(key)
        while len(self._kept_images) > self.IMAGES_KEPT:
            self._kept_images.popitem(last=False)

    @property
    def animating(self):
        """Whether a player is pushing frames (they are sent as JPEG; the still frame after pause as PNG)."""
        return any(player.pushing for player in self.players)

    def show_image(self, data, format="png"):
        """Show the figure's encoded pixels at the figure's own size (never stretched: as sharp as the text)."""
        width = f"{css_width(self.view.figure)}px"
        if self.image.layout.width != width:
            self.image.layout.width = width
            if self.caption is not None:  # as wide as the figure it is under
                self.caption.layout.width = width
        with self.image.hold_sync():  # format and bytes in one message
            self.image.format = format
            self.image.value = data

    def set_note(self, text):
        """A line above the figure (for example "powered by your code")."""
        self.note.value = f"<i>{html.escape(text)}</i>" if text else ""

    def _ipython_display_(self):
        from IPython.display import display

        display(self.ui)


def _kernel_loop(anywhere=False):
    """The event loop of an IPython kernel's main thread, when this thread is one a learner's action comes on:
    the main thread, or a subshell's (ipykernel 7 runs JupyterLab's widget messages on a subshell thread, so
    that they are handled while a cell runs). None elsewhere: a player's thread, a script, a test runner's
    loop. With ``anywhere``, the loop running on this thread, whatever it is (tests)."""
    if anywhere:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None
    kernel_app = sys.modules.get("ipykernel.kernelapp")
    if kernel_app is None or not kernel_app.IPKernelApp.initialized():
        return None
    subshell = sys.modules.get("ipykernel.subshell")
    thread = threading.current_thread()
    if thread is not threading.main_thread() and not (subshell and isinstance(thread, subshell.SubshellThread)):
        return None
    main_loop = getattr(getattr(kernel_app.IPKernelApp.instance(), "io_loop", None), "asyncio_loop", None)
    return main_loop if main_loop is not None and main_loop.is_running() else None


@contextlib.contextmanager
def _quiet():
    """No output and no warnings inside (the kernel's main thread, no player running: see ``Lab.ahead``)."""
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        yield


def _same(a, b):
    """Equal control states, floats within rounding (relative 1e-9)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return a == b


def on_grid(slider, value):
    """``value`` moved to the nearest stop of ``slider`` (its ``min + k * step``, in log space for a log slider).

    Set a slider from code to a value on its grid: the page snaps any other value to the grid and sends
    the snapped value back, which costs a second redraw.
    """
    if isinstance(slider, widgets.FloatLogSlider):
        exponent = math.log(value, slider.base)
        stop = slider.min + round((exponent - slider.min) / slider.step) * slider.step
        return float(slider.base ** min(max(stop, slider.min), slider.max))
    stop = slider.min + round((value - slider.min) / slider.step) * slider.step
    return type(slider.value)(min(max(stop, slider.min), slider.max))


def stops_outwards(slider):
    """Every value ``slider`` can be moved to but its own: its two ends first, then by distance from its value,
    where a learner's next move most likely takes it; each as the page sets it (:func:`on_grid`).

    Parameters
    ----------
    slider : ipywidgets.SelectionSlider, FloatSlider, IntSlider or FloatLogSlider

    Returns
    -------
    list
        The values (a selection slider's option values), for :meth:`Lab.ahead`.
    """
    if isinstance(slider, widgets.SelectionSlider):
        values = [option[1] if isinstance(option, tuple) else option for option in slider.options]
        here = slider.index
    else:
        log = isinstance(slider, widgets.FloatLogSlider)
        count = round((slider.max - slider.min) / slider.step)
        position = math.log(slider.value, slider.base) if log else slider.value
        here = round((position - slider.min) / slider.step)
        values = [on_grid(slider, slider.base ** (slider.min + k * slider.step) if log else slider.min + k * slider.step)
                  for k in range(count + 1)]
    last = len(values) - 1
    order = sorted((k for k in range(len(values)) if k != here), key=lambda k: (k not in (0, last), abs(k - here)))
    return [values[k] for k in order]


class Player:
    """A kernel thread that plays a ``Play`` control: see :meth:`Lab.play_from_kernel`.

    Attributes
    ----------
    play : ipywidgets.Play
    period : float
        Seconds between frames.
    frames : int
        Frames this player has advanced.
    """

    MAX_FPS = 30.0

    def __init__(self, lab, play, fps=None):
        self.lab = lab
        self.play = play
        fps = fps if fps is not None else min(1000.0 / max(play.interval, 1), self.MAX_FPS)
        self.period = 1.0 / fps
        self.frames = 0
        self.pushing = False
        self._thread = None
        self._stop = threading.Event()
        play.interval = FRONT_END_INTERVAL
        play.observe(self._playing_changed, names="playing")

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def _playing_changed(self, change):
        if change["new"]:
            self.start()
        else:
            self.stop()
            # frames come from the player's thread, which draws nothing ahead, and a play may push what was
            # drawn ahead out of the figure's caches (the playground's new loss ranges): paused, draw it again
            self.lab._draw_ahead_when_idle()

    def start(self):
        """Play from the kernel (what the play button does)."""
        if self.running and not self._stop.is_set():
            return
        if self.running:  # a pause still drawing its still frame: let it finish first
            self.stop(wait=True)
        self._stop.clear()
        self.pushing = True  # the frame of the value the page sent with its click is an animation frame too
        self._thread = threading.Thread(target=self._loop, name="bplab-player", daemon=True)
        self._thread.start()

    def stop(self, wait=True):
        """Pause: no frame starts after this returns (the one being drawn, if any, is finished first)."""
        self._stop.set()
        thread = self._thread
        # not from inside a redraw (it holds the lock the frame being drawn waits for)
        owned = getattr(self.lab._lock, "_is_owned", lambda: False)()
        if wait and not owned and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    def step(self):
        """Advance one frame; False when the end is reached (and, without ``repeat``, stop playing)."""
        play = self.play
        with self.lab._lock:
            if self._stop.is_set():
                return False
            following = play.value + play.step
            if following > play.max:
                if not play.repeat:
                    self._stop.set()
                    play.playing = False
                    return False
                following = play.min
            play.value = following  # the value's observers compute and redraw this frame
            self.frames += 1
        return True

    def _loop(self):
        # The page's play click sends a value with ``playing`` (the first epoch when a replay is at its end,
        # one step on otherwise), whose redraw runs on the kernel's main thread once that message is applied:
        # that is the first frame. Stepping at once raced it: the frame was skipped, or shown after the next.
        next_frame = time.perf_counter() + self.period
        self.pushing = True
        try:
            # sleep outside the lock: control changes from the page get in between frames
            while not self._stop.wait(max(0.0, next_frame - time.perf_counter())):
                if not self.lab.guard(self.step) or self._stop.is_set():
                    break
                next_frame = max(next_frame + self.period, time.perf_counter() + 0.002)
        finally:
            self.pushing = False
            self.lab.run(lambda: None)  # the still frame: lossless again
            if self._thread is threading.current_thread():
                self._thread = None
