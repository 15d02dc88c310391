"""Lesson 03: initialization (checked statistically), per-layer gradient norms, clipping, RNN and BPTT.

References are closed forms and central differences of formulas written here
(the reference ``bplab.nn.rnn_forward`` gives forward values only).

Thresholds
----------
- Gradients: 1e-7 (central differences of smooth functions score about 1e-10 when right).
- Closed-form values (forward passes, clipping): 1e-9; clipping must keep torch's ``+ 1e-6``,
  which changes the result by about ``1e-6 / total_norm`` relative, so 1e-9 tells the two apart.
- Initializations are random, so they are checked by their statistics over ``n`` entries. The
  sample standard deviation ``s`` of ``n`` i.i.d. draws of kurtosis ``κ`` has a relative standard
  error of ``sqrt((κ - 1) / (4 n))`` (``κ = 9/5`` uniform, 3 normal); the sample mean ``σ / sqrt(n)``;
  the sample kurtosis about ``sqrt(24 / n)`` (normal) and ``1.12 / sqrt(n)`` (uniform). Each statistic
  may deviate by 6 standard errors: a correct implementation fails with probability below 1e-8
  (and the seeds are fixed), while a wrong formula (``fan_in`` for ``fan_in + fan_out``, a missing
  ``sqrt(2)`` or ``sqrt(3)``) is off by 15 % or more, 10 standard errors at least.
"""

from __future__ import annotations

import math

import numpy as np

from bplab import gradcheck, nn
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import call, each

MODULE = "ex03_vanishing"
SECTIONS = {
    "xavier": 'notebook 03, section "4. Glorot and Bengio: keep the variance"',
    "he": 'notebook 03, section "5. He et al.: ReLU halves the variance"',
    "norms": 'notebook 03, section "7. Per-layer gradient norms"',
    "rnn": 'notebook 03, section "8. Recurrent networks"',
    "bptt": 'notebook 03, section "9. Backpropagation through time"',
    "clip": 'notebook 03, section "10. Gradient clipping"',
}
TOLERANCE_SE = 6.0


# -- initialization, checked statistically -----------------------------------------------------

XAVIER_CASES = [(200, 100, 1.0, 31), (60, 300, 5.0 / 3.0, 32)]
HE_CASES = [(250, 80, math.sqrt(2.0), 33), (100, 240, 1.0, 34)]


def _produce_init(name, cases):
    def produce(ex):
        fn = getattr(ex, name)
        draws = [call(fn, fan_in, fan_out, gain, np.random.default_rng(seed))[0]
                 for fan_in, fan_out, gain, seed in cases]
        # Determinism: the same generator state twice, then another seed.
        again = [fn(7, 5, 1.0, np.random.default_rng(s)) for s in (5, 5, 6)]
        return {"draws": draws, "again": again}
    return produce


