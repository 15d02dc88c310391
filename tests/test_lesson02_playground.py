"""The MLP playground: model, figure and widget driven headless."""

import io

import numpy as np
import pytest
from PIL import Image

from bplab.figures.base import new_figure, render_png
from bplab.figures.playground import (
    PlaygroundFigure,
    SmoothMap,
    decade_limits,
    decision_image,
    map_pixels,
    show_map,
    stepped_epoch_limit,
)
from bplab.labs.playground import ACTIVATIONS, DATASETS, LOSSES, NOISE_MAX, NOISE_STEP, PlaygroundModel
from bplab.widgets.playground import Playground, TrainingProgress
from tests.widgets import exercise_every_control


def test_training_lowers_the_loss_and_counts_epochs():
    model = PlaygroundModel(dataset="moons", noise=0.1, hidden_layers=1, units=16, lr=0.3, batch_size=16)
    start = model.history["train_loss"][0]
    for _ in range(20):
        model.tick()
    assert model.history["train_loss"][-1] < 0.5 * start
    assert model.epoch == pytest.approx(20.0)  # 240 training points, 15 steps of 16: one epoch per tick
    assert model.history["val_acc"][-1] > 0.85 and not model.diverged
    assert len(model.history["epoch"]) == 21


def test_small_batches_cap_the_steps_per_tick():
    model = PlaygroundModel(batch_size=1, max_steps_per_tick=25)
    model.tick()
    assert model.steps == 25 and model.epoch == pytest.approx(25 / len(model.X_train))


@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("loss", LOSSES)
def test_every_dataset_and_loss_gives_probabilities(dataset, loss):
    model = PlaygroundModel(dataset=dataset, loss=loss, units=4)
    model.tick()
    p = model.probabilities
    assert p.shape == (model.grid, model.grid, model.n_classes)
    assert np.all(p >= 0) and np.allclose(p.sum(axis=2), 1.0)


def test_lr_and_batch_size_keep_the_weights_structure_resets():
    model = PlaygroundModel()
    model.tick()
    weights = model.network.params[0].copy()
    assert not model.configure(lr=0.01, batch_size=8)
    assert model.optimizer.lr == 0.01 and np.array_equal(model.network.params[0], weights)
    assert model.configure(units=8) and model.epoch == 0 and model.network.params[0].shape == (2, 8)
    with pytest.raises(ValueError, match="activation"):
        model.configure(activation="swish")
    assert model.activation == "relu"  # a rejected setting leaves the model as it was


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_divergence_is_shown_not_raised(activation):
    model = PlaygroundModel(activation=activation, hidden_layers=4, units=64, lr=10.0, batch_size=1, loss="mse")
    view = PlaygroundFigure(model)
    with np.errstate(all="raise"):  # the model silences the overflow it expects; nothing leaks
        for _ in range(30):
            model.tick()
            view.update(model)
    if model.diverged:
        assert "diverged" in model.divergence_message() and view.message.get_visible()
        epoch = model.epoch
        model.tick()
        assert model.epoch == epoch  # a diverged model does not train on
        model.reset()
        assert not model.diverged and not model.divergence_message()
    view.update(model)
    assert render_png(view.figure)[:4] == b"\x89PNG"


def test_some_extreme_setting_diverges():
    model = PlaygroundModel(dataset="spirals", loss="mse", lr=10.0, hidden_layers=2, units=32, batch_size=32)
    for _ in range(20):
        model.tick()
    assert model.diverged
    assert "Learning rate 10" in model.divergence_message()


