"""Lesson 08: the LSTM step (forward, staged backward, whole backward), the LSTM through time, truncated BPTT.

Every expected gradient is a central difference of a forward pass (``bplab.nn`` gives forward values only);
for truncated BPTT the forward pass holds ``h_{t-k}`` constant for the loss term at ``t``, which is what
truncation means, so the reference does not share code with any backward pass.

Known wrong answers are recomputed from the same inputs by :func:`step_backward_variant`,
:func:`sequence_backward_variant` and :func:`truncated_variant` (each a deliberate mistake written out), so a
matching submission is told which mistake it made.

Thresholds: the LSTM and the tanh RNN are smooth and the inputs are of order 1, so central differences with
``h = 1e-5`` agree with a correct analytic gradient to about 1e-9 relative; every threshold is 1e-7 (1e-9 for
forward values, which are closed forms).
"""

from __future__ import annotations

import numpy as np

from bplab import gradcheck, nn
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import call
from bplab.nn.activations import sigmoid

MODULE = "ex08_recurrent"
THRESHOLD = 1e-7
FORWARD_THRESHOLD = 1e-9
SECTIONS = {
    "truncated": 'notebook 08, section "5. Truncated BPTT"',
    "cell": 'notebook 08, section "6. The LSTM cell"',
    "step": 'notebook 08, section "7. Backward through one LSTM step"',
    "sequence": 'notebook 08, section "8. The LSTM through time"',
}
STEP_NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
SEQUENCE_NAMES = ("dx", "dh0", "dWx", "dWh", "db", "dc0")


# -- inputs: deterministic, recomputed on both sides ---------------------------------------------------------

def _step_inputs(case):
    """(x, h_prev, c_prev, Wx, Wh, b, dh, dc); case 1 has large pre-activations (saturated gates)."""
    N, D, H = [(3, 4, 5), (2, 3, 4)][case]
    rng = np.random.default_rng(800 + case)
    x, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    scale = [0.6, 1.5][case]
    Wx, Wh, b = scale * rng.normal(size=(D, 4 * H)), scale * rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return x, h_prev, c_prev, Wx, Wh, b, dh, dc


def _sequence_inputs(case):
    """(x, h0, Wx, Wh, b, c0 or None, dh); case 1 passes c0."""
    N, T, D, H = [(2, 5, 3, 4), (3, 4, 2, 3)][case]
    rng = np.random.default_rng(810 + case)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = 0.7 * rng.normal(size=(D, 4 * H)), 0.7 * rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    c0 = rng.normal(size=(N, H)) if case == 1 else None
    dh = rng.normal(size=(N, T, H))
    return x, h0, Wx, Wh, b, c0, dh


# (N, T, D, H, truncate, loss on every step?): windows of 1 and 3 with a loss everywhere, and the lesson's case:
# a loss on the last step only, truncated to fewer steps than the sequence.
TRUNCATED_CASES = [(2, 6, 3, 4, 3, True), (2, 5, 2, 3, 1, True), (3, 7, 3, 4, 4, False)]


def _truncated_inputs(case):
    N, T, D, H, k, everywhere = TRUNCATED_CASES[case]
    rng = np.random.default_rng(820 + case)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, H)), 0.8 * rng.normal(size=(H, H)), rng.normal(size=H)
    dh = rng.normal(size=(N, T, H))
    if not everywhere:
        dh[:, :-1] = 0.0
    return x, h0, Wx, Wh, b, dh, k


# -- references and known mistakes: the LSTM step ------------------------------------------------------------

def _gates(x, h_prev, Wx, Wh, b, order="ifgo"):
    """Gate values ``(i, f, g, o)`` when the blocks of ``a`` are read in ``order`` (torch's is "ifgo")."""
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    return (sigmoid(blocks["i"]), sigmoid(blocks["f"]), np.tanh(blocks["g"]), sigmoid(blocks["o"]))


def step_forward_variant(x, h_prev, c_prev, Wx, Wh, b, mistake=None):
    """``(h, c)`` of one LSTM step, right (``mistake=None``) or with one named mistake."""
    i, f, g, o = _gates(x, h_prev, Wx, Wh, b, order="ifog" if mistake == "ifog" else "ifgo")
    c = f * c_prev + i * g
    if mistake == "no_tanh_c":
        return o * c, c
    return o * np.tanh(c), c


STEP_FORWARD_SLOTS = {
    "order": {"ifog": "gate blocks read in the order i, f, o, g (CS231n's and some papers'): torch's order is "
                      "i, f, g, o"},
    "act_g": {"sigmoid": "g is a tanh: g = tanh(a_g), not σ(a_g)"},
    "act_ifo": {"tanh": "i, f and o are sigmoids: σ(a), not tanh(a)"},
    "cell": {"no_i": "c = f·c_prev + i·g: the input gate i is missing", "no_f": "c = f·c_prev + i·g: the forget gate "
             "f is missing", "swapped": "c = f·c_prev + i·g: f and i are swapped (f keeps the old cell state)",
             "c_prev_g": "c = f·c_prev + i·g: the old cell state is multiplied by f, the candidate g by i"},
    "hidden": {"no_tanh": "h = o · c: the cell state goes through tanh first, h = o·tanh(c)",
               "tanh_outside": "h = o·tanh(c), not tanh(o·c)",
               "c_prev": "h = o·tanh(c) with the NEW cell state c, not c_prev"},
    "bias": {"missing": "the bias b is missing: a = x @ Wx + h_prev @ Wh + b"},
}


