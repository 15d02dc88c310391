"""Lesson 04: optimizer update rules, checked step by step and by convergence.

Each check runs the learner's step function in the child:

* on a fixed stream of gradients (independent of the parameter) for ``STEPS`` steps,
  from an empty state, under two settings. The grader compares every step's parameter
  with a **closed form** of the whole trajectory (sums of geometric weights, e.g. the
  momentum buffer is ``buf_t = sum_s momentum^(t-s) g_s``), which is computed
  independently of any recurrence; and the final state with its closed form;
* on a surface (gradient from :mod:`bplab.surfaces`), where the final point must match
  the reference run of :mod:`bplab.optim` (torch's rules) and be near the minimum.

Thresholds: 1e-9 relative error on trajectories (the closed forms and the recurrences
differ only by rounding, about 1e-14), 1e-6 on long surface runs.
"""

from __future__ import annotations

import difflib

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import each, witness
from bplab.optim import SGD, Adam, RMSprop
from bplab.optim.theory import gd_optimal, heavy_ball_optimal
from bplab.surfaces import quadratic, rosenbrock

MODULE = "ex04_optimizers"
STEPS = 40
SECTIONS = {
    "gd": 'notebook 04, section "1. Gradient descent and the learning rate"',
    "momentum": 'notebook 04, section "3. Momentum and Nesterov"',
    "rms": 'notebook 04, section "5. AdaGrad and RMSProp"',
    "adam": 'notebook 04, section "6. Adam and AdamW"',
}
P0 = np.array([0.7, -1.3, 2.1])


def _stream():
    """``STEPS`` gradients of shape (3,), sign-changing and of varied size (deterministic)."""
    rng = np.random.default_rng(404)
    return rng.normal(size=(STEPS, 3)) * (1.0 + 0.5 * np.sin(np.arange(STEPS)))[:, None]


def _weights(decay):
    """``W[t, s] = decay ** (t - s)`` for ``s <= t``, else 0: ``W @ G`` sums a geometric history."""
    t = np.arange(STEPS)
    with np.errstate(divide="ignore"):
        return np.where(t[:, None] >= t[None, :], float(decay) ** np.maximum(t[:, None] - t[None, :], 0), 0.0)


# -- running the learner's function in the child -------------------------------------------------

def _as_array(value):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array.copy()


def _snapshot(state):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()} \
        if isinstance(state, dict) else state


def _run(fn, stateful, kwargs, grads, p0, steps=None):
    """Call ``fn`` step after step; returns the parameters, the final state, any problem found, and a witness per step."""
    param, state = p0.copy(), {}
    params, problem, witnesses = [], "", []
    for t in range(len(grads) if steps is None else steps):
        grad = grads[t] if steps is None else grads(param)
        inputs = (param.copy(), grad.copy(), _snapshot(state))
        args = (param, grad, state) if stateful else (param, grad)
        try:
            result = fn(*args, **kwargs)
        except KeyError as error:
            if stateful and not inputs[2]:  # the message, not the traceback, changes: it still points at the line
                error.args = (f"{error.args[0] if error.args else ''!r}: the state is empty on the first step "
                              "({}): read it with state.get(key, default) or test `key in state` first",)
            raise
        witnesses.append(witness(("param", "grad", "state"), args, before=inputs[:len(args)]))
        if result is None:
            problem = ("returned None: is the return statement missing? Return the new parameter (param - lr * "
                       "..., or param itself after an in-place param -= ...)" + (", with the new state, as a pair"
                                                                                  if stateful else ""))
            break
        if stateful:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                problem = f"returned {type(result).__name__}; return a pair (new_param, new_state)"
                break
            result, state = result
            if not isinstance(state, dict):
                problem = f"new_state is {type(state).__name__}; return a dict such as {{'momentum_buffer': buf}}"
                break
        array = _as_array(result)
        if array is None or array.shape != p0.shape:
            problem = (f"new_param should be an array of shape {p0.shape}, got "
                       f"{type(result).__name__}{'' if array is None else f' of shape {array.shape}'}")
            break
        params.append(array)
        param = array
    clean_state = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()} \
        if isinstance(state, dict) else None
    return {"params": np.array(params) if params else None, "state": clean_state, "problem": problem,
            "witness": witnesses}


