"""The shared lab machinery, headless: cached-background redraws, kernel-played animation, one redraw per
action, read-only readouts, and the learner-facing displays fixed with them (progress bar, check rows)."""

import io
import time

import numpy as np
import pytest
from PIL import Image

import bplab.nn
from bplab import gradcheck
from bplab.figures.base import render_png
from bplab.grading import report
from bplab.grading.checks import Check
from bplab.grading.runner import Outcome
from bplab.widgets.base import READOUT_STYLE
from bplab.widgets.bptt import BPTTExplorer
from bplab.widgets.checker_demo import CheckerDemo
from bplab.widgets.feature_maps import FeatureMapViewer
from bplab.widgets.gradient_flow import GradientFlowExplorer
from bplab.widgets.graph_explorer import GraphExplorer
from bplab.widgets.optimizer_race import OptimizerRace
from bplab.widgets.playground import TrainingProgress
from bplab.widgets.regularization_lab import RegularizationLab
from tests.widgets import control_values


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _transfer_lab():
    from bplab.transfer import STRATEGIES, TransferResult
    from bplab.widgets.training_dashboard import TransferLab

    rng = np.random.default_rng(0)
    return TransferLab(TransferResult(np.array([1, 2, 5, 10, 20]), {s: rng.uniform(0.5, 1.0, size=(5, 5))
                                                                    for s in STRATEGIES}, 0.99, (0, 1, 2, 3, 4),
                                      (5, 6, 7, 8, 9)))