def step_forward_slots(x, h_prev, c_prev, Wx, Wh, b):
    """``compute(choice)`` for :func:`wrong_answers.slot_mistakes`: ``{"h", "c"}`` of one step."""
    H = h_prev.shape[1]

    def compute(choice):
        a = x @ Wx + h_prev @ Wh + (0.0 if choice.get("bias") else b)
        blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(choice.get("order") or "ifgo")}
        squash = np.tanh if choice.get("act_ifo") else sigmoid
        i, f, o = squash(blocks["i"]), squash(blocks["f"]), squash(blocks["o"])
        g = sigmoid(blocks["g"]) if choice.get("act_g") else np.tanh(blocks["g"])
        c = {None: f * c_prev + i * g, "no_i": f * c_prev + g, "no_f": c_prev + i * g, "swapped": i * c_prev + f * g,
             "c_prev_g": f * g + i * c_prev}[choice.get("cell")]
        h = {None: o * np.tanh(c), "no_tanh": o * c, "tanh_outside": np.tanh(o * c),
             "c_prev": o * np.tanh(c_prev)}[choice.get("hidden")]
        return {"h": h, "c": c}

    return compute


def step_backward_variant(x, h_prev, c_prev, Wx, Wh, b, dh, dc, mistake=None):
    """The analytic step backward, right or with one named mistake, as a dict of every stage and output.

    Mistakes: ``"tanh_missing_o"`` (dc_total = dc + dh·tanh'(c)), ``"dc_ignored"`` (the upstream dc not added),
    ``"forget_uses_c"`` (df = dc_total·c instead of c_prev), ``"sigmoid_prime_for_g"`` (g's local derivative
    g(1-g)), ``"sign"`` (every gradient negated), ``"dc_prev_not_f"`` (dc_prev = dc_total, f forgotten),
    ``"tanh_prime_not_squared"`` (1 - tanh(c) instead of 1 - tanh²(c)).
    """
    i, f, g, o = _gates(x, h_prev, Wx, Wh, b)
    c = f * c_prev + i * g
    tc = np.tanh(c)
    tanh_prime = 1.0 - tc if mistake == "tanh_prime_not_squared" else 1.0 - tc ** 2
    through_h = dh * tanh_prime if mistake == "tanh_missing_o" else dh * o * tanh_prime
    dc_total = through_h if mistake == "dc_ignored" else dc + through_h
    dgates = np.concatenate([dc_total * g, dc_total * (c if mistake == "forget_uses_c" else c_prev),
                             dc_total * i, dh * tc], axis=1)
    g_local = g * (1.0 - g) if mistake == "sigmoid_prime_for_g" else 1.0 - g ** 2
    da = dgates * np.concatenate([i * (1.0 - i), f * (1.0 - f), g_local, o * (1.0 - o)], axis=1)
    out = {"dc_total": dc_total, "dgates": dgates, "da": da, "dx": da @ Wx.T, "dh_prev": da @ Wh.T,
           "dc_prev": dc_total if mistake == "dc_prev_not_f" else dc_total * f,
           "dWx": x.T @ da, "dWh": h_prev.T @ da, "db": da.sum(axis=0)}
    return {k: -v for k, v in out.items()} if mistake == "sign" else out


STEP_MISTAKES = {
    "tanh_missing_o": "the path through h = o·tanh(c) lost its factor o: dL/dc gets dh · o · (1 - tanh²(c)), "
                      "plus the upstream dc",
    "dc_ignored": "the upstream dc is missing: the cell state also receives dc from the next step, so "
                  "dL/dc = dc + dh · o · (1 - tanh²(c))",
    "forget_uses_c": "the forget gate multiplies the PREVIOUS cell state: dL/df = dL/dc · c_prev, not · c",
    "sigmoid_prime_for_g": "g is a tanh, not a sigmoid: its local derivative is 1 - g², not g(1 - g)",
    "dc_prev_not_f": "dc_prev misses the forget gate: c = f·c_prev + ..., so dL/dc_prev = dL/dc · f",
    "tanh_prime_not_squared": "tanh'(c) is 1 - tanh(c)², not 1 - tanh(c)",
    "sign": "sign flipped: every gradient has the right size and the wrong sign",
}


def _local_alternatives(gate):
    """The wrong local derivatives of one gate (dL/da from dL/d{gate}), as slot alternatives."""
    if gate == "g":
        return {"sigmoid": STEP_MISTAKES["sigmoid_prime_for_g"],
                "pre": "g's local derivative is computed from the pre-activation a: tanh'(a) = 1 - g², with the "
                       "gate VALUE g = tanh(a), not 1 - a²",
                "again": "tanh applied again to g: the cache holds g = tanh(a) already, so tanh'(a) = 1 - g²",
                "none": "g's local derivative is missing: dL/da_g = dL/dg · (1 - g²)",
                "not_squared": "g's local derivative is 1 - g², not 1 - g"}
    return {"tanh": f"{gate} is a sigmoid: its local derivative is {gate}(1 - {gate}), not 1 - {gate}²",
            "pre": f"{gate}'s local derivative is computed from the pre-activation a: σ'(a) = {gate}(1 - {gate}), "
                   f"with the gate VALUE {gate} = σ(a), not a(1 - a)",
            "again": f"σ applied again to {gate}: the cache holds {gate} = σ(a) already, so σ'(a) = {gate}(1 - {gate})",
            "none": f"{gate}'s local derivative is missing: dL/da_{gate} = dL/d{gate} · {gate}(1 - {gate})"}


