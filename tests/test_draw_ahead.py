"""Drawing ahead while the kernel is idle (:meth:`bplab.widgets.base.Lab.ahead`): the figure gets the lab's
own state back, the choice drawn ahead then draws no panel, and it shows what a lab that never drew ahead
shows for the same choice."""

import asyncio
import io
import threading
import time
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from bplab.labs.graph_explorer import CUSTOM, PRESETS
from bplab.labs.playground import DATASETS, PlaygroundModel
from bplab.surfaces import SURFACES
from bplab.widgets.base import Lab
from bplab.widgets.graph_explorer import GraphExplorer
from bplab.widgets.optimizer_race import OptimizerRace
from bplab.widgets.playground import Playground
from bplab.widgets.regularization_lab import RegularizationLab


@pytest.fixture(autouse=True)
def _anywhere(monkeypatch):
    """Draw ahead on the tests' own event loops (labs do only on an IPython kernel's, by default)."""
    monkeypatch.setattr(Lab, "DRAW_AHEAD_ANYWHERE", True)


def _on_a_fresh_loop(session):
    """Run ``session()`` (a coroutine function) on a new event loop in a thread of its own, as a kernel runs
    control changes on its loop: the test runner's thread may run another library's (the browser tests')."""
    failures = []

    def run():
        try:
            asyncio.run(session())
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def test_nothing_is_drawn_ahead_outside_a_kernel_by_default(monkeypatch):
    monkeypatch.setattr(Lab, "DRAW_AHEAD_ANYWHERE", False)
    lab = OptimizerRace(steps=60)

    async def session():
        lab.controls["steps"].value = 80  # on a running event loop, but not an IPython kernel's
        await asyncio.sleep(Lab.AHEAD_DELAY + 0.3)

    _on_a_fresh_loop(session)
    assert lab.drawn_ahead == lab.ahead_rounds_done == 0


def test_a_control_change_on_a_kernel_subshell_draws_ahead_on_the_kernels_main_loop(monkeypatch):
    """JupyterLab sends widget messages to a subshell thread (ipykernel 7): the round runs on the kernel's
    main loop all the same; a change from any other thread (a player's) draws nothing ahead."""
    import zmq
    from ipykernel import kernelapp, subshell

    monkeypatch.setattr(Lab, "DRAW_AHEAD_ANYWHERE", False)
    main_loop = asyncio.new_event_loop()
    kernel_main = threading.Thread(target=main_loop.run_forever, daemon=True)
    kernel_main.start()
    monkeypatch.setattr(kernelapp.IPKernelApp, "initialized", classmethod(lambda cls: True))
    kernel = SimpleNamespace(io_loop=SimpleNamespace(asyncio_loop=main_loop))
    monkeypatch.setattr(kernelapp.IPKernelApp, "instance", classmethod(lambda cls, *args, **kwargs: kernel))
    def rounds_done(expected):
        deadline = time.monotonic() + 60
        while lab.ahead_rounds_done < expected:
            assert time.monotonic() < deadline, f"{lab.ahead_rounds_done} rounds of drawing ahead, not {expected}"
            time.sleep(0.02)
        return lab.drawn_ahead

    lab = OptimizerRace(steps=60)  # built on the main thread: a first round
    drawn = rounds_done(1)

    class Subshell(subshell.SubshellThread):
        def run(self):
            lab.controls["steps"].value = 80

    context = zmq.Context()
    shell = Subshell("test", context)
    try:
        shell.start()
        shell.join()
        assert rounds_done(2) == drawn + len(SURFACES) - 1 and not lab.errors
        started = lab._ahead_round
        other = threading.Thread(target=lambda: setattr(lab.controls["steps"], "value", 90))
        other.start()
        other.join()
        assert lab._ahead_round == started, "a change on another thread (a player's) started a round"
    finally:
        main_loop.call_soon_threadsafe(main_loop.stop)
        kernel_main.join()
        main_loop.close()
        shell.io_loop.close()
        for pair in (shell.shell_channel_to_subshell, shell.subshell_to_shell_channel):
            pair.close()
        context.destroy(linger=0)


def _pixels(lab):
    return np.asarray(Image.open(io.BytesIO(lab.image.value)).convert("RGB"))


def _idle_after(lab, action, expected, timeout=60.0):
    """Do ``action`` on a running event loop (as a kernel does), then stay idle until ``expected`` models
    were drawn ahead and the round ran to its end."""

    async def session():
        rounds = lab.ahead_rounds_done
        action()
        deadline = time.monotonic() + timeout
        while lab.drawn_ahead < expected or lab.ahead_rounds_done == rounds:
            assert time.monotonic() < deadline, f"drew {lab.drawn_ahead} of {expected} models ahead"
            await asyncio.sleep(0.02)

    _on_a_fresh_loop(session)


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


