"""Train a recurrent classifier (vanilla RNN or LSTM, then a linear readout of the last state) and watch its
gradients through time.

The model reads ``x`` of shape (N, T, D), keeps the last hidden state ``h_T`` and classifies it with
``logits = h_T @ Wy + by`` and softmax cross-entropy (``bplab.nn``). Training is Adam on mini-batches with optional
clipping by global norm (:func:`bplab.optim.clip_grad_norm`) and, for the RNN, truncated BPTT.

While training, :func:`train` records what lesson 08 plots: the loss and the gradient's global norm at every
update, and at chosen updates ``‖∂L/∂h_t‖`` for every ``t`` and the spectral norm (largest singular value) of the
recurrent matrix ``Wh``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bplab import nn
from bplab.nn.lstm import state_gradients
from bplab.nn.rnn import NONLINEARITIES, hidden_state_gradients
from bplab.optim import SGD, Adam, clip_grad_norm
from bplab.optim.clip import global_norm
from bplab.validation import as_generator, check_positive_int

CELLS = ("rnn", "lstm")
PARAMETERS = ("Wx", "Wh", "b", "Wy", "by")


@dataclass
class RecurrentClassifier:
    """A recurrent layer and a linear readout of its last hidden state.

    Attributes
    ----------
    cell : {"rnn", "lstm"}
    params : dict of str to ndarray
        ``Wx`` (D, G), ``Wh`` (H, G), ``b`` (G,), ``Wy`` (H, C), ``by`` (C,) with ``G = H`` for the RNN and
        ``4H`` for the LSTM (gate blocks i, f, g, o).
    nonlinearity : {"tanh", "relu", "linear"}
        The RNN's (unused by the LSTM).
    """

    cell: str
    params: dict
    nonlinearity: str = "tanh"

    @property
    def hidden(self):
        return self.params["Wh"].shape[0]

    def copy(self):
        return RecurrentClassifier(self.cell, {k: v.copy() for k, v in self.params.items()}, self.nonlinearity)


def init_classifier(cell, inputs, hidden, classes, *, rng=None, seed=None, forget_bias=0.0, nonlinearity="tanh",
                    recurrent=None):
    """A classifier initialized as torch initializes ``nn.RNN``/``nn.LSTM`` and ``nn.Linear``.

    Every weight and bias is drawn from ``U(-1/sqrt(H), 1/sqrt(H))`` (the readout from
    ``U(-1/sqrt(H), 1/sqrt(H))`` too, its fan-in being ``H``).

    Parameters
    ----------
    cell : {"rnn", "lstm"}
    inputs, hidden, classes : int
        ``D``, ``H``, ``C``.
    rng, seed
        The generator (or its seed) every draw comes from.
    forget_bias : float
        Added to the LSTM's forget-gate biases (``b[H:2H]``); 1 is the usual trick (Gers et al. 2000;
        Jozefowicz et al. 2015), 0 is torch's default.
    nonlinearity : {"tanh", "relu", "linear"}
        The RNN's.
    recurrent : ndarray, shape (H, H), optional
        The RNN's initial ``Wh`` instead of the uniform draw (for example the identity of an IRNN).

    Returns
    -------
    RecurrentClassifier
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {nonlinearity!r}")
    inputs, hidden = check_positive_int(inputs, "inputs"), check_positive_int(hidden, "hidden")
    classes = check_positive_int(classes, "classes", minimum=2)
    rng = as_generator(rng, seed)
    gates = hidden if cell == "rnn" else 4 * hidden
    bound = 1.0 / np.sqrt(hidden)
    params = {"Wx": rng.uniform(-bound, bound, size=(inputs, gates)),
              "Wh": rng.uniform(-bound, bound, size=(hidden, gates)),
              "b": rng.uniform(-bound, bound, size=gates),
              "Wy": rng.uniform(-bound, bound, size=(hidden, classes)),
              "by": rng.uniform(-bound, bound, size=classes)}
    if cell == "lstm":
        params["b"][hidden:2 * hidden] += forget_bias
    if recurrent is not None:
        if cell != "rnn":
            raise ValueError("recurrent= sets the vanilla RNN's Wh; the LSTM's Wh has 4 gate blocks")
        recurrent = np.array(recurrent, dtype=np.float64)
        if recurrent.shape != (hidden, hidden):
            raise ValueError(f"recurrent must have shape ({hidden}, {hidden}), got {recurrent.shape}")
        params["Wh"] = recurrent
    return RecurrentClassifier(cell, params, nonlinearity)


def _run(model, x, ops):
    p, N = model.params, x.shape[0]
    h0 = np.zeros((N, model.hidden))
    if model.cell == "lstm":
        return ops.lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    return ops.rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], **_rnn_kwargs(model, ops))


def _rnn_kwargs(model, ops):
    # The learner's lesson-03 rnn_forward has no nonlinearity argument (it is tanh); only pass one when needed.
    return {} if model.nonlinearity == "tanh" and ops is not nn else {"nonlinearity": model.nonlinearity}


def predict(model, x):
    """Class scores, shape (N, C), for sequences ``x`` (N, T, D)."""
    h, _ = _run(model, x, nn)
    return h[:, -1] @ model.params["Wy"] + model.params["by"]


def accuracy(model, x, y):
    """Fraction of the sequences whose arg-max class is ``y``."""
    return float(np.mean(np.argmax(predict(model, x), axis=1) == y))