def _produce_for(function, stateful, cases, surface_runs):
    def produce(ex):
        fn = getattr(ex, function)
        out = {"stream": each(cases, lambda kwargs: _run(fn, stateful, kwargs, _stream(), P0), ex)}

        def on_surface(run):
            make_surface, kwargs, steps = run
            surface = make_surface()
            done = _run(fn, stateful, kwargs, surface.gradient, surface.start, steps)
            return {"final": None if done["params"] is None else done["params"][-1], "problem": done["problem"]}

        out["surfaces"] = each(surface_runs, on_surface, ex)  # a case that raises is that case's failure
        return out
    return produce


# -- judging ---------------------------------------------------------------------------------

def _get(values, key, index):
    items = values.get(key) if isinstance(values, dict) else None
    item = items[index] if isinstance(items, (list, tuple)) and len(items) > index else None
    return item if isinstance(item, dict) else {}


def _lr_twice(lr, expected_params):
    """The trajectory when the learning rate is applied twice (``step = lr * ...; param - lr * step``).

    On the fixed gradient stream every rule's step is lr times something that does not depend on the parameters,
    so applying lr again scales every displacement from P0 by lr.
    """
    return P0 + lr * (np.asarray(expected_params) - P0)


def _state_consistent(found, twice, state, state_expect):
    """The parameter path's known mistakes without those the learner's final state contradicts: a mistake that is also
    a known wrong state (same sentence) when that state is right, and the learning rate applied twice (which leaves
    the state right) when a state is wrong. On the fixed stream an average weighted with the other beta can scale the
    steps exactly as a second lr does (0.001 / 0.1 = lr = 0.01): the state tells them apart."""
    if not isinstance(state, dict):
        return found
    right, wrong = set(), False
    for key, (expected, state_mistakes) in state_expect.items():
        got = state.get(key)
        if key == "step" or not isinstance(got, np.ndarray) or got.shape != np.shape(expected):
            continue
        if gradcheck.rel_error(got, expected) <= 1e-9:
            right.update(state_mistakes)
        else:
            wrong = True
    return {text: value for text, value in found.items() if text not in right and not (wrong and text in twice)}


def _stream_results(values, index, lr, label, expected_params, mistakes, state_expect, factors=None):
    twice = {"the learning rate is applied twice (lr * lr): multiply the step by lr once, where the parameter is "
             "updated": _lr_twice(lr, expected_params)}
    named = mistakes
    run = _get(values, "stream", index)

    def mistakes():
        found = {**(named() if callable(named) else named), **twice}  # both kept until the state has spoken
        found = _state_consistent(found, twice, run.get("state") if isinstance(run, dict) else None, state_expect)
        first = {text: value for text, value in found.items() if text not in twice}
        return wrong_answers.merge_mistakes(first, {text: value for text, value in found.items() if text in twice})

    results = []
    if gradcheck.raised(f"trajectory ({label})", run):
        return [gradcheck.raised(f"trajectory ({label})", run)]
    if run.get("problem"):
        results.append(gradcheck.verdict(f"trajectory ({label})", False, str(run["problem"])))
        return results
    # After the first step param is the learner's previous result, and state is the learner's: the judge has no
    # copy of its own, so both are judged from the witness's copies before each call; the gradients are its own.
    # SGD, the one rule without a state, is the one without state entries to expect.
    calls = [(P0 if t == 0 else in_place.Cache(), grad) + (in_place.Cache(),) * bool(state_expect)
             for t, grad in enumerate(_stream())]
    results.append(in_place.not_modified(run.get("witness"), inputs=calls))
    state = run.get("state") if isinstance(run.get("state"), dict) else {}
    # A key stored under another name is never read back (that average restarts every step): said before the
    # parameters' relative error, which is only its consequence.
    for key in [k for k in state_expect if k != "step" and k not in state and state]:
        close = difflib.get_close_matches(key, [str(k) for k in state], n=1, cutoff=0.6)
        results.append(gradcheck.verdict(
            f'state["{key}"] ({label})', False, f"the returned state has no key {key!r} (keys: {sorted(state)})",
            (f"{close[0]!r} is stored but {key!r} is the name to read back: spelled differently, it is never found "
             "and that average restarts from 0 every step; " if close else "")
            + f"name the state entries as torch does: {sorted(state_expect)}"))
    results.append(gradcheck.compare(f"param after each of {STEPS} steps ({label})", run.get("params"),
                                     expected_params, threshold=1e-9, mistakes=mistakes,
                                     factors={"lr": lr, **(factors or {})}))
    for key, (expected, state_mistakes) in state_expect.items():
        if key == "step":  # a counter, not an array
            got = state.get("step")
            results.append(gradcheck.verdict(f'state["step"] ({label})', isinstance(got, (int, float, np.integer))
                                             and not isinstance(got, bool) and got == expected,
                                             f"expected {expected:g} after {STEPS} steps, got {got!r}",
                                             "count the steps: step = state.get('step', 0) + 1"))
        elif key not in state:
            if not state:  # (with a state, told above)
                results.append(gradcheck.verdict(f'state["{key}"] ({label})', False,
                                                 f"the returned state has no key {key!r} (keys: {sorted(state)})",
                                                 f"name the state entries as torch does: {sorted(state_expect)}"))
        else:
            results.append(gradcheck.compare(f'state["{key}"] after {STEPS} steps ({label})', state[key], expected,
                                             threshold=1e-9, mistakes=state_mistakes, factors=factors))
    return results