STEP_SLOTS = {
    "dc_total": {
        "no_o": STEP_MISTAKES["tanh_missing_o"],
        "from_c": "tanh'(c) is computed from c: it is 1 - tanh(c)² (the cached tanh_c, squared), not 1 - c²",
        "not_squared": STEP_MISTAKES["tanh_prime_not_squared"],
        "tanh_again": "tanh is applied again to the cached tanh_c: tanh'(c) = 1 - tanh_c², with tanh_c as it is",
        "no_prime": "tanh's derivative is missing on the way from h to c: h = o·tanh(c), so dL/dc gets "
                    "dh · o · (1 - tanh²(c))",
        "dc_ignored": STEP_MISTAKES["dc_ignored"],
    },
    "di": {"own": "dL/di multiplies dL/dc by i itself: c = f·c_prev + i·g, so dL/di = dL/dc · g",
           "dc": "dL/di uses the upstream dc alone: use the whole dL/dc (dc + the path through h), dL/di = dL/dc · g"},
    "df": {"c": STEP_MISTAKES["forget_uses_c"],
           "own": "dL/df multiplies dL/dc by f itself: c = f·c_prev + i·g, so dL/df = dL/dc · c_prev",
           "h_prev": "dL/df multiplies by h_prev: c = f·c_prev + i·g, so dL/df = dL/dc · c_prev (the cell state)",
           "dc": "dL/df uses the upstream dc alone: use the whole dL/dc (dc + the path through h), dL/df = dL/dc · c_prev"},
    "dg": {"own": "dL/dg multiplies dL/dc by g itself: c = f·c_prev + i·g, so dL/dg = dL/dc · i",
           "dc": "dL/dg uses the upstream dc alone: use the whole dL/dc (dc + the path through h), dL/dg = dL/dc · i"},
    "do": {"c": "dL/do = dh · tanh(c): the tanh is missing (h = o·tanh(c))",
           "dc_total": "dL/do takes dh, not dL/dc: o only feeds h = o·tanh(c), so dL/do = dh · tanh(c)",
           "prime": "dL/do = dh · tanh(c), not dh · (1 - tanh²(c)): o multiplies tanh(c), it is not inside it",
           "own": "dL/do multiplies dh by o itself: h = o·tanh(c), so dL/do = dh · tanh(c)"},
    **{f"local_{gate}": _local_alternatives(gate) for gate in "ifgo"},
    "local_all": {"none": "the gates' local derivatives are missing: da = dgates * [i(1 - i), f(1 - f), 1 - g², "
                          "o(1 - o)] (the derivative of each gate's activation)",
                  "sigmoid": "every gate got the sigmoid's derivative: g = tanh(a_g), so its block is 1 - g², the "
                             "others s(1 - s)",
                  "pre": "the local derivatives are computed from the pre-activations a: use the gate VALUES, "
                         "s(1 - s) for i, f, o and 1 - g² for g",
                  "again": "the activations are applied again to the cached gate values (σ(i)(1 - σ(i)), "
                           "1 - tanh(g)²): the cache holds i = σ(a_i) already, so the local derivatives are "
                           "i(1 - i), f(1 - f), 1 - g², o(1 - o)"},
    "dc_prev": {"no_f": STEP_MISTAKES["dc_prev_not_f"],
                "c_prev": "dc_prev multiplies by c_prev: c = f·c_prev + ..., so dL/dc_prev = dL/dc · f",
                "dc": "dc_prev uses the upstream dc alone: dL/dc_prev = dL/dc · f with the whole dL/dc (dc + the path "
                      "through h)"},
    "db": {"mean": "db averages over the batch: b is shared by every row, so db = da.sum(axis=0)"},
    "sign": {"all": STEP_MISTAKES["sign"]},
}


def step_slot_outputs(inputs, unpacked="ifgo"):
    """``compute(choice)`` for :func:`wrong_answers.slot_mistakes`: every stage and output of the step backward.

    ``unpacked`` is the order in which the backward takes the four gates out of a cache that holds them as i, f, g,
    o (``"ifog"``: a cache unpacked in another order than the forward stored it).
    """
    x, h_prev, c_prev, Wx, Wh, b, dh, dc = inputs
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    stored = dict(zip("ifgo", _gates(x, h_prev, Wx, Wh, b)))
    c = stored["f"] * c_prev + stored["i"] * stored["g"]
    tc = np.tanh(c)
    i, f, g, o = (stored[name] for name in unpacked)  # the name each stored gate gets in the backward
    pre = dict(zip("ifgo", (a[:, k * H:(k + 1) * H] for k in range(4))))
    value = {"i": i, "f": f, "g": g, "o": o}

    # Every alternative of every slot, computed once: compute() only assembles them.
    through = {None: dh * o * (1.0 - tc ** 2), "no_o": dh * (1.0 - tc ** 2), "from_c": dh * o * (1.0 - c ** 2),
               "not_squared": dh * o * (1.0 - tc), "tanh_again": dh * o * (1.0 - np.tanh(tc) ** 2),
               "no_prime": dh * o}
    locals_ = {}
    for gate in "ifgo":
        v, z, sig = value[gate], pre[gate], gate != "g"
        locals_[gate] = {None: v * (1.0 - v) if sig else 1.0 - v ** 2, "tanh": 1.0 - v ** 2, "sigmoid": v * (1.0 - v),
                         "pre": z * (1.0 - z) if sig else 1.0 - z ** 2,
                         "again": sigmoid(v) * (1.0 - sigmoid(v)) if sig else 1.0 - np.tanh(v) ** 2,
                         "none": np.ones_like(v), "not_squared": 1.0 - v}
    every = {"none": dict.fromkeys("ifgo", "none"), "sigmoid": {"g": "sigmoid"}, "pre": dict.fromkeys("ifgo", "pre"),
             "again": dict.fromkeys("ifgo", "again")}

    def compute(choice):
        key = choice.get("dc_total")
        dc_total = through[None if key == "dc_ignored" else key] + (0.0 if key == "dc_ignored" else dc)
        upstream = {"di": {None: dc_total * g, "own": dc_total * i, "dc": dc * g},
                    "df": {None: dc_total * c_prev, "c": dc_total * c, "own": dc_total * f, "h_prev": dc_total * h_prev,
                           "dc": dc * c_prev},
                    "dg": {None: dc_total * i, "own": dc_total * g, "dc": dc * i},
                    "do": {None: dh * tc, "c": dh * c, "dc_total": dc_total * tc, "prime": dh * (1.0 - tc ** 2),
                           "own": dh * o}}
        dgates = np.concatenate([upstream[s][choice.get(s)] for s in ("di", "df", "dg", "do")], axis=1)
        overall = every.get(choice.get("local_all"), {})
        da = dgates * np.concatenate([locals_[gate][overall.get(gate, choice.get(f"local_{gate}"))]
                                      for gate in "ifgo"], axis=1)
        dc_prev = {None: dc_total * f, "no_f": dc_total, "c_prev": dc_total * c_prev, "dc": dc * f}[choice.get("dc_prev")]
        out = {"dc_total": dc_total, "dgates": dgates, "da": da, "dx": da @ Wx.T, "dh_prev": da @ Wh.T,
               "dc_prev": dc_prev, "dWx": x.T @ da, "dWh": h_prev.T @ da,
               "db": da.mean(axis=0) if choice.get("db") == "mean" else da.sum(axis=0)}
        return {k: -v for k, v in out.items()} if choice.get("sign") else out

    return compute


