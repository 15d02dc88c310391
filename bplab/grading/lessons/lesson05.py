"""Lesson 05: regularization (L1/L2 penalties, dropout, batch norm, early stopping).

References are closed forms and numerical gradients of formulas written here,
independently of :mod:`bplab.nn` and :mod:`bplab.regularization`.

Thresholds: 1e-7 for gradients (central differences of smooth or piecewise
linear functions, away from kinks, score about 1e-10 when right); 1e-9 for
values given by a closed form (only rounding separates right answers). The
statistical dropout check allows 5 binomial standard deviations (a correct
implementation fails it with probability below 1e-6, and the seed is fixed).
"""

from __future__ import annotations

import math

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import call, witness

MODULE = "ex05_regularization"
SECTIONS = {
    "l2": 'notebook 05, section "2. L2 and weight decay"',
    "l1": 'notebook 05, section "3. L1: sparsity and the subgradient"',
    "dropout": 'notebook 05, section "4. Dropout"',
    "early": 'notebook 05, section "5. Early stopping"',
    "bn": 'notebook 05, section "6. Batch normalization"',
}


# -- L2 and L1 -----------------------------------------------------------------------------------

def _penalty_inputs():
    rng = np.random.default_rng(50)
    W = rng.normal(size=(4, 5))
    W[np.abs(W) < 0.1] += 0.3  # keep L1's kink out of reach of the central differences
    W[0, 0] = W[2, 3] = 0.0  # exact zeros: where L1's subgradient must be 0
    return W, 0.3


def _produce_penalty(name):
    def produce(ex):
        W, strength = _penalty_inputs()
        result, seen = call(getattr(ex, name), W, strength, names=("W", "strength"))
        return {"result": result, "witness": [seen]}
    return produce


def _judge_penalty(values, penalty_of, mistakes_of):
    W, strength = _penalty_inputs()
    penalty, dW = wrong_answers.unpack(values.get("result"), 2, "penalty")
    numeric = gradcheck.numerical_gradient(penalty_of, W.copy())
    penalty_value = np.asarray(penalty) if not isinstance(penalty, (list, tuple, dict)) else penalty
    order = "returned in the wrong order: return (penalty, dW)"
    unsummed = "the penalty is not summed: it is one number, the sum over every entry of W"
    dW_result = gradcheck.compare("dW", dW, numeric, threshold=1e-7,
                                  mistakes={**mistakes_of(W, strength)["dW"], order: penalty_of(W)},
                                  factors={"strength": strength})
    got = np.asarray(dW) if isinstance(dW, np.ndarray) and dW.shape == W.shape and dW.dtype.kind == "f" else None
    if got is not None and not np.all(np.isfinite(got)) and np.all(np.isfinite(got[W != 0])):
        dW_result.diagnosis = "NaN where W == 0 (0 / 0): the subgradient there is 0 (np.sign(0) is 0)"
    return [in_place.not_modified(values.get("witness"), inputs=[(W, strength)]),
            gradcheck.compare("penalty", penalty_value, penalty_of(W), threshold=1e-9, kind="output",
                              factors={"strength": strength},
                              mistakes={**mistakes_of(W, strength)["penalty"], order: numeric,
                                        unsummed: gradcheck.AnyOf(strength * np.abs(W), 0.5 * strength * W * W,
                                                                  strength * W * W)}),
            dW_result]


def _l2_mistakes(W, strength):
    missing = "strength (lambda) is missing: multiply by it"
    return {"penalty": {"the 1/2 is missing: the penalty is strength / 2 * sum(W ** 2)": strength * np.sum(W * W),
                        missing: gradcheck.AnyOf(0.5 * np.sum(W * W), np.sum(W * W)),
                        "a mean instead of a sum: the penalty is strength / 2 * sum(W ** 2)":
                            gradcheck.AnyOf(0.5 * strength * np.mean(W * W), strength * np.mean(W * W)),
                        "the square is missing: the penalty is strength / 2 * sum(W ** 2)":
                            0.5 * strength * np.sum(W),
                        "the norm is not squared: the penalty is strength / 2 * ||W||² = strength / 2 * sum(W ** 2)":
                            gradcheck.AnyOf(0.5 * strength * np.linalg.norm(W), strength * np.linalg.norm(W)),
                        "the absolute values: that is the L1 penalty; L2's is strength / 2 * sum(W ** 2)":
                            gradcheck.AnyOf(0.5 * strength * np.sum(np.abs(W)), strength * np.sum(np.abs(W)))},
            "dW": {"off by 2: with the 1/2 in the penalty, the gradient is strength * W": 2 * strength * W,
                   missing: gradcheck.AnyOf(W, 2 * W),
                   "that is the subgradient of the L1 penalty; L2's gradient is strength * W":
                       strength * np.sign(W)}}


def _l1_mistakes(W, strength):
    missing = "strength (lambda) is missing: multiply by it"
    return {"penalty": {"sum(W) instead of sum(|W|): take the absolute value": strength * np.sum(W),
                        missing: np.sum(np.abs(W)),
                        "a mean instead of a sum: the penalty is strength * sum(|W|)": strength * np.mean(np.abs(W)),
                        "that is the L2 penalty; L1's is strength * sum(|W|)":
                            gradcheck.AnyOf(0.5 * strength * np.sum(W * W), strength * np.sum(W * W))},
            "dW": {"at W == 0 the subgradient must be 0 (np.sign(0) is 0), not +strength": strength * np.where(W >= 0, 1.0, -1.0),
                   "at W == 0 the subgradient must be 0 (np.sign(0) is 0), not -strength": strength * np.where(W > 0, 1.0, -1.0),
                   "that is the gradient of the L2 penalty; L1's is strength * sign(W)": strength * W,
                   missing: np.sign(W)}}


def _judge_l2(values):
    _, strength = _penalty_inputs()
    return _judge_penalty(values, lambda v: 0.5 * strength * np.sum(v ** 2), _l2_mistakes)


def _judge_l1(values):
    _, strength = _penalty_inputs()
    return _judge_penalty(values, lambda v: strength * np.sum(np.abs(v)), _l1_mistakes)


# -- dropout -------------------------------------------------------------------------------------

def _dropout_inputs():
    rng = np.random.default_rng(51)
    x = rng.normal(size=(6, 8))
    mask = rng.random((6, 8)) >= 0.3
    dout = rng.normal(size=(6, 8))
    big = rng.uniform(0.5, 1.5, size=(100, 200))
    return x, mask, dout, big


DROPOUT_P = 0.3
STAT_P = 0.4


