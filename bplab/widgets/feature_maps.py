"""Lesson 07's filter and feature-map viewer."""

from __future__ import annotations

import copy
import itertools

import ipywidgets as widgets

from bplab.figures.feature_maps import FeatureMapsFigure
from bplab.labs.feature_maps import FeatureMapsModel
from bplab.widgets.base import Lab, stops_outwards

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
        return self.ahead_state(self.model)

    def ahead_state(self, model):
        return (model.image_index, model.bank, model.filter_index)

    def _settings(self, **moved):
        """The model's choices as the controls give them (with the controls in ``moved`` at those values)."""
        values = {name: moved.get(name, control.value) for name, control in self.controls.items()}
        return {"image_index": values["image"], "bank": values["bank"], "filter_index": values["filter"] - 1}

    def ahead(self):
        """Every stop of the filter and image sliders (their ends first, then outwards; one of each in turn),
        then the other bank of filters: each drawn, encoded and kept as the image its choice shows. With the
        learner's convolution when it powers the lab: the choice runs the same."""
        names = ("filter", "image")
        for stops in itertools.zip_longest(*(stops_outwards(self.controls[name]) for name in names)):
            for name, value in zip(names, stops, strict=True):
                if value is not None:
                    yield self._model_with(name, value)
        for _label, bank in self.controls["bank"].options:
            if bank != self.controls["bank"].value:
                yield self._model_with("bank", bank)

    def _model_with(self, name, value):
        """A copy of the model as the control ``name`` at ``value`` would set it."""
        model = copy.copy(self.model)  # set() computes new arrays: the lab's are untouched
        model.set(**self._settings(**{name: value}))
        return model

    def apply_controls(self):
        self.model.set(**self._settings())