def _surface_results(values, index, label, reference, minimum, tolerance):
    run = _get(values, "surfaces", index)
    if gradcheck.raised(label, run):
        return [gradcheck.raised(label, run)]
    if run.get("problem"):
        return [gradcheck.verdict(label, False, str(run["problem"]))]
    final = run.get("final")
    results = [gradcheck.compare(f"final point, {label}", final, reference, threshold=1e-6)]
    array = _as_array(final) if final is not None else None
    if array is not None and array.shape == np.shape(minimum) and np.all(np.isfinite(array)):
        distance = float(np.linalg.norm(array - minimum))
        results.append(gradcheck.verdict(f"converges, {label}", distance <= tolerance,
                                         f"ends {distance:.2g} from the minimum (needs <= {tolerance:g})"))
    return results


def _reference_run(surface, make, steps):
    p = surface.start.copy()
    opt = make([p])
    for _ in range(steps):
        opt.step([surface.gradient(p)])
    return p


def _quadratic():
    return quadratic(10.0)


# SGD --------------------------------------------------------------------------------------------

SGD_CASES = ({"lr": 0.1}, {"lr": 0.03})
GD_LR, _ = gd_optimal(_quadratic().hessian)
SGD_SURFACES = ((_quadratic, {"lr": GD_LR}, 120),)


def _judge_sgd(values):
    G = _stream()
    results = []
    for i, kwargs in enumerate(SGD_CASES):
        lr = kwargs["lr"]
        expected = P0 - lr * np.cumsum(G, axis=0)
        mistakes = {"the step goes uphill: use param - lr * grad": P0 + lr * np.cumsum(G, axis=0),
                    "the learning rate is missing": P0 - np.cumsum(G, axis=0),
                    "the step divides by the learning rate: param - lr * grad": P0 - np.cumsum(G, axis=0) / lr}
        results += _stream_results(values, i, lr, f"lr={lr:g}", expected, mistakes, {})
    surface = _quadratic()
    reference = _reference_run(surface, lambda ps: SGD(ps, lr=GD_LR), 120)
    results += _surface_results(values, 0, f"quadratic κ=10 at the best step 2/(λ1+λn)={GD_LR:.3g}", reference,
                                np.zeros(2), 1e-8)
    return results


# momentum and Nesterov ----------------------------------------------------------------------------