def test_the_race_draws_the_loss_panel_ahead_at_the_ranges_kappa_moves_it_to():
    lab = OptimizerRace(kappa=1000.0)  # the quadratic: its loss panel spans 1e-8 to 1e2
    _idle_after(lab, lambda: setattr(lab.controls["steps"], "value", 210), expected=len(SURFACES) - 1)
    draws, ranges = lab.view.panel_draws, [lab.view.loss_ax.get_ylim()]
    for kappa in (1.0, 10**0.05):
        lab.controls["kappa"].value = kappa
        ranges.append(lab.view.loss_ax.get_ylim())
        np.testing.assert_array_equal(_pixels(lab), _pixels(OptimizerRace(kappa=kappa, steps=210)), err_msg=kappa)
    assert ranges[0] != ranges[1], "kappa 1 should give the loss panel another range (8 decades more)"
    assert lab.view.panel_draws == draws, "a new kappa drew its loss panel"
    assert not lab.errors


def test_the_race_computes_every_kappa_stop_ahead_and_then_shows_each_as_a_fresh_lab_does(monkeypatch):
    import bplab.figures.optimizer_race as race_figure
    import bplab.labs.optimizer_race as race_model

    lab = OptimizerRace(steps=80)
    _idle_after(lab, lambda: setattr(lab.controls["steps"], "value", 90), expected=len(SURFACES) - 1)
    work = []  # optimizers run and contours traced after the round: none, for any stop of the slider
    monkeypatch.setattr(race_model, "race", lambda *args, run=race_model.race: work.append("run") or run(*args))
    monkeypatch.setattr(race_figure.contourpy, "contour_generator",
                        lambda *args, trace=race_figure.contourpy.contour_generator, **kw:
                        work.append("trace") or trace(*args, **kw))
    draws = lab.view.panel_draws
    # the ends, a step from one, and one mid-way; the page's float for a stop may differ in its last digit
    for kappa in (1000.0, 1.0, 10**0.05 * (1 + 2**-52), 10**1.95):
        lab.controls["kappa"].value = kappa
        assert work == [], f"kappa {kappa}: {work} after drawing ahead"
        assert lab.view.panel_draws == draws, f"kappa {kappa} drew a panel"
        fresh = OptimizerRace(kappa=lab.model.kappa, steps=90)
        work.clear()  # the fresh lab's
        np.testing.assert_array_equal(_pixels(lab), _pixels(fresh), err_msg=kappa)
        assert lab.model.kappa == pytest.approx(kappa, rel=1e-12)
    assert not lab.errors


def test_the_race_runs_the_most_steps_ahead_and_shows_every_number_of_steps_as_a_fresh_lab_does(monkeypatch):
    import bplab.labs.optimizer_race as race_model

    lab = OptimizerRace(surface_name="rosenbrock")
    _idle_after(lab, lambda: setattr(lab.controls["momentum"], "value", 0.8), expected=len(SURFACES) - 1)
    runs, draws = [], lab.view.panel_draws
    monkeypatch.setattr(race_model, "race", lambda *args, run=race_model.race: runs.append(args[1]) or run(*args))
    for steps in (500, 10, 20, 260):
        lab.controls["steps"].value = steps
        assert runs == [] and lab.view.panel_draws == draws, f"{steps} steps: ran {runs}, drew a panel"
        fresh = OptimizerRace(surface_name="rosenbrock", momentum=0.8, steps=steps)
        runs.clear()
        np.testing.assert_array_equal(_pixels(lab), _pixels(fresh), err_msg=steps)
    assert not lab.errors


def _trained_playground(**settings):
    """A playground powered by the solutions as a learner's code, trained two frames, at a lower rate."""
    lab = Playground(impl="solutions", noise=0.3, units=16, **settings)
    for _ in range(2):
        lab.buttons["step"].click()
    lab.controls["lr"].value = 0.1  # not structural: the training so far stays
    assert lab.model.steps > 0 and len(lab.model.history["epoch"]) == 3
    return lab


def _training_state(model):
    return {"weights": [p.copy() for p in model.network.params], "history": {k: list(v) for k, v in model.history.items()},
            "batch order": model._rng.bit_generator.state, "data": model.X_train.copy()}