_STEP_MISTAKES_CACHE = {}


def _step_mistakes(case, key):
    """``{description: wrong array}`` for one output of the step backward on case ``case``'s inputs."""
    if case not in _STEP_MISTAKES_CACHE:
        found = wrong_answers.slot_mistakes(step_slot_outputs(_step_inputs(case)), STEP_SLOTS, pairs=True)
        for order in ("ifog", "figo", "gfio", "oigf"):  # two gates exchanged when the cache is unpacked
            wrong = step_slot_outputs(_step_inputs(case), unpacked=order)({})
            text = (f"the cache is unpacked in another order than lstm_step_forward stored it (its gates read as "
                    f"{', '.join(order)}): unpack the cache in exactly the order you built it")
            for name, value in wrong.items():
                found[name].setdefault(text, value)
        _STEP_MISTAKES_CACHE[case] = found
    return _STEP_MISTAKES_CACHE[case][key]


def _step_function(inputs, which):
    """``f(v) -> (h, c)`` with input number ``which`` of the step replaced by ``v``."""
    def f(v):
        args = list(inputs[:6])
        args[which] = v
        h, c, _ = nn.lstm_step_forward(*args)
        return h, c
    return f


def numerical_step_gradients(inputs):
    """Central differences of ``<dh, h> + <dc, c>`` w.r.t. x, h_prev, c_prev, Wx, Wh, b."""
    dh, dc = inputs[6], inputs[7]
    grads = []
    for which in range(6):
        f = _step_function(inputs, which)
        grads.append(gradcheck.numerical_gradient(lambda v, f=f: float(np.sum(f(v)[0] * dh) + np.sum(f(v)[1] * dc)),
                                                  inputs[which].copy()))
    return grads


def numerical_stage_gradients(inputs):
    """Central differences for the three stages: w.r.t. the new ``c``, the gate values and the pre-activations."""
    x, h_prev, c_prev, Wx, Wh, b, dh, dc = inputs
    H = h_prev.shape[1]
    i, f, g, o = _gates(x, h_prev, Wx, Wh, b)
    c = f * c_prev + i * g
    d_c = gradcheck.numerical_gradient(lambda v: float(np.sum(dh * o * np.tanh(v)) + np.sum(dc * v)), c.copy())

    def from_gates(gates):
        gi, gf, gg, go = (gates[:, k * H:(k + 1) * H] for k in range(4))
        cell = gf * c_prev + gi * gg
        return float(np.sum(dh * go * np.tanh(cell)) + np.sum(dc * cell))

    d_gates = gradcheck.numerical_gradient(from_gates, np.concatenate([i, f, g, o], axis=1))

    def from_preactivations(a):
        gates = np.concatenate([sigmoid(a[:, :2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])], axis=1)
        return from_gates(gates)

    d_a = gradcheck.numerical_gradient(from_preactivations, x @ Wx + h_prev @ Wh + b)
    return d_c, d_gates, d_a


# -- checks: the LSTM step -------------------------------------------------------------------------------------

def _produce_step_forward(ex):
    outs, witnesses = [], []
    for case in range(2):
        inputs = _step_inputs(case)
        result, seen = call(ex.lstm_step_forward, *inputs[:6], names=("x", "h_prev", "c_prev", "Wx", "Wh", "b"))
        outs.append(list(result[:2]) if isinstance(result, tuple) and len(result) == 3 else [None, None])
        witnesses.append(seen)
    return {"outs": outs, "witness": witnesses}


def _judge_step_forward(values):
    outs = values.get("outs")
    outs = outs if isinstance(outs, list) and len(outs) == 2 else [[None, None]] * 2
    results = [in_place.not_modified(values.get("witness"), inputs=[_step_inputs(case)[:6] for case in range(2)])]
    for case, pair in enumerate(outs):
        inputs = _step_inputs(case)
        h, c = wrong_answers.unpack(pair, 2, "lstm_step_forward")
        label = "" if case == 0 else " (saturated gates)"
        def wrong(key, inputs=inputs):  # computed only for a wrong answer
            return wrong_answers.slot_mistakes(step_forward_slots(*inputs[:6]), STEP_FORWARD_SLOTS, pairs=True)[key]

        results.append(gradcheck.compare(f"h{label}", h, step_forward_variant(*inputs[:6])[0],
                                         threshold=FORWARD_THRESHOLD, mistakes=lambda: wrong("h")))
        results.append(gradcheck.compare(f"c{label}", c, step_forward_variant(*inputs[:6])[1],
                                         threshold=FORWARD_THRESHOLD, mistakes=lambda: wrong("c")))
    return results


def _produce_staged(ex):
    stages, witnesses = [], []
    for case in range(2):
        inputs = _step_inputs(case)
        (_, _, cache), seen = call(ex.lstm_step_forward, *inputs[:6], names=("x", "h_prev", "c_prev", "Wx", "Wh", "b"))
        result, seen_back = call(ex.lstm_gate_gradients, inputs[6], inputs[7], cache, names=("dh", "dc", "cache"))
        stages.append(result)
        witnesses += [seen, seen_back]
    return {"stages": stages, "witness": witnesses}


