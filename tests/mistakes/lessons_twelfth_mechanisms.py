"""Mistakes written by the fixC engineer alongside the mechanisms of the twelfth round (not blind).

An exception raised in only some cases (each case judged on its own: ``harness.each``), the learning rate applied
twice in any optimizer, and a loop over the wrong dimension (``gradcheck._short_loop``).
"""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("clip_grad_norm", "scales the list itself (grads *= c): raises only when clipping happens",
            ("can't multiply sequence",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coefficient = max_norm / (total_norm + 1e-6)
    if coefficient < 1.0:
        grads *= coefficient
    return total_norm
"""),
    Mistake("softmax_cross_entropy", "loops over the classes (range(C)) where the rows are meant",
            ("range(4)", "loop"), """
def softmax_cross_entropy(logits, y):
    n, c = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = 0.0
    dlogits = np.exp(log_p)
    for i in range(c):
        loss -= log_p[i, y[i]]
        dlogits[i, y[i]] -= 1.0
    return float(loss / n), dlogits / n
"""),
    Mistake("nesterov_step", "lr applied twice: step = lr * (...), then param - lr * step", ("twice",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = state.get("momentum_buffer")
    buf = grad.copy() if buf is None else momentum * buf + grad
    step = lr * (grad + momentum * buf)
    return param - lr * step, {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "lr applied twice to the look-ahead term: param - lr * grad - lr * lr * momentum * buf",
            ("twice", "momentum * buf"), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = state.get("momentum_buffer")
    buf = grad.copy() if buf is None else momentum * buf + grad
    return param - lr * grad - lr * lr * momentum * buf, {"momentum_buffer": buf}
"""),
    Mistake("adam_step", "lr applied twice: update = lr * m_hat / (...), then param - lr * update", ("twice",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad ** 2
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    update = lr * m_hat / (np.sqrt(v_hat) + eps)
    return param - lr * update, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
"""),
]