def _produce_dropout_forward(ex):
    x, mask, _, big = _dropout_inputs()
    f = ex.dropout_forward
    values = {}
    (values["fixed"], _), seen = call(lambda a: f(a, DROPOUT_P, True, mask=mask.copy()), x, names=("x",))
    (values["eval"], _), seen_eval = call(lambda a: f(a, DROPOUT_P, False, np.random.default_rng(1)), x, names=("x",))
    values["witness"] = [seen, seen_eval]
    values["random"] = f(big.copy(), STAT_P, True, np.random.default_rng(4))[0]
    values["random_again"] = f(big.copy(), STAT_P, True, np.random.default_rng(4))[0]  # the same rng state again
    values["random_other"] = f(big.copy(), STAT_P, True, np.random.default_rng(5))[0]  # another seed
    for key, p, seed in (("p1", 1.0, 2), ("p0", 0.0, 3)):
        try:  # the edge cases get their own diagnosis rather than ending the check
            with np.errstate(all="ignore"):
                values[key] = f(x.copy(), p, True, np.random.default_rng(seed))[0]
        except Exception as error:  # noqa: BLE001 - reported as a verdict
            values[key] = f"{type(error).__name__}: {error}"
    return values


def _judge_dropout_forward(values):
    x, mask, _, big = _dropout_inputs()
    keep = 1.0 - DROPOUT_P
    results = [
        in_place.not_modified(values.get("witness"), inputs=[(x,), (x,)]),
        _mask_ignored(gradcheck.compare("training output, fixed mask", values.get("fixed"), x * mask / keep,
                                        threshold=1e-12, mistakes={
            "kept units are not scaled: inverted dropout multiplies them by 1 / (1 - p) in training": x * mask,
            "scaled by 1 / p: the kept units are a fraction 1 - p, so scale by 1 / (1 - p)": x * mask / DROPOUT_P,
            "the mask is used the wrong way round: mask is True where a unit is KEPT": x * ~mask / keep,
            "kept units are multiplied by 1 - p: inverted dropout DIVIDES them by 1 - p in training":
                x * mask * keep,
            "kept units are multiplied by p: inverted dropout divides them by 1 - p in training": x * mask * DROPOUT_P}),
            values.get("fixed"), x, mask),
        _dropped_in_eval(gradcheck.compare("evaluation output", values.get("eval"), x, threshold=1e-12, mistakes={
            "scaled in evaluation: inverted dropout scales in training only, evaluation is the identity": x / keep,
            "multiplied by 1 - p in evaluation: that is plain dropout's test-time rule; inverted dropout scales in "
            "training and evaluation is the identity": x * keep}),
            values.get("eval"), x),
        _dropout_statistics(values.get("random"), big),
        _drawn_from_rng(values.get("random"), values.get("random_again"), values.get("random_other")),
        _edge("p = 1 output", values.get("p1"), np.zeros_like(x), "with p = 1 every unit is dropped: return zeros"
              " (torch does), without computing 1 / (1 - p)"),
        _edge("p = 0 output", values.get("p0"), x, "with p = 0 nothing is dropped: keep a unit when"
              " rng.random() >= p, which holds with probability 1 - p"),
    ]
    return results


def _drawn_from_rng(first, second, other):
    """Generators in the same state must drop the same units, generators seeded differently other units."""
    name = "the mask is drawn from rng (alike seeds, alike masks; other seeds, other masks)"
    try:
        first, second, other = (np.asarray(a, dtype=np.float64) for a in (first, second, other))
    except (TypeError, ValueError):
        return gradcheck.verdict(name, True)  # not arrays: the statistics check says so
    if not first.shape == second.shape == other.shape or not first.size:
        return gradcheck.verdict(name, True)
    if not np.array_equal(first, second, equal_nan=True):
        return gradcheck.verdict(name, False, "two calls with the same seed dropped different units",
                                 "the mask is drawn from numpy's global random state (np.random...): draw it from the "
                                 "rng you are given, rng.random(x.shape) >= p, so that a seed reproduces it")
    if np.array_equal(first == 0, other == 0) and (first == 0).any():
        return gradcheck.verdict(name, False, "two calls with different seeds dropped the same units",
                                 "the mask does not come from the rng you are given (a mask kept from an earlier call, "
                                 "or a generator of your own): draw a new one from rng on every call")
    return gradcheck.verdict(name, True)


def _zeros_where_x(out, x):
    """The entries of ``out`` that are 0 where ``x`` is not, or None when ``out`` is not a float array like x."""
    if not isinstance(out, np.ndarray) or out.shape != x.shape or out.dtype.kind != "f":
        return None
    return (out == 0) & (x != 0)


def _dropped_in_eval(result, out, x):
    zeros = _zeros_where_x(out, x)
    if not result.passed and zeros is not None and zeros.any() and not result.diagnosis.startswith("scaled"):
        result.diagnosis = ("units are dropped in evaluation: with train=False dropout is the identity "
                            "(return x unchanged, a copy)")
    return result


def _mask_ignored(result, out, x, mask):
    zeros = _zeros_where_x(out, x)
    if not result.passed and not result.diagnosis and zeros is not None and zeros.any() \
            and not np.array_equal(zeros, ~mask):
        result.diagnosis = ("the mask argument is not used: when a mask is given, keep exactly the units where it is "
                            "True (draw one with rng only when mask is None)")
    return result


def _edge(name, value, expected, advice):
    if isinstance(value, str):
        return gradcheck.verdict(name, False, f"raised {value}", advice)
    result = gradcheck.compare(name, value, expected, threshold=1e-12)
    if not result.passed:
        result.diagnosis = advice
    return result


def _dropout_statistics(out, x):
    """Fraction dropped within 5 binomial sds of p, kept units exactly x / (1 - p), mean preserved."""
    name = f"dropping statistics (p = {STAT_P}, {x.size} units)"
    problem = gradcheck.compare("random output", out, x, threshold=np.inf)
    if problem.detail:
        return problem
    out = np.asarray(out, dtype=np.float64)
    n, p = x.size, STAT_P
    dropped = out == 0
    fraction = float(dropped.mean())
    sd = math.sqrt(p * (1 - p) / n)
    if abs(fraction - p) > 5 * sd:
        diagnosis = ("units are dropped with probability 1 - p: p is the probability of DROPPING"
                     if abs(fraction - (1 - p)) <= 5 * sd else "the fraction of zeros should be about p")
        return gradcheck.verdict(name, False, f"dropped fraction {fraction:.4f}, expected {p} ± {5 * sd:.4f}",
                                 diagnosis)
    kept = gradcheck.compare("kept units", out[~dropped], x[~dropped] / (1 - p), threshold=1e-12, mistakes={
        "kept units are not scaled by 1 / (1 - p)": x[~dropped]})
    if not kept.passed:
        return kept
    ratio_mean = float(np.mean(out / x))  # E[out / x] = 1 for inverted dropout
    ratio_sd = sd / (1 - p)
    passed = abs(ratio_mean - 1) <= 5 * ratio_sd
    return gradcheck.verdict(name, passed, f"dropped fraction {fraction:.4f} (p = {p}), mean of out / x"
                             f" {ratio_mean:.4f} (expected 1 ± {5 * ratio_sd:.4f})",
                             "" if passed else "the mean is not preserved: check the scaling")


