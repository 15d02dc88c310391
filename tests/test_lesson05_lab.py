"""The regularization lab driven headless: model, figure and widget."""

from __future__ import annotations

import numpy as np
import pytest

import bplab.nn
from bplab.figures.regularization_lab import RegularizationLabFigure
from bplab.labs.regularization_lab import RegularizationLabModel
from tests.widgets import exercise_every_control


def test_model_is_deterministic_and_progressive():
    a, b = RegularizationLabModel(dropout=0.3), RegularizationLabModel(dropout=0.3)
    a.train(30)
    a.train(30)
    b.train(60)
    assert a.epoch == b.epoch == 60
    assert a.val_loss == b.val_loss  # training in chunks is the same as at once
    a.run_to_end()
    assert a.epoch == a.max_epochs and a.status == "finished"
    a.train(10)
    assert a.epoch == a.max_epochs


@pytest.mark.parametrize("settings", [dict(dropout=0.3, patience=10), dict(batchnorm=True, l1=1e-3),
                                      dict(l2=1e-2, dropout=0.5, batchnorm=True, patience=5)])
def test_a_kept_quick_pass_trains_on_exactly_as_a_fresh_one(settings):
    fresh = RegularizationLabModel(**settings)
    fresh.restart()
    first = list(fresh.val_loss)  # the quick pass (early stopping may end it sooner)
    fresh.train(120)
    lab = RegularizationLabModel(**settings)
    lab.restart()
    lab.configure(l2=0.05, dropout=0.1)  # other settings in between: their pass trains the same arrays' copies
    lab.restart()
    lab.configure(**{k: settings.get(k, v) for k, v in dict(l2=0.0, dropout=0.0).items()})
    assert lab.epoch == 0
    lab.restart()  # kept: copied back, not trained
    assert lab.val_loss == first and lab.status == ("stopped" if lab.stop_epoch else "training")
    # the copy is whole: the optimizer, the early stopper and batch norm's buffers update the network's own arrays
    assert all(p is q for p, q in zip(lab.optimizer.params, lab.net.params, strict=True))
    if lab.stopper is not None:
        assert all(a is b for a, b in zip(lab.stopper.arrays[:len(lab.net.params)], lab.net.params, strict=True))
    lab.train(120)
    assert (lab.epoch, lab.status, lab.stop_epoch) == (fresh.epoch, fresh.status, fresh.stop_epoch)
    assert lab.train_loss == fresh.train_loss and lab.val_acc == fresh.val_acc
    assert all(np.array_equal(p, q) for p, q in zip(lab.net.params, fresh.net.params, strict=True))
    lab.restart()  # the kept pass is unchanged by the training that followed its copy
    assert lab.val_loss == first


def test_configure_resets_only_on_change():
    model = RegularizationLabModel()
    model.train(30)
    assert not model.configure(l2=0.0)
    assert model.epoch == 30
    assert model.configure(l2=1e-3, batchnorm=True)
    assert model.epoch == 0 and model.l2 == 1e-3
    with pytest.raises(ValueError, match="unknown settings"):
        model.configure(learning_rate=1)


def test_early_stopping_in_the_lab_marks_best_and_stop():
    model = RegularizationLabModel(patience=20).run_to_end()
    assert model.status == "stopped"
    assert model.stop_epoch == model.best_epoch + 20 == model.epoch
    assert model.current_val_loss() == model.val_loss[model.best_epoch - 1]  # best weights restored


def test_l1_lab_weights_have_exact_zeros_and_l2_none():
    l1 = RegularizationLabModel(l1=1e-2).run_to_end()
    l2 = RegularizationLabModel(l2=1e-2).run_to_end()
    assert np.sum(l1.weights() == 0) > np.sum(l2.weights() == 0) == 0


def test_extreme_settings_never_raise():
    for settings in ({"l2": 0.1, "l1": 0.03, "dropout": 0.9, "batchnorm": True, "patience": 5},
                     {"dropout": 1.0}, {"l2": 1e3}):
        model = RegularizationLabModel(**settings, max_epochs=60)
        model.run_to_end()
        figure = RegularizationLabFigure(model)
        figure.figure.canvas.draw()
        assert model.status in ("finished", "stopped", "diverged")


def test_divergence_is_shown_on_the_figure():
    model = RegularizationLabModel(l2=1e3, max_epochs=30).run_to_end()  # lr * l2 = 100: the weights blow up
    assert model.status == "diverged"
    figure = RegularizationLabFigure(model)
    assert figure.figure._bplab_message.get_visible()
    assert "diverged" in figure.figure._bplab_message.get_text()


def test_figure_updates_without_new_artists():
    model = RegularizationLabModel()
    model.train(30)
    view = RegularizationLabFigure(model)
    counts = [len(ax.get_children()) for ax in view.figure.axes]
    model.configure(l1=1e-2)
    model.train(90)
    view.update(model)
    view.figure.canvas.draw()
    assert [len(ax.get_children()) for ax in view.figure.axes] == counts
    assert "exactly 0" in view.histogram_title.get_text()
    assert view.zero_bar.get_height() == np.sum(model.weights() == 0) > 0


def test_widget_every_control_headless():
    from bplab.widgets.regularization_lab import RegularizationLab

    lab = RegularizationLab(ops=bplab.nn)
    first = next(iter(lab.controls))
    assert first == "l2"  # the browser test moves the first control
    exercise_every_control(lab)


def test_widget_play_ticks_train_more():
    from bplab.widgets.regularization_lab import RegularizationLab

    lab = RegularizationLab(ops=bplab.nn, epochs_per_tick=20)
    start = lab.model.epoch
    lab.controls["play"].value = 1
    lab.controls["play"].value = 2
    assert lab.model.epoch == start + 40
    lab.controls["dropout"].value = 0.5  # a setting restarts with the quick pass
    assert lab.model.epoch == lab.model.quick_epochs
    lab.buttons["to_end"].click()
    assert lab.model.epoch == lab.model.max_epochs and not lab.errors


def test_widget_is_powered_by_the_solutions(monkeypatch):
    from bplab.widgets.regularization_lab import RegularizationLab

    monkeypatch.setenv("BPLAB_IMPL", "solutions")
    lab = RegularizationLab()
    assert "powered by your code" in lab.note.value
    assert lab.model.net.layers[0].ops is not bplab.nn


def test_every_still_frame_is_a_full_draw_within_a_level():
    """The lab redraws only what moves (its map, curves, histogram and titles in pieces over a kept background):
    every still frame equals a full draw of the figure, within 1 of 255 (the legends are composited from rasters)."""
    import io

    import ipywidgets as widgets
    from PIL import Image

    from bplab.figures.base import render_png
    from bplab.widgets.regularization_lab import RegularizationLab
    from tests.widgets import control_values

    lab = RegularizationLab(ops=bplab.nn)

    def pixels(png):
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)

    def check(what):
        assert lab.image.format == "png"
        shown, full = pixels(lab.image.value), pixels(render_png(lab.view.figure))
        assert np.abs(shown - full).max() <= 1, what

    for name, control in lab.controls.items():
        if not isinstance(control, widgets.Play):
            for value in control_values(control):
                control.value = value
                check(f"{name}={value!r}")
    lab.controls["l1"].value = 1e-2
    lab.controls["patience"].value = 10
    lab.buttons["to_end"].click()  # stopped early: the stop line and the patience bar
    check("to the end")
    lab.buttons["restart"].click()
    check("restart")
    assert not lab.errors
