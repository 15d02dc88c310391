"""The optimizer race (model, figure, widget driven headless) and the network comparison."""

import warnings

import ipywidgets as widgets
import numpy as np
import pytest

from bplab.figures.base import render_png
from bplab.figures.optimizer_mlp import comparison_figure
from bplab.figures.optimizer_race import OptimizerRaceFigure
from bplab.labs.optimizer_mlp import train_with_each
from bplab.labs.optimizer_race import OPTIMIZERS, OptimizerRaceModel, race
from bplab.optim import SGD, Adam
from bplab.surfaces import SURFACES
from bplab.widgets.base import on_grid
from bplab.widgets.optimizer_race import OptimizerRace
from tests.widgets import exercise_every_control


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_optimizer_runs_on_every_surface_without_warnings(surface):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = OptimizerRaceModel(surface, optimizers=tuple(OPTIMIZERS), steps=60)
    assert set(model.runs) == set(OPTIMIZERS)
    for run in model.runs.values():
        assert run.path.shape[1] == 2 and len(run.loss) == len(run.path)
        assert np.all(np.isfinite(run.path)) or run.diverged_at is not None


def test_race_is_the_optimizer_loop():
    model = OptimizerRaceModel("rosenbrock", optimizers=("Momentum",), lr=1e-3, momentum=0.9, steps=50)
    p = np.array([-1.2, 1.0])
    opt = SGD([p], lr=1e-3, momentum=0.9)
    expected = [p.copy()]
    for _ in range(50):
        opt.step([model.surface.gradient(p)])
        expected.append(p.copy())
    np.testing.assert_allclose(model.runs["Momentum"].path, expected, rtol=1e-13)
    np.testing.assert_allclose(model.runs["Momentum"].loss, model.surface.value(np.array(expected)))


def test_adaptive_family_uses_its_own_rate_and_betas():
    model = OptimizerRaceModel("booth", optimizers=("Adam",), adaptive_lr=0.3, beta1=0.5, beta2=0.9, steps=20)
    p = model.surface.start.copy()
    opt = Adam([p], lr=0.3, betas=(0.5, 0.9))
    for _ in range(20):
        opt.step([model.surface.gradient(p)])
    np.testing.assert_allclose(model.runs["Adam"].path[-1], p)


def test_cache_reruns_only_what_changed():
    model = OptimizerRaceModel(optimizers=("SGD", "Momentum", "Adam"))
    before = dict(model.runs)
    model.momentum = 0.5
    model.recompute()
    assert model.runs["SGD"] is before["SGD"] and model.runs["Adam"] is before["Adam"]
    assert model.runs["Momentum"] is not before["Momentum"]
    model.frame = 10
    model.recompute()
    assert model.runs["SGD"] is before["SGD"]


def test_divergence_is_reported_not_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = OptimizerRaceModel("rosenbrock", optimizers=("SGD", "Adam"), lr=0.05, steps=100)
    assert model.runs["SGD"].diverged_at is not None and "SGD" in model.diverged()
    assert model.runs["Adam"].diverged_at is None
    view = OptimizerRaceFigure(model)
    assert "SGD" in view.status.get_text()
    model.optimizers = ("SGD",)
    model.recompute()
    view.update(model)
    assert "diverged" in view.figure._bplab_message.get_text() and view.figure._bplab_message.get_visible()
    assert render_png(view.figure)[:4] == b"\x89PNG"


def test_theory_only_for_positive_definite_quadratics():
    assert OptimizerRaceModel("quadratic", kappa=100.0, optimizers=("SGD",)).theory["gd_rate"] == \
        pytest.approx(99 / 101)
    assert OptimizerRaceModel("booth", optimizers=("SGD",)).theory["hb_rate"] == pytest.approx(0.5)  # kappa = 9
    assert OptimizerRaceModel("saddle", optimizers=("SGD",)).theory is None
    assert OptimizerRaceModel("rosenbrock", optimizers=("SGD",)).theory is None


def test_bad_settings():
    with pytest.raises(ValueError, match="unknown surface"):
        OptimizerRaceModel("banana")
    with pytest.raises(ValueError, match="unknown optimizers"):
        OptimizerRaceModel(optimizers=("LBFGS",))