def _judge_staged(values):
    stages = values.get("stages")
    stages = stages if isinstance(stages, list) and len(stages) == 2 else [None, None]
    results = [in_place.not_modified(values.get("witness"), inputs=_step_calls())]
    keys = ("dc_total", "dgates", "da")
    results += [r for r in [wrong_answers.returned_count(stages[0], keys, "lstm_gate_gradients")] if r is not None]
    actuals = [dict(zip(keys, wrong_answers.unpack(result, 3, "lstm_gate_gradients"))) for result in stages]
    numerics = [dict(zip(keys, numerical_stage_gradients(_step_inputs(case)))) for case in range(2)]
    for case in range(2):
        label = "" if case == 0 else ", saturated gates"
        for stage, (name, key) in enumerate(zip(("dL/dc", "dL/d[i,f,g,o]", "dL/da"), keys)):
            results.append(gradcheck.compare(f"stage {stage + 1}: {name}{label}", actuals[case][key],
                                             numerics[case][key], threshold=THRESHOLD,
                                             batch_size=_step_inputs(case)[0].shape[0],
                                             mistakes=lambda case=case, key=key: _consistent_step_mistakes(
                                                 key, actuals, numerics)[case]))
    return results


def _consistent_step_mistakes(key, actuals, numerics):
    """Both cases' known wrong answers for one output, without those the case the learner got right rules out."""
    return wrong_answers.drop_contradicted([(actuals[case][key], numerics[case][key],
                                         lambda case=case: _step_mistakes(case, key)) for case in range(2)],
                                       threshold=THRESHOLD)


def _produce_step_backward(ex):
    grads, witnesses = [], []
    for case in range(2):
        inputs = _step_inputs(case)
        (_, _, cache), seen = call(ex.lstm_step_forward, *inputs[:6], names=("x", "h_prev", "c_prev", "Wx", "Wh", "b"))
        result, seen_back = call(ex.lstm_step_backward, inputs[6], inputs[7], cache, names=("dh", "dc", "cache"))
        grads.append(result)
        witnesses += [seen, seen_back]
    return {"grads": grads, "witness": witnesses}


def _step_calls():
    """The arguments of the calls of the two produce functions above: the forward, then the backward on its cache."""
    return [args for inputs in map(_step_inputs, range(2))
            for args in (inputs[:6], (inputs[6], inputs[7], in_place.Cache()))]


def _judge_step_backward(values):
    grads = values.get("grads")
    grads = grads if isinstance(grads, list) and len(grads) == 2 else [None, None]
    results = [in_place.not_modified(values.get("witness"), inputs=_step_calls())]
    actuals = [dict(zip(STEP_NAMES, wrong_answers.unpack(result, 6, "lstm_step_backward"))) for result in grads]
    numerics = [dict(zip(STEP_NAMES, numerical_step_gradients(_step_inputs(case)))) for case in range(2)]
    for case, result in enumerate(grads):
        inputs = _step_inputs(case)
        label = "" if case == 0 else " (saturated gates)"
        actual, numeric = list(actuals[case].values()), list(numerics[case].values())
        results += [r for r in [wrong_answers.returned_count(result, STEP_NAMES, "lstm_step_backward")] if r is not None]
        results += [r for r in [wrong_answers.returned_order(actual, numeric, STEP_NAMES, "lstm_step_backward")]
                    if r is not None]
        for name, got, expected in zip(STEP_NAMES, actual, numeric):
            results.append(gradcheck.compare(f"{name}{label}", got, expected, threshold=THRESHOLD,
                                             batch_size=inputs[0].shape[0],
                                             mistakes=lambda case=case, name=name: _consistent_step_mistakes(
                                                 name, actuals, numerics)[case]))
    return results


# -- references and known mistakes: the LSTM through time -----------------------------------------------------

def numerical_sequence_gradients(x, h0, Wx, Wh, b, c0, dh):
    """Central differences of ``sum(dh * h)`` w.r.t. x, h0, Wx, Wh, b (and c0 when given)."""
    args = [x, h0, Wx, Wh, b] + ([c0] if c0 is not None else [])

    def f(which):
        def run(v):
            a = list(args)
            a[which] = v
            extra = {"c0": a[5]} if c0 is not None else {}
            return float(np.sum(nn.lstm_forward(*a[:5], **extra)[0] * dh))
        return run

    return [gradcheck.numerical_gradient(f(k), args[k].copy()) for k in range(len(args))]


def sequence_backward_variant(x, h0, Wx, Wh, b, c0, dh, mistake):
    """The sequence backward with one named mistake, built on ``bplab.nn``'s step (only to name mistakes).

    ``"overwrite"``: the weight gradients assigned, not added, at each step (a reversed loop leaves step 0's);
    ``"last_step_only"``: the weight gradients of the last step only; ``"dc_not_carried"``: each step gets
    ``dc = 0`` instead of the next step's ``dc_prev``; ``"dh_next_dropped"``: each step gets ``dh[:, t]`` only;
    ``"forwards"``: the loop runs t = 0 .. T-1, carrying the gradients forwards in time.
    """
    N, T, H = dh.shape
    _, cache = nn.lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    steps = cache["steps"]
    dx = np.zeros_like(x)
    dW = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    order = range(T) if mistake == "forwards" else range(T - 1, 0, -1) if mistake == "stops_early" \
        else reversed(range(T))
    for t in order:
        own = dh[:, T - 1 - t] if mistake == "dh_reversed" else dh[:, t]
        upstream = own if mistake == "dh_next_dropped" else own + dh_next
        dc_in = np.zeros((N, H)) if mistake == "dc_not_carried" else dc_next
        if mistake == "carries_swapped":
            upstream, dc_in = own + dc_next, dh_next
        dx[:, t], dh_next, dc_next, *dW_t = nn.lstm_step_backward(upstream, dc_in, steps[t])
        for k in range(3):
            if mistake == "overwrite":
                dW[k] = dW_t[k]
            elif mistake != "last_step_only" or t == T - 1:
                dW[k] = dW[k] + dW_t[k]
    return [dx, dh[:, 0] if mistake == "dh0_is_dh" else dh_next] + dW + [dc_next]


