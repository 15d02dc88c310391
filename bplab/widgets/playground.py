"""The MLP playground widget, and a training progress display for ``bplab.train.fit``."""

from __future__ import annotations

import copy
import html

import ipywidgets as widgets

import bplab.nn
from bplab import powered
from bplab.figures.playground import PlaygroundFigure
from bplab.labs.playground import ACTIVATIONS, DATASETS, NOISE_MAX, NOISE_STEP, PlaygroundModel
from bplab.widgets.base import Lab, stops_outwards

POWERING_CHECKS = ("linear_forward", "linear_backward", "relu_backward", "sigmoid_backward", "tanh_backward",
                   "leaky_relu_backward", "softmax_cross_entropy", "mse_loss", "mae_loss", "bce_with_logits")
"""The learner's ex02_mlp functions take over the playground's layers and losses once all these checks pass."""

LOSS_LABELS = {"softmax cross-entropy": "cross_entropy", "binary cross-entropy": "bce", "MSE": "mse", "MAE": "mae"}


class Playground(Lab):
    """Train an MLP on a 2-D dataset and watch its decision regions and loss curves.

    Parameters
    ----------
    impl : str, optional
        Whose ``ex02_mlp`` may power the layers (``BPLAB_IMPL`` by default).
    **settings
        Initial :class:`bplab.labs.playground.PlaygroundModel` settings.
    """

    title = "MLP playground: train a network and watch it learn"

    def __init__(self, impl=None, **settings):
        super().__init__()
        self.impl = impl
        choice = self._choose()
        self.model = PlaygroundModel(ops=choice.ops, **settings)
        self.view = PlaygroundFigure(self.model)
        m = self.model
        style = {"description_width": "90px"}
        wide = widgets.Layout(width="300px")
        controls = {
            "dataset": widgets.Dropdown(options=list(DATASETS), value=m.dataset, description="dataset",
                                        style=style, layout=wide),
            "noise": widgets.FloatSlider(value=m.noise, min=0.0, max=NOISE_MAX, step=NOISE_STEP, description="noise",
                                         style=style, layout=wide, continuous_update=False),
            "hidden_layers": widgets.IntSlider(value=m.hidden_layers, min=0, max=4, description="hidden layers",
                                               style=style, layout=wide, continuous_update=False),
            "units": widgets.IntSlider(value=m.units, min=1, max=64, description="units / layer", style=style,
                                       layout=wide, continuous_update=False),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=m.activation, description="activation",
                                           style=style, layout=wide),
            "loss": widgets.Dropdown(options=list(LOSS_LABELS.items()), value=m.loss, description="loss",
                                     style=style, layout=wide),
            "lr": widgets.FloatLogSlider(value=m.lr, base=10, min=-3, max=1, step=0.1, description="learning rate",
                                         readout_format=".3g", style=style, layout=wide, continuous_update=False),
            "batch_size": widgets.IntSlider(value=m.batch_size, min=1, max=256, description="batch size",
                                            style=style, layout=wide, continuous_update=False),
            # Each value change trains one frame; the kernel plays it (Lab.play_from_kernel), 25 frames a second.
            "play": widgets.Play(value=0, min=0, max=10**7, step=1, interval=40, description="play / pause",
                                 show_repeat=False),
        }
        self._last_play = 0
        step = widgets.Button(description="step", tooltip="train one frame (an epoch, or 25 mini-batch steps)",
                              icon="step-forward", layout=widgets.Layout(width="90px"))
        reset = widgets.Button(description="reset", tooltip="fresh weights; re-checks your ex02_mlp",
                               icon="refresh", layout=widgets.Layout(width="90px"))
        left = widgets.VBox([controls[k] for k in ("dataset", "noise", "hidden_layers", "units", "activation")])
        right = widgets.VBox([controls[k] for k in ("loss", "lr", "batch_size")]
                             + [widgets.HBox([controls["play"], step, reset])])
        self._set_power_note(choice)
        self._assemble(controls, {"step": (step, self.model.tick), "reset": (reset, self.reset)},
                       layout=widgets.HBox([left, right]))

    def _choose(self):
        return powered.choose("ex02_mlp", list(POWERING_CHECKS), bplab.nn, impl=self.impl)

    def _set_power_note(self, choice):
        self.set_note(f"Layers and losses: {choice.label}.")

    def _settings(self):
        """The model's settings as the controls give them (all but Play's frame counter)."""
        return {name: control.value for name, control in self.controls.items() if name != "play"}

    def apply_controls(self):
        self.model.configure(**self._settings())
        play = self.controls["play"].value
        if play != self._last_play:
            self._last_play = play
            self.model.tick()

    def ahead(self):
        """The playground on each other data set, as choosing it would set it up: learners try them in turn;
        then at each other stop of the noise slider.

        Choosing a data set is a structural change: the model gets that data set's points and fresh weights
        from its seed, whatever it had trained (:meth:`PlaygroundModel.configure`). So each model ahead is a
        copy configured with the controls' settings and that data set, exactly as :meth:`apply_controls`
        would configure the lab's model; the copy gets its own data, network, optimizer and batch
        generator, so the lab's model, its training and its random state are untouched. With the learner's
        layers when they power the lab: choosing the data set runs the same (fresh weights, one evaluation).
        """
        settings = self._settings()
        for name in DATASETS:
            # (the model's own data set too, should a failed change have left it behind the dropdown: configuring
            # a copy without a structural change would share the lab's network and optimizer)
            if name not in (settings["dataset"], self.model.dataset):
                model = copy.copy(self.model)
                model.configure(**{**settings, "dataset": name})
                yield model
        # then every stop of the noise slider (its ends first): new points and fresh weights, as structural
        # as a data set; drawn ahead, a noise change draws half as much (the points and panels kept)
        for noise in stops_outwards(self.controls["noise"]):
            if noise != self.model.noise:
                model = copy.copy(self.model)
                model.configure(**{**settings, "noise": noise})
                yield model

    def reset(self):
        """Fresh weights, and your code takes over if its checks now pass."""
        choice = self._choose()
        self.model.ops = choice.ops
        self._set_power_note(choice)
        self.model.reset()