def test_the_playground_draws_every_other_data_set_ahead_and_then_shows_each_as_a_fresh_lab_does():
    lab = _trained_playground()
    before, sent = _training_state(lab.model), {}

    def action():
        lab.controls["batch_size"].value = 16
        sent.update(image=lab.image.value, redraws=len(lab.timings))

    _idle_after(lab, action, expected=len(DATASETS) - 1)
    assert lab.image.value is sent["image"] and len(lab.timings) == sent["redraws"]  # drawing ahead sent nothing
    np.testing.assert_equal(_training_state(lab.model), before)  # the lab's training and random state: untouched
    # the lab goes on as one that never drew ahead: its figure shows its own state, and it trains the same
    same = _trained_playground()
    same.controls["batch_size"].value = 16
    for each in (lab, same):
        each.buttons["step"].click()
    np.testing.assert_array_equal(_pixels(lab), _pixels(same))
    np.testing.assert_equal(_training_state(lab.model), _training_state(same.model))
    panel_draws, full_draws, drawn_there = lab.view.panel_draws, lab.view.full_draws, same.view.panel_draws
    for name in DATASETS:
        if name == "spirals":
            continue
        for each in (lab, same):  # the same choice in a lab that never drew ahead (its layout is the lab's: a
            each.controls["dataset"].value = name  # playground's is set by its first data set's tick labels)
        np.testing.assert_array_equal(_pixels(lab), _pixels(same), err_msg=name)
        fresh = PlaygroundModel(ops=lab.model.ops, noise=0.3, units=16, lr=0.1, batch_size=16, dataset=name)
        np.testing.assert_equal(_training_state(lab.model), _training_state(fresh))
    assert (lab.view.panel_draws, lab.view.full_draws) == (panel_draws, full_draws), "a data set drew its panels"
    assert not lab.errors and same.view.panel_draws > drawn_there  # (the lab that never drew ahead drew them)


def test_the_playground_draws_every_noise_stop_ahead_and_then_shows_each_as_a_lab_never_ahead_does():
    lab, same = _trained_playground(), _trained_playground()
    _idle_after(lab, lambda: setattr(lab.controls["batch_size"], "value", 16), expected=len(DATASETS) - 1 + 9)
    same.controls["batch_size"].value = 16
    panel_draws, full_draws = lab.view.panel_draws, lab.view.full_draws
    for noise in (0.5, 0.0, 0.05, 0.25):
        for each in (lab, same):
            each.controls["noise"].value = noise
        np.testing.assert_array_equal(_pixels(lab), _pixels(same), err_msg=noise)
        np.testing.assert_equal(_training_state(lab.model), _training_state(same.model))
    assert (lab.view.panel_draws, lab.view.full_draws) == (panel_draws, full_draws), "a noise stop drew its panels"
    assert not lab.errors


def test_a_lab_draws_ahead_again_after_a_pause():
    """A play's new loss axes push the data sets drawn ahead out of the figure's caches: a pause draws them again."""
    lab = Playground(impl="exercises")
    _idle_after(lab, lambda: setattr(lab.controls["noise"], "value", 0.25), expected=len(DATASETS) - 1)
    per_round = lab.drawn_ahead  # the data sets, then the noise slider's stops
    play = lab.controls["play"]
    for _ in range(150):  # frames off the event loop, as the kernel's player thread makes them: none draws ahead
        play.value += 1
    assert lab.drawn_ahead == per_round

    def pause():
        play.playing = True
        play.playing = False

    _idle_after(lab, pause, expected=2 * per_round)
    panel_draws, full_draws = lab.view.panel_draws, lab.view.full_draws
    for name in DATASETS:
        if name != lab.model.dataset:
            lab.controls["dataset"].value = name
    assert (lab.view.panel_draws, lab.view.full_draws) == (panel_draws, full_draws), "a data set drew its panels"
    assert not lab.errors


def _shows_its_own_state(lab):
    shown = _pixels(lab)
    lab.view.figure.canvas.draw()  # a full draw: the figure shows the lab's own state, not the last one ahead
    np.testing.assert_array_equal(shown, np.asarray(lab.view.figure.canvas.buffer_rgba())[..., :3])


def _slider_state(lab):
    return [(s.description, s.value) for s in lab.sliders if s.layout.display != "none"]