# Known wrong formulas: (description, std of the draws as a function of (fan_in, fan_out, gain), distribution).
# The judge names the ones whose predicted std and shape fit EVERY case (the cases differ in fans and gain,
# so that two formulas that agree by coincidence on one case are told apart on the other).
INIT_MISTAKES = {
    "uniform": [
        ("only fan_in in the bound: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * math.sqrt(6.0 / fi) / math.sqrt(3.0), "uniform"),
        ("only fan_out in the bound: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * math.sqrt(6.0 / fo) / math.sqrt(3.0), "uniform"),
        ("a std formula used as the bound: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) has std "
         "a / sqrt(3)", lambda fi, fo, g: g * math.sqrt(2.0 / (fi + fo)) / math.sqrt(3.0), "uniform"),
        ("the gain is missing from the bound a", lambda fi, fo, g: math.sqrt(6.0 / (fi + fo)) / math.sqrt(3.0),
         "uniform"),
        ("the square root is missing: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * 6.0 / (fi + fo) / math.sqrt(3.0), "uniform"),
        ("drew from a normal with std a: Xavier uniform draws from U(-a, a) (rng.uniform)",
         lambda fi, fo, g: g * math.sqrt(6.0 / (fi + fo)), "normal"),
        ("drew from a normal (that is xavier_normal): draw from U(-a, a) (rng.uniform)",
         lambda fi, fo, g: g * math.sqrt(2.0 / (fi + fo)), "normal"),
        ("the square root covers only the 6: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * math.sqrt(6.0) / (fi + fo) / math.sqrt(3.0), "uniform"),
        ("a bracket is missing: a = gain * sqrt(6 / (fan_in + fan_out)), not sqrt(6 / fan_in + fan_out)",
         lambda fi, fo, g: g * math.sqrt(6.0 / fi + fo) / math.sqrt(3.0), "uniform"),
        ("the bound uses 2 instead of 6: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * math.sqrt(2.0 / (fi + fo)) / math.sqrt(3.0), "uniform"),
        ("the bound uses 3 instead of 6: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * math.sqrt(3.0 / (fi + fo)) / math.sqrt(3.0), "uniform"),
        ("the gain is inside the square root: a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: math.sqrt(g * 6.0 / (fi + fo)) / math.sqrt(3.0), "uniform"),
        ("the gain is applied twice: a = gain * sqrt(6 / (fan_in + fan_out)), then draw U(-a, a) (no more gain)",
         lambda fi, fo, g: g * g * math.sqrt(6.0 / (fi + fo)) / math.sqrt(3.0), "uniform"),
        ("the draws span half the range: draw from U(-a, a), with a = gain * sqrt(6 / (fan_in + fan_out))",
         lambda fi, fo, g: g * math.sqrt(6.0 / (fi + fo)) / 2 / math.sqrt(3.0), "uniform"),
    ],
    "normal": [
        ("used fan_out: He's fan_in mode has std = gain / sqrt(fan_in)",
         lambda fi, fo, g: g / math.sqrt(fo), "normal"),
        ("used fan_in + fan_out (that is Xavier's): He's std is gain / sqrt(fan_in)",
         lambda fi, fo, g: g * math.sqrt(2.0 / (fi + fo)), "normal"),
        ("the gain argument is ignored (a hard-coded sqrt(2)): std = gain / sqrt(fan_in)",
         lambda fi, fo, g: math.sqrt(2.0 / fi), "normal"),
        ("the gain is missing: std = gain / sqrt(fan_in)", lambda fi, fo, g: 1.0 / math.sqrt(fi), "normal"),
        ("a factor 2 applied on top of the gain: std = gain / sqrt(fan_in), nothing more",
         lambda fi, fo, g: g * math.sqrt(2.0 / fi), "normal"),
        ("the variance was passed as the std: rng.normal takes the std, gain / sqrt(fan_in)",
         lambda fi, fo, g: g * g / fi, "normal"),
        ("the square root is missing: std = gain / sqrt(fan_in)", lambda fi, fo, g: g / fi, "normal"),
        ("drew from a uniform: He normal draws from N(0, std**2) (rng.normal)",
         lambda fi, fo, g: g / math.sqrt(fi), "uniform"),
        ("drew from U(-std, std): He normal draws from N(0, std**2) (rng.normal)",
         lambda fi, fo, g: g / math.sqrt(fi) / math.sqrt(3.0), "uniform"),
        ("used fan_in + fan_out: He's std is gain / sqrt(fan_in)", lambda fi, fo, g: g / math.sqrt(fi + fo), "normal"),
        ("the gain is inside the square root: std = gain / sqrt(fan_in)", lambda fi, fo, g: math.sqrt(g / fi),
         "normal"),
        ("the gain multiplies fan_in: std = gain / sqrt(fan_in)", lambda fi, fo, g: 1 / math.sqrt(g * fi), "normal"),
        ("the gain is squared: std = gain / sqrt(fan_in)", lambda fi, fo, g: g * g / math.sqrt(fi), "normal"),
        ("the square root covers only the gain: std = gain / sqrt(fan_in)", lambda fi, fo, g: math.sqrt(g) / fi,
         "normal"),
        ("divided by 2 * fan_in: with the default gain sqrt(2), std = sqrt(2 / fan_in) = gain / sqrt(fan_in)",
         lambda fi, fo, g: g / math.sqrt(2 * fi), "normal"),
    ],
}
KURTOSIS = {"uniform": 1.8, "normal": 3.0}


def _fits(W, std, kind):
    """Whether the draws W are consistent (within TOLERANCE_SE) with a zero-mean ``kind`` distribution of ``std``."""
    n = W.size
    s = float(W.std())
    mean = float(W.mean())
    if s == 0 or abs(s / std - 1.0) > TOLERANCE_SE * math.sqrt((KURTOSIS[kind] - 1.0) / (4.0 * n)):
        return False
    kurtosis = float(np.mean((W - mean) ** 4) / s ** 4)
    return abs(kurtosis - KURTOSIS[kind]) <= TOLERANCE_SE * (math.sqrt(24.0 / n) if kind == "normal" else 1.12 / math.sqrt(n))


def _init_diagnosis(draws, cases, kind):
    """The known wrong formulas that fit every case's draws (all of them when several do), or ''."""
    arrays = []
    for (fan_in, fan_out, _, _), W in zip(cases, draws):
        if not isinstance(W, np.ndarray) or W.shape != (fan_in, fan_out) or W.dtype.kind != "f" \
                or not np.all(np.isfinite(W)):
            return ""
        arrays.append(W.astype(np.float64))
    found = [text for text, std_of, drawn in INIT_MISTAKES[kind]
             if all(_fits(W, std_of(fi, fo, g), drawn) for W, (fi, fo, g, _) in zip(arrays, cases))]
    if len(found) > 1:
        return "one of these (they give the same numbers here): " + " | ".join(found)
    return found[0] if found else ""


def _statistics(name, W, shape, std, kind, bound=None, known=""):
    """Verdicts on one random matrix: its shape and dtype, mean, std, kurtosis and (uniform) bound.

    ``known`` names a wrong formula that fits every case: it is the diagnosis of every failing statistic.
    """
    if isinstance(W, np.ndarray) and W.shape == shape[::-1] and shape[0] != shape[1]:
        return [gradcheck.verdict(name, False, f"has shape {W.shape}, expected {shape}",
                                  "the shape is transposed: W has shape (fan_in, fan_out)")]
    form = gradcheck.compare(name, W, np.zeros(shape))  # reuses the shape / dtype / NaN diagnoses
    if form.detail:
        return [form]
    W = np.asarray(W, dtype=np.float64)
    n = W.size
    kurtosis_expected = 1.8 if kind == "uniform" else 3.0
    s, mean = float(W.std()), float(W.mean())
    kurtosis = float(np.mean((W - mean) ** 4) / s ** 4) if s > 0 else float("nan")
    se_std = math.sqrt((kurtosis_expected - 1.0) / (4.0 * n))
    results = [
        gradcheck.verdict(f"{name} mean", abs(mean) <= TOLERANCE_SE * std / math.sqrt(n),
                          f"mean {mean:.4g}, expected 0 (within {TOLERANCE_SE * std / math.sqrt(n):.2g})",
                          "the entries must be centred on 0" + (": draw from U(-a, a), not U(0, a)" if kind == "uniform"
                                                                else ": N(0, std**2)")),
        gradcheck.verdict(f"{name} std", abs(s / std - 1.0) <= TOLERANCE_SE * se_std,
                          f"sample std {s:.5g}, expected {std:.5g} (ratio {s / std:.4f}, allowed "
                          f"1 ± {TOLERANCE_SE * se_std:.3f} over {n} entries)", known or _std_diagnosis(s / std, kind)),
    ]
    # Standard errors of the sample kurtosis: sqrt(24 / n) for a normal, about 1.12 / sqrt(n) for a uniform
    # (by simulation: 1000 samples of 20000 draws).
    kurtosis_tolerance = TOLERANCE_SE * (math.sqrt(24.0 / n) if kind == "normal" else 1.12 / math.sqrt(n))
    results.append(gradcheck.verdict(
        f"{name} distribution", abs(kurtosis - kurtosis_expected) <= kurtosis_tolerance,
        f"sample kurtosis {kurtosis:.3f}, expected {kurtosis_expected} for a {kind} distribution",
        known or f"draw from a {kind} distribution" + (" (rng.uniform(-a, a, size=...))" if kind == "uniform"
                                                       else " (rng.normal(0, std, size=...))")))
    if bound is not None:
        largest = float(np.max(np.abs(W)))
        results.append(gradcheck.verdict(
            f"{name} bound", bound * (1 - 1e-3) < largest <= bound,
            f"largest |W| is {largest:.5g}, the bound a is {bound:.5g}",
            known or "U(-a, a) reaches (almost) a and never exceeds it: check the formula of a"))
    return results


def _std_diagnosis(ratio, kind):
    """No known formula fits every case: say how far off this case is, without guessing a cause."""
    return (f"the spread is {ratio:.3g} times the expected one: compare your formula with the docstring's "
            "(fan_in, fan_out, gain, square roots)")


def _determinism(values, name):
    again = values.get("again")
    try:
        first, repeat, other = (np.asarray(a, dtype=np.float64) for a in again)
        same, differs = bool(np.array_equal(first, repeat)), not np.array_equal(first, other)
    except Exception:  # noqa: BLE001 - malformed values are a failed check, not a crash
        return gradcheck.verdict(f"{name} determinism", False, "did not return arrays for the determinism test")
    return gradcheck.verdict(
        f"{name} determinism", same and differs,
        "two generators with the same seed gave different matrices" if not same
        else "different seeds gave the same matrix",
        "draw every number from rng (rng.uniform / rng.normal), never from np.random")


def _judge_init(name, cases, kind):
    def judge(values):
        draws = values.get("draws")
        draws = list(draws) if isinstance(draws, (list, tuple)) else [None] * len(cases)
        def statistics(known):
            results = []
            for i, ((fan_in, fan_out, gain, _), W) in enumerate(zip(cases, draws + [None] * len(cases))):
                if kind == "uniform":
                    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
                    std, extra = bound / math.sqrt(3.0), {"bound": bound}
                else:
                    std, extra = gain / math.sqrt(fan_in), {}
                results += _statistics(f"W{i + 1} ({fan_in}x{fan_out}, gain {gain:.3g})", W, (fan_in, fan_out),
                                       std, kind, known=known, **extra)
            return results

        results = statistics("")
        if not all(r.passed for r in results):  # name the wrong formula only when there is one to name
            results = statistics(_init_diagnosis(draws, cases, kind))
        return results + [_determinism(values, name)]
    return judge


# -- per-layer gradient norms ------------------------------------------------------------------

def _norm_inputs():
    rng = np.random.default_rng(35)
    sizes = [5, 6, 6, 6, 6, 6, 3]
    weights = [rng.normal(size=(a, b)) * 1.3 / math.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=b) * 0.1 for b in sizes[1:]]
    return rng.normal(size=(4, sizes[0])), weights, biases, rng.normal(size=(4, sizes[-1]))


def _produce_norms(ex):
    x, weights, biases, dout = _norm_inputs()
    norms, seen = call(ex.layer_gradient_norms, x, weights, biases, dout, names=("x", "weights", "biases", "dout"))
    return {"norms": norms, "witness": [seen]}


def _tanh_net(x, weights, biases):
    h = x
    for W, b in zip(weights, biases):
        h = np.tanh(h @ W + b)
    return h


_NORM_MISTAKES = {
    "pre": "tanh's derivative taken from the pre-activation z: it is 1 - h**2 with h = tanh(z), the layer's OUTPUT",
    "no tanh": "tanh's derivative (1 - h_l**2) is missing from the backward pass",
    "activations": "these are the norms of dL/dh_l (the activations' gradients); the weights' are h_(l-1).T @ da_l",
    "propagate": "the gradient is passed down without tanh's derivative: dh_(l-1) = da @ W.T with "
                 "da = dh * (1 - h**2), not dh @ W.T",
    "mean": "divided by the batch size: the upstream dout already carries any average",
    "output": "dW_l pairs da_l with the layer's output h_l; it is h_(l-1).T @ da_l, with the layer's INPUT",
}


def _norms_variant(x, weights, biases, dout, mistake, local_expr=None):
    """Per-layer norms computed with one known mistake (recomputed to recognise it).

    ``mistake`` is a key of ``_NORM_MISTAKES``, or ``"da"`` (the norms of da_l = dL/dz_l instead of the
    weights' gradients), or ``"local"``: tanh's local derivative replaced by the wrong expression
    ``local_expr`` of :func:`bplab.grading.wrong_answers.wrong_derivatives`.
    """
    hs, zs = [x], []
    for W, b in zip(weights, biases):
        zs.append(hs[-1] @ W + b)
        hs.append(np.tanh(zs[-1]))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        if mistake == "local":
            local = wrong_answers.wrong_derivatives("tanh", zs[k], hs[k + 1], "z", "h")[1][local_expr]
        else:
            local = {"pre": 1.0 - zs[k] ** 2, "no tanh": 1.0}.get(mistake, 1.0 - hs[k + 1] ** 2)
        da = dh * local
        grad = (hs[k + 1] if mistake == "output" else hs[k]).T @ da / (len(x) if mistake == "mean" else 1)
        norms[k] = np.linalg.norm({"activations": dh, "da": da}.get(mistake, grad))
        dh = (dh if mistake == "propagate" else da) @ weights[k].T
    return norms


def _judge_norms(values):
    x, weights, biases, dout = _norm_inputs()
    expected = []
    for k in range(len(weights)):
        def loss(W_k, k=k):
            return np.sum(_tanh_net(x, weights[:k] + [W_k] + weights[k + 1:], biases) * dout)
        expected.append(np.linalg.norm(gradcheck.numerical_gradient(loss, weights[k].copy())))
    expected = np.array(expected)
    mistakes = {"listed from the last layer to the first: norms[0] must be the first layer's": expected[::-1],
                "squared norms: take the square root (np.linalg.norm)": expected ** 2,
                **{text: _norms_variant(x, weights, biases, dout, key) for key, text in _NORM_MISTAKES.items()}}
    local_wrong = wrong_answers.wrong_derivatives("tanh", np.zeros(1), np.zeros(1), "z", "h")

    def all_mistakes():  # computed only when the norms are wrong
        return wrong_answers.merge_mistakes(
            mistakes,
            {"these are the norms of da_l = dL/dz_l; the weights' gradient is h_(l-1).T @ da_l":
                _norms_variant(x, weights, biases, dout, "da")},
            {f"tanh's derivative is computed as {expr}; it is {local_wrong[0]} with h the layer's output":
                _norms_variant(x, weights, biases, dout, "local", expr) for expr in local_wrong[1]})
    return [in_place.not_modified(values.get("witness"), inputs=[(x, weights, biases, dout)]),
            gradcheck.compare("norms", values.get("norms"), expected, threshold=1e-7, mistakes=all_mistakes)]


# -- clipping ----------------------------------------------------------------------------------

CLIP_CASES = [(1.0, 40), (100.0, 41), (3.0, 42)]


def _clip_grads(seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)) * 2.0, rng.normal(size=4) * 2.0, rng.normal(size=(2, 2))]


def _produce_clip(ex):
    def run(case):
        max_norm, seed = case
        grads = _clip_grads(seed)
        total, _ = call(ex.clip_grad_norm, grads, max_norm, names=("grads", "max_norm"))
        return {"total": total, "after": np.concatenate([g.ravel() for g in grads])}

    return {"cases": each(CLIP_CASES, run, ex)}


def _judge_clip(values):
    cases = values.get("cases")
    cases = list(cases) if isinstance(cases, (list, tuple)) else []
    cases += [{}] * (len(CLIP_CASES) - len(cases))
    results = []
    for (max_norm, seed), got in zip(CLIP_CASES, cases):
        got = got if isinstance(got, dict) else {}
        grads = _clip_grads(seed)
        flat = np.concatenate([g.ravel() for g in grads])
        total = math.sqrt(float(np.sum(flat ** 2)))
        expected = flat * min(1.0, max_norm / (total + 1e-6))
        per_tensor = [np.concatenate([g.ravel() * min(1.0, max_norm / (np.linalg.norm(g) + eps)) for g in grads])
                      for eps in (0.0, 1e-6)]
        summed = sum(float(np.linalg.norm(g)) for g in grads)  # a sum of norms is not the global norm
        label = f"max_norm={max_norm:g}"
        if gradcheck.raised(f"clip_grad_norm ({label})", got):
            results.append(gradcheck.raised(f"clip_grad_norm ({label})", got))
            continue
        after_mistakes = {"the gradients are unchanged: either the condition never held (scale when c = max_norm / "
                          "(total_norm + 1e-6) is BELOW 1) or they were not changed in place (g *= c changes the "
                          "array itself; g = g * c does not)": flat,
                          "the 1e-6 is missing: the factor is max_norm / (total_norm + 1e-6), as torch's":
                              flat * min(1.0, max_norm / total),
                          "each gradient was clipped by its own norm; clip by the global norm of all of them":
                              gradcheck.AnyOf(*per_tensor),
                          "clipped by value (each entry into [-max_norm, max_norm]); clip_grad_norm scales every "
                          "gradient by one factor, from the global norm": np.clip(flat, -max_norm, max_norm),
                          "the total norm is the sum of the gradients' norms; it is sqrt(sum of all squares)":
                              flat * min(1.0, max_norm / (summed + 1e-6)),
                          "scaled even though the norm is below max_norm: multiply only when the factor is below 1":
                              flat * max_norm / (total + 1e-6)}
        results.append(gradcheck.compare(f"total_norm ({label})", got.get("total"), total, threshold=1e-9,
                                         mistakes={"returned the norm after clipping; return the one before":
                                                   min(total, max_norm),
                                                   "returned the squared norm: take the square root": total ** 2,
                                                   "returned the clipping factor; return the total norm (before "
                                                   "clipping)": gradcheck.AnyOf(max_norm / (total + 1e-6),
                                                                                min(1.0, max_norm / (total + 1e-6))),
                                                   "the total norm is the sum of the gradients' norms; it is "
                                                   "sqrt(sum of all squares)": summed}))
        results.append(gradcheck.compare(f"clipped grads ({label})", got.get("after"), expected, threshold=1e-9,
                                         mistakes=after_mistakes))
    return results


# -- RNN step ----------------------------------------------------------------------------------

def _step_inputs():
    rng = np.random.default_rng(36)
    N, D, H = 3, 4, 5
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) * 0.5,
            rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.5, rng.normal(size=(N, H)))


def _produce_step(ex):
    x, h_prev, Wx, Wh, b, dh = _step_inputs()
    names = ("x", "h_prev", "Wx", "Wh", "b")
    (h, cache), seen = call(ex.rnn_step_forward, x, h_prev, Wx, Wh, b, names=names)
    grads, seen_back = call(ex.rnn_step_backward, dh, cache, names=("dh", "cache"), repeat=True)
    return {"h": h, "grads": grads, "witness": [seen, seen_back]}


def _judge_step(values):
    x, h_prev, Wx, Wh, b, dh = _step_inputs()
    inputs = [x, h_prev, Wx, Wh, b]
    names = ["dx", "dh_prev", "dWx", "dWh", "db"]

    def step(*args):
        return np.tanh(args[0] @ args[2] + args[1] @ args[3] + args[4])

    h = step(*inputs)
    z = x @ Wx + h_prev @ Wh + b
    results = [in_place.not_modified(values.get("witness"), inputs=[tuple(inputs), (dh, in_place.Cache(repeat=True))]),
               gradcheck.compare("h", values.get("h"), h, threshold=1e-9, mistakes={
                   "the bias b is missing: h = tanh(x @ Wx + h_prev @ Wh + b)": step(x, h_prev, Wx, Wh, 0 * b),
                   "tanh is missing: h = tanh(x @ Wx + h_prev @ Wh + b)": z,
                   "the bias is added after tanh: it goes inside, h = tanh(x @ Wx + h_prev @ Wh + b)":
                       np.tanh(z - b) + b})]

    def grads_from(da, h_prev=h_prev):
        return [da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)]

    da = dh * (1 - h ** 2)
    known = {"tanh's derivative is missing: multiply dh by (1 - h**2) first": grads_from(dh),
             "tanh's derivative taken from the pre-activation z: it is 1 - h**2 with h = tanh(z), the OUTPUT":
                 grads_from(dh * (1 - z ** 2)),
             "tanh's derivative taken from h_prev: it is 1 - h**2 with h this step's OUTPUT":
                 grads_from(dh * (1 - h_prev ** 2)),
             "dWh pairs da with this step's h; it multiplies h_prev, so dWh = h_prev.T @ da": [
                 None, None, None, h.T @ da, None]}
    order = "the gradients are returned in the wrong order: dx, dh_prev, dWx, dWh, db"
    right = grads_from(da)

    def mistakes_of(i, name):  # computed only when that gradient is wrong (compare calls it then)
        derived = wrong_answers.derivative_mistakes("tanh", z, lambda local: grads_from(dh * local)[i], post=h,
                                                where="da")
        mistakes = {text: g[i] for text, g in known.items() if g[i] is not None}
        mistakes[order] = gradcheck.AnyOf(*[g for j, g in enumerate(right) if j != i])
        mistakes = wrong_answers.merge_mistakes(mistakes, derived)
        if name == "db":
            mistakes["db is not summed over the batch: b is shared by every row, db = da.sum(axis=0)"] = da
            mistakes["db is summed over the wrong axis: db = da.sum(axis=0)"] = gradcheck.AnyOf(da.sum(axis=1),
                                                                                              da.sum())
        else:
            named = {"da": da, "x": x, "h_prev": h_prev, "h": h, "Wx": Wx, "Wh": Wh}
            formulas = {"dx": "da @ Wx.T", "dh_prev": "da @ Wh.T", "dWx": "x.T @ da", "dWh": "h_prev.T @ da"}
            mistakes = wrong_answers.merge_mistakes(mistakes, wrong_answers.formula_mistakes(
                name, formulas[name], gradcheck.products(named)))
        return mistakes

    results += [r for r in [wrong_answers.returned_count(values.get("grads"), names, "rnn_step_backward")] if r is not None]
    for i, (name, got) in enumerate(zip(names, wrong_answers.unpack(values.get("grads"), 5, "rnn_step_backward"))):
        def f(value, i=i):
            return step(*[value if j == i else a for j, a in enumerate(inputs)])
        numeric = gradcheck.numerical_gradient_array(f, inputs[i].copy(), dh)
        results.append(gradcheck.compare(name, got, numeric, threshold=1e-7,
                                         mistakes=lambda i=i, name=name: mistakes_of(i, name)))
    return results


# -- BPTT --------------------------------------------------------------------------------------

def _bptt_inputs():
    rng = np.random.default_rng(37)
    N, T, D, H = 3, 5, 4, 5
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) * 0.5,
            rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.5, rng.normal(size=(N, T, H)))