def _wait(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize(("make", "reuses"), [(CheckerDemo, True), (BPTTExplorer, True), (GradientFlowExplorer, True),
                                              (FeatureMapViewer, True), (_transfer_lab, True),
                                              (lambda: OptimizerRace(steps=60), True)],
                         ids=["checker", "bptt", "gradient_flow", "feature_maps", "transfer", "race"])
def test_cached_background_frames_match_a_full_draw(make, reuses):
    lab = make()
    for name, control in lab.controls.items():
        for value in control_values(control):
            control.value = value
            shown = _pixels(lab.image.value)
            full = _pixels(render_png(lab.view.figure))  # draws every artist again
            assert shown.shape == full.shape
            differing = np.mean(np.abs(shown - full).max(axis=2) > 40)
            assert differing < 0.002, f"{name}={value!r}: {differing:.2%} of the pixels differ from a full draw"
    blitter = lab.view.render.__self__
    assert not lab.errors
    assert (blitter.full_draws < len(lab.timings)) == reuses, f"{blitter.full_draws} full draws in {len(lab.timings)}"


def test_one_redraw_per_action_and_none_for_a_value_already_shown():
    lab = BPTTExplorer()
    before = len(lab.timings)
    with lab.hold():  # one control setting others: one redraw at the end
        lab.controls["rho"].value = 1.2
        lab.controls["length"].value = 80
        lab.controls["clip"].value = not lab.controls["clip"].value
    assert len(lab.timings) == before + 1
    assert lab.model.rho == 1.2 and lab.model.length == 80
    lab._control_changed()  # a change notice for values the figure already shows
    assert len(lab.timings) == before + 1
    lab.controls["rho"].value = 1.2 * (1 + 1e-13)  # the page's rounding of a value the kernel set
    assert len(lab.timings) == before + 1
    lab.refresh()  # an explicit refresh always redraws (a lab may change its model outside the controls)
    assert len(lab.timings) == before + 2


def test_images_are_shown_at_their_rendered_size():
    lab = CheckerDemo()
    width = Image.open(io.BytesIO(lab.image.value)).width
    assert lab.image.layout.width == f"{width}px"
    assert READOUT_STYLE in lab.ui.children[0].value and "user-modify: read-only" in READOUT_STYLE


def test_kernel_plays_the_race_to_its_end_then_shows_a_lossless_still_frame():
    lab = OptimizerRace(steps=60)
    play = lab.controls["frame"]
    assert play.interval > 10**8, "the page's own timer must never tick: the kernel plays"
    play.value = 0
    play.playing = True
    _wait(lambda: not play.playing and not lab.players[0].running)
    assert play.value == play.max == 60 and lab.model.frame == 60
    assert lab.players[0].frames == 60 // play.step
    assert lab.image.format == "png" and lab.image.value[:4] == b"\x89PNG" and not lab.errors


def test_pause_stops_the_kernel_player_at_once():
    lab = OptimizerRace(steps=500)
    play = lab.controls["frame"]
    play.value = 0
    play.playing = True
    _wait(lambda: lab.players[0].frames >= 3)
    play.playing = False  # what the page's pause button sends
    frames, value = lab.players[0].frames, play.value
    time.sleep(0.3)
    assert not lab.players[0].running and lab.players[0].frames == frames and play.value == value < play.max


def _dashboard_at_its_end():
    from bplab.labs.training_dashboard import train_capstone
    from bplab.widgets.training_dashboard import TrainingDashboardLab

    return TrainingDashboardLab(train_capstone(5, hidden=(16,), dropout=0.0)[1])


@pytest.mark.parametrize("make", [lambda: OptimizerRace(steps=12), _dashboard_at_its_end], ids=["race", "dashboard"])
def test_play_shows_the_value_the_page_sends_with_its_click_then_every_step(make):
    lab = make()
    play = lab.players[0].play
    # the page's play click: one message with ``playing`` and the value it shows first (its first value when at
    # the end, else one step on); the kernel applies it on its main thread while the player thread starts
    first = play.min if play.value == play.max else play.value + play.step
    shown = []
    lab.image.observe(lambda change: shown.append((play.value, lab.image.format)), names="value")
    play.set_state({"playing": True, "value": first})
    _wait(lambda: not play.playing and not lab.players[0].running)
    values = [value for value, _ in shown]
    assert values == [*range(first, play.max + 1, play.step), play.max], "a frame skipped or out of order"
    assert [fmt for _, fmt in shown] == ["jpeg"] * (len(shown) - 1) + ["png"] and not lab.errors


def test_regularization_play_reaches_the_last_epoch():
    lab = RegularizationLab(ops=bplab.nn)
    play = lab.controls["play"]
    play.playing = True
    _wait(lambda: not play.playing and not lab.players[0].running, seconds=120)
    assert lab.model.epoch == lab.model.max_epochs and lab.model.status == "finished"
    assert "finished" in lab.view.curve_title.get_text() and not lab.errors


def test_regularization_ticks_merged_by_the_page_all_train():
    lab = RegularizationLab(ops=bplab.nn, epochs_per_tick=10)
    start = lab.model.epoch
    lab.controls["play"].value = 3  # three ticks in one message
    assert lab.model.epoch == start + 30
    lab.controls["play"].value = lab.controls["play"].max  # the last tick trains to the end
    assert lab.model.epoch == lab.model.max_epochs


def test_regularization_figure_shows_the_strengths_in_effect():
    lab = RegularizationLab(ops=bplab.nn)
    lab.controls["l2"].value = 1e-3
    assert "λ₂ = 0.001" in lab.view.settings_title.get_text()


def test_bptt_checkbox_label_is_not_indented_or_squeezed():
    clip = BPTTExplorer().controls["clip"]
    assert clip.indent is False and clip.layout.width == "auto"


def test_graph_explorer_message_does_not_cover_a_node():
    lab = GraphExplorer("division: f = x / y")
    lab.controls["input 2"].value = 0.0
    assert "inf or nan" in lab.model.error
    figure = lab.view.figure
    renderer = figure.canvas.get_renderer()
    banner = figure._bplab_message.get_window_extent(renderer)
    nodes = [text.get_window_extent(renderer) for text in lab.view.artists.node_texts]
    assert nodes and not any(banner.overlaps(node) for node in nodes)


def test_progress_bar_says_when_and_why_training_stopped_early():
    history = type("History", (), {"train_loss": [0.5], "val_loss": []})()
    progress = TrainingProgress(300, then=lambda epoch, history: epoch == 235, show=True)
    assert progress(234, history) is False and "epoch 234/300" in progress.label.value
    assert progress(235, history) is True
    assert "stopped early at epoch 235 of 300" in progress.label.value and "returned True" in progress.label.value
    assert progress.bar.description == "stopped early"
    reasoned = TrainingProgress(10, then=lambda e, h: True, reason="the loss stopped improving", show=True)
    reasoned(4, history)
    assert "the loss stopped improving" in reasoned.label.value


def _check(name, functions):
    return Check(lesson="02", name=name, points=3, module="ex02_mlp", produce=None, judge=None, functions=functions,
                 hint='notebook 02, section "2. Linear layers"')


def test_a_row_waiting_for_a_dependency_names_both_functions():
    outcome = Outcome(_check("linear_backward", ("linear_backward",)), "not attempted",
                      message='linear_forward: not written yet. Read notebook 02, section "2. Linear layers".')
    message = report.rows([outcome])[0]["message"]
    assert "linear_backward is waiting for linear_forward" in message and "not written yet" in message
    own = Outcome(_check("linear_forward", ("linear_forward",)), "not attempted",
                  message="linear_forward: not written yet. Read notebook 02.")
    assert report.rows([own])[0]["message"] == own.message


def test_no_error_number_beside_a_failure_that_could_not_compare():
    expected = np.arange(6.0).reshape(2, 3)
    results = [gradcheck.compare("dx", expected.copy(), expected), gradcheck.compare("dW", expected.T, expected)]
    assert results[0].passed and not results[1].passed
    outcome = Outcome(_check("linear_backward", ("linear_backward",)), "failed", results=results,
                      message=results[1].message)
    row = report.rows([outcome])[0]
    assert row["worst_error"] is None
    assert "e-" not in report.text_table([outcome]).splitlines()[1].split("FAIL")[1].split("dW")[0]


def test_values_set_from_code_land_on_the_slider_grid():
    import ipywidgets as widgets

    from bplab.widgets.base import on_grid

    log = widgets.FloatLogSlider(base=10, min=-4, max=0.5, step=0.05)
    assert np.isclose(np.log10(on_grid(log, 0.5)), -0.3)  # the page would snap 0.5 to 10**-0.3 and send it back
    assert on_grid(log, 1e9) == 10**0.5 and on_grid(log, 1e-9) == 1e-4
    linear = widgets.FloatSlider(min=-10.0, max=10.0, step=0.1)
    assert np.isclose(on_grid(linear, 1.234), 1.2) and on_grid(widgets.IntSlider(min=0, max=10, step=2), 5) in (4, 6)


def test_the_stops_a_slider_can_move_to_come_ends_first_then_outwards():
    import ipywidgets as widgets

    from bplab.widgets.base import on_grid, stops_outwards

    linear = widgets.FloatSlider(value=0.3, min=0.0, max=0.9, step=0.1)
    stops = stops_outwards(linear)
    assert np.allclose(stops, [0.0, 0.9, 0.2, 0.4, 0.1, 0.5, 0.6, 0.7, 0.8])
    assert all(value == on_grid(linear, value) for value in stops)
    assert stops_outwards(widgets.IntSlider(value=60, min=0, max=60, step=5))[:3] == [0, 55, 50]
    selection = widgets.SelectionSlider(options=[("0", 0.0), ("1e-4", 1e-4), ("1e-3", 1e-3)], value=1e-4)
    assert stops_outwards(selection) == [0.0, 1e-3]
    log = widgets.FloatLogSlider(value=50.0, base=10, min=0, max=3, step=0.05)
    stops = stops_outwards(log)
    assert len(stops) == 60 and stops[:2] == [1000.0, 1.0] and np.allclose(stops[2:4], [10**1.65, 10**1.75])


def test_race_surface_change_sets_rates_the_page_keeps():
    import math

    lab = OptimizerRace()
    for surface in ("booth", "beale", "rosenbrock"):
        lab.controls["surface"].value = surface
        for name in ("lr", "adaptive_lr", "start_x", "start_y"):
            slider = lab.controls[name]
            value = math.log10(slider.value) if name.endswith("lr") else slider.value
            steps = (value - slider.min) / slider.step
            assert abs(steps - round(steps)) < 1e-6, f"{name} = {slider.value} is between two stops of its slider"
        assert tuple(lab.model.start) == (lab.controls["start_x"].value, lab.controls["start_y"].value)
