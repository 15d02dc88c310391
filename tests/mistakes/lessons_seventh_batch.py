"""A seventh batch, written before checking what the checks say (at first 7 of 9 were named)."""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("dropout_backward", "divides by p", ("1 / p",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False, p)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask, True, p)


def dropout_backward(dout, cache):
    mask, train, p = cache
    return dout * mask / p if train else dout.copy()
"""),
    Mistake("batchnorm_backward", "evaluation gradient without gamma", ("gamma",), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return dout * inv_std, dgamma, dbeta
    n = dout.shape[0]
    return inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)), dgamma, dbeta
"""),
    Mistake("l2_penalty", "gradient strength * W**2", ("dW",), """
def l2_penalty(W, strength):
    return float(0.5 * strength * np.sum(W * W)), strength * W ** 2
"""),
    Mistake("maxpool2d_forward", "min pooling", ("max",), replace=(
        ("out = flat.max(axis=-1)", "out = flat.min(axis=-1)"),)),
    Mistake("conv2d_backward", "dW uses the unpadded input", ("dW",), replace=(
        ("dW[:, :, i, j] = np.einsum(\"nfhw,nchw->fc\", dout, xp[:, :, rows, cols])",
         "dW[:, :, i, j] = np.einsum(\"nfhw,nchw->fc\", dout, np.pad(xp, ((0, 0), (0, 0), (pad, pad), (pad, pad)))"
         "[:, :, rows, cols])"),)),
    Mistake("nesterov_step", "look-ahead with lr twice", ("lr",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * grad - lr * lr * momentum * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "momentum multiplies the gradient", ("momentum",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else state["momentum_buffer"] + momentum * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("dropout_forward", "mask drawn with rng.random < 1 - p but scaled by p", ("1 / p",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) < 1 - p
    scale = 1.0 / p if p > 0 else 1.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("tanh_backward", "derivative from the squared cache twice", ("1 - t**2",), """
def tanh_backward(dout, cache):
    return dout * (1 - cache ** 2) ** 2
"""),
]
