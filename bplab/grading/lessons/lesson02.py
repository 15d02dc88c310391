"""Lesson 02: backpropagation through an MLP (layers, activations, losses, a network, a planted bug).

Every reference is recomputed here from formulas written independently of
:mod:`bplab.nn`: closed forms for values, central differences
(:mod:`bplab.gradcheck`) of those formulas for gradients.

Thresholds: 1e-7 for gradients (central differences of smooth functions, or
of piecewise-linear ones evaluated away from their kinks, give about 1e-10
when the answer is right); 1e-9 for values given by a closed form (only
rounding separates right answers). The stability parts feed logits of
magnitude 1e3 with overflow, invalid and divide-by-zero errors raised
(underflow to 0 is allowed: it is harmless here).
"""

from __future__ import annotations

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import call

MODULE = "ex02_mlp"
SECTIONS = {
    "linear": 'notebook 02, section "2. Linear layers"',
    "act": 'notebook 02, section "3. Activations"',
    "loss": 'notebook 02, section "4. Losses"',
    "net": 'notebook 02, section "5. A whole network"',
    "bug": 'notebook 02, section "7. Find the planted bug"',
}
GRAD = 1e-7
VALUE = 1e-9


# -- independent formulas (the references) --------------------------------------------------------

def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # an identity, not bplab's formula; stable for any x


def _logsumexp(z):
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def _cross_entropy(logits, y):
    return float(np.mean(_logsumexp(logits) - logits[np.arange(len(y)), y]))


def _bce(x, t):
    # -t log s - (1 - t) log(1 - s) with log s = -log(1 + e^-x) = -logaddexp(0, -x)
    return float(np.mean(t * np.logaddexp(0.0, -x) + (1 - t) * np.logaddexp(0.0, x)))


def _two_layer_scores(X, params):
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    return h @ params["W2"] + params["b2"]


def _away_from_zero(x, margin=0.05):
    """Move entries out of ``(-margin, margin)``: central differences must not straddle a kink."""
    x = x.copy()
    close = np.abs(x) < margin
    x[close] = np.where(x[close] >= 0, margin, -margin) + x[close]
    return x


def _array(value):
    """``value`` as a float array when it looks like one, else ``value`` (so compare reports the type)."""
    if isinstance(value, (list, tuple, dict, str)) or value is None:
        return value
    return np.asarray(value)


