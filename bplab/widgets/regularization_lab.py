"""Lesson 05's regularization lab: penalties, dropout, batch norm and early stopping on an over-fitting MLP."""

from __future__ import annotations

import copy
import itertools

import ipywidgets as widgets

from bplab.figures.regularization_lab import RegularizationLabFigure
from bplab.labs.regularization_lab import RegularizationLabModel
from bplab.widgets.base import Lab, stops_outwards

L2_OPTIONS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
L1_OPTIONS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
POWERING_CHECKS = ["dropout_forward", "dropout_backward", "batchnorm_forward", "batchnorm_backward"]


class RegularizationLab(Lab):
    """Move a control to restart training with a quick first pass; press play to train on.

    Parameters
    ----------
    epochs_per_tick : int
        Epochs trained per frame of the play control (the kernel plays 25 frames a second).
    ops : namespace, optional
        The functional layers; by default the learner's dropout and batch norm
        once their checks pass (:func:`bplab.powered.choose`), else bplab's.
    **settings
        Initial model settings (``l2``, ``l1``, ``dropout``, ``batchnorm``,
        ``patience``, ``seed``...), see :class:`RegularizationLabModel`.
    """

    title = "Regularization lab: an over-sized network on 40 noisy points"

    def __init__(self, epochs_per_tick=5, ops=None, **settings):
        super().__init__()
        label = ""
        if ops is None:
            import bplab.nn
            from bplab.powered import choose

            choice = choose("ex05_regularization", POWERING_CHECKS, bplab.nn)
            ops, label = choice.ops, f"Dropout and batch norm: {choice.label}."
        self.epochs_per_tick = int(epochs_per_tick)
        self.model = RegularizationLabModel(ops=ops, **settings)
        self.model.restart()
        self.view = RegularizationLabFigure(self.model)
        self.set_note(label)
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="330px")

        def selection(options, value, description):
            options = sorted(set(options) | {value})  # a starting value off the grid gets its own stop
            return widgets.SelectionSlider(options=[(f"{v:g}", v) for v in options], value=value,
                                           description=description, style=style, layout=layout,
                                           continuous_update=False)

        m = self.model
        controls = {
            "l2": selection(L2_OPTIONS, m.l2, "L2 strength λ₂"),  # first: the browser test moves it
            "l1": selection(L1_OPTIONS, m.l1, "L1 strength λ₁"),
            "dropout": widgets.FloatSlider(value=m.dropout, min=0.0, max=0.9, step=0.1, description="dropout p",
                                           style=style, layout=layout, continuous_update=False),
            "batchnorm": widgets.Checkbox(value=m.batchnorm, description="batch norm", style=style),
            "patience": widgets.IntSlider(value=m.patience, min=0, max=60, step=5,
                                          description="patience (0: off)", style=style, layout=layout,
                                          continuous_update=False),
            "play": widgets.Play(value=0, min=0, max=-(-m.max_epochs // self.epochs_per_tick), step=1, interval=40,
                                 description="train", show_repeat=False),
        }
        self._play_seen = 0
        to_end = widgets.Button(description="train to the end", tooltip=f"train all {m.max_epochs} epochs now")
        restart = widgets.Button(description="restart", tooltip="fresh weights, quick first pass")
        buttons = {"to_end": (to_end, self.model.run_to_end), "restart": (restart, self.model.restart)}
        left = widgets.VBox([controls[k] for k in ("l2", "l1", "dropout")])
        right = widgets.VBox([controls["batchnorm"], controls["patience"],
                              widgets.HBox([controls["play"], to_end, restart])])
        self._assemble(controls, buttons, layout=widgets.HBox([left, right]))

    def _settings(self, **moved):
        """The model's settings as the controls give them (with the controls in ``moved`` at those values)."""
        values = {k: moved.get(k, self.controls[k].value) for k in ("l2", "l1", "dropout", "batchnorm", "patience")}
        values["dropout"] = round(float(values["dropout"]), 10)
        return values

    def ahead(self):
        """Batch norm switched the other way, as the checkbox would set it up: a learner who switched it on
        switches it off again to compare. A copy of the model, restarted with the quick first pass, which the
        model keeps per settings (shared by the copy): the click then copies it back instead of training.
        The copy gets its own network, optimizer and generators; the lab's training is untouched.

        Then these settings trained to the end (the "train to the end" button), and the quick first pass of
        every stop of every slider (their ends first, then outwards from where each is; one stop of each in
        turn): kept the same way, and drawn, its image kept (:meth:`ahead_state`): the slider's move then sends
        it, neither training nor drawing."""
        model = copy.copy(self.model)
        if model.configure(**self._settings(batchnorm=not self.controls["batchnorm"].value)):
            model.restart()
            yield model
        # these settings trained to the end (the button), 30 epochs per turn of the loop: kept like the pass,
        # and drawn
        model = copy.copy(self.model)
        model.restart()
        for _ in model.training_to_end(model.quick_epochs):
            yield None
        yield model
        names = ("l2", "l1", "dropout", "patience")
        for stops in itertools.zip_longest(*(stops_outwards(self.controls[name]) for name in names)):
            for name, value in zip(names, stops, strict=True):
                model = copy.copy(self.model)
                if value is not None and model.configure(**self._settings(**{name: value})):
                    model.restart()
                    yield None  # the pass, then (at the next turn of the loop) its image, kept
                    yield model

    IMAGES_KEPT = 64
    """Images of quick first passes kept (30-50 kB each): every slider stop's, drawn ahead."""

    def shown_state(self):
        return self.ahead_state(self.model)

    def ahead_state(self, model):
        """A quick first pass is fixed by the settings: its image is kept under them. Training on is not kept."""
        return model.quick_pass_key()

    def apply_controls(self):
        values = self._settings()
        player = self.controls["play"]
        play = player.value
        if self.model.configure(**values):
            self.model.restart()  # the quick first pass (kept per settings: coming back costs a copy)
        elif play > self._play_seen:
            # every tick counts, also when the page sent several as one; the last one trains to the end
            self.model.train((play - self._play_seen) * self.epochs_per_tick)
            if play >= player.max:
                self.model.run_to_end()
        self._play_seen = play
        if self.model.status != "training" and player.playing:
            player.playing = False  # finished, stopped early or diverged: the play button shows it