def test_the_graph_explorer_keeps_every_other_expression_drawn_ahead_as_the_image_its_choice_shows():
    lab = GraphExplorer("CS231n: f = (x + y)·z")
    lab.buttons["step backward"].click()  # a walk begun and an input moved: choosing an expression resets both
    _idle_after(lab, lambda: setattr(lab.controls["input 1"], "value", 1.0), expected=len(PRESETS) - 1)
    _shows_its_own_state(lab)
    assert lab.model.step == 0 and lab.model.inputs["x"] == 1.0
    for name in PRESETS:
        if name == "CS231n: f = (x + y)·z":
            continue
        lab.controls["expression"].value = name
        assert lab.timings[-1]["draw"] == 0.0, f"{name} was drawn: no image was kept for it ahead"
        fresh = GraphExplorer(name)
        np.testing.assert_array_equal(_pixels(lab), _pixels(fresh), err_msg=name)
        assert _slider_state(lab) == _slider_state(fresh) and lab.model.step is None
    assert not lab.errors


def test_the_graph_explorer_draws_a_learners_expression_ahead_and_none_after_a_first_one_that_failed():
    def mine(a, b):
        return (a * b).tanh() + a

    lab = GraphExplorer(mine, {"a": 0.5, "b": -2.0})
    lab.controls["expression"].value = "division: f = x / y"
    lab._kept_images.clear()  # as after IMAGES_KEPT other states: the learner's expression was shown too long ago
    _idle_after(lab, lambda: setattr(lab.controls["input 2"], "value", 4.0), expected=len(PRESETS))
    _shows_its_own_state(lab)
    lab.controls["expression"].value = CUSTOM
    assert lab.timings[-1]["draw"] == 0.0
    np.testing.assert_array_equal(_pixels(lab), _pixels(GraphExplorer(mine, {"a": 0.5, "b": -2.0})))
    assert not lab.errors
    failed = GraphExplorer(lambda x: x.log(), {"x": -1.0})  # no graph to give the figure back: nothing ahead
    assert failed.model.graph is None and list(failed.ahead()) == []


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

    _on_a_fresh_loop(session)
    assert len(lab.errors) == 1 and lab.errors[0].startswith("drawing ahead:") and "AttributeError" in lab.errors[0]
    assert lab.drawn_ahead == 0  # the round stopped at the failure
    assert lab.status.value == ""  # the learner did nothing: nothing to show
    shown = _pixels(lab)
    lab.view.figure.canvas.draw()
    np.testing.assert_array_equal(shown, np.asarray(lab.view.figure.canvas.buffer_rgba())[..., :3])
    lab.controls["steps"].value = 90  # works as before
    assert lab.status.value == "" and lab.image.value[:4] == b"\x89PNG"


def test_the_regularization_lab_draws_batch_norm_switched_ahead_and_then_shows_what_a_lab_never_ahead_shows():
    lab, plain = RegularizationLab(), RegularizationLab()
    _idle_after(lab, lambda: setattr(lab.controls["l2"], "value", 1e-3), expected=1)
    plain.controls["l2"].value = 1e-3
    np.testing.assert_array_equal(_pixels(lab), _pixels(plain))  # drawing ahead changed nothing the lab shows
    assert lab.model.val_loss == plain.model.val_loss and not lab.model.batchnorm
    kept = len(lab.model._quick)
    lab.controls["batchnorm"].value = plain.controls["batchnorm"].value = True
    assert len(lab.model._quick) == kept, "the quick pass drawn ahead was trained again"
    np.testing.assert_array_equal(_pixels(lab), _pixels(plain))
    assert lab.model.val_loss == plain.model.val_loss
    lab.controls["play"].value = plain.controls["play"].value = 3  # training on goes exactly as without it
    assert lab.model.val_loss == plain.model.val_loss
    np.testing.assert_array_equal(_pixels(lab), _pixels(plain))
    assert not lab.errors