def _produce_dropout_backward(ex):
    x, mask, dout, _ = _dropout_inputs()
    _, cache = ex.dropout_forward(x.copy(), DROPOUT_P, True, mask=mask.copy())
    dx, seen = call(ex.dropout_backward, dout, cache, names=("dout", "cache"), repeat=True)
    _, cache_eval = ex.dropout_forward(x.copy(), DROPOUT_P, False, np.random.default_rng(1))
    dx_eval, seen_eval = call(ex.dropout_backward, dout, cache_eval, names=("dout", "cache"))
    return {"dx": dx, "dx_eval": dx_eval, "witness": [seen, seen_eval]}


def _mask_not_reused(result, dx, mask):
    """Name a backward that drops other units than the forward did (a mask drawn again instead of the cached one)."""
    zeros = _zeros_where_x(dx, mask.astype(np.float64) + 1.0)
    if not result.passed and not result.diagnosis and zeros is not None and zeros.any() \
            and not np.array_equal(zeros, ~mask):
        result.diagnosis = ("the gradient is dropped at other units than the forward dropped: reuse the forward's "
                            "mask from the cache (never draw a new one in the backward)")
    return result


def _judge_dropout_backward(values):
    x, mask, dout, _ = _dropout_inputs()
    keep = 1.0 - DROPOUT_P
    numeric = gradcheck.numerical_gradient_array(lambda v: v * mask / keep, x.copy(), dout)
    calls = [(dout, in_place.Cache(repeat=True)), (dout, in_place.Cache())]
    unchanged = in_place.not_modified(values.get("witness"), inputs=calls)
    zeros = _zeros_where_x(values.get("dx"), mask.astype(np.float64) + 1.0)
    if not unchanged.passed and "second call" in unchanged.detail and zeros is not None \
            and not np.array_equal(zeros, ~mask):  # two calls differ because each draws a mask, not from the cache
        unchanged.diagnosis = ("the backward draws its own mask (another one on every call): reuse the forward's mask "
                               "from the cache, so that exactly the units the forward dropped pass no gradient")
    return [unchanged,
            _mask_not_reused(gradcheck.compare("dx (training)", values.get("dx"), numeric, mistakes={
                "the gradient is not scaled: the forward multiplies kept units by 1 / (1 - p), so does the backward":
                    dout * mask,
                "dropped units must pass no gradient: multiply dout by the (scaled) mask":
                    gradcheck.AnyOf(dout / keep, dout),
                "scaled by 1 / p: the kept units are scaled by 1 / (1 - p), and so is their gradient":
                    dout * mask / DROPOUT_P,
                "the mask is used the wrong way round: gradient flows where the unit was KEPT": dout * ~mask / keep,
                "multiplied by 1 - p: the forward divides kept units by 1 - p, so the backward divides dout by it too":
                    dout * mask * keep}), values.get("dx"), mask),
            gradcheck.compare("dx (evaluation)", values.get("dx_eval"), dout, mistakes={
                "evaluation is the identity, so its gradient is dout unchanged": dout * mask / keep,
                "scaled in evaluation: the evaluation forward is the identity": dout / keep,
                "multiplied by 1 - p in evaluation: the evaluation forward is the identity, so dx = dout":
                    dout * keep})]


# -- batch norm ----------------------------------------------------------------------------------

def _bn_inputs():
    rng = np.random.default_rng(52)
    x = rng.normal(loc=rng.normal(size=5) * 3, scale=rng.uniform(0.5, 3, size=5), size=(8, 5))
    gamma = rng.uniform(0.5, 2.0, size=5)
    beta = rng.normal(size=5)
    mean = rng.normal(size=5)
    var = rng.uniform(0.5, 2.0, size=5)
    dout = rng.normal(size=(8, 5))
    return x, gamma, beta, mean, var, dout


BN_SETTINGS = [{"momentum": 0.1, "eps": 1e-5}, {"momentum": 0.3, "eps": 0.5}]


def _bn_reference(x, gamma, beta, mean, var, eps):
    """gamma * (x - mean) / sqrt(var + eps) + beta, feature by feature."""
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = gamma[j] * (x[:, j] - mean[j]) / math.sqrt(var[j] + eps) + beta[j]
    return out


def _batch_stats(x):
    n = x.shape[0]
    mean = x.sum(axis=0) / n
    squares = ((x - mean) ** 2).sum(axis=0)
    return mean, squares / n, squares / (n - 1)


def _row_statistics(x, gamma, beta, eps):
    """Training outputs with the mean, the variance or both taken over axis 1 (per row) instead of axis 0."""
    col_mean, col_var = x.mean(axis=0), x.var(axis=0)
    row_mean, row_var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return [gamma * (x - m) / np.sqrt(v + eps) + beta
            for m, v in ((row_mean, row_var), (col_mean, row_var), (row_mean, col_var))]


def _bn_call(ex, train, settings):
    """Call the learner's forward on copies; the output, the running dict after, and a witness of x, gamma, beta."""
    x, gamma, beta, mean, var, _ = _bn_inputs()
    args = [x.copy(), gamma.copy(), beta.copy()]
    running = {"mean": mean.copy(), "var": var.copy()}
    out, cache = ex.batchnorm_forward(*args, running, train, **settings)
    return out, cache, {"mean": running.get("mean"), "var": running.get("var")}, witness(("x", "gamma", "beta"), args)


def _produce_bn_forward(ex):
    values = {"witness": []}
    for k, settings in enumerate(BN_SETTINGS):
        for train in (True, False):
            out, _, running, seen = _bn_call(ex, train, settings)
            values[f"out_{train}_{k}"], values[f"running_{train}_{k}"] = out, running
            values["witness"].append(seen)
    return values