def loss_and_gradients(model, x, y, *, truncate=None, ops=None, state_norms=False):
    """The loss, the gradient of every parameter and (optionally) ``‖∂L/∂h_t‖`` for every ``t``.

    Parameters
    ----------
    model : RecurrentClassifier
    x : ndarray, shape (N, T, D)
    y : ndarray of int, shape (N,)
    truncate : int, optional
        Truncated BPTT for the RNN (see :func:`bplab.nn.rnn.hidden_state_gradients`).
    ops : namespace, optional
        Where ``rnn_forward``/``rnn_backward`` or ``lstm_forward``/``lstm_backward`` come from (the learner's,
        once their checks pass); ``bplab.nn`` by default. Truncation always uses ``bplab.nn``.
    state_norms : bool
        Also return ``‖∂L/∂h_t‖`` (Frobenius norm over the batch and units), shape (T,).

    Returns
    -------
    loss : float
    grads : dict of str to ndarray
        Same keys and shapes as ``model.params``.
    norms : ndarray of shape (T,), or None
    """
    ops = nn if ops is None or truncate is not None else ops
    p = model.params
    h, cache = _run(model, x, ops)
    logits, readout_cache = nn.linear_forward(h[:, -1], p["Wy"], p["by"])
    loss, dlogits = nn.softmax_cross_entropy(logits, y)
    dlast, dWy, dby = nn.linear_backward(dlogits, readout_cache)
    dh = np.zeros_like(h)
    dh[:, -1] = dlast  # the loss reads the last hidden state only
    norms = None
    if ops is nn and model.cell == "lstm":
        dh_total, _, (_, _, _, dWx, dWh, db) = state_gradients(dh, cache)
    elif ops is nn:
        dh_total, (_, _, dWx, dWh, db) = hidden_state_gradients(dh, cache, truncate)
    else:
        backward = ops.lstm_backward if model.cell == "lstm" else ops.rnn_backward
        _, _, dWx, dWh, db = backward(dh, cache)[:5]
        dh_total = None
    if state_norms:
        if dh_total is None:  # the learner's backward returns parameter gradients only: measure with the reference
            ref_h, ref_cache = _run(model, x, nn)
            dh_total = (state_gradients(dh, ref_cache)[0] if model.cell == "lstm"
                        else hidden_state_gradients(dh, ref_cache)[0])
        norms = np.sqrt(np.sum(dh_total * dh_total, axis=(0, 2)))
    grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}
    return float(loss), grads, norms


def spectral_norm(model):
    """Largest singular value of the recurrent matrix (the RNN's ``Wh``; the LSTM's, all four blocks)."""
    return float(np.linalg.norm(model.params["Wh"], ord=2))


@dataclass
class TrainingLog:
    """What :func:`train` records.

    Attributes
    ----------
    loss, grad_norm : list of float
        Per update: the mini-batch loss, and the global norm of the gradient before clipping.
    clipped : list of bool
        Per update: whether clipping scaled the gradient.
    checkpoints : list of int
        Updates at which ``state_norms`` and ``spectral`` were recorded (0 = before training).
    state_norms : list of ndarray of shape (T,)
        ``‖∂L/∂h_t‖`` on the recording batch.
    spectral : list of float
        Spectral norm of ``Wh``.
    diverged : bool
        True when the loss or the gradient stopped being finite (training stopped there).
    """

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    clipped: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)
    state_norms: list = field(default_factory=list)
    spectral: list = field(default_factory=list)
    diverged: bool = False


def train(model, x, y, *, updates, batch_size=32, lr=1e-2, momentum=None, clip=None, truncate=None, rng=None,
          seed=None, record_at=(), ops=None):
    """Train ``model`` in place with Adam (or SGD) on mini-batches drawn from ``(x, y)``.

    Parameters
    ----------
    model : RecurrentClassifier
    x : ndarray, shape (N, T, D)
    y : ndarray of int, shape (N,)
    updates : int
        Number of parameter updates.
    batch_size : int
    lr : float
        The learning rate.
    momentum : float, optional
        None trains with Adam (default betas); a number trains with SGD with this momentum (0 for plain SGD).
    clip : float, optional
        Clip the gradient by global norm to this value (None: no clipping).
    truncate : int, optional
        Truncated BPTT length for the RNN.
    rng, seed
        The generator (or seed) the mini-batches are drawn from.
    record_at : iterable of int
        Updates before which ``‖∂L/∂h_t‖`` (on the first ``batch_size`` sequences) and the spectral norm are
        recorded; ``updates`` itself records the trained model.
    ops : namespace, optional
        See :func:`loss_and_gradients`.

    Returns
    -------
    TrainingLog
    """
    updates = check_positive_int(updates, "updates", minimum=0)
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = as_generator(rng, seed)
    record_at = set(record_at)
    names = list(PARAMETERS)
    params = [model.params[k] for k in names]
    optimizer = Adam(params, lr=lr) if momentum is None else SGD(params, lr=lr, momentum=momentum)
    log = TrainingLog()
    probe = slice(0, min(batch_size, x.shape[0]))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for step in range(updates + 1):
            if step in record_at:
                _, _, norms = loss_and_gradients(model, x[probe], y[probe], state_norms=True)
                log.checkpoints.append(step)
                log.state_norms.append(norms)
                log.spectral.append(spectral_norm(model))
            if step == updates:
                break
            batch = rng.choice(x.shape[0], size=min(batch_size, x.shape[0]), replace=False)
            loss, grads, _ = loss_and_gradients(model, x[batch], y[batch], truncate=truncate, ops=ops)
            grad_list = [grads[k] for k in names]
            total = global_norm(grad_list)
            log.loss.append(loss)
            log.grad_norm.append(total)
            if not (np.isfinite(loss) and np.isfinite(total)):
                log.diverged = True
                break
            log.clipped.append(bool(clip is not None and total > clip))
            if clip is not None:
                clip_grad_norm(grad_list, clip)
            optimizer.step(grad_list)
    return log