def _stable_values(fn, *args):
    """Call ``fn`` with floating-point errors (not underflow) raised; ``(result, error text)``."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return fn(*args), ""
    except FloatingPointError as error:
        return None, f"numpy {error}"


def _compare_loss(actual, expected, hint, mistakes=None, factors=None):
    """Compare a loss value; a scalar is always "off by some constant factor", so say something useful instead.

    ``factors`` (the counts the mean is over, ``{"N": entries, "rows": rows}``) name a factor that is one of them.
    """
    result = gradcheck.compare("loss", _array(actual), expected, threshold=VALUE, mistakes=mistakes, factors=factors)
    if not result.passed and result.diagnosis.startswith("off by a constant factor"):
        result.diagnosis = hint
    return result


def _stability_results(values, expected_loss, expected_grad):
    error = values.get("big_error") or ""
    if error:
        # numpy names what happened: an overflow is exp of a large number; an invalid value or a division by zero
        # is 0/0 or log(0), what is left when every exp of a row underflowed to 0 (a shift that is not the row's own
        # maximum) or when a probability is rounded to 0 before its log.
        why = ("overflow: exp of a large number; rewrite so that exp only sees numbers <= 0" if "overflow" in error
               else "0/0 or log(0): every exp of a row underflowed to 0, or a probability rounded to 0 was logged; "
                    "shift each row by its OWN maximum (max(axis=1, keepdims=True)) so that its largest exp is 1, "
                    "and take logs of shifted logits, not of probabilities")
        return [gradcheck.verdict("stable at |logits| ~ 1e3", False, f"{error} for logits of magnitude 1000", why)]
    loss, grad = wrong_answers.unpack(values.get("big"), 2, "loss")
    return [gradcheck.compare("loss at |logits| ~ 1e3", _array(loss), expected_loss, threshold=VALUE),
            gradcheck.compare("dlogits at |logits| ~ 1e3", grad, expected_grad, threshold=GRAD)]


# -- linear ---------------------------------------------------------------------------------------

def _linear_inputs():
    rng = np.random.default_rng(200)
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    return x, W, b, rng.normal(size=(5, 3))


def _produce_linear_forward(ex):
    x, W, b, _ = _linear_inputs()
    result, seen = call(ex.linear_forward, x, W, b, names=("x", "W", "b"))
    out, _cache = wrong_answers.unpack(result, 2, "linear_forward")
    returned = result if not isinstance(result, (tuple, list)) else tuple(range(len(result)))  # its form, not the cache
    return {"out": out, "witness": [seen], "returned": returned}


def _judge_linear_forward(values):
    x, W, b, _ = _linear_inputs()
    expected = np.einsum("nd,dm->nm", x, W) + b
    count = wrong_answers.returned_count(values.get("returned"), ("out", "cache"), "linear_forward")
    return [count] * (count is not None) + [in_place.not_modified(values.get("witness"), inputs=[(x, W, b)]),
            gradcheck.compare("out", values.get("out"), expected, threshold=VALUE,
                              mistakes={"the bias b is missing: out = x @ W + b": x @ W})]


def _produce_linear_backward(ex):
    x, W, b, dout = _linear_inputs()
    _, cache = ex.linear_forward(x.copy(), W.copy(), b.copy())
    grads, seen = call(ex.linear_backward, dout, cache, names=("dout", "cache"), repeat=True)
    return {"grads": grads, "witness": [seen]}


def _judge_linear_backward(values):
    x, W, b, dout = _linear_inputs()
    n = len(x)
    dx = gradcheck.numerical_gradient_array(lambda v: v @ W + b, x.copy(), dout)
    dW = gradcheck.numerical_gradient_array(lambda v: x @ v + b, W.copy(), dout)
    db = gradcheck.numerical_gradient_array(lambda v: x @ W + v, b.copy(), dout)
    got_dx, got_dW, got_db = wrong_answers.unpack(values.get("grads"), 3, "linear_backward")
    per_layer = "the layer's gradient is a sum over the batch; the 1/N belongs to the loss, not here"
    order = "the gradients are returned in the wrong order: return dx, dW, db"
    named = {"dout": dout, "W": W, "x": x}
    count = wrong_answers.returned_count(values.get("grads"), ("dx", "dW", "db"), "linear_backward")
    unchanged = in_place.not_modified(values.get("witness"), inputs=[(dout, in_place.Cache(repeat=True))])
    moved = wrong_answers.returned_order([got_dx, got_dW, got_db], [dx, dW, db], ("dx", "dW", "db"), "linear_backward")
    return [count] * (count is not None) + [moved] * (moved is not None) + [unchanged,
            gradcheck.compare("dx", got_dx, dx, mistakes=lambda: wrong_answers.merge_mistakes(
                {order: gradcheck.AnyOf(dW, db), f"dx divided by N: {per_layer}": dx / n},
                wrong_answers.formula_mistakes("dx", "dout @ W.T", gradcheck.products(named)))),
            gradcheck.compare("dW", got_dW, dW, mistakes=lambda: wrong_answers.merge_mistakes(
                {f"dW divided by N: {per_layer}": dW / n, order: gradcheck.AnyOf(dx, db)},
                wrong_answers.formula_mistakes("dW", "x.T @ dout", gradcheck.products(named)))),
            gradcheck.compare("db", got_db, db, mistakes={
                f"db averaged over the batch: {per_layer}": db / n,
                "db summed over the wrong axis: b is shared by the rows, so db = dout.sum(axis=0)":
                    gradcheck.AnyOf(dout.sum(axis=1), dout.sum()),
                "db is not summed over the batch: b is shared by every row, so db = dout.sum(axis=0)": dout,
                "db has shape (1, M): drop keepdims=True, b has shape (M,)": dout.sum(axis=0, keepdims=True)})]


# -- activations ----------------------------------------------------------------------------------

LEAKY_SLOPE = 0.1  # not torch's default 0.01, so that a hard-coded slope shows


def _activation_inputs():
    rng = np.random.default_rng(201)
    return _away_from_zero(rng.normal(size=(4, 5)) * 2), rng.normal(size=(4, 5))


_ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x > 0, x, LEAKY_SLOPE * x),
}


_RIGHT = {"relu": "dout * (x > 0)", "sigmoid": "dout * s * (1 - s)", "tanh": "dout * (1 - t**2)",
          "leaky_relu": "np.where(x > 0, dout, slope * dout)"}


def _activation_formulas(name, x):
    """What a learner may multiply dout by (or return alone), named in the notebook's notation."""
    if name in ("relu", "leaky_relu"):
        blocks = {"x": x, "max(x, 0)": np.maximum(x, 0.0), "(x > 0)": (x > 0) * 1.0, "(x < 0)": (x < 0) * 1.0,
                  "(x <= 0)": (x <= 0) * 1.0, "1": np.ones_like(x)}
        if name == "leaky_relu":
            blocks.update({"slope": np.full_like(x, LEAKY_SLOPE),
                           "np.where(x > 0, slope, 1)": np.where(x > 0, LEAKY_SLOPE, 1.0),
                           "np.where(x < 0, 1, slope)": np.where(x < 0, 1.0, LEAKY_SLOPE),
                           "np.where(x > 0, x, slope * x)": np.where(x > 0, x, LEAKY_SLOPE * x)})
        return blocks
    y = _sigmoid(x) if name == "sigmoid" else np.tanh(x)
    v = "s" if name == "sigmoid" else "t"
    return {v: y, f"(1 - {v})": 1 - y, f"{v} * (1 - {v})": y * (1 - y), f"(1 - {v}**2)": 1 - y ** 2,
            f"{v}**2": y ** 2, f"(1 + {v})": 1 + y, f"(1 - {v}**2)**2": (1 - y ** 2) ** 2,
            f"({v} * (1 - {v}))**2": (y * (1 - y)) ** 2, f"(1 - {v})**2": (1 - y) ** 2}


