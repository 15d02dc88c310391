"""Lesson 04: optimizer steps."""

from tests.mistakes import Mistake

MISTAKES = [
    # -- sgd_step
    Mistake("sgd_step", "uphill", ("uphill",), """
def sgd_step(param, grad, lr):
    return param + lr * grad
"""),
    Mistake("sgd_step", "lr missing", ("learning rate is missing",), """
def sgd_step(param, grad, lr):
    return param - grad
"""),
    Mistake("sgd_step", "updated in place", ("in place",), """
def sgd_step(param, grad, lr):
    param -= lr * grad
    return param
"""),
    Mistake("sgd_step", "returns a pair", ("new_param",), """
def sgd_step(param, grad, lr):
    return param - lr * grad, {}
"""),
    Mistake("sgd_step", "divides by lr", ("divides",), """
def sgd_step(param, grad, lr):
    return param - grad / lr
"""),
    # -- sgd_momentum_step
    Mistake("sgd_momentum_step", "velocity form", ("velocity",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    v = momentum * state.get("momentum_buffer", np.zeros_like(param)) - lr * grad
    return param + v, {"momentum_buffer": v}
"""),
    Mistake("sgd_momentum_step", "EMA buffer", ("average",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = momentum * state.get("momentum_buffer", np.zeros_like(param)) + (1 - momentum) * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "Nesterov's step", ("Nesterov",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * (grad + momentum * buf), {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "buffer updated in place", ("in place",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    if "momentum_buffer" not in state:
        state["momentum_buffer"] = grad.copy()
    else:
        state["momentum_buffer"] *= momentum
        state["momentum_buffer"] += grad
    return param - lr * state["momentum_buffer"], state
"""),
    Mistake("sgd_momentum_step", "steps with the old buffer", ("before this step's update",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    old = state.get("momentum_buffer", np.zeros_like(param))
    return param - lr * old, {"momentum_buffer": momentum * old + grad}
"""),
    Mistake("sgd_momentum_step", "state key 'velocity'", ("momentum_buffer",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "velocity" not in state else momentum * state["velocity"] + grad
    return param - lr * buf, {"velocity": buf}
"""),
    Mistake("sgd_momentum_step", "momentum ignored", ("plain SGD",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    return param - lr * grad, {"momentum_buffer": grad.copy()}
"""),
    # -- nesterov_step
    Mistake("nesterov_step", "heavy ball", ("heavy-ball",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "looks ahead with the old buffer", ("before this step's update",), """
def nesterov_step(param, grad, state, lr, momentum):
    old = state.get("momentum_buffer", np.zeros_like(param))
    buf = momentum * old + grad
    return param - lr * (grad + momentum * old), {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "EMA buffer", ("average",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = momentum * state.get("momentum_buffer", np.zeros_like(param)) + (1 - momentum) * grad
    return param - lr * (grad + momentum * buf), {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "buffer holds lr", ("learning rate",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = lr * grad if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + lr * grad
    return param - (lr * grad + momentum * buf), {"momentum_buffer": buf}
"""),
    # -- rmsprop_step
    Mistake("rmsprop_step", "eps inside the root", ("eps is inside",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / np.sqrt(sq + eps), {"square_avg": sq}
"""),
    Mistake("rmsprop_step", "starts at grad**2", ("starts at grad**2",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = grad * grad if "square_avg" not in state else alpha * state["square_avg"] + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(sq) + eps), {"square_avg": sq}
"""),
    Mistake("rmsprop_step", "no (1 - alpha)", ("(1 - alpha)",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = alpha * state.get("square_avg", np.zeros_like(param)) + grad * grad
    return param - lr * grad / (np.sqrt(sq) + eps), {"square_avg": sq}
"""),
    Mistake("rmsprop_step", "bias correction", ("bias correction",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    step = state.get("step", 0) + 1
    sq = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(sq / (1 - alpha ** step)) + eps), {"square_avg": sq, "step": step}
"""),
    Mistake("rmsprop_step", "no square root", ("square root",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (sq + eps), {"square_avg": sq}
"""),
    Mistake("rmsprop_step", "alpha swapped", ("swapped",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = (1 - alpha) * state.get("square_avg", np.zeros_like(param)) + alpha * grad * grad
    return param - lr * grad / (np.sqrt(sq) + eps), {"square_avg": sq}
"""),
    # -- adam_step
    Mistake("adam_step", "no bias correction", ("bias correction",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), {"step": state.get("step", 0) + 1, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "stores m_hat and v_hat", ("bias-corrected", "state"), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    m, v = m / (1 - b1 ** step), v / (1 - b2 ** step)
    return param - lr * m / (np.sqrt(v) + eps), {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "moments start at grad", ("start at grad",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = state.get("step", 0) + 1
    if step == 1:
        m, v = grad.copy(), grad * grad
    else:
        m = b1 * state["exp_avg"] + (1 - b1) * grad
        v = b2 * state["exp_avg_sq"] + (1 - b2) * grad * grad
    return param - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps), \\
        {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "step not stored", ("step counter",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = 1
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    return param - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps), \\
        {"exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "eps inside the root", ("eps is inside",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    return param - lr * (m / (1 - b1 ** step)) / np.sqrt(v / (1 - b2 ** step) + eps), \\
        {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "betas swapped", ("swapped",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b2, b1 = betas
    step = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    return param - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps), \\
        {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "state updated in place", ("in place",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    if not state:
        state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
    state["step"] += 1
    state["exp_avg"] *= b1
    state["exp_avg"] += (1 - b1) * grad
    state["exp_avg_sq"] *= b2
    state["exp_avg_sq"] += (1 - b2) * grad * grad
    m_hat = state["exp_avg"] / (1 - b1 ** state["step"])
    v_hat = state["exp_avg_sq"] / (1 - b2 ** state["step"])
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), state
"""),
]