def test_figure_updates_in_place_and_frames_cut_the_paths():
    model = OptimizerRaceModel()
    view = OptimizerRaceFigure(model)
    artists = set(view.figure.get_children())
    model.frame = 7
    view.update(model)
    x, _ = view.paths["SGD"].get_data()
    assert len(x) == 8
    model.set_surface("himmelblau")
    model.recompute()
    view.update(model)
    assert view.title.get_text().startswith("Himmelblau")
    assert set(view.figure.get_children()) == artists  # nothing rebuilt: same axes, same figure image


def test_cached_backgrounds_are_reused_and_the_figure_always_shows_the_current_state():
    model = OptimizerRaceModel()
    view = OptimizerRaceFigure(model)
    view.render()
    drawn = []
    for surface in ("himmelblau", model.surface_name, "himmelblau", "booth"):
        model.set_surface(surface)
        model.recompute()
        view.update(model)
        view.render()
        blitted = np.asarray(view.figure.canvas.buffer_rgba()).copy()
        assert view.title.get_text().startswith(model.surface.title)  # a full draw (savefig) shows this state
        view.figure.canvas.draw()
        np.testing.assert_array_equal(blitted, np.asarray(view.figure.canvas.buffer_rgba()))
        drawn.append(view.full_draws + view.panel_draws)
    assert drawn[2] == drawn[1]  # the third surface change reused the first one's backgrounds


def test_a_new_kappa_draws_contours_over_kept_ticks_and_a_new_loss_range_only_the_loss_panel():
    model = OptimizerRaceModel(steps=60)
    view = OptimizerRaceFigure(model)
    view.render()
    frames, rights = len(view._frames), len(view._rights)
    for kappa in (3.0, 300.0, 1.0):  # new contours and titles, kept ticks
        model.set_kappa(kappa)
        model.recompute()
        view.update(model)
        view.render()
        blitted = np.asarray(view.figure.canvas.buffer_rgba()).copy()
        view.figure.canvas.draw()
        np.testing.assert_array_equal(blitted, np.asarray(view.figure.canvas.buffer_rgba()))
    assert len(view._frames) == frames and view.full_draws == 0
    lefts = len(view._lefts)
    model.lr = 1e-5  # the runs barely move: a narrower loss range
    model.recompute()
    view.update(model)
    view.render()
    assert len(view._lefts) == lefts and len(view._rights) > rights


def test_widget_every_control():
    lab = OptimizerRace()
    assert isinstance(next(iter(lab.controls.values())), widgets.Dropdown)  # the browser test moves it
    assert isinstance(lab.controls["frame"], widgets.Play)
    exercise_every_control(lab)


def test_widget_surface_change_resets_start_and_rates():
    lab = OptimizerRace()
    lab.controls["surface"].value = "booth"
    assert (lab.controls["start_x"].value, lab.controls["start_y"].value) == (-8.0, -8.0)
    assert lab.controls["start_x"].min == -10.0 and lab.model.lr == lab.controls["lr"].value
    assert lab.controls["kappa"].disabled
    lab.controls["steps"].value = 300
    assert lab.controls["frame"].max == 300 and lab.model.frame == 300
    lab.controls["optimizers"].value = ()
    assert not lab.errors and "Select at least one" in lab.view.figure._bplab_message.get_text()


def test_the_theory_for_the_kappa_in_effect_is_the_line_under_the_figure():
    """Polyak's closed forms for H with eigenvalues 1/kappa and 1, in the caption (the page draws it: a new kappa
    draws no new text in the figure)."""
    lab = OptimizerRace()
    assert lab.ui.children[2].children[1].children == (lab.image, lab.caption)  # under the figure, beside the controls
    legend_texts = [t.get_text() for t in lab.view.legend.get_texts()]
    lab.controls["kappa"].value = 1000.0
    low, high = 1 / 1000, 1.0
    gd_rate = (1000 - 1) / (1000 + 1)
    hb_lr = (2 / (low**0.5 + high**0.5)) ** 2
    hb_momentum = ((high**0.5 - low**0.5) / (high**0.5 + low**0.5)) ** 2
    hb_rate = (1000**0.5 - 1) / (1000**0.5 + 1)
    caption = lab.caption.value
    for shown in ("κ = 1000", f"η* = {2 / (low + high):.3g}", f"ρ = {gd_rate:.3f}", f"η* = {hb_lr:.3g}",
                  f"μ* = {hb_momentum:.3f}", f"ρ = {hb_rate:.3f}"):
        assert shown in caption, f"{shown!r} not in {caption!r}"
    assert [t.get_text() for t in lab.view.legend.get_texts()] == legend_texts
    assert lab.view.title.get_text() == "quadratic ½pᵀHp   ★ min  ● start"
    lab.controls["surface"].value = "rosenbrock"
    assert "No theory lines" in lab.caption.value and "Choose the quadratic" in lab.caption.value