def _formula_candidates(name, x, dout):
    blocks = _activation_formulas(name, x)
    return wrong_answers.formula_mistakes("dx", _RIGHT[name], {**{f"dout * {k}": dout * v for k, v in blocks.items()},
                                                           **{k: v for k, v in blocks.items()}})


def _activation_mistakes(name, x, dout):
    return wrong_answers.merge_mistakes(_named_activation_mistakes(name, x, dout), _formula_candidates(name, x, dout))


def _named_activation_mistakes(name, x, dout):
    if name == "relu":
        return {"the mask uses dout > 0; it must use the forward's input x > 0": dout * (dout > 0),
                "returned the local derivative only: multiply by dout (the chain rule)": (x > 0) * 1.0,
                "at x == 0 ReLU's derivative is taken as 0 (as PyTorch): mask with x > 0, not x >= 0":
                    dout * (x >= 0)}
    if name == "sigmoid":
        s = _sigmoid(x)
        s2 = _sigmoid(s)
        return {"applied the sigmoid again: the cache already holds s = sigmoid(x)": dout * s2 * (1 - s2),
                "returned the local derivative only: multiply by dout (the chain rule)": s * (1 - s),
                "the derivative of the sigmoid is s * (1 - s) (a sign or a factor of it is wrong)":
                    gradcheck.AnyOf(dout * s * (1 + s), dout * (1 - s), dout * s, dout * (1 - s) ** 2)}
    if name == "tanh":
        t = np.tanh(x)
        return {"used 1 - t; the derivative of tanh is 1 - t**2": dout * (1 - t),
                "applied tanh again: the cache already holds t = tanh(x)": dout * (1 - np.tanh(t) ** 2),
                "returned the local derivative only: multiply by dout (the chain rule)": 1 - t ** 2,
                "the derivative of tanh is 1 - t**2 (a sign is wrong)": gradcheck.AnyOf(dout * (1 + t ** 2),
                                                                                    dout * (t ** 2 - 1))}
    return {"the slope is missing on the negative side (that is ReLU's backward)": dout * (x > 0),
            "the negative side returns the slope alone: it is slope * dout (the chain rule multiplies by dout)":
                np.where(x > 0, dout, LEAKY_SLOPE),
            "the positive side returns 1 instead of dout (the chain rule multiplies by dout)":
                np.where(x > 0, 1.0, LEAKY_SLOPE * dout),
            "the slope is hard-coded to 0.01: take it from the cache": np.where(x > 0, dout, 0.01 * dout),
            "returned the local derivative only: multiply by dout (the chain rule)": np.where(x > 0, 1.0, LEAKY_SLOPE),
            "the slope is on the wrong side: dout passes unchanged where x > 0, times the slope elsewhere":
                np.where(x > 0, LEAKY_SLOPE * dout, dout),
            "at x == 0 leaky ReLU's derivative is the slope (as PyTorch): use x > 0, not x >= 0":
                np.where(x >= 0, dout, LEAKY_SLOPE * dout)}


def _kink_inputs():
    """Inputs with exact zeros, where the documented convention decides (PyTorch's: x > 0 is the active side)."""
    rng = np.random.default_rng(206)
    x = rng.choice([-1.5, 0.0, 0.0, 2.0], size=(3, 4))
    x[0, :2] = 0.0
    return x, rng.normal(size=(3, 4))


def _produce_activation(name):
    def produce(ex):
        forward = getattr(ex, f"{name}_forward")
        values = {"witness": []}
        for key, (x, dout) in (("dx", _activation_inputs()), ("dx_kink", _kink_inputs())):
            if key == "dx_kink" and name not in ("relu", "leaky_relu"):
                continue
            _, cache = forward(x.copy(), LEAKY_SLOPE) if name == "leaky_relu" else forward(x.copy())
            values[key], seen = call(getattr(ex, f"{name}_backward"), dout, cache, names=("dout", "cache"),
                                     repeat=True)
            values["witness"].append(seen)
        return values
    return produce


def _judge_activation(name):
    def judge(values):
        x, dout = _activation_inputs()
        expected = gradcheck.numerical_gradient_array(_ACTIVATIONS[name], x.copy(), dout)
        douts = [dout, _kink_inputs()[1]] if name in ("relu", "leaky_relu") else [dout]
        calls = [(d, in_place.Cache(repeat=True)) for d in douts]
        results = [in_place.not_modified(values.get("witness"), inputs=calls),
                   gradcheck.compare("dx", values.get("dx"), expected,
                                     mistakes=lambda: _activation_mistakes(name, x, dout))]
        if name in ("relu", "leaky_relu"):
            # At x == 0 there is no derivative: the convention (PyTorch's) is checked on its own, by its closed form.
            x, dout = _kink_inputs()
            at_zero = np.where(x > 0, dout, 0.0 if name == "relu" else LEAKY_SLOPE * dout)
            results.append(gradcheck.compare("dx where some x == 0", values.get("dx_kink"), at_zero,
                                             mistakes=lambda: _activation_mistakes(name, x, dout)))
        return results
    return judge


# -- losses ---------------------------------------------------------------------------------------

def _ce_inputs():
    rng = np.random.default_rng(202)
    logits, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    big = rng.normal(size=(6, 4)) * 1000.0
    return logits, y, big