class TrainingProgress:
    """A ``callback`` for :func:`bplab.train.fit` that shows a progress bar in a notebook.

    Outside a Jupyter kernel (a terminal, pytest, a script) it shows nothing.
    When ``then`` stops the training early, the bar says so, at which epoch,
    and why.

    Parameters
    ----------
    epochs : int
        The ``epochs`` given to ``fit``.
    then : callable, optional
        Another ``callback(epoch, history) -> bool`` to run after the display
        (its answer is returned, so early stopping still works).
    reason : str, optional
        Why ``then`` stops the training, for the learner ("the training loss
        stopped improving"); by default its name is quoted.
    show : bool, optional
        Build the bar (True) or not (False); by default only in a notebook.
    """

    def __init__(self, epochs, then=None, reason=None, show=None):
        self.epochs = int(epochs)
        self.then = then
        self.reason = reason
        self.stopped_at = None
        self.bar = self.label = None
        if show or (show is None and _in_notebook()):
            self.bar = widgets.IntProgress(value=0, min=0, max=self.epochs, description="training",
                                           style={"description_width": "initial"})
            self.label = widgets.HTML()
            if _in_notebook():
                from IPython.display import display

                display(widgets.HBox([self.bar, self.label]))

    def __call__(self, epoch, history):
        stop = bool(self.then(epoch, history)) if self.then is not None else False
        if stop:
            self.stopped_at = epoch
        if self.bar is not None:
            self.bar.value = epoch
            parts = [f"epoch {epoch}/{self.epochs}", f"train loss {history.train_loss[-1]:.4g}"]
            if history.val_loss:
                parts.append(f"validation loss {history.val_loss[-1]:.4g}")
            text = html.escape(" · ".join(parts))
            if stop:
                self.bar.description, self.bar.bar_style = "stopped early", "info"
                text = f"<b>stopped early at epoch {epoch} of {self.epochs}</b>: {html.escape(self._why())} · {text}"
            elif epoch >= self.epochs:
                self.bar.description, self.bar.bar_style = "done", "success"
            self.label.value = text
        return stop

    def _why(self):
        if self.reason:
            return self.reason
        name = getattr(self.then, "__name__", type(self.then).__name__)
        return f"{name}(epoch, history) returned True"


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