MOMENTUM_CASES = ({"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.5})
HB_LR, HB_MOMENTUM, _ = heavy_ball_optimal(_quadratic().hessian)
MOMENTUM_SURFACES = ((_quadratic, {"lr": HB_LR, "momentum": HB_MOMENTUM}, 60),
                     (rosenbrock, {"lr": 1e-3, "momentum": 0.9}, 2000))
# Polyak's heavy-ball optimum is unstable for Nesterov's form; Nesterov's own choice for a
# strongly convex quadratic is lr = 1/L (= 1 here) and momentum (sqrt(kappa) - 1) / (sqrt(kappa) + 1)
NESTEROV_MOMENTUM = (np.sqrt(10.0) - 1) / (np.sqrt(10.0) + 1)
NESTEROV_SURFACES = ((_quadratic, {"lr": 1.0, "momentum": NESTEROV_MOMENTUM}, 100),
                     (rosenbrock, {"lr": 1e-3, "momentum": 0.9}, 2000))


def _momentum_closed_forms(lr, momentum, nesterov):
    G = _stream()
    buf = _weights(momentum) @ G                      # buf_t = sum_s momentum^(t-s) g_s  (buf_1 = g_1)
    ema = (1 - momentum) * buf                        # a dampened (EMA) buffer, a common variant
    plain = P0 - lr * np.cumsum(buf, axis=0)
    look_ahead = P0 - lr * np.cumsum(G + momentum * buf, axis=0)
    return G, buf, ema, plain, look_ahead


def _judge_momentum_like(values, nesterov):
    results = []
    for i, kwargs in enumerate(MOMENTUM_CASES):
        lr, momentum = kwargs["lr"], kwargs["momentum"]
        G, buf, ema, plain, look_ahead = _momentum_closed_forms(lr, momentum, nesterov)
        sgd = P0 - lr * np.cumsum(G, axis=0)
        previous = np.vstack([np.zeros((1, 3)), buf[:-1]])  # the buffer before this step's update
        mistakes = {"momentum is ignored: this is plain SGD": sgd,
                    "the step uses the buffer from before this step's update: update buf first, then step with it":
                        P0 - lr * np.cumsum(previous if not nesterov else G + momentum * previous, axis=0),
                    "the buffer is an average, buf = m*buf + (1-m)*grad; torch adds the whole gradient":
                        P0 - lr * np.cumsum(ema if not nesterov else G + momentum * ema, axis=0)}
        if nesterov:
            mistakes["this is heavy-ball momentum; Nesterov steps with grad + momentum * buf"] = plain
            mistakes["the learning rate multiplies the momentum * buf term twice: new_param = param - lr * (grad + "
                     "momentum * buf), one lr for the whole step"] = P0 - lr * np.cumsum(G + lr * momentum * buf,
                                                                                      axis=0)
        else:
            mistakes["this is Nesterov's step (grad + momentum * buf); plain momentum steps with buf"] = look_ahead
        state_mistakes = {"the buffer holds the velocity -lr*buf (textbook form); torch's buffer is the sum of"
                          " gradients, without the learning rate": -lr * buf[-1],
                          "the buffer holds lr*buf; torch's has no learning rate inside": lr * buf[-1]}
        results += _stream_results(values, i, lr, f"lr={lr:g}, momentum={momentum:g}", look_ahead if nesterov else plain,
                                   mistakes, {"momentum_buffer": (buf[-1], state_mistakes)},
                                   factors={"momentum": momentum})
    for index, (make, kwargs, steps) in enumerate(NESTEROV_SURFACES if nesterov else MOMENTUM_SURFACES):
        surface = make()
        reference = _reference_run(surface, lambda ps, kw=kwargs: SGD(ps, nesterov=nesterov, **kw), steps)
        if surface.name == "quadratic":
            label = (f"quadratic κ=10, lr={kwargs['lr']:.3g}, momentum={kwargs['momentum']:.3g}"
                     + (" (Nesterov's choice)" if nesterov else " (Polyak's best)"))
            tolerance = 1e-5
        else:
            label, tolerance = f"Rosenbrock from (-1.2, 1), {steps} steps", 1e-2
        results += _surface_results(values, index, label, reference, np.array(surface.minima[0]), tolerance)
    return results


# RMSProp -----------------------------------------------------------------------------------------

def _unsquared_path(G, lr, alpha, eps):
    """RMSProp's path when the average takes grad, not grad**2 (NaN from the root of a negative average)."""
    with np.errstate(all="ignore"):
        return P0 - lr * np.cumsum(G / (np.sqrt(_average_variant(G, alpha)) + eps), axis=0)


def _nan_path(values):
    """A parameter path whose later steps are NaN once one is (a learner's NaN propagates)."""
    values = np.array(values, dtype=np.float64)
    bad = np.where(~np.all(np.isfinite(values), axis=1))[0]
    if bad.size:
        values[bad[0]:] = np.where(np.isfinite(values[bad[0]:]), values[bad[0]:], np.nan)
    return values


def _average_variant(X, decay, mode=""):
    """``a_t = decay * a_(t-1) + (1 - decay) * X_t`` from ``a = 0``, or from ``a_0 = X_0`` ("start at first"):
    the recurrence itself, used only to recognise wrong initializations (the references are closed forms)."""
    out, a = [], None
    for t, x in enumerate(X):
        a = (x.copy() if mode == "start at first" else (1 - decay) * x) if t == 0 else decay * a + (1 - decay) * x
        out.append(a)
    return np.array(out)


RMS_CASES = ({"lr": 0.01, "alpha": 0.99, "eps": 1e-8}, {"lr": 0.02, "alpha": 0.9, "eps": 0.1})
RMS_SURFACES = ((rosenbrock, {"lr": 3e-3}, 3000),)


def _judge_rmsprop(values):
    G = _stream()
    results = []
    for i, kwargs in enumerate(RMS_CASES):
        lr, alpha, eps = kwargs["lr"], kwargs["alpha"], kwargs["eps"]
        sq = (1 - alpha) * (_weights(alpha) @ G**2)   # square_avg_t = (1-alpha) sum_s alpha^(t-s) g_s^2
        corrected = sq / (1 - alpha ** np.arange(1, STEPS + 1))[:, None]
        started = _average_variant(G ** 2, alpha, "start at first")

        def mistakes(lr=lr, alpha=alpha, eps=eps, sq=sq, corrected=corrected, started=started):
            return {"eps is inside the square root; torch adds it after: grad / (sqrt(square_avg) + eps)":
                        P0 - lr * np.cumsum(G / np.sqrt(sq + eps), axis=0),
                    "square_avg starts at grad**2 on the first step; it starts at 0 (then alpha * 0 + (1 - alpha) "
                    "* grad**2)": P0 - lr * np.cumsum(G / (np.sqrt(started) + eps), axis=0),
                    "the square root is missing: divide by sqrt(square_avg) + eps":
                        P0 - lr * np.cumsum(G / (sq + eps), axis=0),
                    "alpha and 1 - alpha are swapped: square_avg = alpha * square_avg + (1 - alpha) * grad**2":
                        P0 - lr * np.cumsum(G / (np.sqrt(_average_variant(G ** 2, 1 - alpha)) + eps), axis=0),
                    "the gradient is not squared in the average: square_avg = alpha * square_avg + (1 - alpha) "
                    "* grad**2 (the square root of a negative average gives NaN)":
                        _nan_path(_unsquared_path(G, lr, alpha, eps)),
                    "the (1 - alpha) factor is missing from the average":
                        P0 - lr * np.cumsum(G / (np.sqrt(sq / (1 - alpha)) + eps), axis=0),
                    "RMSProp has no bias correction (that is Adam's)":
                        P0 - lr * np.cumsum(G / (np.sqrt(corrected) + eps), axis=0),
                    "square_avg averages |grad|; it averages the square, grad**2":
                        P0 - lr * np.cumsum(G / (np.sqrt((1 - alpha) * (_weights(alpha) @ np.abs(G))) + eps),
                                            axis=0)}

        expected = P0 - lr * np.cumsum(G / (np.sqrt(sq) + eps), axis=0)
        results += _stream_results(values, i, lr, f"lr={lr:g}, alpha={alpha:g}, eps={eps:g}", expected, mistakes,
                                   {"square_avg": (sq[-1], {"the (1 - alpha) factor is missing": sq[-1] / (1 - alpha),
                                                            "alpha and 1 - alpha are swapped: square_avg = alpha * "
                                                            "square_avg + (1 - alpha) * grad**2":
                                                                _average_variant(G ** 2, 1 - alpha)[-1],
                                                            "square_avg starts at grad**2 on the first step; it starts"
                                                            " at 0": started[-1]})},
                                   factors={"alpha": alpha})
    surface = rosenbrock()
    make, kwargs, steps = RMS_SURFACES[0]
    reference = _reference_run(surface, lambda ps: RMSprop(ps, **kwargs), steps)
    results += _surface_results(values, 0, f"Rosenbrock from (-1.2, 1), lr=3e-3, {steps} steps", reference,
                                np.array([1.0, 1.0]), 0.1)
    return results


# Adam ----------------------------------------------------------------------------------------------

_ADAM_MISTAKES = {
    "store hat": "the bias-corrected m_hat and v_hat are kept as the state; keep the raw averages exp_avg and "
                 "exp_avg_sq (correct them only for the step)",
    "start at first": "the averages start at grad and grad**2 on the first step; they start at 0 "
                      "(then beta * 0 + (1 - beta) * grad)",
    "step stays 1": "the step counter is not carried over: step = state.get('step', 0) + 1, stored in the new state",
    "betas swapped": "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient, beta2 (0.999) its square",
    "no 1 - beta": "the (1 - beta) factors are missing from the averages: exp_avg = beta1 * exp_avg + "
                   "(1 - beta1) * grad",
    "step late": "the bias correction uses the step count before it is incremented: step = step + 1 first "
                 "(with step 0, 1 - beta ** 0 = 0 divides by zero)",
    "not squared": "the gradient is not squared in the second moment: exp_avg_sq = beta2 * exp_avg_sq + "
                   "(1 - beta2) * grad**2",
    "no denominator": "the step is not divided by sqrt(v_hat) + eps: new_param = param - lr * m_hat / "
                      "(sqrt(v_hat) + eps)",
    "abs": "the second moment averages |grad|; it averages the square: exp_avg_sq = beta2 * exp_avg_sq + "
           "(1 - beta2) * grad**2",
    "v with 1 - beta1": "the second moment is weighted with the other beta: exp_avg_sq = beta2 * exp_avg_sq + "
                        "(1 - beta2) * grad**2, not (1 - beta1)",
    "m with 1 - beta2": "the first moment is weighted with the other beta: exp_avg = beta1 * exp_avg + "
                        "(1 - beta1) * grad, not (1 - beta2)",
}


def _adam_variant(G, lr, beta1, beta2, eps, mode):
    """The parameter path of Adam with one known mistake, by its recurrence (only to recognise the mistake)."""
    param, m, v, step, path = P0.copy(), np.zeros(3), np.zeros(3), 0, []
    b1, b2 = (beta2, beta1) if mode == "betas swapped" else (beta1, beta2)
    for k, g in enumerate(G):
        step = 1 if mode == "step stays 1" else step + 1
        w1, w2 = (1.0, 1.0) if mode == "no 1 - beta" else (1 - b1, 1 - b2)
        w1, w2 = {"v with 1 - beta1": (w1, 1 - b1), "m with 1 - beta2": (1 - b2, w2)}.get(mode, (w1, w2))
        if mode == "start at first" and k == 0:
            m, v = g.copy(), g * g
        else:
            m, v = b1 * m + w1 * g, b2 * v + w2 * {"not squared": g, "abs": np.abs(g)}.get(mode, g * g)
        used = step - 1 if mode == "step late" else step
        with np.errstate(all="ignore"):
            m_hat, v_hat = m / (1 - b1 ** used), v / (1 - b2 ** used)
            param = param - lr * m_hat / (1.0 if mode == "no denominator" else np.sqrt(v_hat) + eps)
        if mode == "store hat":
            m, v = m_hat, v_hat
        path.append(param)
    return np.array(path)

ADAM_CASES = ({"lr": 0.01}, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 0.1})
ADAM_SURFACES = ((rosenbrock, {"lr": 0.05}, 2000),)


def _judge_adam(values):
    G = _stream()
    t = np.arange(1, STEPS + 1)[:, None]
    results = []
    for i, kwargs in enumerate(ADAM_CASES):
        lr = kwargs["lr"]
        beta1, beta2 = kwargs.get("betas", (0.9, 0.999))
        eps = kwargs.get("eps", 1e-8)
        m = (1 - beta1) * (_weights(beta1) @ G)
        v = (1 - beta2) * (_weights(beta2) @ G**2)
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)

        def path(num, den, lr=lr):
            return P0 - lr * np.cumsum(num / den, axis=0)

        expected = path(m_hat, np.sqrt(v_hat) + eps)

        def mistakes(path=path, m=m, v=v, m_hat=m_hat, v_hat=v_hat, lr=lr, beta1=beta1, beta2=beta2, eps=eps):
            return {"no bias correction: divide m by (1 - beta1**step) and v by (1 - beta2**step)":
                        path(m, np.sqrt(v) + eps),
                    "only the first moment is bias-corrected": path(m_hat, np.sqrt(v) + eps),
                    "only the second moment is bias-corrected": path(m, np.sqrt(v_hat) + eps),
                    "the second moment is bias-corrected with beta1: v_hat = exp_avg_sq / (1 - beta2**step)":
                        path(m_hat, np.sqrt(v / (1 - beta1 ** t)) + eps),
                    "the first moment is bias-corrected with beta2: m_hat = exp_avg / (1 - beta1**step)":
                        path(m / (1 - beta2 ** t), np.sqrt(v_hat) + eps),
                    "eps is inside the square root; torch adds it after: m_hat / (sqrt(v_hat) + eps)":
                        path(m_hat, np.sqrt(v_hat + eps)),
                    "the step counter starts at 0 in the bias correction (use step = 1 on the first step)":
                        path(m / (1 - beta1 ** (t + 1)), np.sqrt(v / (1 - beta2 ** (t + 1))) + eps),
                    **{text: _nan_path(_adam_variant(G, lr, beta1, beta2, eps, key))
                       for key, text in _ADAM_MISTAKES.items()}}

        label = f"lr={lr:g}, betas=({beta1:g}, {beta2:g}), eps={eps:g}"
        state = {"exp_avg": (m[-1], {"the (1 - beta1) factor is missing": m[-1] / (1 - beta1),
                                     _ADAM_MISTAKES["m with 1 - beta2"]: m[-1] * (1 - beta2) / (1 - beta1),
                                     "you stored the bias-corrected m_hat; keep the raw average": m_hat[-1]}),
                 "exp_avg_sq": (v[-1], {"the (1 - beta2) factor is missing": v[-1] / (1 - beta2),
                                        _ADAM_MISTAKES["v with 1 - beta1"]: v[-1] * (1 - beta1) / (1 - beta2),
                                        "you stored the bias-corrected v_hat; keep the raw average": v_hat[-1]}),
                 "step": (STEPS, {})}
        results += _stream_results(values, i, lr, label, expected, mistakes, state,
                                   factors={"beta1": beta1, "beta2": beta2})
    surface = rosenbrock()
    make, kwargs, steps = ADAM_SURFACES[0]
    reference = _reference_run(surface, lambda ps: Adam(ps, **kwargs), steps)
    results += _surface_results(values, 0, f"Rosenbrock from (-1.2, 1), lr=0.05, {steps} steps", reference,
                                np.array([1.0, 1.0]), 1e-2)
    return results