def _produce_ce(ex):
    logits, y, big = _ce_inputs()
    result, seen = call(ex.softmax_cross_entropy, logits, y, names=("logits", "y"))
    big_result, big_error = _stable_values(ex.softmax_cross_entropy, big.copy(), y.copy())
    return {"result": result, "witness": [seen], "big": big_result, "big_error": big_error}


def _judge_ce(values):
    logits, y, big = _ce_inputs()
    n = len(y)
    grad = gradcheck.numerical_gradient(lambda v: _cross_entropy(v, y), logits.copy())
    softmax = np.exp(logits - _logsumexp(logits)[:, None])
    big_softmax = np.exp(big - _logsumexp(big)[:, None])
    big_grad = (big_softmax - np.eye(big.shape[1])[y]) / n  # closed form: central differences lose 1e3 scales
    loss, dlogits = wrong_answers.unpack(values.get("result"), 2, "softmax_cross_entropy")
    rows, onehot = np.arange(n), np.eye(logits.shape[1])[y]
    columns = softmax.copy()
    columns[:, y] -= 1.0  # numpy applies a repeated column once
    column_softmax = np.exp(logits - logits.max(axis=0)) / np.exp(logits - logits.max(axis=0)).sum(axis=0)
    column_grad = column_softmax.copy()
    column_grad[rows, y] -= 1.0
    picked = "pick one entry per row with [np.arange(N), y]; [:, y] takes whole columns"
    return ([in_place.not_modified(values.get("witness"), inputs=[(logits, y)]),
             _compare_loss(loss, _cross_entropy(logits, y),
                           "the loss is mean over rows of (log sum_j exp(logits[i, j]) - logits[i, y[i]])",
                           mistakes={"the loss is summed over the batch: average it (mean over N)":
                                     np.asarray(n * _cross_entropy(logits, y)),
                                     f"the loss averages log-probabilities of the wrong entries: {picked}":
                                     np.asarray(-np.mean(np.log(softmax[:, y]))),
                                     "the softmax is taken over the wrong axis: normalise each row (axis=1)":
                                     np.asarray(-np.mean(np.log(column_softmax[rows, y]))),
                                     f"log p[y] picks whole ROWS (row y[i] of the batch): {picked}":
                                     np.asarray(-np.mean(np.log(softmax[y]))),
                                     "the minus sign is missing: the loss is -log p of the true class (a positive "
                                     "number)": np.asarray(-_cross_entropy(logits, y)),
                                     "the loss averages -log p over every class; it takes only the true class's "
                                     "entry of each row": np.asarray(-np.mean(np.log(softmax))),
                                     "log of the logits, not of the probabilities: softmax first, then -log p[y]":
                                     np.asarray(-np.mean(logits[rows, y]))}),
             gradcheck.compare("dlogits", dlogits, grad, batch_size=n,
                               mistakes={"the softmax gradient is missing its / N (the loss is a mean over N)":
                                         grad * n,
                                         "the one-hot of y is not subtracted: dlogits = (softmax - onehot) / N":
                                         softmax / n,
                                         "the one-hot of y is added: dlogits = (softmax - onehot) / N":
                                         (softmax + onehot) / n,
                                         f"the -1 went to the wrong entries: {picked}": gradcheck.AnyOf(
                                             columns / n, _rows_minus_one(softmax, y) / n),
                                         "the true class's entry was set, not decreased by 1: "
                                         "dlogits[np.arange(N), y] -= 1": gradcheck.AnyOf(
                                             _set_at_label(softmax, y, -1.0) / n,
                                             _set_at_label(softmax, y, None) / n),
                                         "the -1 went to every entry: subtract 1 only at the true class y[i] of "
                                         "each row (softmax - onehot)": (softmax - 1) / n,
                                         "the softmax is taken over the wrong axis: normalise each row (axis=1)":
                                         column_grad / n,
                                         "the softmax is not normalised: divide exp(logits - max) by its row sum":
                                         _unnormalised_grad(logits, y) / n})]
            + _stability_results(values, _cross_entropy(big, y), big_grad))


def _rows_minus_one(softmax, y):
    wrong = softmax.copy()
    wrong[y] -= 1.0  # indexes rows by the labels
    return wrong


def _set_at_label(softmax, y, value):
    wrong = softmax.copy()
    rows = np.arange(len(y))
    wrong[rows, y] = value if value is not None else 1.0 - softmax[rows, y]
    return wrong


def _unnormalised_grad(logits, y):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    e[np.arange(len(y)), y] -= 1.0
    return e


def _regression_inputs(ties=False):
    rng = np.random.default_rng(203)
    pred = rng.normal(size=(4, 3))
    target = pred + _away_from_zero(rng.normal(size=(4, 3)))
    if ties:
        target[0, 1], target[2, 2] = pred[0, 1], pred[2, 2]  # exact ties: the subgradient 0 (torch's sign)
    return pred, target


def _produce_regression(name, ties):
    def produce(ex):
        pred, target = _regression_inputs(ties)
        result, seen = call(getattr(ex, name), pred, target, names=("pred", "target"))
        return {"result": result, "witness": [seen]}
    return produce


