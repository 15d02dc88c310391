"""Lesson 06: the capstone's training loop and fine-tuning with frozen layers.

The child builds small networks from bplab's reference layers and optimizer,
runs the learner's ``train_epoch`` / ``fine_tune`` on fixed data and returns
the final parameters and losses. The judge replays the same training with a
plain numpy network and a plain numpy SGD (torch's momentum and weight-decay
rules) written here, with the shuffling order fixed by the documented use of
the generator (one ``rng.permutation(N)`` per epoch), and compares.

Thresholds: 1e-9 relative error for parameters and losses (the replay does
the same arithmetic in another order, so only rounding separates a right
answer, about 1e-15); frozen parameters must be *exactly* unchanged. The
accuracy check trains a 64-64-10 network on the digits for 10 epochs; the
reference reaches about 97 % test accuracy, and 95 % is required.
"""

from __future__ import annotations

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place
from bplab.grading.checks import Check
from bplab.grading.harness import witness

MODULE = "ex06_capstone"
SECTIONS = {
    "loop": 'notebook 06, section "2. The training loop"',
    "transfer": 'notebook 06, section "5. Transfer learning"',
}
REPLAY_THRESHOLD = 1e-9
ACCURACY_REQUIRED = 0.95


# -- a plain numpy network and SGD, independent of bplab.nn and bplab.optim ----------------------

def _activate(name, z):
    return np.tanh(z) if name == "tanh" else np.maximum(z, 0.0)


def _activation_grad(name, out):
    return 1.0 - out ** 2 if name == "tanh" else (out > 0).astype(np.float64)


def _forward(params, activation, X):
    """Activations of every layer: [X, h1, ..., scores] for params [W1, b1, W2, b2, ...]."""
    outs = [X]
    n_layers = len(params) // 2
    for i in range(n_layers):
        z = outs[-1] @ params[2 * i] + params[2 * i + 1]
        outs.append(_activate(activation, z) if i < n_layers - 1 else z)
    return outs


BN_EPS, BN_MOMENTUM = 1e-5, 0.1  # bplab's BatchNorm defaults (torch's)


def _softmax_grad(scores, y):
    """Mean softmax cross-entropy and its gradient with respect to the scores."""
    scores = scores - scores.max(axis=1, keepdims=True)
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    n = len(y)
    d = np.exp(log_p)
    d[np.arange(n), y] -= 1.0
    return -log_p[np.arange(n), y].mean(), d / n


def _bn_tanh_loss_and_grads(params, X, y, running=None, train=True):
    """``X -> linear -> batch norm -> tanh -> linear``, softmax cross-entropy: loss, grads, batch statistics.

    params = [W1, b1, gamma, beta, W2, b2]; in evaluation (``train=False``) ``running`` normalizes.
    """
    W1, b1, gamma, beta, W2, b2 = params
    z = X @ W1 + b1
    n = len(X)
    mean, var = (z.mean(axis=0), z.var(axis=0)) if train else (running["mean"], running["var"])
    inv_std = 1.0 / np.sqrt(var + BN_EPS)
    x_hat = (z - mean) * inv_std
    h = np.tanh(gamma * x_hat + beta)
    loss, ds = _softmax_grad(h @ W2 + b2, y)
    da = (ds @ W2.T) * (1.0 - h ** 2)
    g = da * gamma
    dz = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) if train else g * inv_std
    grads = [X.T @ dz, dz.sum(axis=0), (da * x_hat).sum(axis=0), da.sum(axis=0), h.T @ ds, ds.sum(axis=0)]
    return loss, grads, (mean, z.var(axis=0) * n / (n - 1))