def _judge_bn_forward(values):
    x, gamma, beta, mean, var, _ = _bn_inputs()
    n = x.shape[0]
    batch_mean, biased, unbiased = _batch_stats(x)
    results = [in_place.not_modified(values.get("witness"), inputs=[(x, gamma, beta)] * (2 * len(BN_SETTINGS)))]
    for k, settings in enumerate(BN_SETTINGS):
        m, eps = settings["momentum"], settings["eps"]
        label = f"(momentum={m}, eps={eps})"
        train_out = values.get(f"out_True_{k}")
        results.append(gradcheck.compare(f"training output {label}", train_out,
                                         _bn_reference(x, gamma, beta, batch_mean, biased, eps), threshold=1e-9,
                                         mistakes={
            "normalized with the unbiased variance: normalize the batch with the biased one (divide by N)":
                _bn_reference(x, gamma, beta, batch_mean, unbiased, eps),
            "normalized with the running statistics: in training use the batch's mean and variance":
                _bn_reference(x, gamma, beta, mean, var, eps),
            "eps is misplaced: it goes under the square root, sqrt(var + eps)":
                gamma * (x - batch_mean) / (np.sqrt(biased) + eps) + beta,
            "eps is missing: normalize by sqrt(var + eps)": _bn_reference(x, gamma, beta, batch_mean, biased, 0.0),
            "gamma and beta are swapped: out = gamma * x_hat + beta":
                _bn_reference(x, beta, gamma, batch_mean, biased, eps),
            "beta is missing: out = gamma * x_hat + beta": _bn_reference(x, gamma, 0 * beta, batch_mean, biased, eps),
            "gamma is missing: out = gamma * x_hat + beta":
                _bn_reference(x, 1 + 0 * gamma, beta, batch_mean, biased, eps),
            "gamma and beta are missing: out = gamma * x_hat + beta (x_hat alone is only normalized)":
                _bn_reference(x, 1 + 0 * gamma, 0 * beta, batch_mean, biased, eps),
            "the mean is not subtracted: x_hat = (x - mean) / sqrt(var + eps)":
                _bn_reference(x, gamma, beta, 0 * batch_mean, biased, eps),
            "divided by the variance: normalize by the standard deviation sqrt(var + eps)":
                (x - batch_mean) / (biased + eps) * gamma + beta,
            "the statistics are taken over all entries: each feature has its own mean and variance (axis=0)":
                gamma * (x - x.mean()) / np.sqrt(x.var() + eps) + beta,
            "a statistic is taken over axis 1 (across the features of each row): each feature has its own mean "
            "and variance over the batch, axis=0": gradcheck.AnyOf(*_row_statistics(x, gamma, beta, eps))}))
        running = values.get(f"running_True_{k}")
        running = running if isinstance(running, dict) else {}
        results.append(gradcheck.compare(f"running mean after training {label}", running.get("mean"),
                                         (1 - m) * mean + m * batch_mean, threshold=1e-9,
                                         mistakes=_running_mistakes(m, mean, {None: batch_mean})["mean"]))
        results.append(gradcheck.compare(f"running var after training {label}", running.get("var"),
                                         (1 - m) * var + m * unbiased, threshold=1e-9,
                                         mistakes=_running_mistakes(m, var, {None: unbiased, "biased": biased,
                                                                             "upside": biased * (n - 1) / n,
                                                                             "std": np.sqrt(unbiased),
                                                                             "biased_std": np.sqrt(biased)},
                                                                    n)["mean"]))
        results.append(gradcheck.compare(f"evaluation output {label}", values.get(f"out_False_{k}"),
                                         _bn_reference(x, gamma, beta, mean, var, eps), threshold=1e-9, mistakes={
            "normalized with the batch statistics: evaluation uses the running mean and variance":
                _bn_reference(x, gamma, beta, batch_mean, biased, eps),
            "divided by the running variance: normalize by sqrt(running var + eps)":
                gamma * (x - mean) / (var + eps) + beta,
            "the running statistics were updated with this batch before normalizing: in evaluation they are only "
            "read (update them under `if train:` only)":
                gradcheck.AnyOf(*[_bn_reference(x, gamma, beta, (1 - m) * mean + m * batch_mean,
                                                (1 - m) * var + m * v, eps) for v in (unbiased, biased)])}))
        running_eval = values.get(f"running_False_{k}")
        running_eval = running_eval if isinstance(running_eval, dict) else {}
        for key, before in (("mean", mean), ("var", var)):
            results.append(gradcheck.compare(f"running {key} after evaluation {label}", running_eval.get(key), before,
                                             threshold=0.0))
            if not results[-1].passed:
                results[-1].diagnosis = "evaluation must not change the running statistics"
    return results


def _running_mistakes(m, old, batch, n=None):
    """Wrong running-statistic updates (one or two slips), named by slots; ``batch`` maps a slip to its statistic."""
    ratio = f"{n}/{n - 1}" if n else "N / (N - 1)"
    texts = {"biased": f"updated with the biased variance: the running variance uses the unbiased one (times "
                       f"N / (N - 1) = {ratio})",
             "upside": f"the correction is upside down: the unbiased variance is the biased one times N / (N - 1) = "
                       f"{ratio}",
             "std": "updated with the standard deviation: the running variance averages variances (no square root)",
             "biased_std": "updated with the biased standard deviation: the running variance averages the unbiased "
                           "variances"}
    slots = {"momentum": {"flipped": "momentum weights the NEW batch: running = (1 - momentum) * running + momentum "
                                     "* batch"},
             "update": {"replaced": "the running statistic is replaced by the batch's: it is a moving average, "
                                    "(1 - momentum) * running + momentum * batch",
                        "kept": "the running statistic was not updated: in training, running = (1 - momentum) * "
                                "running + momentum * batch (in place, in the dict you are given)"},
             "statistic": {key: texts[key] for key in batch if key is not None}}

    def compute(choice):
        stat = batch[choice.get("statistic")]
        if choice.get("update") == "replaced":
            return {"mean": stat}
        if choice.get("update") == "kept":
            return {"mean": old}
        return {"mean": m * old + (1 - m) * stat if choice.get("momentum") else (1 - m) * old + m * stat}

    return wrong_answers.slot_mistakes(compute, slots, pairs=True)


def _produce_bn_backward(ex):
    values = {"witness": []}
    _, _, _, _, _, dout = _bn_inputs()
    for train in (True, False):
        _, cache, _, _ = _bn_call(ex, train, BN_SETTINGS[0])
        values[f"grads_{train}"], seen = call(ex.batchnorm_backward, dout, cache, names=("dout", "cache"),
                                              repeat=True)
        values["witness"].append(seen)
    return values


def _bn_numeric_grads(train):
    """Central differences of the independent forward formula: dx, dgamma, dbeta."""
    x, gamma, beta, mean, var, dout = _bn_inputs()
    eps = BN_SETTINGS[0]["eps"]

    def forward(x_, gamma_, beta_):
        if not train:
            return _bn_reference(x_, gamma_, beta_, mean, var, eps)
        batch_mean, biased, _ = _batch_stats(x_)
        return _bn_reference(x_, gamma_, beta_, batch_mean, biased, eps)

    inputs = [x, gamma, beta]
    return [gradcheck.numerical_gradient_array(
        lambda v, i=i: forward(*[v if j == i else a for j, a in enumerate(inputs)]), inputs[i].copy(), dout)
        for i in range(3)]


