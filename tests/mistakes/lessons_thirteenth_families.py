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
    Mistake("value_deep_chain", "backward walks the topological order forwards (leaves first) instead of reversed", ("order",), "",
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
    Mistake("batchnorm_forward", "crash (when N != D): batch statistics over axis=1 (per sample) instead of axis=0", ("axis",), """
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
    Mistake("dropout_forward", "crash: draws the mask with rng.rand (np.random habit); a Generator has no rand", ("rand",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.rand(*x.shape) > p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("fine_tune", "crash: trains the trainable layers on the raw X instead of the frozen layers' features", ("features",), """
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
]
