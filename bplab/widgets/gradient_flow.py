"""Lesson 03's gradient-flow explorer: depth, width, activation and initialization against the gradients."""

from __future__ import annotations

import ipywidgets as widgets

import bplab.init
from bplab import powered
from bplab.figures.gradient_flow import GradientFlowFigure, describe
from bplab.labs.gradient_flow import MAX_DEPTH, GradientFlowModel
from bplab.widgets.base import Lab

ACTIVATION_OPTIONS = [("sigmoid", "sigmoid"), ("tanh", "tanh"), ("ReLU", "relu"), ("leaky ReLU", "leaky_relu"),
                      ("linear (none)", "linear")]
SCHEME_OPTIONS = [("standard U(±1/√n)", "standard_uniform"), ("Xavier uniform", "xavier_uniform"),
                  ("Xavier normal", "xavier_normal"), ("He normal", "he_normal"), ("He uniform", "he_uniform"),
                  ("orthogonal", "orthogonal")]
POWERING_CHECKS = ("xavier_uniform", "he_normal")
"""The learner's ex03_vanishing initializers draw the Xavier uniform and He normal weights once these pass."""


class GradientFlowExplorer(Lab):
    """Per-layer pre-activations and gradient norms of a deep network, measured and predicted.

    Parameters
    ----------
    impl : str or path, optional
        The learner's folder (``bplab.loader.impl_dir``'s default when None); its ``xavier_uniform`` and
        ``he_normal`` draw those schemes' weights once their checks pass ("powered by your code").
    **settings
        Initial values of ``GradientFlowModel``'s settings (activation, depth, width, scheme, scale, residual).
    """

    title = "Gradient-flow explorer: how the gradient changes on its way back through the layers"

    def __init__(self, impl=None, **settings):
        super().__init__()
        choice = powered.choose("ex03_vanishing", list(POWERING_CHECKS), bplab.init, impl=impl)
        self.power_note = f"Xavier (uniform) and He (normal) initialization: {choice.label}."
        self.model = GradientFlowModel(init_ops=choice.ops, **settings)
        self.view = GradientFlowFigure(self.model)
        m, style = self.model, {"description_width": "initial"}
        controls = {
            # The first control changes the figure for every setting (the browser test moves it).
            "activation": widgets.Dropdown(options=ACTIVATION_OPTIONS, value=m.activation, description="activation"),
            "depth": widgets.IntSlider(value=m.depth, min=1, max=MAX_DEPTH, description="depth", style=style),
            "width": widgets.IntSlider(value=m.width, min=8, max=96, step=8, description="width", style=style),
            "scheme": widgets.Dropdown(options=SCHEME_OPTIONS, value=m.scheme, description="init"),
            "scale": widgets.FloatLogSlider(value=m.scale, base=2, min=-2, max=2, step=0.125,
                                            description="scale × W", readout_format=".3g", style=style),
            "residual": widgets.Checkbox(value=m.residual, description="residual connection h + f(a)"),
        }
        c = controls
        layout = widgets.VBox([widgets.HBox([c["activation"], c["scheme"], c["residual"]]),
                               widgets.HBox([c["depth"], c["width"], c["scale"]])])
        self._assemble(controls, layout=layout)

    def shown_state(self):
        m = self.model
        return (m.activation, m.depth, m.width, m.scheme, m.scale, m.residual, id(m.init_ops))

    def apply_controls(self):
        values = {name: control.value for name, control in self.controls.items()}
        self.model.set(**values)
        self.set_note(f"{self.power_note} {describe(self.model)}")
