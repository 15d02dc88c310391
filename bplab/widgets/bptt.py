"""Lesson 03's BPTT explorer: the spectral radius and the length against the gradient through time."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from bplab.figures.bptt import THRESHOLD_RANGE, BPTTFigure, describe
from bplab.labs.bptt import BPTTModel
from bplab.widgets.base import Lab

NONLINEARITY_OPTIONS = [("tanh", "tanh"), ("ReLU", "relu"), ("linear (none)", "linear")]


class BPTTExplorer(Lab):
    """The gradient norm at every time step of a vanilla RNN, with the ``ρ^distance`` law and clipping.

    Parameters
    ----------
    **settings
        Initial values of ``BPTTModel``'s settings (rho, length, nonlinearity, clip, threshold).
    """

    title = "BPTT explorer: the gradient at each time step, and clipping by global norm"

    def __init__(self, **settings):
        super().__init__()
        self.model = BPTTModel(**settings)
        self.view = BPTTFigure(self.model)
        m, style = self.model, {"description_width": "initial"}
        controls = {
            # The first control changes the figure for every setting (the browser test moves it).
            "rho": widgets.FloatSlider(value=m.rho, min=0.5, max=1.5, step=0.02, description="spectral radius ρ",
                                       style=style),
            "length": widgets.IntSlider(value=m.length, min=2, max=200, description="length T", style=style),
            "nonlinearity": widgets.Dropdown(options=NONLINEARITY_OPTIONS, value=m.nonlinearity,
                                             description="nonlinearity", style=style),
            "clip": widgets.Checkbox(value=m.clip, description="clip the gradient by global norm", indent=False,
                                     layout=widgets.Layout(width="auto")),  # the whole label shows
            "threshold": widgets.FloatLogSlider(value=m.threshold, base=10, min=np.log10(THRESHOLD_RANGE[0]),
                                                max=np.log10(THRESHOLD_RANGE[1]), step=0.1,
                                                description="threshold", readout_format=".2g", style=style),
        }
        c = controls
        layout = widgets.VBox([widgets.HBox([c["rho"], c["length"], c["nonlinearity"]]),
                               widgets.HBox([c["clip"], c["threshold"]])])
        self._assemble(controls, layout=layout)

    def apply_controls(self):
        self.model.set(**{name: control.value for name, control in self.controls.items()})
        self.set_note(describe(self.model))
