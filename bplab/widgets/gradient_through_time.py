"""Lesson 08's gradient-through-time explorer: vanilla RNN vs LSTM, lag, size, forget-gate bias, clipping."""

from __future__ import annotations

import ipywidgets as widgets

from bplab import nn, powered
from bplab.figures.gradient_through_time import GradientThroughTimeFigure, describe
from bplab.labs.gradient_through_time import GradientThroughTimeModel
from bplab.widgets.base import Lab

POWERING_CHECKS = ("lstm_forward", "lstm_backward")
"""The learner's ex08_recurrent LSTM trains the LSTM once these pass."""
TRAIN_UPDATES = 50


class GradientThroughTimeExplorer(Lab):
    """How far back the gradient reaches in a vanilla RNN and an LSTM, before and during training.

    Parameters
    ----------
    impl : str or path, optional
        The learner's folder; its ``lstm_forward``/``lstm_backward`` train the LSTM once their checks pass.
    **settings
        Initial values of ``GradientThroughTimeModel``'s settings (lag, hidden, forget_bias, clip, threshold, seed).
    """

    title = "Gradient-through-time explorer: vanilla RNN vs LSTM on the long-lag task"

    def __init__(self, impl=None, **settings):
        super().__init__()
        choice = powered.choose("ex08_recurrent", list(POWERING_CHECKS), nn, impl=impl)
        self.power_note = f"LSTM training: {choice.label}."
        self.model = GradientThroughTimeModel(ops=choice.ops, **settings)
        self.view = GradientThroughTimeFigure(self.model)
        m, style = self.model, {"description_width": "initial"}
        controls = {
            # The first control changes the figure for every setting (the browser test moves it).
            "lag": widgets.IntSlider(value=m.lag, min=2, max=80, description="lag", style=style),
            "hidden": widgets.IntSlider(value=m.hidden, min=4, max=48, step=4, description="hidden units",
                                        style=style),
            "forget_bias": widgets.FloatSlider(value=m.forget_bias, min=-2.0, max=5.0, step=0.5,
                                               description="forget-gate bias b_f", style=style),
            "clip": widgets.Checkbox(value=m.clip, description="clip by global norm"),
            "threshold": widgets.FloatLogSlider(value=m.threshold, base=10, min=-2, max=2, step=0.1,
                                                description="threshold", readout_format=".2g", style=style),
            "seed": widgets.IntSlider(value=m.seed, min=0, max=9, description="seed", style=style),
        }
        train = widgets.Button(description=f"train {TRAIN_UPDATES} updates",
                               tooltip="train both networks (Adam, lr 0.03, batches of 32) and re-measure")
        reset = widgets.Button(description="reset", tooltip="both networks back to their initialization")
        buttons = {"train": (train, lambda: self.model.train(TRAIN_UPDATES)), "reset": (reset, self.model.reset)}
        c = controls
        layout = widgets.VBox([widgets.HBox([c["lag"], c["hidden"], c["forget_bias"]]),
                               widgets.HBox([c["clip"], c["threshold"], c["seed"], train, reset])])
        self._assemble(controls, buttons, layout=layout)

    def apply_controls(self):
        self.model.set(**{name: control.value for name, control in self.controls.items()})
        self.set_note(f"{self.power_note} {describe(self.model)}")

    def run(self, action):
        """Buttons and controls both end here; the note is refreshed after a button too."""
        super().run(lambda: (action(), self.set_note(f"{self.power_note} {describe(self.model)}")))