def _judge_bn_backward(values):
    x, gamma, _, _, _, dout = _bn_inputs()
    n, eps = x.shape[0], BN_SETTINGS[0]["eps"]
    _, biased, _ = _batch_stats(x)
    results = [in_place.not_modified(values.get("witness"), inputs=[(dout, in_place.Cache(repeat=True))] * 2)]
    for train in (True, False):
        expected = _bn_numeric_grads(train)
        dx, dgamma, dbeta = wrong_answers.unpack(values.get(f"grads_{train}"), 3, "batchnorm_backward")
        results += [r for r in [wrong_answers.returned_count(values.get(f"grads_{train}"), ("dx", "dgamma", "dbeta"),
                                                         "batchnorm_backward")] if r is not None]
        mode = "training" if train else "evaluation"
        results += [r for r in [wrong_answers.returned_order([dx, dgamma, dbeta], expected, ("dx", "dgamma", "dbeta"),
                                                         "batchnorm_backward")] if r is not None]
        if train:
            dx_mistakes = {"the batch mean and variance were treated as constants (the evaluation formula): in "
                           "training they depend on x, which adds the two correction terms":
                           dout * gamma / np.sqrt(biased + eps),
                           **{text: _bn_dx(x, gamma, dout, eps, drop=(key,)) for key, text in _BN_MISTAKES.items()},
                           "dx's formula uses N - 1 where it has N: the batch variance used in training divides by "
                           "N (biased), so dx = inv_std / N * (N * g - sum(g) - x_hat * sum(g * x_hat))":
                               gradcheck.AnyOf(_bn_dx(x, gamma, dout, eps, front=n - 1, inside=n - 1),
                                               _bn_dx(x, gamma, dout, eps, front=n - 1)),
                           "the sums in dx run over axis 1 (across the features of each row): each feature's batch "
                           "mean and variance depend on its column, so sum g and g * x_hat over the batch, axis=0":
                               gradcheck.AnyOf(*[_bn_dx(x, gamma, dout, eps, axis=1, front=m, inside=m)
                                                 for m in x.shape])}
            dx_mistakes = (lambda base=dx_mistakes: wrong_answers.merge_mistakes(base, _bn_dx_mistakes(x, gamma, dout, eps)))
        else:
            dx_mistakes = {"used the batch statistics: in evaluation the running statistics are constants":
                           _bn_dx(x, gamma, dout, eps),
                           "the training formula in evaluation: there the mean and variance are the running "
                           "statistics, constants, so dx = dout * gamma / sqrt(running var + eps), no correction "
                           "terms": _bn_dx(x, gamma, dout, eps, stats=_bn_inputs()[3:5]),
                           "gamma is missing: dx = dout * gamma / sqrt(running var + eps)": expected[0] / gamma}
        gamma_mistakes = {"dgamma sums dout alone: it is sum(dout * x_hat, axis=0)": dout.sum(axis=0),
                          "dgamma pairs dout with x; it multiplies x_hat: sum(dout * x_hat, axis=0)":
                              (dout * x).sum(axis=0)}
        if train:
            x_hat = (x - x.mean(axis=0)) / np.sqrt(biased + eps)
            gamma_mistakes["dgamma is not summed over the batch: sum(dout * x_hat, axis=0)"] = dout * x_hat
        results += [gradcheck.compare(f"dx ({mode})", dx, expected[0], threshold=1e-7, batch_size=n,
                                      mistakes=dx_mistakes),
                    gradcheck.compare(f"dgamma ({mode})", dgamma, expected[1], threshold=1e-7, batch_size=n,
                                      mistakes=gamma_mistakes),
                    gradcheck.compare(f"dbeta ({mode})", dbeta, expected[2], threshold=1e-7, batch_size=n, mistakes={
                        "dbeta is not summed over the batch: dbeta = dout.sum(axis=0)": dout,
                        "dbeta is averaged: beta is shared by every row, so dbeta = dout.sum(axis=0)":
                            dout.mean(axis=0)})]
    return results


_BN_MISTAKES = {
    "no mean": "the mean term is missing from dx: subtract the batch mean of dout * gamma (g.sum(axis=0) / N)",
    "no var": "the variance term is missing from dx: subtract x_hat * mean(g * x_hat) too",
    "no gamma": "gamma is missing from dx: the upstream gradient of x_hat is dout * gamma",
}


def _bn_dx(x, gamma, dout, eps, *, stats=None, drop=(), axis=0, front=None, inside=None):
    """The training-mode dx's closed form, ``inv_std / N * (N * g - sum(g) - x_hat * sum(g * x_hat))``, or a
    known wrong variant of it (to recognise the mistake).

    Parameters
    ----------
    stats : (mean, var), optional
        The statistics normalizing x (the batch's, biased, by default).
    drop : collection of {"no mean", "no var", "no gamma"}
        Terms or factors left out (``_BN_MISTAKES``).
    axis : int
        The axis the two sums run over (1: per row, a mistake).
    front, inside : int, optional
        The N in front of the bracket and the N inside it (the batch size by default).
    """
    n = x.shape[0]
    mean, var = stats if stats is not None else _batch_stats(x)[:2]
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    g = dout if "no gamma" in drop else dout * gamma
    mean_term = 0 if "no mean" in drop else g.sum(axis=axis, keepdims=True)
    var_term = 0 if "no var" in drop else x_hat * (g * x_hat).sum(axis=axis, keepdims=True)
    return inv_std / (front or n) * ((inside or n) * g - mean_term - var_term)


BN_CHAIN_SLOTS = {
    "dx_hat": {"no_gamma": "dx_hat = dout * gamma: gamma is missing (y = gamma * x_hat + beta)"},
    "dinv_std": {"x": "x_hat = xc * inv_std, so dinv_std = sum(dx_hat * xc): it multiplies the centred xc, not x",
                 "x_hat": "x_hat = xc * inv_std, so dinv_std = sum(dx_hat * xc): it multiplies xc, not x_hat"},
    "dvar": {"no_half": "d/dvar (var + eps)^(-1/2) is -1/2 (var + eps)^(-3/2): the factor -1/2 is missing",
             "plus_half": "d/dvar (var + eps)^(-1/2) is -1/2 (var + eps)^(-3/2): the sign of the 1/2 is wrong",
             "power": "the power: d/dvar (var + eps)^(-1/2) = -1/2 (var + eps)^(-3/2), not ^(-1/2)",
             "power_no_eps": "eps is missing in dvar: -1/2 (var + eps)^(-3/2)"},
    "dxc": {"no_var": "xc fans out to x_hat AND to var: add the branch through var, dvar * 2 xc / N",
            "unbiased": "var divides by N (the biased variance), so d var / d xc = 2 xc / N, not 2 xc / (N - 1)",
            "no_n": "d var / d xc = 2 xc / N: the 1/N of the mean is missing",
            "no_2": "d var / d xc = 2 xc / N: the 2 of the square is missing",
            "x": "d var / d xc = 2 xc / N, with the centred xc, not x"},
    "dmu": {"plus": "xc = x - mu: the gradient reaching mu is MINUS the sum of dxc over the batch"},
    "dx": {"no_mu": "x fans out to xc AND to mu: add the branch through mu, dmu / N on every row",
           "no_n": "mu is the mean of x, so d mu / d x_i = 1/N: add dmu / N, not dmu",
           "minus": "d mu / d x_i = +1/N: dx = dxc + dmu / N (the minus sign is already in dmu)"},
}