def test_blitted_frame_matches_a_full_draw():
    model = PlaygroundModel()
    view = PlaygroundFigure(model)
    for _ in range(12):
        model.tick()
        view.update(model)
        fast = view.render_png()
    full = render_png(view.figure)
    a = np.asarray(Image.open(io.BytesIO(fast)).convert("RGB")).astype(int)
    b = np.asarray(Image.open(io.BytesIO(full)).convert("RGB")).astype(int)
    assert a.shape == b.shape
    assert np.mean(np.abs(a - b).max(axis=2) > 40) < 0.001  # anti-aliasing seams only


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_the_plane_holds_the_data_at_every_noise_level_of_the_slider(dataset):
    stops = [k * NOISE_STEP for k in range(round(NOISE_MAX / NOISE_STEP) + 1)]  # as the page computes them
    stops += list(np.linspace(0.0, NOISE_MAX, len(stops)))  # the same stops, rounded another way (0.15 vs 0.15...02)
    models = [PlaygroundModel(dataset=dataset, noise=noise) for noise in stops]
    assert len({m.extent for m in models}) == 1  # one plane: a noise change redraws no axes
    x0, x1, y0, y1 = models[0].extent
    for m in models:
        for X in (m.X_train, m.X_val):
            assert np.all((X[:, 0] > x0) & (X[:, 0] < x1) & (X[:, 1] > y0) & (X[:, 1] < y1))
    beyond = PlaygroundModel(dataset=dataset, noise=3 * NOISE_MAX)  # set from code, past the slider: still inside
    x0, x1, y0, y1 = beyond.extent
    X = np.concatenate([beyond.X_train, beyond.X_val])
    assert np.all((X[:, 0] > x0) & (X[:, 0] < x1) & (X[:, 1] > y0) & (X[:, 1] < y1))


def test_noise_changes_redraw_no_axes_and_show_the_new_points():
    lab = Playground(impl="exercises")
    before = lab.view.full_draws
    for noise in (NOISE_MAX, 0.0, NOISE_STEP, 0.2):
        lab.controls["noise"].value = noise
        assert np.array_equal(lab.view.train_points.get_offsets(), lab.model.X_train)
    assert lab.view.full_draws == before and not lab.errors


def test_the_map_is_drawn_from_the_decision_image_rounded_once():
    probabilities = np.random.default_rng(0).dirichlet(np.ones(3), size=(7, 5))
    pixels = map_pixels(probabilities)
    assert pixels.dtype == np.uint8 and pixels.shape == (7, 5, 4) and np.all(pixels[..., 3] == 255)
    assert np.abs(pixels[..., :3] - 255 * decision_image(probabilities)).max() <= 0.5


def _map_drawn(pixels, size, limits, smooth):
    figure = new_figure(*size)
    figure.set_layout_engine("none")
    ax = figure.add_axes((0.113, 0.137, 0.71, 0.703))  # not on whole pixels
    extent = (-1.3, 2.1, -0.7, 1.9)
    if smooth:
        assert isinstance(show_map(ax, pixels, extent), SmoothMap)
    else:
        ax.imshow(pixels, origin="lower", extent=extent, aspect="auto", interpolation="bilinear")
    ax.set_xlim(*limits[:2])
    ax.set_ylim(*limits[2:])
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)


@pytest.mark.parametrize("limits", [(-1.3, 2.1, -0.7, 1.9), (-0.4, 1.0, -0.1, 1.2), (-2.0, 3.0, -1.0, 2.5)],
                         ids=["map-fills-axes", "zoomed-in", "zoomed-out"])
def test_the_smooth_map_draws_what_imshow_bilinear_draws(limits):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (48, 40, 4), dtype=np.uint8)  # neighbours differing by up to 255: the worst case
    pixels[..., 3] = 255
    for size in ((3.1, 2.3), (4.37, 3.03)):
        difference = np.abs(_map_drawn(pixels, size, limits, True) - _map_drawn(pixels, size, limits, False))
        assert difference.max() <= 2 and np.mean(difference.max(axis=2) > 1) < 0.01


def test_axis_limits_move_in_steps():
    assert [stepped_epoch_limit(e) for e in (0, 10, 10.5, 30, 120)] == [10, 10, 20, 50, 200]
    assert decade_limits(np.array([0.3, 2.0])) == (0.1, 10.0)


def test_widget_every_control_and_button():
    lab = Playground(impl="solutions")
    assert "powered by your code" in lab.note.value
    assert list(lab.controls)[0] == "dataset"  # the first control changes the figure (browser test)
    exercise_every_control(lab)
    assert not lab.errors


def test_widget_runs_on_the_reference_with_the_stubs():
    lab = Playground(impl="exercises")
    assert "reference implementation" in lab.note.value
    lab.buttons["step"].click()
    lab.controls["play"].value += 1
    assert not lab.errors and lab.model.epoch > 0


def test_progress_is_silent_outside_notebooks():
    calls = []
    progress = TrainingProgress(5, then=lambda epoch, history: calls.append(epoch) or epoch == 2)
    assert progress.bar is None
    assert progress(1, None) is False and progress(2, None) is True and calls == [1, 2]
