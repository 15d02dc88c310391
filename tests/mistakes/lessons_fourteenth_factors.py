"""Mistakes of the fourteenth round (fixF): answers off by a constant factor that is a known quantity of the case
(1/N, 2, 1 - momentum, a kept 1/2), and padding done on the wrong axes or skipped (crashes later).
Written by the fixF engineer (not blind).
"""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("sum_of_squares_gradient", "gradient divided by len(x)", ("1/N", "divided by N"), """
def sum_of_squares_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    return 2 * x / len(x)
"""),
    Mistake("sgd_momentum_step", "damped buffer: buf = m*buf + (1-m)*g", ("1 - momentum", "damp"), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else \\
        momentum * state["momentum_buffer"] + (1 - momentum) * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("l2_penalty", "gradient keeps the 1/2: 0.5 * strength * W", ("1/2",), """
_l2_right = l2_penalty
def l2_penalty(W, strength):
    penalty, dW = _l2_right(W, strength)
    return penalty, 0.5 * dW
"""),
    Mistake("mse_loss", "gradient missing its 2", ("2",  "square"), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), diff / diff.size
"""),
    Mistake("mse_loss", "gradient divided by the number of rows instead of entries", ("rows",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.shape[0]
"""),
    Mistake("softmax_cross_entropy", "gradient also divided by the number of classes", ("1/columns",), """
_ce_right = softmax_cross_entropy
def softmax_cross_entropy(logits, y):
    loss, dlogits = _ce_right(logits, y)
    return loss, dlogits / logits.shape[1]
"""),
    Mistake("l2_penalty", "gradient 2 * strength * W (the 1/2 of the penalty lost in the gradient)", ("off by 2", "1/2"), """
_l2_right_2 = l2_penalty
def l2_penalty(W, strength):
    penalty, dW = _l2_right_2(W, strength)
    return penalty, 2 * dW
"""),
    Mistake("conv2d_forward", "np.pad on axes 0 and 1 (batch, channels) instead of the spatial axes",
            ("axes 0 and 1", "spatial"), "",
            (("    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    _, _, kh, kw = W.shape",
              "    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0), (0, 0)))\n    _, _, kh, kw = W.shape"),)),
    Mistake("conv2d_backward_staged", "windows of the unpadded x instead of xp", ("unpadded", "xp"), "",
            (("                    dW[k] += g * xp[i, :, rows, cols]",
              "                    dW[k] += g * x[i, :, rows, cols]"),)),
    Mistake("conv2d_backward_staged", "dxp allocated with the unpadded x's shape", ("dxp", "unpadded", "xp"), "",
            (("    dxp = np.zeros_like(xp)\n    dW = np.zeros_like(W)\n    db = np.zeros(f)",
              "    dxp = np.zeros_like(x)\n    dW = np.zeros_like(W)\n    db = np.zeros(f)"),)),
]
