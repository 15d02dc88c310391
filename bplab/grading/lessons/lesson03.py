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
from bplab.grading.checks import Check
from bplab.grading.harness import call

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


def _statistics(name, W, shape, std, kind, bound=None):
    """Verdicts on one random matrix: its shape and dtype, mean, std, kurtosis and (uniform) bound."""
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
                          "the entries must be centred on 0"),
        gradcheck.verdict(f"{name} std", abs(s / std - 1.0) <= TOLERANCE_SE * se_std,
                          f"sample std {s:.5g}, expected {std:.5g} (ratio {s / std:.4f}, allowed "
                          f"1 ± {TOLERANCE_SE * se_std:.3f} over {n} entries)", _std_diagnosis(s / std, kind)),
    ]
    # Standard errors of the sample kurtosis: sqrt(24 / n) for a normal, about 1.12 / sqrt(n) for a uniform
    # (by simulation: 1000 samples of 20000 draws).
    kurtosis_tolerance = TOLERANCE_SE * (math.sqrt(24.0 / n) if kind == "normal" else 1.12 / math.sqrt(n))
    results.append(gradcheck.verdict(
        f"{name} distribution", abs(kurtosis - kurtosis_expected) <= kurtosis_tolerance,
        f"sample kurtosis {kurtosis:.3f}, expected {kurtosis_expected} for a {kind} distribution",
        f"draw from a {kind} distribution" + (" (rng.uniform(-a, a, size=...))" if kind == "uniform"
                                              else " (rng.normal(0, std, size=...))")))
    if bound is not None:
        largest = float(np.max(np.abs(W)))
        results.append(gradcheck.verdict(
            f"{name} bound", bound * (1 - 1e-3) < largest <= bound,
            f"largest |W| is {largest:.5g}, the bound a is {bound:.5g}",
            "U(-a, a) reaches (almost) a and never exceeds it: check the formula of a"))
    return results


def _std_diagnosis(ratio, kind):
    known = {math.sqrt(3.0): "std is sqrt(3) too large: a is the uniform's bound, its std is a / sqrt(3)",
             1 / math.sqrt(3.0): "std is sqrt(3) too small: a std formula was used as the uniform's bound a",
             math.sqrt(2.0): "std is sqrt(2) too large: is a factor 2 applied twice (gain and formula)?",
             1 / math.sqrt(2.0): "std is sqrt(2) too small: is the gain (sqrt(2) for ReLU) missing?"}
    for factor, text in known.items():
        if abs(ratio / factor - 1.0) < 0.03:
            return text
    return "compare your formula with the one in the docstring (fan_in, fan_out, gain, square roots)"


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
        results = []
        for i, ((fan_in, fan_out, gain, _), W) in enumerate(zip(cases, draws + [None] * len(cases))):
            if kind == "uniform":
                bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
                std, extra = bound / math.sqrt(3.0), {"bound": bound}
            else:
                std, extra = gain / math.sqrt(fan_in), {}
            results += _statistics(f"W{i + 1} ({fan_in}x{fan_out}, gain {gain:.3g})", W, (fan_in, fan_out),
                                   std, kind, **extra)
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
    norms, modified = call(ex.layer_gradient_norms, x, weights, biases, dout, names=("x", "weights", "biases", "dout"))
    return {"norms": norms, "modified": modified}


def _tanh_net(x, weights, biases):
    h = x
    for W, b in zip(weights, biases):
        h = np.tanh(h @ W + b)
    return h


def _judge_norms(values):
    x, weights, biases, dout = _norm_inputs()
    expected = []
    for k in range(len(weights)):
        def loss(W_k, k=k):
            return np.sum(_tanh_net(x, weights[:k] + [W_k] + weights[k + 1:], biases) * dout)
        expected.append(np.linalg.norm(gradcheck.numerical_gradient(loss, weights[k].copy())))
    expected = np.array(expected)
    mistakes = {"listed from the last layer to the first: norms[0] must be the first layer's": expected[::-1],
                "squared norms: take the square root (np.linalg.norm)": expected ** 2}
    return [gradcheck.not_modified(values.get("modified")),
            gradcheck.compare("norms", values.get("norms"), expected, threshold=1e-7, mistakes=mistakes)]


# -- clipping ----------------------------------------------------------------------------------

CLIP_CASES = [(1.0, 40), (100.0, 41), (3.0, 42)]


def _clip_grads(seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)) * 2.0, rng.normal(size=4) * 2.0, rng.normal(size=(2, 2))]


def _produce_clip(ex):
    cases = []
    for max_norm, seed in CLIP_CASES:
        grads = _clip_grads(seed)
        total, _ = call(ex.clip_grad_norm, grads, max_norm, names=("grads", "max_norm"))
        cases.append({"total": total, "after": np.concatenate([g.ravel() for g in grads])})
    return {"cases": cases}


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
        per_tensor = np.concatenate([g.ravel() * min(1.0, max_norm / np.linalg.norm(g)) for g in grads])
        label = f"max_norm={max_norm:g}"
        after_mistakes = {"the gradients were not changed in place (g *= c changes the array itself)": flat,
                          "the 1e-6 is missing: the factor is max_norm / (total_norm + 1e-6), as torch's":
                              flat * min(1.0, max_norm / total),
                          "each gradient was clipped by its own norm; clip by the global norm of all of them":
                              per_tensor}
        results.append(gradcheck.compare(f"total_norm ({label})", got.get("total"), total, threshold=1e-9,
                                         mistakes={"returned the norm after clipping; return the one before":
                                                   min(total, max_norm)}))
        results.append(gradcheck.compare(f"clipped grads ({label})", got.get("after"), expected, threshold=1e-9,
                                         mistakes=after_mistakes if max_norm < total else {}))
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
    (h, cache), modified = call(ex.rnn_step_forward, x, h_prev, Wx, Wh, b, names=names)
    grads, modified_back = call(ex.rnn_step_backward, dh, cache, names=("dh",))
    return {"h": h, "grads": grads, "modified": modified + modified_back}