def _loss_and_grads(params, activation, X, y):
    """Softmax cross-entropy (mean) and its gradients with respect to params."""
    if activation == "bn-tanh":
        return _bn_tanh_loss_and_grads(params, X, y)[:2]
    outs = _forward(params, activation, X)
    scores = outs[-1] - outs[-1].max(axis=1, keepdims=True)
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    n = len(X)
    loss = -log_p[np.arange(n), y].mean()
    d = np.exp(log_p)
    d[np.arange(n), y] -= 1.0
    d /= n
    grads = [None] * len(params)
    for i in reversed(range(len(params) // 2)):
        grads[2 * i] = outs[i].T @ d
        grads[2 * i + 1] = d.sum(axis=0)
        if i > 0:
            d = (d @ params[2 * i].T) * _activation_grad(activation, outs[i])
    return loss, grads


def _replay(params, activation, X, y, *, batch_size, seed, epochs, lr, momentum=0.0, weight_decay=0.0,
            shuffle=True, drop_last=False):
    """Train a copy of ``params`` like the documented train_epoch.

    Returns
    -------
    params : list of ndarray
    losses : dict of str to list of float
        Each epoch's loss as the documented train_epoch reports it (``"weighted"``), and as the usual
        wrong readings report it.
    running : dict or None
        The batch-norm running statistics (``activation="bn-tanh"``), else None.
    """
    params = [p.copy() for p in params]
    buffers = [None] * len(params)
    running = {"mean": np.zeros(params[0].shape[1]), "var": np.ones(params[0].shape[1])}
    rng = np.random.default_rng(seed)
    losses = {"weighted": [], "unweighted": [], "sum": [], "last": [], "by batch_size": [], "sum over N": []}
    for _ in range(epochs):
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        batch_losses, sizes = [], []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            if drop_last and len(batch) < batch_size:
                continue
            if activation == "bn-tanh":
                loss, grads, (mean, unbiased) = _bn_tanh_loss_and_grads(params, X[batch], y[batch])
                running = {"mean": (1 - BN_MOMENTUM) * running["mean"] + BN_MOMENTUM * mean,
                           "var": (1 - BN_MOMENTUM) * running["var"] + BN_MOMENTUM * unbiased}
            else:
                loss, grads = _loss_and_grads(params, activation, X[batch], y[batch])
            for k, (p, g) in enumerate(zip(params, grads)):
                g = g + weight_decay * p
                if momentum:
                    buffers[k] = g.copy() if buffers[k] is None else momentum * buffers[k] + g
                    g = buffers[k]
                p -= lr * g
            batch_losses.append(loss)
            sizes.append(len(batch))
        batch_losses, sizes = np.array(batch_losses), np.array(sizes)
        losses["weighted"].append(float(batch_losses @ sizes / sizes.sum()))
        losses["unweighted"].append(float(batch_losses.mean()))
        losses["sum"].append(float(batch_losses.sum()))
        losses["last"].append(float(batch_losses[-1]))
        losses["by batch_size"].append(float(batch_losses.sum() * batch_size / len(X)))
        losses["sum over N"].append(float(batch_losses.sum() / len(X)))
    return params, losses, (running if activation == "bn-tanh" else None)


def _reference_model(params, activation):
    """bplab's layer objects holding copies of ``params`` (built in the child, for the learner's code)."""
    from bplab.nn.layers import Linear, ReLU, Sequential, Tanh

    if activation == "bn-tanh":
        from bplab.nn.regularization_layers import BatchNorm

        first, second = Linear(*params[0].shape, 0), Linear(*params[4].shape, 0)
        norm = BatchNorm(params[0].shape[1], momentum=BN_MOMENTUM, eps=BN_EPS)
        for array, value in zip((first.W, first.b, norm.gamma, norm.beta, second.W, second.b), params):
            array[...] = value
        return Sequential([first, norm, Tanh(), second])
    layers = []
    for i in range(len(params) // 2):
        W, b = params[2 * i], params[2 * i + 1]
        linear = Linear(W.shape[0], W.shape[1], 0)
        linear.W[...] = W
        linear.b[...] = b
        layers.append(linear)
        if i < len(params) // 2 - 1:
            layers.append(Tanh() if activation == "tanh" else ReLU())
    return Sequential(layers)


def _compare_params(params, expected, names, mistakes=None):
    if not isinstance(params, (list, tuple)) or len(params) != len(expected):
        return [gradcheck.verdict("params", False, "could not be read back from the model",
                                  "the model's parameters were replaced instead of updated in place?")]
    return [gradcheck.compare(name, p, e, threshold=REPLAY_THRESHOLD,
                              mistakes={text: wrong[i] for text, wrong in (mistakes or {}).items()})
            for i, (name, p, e) in enumerate(zip(names, params, expected))]


def _compare_losses(losses, readings):
    if isinstance(losses, (list, tuple)) and any(value is None for value in losses):
        return gradcheck.verdict("returned losses", False, "train_epoch returned None",
                                 "is the return statement missing? return the epoch's mean loss, "
                                 "sum(loss_b * n_b) / N")
    losses = np.asarray(losses, dtype=np.float64) if _numbers(losses) else losses
    mistakes = {
        "a plain mean of the batch losses: weight each batch's loss by its size (the last batch is smaller)":
            readings["unweighted"],
        "the sum of the batch losses: divide by N (weight each batch's loss by its size)": readings["sum"],
        "only the last batch's loss: accumulate every batch's loss over the epoch": readings["last"],
        "each batch's loss is weighted by batch_size: weight it by the batch's own size, len(batch) (the last "
        "batch is smaller)": readings["by batch_size"],
        "the batch losses are added without their sizes before dividing by N: total += loss * len(batch), then "
        "total / N": readings["sum over N"],
    }
    return gradcheck.compare("returned losses", losses, readings["weighted"], threshold=REPLAY_THRESHOLD,
                             mistakes=mistakes)


def _numbers(value):
    try:
        return np.asarray(value, dtype=np.float64).ndim == 1
    except (TypeError, ValueError):
        return False


# -- train_epoch: replay two epochs of SGD with momentum ------------------------------------------

def _loop_inputs():
    rng = np.random.default_rng(60)
    X = rng.normal(size=(23, 5))  # 23 = 8 + 8 + 7: the last batch is smaller
    y = rng.integers(0, 3, size=23)
    params = [0.5 * rng.normal(size=(5, 7)), 0.1 * rng.normal(size=7),
              0.5 * rng.normal(size=(7, 3)), 0.1 * rng.normal(size=3)]
    return X, y, params


LOOP = {"batch_size": 8, "seed": 61, "epochs": 2, "lr": 0.1, "momentum": 0.9}


def _bn_loop_inputs():
    """The loop check's data and a network with batch norm, so that the train flag changes every number."""
    X, y, params = _loop_inputs()
    rng = np.random.default_rng(64)
    return X, y, [params[0], params[1], rng.uniform(0.5, 1.5, size=7), 0.1 * rng.normal(size=7),
                  params[2], params[3]]


BN_NAMES = ["W1", "b1", "gamma", "beta", "W2", "b2"]


def _instrument(model, optimizer, loss_fn, X):
    """Record the learner's calls (child side): forward (which rows, train flag), loss, backward, step."""
    events = []
    rows = {X[i].tobytes(): i for i in range(len(X))}

    def indices(batch):
        try:
            return [rows.get(np.asarray(r, dtype=np.float64).tobytes(), -1) for r in np.asarray(batch)]
        except (TypeError, ValueError):
            return []

    forward, backward, step = model.forward, model.backward, optimizer.step

    def logged_forward(x, train=True):
        events.append(["forward", indices(x), bool(train)])
        return forward(x, train=train)

    def logged_backward(dout):
        if np.ndim(dout) == 0:
            raise TypeError("model.backward(dout) takes the gradient of the scores, the second value that loss_fn "
                            "returns (loss, dout = loss_fn(out, y_batch)), not the loss")
        events.append(["backward"])
        return backward(dout)

    def logged_step(*args, **kwargs):
        given = args[0] if args else next(iter(kwargs.values()), None)
        if isinstance(given, (list, tuple)) and given and all(g is p for g, p in zip(given, model.params)):
            raise TypeError("optimizer.step takes the gradients, optimizer.step(model.grads), not model.params")
        zero = isinstance(given, (list, tuple)) and bool(given) and all(
            isinstance(g, np.ndarray) and not np.any(g) for g in given)
        events.append(["step", bool(zero)])
        return step(*args, **kwargs)

    def logged_loss(out, labels):
        if np.ndim(out) == 1 and np.ndim(labels) == 2:
            raise TypeError("loss_fn(out, y_batch) takes the scores first and the labels second: the arguments "
                            "are swapped")
        events.append(["loss", [int(v) for v in np.ravel(labels)]])
        return loss_fn(out, labels)

    model.forward, model.backward, optimizer.step = logged_forward, logged_backward, logged_step
    return events, logged_loss


def _produce_train_epoch(ex):
    from bplab import nn, optim

    X, y, params = _bn_loop_inputs()
    model = _reference_model(params, "bn-tanh")
    optimizer = optim.SGD(model.params, lr=LOOP["lr"], momentum=LOOP["momentum"])
    events, loss_fn = _instrument(model, optimizer, nn.softmax_cross_entropy, X)
    rng = np.random.default_rng(LOOP["seed"])
    X_in, y_in = X.copy(), y.copy()
    losses = []
    for _ in range(LOOP["epochs"]):
        events.append(["epoch"])
        losses.append(ex.train_epoch(model, loss_fn, optimizer, X_in, y_in, LOOP["batch_size"], rng))
    seen = witness(("X", "y"), (X_in, y_in))
    norm = model.layers[1]
    return {"losses": losses, "params": [p.copy() for p in model.params], "witness": [seen], "events": events,
            "running": [norm.running["mean"].copy(), norm.running["var"].copy()]}


def _expected_batches(n, batch_size, seed, epochs):
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(n)
        batches.append([[int(i) for i in order[s:s + batch_size]] for s in range(0, n, batch_size)])
    return batches


def _sizes(batches):
    sizes = [len(b) for b in batches]
    return ", ".join(str(v) for v in sizes[:4]) + (", ..." if len(sizes) > 4 else "")


def _start(batches):
    first = batches[0] if batches else []
    return "[" + ", ".join(str(i) for i in first[:4]) + (", ...]" if len(first) > 4 else "]")


def _evaluated_after_step(epochs_seen):
    """True when every forward with train=False comes right after an optimizer.step (a loss taken after the update)."""
    after = []
    for epoch in epochs_seen:
        previous = None
        for event in epoch:
            if event[0] == "forward" and not event[2]:
                after.append(previous == "step")
            if event[0] in ("forward", "backward", "step"):
                previous = event[0]
    return bool(after) and all(after)


def _loop_calls(events, y, n, batch_size, seed, epochs):
    """A verdict on the sequence of the learner's calls, naming the first thing that differs from the recipe."""
    name = "the loop's calls (forward, loss, backward, step per batch)"
    if not isinstance(events, list) or not events:
        return gradcheck.verdict(name, False, "no calls recorded", "train_epoch must call model.forward")
    epochs_seen, current = [], None
    for event in events:
        if not isinstance(event, list) or not event:
            continue
        if event[0] == "epoch":
            current = []
            epochs_seen.append(current)
        elif current is not None:
            current.append(event)
    kinds = [e[0] for epoch in epochs_seen for e in epoch]
    if any(e[0] == "forward" and not e[2] for epoch in epochs_seen for e in epoch) and _evaluated_after_step(
            epochs_seen):
        return gradcheck.verdict(name, False, "model.forward(train=False) was called again after optimizer.step",
                                 "the loss is taken after the update: record the loss that loss_fn returned for "
                                 "the training forward pass, before optimizer.step (step 2 of the docstring)")
    if any(e[0] == "forward" and not e[2] for epoch in epochs_seen for e in epoch):
        return gradcheck.verdict(name, False, "model.forward was called with train=False",
                                 "train in training mode: model.forward(X_batch, train=True) (model(x) evaluates, "
                                 "so batch norm and dropout behave as at test time)")
    for key, text in (("step", "optimizer.step(model.grads) is never called: without it nothing is learned"),
                      ("backward", "model.backward(dout) is never called: the gradients stay as they were"),
                      ("loss", "loss_fn(out, y_batch) is never called")):
        if key not in kinds:
            return gradcheck.verdict(name, False, f"no {key} call", text)
    for epoch in epochs_seen:
        order = [e[0] for e in epoch if e[0] in ("forward", "backward", "step")]
        for a, b in zip(order, order[1:]):
            if (a, b) in (("forward", "step"), ("step", "backward")):
                return gradcheck.verdict(name, False, "optimizer.step came before model.backward in a batch",
                                         "the update is taken before the backward pass: call model.backward(dout) "
                                         "first, then optimizer.step(model.grads), or it uses the previous "
                                         "batch's gradients")
    if any(e[0] == "step" and len(e) > 1 and e[1] for epoch in epochs_seen for e in epoch):
        return gradcheck.verdict(name, False, "optimizer.step received gradients that are all zero",
                                 "the gradients are zeroed (or replaced) between model.backward and optimizer.step: "
                                 "step with the model.grads that model.backward(dout) just filled")
    for epoch in epochs_seen:
        counts = {key: sum(1 for e in epoch if e[0] == key) for key in ("forward", "backward", "step")}
        if counts["step"] != counts["forward"] or counts["backward"] != counts["forward"]:
            return gradcheck.verdict(name, False, f"{counts['forward']} forward, {counts['backward']} backward and "
                                     f"{counts['step']} step calls in an epoch",
                                     "call model.backward(dout) and then optimizer.step(model.grads) once for every "
                                     "batch, inside the loop over batches")
    expected = _expected_batches(n, batch_size, seed, epochs)
    for k, (epoch, want) in enumerate(zip(epochs_seen, expected)):
        got = [list(e[1]) for e in epoch if e[0] == "forward" and e[2]]
        flat = [i for batch in got for i in batch]
        labels = [e[1] for e in epoch if e[0] == "loss"]
        if got == want:
            if any(list(lab) != [int(y[i]) for i in batch] for lab, batch in zip(labels, got)):
                return gradcheck.verdict(name, False, "the labels given to loss_fn are not the batch's",
                                         "take the labels with the same indices as the inputs: y[batch]")
            continue
        where = (f"epoch {k + 1}: {len(got)} batches of sizes {_sizes(got)}, starting {_start(got)}; expected "
                 f"{len(want)} of sizes {_sizes(want)}, starting {_start(want)}")
        if len(set(flat)) < len(flat):
            text = ("a sample appears twice in one epoch: the batches are drawn with replacement; take consecutive "
                    "slices of order = rng.permutation(len(X))")
        elif flat == list(range(n)):
            text = "the samples were not shuffled: use order = rng.permutation(len(X)) once per epoch"
        elif len(got) > 1 and got[0] == want[0] and not any(got[1:]):
            text = ("the batches after the first are empty: slice order[start:start + batch_size] (order[start:"
                    "batch_size] is empty once start >= batch_size)")
        elif len(got) == 1 and len(want) > 1:
            text = ("only one batch per epoch: is the return (or a break) inside the loop over the batches, or are "
                    "the later slices empty (order[start:batch_size] where order[start:start + batch_size] is "
                    "meant)? Every batch of the epoch is trained on before returning")
        elif sorted(flat) != list(range(n)) and len(got) == len(want) - 1 and len(want[-1]) < batch_size:
            text = "the last, smaller batch is skipped: range(0, N, batch_size) covers every sample"
        elif sorted(flat) != list(range(n)):
            text = (f"{len(set(flat))} of the {n} samples are used in the epoch: every sample is used once per epoch "
                    "(range(0, N, batch_size) covers them all)")
        elif [len(b) for b in got] != [len(b) for b in want]:
            text = "the batches do not have batch_size samples each (the last one may be smaller)"
        else:
            text = ("the order is not the documented one: order = rng.permutation(len(X)), once per epoch, from "
                    "the rng you are given; then order[0:batch_size], order[batch_size:2 * batch_size], ...")
        return gradcheck.verdict(name, False, where, text)
    return gradcheck.verdict(name, True)


def _judge_train_epoch(values):
    X, y, params = _bn_loop_inputs()
    options = {k: LOOP[k] for k in ("batch_size", "seed", "epochs", "lr", "momentum")}
    expected, readings, running = _replay(params, "bn-tanh", X, y, **options)
    mistakes = {
        "the samples were not shuffled: use order = rng.permutation(len(X))":
            _replay(params, "bn-tanh", X, y, **options, shuffle=False)[0],
        "the last, smaller batch was skipped: range(0, N, batch_size) covers every sample":
            _replay(params, "bn-tanh", X, y, **options, drop_last=True)[0],
        "the optimizer's momentum was lost: step the optimizer you were given, do not make a new one":
            _replay(params, "bn-tanh", X, y, **(options | {"momentum": 0.0}))[0],
    }
    got_running = values.get("running")
    got_running = got_running if isinstance(got_running, list) and len(got_running) == 2 else [None, None]
    return ([in_place.not_modified(values.get("witness"), inputs=[(X, y)]),
             _loop_calls(values.get("events"), y, len(X), LOOP["batch_size"], LOOP["seed"], LOOP["epochs"])]
            + _compare_params(values.get("params"), expected, BN_NAMES, mistakes)
            + [gradcheck.compare("batch norm's running mean", got_running[0], running["mean"],
                                 threshold=REPLAY_THRESHOLD, kind="output"),
               _compare_losses(values.get("losses"), readings)])


# -- train_epoch on the digits: accuracy within the time limit -------------------------------------

ACCURACY_RUN = {"hidden": 64, "epochs": 10, "batch_size": 32, "lr": 3e-3, "seed": 0}


def _produce_accuracy(ex):
    from bplab import nn, optim
    from bplab.datasets import load_digits
    from bplab.transfer import digits_network

    X_train, y_train, _, _ = load_digits()
    model = digits_network((ACCURACY_RUN["hidden"],), 10, rng=ACCURACY_RUN["seed"])
    optimizer = optim.Adam(model.params, lr=ACCURACY_RUN["lr"])
    rng = np.random.default_rng(ACCURACY_RUN["seed"])
    events, loss_fn = _instrument(model, optimizer, nn.softmax_cross_entropy, X_train)
    losses = []
    for _ in range(ACCURACY_RUN["epochs"]):
        events.append(["epoch"])
        losses.append(ex.train_epoch(model, loss_fn, optimizer, X_train, y_train, ACCURACY_RUN["batch_size"], rng))
    return {"losses": losses, "params": [p.copy() for p in model.params], "events": events}


def _judge_accuracy(values):
    from bplab.datasets import load_digits

    results = _accuracy_results(values)
    if all(r.passed for r in results):
        return results
    X_train, y_train, _, _ = load_digits()
    calls = _loop_calls(values.get("events"), y_train, len(X_train), ACCURACY_RUN["batch_size"], ACCURACY_RUN["seed"],
                        ACCURACY_RUN["epochs"])
    return ([] if calls.passed else [calls]) + results  # the recorded calls say why the accuracy is low


def _accuracy_results(values):
    from bplab.datasets import load_digits

    _, _, X_test, y_test = load_digits()
    params = values.get("params")
    shapes = [(64, ACCURACY_RUN["hidden"]), (ACCURACY_RUN["hidden"],), (ACCURACY_RUN["hidden"], 10), (10,)]
    if (not isinstance(params, list) or len(params) != 4
            or any(not isinstance(p, np.ndarray) or p.shape != s or p.dtype.kind != "f" for p, s in zip(params, shapes))):
        return [gradcheck.verdict("params", False, "could not be read back from the model",
                                  "the model's parameters were replaced instead of updated in place?")]
    if not all(np.all(np.isfinite(p)) for p in params):
        return [gradcheck.verdict("params", False, "contain NaN or inf after training",
                                  "training diverged: is the gradient step's sign right?")]
    scores = _forward([p.astype(np.float64) for p in params], "relu", X_test)[-1]
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y_test))
    losses = values.get("losses")
    falling = _numbers(losses) and len(losses) == ACCURACY_RUN["epochs"] and np.all(np.isfinite(losses)) \
        and float(losses[-1]) < float(losses[0])
    return [gradcheck.verdict("test accuracy", accuracy >= ACCURACY_REQUIRED,
                              f"{accuracy:.1%} after {ACCURACY_RUN['epochs']} epochs, need {ACCURACY_REQUIRED:.0%}",
                              "" if accuracy >= ACCURACY_REQUIRED else
                              "the network barely learned: are all batches used, and is optimizer.step called?"),
            gradcheck.verdict("training loss falls", falling,
                              "" if falling else f"epoch losses {losses!r} do not fall from the first epoch to the last",
                              "" if falling else "return the epoch's mean training loss")]


# -- fine_tune: frozen layers exactly unchanged, the rest replayed --------------------------------

def _tune_inputs():
    """Data and a "pretrained" network whose frozen part has batch norm (with running statistics), so that
    running the frozen layers in training mode changes both the features and the frozen statistics."""
    rng = np.random.default_rng(62)
    X = rng.normal(size=(20, 6))
    y = rng.integers(0, 3, size=20)
    params = [0.6 * rng.normal(size=(6, 8)), 0.1 * rng.normal(size=8),
              rng.uniform(0.5, 1.5, size=8), 0.2 * rng.normal(size=8),          # batch norm's gamma, beta
              0.5 * rng.normal(size=(8, 8)), 0.1 * rng.normal(size=8),
              0.5 * rng.normal(size=(8, 3)), 0.1 * rng.normal(size=3)]
    running = {"mean": 0.3 * rng.normal(size=8), "var": rng.uniform(0.3, 0.8, size=8)}
    return X, y, params, running


TUNE = {"n_frozen": 3, "epochs": 3, "batch_size": 6, "seed": 63, "lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}
TUNE_NAMES = ["W1", "b1", "gamma", "beta", "W2", "b2", "W3", "b3"]
N_FROZEN_PARAMS = 4  # Linear (W1, b1) and BatchNorm (gamma, beta); the ReLU has none


def _tune_model(params, running):
    """Linear -> BatchNorm -> ReLU (frozen) -> Linear -> ReLU -> Linear, holding copies of params (child side)."""
    from bplab.nn.layers import Linear, ReLU, Sequential
    from bplab.nn.regularization_layers import BatchNorm

    first, second, third = (Linear(*params[k].shape, 0) for k in (0, 4, 6))
    norm = BatchNorm(8)
    arrays = (first.W, first.b, norm.gamma, norm.beta, second.W, second.b, third.W, third.b)
    for array, value in zip(arrays, params):
        array[...] = value
    norm.running["mean"][...], norm.running["var"][...] = running["mean"], running["var"]
    return Sequential([first, norm, ReLU(), second, ReLU(), third])


def _produce_fine_tune(ex):
    from bplab import nn, optim

    X, y, params, running = _tune_inputs()
    model = _tune_model(params, running)
    given, calls = [], []
    for k, layer in enumerate(model.layers):  # record each layer's train flag
        def logged(x, train=True, forward=layer.forward, k=k):
            calls.append([k, bool(train)])
            return forward(x, train=train)
        layer.forward = logged

    def make_optimizer(trainable):
        given.append([next((i for i, p in enumerate(model.params) if p is q), -1) for q in trainable])
        return optim.SGD(trainable, lr=TUNE["lr"], momentum=TUNE["momentum"], weight_decay=TUNE["weight_decay"])

    X_in, y_in = X.copy(), y.copy()
    try:
        losses = ex.fine_tune(model, TUNE["n_frozen"], nn.softmax_cross_entropy, make_optimizer, X_in, y_in,
                              epochs=TUNE["epochs"], batch_size=TUNE["batch_size"],
                              rng=np.random.default_rng(TUNE["seed"]))
    except NotImplementedError:
        raise
    except Exception as error:
        # A wrong set of parameters or a wrong train flag often ends in an exception: report those causes.
        explained = bool(given) and (not _optimizer_given(given).passed or not _flags(calls).passed)
        if not explained:
            raise
        return {"failure": f"{type(error).__name__}: {error}"[:300], "given": given, "calls": calls}
    seen = witness(("X", "y"), (X_in, y_in))
    norm = model.layers[1]
    return {"losses": losses, "params": [p.copy() for p in model.params], "given": given, "witness": [seen],
            "calls": calls, "running": [norm.running["mean"].copy(), norm.running["var"].copy()]}


def _frozen_features(X, params, running):
    """The frozen layers in evaluation mode: relu(batch norm with the running statistics of X @ W1 + b1)."""
    z = X @ params[0] + params[1]
    return np.maximum(params[2] * (z - running["mean"]) / np.sqrt(running["var"] + BN_EPS) + params[3], 0.0)


def _flags(calls):
    """A failed verdict when a frozen layer ran in training mode or a trained one in evaluation mode, else None."""
    calls = [c for c in calls if isinstance(c, list) and len(c) == 2] if isinstance(calls, list) else []
    frozen_train = sorted({k for k, train in calls if k < TUNE["n_frozen"] and train})
    trained_eval = sorted({k for k, train in calls if k >= TUNE["n_frozen"] and not train})
    name = "train flags of the layers"
    boundary = _frozen_boundary(calls)
    if (frozen_train or trained_eval) and boundary is not None:
        return gradcheck.verdict(name, False, f"layers 0..{boundary - 1} ran frozen (train=False), the rest trained",
                                 f"{boundary} layers were frozen for n_frozen = {TUNE['n_frozen']}: freeze "
                                 "model.layers[:n_frozen] and train model.layers[n_frozen:] (activations count as "
                                 "layers)")
    if frozen_train:
        return gradcheck.verdict(name, False, f"frozen layer(s) {frozen_train} ran with train=True",
                                 "run the frozen layers in evaluation mode, layer.forward(x, train=False): in training "
                                 "mode batch norm uses (and updates) batch statistics, so the frozen part changes")
    if trained_eval:
        return gradcheck.verdict(name, False, f"trainable layer(s) {trained_eval} ran with train=False",
                                 "train the trainable layers with your train_epoch (train=True)")
    return gradcheck.verdict(name, True)


def _frozen_boundary(calls):
    """k when layers below k ran only with train=False and the others only with train=True (None otherwise)."""
    evaluated = {k for k, train in calls if not train}
    trained = {k for k, train in calls if train}
    if not evaluated or not trained or evaluated & trained:
        return None
    k = max(evaluated) + 1
    return k if evaluated == set(range(k)) and all(j >= k for j in trained) else None


def _judge_fine_tune(values):
    if "failure" in values:
        return [r for r in (_flags(values.get("calls")), _optimizer_given(values.get("given"))) if not r.passed] + [
            gradcheck.verdict("fine_tune ran", False, f"raised {values.get('failure')}")]
    X, y, params, running = _tune_inputs()
    frozen = params[:N_FROZEN_PARAMS]
    features = _frozen_features(X, params, running)
    options = {k: TUNE[k] for k in ("batch_size", "seed", "epochs", "lr", "momentum", "weight_decay")}
    head, readings, _ = _replay(params[N_FROZEN_PARAMS:], "relu", features, y, **options)
    returned = values.get("params")
    if not isinstance(returned, (list, tuple)) or len(returned) != len(params):
        return [gradcheck.verdict("params", False, "could not be read back from the model",
                                  "the model's parameters were replaced instead of updated in place?")]
    results = [in_place.not_modified(values.get("witness"), inputs=[(X, y)]), _flags(values.get("calls")),
               _optimizer_given(values.get("given"))]
    got_running = values.get("running")
    got_running = got_running if isinstance(got_running, list) and len(got_running) == 2 else [None, None]
    for key, got in zip(("mean", "var"), got_running):
        same = isinstance(got, np.ndarray) and got.shape == running[key].shape and np.array_equal(got, running[key])
        results.append(gradcheck.verdict(f"frozen batch norm's running {key} unchanged", same,
                                         "" if same else "changed during fine-tuning",
                                         "" if same else "frozen layers run in evaluation mode (train=False), which "
                                         "leaves batch norm's running statistics alone"))
    for name, got, before in zip(TUNE_NAMES[:N_FROZEN_PARAMS], returned[:N_FROZEN_PARAMS], frozen):
        same = isinstance(got, np.ndarray) and got.shape == before.shape and np.array_equal(got, before)
        results.append(gradcheck.verdict(f"frozen {name} unchanged", same,
                                         "" if same else "changed during fine-tuning",
                                         "" if same else "give make_optimizer only the params of"
                                         " model.layers[n_frozen:] (weight decay moves any parameter it is given)"))
    results += _compare_params(returned[N_FROZEN_PARAMS:], head, TUNE_NAMES[N_FROZEN_PARAMS:])
    losses = values.get("losses")
    losses_result = _compare_losses(losses, readings)
    if not losses_result.passed and _numbers(losses) and len(losses) != TUNE["epochs"]:
        losses_result.diagnosis = (f"{len(losses)} losses for {TUNE['epochs']} epochs: call train_epoch once per "
                                   "epoch and return every epoch's loss")
    elif not losses_result.passed and not _numbers(losses) and np.ndim(losses) == 0 and isinstance(
            losses, (int, float)) and abs(float(losses) - readings["weighted"][-1]) < 1e-9:
        losses_result.diagnosis = "only the last epoch's loss was returned: return the list of every epoch's loss"
    results.append(losses_result)
    for result in results:
        if not result.passed and not result.diagnosis:
            result.diagnosis = ("fine_tune trains with your train_epoch: does its check pass? Pass rng along,"
                                " once per epoch, and train on the frozen layers' output")
    return results


def _optimizer_given(given):
    expected = list(range(N_FROZEN_PARAMS, len(TUNE_NAMES)))
    if not isinstance(given, list) or len(given) != 1:
        count = len(given) if isinstance(given, list) else 0
        return gradcheck.verdict("optimizer built once", False, f"make_optimizer was called {count} times",
                                 "call make_optimizer once, before the epochs (its momentum must carry over)")
    ok = given[0] == expected
    frozen_given = [TUNE_NAMES[i] for i in given[0] if isinstance(i, int) and 0 <= i < N_FROZEN_PARAMS]
    got = [TUNE_NAMES[i] if isinstance(i, int) and 0 <= i < len(TUNE_NAMES) else "(a copy)" for i in given[0]]
    detail = "" if ok else f"got the parameters {got}, expected {TUNE_NAMES[N_FROZEN_PARAMS:]}"
    missing = [TUNE_NAMES[i] for i in expected if i not in given[0]]
    diagnosis = ("" if ok else
                 f"the frozen {', '.join(frozen_given)} went to the optimizer: only layers[n_frozen:] are trained"
                 if frozen_given else
                 f"the optimizer misses {', '.join(missing)}: give it every parameter of model.layers[n_frozen:]"
                 if missing and all(i in expected for i in given[0]) else
                 "pass the trainable layers' own parameter arrays (not copies), in layer order")
    return gradcheck.verdict("optimizer gets the trainable params", ok, detail, diagnosis)


# -- the open-ended task: a training recipe, trained here and scored on the test split -------------
#
# The child trains the learner's recipe with bplab's reference layers and loop (the learner's own
# layers were graded above), three seeds, each keeping its epoch of lowest validation loss, within a
# counted cost limit, and returns the trained parameters. The judge rebuilds the forward pass itself and
# scores the test split, which the notebook never evaluates before its end. Two bars, two checks: the
# solution's recipe (the capstone's settings, 20 epochs) averages 97.8 % over these seeds and no variant
# tried reached 98 %; see tests/test_lesson06_recipe.py for the measurements behind the bars.

RECIPE_SEEDS = (0, 1, 2)
RECIPE_LIMITS = {"multiply_adds": 1.0e11, "steps": 30_000}
"""What training the seeds may cost, counted (bplab.recipes.training_cost) so that the limit does not depend on
the machine or its load. The capstone's recipe costs 2.1e10 multiply-adds and 3,060 steps, about 4 s of one core
here; the limits allow about five times that (about 20 s). The sandbox's timeout is the backstop for the rest."""
RECIPE_BARS = {"digits_recipe": 0.95, "digits_recipe_strong": 0.975}
RECIPE_SECTION = 'notebook 06, section "6. Your own recipe"'


def _over_limit(recipe):
    """A sentence saying which limit the recipe exceeds, or ""."""
    from bplab.recipes import training_cost

    multiply_adds, steps = training_cost(recipe, seeds=len(RECIPE_SEEDS))
    if multiply_adds > RECIPE_LIMITS["multiply_adds"]:
        return (f"training {len(RECIPE_SEEDS)} seeds costs {multiply_adds:.2g} multiply-adds, over the limit of"
                f" {RECIPE_LIMITS['multiply_adds']:.2g} (about 20 s)")
    if steps > RECIPE_LIMITS["steps"]:
        return (f"training {len(RECIPE_SEEDS)} seeds takes {steps:,} optimizer steps, over the limit of"
                f" {RECIPE_LIMITS['steps']:,} (about 20 s)")
    return ""


def _produce_recipe(ex):
    from bplab.recipes import check_recipe, train_recipe

    recipe = ex.digits_recipe()
    try:
        recipe = check_recipe(recipe)
    except (TypeError, ValueError) as error:
        return {"problem": str(error)}
    if _over_limit(recipe):  # judged from the recipe alone: no time spent training
        return {"recipe": _plain_recipe(recipe), "runs": []}
    runs = []
    for seed in RECIPE_SEEDS:
        with np.errstate(all="ignore"):
            model, record = train_recipe(recipe, seed=seed)
        runs.append({"params": [p.copy() for p in model.params], "train_loss": record.train_loss})
    return {"recipe": _plain_recipe(recipe), "runs": runs}


def _plain_recipe(recipe):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in recipe.items()}


_ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
                "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
                "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}


def _recipe_test_accuracy(params, activation):
    """Test accuracy of an MLP [W1, b1, ..., WL, bL] with ``activation`` between layers (dropout is off in evaluation)."""
    from bplab.datasets import load_digits

    X, y = load_digits("test")
    out = X
    for i in range(0, len(params), 2):
        out = out @ params[i] + params[i + 1]
        if i + 2 < len(params):
            out = _ACTIVATIONS[activation](out)
    return float(np.mean(np.argmax(np.nan_to_num(out, nan=-np.inf), axis=1) == y))


def _ends(losses, index):
    return [round(float(curve[index]), 3) if _numbers(curve) and len(curve) else None for curve in losses]


def _recipe_results(values, name):
    """The verdicts of one bar: a valid recipe, in time, that trains, reaching RECIPE_BARS[name] on test."""
    bar = RECIPE_BARS[name]
    if "problem" in values:
        return [gradcheck.verdict("recipe", False, str(values["problem"])[:300],
                                  "digits_recipe() must return a dict of the settings listed in its docstring")]
    recipe, runs = values.get("recipe"), values.get("runs")
    if not isinstance(recipe, dict) or not isinstance(runs, list):
        return [gradcheck.verdict("recipe", False, "could not be read back", "return a dict from digits_recipe()")]
    try:
        over = _over_limit({k: tuple(v) if isinstance(v, list) else v for k, v in recipe.items()})
    except (TypeError, ValueError) as error:
        return [gradcheck.verdict("recipe", False, str(error)[:300], "")]
    if over:
        return [gradcheck.verdict("time limit", False, over,
                                  "fewer epochs, narrower layers or larger batches: the capstone's recipe costs about"
                                  " a fifth of the limit")]
    if len(runs) != len(RECIPE_SEEDS):
        return [gradcheck.verdict("trained network", False, "could not be read back", "")]
    activation = recipe.get("activation")
    accuracies = []
    for run in runs:
        params = run.get("params") if isinstance(run, dict) else None
        if (not isinstance(params, list) or len(params) < 2 or activation not in _ACTIVATIONS
                or any(not isinstance(p, np.ndarray) or p.dtype.kind != "f" for p in params)):
            return [gradcheck.verdict("trained network", False, "could not be read back", "")]
        if not all(np.all(np.isfinite(p)) for p in params):
            return [gradcheck.verdict("recipe trains", False, "the weights are NaN or inf after training",
                                      "training diverged: lower the learning rate")]
        try:
            accuracies.append(_recipe_test_accuracy(params, activation))
        except ValueError as error:
            return [gradcheck.verdict("trained network", False, f"could not be evaluated ({error})"[:200], "")]
    losses = [run.get("train_loss") for run in runs]
    falling = all(_numbers(curve) and len(curve) >= 1 and np.all(np.isfinite(curve)) for curve in losses) and all(
        len(curve) == 1 or float(curve[-1]) < float(curve[0]) for curve in losses)
    mean = float(np.mean(accuracies))
    if not falling or mean < 0.5:
        return [gradcheck.verdict("recipe trains", False,
                                  f"mean test accuracy {mean:.1%}; training loss of each seed from"
                                  f" {_ends(losses, 0)} to {_ends(losses, -1)}",
                                  "the recipe does not train: with a learning rate too small nothing moves, too large"
                                  " and the loss blows up; try the capstone's settings in the notebook and watch the"
                                  " validation curve")]
    per_seed = ", ".join(f"{a:.1%}" for a in accuracies)
    passed = mean >= bar
    return [gradcheck.verdict("recipe trains", True),
            gradcheck.verdict(f"mean test accuracy over {len(accuracies)} seeds", passed,
                              f"{mean:.2%} (seeds: {per_seed}); this check needs {bar:.1%}",
                              "" if passed else "tune on the validation split in the notebook: width, dropout,"
                              " learning rate and epochs (the epoch of lowest validation loss is kept)")]



CHECKS = [
    Check(lesson="06", name="train_epoch", points=3, module=MODULE, produce=_produce_train_epoch,
          judge=_judge_train_epoch, functions=("train_epoch",), hint=SECTIONS["loop"]),
    Check(lesson="06", name="train_epoch_digits_accuracy", points=2, module=MODULE, produce=_produce_accuracy,
          judge=_judge_accuracy, functions=("train_epoch",), hint=SECTIONS["loop"], timeout=10.0),
    Check(lesson="06", name="fine_tune", points=3, module=MODULE, produce=_produce_fine_tune,
          judge=_judge_fine_tune, functions=("fine_tune",), hint=SECTIONS["transfer"]),
    Check(lesson="06", name="digits_recipe", points=2, module=MODULE, produce=_produce_recipe,
          judge=lambda values: _recipe_results(values, "digits_recipe"), functions=("digits_recipe",),
          hint=RECIPE_SECTION, timeout=120.0),
    Check(lesson="06", name="digits_recipe_strong", points=1, module=MODULE, produce=_produce_recipe,
          judge=lambda values: _recipe_results(values, "digits_recipe_strong"), functions=("digits_recipe",),
          hint=RECIPE_SECTION, timeout=120.0),
]