def _judge_mse(values):
    pred, target = _regression_inputs()
    diff, n = pred - target, len(pred)
    f = lambda v: float(np.mean((v - target) ** 2))
    grad = gradcheck.numerical_gradient(f, pred.copy())
    loss, dpred = wrong_answers.unpack(values.get("result"), 2, "mse_loss")
    return [in_place.not_modified(values.get("witness"), inputs=[(pred, target)]),
            _compare_loss(loss, f(pred), "the loss is the mean of (pred - target)**2 over all elements",
                          mistakes={"averaged over rows only: the mean is over all N * D elements":
                                    np.asarray(np.sum(diff ** 2) / n),
                                    "the loss has a 1/2: the MSE is mean((pred - target)**2), without 1/2":
                                    np.asarray(0.5 * f(pred)),
                                    "the loss is summed: the MSE is the mean over all N * D elements":
                                    np.asarray(np.sum(diff ** 2)),
                                    "the square root was taken (that is the RMSE): the MSE is mean((pred - target)**2)":
                                    np.asarray(np.sqrt(f(pred))),
                                    "averaged before squaring: square each difference first, mean((pred - target)**2)":
                                    np.asarray(np.mean(diff) ** 2)}, factors={"N": diff.size, "rows": n}),
            gradcheck.compare("dpred", dpred, grad, mistakes={
                "divided by the number of rows N: the mean is over all N * D elements": 2 * diff / n,
                "not divided by the number of elements: the mean is over all N * D elements": 2 * diff,
                "the factor 2 of the square's derivative is missing": diff / diff.size,
                "sign flipped: the derivative of (pred - target)**2 in pred is +2 (pred - target)": -grad})]


def _judge_mae(values):
    pred, target = _regression_inputs(ties=True)
    diff, n = pred - target, len(pred)
    f = lambda v: float(np.mean(np.abs(v - target)))
    grad = gradcheck.numerical_gradient(f, pred.copy())  # 0 at the ties: (|h| - |-h|) / 2h = 0
    loss, dpred = wrong_answers.unpack(values.get("result"), 2, "mae_loss")
    return [in_place.not_modified(values.get("witness"), inputs=[(pred, target)]),
            _compare_loss(loss, f(pred), "the loss is the mean of |pred - target| over all elements",
                          factors={"N": diff.size, "rows": n}),
            _mae_gradient(dpred, grad, diff, n)]


def _mae_gradient(dpred, grad, diff, n):
    ties = "at pred == target use the subgradient 0, as torch's l1_loss (np.sign(0) is 0)"
    result = gradcheck.compare("dpred", dpred, grad, mistakes={
        ties: gradcheck.AnyOf(np.where(diff >= 0, 1.0, -1.0) / diff.size, np.where(diff > 0, 1.0, -1.0) / diff.size),
        "divided by the number of rows N: the mean is over all N * D elements": np.sign(diff) / n,
        "not divided by the number of elements: the mean is over all N * D elements": np.sign(diff),
        "|pred - target| is the loss's term, not its derivative: the derivative of |d| is sign(d)":
            gradcheck.AnyOf(np.abs(diff) / diff.size, np.abs(diff)),
        "the derivative of |d| is sign(d), not d: dpred = np.sign(pred - target) / size":
            gradcheck.AnyOf(diff / diff.size, diff),
        "sign flipped: the derivative of |pred - target| in pred is +sign(pred - target)": -np.sign(diff) / diff.size})
    got = np.asarray(dpred) if isinstance(dpred, np.ndarray) and np.shape(dpred) == diff.shape else None
    if got is not None and got.dtype.kind == "f" and not np.all(np.isfinite(got)) \
            and np.all(np.isfinite(got[diff != 0])):
        result.diagnosis = f"NaN where pred == target (0 / 0): {ties}"
    return result


def _bce_inputs():
    rng = np.random.default_rng(204)
    logits, target = rng.normal(size=(4, 3)) * 2, rng.uniform(size=(4, 3))
    big = rng.choice([-1000.0, 1000.0], size=(4, 3)) * rng.uniform(0.5, 1.5, size=(4, 3))
    big_target = rng.integers(0, 2, size=(4, 3)).astype(np.float64)
    return logits, target, big, big_target


def _produce_bce(ex):
    logits, target, big, big_target = _bce_inputs()
    result, seen = call(ex.bce_with_logits, logits, target, names=("logits", "target"))
    big_result, big_error = _stable_values(ex.bce_with_logits, big, big_target)
    return {"result": result, "witness": [seen], "big": big_result, "big_error": big_error}


def _bce_loss_mistakes(x, t):
    """The stable formula max(x, 0) - x t + log(1 + exp(-|x|)) with one term written as learners get it wrong."""
    softplus = np.log1p(np.exp(-np.abs(x)))
    return {"log1p(exp(-x)) where the stable form has log1p(exp(-|x|)): the absolute value keeps it right (and "
            "finite) for negative x": float(np.mean(np.maximum(x, 0) - x * t + np.log1p(np.exp(np.minimum(-x, 700))))),
            "the max(x, 0) term is missing: loss = max(x, 0) - x * t + log1p(exp(-|x|))":
                float(np.mean(-x * t + softplus)),
            "the x * t term has the wrong sign: loss = max(x, 0) - x * t + log1p(exp(-|x|))":
                float(np.mean(np.maximum(x, 0) + x * t + softplus)),
            "log(exp(-|x|)) without the 1 +: the term is log1p(exp(-|x|)) = log(1 + exp(-|x|))":
                float(np.mean(np.maximum(x, 0) - x * t - np.abs(x))),
            "summed over the elements: the loss is the mean": float(np.sum(np.maximum(x, 0) - x * t + softplus))}


