"""Drawing ahead while the kernel is idle (:meth:`bplab.widgets.base.Lab.ahead`): the figure gets the lab's
own state back, the choice drawn ahead then draws no panel, and it shows what a lab that never drew ahead
shows for the same choice."""

import asyncio
import io
import time

import numpy as np
from PIL import Image

from bplab.surfaces import SURFACES
from bplab.widgets.optimizer_race import OptimizerRace


def _pixels(lab):
    return np.asarray(Image.open(io.BytesIO(lab.image.value)).convert("RGB"))


def _idle_after(lab, action, expected, timeout=60.0):
    """Do ``action`` on a running event loop (as a kernel does), then stay idle until ``expected`` models
    were drawn ahead."""

    async def session():
        action()
        deadline = time.monotonic() + timeout
        while lab.drawn_ahead < expected:
            assert time.monotonic() < deadline, f"drew {lab.drawn_ahead} of {expected} models ahead"
            await asyncio.sleep(0.02)

    asyncio.run(session())


def test_the_race_draws_every_other_surface_ahead_and_then_shows_each_as_a_fresh_lab_does():
    lab = OptimizerRace(steps=60)
    assert lab.drawn_ahead == 0  # no event loop runs here: nothing is drawn ahead
    _idle_after(lab, lambda: setattr(lab.controls["steps"], "value", 80), expected=len(SURFACES) - 1)
    shown = _pixels(lab)
    lab.view.figure.canvas.draw()  # the figure shows the lab's own state again, not the last surface ahead
    np.testing.assert_array_equal(shown, np.asarray(lab.view.figure.canvas.buffer_rgba())[..., :3])
    panel_draws, full_draws = lab.view.panel_draws, lab.view.full_draws
    for name in SURFACES:
        if name == lab.model.surface_name:
            continue
        lab.controls["surface"].value = name
        fresh = OptimizerRace(steps=80, surface_name=name)
        np.testing.assert_array_equal(_pixels(lab), _pixels(fresh), err_msg=name)
        assert [lab.controls[k].value for k in ("lr", "adaptive_lr", "start_x", "start_y")] == \
            [fresh.controls[k].value for k in ("lr", "adaptive_lr", "start_x", "start_y")]
    assert (lab.view.panel_draws, lab.view.full_draws) == (panel_draws, full_draws), "a surface drew its panels"
    assert not lab.errors


def test_a_model_ahead_that_fails_is_recorded_not_shown_and_the_figure_keeps_the_labs_state():
    lab = OptimizerRace(steps=60)
    lab.ahead = lambda: iter([object(), lab.model])  # the first one is no model at all

    async def session():
        lab.controls["steps"].value = 80
        deadline = time.monotonic() + 30
        while not lab.errors:
            assert time.monotonic() < deadline, "the failure was not recorded"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)

    asyncio.run(session())
    assert len(lab.errors) == 1 and lab.errors[0].startswith("drawing ahead:") and "AttributeError" in lab.errors[0]
    assert lab.drawn_ahead == 0  # the round stopped at the failure
    assert lab.status.value == ""  # the learner did nothing: nothing to show
    shown = _pixels(lab)
    lab.view.figure.canvas.draw()
    np.testing.assert_array_equal(shown, np.asarray(lab.view.figure.canvas.buffer_rgba())[..., :3])
    lab.controls["steps"].value = 90  # works as before
    assert lab.status.value == "" and lab.image.value[:4] == b"\x89PNG"