def test_race_function_stops_at_divergence():
    model = OptimizerRaceModel("quadratic", optimizers=("SGD",), steps=10)
    run = race(model.surface, "SGD", np.array([1.0, 1.0]), 500, 50.0, model)
    assert run.diverged_at is not None and len(run.path) == run.diverged_at + 1


def test_network_comparison_same_start_and_data():
    """With a zero learning rate nothing moves, so every optimizer must report the same (initial) model."""
    zero = {"SGD": lambda p: SGD(p, lr=0.0), "Adam": lambda p: Adam(p, lr=0.0)}
    histories = train_with_each(zero, epochs=2, hidden=(8,), n_samples=60)
    assert histories["SGD"].train_loss == histories["Adam"].train_loss
    assert histories["SGD"].val_acc == histories["Adam"].val_acc
    assert render_png(comparison_figure(histories))[:4] == b"\x89PNG"


def test_a_figure_kept_through_many_settings_draws_what_a_new_figure_draws():
    """Contours retraced into the same artist, legend texts replaced in place: the picture is the one a
    figure built for the final state draws, pixel for pixel."""
    model = OptimizerRaceModel(steps=60)
    view = OptimizerRaceFigure(model)
    view.render()
    for surface, kappa in (("quadratic", 3.0), ("quadratic", 700.0), ("rosenbrock", None), ("beale", None),
                           ("saddle", None), ("booth", None), ("himmelblau", None), ("quadratic", 1.0),
                           ("quadratic", 37.0)):
        model.set_surface(surface, kappa)
        model.recompute()
        view.update(model)
        view.render()
        kept = np.asarray(view.figure.canvas.buffer_rgba()).copy()
        fresh = OptimizerRaceFigure(model)
        fresh.figure.canvas.draw()
        np.testing.assert_array_equal(kept, np.asarray(fresh.figure.canvas.buffer_rgba()), err_msg=f"{surface} {kappa}")


def test_sliders_set_from_code_get_their_range_and_step_before_their_value():
    """The page applies a message's keys in order: a value ahead of its new step is snapped to the old step
    and sent back (a second redraw; the order of ``hold_sync``'s keys is a set's)."""
    lab = OptimizerRace()
    sent = {name: [] for name in ("start_x", "start_y")}
    for name, record in sent.items():
        lab.controls[name]._send = lambda msg, buffers=None, record=record: record.append(list(msg["state"]))
    lab.controls["surface"].value = "beale"
    assert sent == {name: [["min", "max", "step", "value"]] for name in sent}
    assert lab.controls["start_x"].value == on_grid(lab.controls["start_x"], 1.0)
    sent = []
    lab.controls["frame"]._send = lambda msg, buffers=None: sent.append(list(msg["state"]))
    lab.controls["steps"].value = 500
    assert sent == [["max", "step", "value"]] and lab.controls["frame"].value == 500


def test_a_shorter_race_is_the_start_of_a_longer_one_kept():
    """Fewer steps after more: the first steps of the kept run, the very numbers a fresh run of that length gives."""
    for surface, lr in (("rosenbrock", None), ("quadratic", 2.5)):  # the second diverges
        model = OptimizerRaceModel(surface, optimizers=("SGD", "Momentum", "Adam"), steps=300, lr=lr)
        for steps in (40, 300, 7):
            model.steps = steps
            model.recompute()
            fresh = OptimizerRaceModel(surface, optimizers=("SGD", "Momentum", "Adam"), steps=steps, lr=lr)
            for name, run in model.runs.items():
                np.testing.assert_array_equal(run.path, fresh.runs[name].path, err_msg=f"{surface} {name} {steps}")
                np.testing.assert_array_equal(run.loss, fresh.runs[name].loss)
                assert run.diverged_at == fresh.runs[name].diverged_at