def _judge_bce(values):
    logits, target, big, big_target = _bce_inputs()
    grad = gradcheck.numerical_gradient(lambda v: _bce(v, target), logits.copy())
    loss, dlogits = wrong_answers.unpack(values.get("result"), 2, "bce_with_logits")
    return ([in_place.not_modified(values.get("witness"), inputs=[(logits, target)]),
             _compare_loss(loss, _bce(logits, target),
                           "the loss is mean(-t log s(x) - (1 - t) log(1 - s(x))) over all elements",
                           mistakes=_bce_loss_mistakes(logits, target)),
             gradcheck.compare("dlogits", dlogits, grad, mistakes={
                 "not divided by the number of elements (the loss is a mean over all of them)": grad * logits.size,
                 "divided by the number of rows N: the mean is over all N * D elements":
                     grad * logits.size / len(logits),
                 "the sigmoid's derivative is applied again: on logits the gradient is simply (s - t) / size, "
                 "s = sigmoid(x)": grad * _sigmoid(logits) * (1 - _sigmoid(logits)),
                 "s * (1 - s) is the sigmoid's own derivative; BCE on logits has the gradient (s - t) / size":
                     gradcheck.AnyOf(_sigmoid(logits) * (1 - _sigmoid(logits)) / logits.size,
                                     _sigmoid(logits) * (1 - _sigmoid(logits))),
                 "the target is missing: the gradient is (s - t) / size, s = sigmoid(x)":
                     gradcheck.AnyOf(_sigmoid(logits) / logits.size, _sigmoid(logits)),
                 "the sigmoid is missing: the gradient is (s - t) / size with s = sigmoid(x), not x - t":
                     gradcheck.AnyOf((logits - target) / logits.size, logits - target)})]
            + _stability_results(values, _bce(big, big_target), (_sigmoid(big) - big_target) / big.size))


# -- a whole network ------------------------------------------------------------------------------

def _net_inputs():
    rng = np.random.default_rng(205)
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    return X, y, params, rng.normal(size=(6, 3))


def _copy(params):
    return {k: v.copy() for k, v in params.items()}


def _grad_of(grads, key):
    return grads.get(key) if isinstance(grads, dict) else None


def _numerical_param_grads(scalar_of, params):
    grads = {}
    for key in params:
        def f(value, key=key):
            return scalar_of({**params, key: value})
        grads[key] = gradcheck.numerical_gradient(f, params[key].copy())
    return grads


def _produce_two_layer_loss(ex):
    X, y, params, _ = _net_inputs()
    result, seen = call(ex.two_layer_loss, X, y, params, names=("X", "y", "params"))
    return {"result": result, "witness": [seen]}


def _judge_two_layer_loss(values):
    X, y, params, _ = _net_inputs()
    n = len(X)
    expected = _numerical_param_grads(lambda p: _cross_entropy(_two_layer_scores(X, p), y), params)
    loss, grads = wrong_answers.unpack(values.get("result"), 2, "two_layer_loss")
    results = [in_place.not_modified(values.get("witness"), inputs=[(X, y, params)]),
               _compare_loss(loss, _cross_entropy(_two_layer_scores(X, params), y),
                             "the forward pass is wrong somewhere: it uses your linear_forward, relu_forward and"
                             " softmax_cross_entropy; do their checks pass?",
                             mistakes={"the loss is summed over the batch: average it (mean over N)":
                                       np.asarray(n * _cross_entropy(_two_layer_scores(X, params), y)),
                                       "a bias is missing from the forward pass: X @ W1 + b1, then h @ W2 + b2":
                                       gradcheck.AnyOf(*[np.asarray(_cross_entropy(_two_layer_scores(
                                           X, {**params, key: 0 * params[key]}), y)) for key in ("b1", "b2")]),
                                       "the ReLU is missing from the forward pass: h = relu(X @ W1 + b1)":
                                       np.asarray(_cross_entropy((X @ params["W1"] + params["b1"]) @ params["W2"]
                                                                 + params["b2"], y))})]
    if not isinstance(grads, dict):
        results.append(gradcheck.verdict("grads", False, f"is a {type(grads).__name__}",
                                         "wrong type: return a dict with keys 'W1', 'b1', 'W2', 'b2'"))
        return results
    missing = [k for k in params if k not in grads]
    if missing:
        results.append(gradcheck.verdict("grads", False, f"has the keys {sorted(map(str, grads))}",
                                         f"return the gradients under the parameters' own keys {list(params)}"
                                         f" (missing: {missing})"))
        return results
    dscores = gradcheck.numerical_gradient(lambda v: _cross_entropy(v, y), _two_layer_scores(X, params))
    wrong = _wrong_backwards(X, params, dscores)
    misplaced = wrong_answers.misplaced(expected, "grads")
    return results + [gradcheck.compare(f"d{key}", _grad_of(grads, key), expected[key], batch_size=n,
                                        mistakes=lambda key=key: wrong_answers.merge_mistakes(
                                            {text: g[key] for text, g in wrong.items() if key in g}, misplaced[key]))
                      for key in params]


