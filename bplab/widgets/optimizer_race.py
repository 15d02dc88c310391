"""The optimizer race widget: pick a surface and optimizers, tune them, watch them descend."""

from __future__ import annotations

import copy
from contextlib import contextmanager
from types import SimpleNamespace

import ipywidgets as widgets
import numpy as np

from bplab import powered
from bplab.figures.optimizer_race import OptimizerRaceFigure, theory_caption
from bplab.labs.optimizer_race import OPTIMIZERS, STEP_RULES, OptimizerRaceModel
from bplab.surfaces import SURFACES
from bplab.widgets.base import Lab, on_grid, stops_outwards

# the ex04 step functions, in the race's order, and the checks that must pass for the race to run them
STEP_FUNCTIONS = [function for function, _ in STEP_RULES.values()]
# choose() wants a namespace with the same names; on the reference side the model keeps bplab.optim's classes
_REFERENCE = SimpleNamespace(**dict.fromkeys(STEP_FUNCTIONS))
_WIDE = {"style": {"description_width": "110px"}, "layout": widgets.Layout(width="300px")}


@contextmanager
def _in_order(widget, keys):
    """Like ``widget.hold_sync()``: one message to the page at the end, but with ``keys`` in this order.

    The page applies a message's keys in their order, and ``hold_sync`` sends them in a set's: a slider's
    value applied before its new step (or range) is snapped (clamped) to the old one and sent back, which
    costs a second redraw.
    """
    with widget.hold_sync():
        yield
        widget._states_to_send.clear()
    widget.send_state(keys)


def _start_step(low, high):
    return (high - low) / 200


def _surface_settings(model, controls):
    """The start and rate sliders' values for the model's surface: its start point and usual rates, each on
    its slider's stops (the page snaps any other value and sends it back)."""
    settings = {"lr": on_grid(controls["lr"], model.lr),
                "adaptive_lr": on_grid(controls["adaptive_lr"], model.adaptive_lr)}
    for axis, name in enumerate(("start_x", "start_y")):
        low, high = model.surface.domain[axis]
        stops = SimpleNamespace(min=low, max=high, step=_start_step(low, high), value=0.0)
        settings[name] = on_grid(stops, float(model.start[axis]))
    return settings


