"""Lesson 08's experiments, defined once: the notebook runs them and prints, the tests assert what it says.

Settings (chosen so the whole notebook runs in seconds on two cores):

- the task is :func:`bplab.datasets.first_token` with 4 classes and noise 1: 512 training sequences and 512 test
  sequences (test seed ``1000 + seed``; learning rates are chosen on validation sequences, seed ``2000 + seed``);
- the networks have 16 hidden units, are trained for 150 Adam updates on batches of 32 at learning rate 0.03
  (the best of :data:`LEARNING_RATES` on validation data for both cells at lag 20, see :func:`tune_learning_rate`),
  with clipping by global norm at 1 (the usual practice); the LSTM's forget-gate bias starts at +3;
- the exploding-gradient run uses SGD with momentum (see :data:`EXPLODING`), where a gradient spike becomes a
  step of the same size (Adam divides every step by a running RMS of the gradient, which damps spikes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bplab import nn
from bplab.datasets import first_token
from bplab.nn.activations import sigmoid
from bplab.optim import clip_grad_norm
from bplab.recurrent import accuracy, init_classifier, loss_and_gradients, train

TASK = {"n_classes": 4, "noise": 1.0, "train": 512, "test": 512}
TRAINING = {"hidden": 16, "updates": 150, "batch_size": 32, "lr": 0.03, "clip": 1.0, "forget_bias": 3.0}
EXPLODING = {"lag": 5, "updates": 200, "lr": 0.3, "momentum": 0.9, "clip": 1.0}
SEEDS = (0, 1, 2)
COMPARISON_SEEDS = (0, 1, 2, 3, 4)
LAGS = (5, 10, 20, 40)
COMPARISON_LAG = 20
TRUNCATION = {"lag": 10, "truncate": 3}
LEARNING_RATES = (0.01, 0.03, 0.1)
RECORD_EVERY = 10


@dataclass
class Run:
    """One training run: the trained model, its log and its test accuracy."""

    cell: str
    lag: int
    seed: int
    model: object
    log: object
    accuracy: float


def data(lag, seed, split="train"):
    """``(x, y)`` of a split: "train" (seed), "test" (1000 + seed) or "validation" (2000 + seed)."""
    offset = {"train": 0, "test": 1000, "validation": 2000}[split]
    n = TASK["train"] if split == "train" else TASK["test"]
    return first_token(n, lag, TASK["n_classes"], TASK["noise"], seed=offset + seed)


_RUNS = {}
"""Finished runs by their settings: training is deterministic, so a run asked for twice (the notebook's lag sweep
and its RNN-vs-LSTM comparison share the lag-20 runs) is trained once."""


def run(cell, lag, seed, *, record_at=None, evaluate_on="test", ops=None, **overrides):
    """Train one classifier with :data:`TRAINING` (``overrides`` replace entries) and measure its accuracy.

    Parameters
    ----------
    record_at : iterable of int, optional
        Updates at which gradients through time are recorded; every :data:`RECORD_EVERY` updates by default.

    Returns
    -------
    Run
        ``accuracy`` is NaN when training diverged. Runs are remembered: the same arguments return the same Run.
    """
    settings = {**TRAINING, **overrides}
    if record_at is None:
        record_at = range(0, settings["updates"] + 1, RECORD_EVERY)
    key = (cell, lag, seed, tuple(record_at), evaluate_on, None if ops is None else id(ops),
           tuple(sorted(settings.items())))
    if key not in _RUNS:
        _RUNS[key] = _train_run(cell, lag, seed, settings, record_at, evaluate_on, ops)
    return _RUNS[key]


def _train_run(cell, lag, seed, settings, record_at, evaluate_on, ops):
    x, y = data(lag, seed)
    model = init_classifier(cell, TASK["n_classes"], settings["hidden"], TASK["n_classes"], seed=seed,
                            forget_bias=settings["forget_bias"], nonlinearity=settings.get("nonlinearity", "tanh"))
    log = train(model, x, y, updates=settings["updates"], batch_size=settings["batch_size"], lr=settings["lr"],
                momentum=settings.get("momentum"), clip=settings["clip"], truncate=settings.get("truncate"),
                seed=seed, record_at=record_at, ops=ops)
    x_eval, y_eval = data(lag, seed, evaluate_on)
    score = float("nan") if log.diverged else accuracy(model, x_eval, y_eval)
    return Run(cell, lag, seed, model, log, score)


def mean_and_se(values):
    """Mean and standard error (sample standard deviation / sqrt(n)) of a list of numbers."""
    values = np.asarray(values, dtype=np.float64)
    se = float(np.std(values, ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")
    return float(np.mean(values)), se


def lag_sweep(cell="rnn", lags=LAGS, seeds=SEEDS, **overrides):
    """Test accuracy for every lag and seed: ``{lag: [accuracy per seed]}``."""
    return {lag: [run(cell, lag, seed, **overrides).accuracy for seed in seeds] for lag in lags}


def exploding_runs(seeds=SEEDS, clip=None):
    """The tanh RNN trained with SGD + momentum at :data:`EXPLODING`'s settings, clipped or not."""
    settings = {k: v for k, v in EXPLODING.items() if k not in ("lag", "clip")}
    return [run("rnn", EXPLODING["lag"], seed, record_at=range(0, EXPLODING["updates"] + 1, 10), clip=clip,
                **settings) for seed in seeds]