def _wrong_backwards(X, params, dscores):
    """First-layer gradients of two predictable mistakes, recomputed to recognise them."""
    dh = dscores @ params["W2"].T
    planted = dh * (X @ params["W1"] > 0)  # the planted bug: the mask ignores b1
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    right = dh * (h > 0)
    return {"the planted bug is still there: the ReLU's mask ignores the bias b1 (use X @ W1 + b1 > 0, or h > 0)":
            {"W1": X.T @ planted, "b1": planted.sum(axis=0)},
            "the ReLU's mask is missing (or always true, as h >= 0 is): the gradient must be zeroed where the unit"
            " was inactive (h > 0)": {"W1": X.T @ dh, "b1": dh.sum(axis=0)},
            "dW1 pairs the hidden units' gradient with the layer's input X: X.T @ dh_pre (not h.T @ dh_pre)":
            {"W1": h.T @ right}}


def _wrong_masks(X, params, dscores):
    """First-layer gradients with the ReLU's local derivative replaced by the usual wrong ones."""
    dh = dscores @ params["W2"].T
    h_pre = X @ params["W1"] + params["b1"]
    return wrong_answers.derivative_mistakes("relu", h_pre, lambda local: {"W1": X.T @ (dh * local),
                                                                       "b1": (dh * local).sum(axis=0)},
                                         post=np.maximum(h_pre, 0.0), pre_name="h_pre", where="dh_pre")


def _produce_fixed(ex):
    X, _, params, dscores = _net_inputs()
    _, cache = ex.two_layer_forward(X.copy(), _copy(params))
    grads, seen = call(ex.fixed_two_layer_backward, dscores, cache, names=("dscores", "cache"), repeat=True)
    return {"grads": grads, "witness": [seen]}


def _judge_fixed(values):
    X, _, params, dscores = _net_inputs()
    expected = _numerical_param_grads(lambda p: float(np.sum(_two_layer_scores(X, p) * dscores)), params)
    wrong = _wrong_backwards(X, params, dscores)
    grads = values.get("grads")
    unchanged = in_place.not_modified(values.get("witness"), inputs=[(dscores, in_place.Cache(repeat=True))])
    if not isinstance(grads, dict):
        return [unchanged,
                gradcheck.verdict("grads", False, f"is a {type(grads).__name__}",
                                  "wrong type: return a dict with keys 'W1', 'b1', 'W2', 'b2'")]
    misplaced = wrong_answers.misplaced(expected, "grads")
    return [unchanged] + [
        gradcheck.compare(f"d{key}", _grad_of(grads, key), expected[key], batch_size=len(X),
                          mistakes=lambda key=key: wrong_answers.merge_mistakes(misplaced[key],
                              {text: grads_[key] for text, grads_ in wrong.items() if key in grads_},
                              {text: grads_[key] for text, grads_ in _wrong_masks(X, params, dscores).items()
                               if key in grads_}))
        for key in params]


# -- softmax cross-entropy, staged: the softmax Jacobian, then a vector-Jacobian product --------------
# Every reference is a central difference of the independent formulas above.

def _staged_ce_inputs():
    rng = np.random.default_rng(206)
    logits, y = rng.normal(size=(5, 4)) * 1.5, rng.integers(0, 4, size=5)
    z = rng.normal(size=4)
    return logits, y, z


def _softmax_row(z):
    return np.exp(z - _logsumexp(z[None, :])[0])


def _produce_ce_staged(ex):
    logits, y, z = _staged_ce_inputs()
    jacobian, seen_j = call(ex.softmax_jacobian, _softmax_row(z), names=("p",))
    result, seen = call(ex.softmax_cross_entropy_staged, logits, y, names=("logits", "y"))
    return {"jacobian": jacobian, "result": result, "witness": [seen_j, seen]}


def _staged_ce_mistakes(logits, y):
    """Wrong dlogits a learner gets from a wrong stage, recomputed from the same inputs."""
    n = len(y)
    rows = np.arange(n)
    p = np.exp(logits - _logsumexp(logits)[:, None])
    jacobians = [np.diag(row) - np.outer(row, row) for row in p]

    def through_jacobian(dp):
        return np.stack([jacobians[i].T @ dp[i] for i in range(n)])

    every_entry = -1.0 / (n * p)
    not_reciprocal = np.zeros_like(p)
    not_reciprocal[rows, y] = -p[rows, y] / n
    right_dp = np.zeros_like(p)
    right_dp[rows, y] = -1.0 / (n * p[rows, y])
    whole_columns = np.zeros_like(p)
    whole_columns[:, y] = -1.0 / (n * p[rows, y])  # what dp[:, y] = ... writes: every row, every label's column
    return {"dp[:, y] = ... fills the columns y in EVERY row: each row has one entry, dp[np.arange(N), y]":
                through_jacobian(whole_columns),
            "dp = -1/(N p) at every entry: the loss reads only p[n, y[n]], so dp is 0 at the other entries":
                through_jacobian(every_entry),
            "dp uses -p instead of -1/p: the derivative of -log(p) is -1/p": through_jacobian(not_reciprocal),
            "only the Jacobian's diagonal was used: dp_i also moves every other logit, through -p_i p_j":
                p * (1 - p) * right_dp}