def test_the_regularization_lab_keeps_every_slider_stops_quick_pass_and_its_image_ahead(monkeypatch):
    from bplab.labs.regularization_lab import RegularizationLabModel

    lab, plain = RegularizationLab(), RegularizationLab()
    _idle_after(lab, lambda: setattr(lab.controls["dropout"], "value", 0.2), expected=1)
    plain.controls["dropout"].value = 0.2
    trained = []
    monkeypatch.setattr(RegularizationLabModel, "train",
                        lambda model, epochs, train=RegularizationLabModel.train: trained.append(epochs)
                        or train(model, epochs))
    for name in ("l2", "l1", "dropout", "patience"):
        control = lab.controls[name]
        here = control.value
        stops = [option[1] for option in control.options] if hasattr(control, "options") else \
            [control.min + k * control.step for k in range(round((control.max - control.min) / control.step) + 1)]
        for value in (stops[-1], stops[0], stops[len(stops) // 2]):
            if value == here:
                continue
            lab.controls[name].value = value
            assert trained == [], f"{name} = {value}: its quick pass was trained, not copied back"
            assert lab.timings[-1]["draw"] == 0, f"{name} = {value}: its image was drawn, not kept"
            plain.controls[name].value = value  # trains
            np.testing.assert_array_equal(_pixels(lab), _pixels(plain), err_msg=f"{name} = {value}")
            assert lab.model.val_loss == plain.model.val_loss
            lab.controls[name].value = plain.controls[name].value = here
            trained.clear()
    assert not lab.errors


def test_the_regularization_lab_trains_to_the_end_ahead_and_the_button_copies_it_back(monkeypatch):
    from bplab.labs.regularization_lab import RegularizationLabModel

    lab, plain = RegularizationLab(), RegularizationLab()
    _idle_after(lab, lambda: setattr(lab.controls["l1"], "value", 1e-3), expected=2)
    plain.controls["l1"].value = 1e-3
    trained = []
    monkeypatch.setattr(RegularizationLabModel, "train",
                        lambda model, epochs, train=RegularizationLabModel.train: trained.append(epochs)
                        or train(model, epochs))
    lab.buttons["to_end"].click()
    assert trained == [], "the end trained ahead was trained again"
    plain.buttons["to_end"].click()
    assert lab.model.status == plain.model.status == "finished"
    assert lab.model.val_loss == plain.model.val_loss
    np.testing.assert_array_equal(_pixels(lab), _pixels(plain))
    trained.clear()
    lab.buttons["restart"].click()  # the quick pass again (kept), then two ticks of play: trained on, not copied
    lab.controls["play"].value = 2
    lab.buttons["to_end"].click()
    assert trained == [2 * lab.epochs_per_tick, lab.model.max_epochs]  # the ticks, then the rest: no copy
    assert lab.model.val_loss == plain.model.val_loss
    assert not lab.errors


def test_the_training_dashboard_keeps_every_digits_mistakes_drawn_ahead_as_the_image_its_choice_shows():
    from bplab.labs.training_dashboard import train_capstone
    from bplab.widgets.training_dashboard import TrainingDashboardLab

    record = train_capstone(3, hidden=(16,), dropout=0.0)[1]
    lab = TrainingDashboardLab(record)
    _idle_after(lab, lambda: setattr(lab.controls["epoch"], "value", 2), expected=10)
    draws = len(lab.timings)
    for digit in (3, -1, 7):
        lab.controls["digit"].value = digit
        fresh = TrainingDashboardLab(record)
        fresh.controls["epoch"].value, fresh.controls["digit"].value = 2, digit
        np.testing.assert_array_equal(_pixels(lab), _pixels(fresh), err_msg=digit)
    assert all(t["draw"] == 0 for t in list(lab.timings)[draws:]), "a digit drew its image"
    assert not lab.errors


def test_the_feature_map_viewer_keeps_every_slider_stop_drawn_ahead_as_the_image_its_choice_shows():
    from bplab.widgets.feature_maps import FeatureMapViewer

    lab = FeatureMapViewer()
    _idle_after(lab, lambda: setattr(lab.controls["filter"], "value", 3), expected=10)
    draws = len(lab.timings)
    for name, value in (("filter", 8), ("filter", 1), ("filter", 2), ("image", 9), ("image", 0), ("image", 5)):
        lab.controls[name].value = value
        fresh = FeatureMapViewer()
        fresh.controls["filter"].value = lab.controls["filter"].value
        fresh.controls["image"].value = lab.controls["image"].value
        np.testing.assert_array_equal(_pixels(lab), _pixels(fresh), err_msg=f"{name} {value}")
        if name == "filter":  # back where the round was drawn from: every image stop is one move away
            lab.controls["filter"].value = 3
    assert all(t["draw"] == 0 for t in list(lab.timings)[draws:]), "a stop drew its image"
    assert not lab.errors


def test_drawing_ahead_prints_and_warns_nothing(capsys):
    """Output while drawing ahead would land under whichever notebook cell ran last."""
    lab = OptimizerRace(steps=60)

    def noisy():
        print("a learner's debugging print")
        warnings.warn("overflow in a learner's step", RuntimeWarning, stacklevel=1)
        yield lab.model

    lab.ahead = noisy
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _idle_after(lab, lambda: setattr(lab.controls["steps"], "value", 80), expected=1)
    assert capsys.readouterr() == ("", "") and not caught and not lab.errors

