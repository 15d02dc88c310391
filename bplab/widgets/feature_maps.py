"""Lesson 07's filter and feature-map viewer."""

from __future__ import annotations

import ipywidgets as widgets

from bplab.figures.feature_maps import FeatureMapsFigure
from bplab.labs.feature_maps import FeatureMapsModel
from bplab.widgets.base import Lab

CHECKS = ["conv2d_forward", "maxpool2d_forward"]


class FeatureMapViewer(Lab):
    """Pick a digit, a bank of filters and a filter; see the maps after conv, ReLU and max pooling.

    Parameters
    ----------
    learned : (W, b), optional
        The learned bank (the notebook passes its trained CNN's first layer);
        by default the lesson's small CNN is trained once and cached.
    ops : namespace, optional
        ``conv2d_forward``/``maxpool2d_forward`` to run. By default the
        learner's, once their checks pass, else bplab's reference.
    images, labels : optional
        Inputs to choose from (one test digit per class by default).
    """

    title = "Filters and feature maps"

    def __init__(self, learned=None, ops=None, images=None, labels=None):
        super().__init__()
        if ops is None:
            import bplab.nn
            from bplab.powered import choose

            choice = choose("ex07_convolutions", CHECKS, bplab.nn)
            ops, label = choice.ops, choice.label
        else:
            label = ""
        self.model = FeatureMapsModel(images=images, labels=labels, learned=learned, ops=ops)
        self.view = FeatureMapsFigure(self.model)
        self.set_note(label)
        count = len(self.model.images)
        controls = {
            # The image comes first: the browser test moves the first control and expects a new picture.
            "image": widgets.IntSlider(value=0, min=0, max=count - 1, description="image",
                                       continuous_update=True),
            "bank": widgets.ToggleButtons(options=[("edge detectors", "preset"), ("learned by the CNN", "learned")],
                                          value="preset", description="filters",
                                          style={"button_width": "160px"}),
            "filter": widgets.IntSlider(value=1, min=1, max=self.model.n_filters, description="filter",
                                        continuous_update=True),
        }
        self._assemble(controls)

    def shown_state(self):
        return (self.model.image_index, self.model.bank, self.model.filter_index)

    def apply_controls(self):
        self.model.set(image_index=self.controls["image"].value, bank=self.controls["bank"].value,
                       filter_index=self.controls["filter"].value - 1)