def _judge_ce_staged(values):
    logits, y, z = _staged_ce_inputs()
    p = _softmax_row(z)
    numeric_jacobian = np.stack([gradcheck.numerical_gradient(lambda v, i=i: _softmax_row(v)[i], z.copy())
                                 for i in range(len(z))])
    loss, dlogits = wrong_answers.unpack(values.get("result"), 2, "softmax_cross_entropy_staged")
    grad = gradcheck.numerical_gradient(lambda v: _cross_entropy(v, y), logits.copy())
    return [in_place.not_modified(values.get("witness"), inputs=[(p,), (logits, y)]),
            gradcheck.compare("softmax_jacobian", _array(values.get("jacobian")), numeric_jacobian, mistakes={
                "only the diagonal p_i (1 - p_i): p_i also depends on every other logit z_j through the sum in "
                "its denominator (entries i != j)": np.diag(p * (1 - p)),
                "diag(p) alone: the quotient rule also differentiates the denominator": np.diag(p),
                "p @ p is a number (the inner product): J = np.diag(p) - np.outer(p, p) needs the outer product":
                    np.diag(p) - p @ p,
                "np.outer(p, p) alone misses the diagonal's p_i: J = np.diag(p) - np.outer(p, p)": -np.outer(p, p),
                "the identity instead of diag(p): J = np.diag(p) - np.outer(p, p)": np.eye(len(p)) - np.outer(p, p),
                "p * (1 - p) everywhere: the off-diagonal entries are -p_i p_j":
                    np.broadcast_to(p * (1 - p), (len(p), len(p))).copy()}),
            _compare_loss(loss, _cross_entropy(logits, y), "the loss is mean over rows of -log p[n, y[n]]"),
            gradcheck.compare("dlogits", dlogits, grad, batch_size=len(y), mistakes=_staged_ce_mistakes(logits, y))]


def _pair(judge, what, second):
    """``judge`` told first when ``what`` returns another number of values than (loss, ``second``)."""
    return wrong_answers.counted(judge, "result", ("loss", second), what)


CHECKS = [
    Check(lesson="02", name="linear_forward", points=2, module=MODULE, produce=_produce_linear_forward,
          judge=_judge_linear_forward, functions=("linear_forward",), hint=SECTIONS["linear"]),
    Check(lesson="02", name="linear_backward", points=3, module=MODULE, produce=_produce_linear_backward,
          judge=_judge_linear_backward, functions=("linear_backward",), hint=SECTIONS["linear"]),
    *[Check(lesson="02", name=f"{name}_backward", points=2, module=MODULE, produce=_produce_activation(name),
            judge=_judge_activation(name), functions=(f"{name}_backward",), hint=SECTIONS["act"])
      for name in ("relu", "sigmoid", "tanh", "leaky_relu")],
    Check(lesson="02", name="softmax_cross_entropy", points=3, module=MODULE, produce=_produce_ce,
          judge=_pair(_judge_ce, "softmax_cross_entropy", "dlogits"),
          functions=("softmax_cross_entropy",), hint=SECTIONS["loss"]),
    Check(lesson="02", name="mse_loss", points=2, module=MODULE, produce=_produce_regression("mse_loss", False),
          judge=_pair(_judge_mse, "mse_loss", "dpred"), functions=("mse_loss",), hint=SECTIONS["loss"]),
    Check(lesson="02", name="mae_loss", points=2, module=MODULE, produce=_produce_regression("mae_loss", True),
          judge=_pair(_judge_mae, "mae_loss", "dpred"), functions=("mae_loss",), hint=SECTIONS["loss"]),
    Check(lesson="02", name="bce_with_logits", points=3, module=MODULE, produce=_produce_bce,
          judge=_pair(_judge_bce, "bce_with_logits", "dlogits"),
          functions=("bce_with_logits",), hint=SECTIONS["loss"]),
    Check(lesson="02", name="two_layer_loss", points=4, module=MODULE, produce=_produce_two_layer_loss,
          judge=_pair(_judge_two_layer_loss, "two_layer_loss", "grads"), functions=("two_layer_loss",),
          hint=SECTIONS["net"]),
    Check(lesson="02", name="fixed_two_layer_backward", points=3, module=MODULE, produce=_produce_fixed,
          judge=_judge_fixed, functions=("fixed_two_layer_backward",), hint=SECTIONS["bug"]),
    Check(lesson="02", name="softmax_cross_entropy_staged", points=3, module=MODULE, produce=_produce_ce_staged,
          judge=_pair(_judge_ce_staged, "softmax_cross_entropy_staged", "dlogits"),
          functions=("softmax_jacobian", "softmax_cross_entropy_staged"),
          hint=SECTIONS["loss"]),
]