def comparison(seeds=COMPARISON_SEEDS, lag=COMPARISON_LAG):
    """The RNN and the LSTM trained on the same data and seeds.

    Returns
    -------
    dict of str to list of Run
        ``{"rnn": [...], "lstm": [...]}``, one run per seed, in the order of ``seeds``.
    """
    return {cell: [run(cell, lag, seed) for seed in seeds] for cell in ("rnn", "lstm")}


def tune_learning_rate(cell, lag=COMPARISON_LAG, rates=LEARNING_RATES, seeds=SEEDS):
    """Mean validation accuracy for each learning rate: ``{lr: mean}`` (how :data:`TRAINING`'s lr was chosen)."""
    return {lr: float(np.mean([run(cell, lag, seed, lr=lr, evaluate_on="validation").accuracy for seed in seeds]))
            for lr in rates}


def first_input_gradient(lag, truncate, seed=0):
    """``max |∂L/∂x_1|`` (the first input, ``x[:, 0]``) for the untrained RNN on one batch, with truncated BPTT
    of length ``truncate``."""
    x, y = data(lag, seed)
    model = init_classifier("rnn", TASK["n_classes"], TRAINING["hidden"], TASK["n_classes"], seed=seed)
    p = model.params
    h, cache = nn.rnn_forward(x[:32], np.zeros((32, model.hidden)), p["Wx"], p["Wh"], p["b"])
    _, dlogits = nn.softmax_cross_entropy(h[:, -1] @ p["Wy"] + p["by"], y[:32])
    dh = np.zeros_like(h)
    dh[:, -1] = dlogits @ p["Wy"].T
    dx = nn.rnn_backward(dh, cache, truncate=truncate)[0]
    return float(np.max(np.abs(dx[:, 0])))


def backward_seconds(lag, truncates, repeat=7, seed=0):
    """Seconds of one forward + truncated backward pass (batch 32) for each truncation length.

    The fastest of ``repeat`` timings: on a shared machine other work only ever adds time, so the minimum is the
    estimate least disturbed by it (as :mod:`timeit` recommends).
    """
    x, y = data(lag, seed)
    model = init_classifier("rnn", TASK["n_classes"], TRAINING["hidden"], TASK["n_classes"], seed=seed)
    times = {}
    for k in truncates:
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            loss_and_gradients(model, x[:32], y[:32], truncate=k)
            samples.append(time.perf_counter() - start)
        times[k] = float(min(samples))
    return times


def clipped_gradient(seed=0):
    """One gradient of the unclipped SGD run of :func:`exploding_runs` (its trained model, first 32 sequences),
    before and after clipping at ``EXPLODING["clip"]``.

    Returns
    -------
    norm_before, norm_after, cosine : float
        The global norms, and the cosine of the angle between the whole gradient before and after clipping.
    """
    x, y = data(EXPLODING["lag"], seed)
    model = exploding_runs(seeds=(seed,))[0].model
    grads = list(loss_and_gradients(model, x[:32], y[:32])[1].values())
    before = np.concatenate([g.ravel() for g in grads])
    norm_before = clip_grad_norm(grads, EXPLODING["clip"])
    after = np.concatenate([g.ravel() for g in grads])
    norm_after = float(np.linalg.norm(after))
    return float(norm_before), norm_after, float(before @ after / (np.linalg.norm(before) * norm_after))


def cell_path_reach(forget_bias=TRAINING["forget_bias"], lag=80, seed=0, factor=10.0):
    """How many steps back the gradient along an initialized LSTM's cell state falls ``factor`` times.

    Along the cell state alone one step back multiplies the gradient by the forget gates (``∂c_t/∂c_{t-1} =
    diag(f_t)``), so ``k`` steps back from the last state multiply it by the product of the last ``k`` gates.

    Returns
    -------
    mean_gate : float
        The forget gates' mean over the first 32 sequences, every step and unit.
    steps : int
        The first ``k`` at which the median (over sequences and units) of that product is below ``1 / factor``;
        0 when it never is within the sequence.
    """
    model = init_classifier("lstm", TASK["n_classes"], TRAINING["hidden"], TASK["n_classes"], seed=seed,
                            forget_bias=forget_bias)
    H, p = model.hidden, model.params
    x, _ = data(lag, seed)
    x = x[:32]
    h, _ = nn.lstm_forward(x, np.zeros((32, H)), p["Wx"], p["Wh"], p["b"])
    h_prev = np.concatenate([np.zeros((32, 1, H)), h[:, :-1]], axis=1)  # the state each step reads
    gates = sigmoid(x @ p["Wx"][:, H:2 * H] + h_prev @ p["Wh"][:, H:2 * H] + p["b"][H:2 * H])  # (N, T, H): f
    typical = np.median(np.cumprod(gates[:, ::-1], axis=1), axis=(0, 2))  # column k-1: the last k gates
    below = np.nonzero(typical < 1.0 / factor)[0]
    return float(gates.mean()), int(below[0]) + 1 if below.size else 0