def bn_chain_outputs(x, gamma, dout, eps):
    """``compute(choice)`` for :func:`wrong_answers.slot_mistakes`: every node of the staged batch-norm backward."""
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc * xc).mean(axis=0)
    inv_std = (var + eps) ** -0.5
    x_hat = xc * inv_std

    def compute(choice):
        dx_hat = dout if choice.get("dx_hat") else dout * gamma
        dinv_std = (dx_hat * {None: xc, "x": x, "x_hat": x_hat}[choice.get("dinv_std")]).sum(axis=0)
        dvar = {None: -0.5 * dinv_std * (var + eps) ** -1.5, "no_half": dinv_std * (var + eps) ** -1.5,
                "plus_half": 0.5 * dinv_std * (var + eps) ** -1.5, "power": -0.5 * dinv_std * (var + eps) ** -0.5,
                "power_no_eps": -0.5 * dinv_std * var ** -1.5}[choice.get("dvar")]
        branch = {None: dvar * 2 * xc / n, "no_var": 0.0, "unbiased": dvar * 2 * xc / (n - 1),
                  "no_n": dvar * 2 * xc, "no_2": dvar * xc / n, "x": dvar * 2 * x / n}[choice.get("dxc")]
        dxc = dx_hat * inv_std + branch
        dmu = dxc.sum(axis=0) if choice.get("dmu") else -dxc.sum(axis=0)
        dx = {None: dxc + dmu / n, "no_mu": dxc, "no_n": dxc + dmu, "minus": dxc - dmu / n}[choice.get("dx")]
        return {"dbeta": dout.sum(axis=0), "dgamma": (dout * x_hat).sum(axis=0), "dx_hat": dx_hat,
                "dinv_std": dinv_std, "dvar": dvar, "dxc": dxc, "dmu": dmu, "dx": dx}

    return compute


BN_COMPACT_SLOTS = {
    "first": {"dout": "gamma is missing from the first term: every term of dx uses g = dout * gamma"},
    "mean": {"dout": "gamma is missing from the mean term: subtract g.sum(axis=0) with g = dout * gamma",
             "mean": "the mean term is divided by N twice: N * g - g.sum(axis=0) (a sum, the 1/N is in front)",
             "none": _BN_MISTAKES["no mean"]},
    "var": {"dout": "gamma is missing from the variance term: x_hat * sum(g * x_hat) with g = dout * gamma",
            "mean": "the variance term is divided by N twice: x_hat * (g * x_hat).sum(axis=0) (a sum, the 1/N is in "
                    "front)",
            "xc": "the variance term uses the centred x where it needs x_hat: x_hat * sum(g * x_hat)",
            "unbiased": "the variance term has an N / (N - 1): the batch variance used in training is the biased one",
            "none": _BN_MISTAKES["no var"]},
    "scale": {"no_n": "the 1/N in front is missing: dx = inv_std / N * (N * g - ...)",
              "no_inv_std": "the factor inv_std = 1 / sqrt(var + eps) in front is missing",
              "std": "multiplied by sqrt(var + eps) where dx divides by it (inv_std = 1 / sqrt(var + eps))",
              "unbiased_std": "inv_std uses the unbiased variance: training normalizes with the biased one (divide by "
                              "N)"},
}


def bn_compact_outputs(x, gamma, dout, eps):
    """``compute(choice)`` for :func:`wrong_answers.slot_mistakes`: the one-line training dx, term by term."""
    n = x.shape[0]
    mean, biased, unbiased = _batch_stats(x)
    inv_std = 1 / np.sqrt(biased + eps)
    xc = x - mean
    x_hat = xc * inv_std
    g = dout * gamma

    def compute(choice):
        first = n * (dout if choice.get("first") else g)
        mean_term = {None: g.sum(axis=0), "dout": dout.sum(axis=0), "mean": g.mean(axis=0),
                     "none": 0.0}[choice.get("mean")]
        var_term = {None: x_hat * (g * x_hat).sum(axis=0), "dout": x_hat * (dout * x_hat).sum(axis=0),
                    "mean": x_hat * (g * x_hat).mean(axis=0), "xc": xc * (g * x_hat).sum(axis=0),
                    "unbiased": x_hat * (g * x_hat).sum(axis=0) * n / (n - 1), "none": 0.0}[choice.get("var")]
        scale = {None: inv_std / n, "no_n": inv_std, "no_inv_std": 1.0 / n, "std": np.sqrt(biased + eps) / n,
                 "unbiased_std": 1 / np.sqrt(unbiased + eps) / n}[choice.get("scale")]
        return {"dx": scale * (first - mean_term - var_term)}

    return compute


def _bn_dx_mistakes(x, gamma, dout, eps):
    """Every known wrong training dx: the one-line form's terms and the staged graph's nodes, one or two wrong."""
    compact = wrong_answers.slot_mistakes(bn_compact_outputs(x, gamma, dout, eps), BN_COMPACT_SLOTS, pairs=True)["dx"]
    chain = wrong_answers.slot_mistakes(bn_chain_outputs(x, gamma, dout, eps), BN_CHAIN_SLOTS)["dx"]
    return wrong_answers.merge_mistakes(compact, chain)


# -- early stopping ------------------------------------------------------------------------------

NAN = float("nan")
EARLY_CASES = [  # (losses, patience, min_delta, (best_epoch, stop_epoch)), worked out by hand
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.69, 0.8], 3, 0.0, (2, 5)),
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.69, 0.8], 4, 0.0, (6, None)),
    ([1.0, 0.97, 0.96, 0.9, 0.89, 0.88], 2, 0.05, (0, 2)),
    ([1.0, 0.97, 0.93, 0.9, 0.89], 3, 0.05, (2, None)),
    ([5.0, 4.0, 3.0, 2.0, 1.0], 1, 0.0, (4, None)),
    ([1.0, 2.0, 0.5], 1, 0.0, (0, 1)),
    ([1.0, 1.0, 1.0, 1.0], 2, 0.0, (0, 2)),
    ([1.0, NAN, NAN, 0.5, 0.6], 3, 0.0, (3, None)),
    ([1.0, NAN, NAN, 0.5], 2, 0.0, (0, 2)),
    ([], 3, 0.0, (None, None)),
]


def _produce_early(ex):
    return {"answers": [ex.early_stopping(list(losses), patience, min_delta)
                        for losses, patience, min_delta, _ in EARLY_CASES]}


def _as_epoch(value):
    if value is None:
        return None
    array = np.asarray(value) if not isinstance(value, dict) else np.asarray([])
    if array.shape == () and array.dtype.kind in "iuf" and float(array) == int(array):
        return int(array)
    return "?"


def _early_variant(losses, patience, min_delta, strict=True, reset=True, nan_improves=False, track=False):
    """The answer of early stopping with the given rule, to recognise a learner's off-by-one or tie rule."""
    best_epoch, best, waited = None, math.inf, 0
    for epoch, loss in enumerate(losses):
        improves = (loss < best - min_delta) if strict else (loss <= best - min_delta)
        if nan_improves:  # the test written as "not (loss >= best - min_delta)": any comparison with NaN improves
            improves = not (loss >= best - min_delta)
        if improves:
            best_epoch, best = epoch, loss
            waited = 0 if reset else waited
        else:
            if track and loss < best:  # the best loss follows every decrease, even one smaller than min_delta
                best = loss
            waited += 1
            if patience <= 0 or waited >= patience:
                return best_epoch, epoch
    return best_epoch, None


