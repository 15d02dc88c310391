"""Mistakes of the thirteenth round (fixE): the six families the blind batch w6 left unnamed, each held-out entry
copied plus mistakes of the same family written by the fixE engineer (not blind).

Families: a learner function returning a different number of values than the check unpacks; the Value engine's
backward visiting nodes in build order; an optimizer moment updated with the other beta; a reduction over the wrong
axis that crashes later; legacy ``np.random`` method names on a ``Generator``; an error raised inside bplab's code
called with the wrong input by the learner's code.
"""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("staged_fanout", "crash: staged_forward returns only f and forgets the cache", ("return",), """
def staged_forward(x, y):
    sig_y = 1.0 / (1.0 + np.exp(-y))
    sig_x = 1.0 / (1.0 + np.exp(-x))
    f = (x + sig_y) / (sig_x + (x + y) ** 2)
    return f
"""),
    Mistake("value_deep_chain", "backward walks the topological order forwards (leaves first) instead of reversed",
            ("wrong order", "reversed(order)"), "",
            (("        for node in reversed(order):\n            node._backward()",
              "        for node in order:\n            node._backward()"),)),
    Mistake("adam_step", "second moment uses (1 - beta1) instead of (1 - beta2)", ("beta2",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    t = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta1) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("batchnorm_forward", "crash (when N != D): batch statistics over axis=1 (per sample) instead of axis=0",
            ("x.mean(axis=1)", "axis=0"), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = x.mean(axis=1)
        var = x.var(axis=1)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake("dropout_forward", "crash: draws the mask with rng.rand (np.random habit); a Generator has no rand",
            ("rng.random(size)",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.rand(*x.shape) > p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("fine_tune", "crash: trains the trainable layers on the raw X instead of the frozen layers' features",
            ("passed X", "called from line"), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    losses = []
    for epoch in range(epochs):
        losses.append(train_epoch(trainable, loss_fn, optimizer, X, y, batch_size, rng))
    return losses
"""),

    # ---- family 1 (fixE): a function returning another number of values than the check unpacks
    Mistake("linear_backward", "returns dx and dW only, forgets db", ("returned 2 values", "dx, dW, db"), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout
"""),
    Mistake("softmax_cross_entropy", "returns the gradient only, not (loss, dlogits)", ("returned", "loss"), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1.0
    return p / n
"""),
    # ---- family 2 (fixE): the engine's order or seed on the deep chain
    Mistake("value_deep_chain", "backward never seeds the output (self.grad = 1.0 missing)", ("seed",), "",
            (("        self.grad = 1.0\n        for node in reversed(order):",
              "        for node in reversed(order):"),)),
    # ---- family 3 (fixE): a moment weighted with the other beta
    Mistake("adam_step", "first moment uses (1 - beta2) instead of (1 - beta1)", ("other beta", "exp_avg"), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    t = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta2) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("rmsprop_step", "alpha and 1 - alpha swapped in the square average", ("swapped",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * state.get("square_avg", np.zeros_like(param)) + alpha * grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
"""),
    # ---- family 4 (fixE): a reduction over the wrong axis that crashes later
    Mistake("batchnorm_forward", "crash: np.mean(x, 1) and np.var(x, 1): per-sample statistics", ("axis=0",), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = np.mean(x, 1)
        var = np.var(x, 1)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    # ---- family 5 (fixE): legacy np.random names on a Generator
    Mistake("dropout_forward", "crash: rng.random_sample (legacy np.random name)", ("rng.random(",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random_sample(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("he_normal", "crash: rng.randn(fan_in, fan_out) * std (np.random habit)", ("standard_normal",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return rng.randn(fan_in, fan_out) * gain / np.sqrt(fan_in)
"""),
    # ---- family 6 (fixE): an error inside bplab's code called with the learner's wrong input
    Mistake("fine_tune", "crash: passes every layer (frozen too) the raw X, then trains on the last layer's output",
            ("passed X (20, 6)",), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(X, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
]
