"""A fifth batch: mistakes that end in an exception, which must still read as a sentence about the mistake."""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("sgd_momentum_step", "state read before it exists", ("first step", "empty"), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = momentum * state["momentum_buffer"] + grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("adam_step", "step read before it exists", ("first step", "empty"), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = state["step"] + 1
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    return param - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps), \\
        {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("value_add_mul", "micrograd's _prev", ("children",), replace=((
        "                stack.extend((child, False) for child in node.children)",
        "                stack.extend((child, False) for child in node._prev)"),)),
    Mistake("rmsprop_step", "state key misspelled", ("square_avg",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = alpha * state.get("sq_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(sq) + eps), {"sq_avg": sq}
"""),
    Mistake("dropout_forward", "float division by zero at p = 1", ("p = 1",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - float(p))
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("linear_backward", "returns a list of two", ("db",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout
"""),
    Mistake("maxpool2d_backward", "returns (dx, cache)", ("dx",), replace=((
        "    np.add.at(dx, (batch, channel, rows, cols), dout)  # add.at accumulates repeated indices; dx[...] += does not\n"
        "    return dx\n",
        "    np.add.at(dx, (batch, channel, rows, cols), dout)  # add.at accumulates repeated indices; dx[...] += does not\n"
        "    return dx, cache\n"),)),
    Mistake("early_stopping", "patience counted from the best, off by one", ("epoch",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best = None, np.inf
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best = epoch, loss
        elif best_epoch is not None and epoch - best_epoch > patience:
            return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake("he_normal", "size given as fan_in * fan_out, not reshaped", ("shape",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_in), size=fan_in * fan_out)
"""),
    Mistake("rnn_backward", "cache read as one tuple", ("cache",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    x, h_prev, Wx, Wh, h = cache
    return np.zeros((N, T, Wx.shape[0])), np.zeros((N, H)), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
"""),
]

CE_HEAD = """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
"""

MISTAKES += [
    Mistake("softmax_cross_entropy", "p[y] -= 1 (rows)", ("wrong entries",), CE_HEAD + """
    p[y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "label entry set to -1", ("set",), CE_HEAD + """
    p[np.arange(n), y] = -1
    return float(loss), p / n
"""),
    Mistake("conv2d_backward", "overwrite in a loop over positions", ("overwritten",), """
def conv2d_backward(dout, cache):
    xp, W, stride, pad = cache
    _, _, kh, kw = W.shape
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            window = xp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw]
            dW += np.einsum("nf,ncij->fcij", dout[:, :, p, q], window)
            dxp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw] = \\
                np.einsum("nf,fcij->ncij", dout[:, :, p, q], W)
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad], dW, db
"""),
]