def _early_got(answer):
    """The learner's (best_epoch, stop_epoch) as comparable values ("?" where not an epoch)."""
    pair = answer if isinstance(answer, (list, tuple)) and len(answer) == 2 else (None, "?")
    return tuple(_as_epoch(v) for v in pair)


def _early_variants(losses, patience, min_delta, expected):
    """[(answer, sentence)]: the answers of the known wrong rules on one case."""
    variants = [
        (_early_variant(losses, patience + 1, min_delta), "stops one epoch late: stop as soon as `patience` "
         "epochs in a row have not improved"),
        (_early_variant(losses, patience - 1, min_delta), "stops one epoch early: allow `patience` epochs "
         "without improvement before stopping"),
        (_early_variant(losses, patience, min_delta, strict=False), "an equal loss is not an improvement:"
         " use a strict <"),
        (_early_variant(losses, patience, 0.0), "an improvement must beat the best loss by more than min_delta:"
         " loss < best - min_delta"),
        (_early_variant(losses, patience, -min_delta), "min_delta has the wrong sign: an improvement is"
         " loss < best - min_delta"),
        (_early_variant(losses, patience, min_delta, track=True), "the best loss is updated by a decrease smaller "
         "than min_delta: change best (and best_epoch) only when loss < best - min_delta"),
        (_early_variant(losses, patience, min_delta, reset=False), "the count of epochs without improvement is"
         " not reset when an epoch improves: set it back to 0"),
        (_early_variant(losses, patience, min_delta, nan_improves=True), "a NaN loss is never an improvement"
         " (comparisons with NaN are False): test loss < best - min_delta, not not (loss >= ...)"),
    ]
    stop = _early_variant(losses, patience, min_delta)[1]
    variants.append(((None if expected[0] is None else expected[0] + 1, None if stop is None else stop + 1),
                     "the epochs are counted from 1: return indices into val_losses, which count from 0"))
    variants.append(((expected[0], None if stop is None else stop + 1), "stop_epoch is one too large: it is the"
                     " index of the epoch after which training stops (counting from 0)"))
    if stop is None:
        variants.append(((expected[0], len(losses) - 1), "when training never stops, stop_epoch is None, not the "
                         "last epoch: return (best_epoch, None) after the loop"))
    return variants


def _early_consistent(answers):
    """The wrong rules that give every one of the learner's answers (a rule absent from a case gives the right one)."""
    per_case = [(dict((text, variant) for variant, text in _early_variants(losses, patience, min_delta, expected)),
                 expected, _early_got(answer))
                for (losses, patience, min_delta, expected), answer in zip(EARLY_CASES, answers, strict=True)]
    texts = {text for variants, _, _ in per_case for text in variants}
    return {text for text in texts if all(variants.get(text, expected) == got for variants, expected, got in per_case)}


def _judge_early(values):
    answers = values.get("answers")
    answers = answers if isinstance(answers, list) and len(answers) == len(EARLY_CASES) else [None] * len(EARLY_CASES)
    results = []
    # A rule that would have changed a case the learner got right is not theirs (a late stop and a NaN taken
    # as an improvement give the same answer on the NaN case, but not on the others).
    ruled_out = {text for (losses, patience, min_delta, expected), answer in zip(EARLY_CASES, answers, strict=True)
                 if _early_got(answer) == expected
                 for variant, text in _early_variants(losses, patience, min_delta, expected) if variant != expected}
    consistent = _early_consistent(answers)
    for (losses, patience, min_delta, expected), answer in zip(EARLY_CASES, answers, strict=True):
        pair = answer if isinstance(answer, (list, tuple)) and len(answer) == 2 else (None, "?")
        got = _early_got(answer)
        name = f"early_stopping({losses}, patience={patience}, min_delta={min_delta})"
        if got == expected:
            results.append(gradcheck.verdict(name, True))
            continue
        variants = [(v, text) for v, text in _early_variants(losses, patience, min_delta, expected)
                    if text not in ruled_out]
        matching = [text for variant, text in variants if got == variant]
        # Of the rules that fit this case, those that also give every other answer of the learner come first.
        matching = [text for text in matching if text in consistent] or matching
        diagnosis = matching[0] if len(matching) == 1 else \
            ("one of these (they give the same answer here): " + " | ".join(matching) if matching else "")
        if not diagnosis and got[0] == "?" and isinstance(pair[0], (int, float)) and expected[0] is not None \
                and pair[0] == losses[expected[0]]:
            diagnosis = "returned the best loss; return the best epoch's index (its position in val_losses)"
        if not diagnosis and got[1] == expected[1] and got[0] != expected[0]:
            diagnosis = ("the stopping epoch is right, the best epoch is not: best_epoch is the index of the lowest "
                         "loss seen up to the stop (the last improvement), not the epoch where training stops")
        elif not diagnosis and got[0] == expected[0] and got[1] != expected[1]:
            diagnosis = ("the best epoch is right, the stopping epoch is not: stop after `patience` epochs in a row "
                         "without improvement; return None when that never happens")
        if not diagnosis and any(math.isnan(v) for v in losses):
            diagnosis = "a NaN loss is never an improvement (comparisons with NaN are False)"
        if not isinstance(answer, (list, tuple)) or len(answer) != 2:
            diagnosis = "return a pair (best_epoch, stop_epoch); stop_epoch is None when training does not stop"
        results.append(gradcheck.verdict(name, False, f"returned {answer!r}, expected {expected}", diagnosis))
    return results


# -- batch norm backward, staged: every node of the graph checked on its own ---------------------
#
# The reference for each node is the central difference of the loss L = sum(dout * y) as a function
# of that node's value, with everything downstream of the node recomputed from it (the graph of the
# exercise's docstring, written again here). Wrong answers recognised: a missing fan-out branch (xc
# into var, x into mu), the mean's 1/N, the -1/2 power, the N - 1 of the unbiased variance, gamma.

STAGES = ("dbeta", "dgamma", "dx_hat", "dinv_std", "dvar", "dxc", "dmu", "dx")
STAGED_EPS = 1e-5


def _staged_inputs():
    x, gamma, beta, _, _, dout = _bn_inputs()
    return x, gamma, beta, dout


def _produce_bn_staged(ex):
    x, gamma, _, dout = _staged_inputs()
    result, seen = call(ex.batchnorm_backward_staged, dout, x, gamma, STAGED_EPS, names=("dout", "x", "gamma", "eps"))
    return {"stages": result, "witness": [seen]}


def _staged_graph(x):
    """The forward nodes of the exercise's graph: mu, xc, var, inv_std, x_hat."""
    n = x.shape[0]
    mu = x.sum(axis=0) / n
    xc = x - mu
    var = (xc * xc).sum(axis=0) / n
    inv_std = (var + STAGED_EPS) ** -0.5
    return mu, xc, var, inv_std, xc * inv_std