SEQUENCE_MISTAKES = {
    "carries_swapped": "the two carried gradients are swapped: step t gets dh[:, t] + dh_prev of step t+1 as its dh, "
                       "and dc_prev of step t+1 as its dc",
    "dh_reversed": "the loop runs backwards but reads dh in the wrong order: step t takes dh[:, t] (the loss's gradient "
                   "of its own h), not dh[:, T - 1 - t]",
    "dh0_is_dh": "dh0 is the dh_prev that step 0's backward returns (what is left after the loop), not dh[:, 0]",
    "stops_early": "the loop stops before step 0 (range(T - 1, 0, -1)): run it over reversed(range(T))",
    "overwrite": "the weight gradients are overwritten at every step (=) instead of summed over time (+=): "
                 "the same weights are used at every step, so their gradients add up",
    "last_step_only": "the weight gradients come from the last step only: sum every step's contribution",
    "dc_not_carried": "the cell-state gradient is not carried back: pass the dc_prev of step t+1 as the dc of step t",
    "dh_next_dropped": "the gradient from the next step is missing: h_t feeds the loss AND step t+1, so its "
                       "gradient is dh[:, t] + dh_prev of step t+1",
    "forwards": "BPTT runs forwards in time: the backward pass must start at the last step (reversed(range(T)))",
}


def _sequence_mistakes(inputs, index):
    return {text: sequence_backward_variant(*inputs, mistake=name)[index] for name, text in SEQUENCE_MISTAKES.items()}


def _produce_sequence_forward(ex):
    outs, witnesses = [], []
    for case in range(2):
        args = _sequence_args(case)
        result, seen = call(ex.lstm_forward, *args, names=("x", "h0", "Wx", "Wh", "b", "c0")[:len(args)])
        outs.append(result[0] if isinstance(result, tuple) and len(result) == 2 else result)
        witnesses.append(seen)
    return {"outs": outs, "witness": witnesses}


def _sequence_args(case):
    """lstm_forward's arguments: c0 only when the case gives one."""
    x, h0, Wx, Wh, b, c0, _ = _sequence_inputs(case)
    return (x, h0, Wx, Wh, b) + ((c0,) if c0 is not None else ())


def _judge_sequence_forward(values):
    outs = values.get("outs")
    outs = outs if isinstance(outs, list) and len(outs) == 2 else [None, None]
    results = [in_place.not_modified(values.get("witness"), inputs=[_sequence_args(case) for case in range(2)])]
    for case, h in enumerate(outs):
        x, h0, Wx, Wh, b, c0, _ = _sequence_inputs(case)
        c = np.zeros_like(h0) if c0 is None else c0
        expected, h_prev = np.empty(x.shape[:2] + h0.shape[1:]), h0
        for t in range(x.shape[1]):
            h_prev, c = step_forward_variant(x[:, t], h_prev, c, Wx, Wh, b)
            expected[:, t] = h_prev
        label = "h (c0 given)" if c0 is not None else "h (c0 = None: zeros)"
        results.append(gradcheck.compare(label, h, expected, threshold=FORWARD_THRESHOLD,
                                         mistakes=lambda case=case: _sequence_forward_mistakes(case)))
    return results


SEQUENCE_FORWARD_MISTAKES = {
    "c0_ignored": "the given c0 is ignored: the cell state starts at c0 when it is given (zeros only when c0 is None)",
    "h0_every_step": "every step starts from h0: the hidden state is carried, step t gets the h of step t - 1",
    "c_every_step": "every step starts from the initial cell state: c is carried, step t gets the c of step t - 1",
    "cell_returned": "the cell states are returned: h holds the hidden states o·tanh(c) of every step",
    "stored_before": "h[:, t] is stored before step t runs: store the hidden state the step returns",
    "c_from_h0": "the cell state starts at h0: it starts at c0, zeros when c0 is None (h and c are two states)",
    "with_h0": "h includes h0 as its first entry (T + 1 states): return the T hidden states the steps compute, "
               "h0 excluded",
}


def _sequence_forward_variant(x, h0, Wx, Wh, b, c0, mistake):
    """The hidden states of the sequence forward with one known mistake (loops over the right step)."""
    c = np.zeros_like(h0) if c0 is None or mistake == "c0_ignored" else c0
    c = h0 if mistake == "c_from_h0" else c
    h_prev, c_start, out = h0, c, np.empty(x.shape[:2] + h0.shape[1:])
    for t in range(x.shape[1]):
        start_h = h0 if mistake == "h0_every_step" else h_prev
        start_c = c_start if mistake == "c_every_step" else c
        new_h, c = step_forward_variant(x[:, t], start_h, start_c, Wx, Wh, b)
        out[:, t] = {"cell_returned": c, "stored_before": h_prev}.get(mistake, new_h)
        h_prev = new_h
    return np.concatenate([h0[:, None], out], axis=1) if mistake == "with_h0" else out


def _sequence_forward_mistakes(case):
    x, h0, Wx, Wh, b, c0, _ = _sequence_inputs(case)
    return {text: _sequence_forward_variant(x, h0, Wx, Wh, b, c0, name)
            for name, text in SEQUENCE_FORWARD_MISTAKES.items()}


def _produce_sequence_backward(ex):
    grads, witnesses = [], []
    for case in range(2):
        args, dh = _sequence_args(case), _sequence_inputs(case)[6]
        (_, cache), seen = call(ex.lstm_forward, *args, names=("x", "h0", "Wx", "Wh", "b", "c0")[:len(args)])
        result, seen_back = call(ex.lstm_backward, dh, cache, names=("dh", "cache"))
        grads.append(result)
        witnesses += [seen, seen_back]
    return {"grads": grads, "witness": witnesses}