def _produce_bptt(ex):
    x, h0, Wx, Wh, b, dh = _bptt_inputs()
    (h, cache), seen = call(ex.rnn_forward, x, h0, Wx, Wh, b, names=("x", "h0", "Wx", "Wh", "b"))
    grads, seen_back = call(ex.rnn_backward, dh, cache, names=("dh", "cache"), repeat=True)
    return {"h": h, "grads": grads, "witness": [seen, seen_back]}


def _truncated(inputs, dh):
    """The gradients when the gradient from step t+1 is not added to dh[:, t] (every step on its own)."""
    h, cache = nn.rnn_forward(*inputs)
    grads = [np.zeros_like(a) for a in inputs]
    for t, step_cache in enumerate(cache):
        dx, dh_prev, dWx, dWh, db = nn.rnn_step_backward(dh[:, t], step_cache)
        grads[0][:, t] = dx
        if t == 0:
            grads[1] = dh_prev
        for k, g in ((2, dWx), (3, dWh), (4, db)):
            grads[k] += g
    return grads


_BPTT_MISTAKES = {
    "forwards": "the backward loop runs forwards in time: go from t = T-1 down to 0 (reversed(range(T))), so that "
                "dh_next comes from step t+1",
    "overwrite": "the weight gradients are overwritten at each step: they are shared over time, so add every "
                 "step's contribution (dWx += ..., dWh += ..., db += ...)",
    "last only": "only the last step's upstream gradient is used: every h[:, t] has its own dh[:, t], added to "
                 "the gradient flowing back from t+1",
}


