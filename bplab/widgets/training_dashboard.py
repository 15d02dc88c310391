"""Wiring of the capstone's labs: the training dashboard and the transfer comparison."""

from __future__ import annotations

import collections
import time

import ipywidgets as widgets

from bplab.figures.training_dashboard import TrainingDashboardFigure, TransferFigure
from bplab.labs.training_dashboard import TrainingDashboard, TransferComparison
from bplab.widgets.base import Lab

FRAMES_KEPT = 64
"""Encoded images a lab keeps, one per state shown (30-150 kB each: a few MB at most)."""


class KeptFrames(Lab):
    """A lab whose figure shows a recorded result: the same state always looks the same, so its image is kept.

    The figure (``self.view``) says which state it shows (``view.state(model)``); the image encoded for
    that state (JPEG while playing, PNG otherwise) is kept, and showing the state again, as a replay or
    a slider moved back does, sends it without drawing or encoding. The figure's artists are still
    updated on every change (only the pixels are skipped), so a full draw shows the same state.
    """

    def __init__(self):
        super().__init__()
        self._kept = collections.OrderedDict()  # (state, animating) -> (format, bytes)

    def draw(self):
        key = (self.view.state(self.model), self.animating)
        kept = self._kept.get(key)
        if kept is None:
            super().draw()
            self._kept[key] = (self.image.format, self.image.value)
            while len(self._kept) > FRAMES_KEPT:
                self._kept.popitem(last=False)
            return
        self._kept.move_to_end(key)
        start = time.perf_counter()
        self.show_image(kept[1], kept[0])
        self._frame.update(draw=0.0, encode=time.perf_counter() - start)


class TrainingDashboardLab(KeptFrames):
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

    def apply_controls(self):
        self.model.set_epoch(self.controls["epoch"].value)
        digit = self.controls["digit"].value
        self.model.digit = None if digit < 0 else int(digit)


class TransferLab(KeptFrames):
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

    def apply_controls(self):
        self.model.set_count(self.controls["count"].value)
