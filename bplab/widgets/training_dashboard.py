"""Wiring of the capstone's labs: the training dashboard and the transfer comparison."""

from __future__ import annotations

import copy

import ipywidgets as widgets

from bplab.figures.training_dashboard import TrainingDashboardFigure, TransferFigure
from bplab.labs.training_dashboard import TrainingDashboard, TransferComparison
from bplab.widgets.base import Lab


class TrainingDashboardLab(Lab):
    """Replay a recorded training run: pick an epoch (or press play) and a digit.

    Parameters
    ----------
    record : bplab.labs.training_dashboard.TrainingRecord
    note : str
        Shown above the figure (whose code trained the network).
    """

    title = "Training dashboard"

    def __init__(self, record, note=""):
        super().__init__()
        self.model = TrainingDashboard(record)
        self.view = TrainingDashboardFigure(self.model)
        last = record.epochs
        epoch = widgets.IntSlider(value=last, min=1, max=max(last, 1), description="epoch",
                                  continuous_update=True, disabled=last == 1)
        digit = widgets.Dropdown(options=[("all digits", -1)] + [(str(d), d) for d in range(10)], value=-1,
                                 description="mistakes of")
        # The play button drives the slider (a Python-side link, so it also works headless).
        self.play = widgets.Play(value=last, min=1, max=max(last, 1), interval=100, description="replay training",
                                 show_repeat=False)
        widgets.link((self.play, "value"), (epoch, "value"))
        self.play_from_kernel(self.play, fps=25)  # frames pushed by the kernel, not one round trip each
        self.set_note(note)
        self._assemble({"epoch": epoch, "digit": digit},
                       layout=widgets.VBox([widgets.HBox([self.play, epoch]), digit]))

    IMAGES_KEPT = 64  # a replay of a recorded run shows each epoch again: 30-150 kB each, a few MB at most

    def shown_state(self):
        return self.ahead_state(self.model)

    def ahead_state(self, model):
        return self.view.state(model)  # a recorded result: the same state always looks the same

    def ahead(self):
        """The mistakes of every other digit at this epoch, as the dropdown chooses them: drawn, encoded and
        kept (:meth:`ahead_state`), so that choosing one sends its image without drawing."""
        for _label, digit in self.controls["digit"].options:
            model = copy.copy(self.model)
            model.digit = None if digit < 0 else int(digit)
            if model.digit != self.model.digit:
                yield model

    def apply_controls(self):
        self.model.set_epoch(self.controls["epoch"].value)
        digit = self.controls["digit"].value
        self.model.digit = None if digit < 0 else int(digit)


class TransferLab(Lab):
    """Frozen features vs fine-tuning vs training from scratch; pick a label count to see every seed.

    Parameters
    ----------
    result : bplab.transfer.TransferResult
    note : str
    """

    title = "Transfer learning: frozen, fine-tuned, from scratch"

    def __init__(self, result, note=""):
        super().__init__()
        self.model = TransferComparison(result)
        self.view = TransferFigure(self.model)
        counts = [int(c) for c in result.label_counts]
        count = widgets.SelectionSlider(options=counts, value=counts[0], description="labels/class")
        self.set_note(note)
        self._assemble({"count": count})

    IMAGES_KEPT = 64

    def shown_state(self):
        return self.view.state(self.model)

    def apply_controls(self):
        self.model.set_count(self.controls["count"].value)