def _judge_sequence_backward(values):
    grads = values.get("grads")
    grads = grads if isinstance(grads, list) and len(grads) == 2 else [None, None]
    calls = [args for case in range(2)
             for args in (_sequence_args(case), (_sequence_inputs(case)[6], in_place.Cache()))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)]
    for case, result in enumerate(grads):
        inputs = _sequence_inputs(case)
        c0 = inputs[5]
        count = 6 if c0 is not None else 5
        label = " (c0 given)" if c0 is not None else ""
        if isinstance(result, (list, tuple)) and len(result) != count:
            results.append(gradcheck.verdict(
                f"number of gradients{label}", False, f"returned {len(result)} values, expected {count}",
                "return (dx, dh0, dWx, dWh, db), plus dc0 as the last element only when lstm_forward got c0"))
            continue
        actual = wrong_answers.unpack(result, count, "lstm_backward")
        numeric = numerical_sequence_gradients(*inputs)
        results += [r for r in [wrong_answers.returned_order(actual, numeric, SEQUENCE_NAMES[:count], "lstm_backward")]
                    if r is not None]
        for index, (name, got, expected) in enumerate(zip(SEQUENCE_NAMES, actual, numeric)):
            results.append(gradcheck.compare(f"{name}{label}", got, expected, threshold=THRESHOLD,
                                             batch_size=inputs[0].shape[0],
                                             mistakes=_sequence_mistakes(inputs, index)))
    return results


# -- truncated BPTT --------------------------------------------------------------------------------------------

def truncated_objective(x, h0, Wx, Wh, b, dh, k, anchors):
    """``sum_t <dh_t, h_t>`` where the term at ``t`` runs only steps ``t-k+1 .. t`` from a constant start.

    Parameters
    ----------
    anchors : ndarray, shape (N, T, H)
        The hidden states of the untouched forward pass: the term at ``t`` starts from ``anchors[:, t-k]``
        (held constant: that is the truncation), or from ``h0`` when ``t - k < 0``.
    """
    total = 0.0
    for end in range(x.shape[1]):
        start = end - k + 1
        h = h0 if start <= 0 else anchors[:, start - 1]
        for t in range(max(start, 0), end + 1):
            h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        total += float(np.sum(dh[:, end] * h))
    return total


def numerical_truncated_gradients(x, h0, Wx, Wh, b, dh, k):
    anchors = nn.rnn_forward(x, h0, Wx, Wh, b)[0]
    args = [x, h0, Wx, Wh, b]

    def f(which):
        def run(v):
            a = list(args)
            a[which] = v
            return truncated_objective(*a, dh, k, anchors)
        return run

    return [gradcheck.numerical_gradient(f(which), args[which].copy()) for which in range(5)]


def truncated_loop_variant(x, h0, Wx, Wh, b, dh, k, mistake):
    """The per-loss-term loop of truncated BPTT with one slip: ``"overwrite_w"`` (weight gradients assigned, =),
    ``"overwrite_dx"`` (dx[:, t] assigned), ``"dh0_assigned"`` (dh0 = instead of +=), ``"dh_each_step"`` (dh[:, t]
    added again at every step of a window, as in full BPTT's loop)."""
    N, T, H = dh.shape
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    dx = np.zeros_like(x)
    dW = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    dh0 = np.zeros((N, H))
    for end in range(T):
        grad = dh[:, end]
        start = end - k + 1 if mistake == "no_clamp" else max(end - k + 1, 0)
        for t in (range(start, end + 1) if mistake == "forwards" else range(end, start - 1, -1)):
            if mistake == "dh_each_step" and t != end:
                grad = grad + dh[:, t]
            dx_t, grad, *parts = nn.rnn_step_backward(grad, cache[t])
            dx[:, t] = dx_t if mistake == "overwrite_dx" else dx[:, t] + dx_t
            dW = parts if mistake == "overwrite_w" else [w + p for w, p in zip(dW, parts)]
        if start == 0:
            dh0 = grad if mistake == "dh0_assigned" else dh0 + grad
    return [dx, dh0] + dW


def truncated_variant(x, h0, Wx, Wh, b, dh, k, mistake):
    """Known wrong answers: ``"full"`` (truncation ignored), ``"one_more"`` (k + 1 steps), ``"chunks"`` and
    ``"chunks_end"`` (the gradient stopped at multiples of k counted from the start, or from the end: the chunked
    scheme, not this one)."""
    if mistake in ("overwrite_w", "overwrite_dx", "dh0_assigned", "dh_each_step", "no_clamp", "forwards"):
        return truncated_loop_variant(x, h0, Wx, Wh, b, dh, k, mistake)
    if mistake == "full":
        return list(nn.rnn_backward(dh, nn.rnn_forward(x, h0, Wx, Wh, b)[1]))
    if mistake == "one_more":
        return list(nn.rnn_backward(dh, nn.rnn_forward(x, h0, Wx, Wh, b)[1], truncate=k + 1))
    N, T, H = dh.shape
    _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
    if mistake == "dh0_always":  # the right windows, but every term's leftover gradient added to dh0
        right = list(nn.rnn_backward(dh, cache, truncate=k))
        dh0 = np.zeros((N, H))
        for end in range(T):
            grad = dh[:, end]
            for t in range(end, max(end - k + 1, 0) - 1, -1):
                _, grad, *_ = nn.rnn_step_backward(grad, cache[t])
            dh0 += grad
        return [right[0], dh0] + right[2:]
    dx = np.zeros_like(x)
    dW = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    grad = np.zeros((N, H))
    for t in reversed(range(T)):
        if (t + 1) % k == 0 if mistake == "chunks" else (T - 1 - t) % k == 0:
            grad = np.zeros((N, H))  # the chunk boundary after step t: no gradient crosses it
        dx[:, t], grad, *parts = nn.rnn_step_backward(dh[:, t] + grad, cache[t])
        dW = [w + p for w, p in zip(dW, parts)]
    return [dx, grad] + dW


