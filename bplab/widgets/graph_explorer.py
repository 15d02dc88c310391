"""Lesson 01's graph explorer: pick an expression, move its inputs, walk the backward pass."""

from __future__ import annotations

import copy

import ipywidgets as widgets

from bplab.figures.graph_explorer import GraphExplorerFigure
from bplab.labs.graph_explorer import CUSTOM, DEFAULT_PRESET, PRESETS, GraphExplorerModel
from bplab.widgets.base import Lab

SLIDER_RANGE = (-5.0, 5.0)  # wide enough for CS231n's example, x = -2, y = 5, z = -4


class GraphExplorer(Lab):
    """The computational graph of an expression, with live values, gradients and a step-by-step backward pass.

    Parameters
    ----------
    expression : str or callable
        A preset name, or a function of named inputs built from ``Value``
        operations, e.g. ``lambda x, y: (x * y).tanh() + x``.
    inputs : dict of str to float, optional
        Starting input values.
    value_class : type, optional
        The ``Value`` class to build the expression with: the reference
        (default) or your own, e.g. ``ex.Value``.
    sliders : int
        Number of input sliders (the presets need 3; unused ones are hidden).
    """

    title = "Graph explorer: forward values, gradients, and the backward pass node by node"

    def __init__(self, expression=DEFAULT_PRESET, inputs=None, value_class=None, sliders=3):
        super().__init__()
        self.model = GraphExplorerModel(expression, inputs, value_class)
        self.custom = None if isinstance(expression, str) else (expression, dict(self.model.inputs))
        options = ([CUSTOM] if self.custom else []) + list(PRESETS)
        self.view = GraphExplorerFigure(self.model)
        self.sliders = [widgets.FloatSlider(value=0.0, min=SLIDER_RANGE[0], max=SLIDER_RANGE[1], step=0.05,
                                            continuous_update=True, readout_format=".2f",
                                            layout=widgets.Layout(width="290px"))
                        for _ in range(max(sliders, len(self.model.names)))]
        # the first control changes the figure (the browser test moves it): the expression
        controls = {"expression": widgets.Dropdown(options=options, value=self.model.name, description="expression",
                                                   layout=widgets.Layout(width="290px"),
                                                   style={"description_width": "70px"})}
        controls.update({f"input {k + 1}": s for k, s in enumerate(self.sliders)})
        step = widgets.Button(description="step backward", icon="step-backward",
                              tooltip="run the backward rule of the next node (output first)")
        full = widgets.Button(description="show full backward", tooltip="leave the walk; show all gradients")
        self._syncing = False
        self._sync_sliders()
        step.layout.width = full.layout.width = "140px"
        layout = widgets.VBox([controls["expression"], widgets.HBox([step, full]), *self.sliders])
        self._assemble(controls, {"step backward": (step, self.model.step_backward),
                                  "show full backward": (full, self.model.show_all)}, layout=layout, beside=True)

    def refresh(self):
        if not self._syncing:  # slider values written by _sync_sliders must not recompute twice
            super().refresh()

    def shown_state(self):
        return self.ahead_state(self.model)

    def ahead_state(self, model):
        if model.error or model.graph is None:  # an expression that failed shows what was drawn before it: not kept
            return None
        return (model.name, id(model.function), tuple(model.inputs.items()), model.step, id(model.value_class),
                model.h)

    def ahead(self):
        """The other expressions, as choosing each sets it up (its own inputs, the walk left), next in the list
        first: learners go down the list. Run with the lab's ``Value`` class, which choosing one runs too."""
        if self.model.graph is None:  # a first expression that failed: the figure could not be given it back
            return
        options = list(self.controls["expression"].options)
        at = options.index(self.model.name)
        for name in options[at + 1:] + options[:at]:
            # a copy: its structure version differs from the lab model's exactly when its shape does, which
            # is what tells the figure to show another shape (the figure is given the lab's model back between)
            model = copy.copy(self.model)
            self._choose(model, name)
            yield model

    def _choose(self, model, name):
        """Set ``model`` up as choosing ``name`` in the expression control does (the sliders follow its inputs)."""
        if name == CUSTOM:
            model.set_expression(*self.custom)
        else:
            model.set_expression(name)

    def apply_controls(self):
        name = self.controls["expression"].value
        if name != self.model.name:
            self._choose(self.model, name)
            self._sync_sliders()
            return
        changed = False
        for slider, input_name in zip(self.sliders, self.model.names):
            if slider.value != self.model.inputs[input_name]:
                self.model.inputs[input_name] = float(slider.value)
                changed = True
        if changed:
            self.model.recompute()

    def _sync_sliders(self):
        """Label, show and set the sliders for the current expression's inputs."""
        self._syncing = True
        try:
            for k, slider in enumerate(self.sliders):
                with slider.hold_sync():  # one message per slider to the page
                    if k < len(self.model.names):
                        name = self.model.names[k]
                        slider.description = name
                        slider.value = min(max(self.model.inputs[name], slider.min), slider.max)
                        slider.layout.display = None
                    else:
                        slider.description = ""
                        slider.layout.display = "none"
        finally:
            self._syncing = False