def _bptt_variant(inputs, dh, mistake):
    """BPTT with one known mistake (a loop of this file's own, with the step's closed-form gradients)."""
    x, h0, Wx, Wh, b = inputs
    T = x.shape[1]
    hs, prev = [], h0
    for t in range(T):
        prev = np.tanh(x[:, t] @ Wx + prev @ Wh + b)
        hs.append(prev)
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in (range(T) if mistake == "forwards" else reversed(range(T))):
        upstream = dh[:, t] if mistake != "last only" or t == T - 1 else 0.0
        da = (upstream + dh_next) * (1 - hs[t] ** 2)
        h_before = hs[t - 1] if t > 0 else h0
        dx[:, t] = da @ Wx.T
        dh_next = da @ Wh.T
        step = (x[:, t].T @ da, h_before.T @ da, da.sum(axis=0))
        if mistake == "overwrite":
            dWx, dWh, db = step
        else:
            dWx, dWh, db = dWx + step[0], dWh + step[1], db + step[2]
    return [dx, dh_next, dWx, dWh, db]


def _judge_bptt(values):
    x, h0, Wx, Wh, b, dh = _bptt_inputs()
    inputs = [x, h0, Wx, Wh, b]
    names = ["dx", "dh0", "dWx", "dWh", "db"]
    h_right = nn.rnn_forward(*inputs)[0]
    h_shifted = np.concatenate([h0[:, None], h_right[:, :-1]], axis=1)
    results = [in_place.not_modified(values.get("witness"), inputs=[tuple(inputs), (dh, in_place.Cache(repeat=True))]),
               gradcheck.compare("h", values.get("h"), h_right, threshold=1e-9, mistakes={
                   "h[:, t] holds the state before step t: store the new state h_t after computing it":
                       h_shifted,
                   "h includes h0: return the T new states h_1 .. h_T, shape (N, T, H)":
                       np.concatenate([h0[:, None], h_right], axis=1),
                   "h0 is used at every step: feed each step the previous step's state (h_prev = h_t)":
                       np.stack([np.tanh(x[:, t] @ Wx + h0 @ Wh + b) for t in range(x.shape[1])], axis=1)})]
    truncated = _truncated(inputs, dh)
    variants = {text: _bptt_variant(inputs, dh, key) for key, text in _BPTT_MISTAKES.items()}
    results += [r for r in [wrong_answers.returned_count(values.get("grads"), names, "rnn_backward")] if r is not None]
    for i, (name, got) in enumerate(zip(names, wrong_answers.unpack(values.get("grads"), 5, "rnn_backward"))):
        def f(value, i=i):
            return nn.rnn_forward(*[value if j == i else a for j, a in enumerate(inputs)])[0]
        numeric = gradcheck.numerical_gradient_array(f, inputs[i].copy(), dh)
        mistakes = {"the gradient flowing back from step t+1 is not added: dh[:, t] + dh_next goes into step t":
                    truncated[i], **{text: v[i] for text, v in variants.items()}}
        if name == "dx":
            mistakes["dx is overwritten at each step: store each step's dx in dx[:, t]"] = \
                gradcheck.AnyOf(variants[_BPTT_MISTAKES["forwards"]][0][:, -1], numeric[:, 0])
        results.append(gradcheck.compare(name, got, numeric, threshold=1e-7, mistakes=mistakes))
    return results