class OptimizerRace(Lab):
    """Several optimizers on one 2-D surface, animated; the theory's best rate overlaid on quadratics.

    Parameters
    ----------
    impl : str or Path, optional
        Folder of the learner's code (``bplab.loader.impl_dir``). When the checks of every
        function of ``ex04_optimizers`` the race uses pass, SGD, Momentum, Nesterov, RMSprop
        and Adam run on the learner's step functions ("powered by your code").
    **settings
        Passed to :class:`bplab.labs.optimizer_race.OptimizerRaceModel` (``surface_name``,
        ``kappa``, ``optimizers``, ``lr``, ...).
    """

    title = "Optimizer race"

    def __init__(self, impl=None, **settings):
        super().__init__()
        self.choice = powered.choose("ex04_optimizers", STEP_FUNCTIONS, _REFERENCE, impl=impl)
        self.model = OptimizerRaceModel(**settings, rules=self.choice.ops if self.choice.by_learner else None)
        self.set_note(", ".join(STEP_RULES) + f" steps: {self.choice.label}. "
                      + ", ".join(n for n in OPTIMIZERS if n not in STEP_RULES) + ": reference (not exercises).")
        self.view = OptimizerRaceFigure(self.model)
        self.caption = widgets.HTML(theory_caption(self.model))
        m = self.model
        self._syncing = False
        # the surface comes first: the browser test moves the first control and expects the figure to change
        controls = {
            "surface": widgets.Dropdown(options=list(SURFACES), value=m.surface_name, description="surface", **_WIDE),
            "kappa": widgets.FloatLogSlider(value=m.kappa, base=10, min=0, max=3, step=0.05,
                                            description="condition κ", readout_format=".4g", **_WIDE),
            "optimizers": widgets.SelectMultiple(options=list(OPTIMIZERS), value=m.optimizers, rows=7,
                                                 description="optimizers", **_WIDE),
            "lr": widgets.FloatLogSlider(value=m.lr, base=10, min=-5, max=1, step=0.05,
                                         description="lr (SGD family)", readout_format=".2e", **_WIDE),
            "adaptive_lr": widgets.FloatLogSlider(value=m.adaptive_lr, base=10, min=-4, max=0.5, step=0.05,
                                                  description="lr (adaptive)", readout_format=".2e", **_WIDE),
            "momentum": widgets.FloatSlider(value=m.momentum, min=0.0, max=0.99, step=0.01,
                                            description="momentum", **_WIDE),
            "beta1": widgets.FloatSlider(value=m.beta1, min=0.0, max=0.99, step=0.01, description="β1 (Adam)",
                                         **_WIDE),
            "beta2": widgets.FloatSlider(value=m.beta2, min=0.5, max=0.9999, step=0.0001, readout_format=".4f",
                                         description="β2 / RMSprop α", **_WIDE),
            "start_x": widgets.FloatSlider(description="start x", **_WIDE),
            "start_y": widgets.FloatSlider(description="start y", **_WIDE),
            "steps": widgets.IntSlider(value=m.steps, min=10, max=500, step=10, description="steps", **_WIDE),
            "frame": widgets.Play(value=m.steps, min=0, max=m.steps, step=max(1, m.steps // 100), interval=40,
                                  description="play", show_repeat=False),
        }
        self._controls_for_surface(controls)
        # one column beside the figure: the lab fits a 1280x800 window
        panel = widgets.VBox([controls[k] for k in ("surface", "kappa", "optimizers", "steps", "lr", "adaptive_lr",
                                                    "momentum", "beta1", "beta2", "start_x", "start_y")]
                             + [widgets.HBox([widgets.Label("play"), controls["frame"]])])
        self._assemble(controls, layout=panel, beside=True)

    def _controls_for_surface(self, controls):
        """Set the start sliders' ranges, the rates and the κ slider's state from the model's surface."""
        m = self.model
        settings = _surface_settings(m, controls)
        for axis, name in enumerate(("start_x", "start_y")):
            low, high = m.surface.domain[axis]
            slider = controls[name]
            with _in_order(slider, ["min", "max", "step", "value"]):
                slider.min, slider.max = min(low, slider.min), max(high, slider.max)  # widen first: no clamping
                slider.value = float(m.start[axis])
                slider.min, slider.max, slider.step = low, high, _start_step(low, high)
                slider.value = settings[name]
        controls["lr"].value = settings["lr"]
        controls["adaptive_lr"].value = settings["adaptive_lr"]
        controls["kappa"].disabled = m.surface_name != "quadratic"

    def ahead(self):
        """The race on each other surface, as choosing it would set it up: learners try the surfaces in turn.

        With the learner's step functions when the race runs on them: choosing the surface runs the same.
        Then the loss panel at the ranges kappa and the rates move it to most often, and what every stop of
        the kappa and steps sliders computes (``None``: nothing to draw whole)."""
        for name in SURFACES:
            if name != self.model.surface_name:
                m = copy.copy(self.model)  # shares the model's cache of runs: choosing it finds them computed
                m.set_surface(name)
                settings = _surface_settings(m, self.controls)
                m.lr, m.adaptive_lr = settings["lr"], settings["adaptive_lr"]
                m.start = np.array([settings["start_x"], settings["start_y"]])
                m.recompute()
                yield m
        # not a model: the loss panel at the ranges a new kappa or rate gives it most often (its new ticks were
        # most of such a change's drawing); the figure keeps showing the lab's model
        self.view.warm_loss_ranges(self.model)
        if self.model.surface_name == "quadratic":
            # every stop of the kappa slider (its ends, then outwards from here): the runs, contour lines and
            # loss panel a new kappa computes, kept in the model's and the figure's caches; not drawn whole
            for kappa in stops_outwards(self.controls["kappa"]):
                m = copy.copy(self.model)
                m.set_kappa(kappa)
                m.recompute()
                self.view.warm_contours(m)
                self.view.warm_loss_panel(m, self.model)
                yield None
        # every stop of the steps slider: the runs at the most steps (a shorter race is their start), then
        # the loss panel of each stop
        longest = self.controls["steps"].max
        for name in self.model.optimizers:
            self.model.run_of(name, longest)
            yield None
        for steps in stops_outwards(self.controls["steps"]):
            m = copy.copy(self.model)
            m.steps = m.frame = steps  # as the steps slider sets them: the whole race shown
            m.recompute()
            self.view.warm_loss_panel(m, self.model)
            yield None

    def refresh(self):
        if not self._syncing:  # one redraw per learner action, not one per slider we move ourselves
            super().refresh()

    def apply_controls(self):
        c, m = self.controls, self.model
        if c["surface"].value != m.surface_name:
            m.set_surface(c["surface"].value)
            self._syncing = True
            try:
                self._controls_for_surface(c)
            finally:
                self._syncing = False
        kappa = on_grid(c["kappa"], c["kappa"].value)  # the value ahead() computed (the page's float may differ)
        if kappa != m.kappa:
            m.set_kappa(kappa)
        m.optimizers = tuple(c["optimizers"].value)
        m.lr, m.adaptive_lr = c["lr"].value, c["adaptive_lr"].value
        m.momentum, m.beta1, m.beta2 = c["momentum"].value, c["beta1"].value, c["beta2"].value
        m.start = m.start.copy()
        m.start[:] = (c["start_x"].value, c["start_y"].value)
        if c["steps"].value != m.steps:
            m.steps = c["steps"].value
            self._syncing = True
            try:  # a new length shows the whole race; Play then animates it from the start
                with _in_order(c["frame"], ["max", "step", "value"]):  # a value past the old end is clamped
                    c["frame"].max = m.steps
                    c["frame"].value = m.steps
                    c["frame"].step = max(1, m.steps // 100)
            finally:
                self._syncing = False
        m.frame = c["frame"].value
        m.recompute()
        self.caption.value = theory_caption(m)  # the same text during play: no message