CHECKS = [
    Check(lesson="04", name="sgd_step", points=1, module=MODULE,
          produce=_produce_for("sgd_step", False, SGD_CASES, SGD_SURFACES), judge=_judge_sgd,
          functions=("sgd_step",), hint=SECTIONS["gd"]),
    Check(lesson="04", name="sgd_momentum_step", points=2, module=MODULE,
          produce=_produce_for("sgd_momentum_step", True, MOMENTUM_CASES, MOMENTUM_SURFACES),
          judge=lambda values: _judge_momentum_like(values, nesterov=False),
          functions=("sgd_momentum_step",), hint=SECTIONS["momentum"]),
    Check(lesson="04", name="nesterov_step", points=2, module=MODULE,
          produce=_produce_for("nesterov_step", True, MOMENTUM_CASES, NESTEROV_SURFACES),
          judge=lambda values: _judge_momentum_like(values, nesterov=True),
          functions=("nesterov_step",), hint=SECTIONS["momentum"]),
    Check(lesson="04", name="rmsprop_step", points=2, module=MODULE,
          produce=_produce_for("rmsprop_step", True, RMS_CASES, RMS_SURFACES), judge=_judge_rmsprop,
          functions=("rmsprop_step",), hint=SECTIONS["rms"]),
    Check(lesson="04", name="adam_step", points=3, module=MODULE,
          produce=_produce_for("adam_step", True, ADAM_CASES, ADAM_SURFACES), judge=_judge_adam,
          functions=("adam_step",), hint=SECTIONS["adam"]),
]