def _judge_step(values):
    x, h_prev, Wx, Wh, b, dh = _step_inputs()
    inputs = [x, h_prev, Wx, Wh, b]
    names = ["dx", "dh_prev", "dWx", "dWh", "db"]

    def step(*args):
        return np.tanh(args[0] @ args[2] + args[1] @ args[3] + args[4])

    h = step(*inputs)
    results = [gradcheck.not_modified(values.get("modified")),
               gradcheck.compare("h", values.get("h"), h, threshold=1e-9)]
    # The gradients without tanh's derivative: what forgetting (1 - h²) gives.
    no_tanh = [dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0)]
    for i, (name, got) in enumerate(zip(names, gradcheck.unpack(values.get("grads"), 5, "rnn_step_backward"))):
        def f(value, i=i):
            return step(*[value if j == i else a for j, a in enumerate(inputs)])
        numeric = gradcheck.numerical_gradient_array(f, inputs[i].copy(), dh)
        results.append(gradcheck.compare(name, got, numeric, threshold=1e-7, mistakes={
            "tanh's derivative is missing: multiply dh by (1 - h**2) first": no_tanh[i]}))
    return results


# -- BPTT --------------------------------------------------------------------------------------

def _bptt_inputs():
    rng = np.random.default_rng(37)
    N, T, D, H = 3, 5, 4, 5
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) * 0.5,
            rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.5, rng.normal(size=(N, T, H)))


def _produce_bptt(ex):
    x, h0, Wx, Wh, b, dh = _bptt_inputs()
    (h, cache), modified = call(ex.rnn_forward, x, h0, Wx, Wh, b, names=("x", "h0", "Wx", "Wh", "b"))
    grads, modified_back = call(ex.rnn_backward, dh, cache, names=("dh",))
    return {"h": h, "grads": grads, "modified": modified + modified_back}


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


def _judge_bptt(values):
    x, h0, Wx, Wh, b, dh = _bptt_inputs()
    inputs = [x, h0, Wx, Wh, b]
    names = ["dx", "dh0", "dWx", "dWh", "db"]
    results = [gradcheck.not_modified(values.get("modified")),
               gradcheck.compare("h", values.get("h"), nn.rnn_forward(*inputs)[0], threshold=1e-9)]
    truncated = _truncated(inputs, dh)
    for i, (name, got) in enumerate(zip(names, gradcheck.unpack(values.get("grads"), 5, "rnn_backward"))):
        def f(value, i=i):
            return nn.rnn_forward(*[value if j == i else a for j, a in enumerate(inputs)])[0]
        numeric = gradcheck.numerical_gradient_array(f, inputs[i].copy(), dh)
        results.append(gradcheck.compare(name, got, numeric, threshold=1e-7, mistakes={
            "the gradient flowing back from step t+1 is not added: dh[:, t] + dh_next goes into step t":
                truncated[i]}))
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
    stage1, modified1 = call(ex.rnn_tanh_backward, dh, h, names=("dh", "h"))
    stage2, modified2 = call(ex.rnn_affine_backward, da, x, h_prev, Wx, Wh,
                             names=("da", "x", "h_prev", "Wx", "Wh"))
    return {"da": stage1, "grads": stage2, "modified": modified1 + modified2}


def _judge_staged(values):
    x, h_prev, Wx, Wh, b, dh, da = _staged_inputs()
    a = x @ Wx + h_prev @ Wh + b
    h = np.tanh(a)
    # Stage 1: the gradient of sum(tanh(a) * dh) with respect to a, by central differences.
    expected_da = gradcheck.numerical_gradient_array(np.tanh, a.copy(), dh)
    results = [gradcheck.not_modified(values.get("modified")),
               gradcheck.compare("stage 1: da", values.get("da"), expected_da, threshold=1e-7, mistakes={
                   "stage 1: tanh's local derivative is missing (da must differ from dh)": dh,
                   "stage 1: that is the sigmoid's derivative h(1 - h); tanh's is different": dh * h * (1 - h),
                   "stage 1: the derivative is written in h, but (1 - h) lacks its square": dh * (1 - h),
                   "stage 1: tanh was applied to h again: h is already tanh(a)": dh * (1 - np.tanh(h) ** 2)})]
    # Stage 2: each input of a = x Wx + h_prev Wh + b, with da as the upstream gradient.
    inputs = [x, h_prev, Wx, Wh, b]
    names = ["dx", "dh_prev", "dWx", "dWh", "db"]
    # Known wrong answers, recomputed from the same inputs (a transposed dx or dWx changes the shape, which
    # compare diagnoses by itself; Wh is square, so its transposition needs naming).
    known = {1: {"dh_prev: Wh must be transposed: the gradient flows back through Wh.T": da @ Wh},
             3: {"dWh is transposed (Wh is square, so the shape cannot tell): compare with dWx": da.T @ h_prev},
             4: {"db: averaged over the batch; the bias is added to every row, so its gradient is the sum":
                 da.mean(axis=0)}}
    for i, (name, got) in enumerate(zip(names, gradcheck.unpack(values.get("grads"), 5, "rnn_affine_backward"))):
        def affine(value, i=i):
            args = [value if j == i else arg for j, arg in enumerate(inputs)]
            return args[0] @ args[2] + args[1] @ args[3] + args[4]
        expected = gradcheck.numerical_gradient_array(affine, inputs[i].copy(), da)
        results.append(gradcheck.compare(f"stage 2: {name}", got, expected, threshold=1e-7,
                                         mistakes=known.get(i, {})))
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