TRUNCATED_MISTAKES = {
    "full": "no truncation: this is full BPTT; each loss term's gradient must stop after `truncate` steps back",
    "one_more": "off by one: each loss term's gradient went back truncate + 1 steps; the term at t reaches "
                "h_t ... h_{t-truncate+1}, which is `truncate` steps",
    "dh0_always": "dh0 collected the gradient of every loss term, also of those whose window stops before the first "
                  "step: add to dh0 only when the window reaches step 0 (start == 0)",
    "no_clamp": "the window's start is not clamped at 0: for the first loss terms end - truncate + 1 is negative, "
                "and cache[-1] is the LAST step (Python wraps negative indices); start = max(end - truncate + 1, 0)",
    "overwrite_w": "the weight gradients are assigned (=) at each step: every step and every loss term adds to "
                   "them (+=)",
    "overwrite_dx": "dx[:, t] is assigned (=): x_t is reached by several loss terms' windows, so add (+=) each one",
    "dh0_assigned": "dh0 is assigned (=): every loss term whose window reaches step 0 adds to it (+=)",
    "dh_each_step": "dh[:, t] is added again at every step of a window: each loss term's window starts from its own "
                    "dh[:, end] alone and carries only that gradient back",
    "forwards": "each window's inner loop runs forwards in time (start .. end): the gradient of the loss term at "
                "`end` enters at step end and goes back, for t in range(end, start - 1, -1)",
    "chunks_end": "one backward sweep that drops the carried gradient every `truncate` steps (chunks counted from the "
                  "end): every loss term must reach back `truncate` steps from its own step, a window per loss term",
    "chunks": "the sequence was cut into chunks of `truncate` steps counted from the start (torch's detach every "
              "k steps); here every loss term reaches back `truncate` steps from its own step",
}


def _produce_truncated(ex):
    grads, witnesses = [], []
    for case in range(len(TRUNCATED_CASES)):
        x, h0, Wx, Wh, b, dh, k = _truncated_inputs(case)
        _, cache = nn.rnn_forward(x, h0, Wx, Wh, b)
        result, seen = call(ex.rnn_backward_truncated, dh, cache, k, names=("dh", "cache", "truncate"))
        grads.append(result)
        witnesses.append(seen)
    return {"grads": grads, "witness": witnesses}


def _judge_truncated(values):
    grads = values.get("grads")
    grads = grads if isinstance(grads, list) and len(grads) == len(TRUNCATED_CASES) else [None] * len(
        TRUNCATED_CASES)
    calls = [(dh, nn.rnn_forward(x, h0, Wx, Wh, b)[1], k)  # bplab's own forward: the judge rebuilds the cache too
             for x, h0, Wx, Wh, b, dh, k in map(_truncated_inputs, range(len(TRUNCATED_CASES)))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)]
    actuals = [wrong_answers.unpack(result, 5, "rnn_backward_truncated") for result in grads]
    numerics = [numerical_truncated_gradients(*_truncated_inputs(case)) for case in range(len(TRUNCATED_CASES))]
    kept = {}

    def consistent(case, index):  # the known answers of every case, without those a right case rules out
        if index not in kept:
            kept[index] = wrong_answers.drop_contradicted(
                [(actuals[c][index], numerics[c][index],
                  lambda c=c: {text: truncated_variant(*_truncated_inputs(c), mistake=name)[index]
                               for name, text in TRUNCATED_MISTAKES.items()})
                 for c in range(len(TRUNCATED_CASES))], threshold=THRESHOLD)
        return kept[index][case]

    for case, result in enumerate(grads):
        inputs = _truncated_inputs(case)
        T, k = inputs[0].shape[1], inputs[6]
        label = f" (T = {T}, truncate = {k}" + (", loss at the end only)" if not TRUNCATED_CASES[case][5] else ")")
        actual, numeric = actuals[case], numerics[case]
        results += [r for r in [wrong_answers.returned_count(result, SEQUENCE_NAMES[:5], "rnn_backward_truncated")]
                    if r is not None]
        results += [r for r in [wrong_answers.returned_order(actual, numeric, SEQUENCE_NAMES[:5], "rnn_backward_truncated")]
                    if r is not None]
        for index, (name, got, expected) in enumerate(zip(SEQUENCE_NAMES, actual, numeric)):
            results.append(gradcheck.compare(f"{name}{label}", got, expected, threshold=THRESHOLD,
                                             batch_size=inputs[0].shape[0],
                                             mistakes=lambda case=case, index=index: consistent(case, index)))
    return results


# ``functions`` names what each check grades; the step and sequence backward checks also call the learner's
# forward pass (for the cache), but ``check("lstm_step_forward")`` should run the forward's check alone, while
# ``check("lstm_forward")`` runs both sequence checks (the notebook checks them together).
CHECKS = [
    Check(lesson="08", name="rnn_backward_truncated", points=3, module=MODULE, produce=_produce_truncated,
          judge=_judge_truncated, functions=("rnn_backward_truncated",), hint=SECTIONS["truncated"]),
    Check(lesson="08", name="lstm_step_forward", points=2, module=MODULE, produce=_produce_step_forward,
          judge=_judge_step_forward, functions=("lstm_step_forward",), hint=SECTIONS["cell"]),
    Check(lesson="08", name="lstm_step_backward_staged", points=3, module=MODULE, produce=_produce_staged,
          judge=_judge_staged, functions=("lstm_gate_gradients",), hint=SECTIONS["step"]),
    Check(lesson="08", name="lstm_step_backward", points=3, module=MODULE, produce=_produce_step_backward,
          judge=_judge_step_backward, functions=("lstm_step_backward",), hint=SECTIONS["step"]),
    Check(lesson="08", name="lstm_forward", points=1, module=MODULE, produce=_produce_sequence_forward,
          judge=_judge_sequence_forward, functions=("lstm_forward",), hint=SECTIONS["sequence"]),
    Check(lesson="08", name="lstm_backward", points=3, module=MODULE, produce=_produce_sequence_backward,
          judge=_judge_sequence_backward, functions=("lstm_forward", "lstm_backward"), hint=SECTIONS["sequence"]),
]
