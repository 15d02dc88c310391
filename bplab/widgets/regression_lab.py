"""Lesson 02's regression lab: switch the loss and the share of outliers, watch the fit."""

from __future__ import annotations

import ipywidgets as widgets

from bplab.figures.regression_lab import RegressionLabFigure
from bplab.labs.regression_lab import LABELS, LOSSES, RegressionLabModel
from bplab.widgets.base import Lab


class RegressionLab(Lab):
    """A line fitted by MSE, MAE or Huber to data with a chosen share of outliers."""

    title = "Regression lab: which loss do outliers pull?"

    def __init__(self, loss="mse", outlier_fraction=0.2, delta=1.0):
        super().__init__()
        self.model = RegressionLabModel(loss, outlier_fraction, delta)
        self.view = RegressionLabFigure(self.model)
        controls = {
            "outlier_fraction": widgets.FloatSlider(value=outlier_fraction, min=0.0, max=0.5, step=0.05,
                                                    description="outliers", readout_format=".0%",
                                                    continuous_update=True),
            "loss": widgets.ToggleButtons(options=[(LABELS[k], k) for k in LOSSES], value=loss, description="loss"),
            "delta": widgets.FloatLogSlider(value=delta, base=10, min=-1, max=1, step=0.1,
                                            description="Huber δ", continuous_update=True),
        }
        self._assemble(controls)
        self.set_note(self.model.summary())

    def apply_controls(self):
        self.model.configure(**{name: control.value for name, control in self.controls.items()})
        self.set_note(self.model.summary())