def _staged_numeric():
    """dL/d(node) for every node, by central differences of the downstream computation."""
    x, gamma, beta, dout = _staged_inputs()
    n = x.shape[0]
    mu, xc, var, inv_std, x_hat = _staged_graph(x)
    loss_of_y = lambda y: float(np.sum(dout * y))
    from_x_hat = lambda v: loss_of_y(gamma * v + beta)
    from_inv_std = lambda v: from_x_hat(xc * v)
    from_var = lambda v: from_inv_std((v + STAGED_EPS) ** -0.5)
    from_xc = lambda v: from_x_hat(v * ((v * v).sum(axis=0) / n + STAGED_EPS) ** -0.5)  # var recomputed from xc
    from_mu = lambda v: from_xc(x - v)
    from_x = lambda v: from_xc(v - v.sum(axis=0) / n)  # mu recomputed from x
    grad = gradcheck.numerical_gradient
    return {"dbeta": grad(lambda v: loss_of_y(gamma * x_hat + v), beta.copy()),
            "dgamma": grad(lambda v: loss_of_y(v * x_hat + beta), gamma.copy()),
            "dx_hat": grad(from_x_hat, x_hat.copy()),
            "dinv_std": grad(from_inv_std, inv_std.copy()),
            "dvar": grad(from_var, var.copy()),
            "dxc": grad(from_xc, xc.copy()),
            "dmu": grad(from_mu, mu.copy()),
            "dx": grad(from_x, x.copy())}


def _staged_mistakes():
    """Wrong stage gradients, each computed from the same inputs with one realistic slip."""
    x, gamma, _, dout = _staged_inputs()
    n = x.shape[0]
    _, xc, var, inv_std, x_hat = _staged_graph(x)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = -0.5 * dinv_std * (var + STAGED_EPS) ** -1.5
    dxc = dx_hat * inv_std + dvar * 2 * xc / n
    dmu = -dxc.sum(axis=0)
    return {
        "dgamma": {"y = gamma * x_hat + beta: dgamma sums dout * x_hat over the batch, not dout alone":
                   dout.sum(axis=0)},
        "dx_hat": {"y = gamma * x_hat: multiply dout by gamma": dout},
        "dinv_std": {"x_hat = xc * inv_std: multiply by xc (the centred x), not x": (dx_hat * x).sum(axis=0)},
        "dvar": {"d/dvar (var + eps)^(-1/2) is -1/2 (var + eps)^(-3/2): the factor -1/2 is missing":
                 dinv_std * (var + STAGED_EPS) ** -1.5,
                 "the power: d/dvar (var + eps)^(-1/2) = -1/2 (var + eps)^(-3/2), not ^(-1/2)":
                 -0.5 * dinv_std * (var + STAGED_EPS) ** -0.5},
        "dxc": {"xc fans out to x_hat AND to var: add the branch through var, dvar * 2 xc / N":
                dx_hat * inv_std,
                "var divides by N (the biased variance), so d var / d xc = 2 xc / N, not 2 xc / (N - 1)":
                dx_hat * inv_std + dvar * 2 * xc / (n - 1),
                "d var / d xc = 2 xc / N: the 1/N of the mean is missing": dx_hat * inv_std + dvar * 2 * xc},
        "dmu": {"xc = x - mu: the gradient reaching mu is MINUS the sum of dxc over the batch": dxc.sum(axis=0),
                "mu is broadcast to every row of xc: sum dxc over the batch (axis 0)": -dxc},
        "dx": {"x fans out to xc AND to mu: add the branch through mu, dmu / N on every row": dxc,
               "mu is the mean of x, so d mu / d x_i = 1/N: add dmu / N, not dmu": dxc + dmu},
    }


def _judge_bn_staged(values):
    x, gamma, _, dout = _staged_inputs()
    stages = values.get("stages")
    if not isinstance(stages, dict):
        return [gradcheck.verdict("stages", False, f"returned {type(stages).__name__}",
                                  f"return a dict with the keys {', '.join(STAGES)}")]
    expected, mistakes = _staged_numeric(), _staged_mistakes()
    chain = {}

    def stage_mistakes(stage):  # computed only for a wrong answer, once for every stage
        if not chain:
            chain.update(wrong_answers.slot_mistakes(bn_chain_outputs(x, gamma, dout, STAGED_EPS), BN_CHAIN_SLOTS))
        return wrong_answers.merge_mistakes(mistakes.get(stage, {}), chain[stage])

    results = [in_place.not_modified(values.get("witness"), inputs=[(dout, x, gamma, STAGED_EPS)])]
    for stage in STAGES:
        if stage not in stages:
            results.append(gradcheck.verdict(stage, False, "missing from the returned dict",
                                             f"add the key {stage!r}: dL/d{stage[1:]}"))
            continue
        results.append(gradcheck.compare(stage, stages[stage], expected[stage], threshold=1e-7,
                                         batch_size=x.shape[0], mistakes=lambda stage=stage: stage_mistakes(stage)))
    return results



CHECKS = [
    Check(lesson="05", name="l2_penalty", points=2, module=MODULE, produce=_produce_penalty("l2_penalty"),
          judge=_judge_l2, functions=("l2_penalty",), hint=SECTIONS["l2"]),
    Check(lesson="05", name="l1_penalty", points=2, module=MODULE, produce=_produce_penalty("l1_penalty"),
          judge=_judge_l1, functions=("l1_penalty",), hint=SECTIONS["l1"]),
    Check(lesson="05", name="dropout_forward", points=3, module=MODULE, produce=_produce_dropout_forward,
          judge=_judge_dropout_forward, functions=("dropout_forward",), hint=SECTIONS["dropout"]),
    Check(lesson="05", name="dropout_backward", points=2, module=MODULE, produce=_produce_dropout_backward,
          judge=_judge_dropout_backward, functions=("dropout_forward", "dropout_backward"), hint=SECTIONS["dropout"]),
    Check(lesson="05", name="early_stopping", points=2, module=MODULE, produce=_produce_early,
          judge=_judge_early, functions=("early_stopping",), hint=SECTIONS["early"]),
    Check(lesson="05", name="batchnorm_forward", points=3, module=MODULE, produce=_produce_bn_forward,
          judge=_judge_bn_forward, functions=("batchnorm_forward",), hint=SECTIONS["bn"]),
    Check(lesson="05", name="batchnorm_backward", points=3, module=MODULE, produce=_produce_bn_backward,
          judge=_judge_bn_backward, functions=("batchnorm_forward", "batchnorm_backward"), hint=SECTIONS["bn"]),
    Check(lesson="05", name="batchnorm_backward_staged", points=3, module=MODULE, produce=_produce_bn_staged,
          judge=_judge_bn_staged, functions=("batchnorm_backward_staged",), hint=SECTIONS["bn"]),
]