# -- RNN step, staged (issue 13: derive, don't transcribe) ---------------------------------------
# Stage 1 goes back through tanh, stage 2 into the five inputs of the affine map. Each stage is checked
# against central differences of its own forward map, so a mistake is located in the stage that makes it.

def _staged_inputs():
    rng = np.random.default_rng(38)
    N, D, H = 3, 4, 5
    x, h_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, H)) * 0.5, rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.5
    return x, h_prev, Wx, Wh, b, rng.normal(size=(N, H)), rng.normal(size=(N, H))


def _produce_staged(ex):
    x, h_prev, Wx, Wh, b, dh, da = _staged_inputs()
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    stage1, seen1 = call(ex.rnn_tanh_backward, dh, h, names=("dh", "h"))
    stage2, seen2 = call(ex.rnn_affine_backward, da, x, h_prev, Wx, Wh, names=("da", "x", "h_prev", "Wx", "Wh"))
    return {"da": stage1, "grads": stage2, "witness": [seen1, seen2]}


# The right formula of each matrix gradient of stage 2, in the notebook's notation (dx, dh_prev, dWx, dWh).
STAGE2_FORMULAS = ("da @ Wx.T", "da @ Wh.T", "x.T @ da", "h_prev.T @ da")


def _judge_staged(values):
    x, h_prev, Wx, Wh, b, dh, da = _staged_inputs()
    a = x @ Wx + h_prev @ Wh + b
    h = np.tanh(a)
    # Stage 1: the gradient of sum(tanh(a) * dh) with respect to a, by central differences.
    expected_da = gradcheck.numerical_gradient_array(np.tanh, a.copy(), dh)
    results = [in_place.not_modified(values.get("witness"), inputs=[(dh, h), (da, x, h_prev, Wx, Wh)]),
               gradcheck.compare("stage 1: da", values.get("da"), expected_da, threshold=1e-7, mistakes={
                   "stage 1: tanh's local derivative is missing (da must differ from dh)": dh,
                   "stage 1: that is the sigmoid's derivative h(1 - h); tanh's is different": dh * h * (1 - h),
                   "stage 1: the derivative is written in h, but (1 - h) lacks its square": dh * (1 - h),
                   "stage 1: tanh was applied to h again: h is already tanh(a)": dh * (1 - np.tanh(h) ** 2)})]
    if not results[-1].passed and not results[-1].diagnosis:
        retry = gradcheck.compare("stage 1: da", values.get("da"), expected_da, threshold=1e-7, mistakes={
            f"stage 1: {text}": value for text, value in wrong_answers.derivative_mistakes(
                "tanh", a, lambda local: dh * local, post=h, pre_name="a", where="da").items()})
        results[-1] = retry if retry.diagnosis else results[-1]
    # Stage 2: each input of a = x Wx + h_prev Wh + b, with da as the upstream gradient.
    inputs = [x, h_prev, Wx, Wh, b]
    names = ["dx", "dh_prev", "dWx", "dWh", "db"]
    # Known wrong answers, recomputed from the same inputs (a transposed dx or dWx changes the shape, which
    # compare diagnoses by itself; Wh is square, so its transposition needs naming).
    known = {1: {"dh_prev: Wh must be transposed: the gradient flows back through Wh.T": da @ Wh},
             3: {"dWh is transposed (Wh is square, so the shape cannot tell): compare with dWx": da.T @ h_prev},
             4: {"db: averaged over the batch; the bias is added to every row, so its gradient is the sum":
                 da.mean(axis=0)}}
    results += [r for r in [wrong_answers.returned_count(values.get("grads"), names, "rnn_affine_backward")] if r is not None]
    def affine(value, i):
        args = [value if j == i else arg for j, arg in enumerate(inputs)]
        return args[0] @ args[2] + args[1] @ args[3] + args[4]

    right = [gradcheck.numerical_gradient_array(lambda v, i=i: affine(v, i), inputs[i].copy(), da)
             for i in range(len(inputs))]
    order = "stage 2: the gradients are returned in the wrong order: return dx, dh_prev, dWx, dWh, db"
    for i, (name, got) in enumerate(zip(names, wrong_answers.unpack(values.get("grads"), 5, "rnn_affine_backward"))):
        expected = right[i]
        def mistakes(i=i, name=name):  # computed only when this gradient is wrong
            formulas = wrong_answers.formula_mistakes(name, STAGE2_FORMULAS[i], gradcheck.products(
                {"da": da, "x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh})) if i < 4 else {}
            others = {order: gradcheck.AnyOf(*[g for j, g in enumerate(right) if j != i])}
            return wrong_answers.merge_mistakes(known.get(i, {}), others, formulas)
        results.append(gradcheck.compare(f"stage 2: {name}", got, expected, threshold=1e-7, mistakes=mistakes))
    return results


CHECKS = [
    Check(lesson="03", name="xavier_uniform", points=2, module=MODULE,
          produce=_produce_init("xavier_uniform", XAVIER_CASES), judge=_judge_init("xavier_uniform", XAVIER_CASES,
                                                                                   "uniform"),
          functions=("xavier_uniform",), hint=SECTIONS["xavier"]),
    Check(lesson="03", name="he_normal", points=2, module=MODULE,
          produce=_produce_init("he_normal", HE_CASES), judge=_judge_init("he_normal", HE_CASES, "normal"),
          functions=("he_normal",), hint=SECTIONS["he"]),
    Check(lesson="03", name="layer_gradient_norms", points=2, module=MODULE, produce=_produce_norms,
          judge=_judge_norms, functions=("layer_gradient_norms",), hint=SECTIONS["norms"]),
    Check(lesson="03", name="clip_grad_norm", points=2, module=MODULE, produce=_produce_clip, judge=_judge_clip,
          functions=("clip_grad_norm",), hint=SECTIONS["clip"]),
    Check(lesson="03", name="rnn_step_backward", points=3, module=MODULE, produce=_produce_step,
          judge=_judge_step, functions=("rnn_step_forward", "rnn_step_backward"), hint=SECTIONS["rnn"]),
    Check(lesson="03", name="rnn_backward", points=3, module=MODULE, produce=_produce_bptt, judge=_judge_bptt,
          functions=("rnn_forward", "rnn_backward"), hint=SECTIONS["bptt"]),
    Check(lesson="03", name="rnn_step_backward_staged", points=3, module=MODULE, produce=_produce_staged,
          judge=_judge_staged, functions=("rnn_tanh_backward", "rnn_affine_backward"), hint=SECTIONS["rnn"]),
]
