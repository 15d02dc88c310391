"""Lesson 00's "try the checker" widget."""

from __future__ import annotations

import ipywidgets as widgets

from bplab.figures.checker_demo import CheckerDemoFigure
from bplab.labs.checker_demo import CheckerDemoModel
from bplab.widgets.base import Lab


class CheckerDemo(Lab):
    """Scale a candidate gradient and read the checker's verdict."""

    title = "Try the checker: candidate gradient = c · 2x"

    def __init__(self, factor=0.5):
        super().__init__()
        self.model = CheckerDemoModel(factor)
        self.view = CheckerDemoFigure(self.model)
        factor_slider = widgets.FloatSlider(value=factor, min=-3.0, max=3.0, step=0.25, description="c",
                                            continuous_update=True)
        self._assemble({"factor": factor_slider})

    def apply_controls(self):
        self.model.set_factor(self.controls["factor"].value)
