"""A third batch, written before looking at what the checks say about them (at first 16 of 22 were named)."""

from tests.mistakes import Mistake


def value_rule(old, new, check, what, keywords):
    return Mistake(check, what, keywords, replace=((old, new),))


MISTAKES = [
    Mistake("softmax_cross_entropy", "log of the logits", ("loss",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.mean(shifted[np.arange(n), y])
    p[np.arange(n), y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "gradient is onehot - softmax", ("sign",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    g = -p
    g[np.arange(n), y] += 1
    return float(loss), g / n
"""),
    Mistake("softmax_cross_entropy", "shift by the global max only: fine; exp not normalised", ("softmax",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    loss = -np.log(e[np.arange(n), y] / e.sum(axis=1)).mean()
    e[np.arange(n), y] -= 1
    return float(loss), e / n
"""),
    Mistake("bce_with_logits", "gradient sigmoid(x) only", ("t",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), s / x.size
"""),
    Mistake("bce_with_logits", "loss sign of x*t flipped", ("loss",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) + x * t + np.log1p(np.exp(-np.abs(x))))
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), (s - t) / x.size
"""),
    Mistake("mse_loss", "loss summed", ("summed",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.sum(diff ** 2)), 2 * diff
"""),
    Mistake("l2_penalty", "penalty without the square", ("square",), """
def l2_penalty(W, strength):
    return float(0.5 * strength * np.sum(W)), strength * W
"""),
    Mistake("dropout_forward", "scale applied to dropped units (x / (1-p) everywhere)", ("zeros",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * scale, (mask * scale, True)
"""),
    Mistake("batchnorm_forward", "std without eps, eps added after", ("eps",), replace=(
        ("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var) + eps"),)),
    Mistake("batchnorm_backward", "dx divided by N twice", ("N",), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    return inv_std / n * (g - g.sum(axis=0) / n - x_hat * (g * x_hat).sum(axis=0) / n), dgamma, dbeta
"""),
    Mistake("rnn_backward", "dh0 is zeros", ("dh0",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, np.zeros((N, H)), dWx, dWh, db
"""),
    Mistake("layer_gradient_norms", "norm of W", ("norm",), """
def layer_gradient_norms(x, weights, biases, dout):
    return np.array([np.linalg.norm(W) for W in weights])
"""),
    Mistake("clip_grad_norm", "max_norm / total without the min", ("1e-6",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    for g in grads:
        g *= max_norm / total_norm
    return total_norm
"""),
    Mistake("sgd_momentum_step", "buffer starts at zero, grad times (1 - momentum)", ("average",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = momentum * state.get("momentum_buffer", 0.0) + (1 - momentum) * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("adam_step", "lr times m only (no division)", ("sqrt",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    return param - lr * (m / (1 - b1 ** step)), {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("early_stopping", "best epoch = last improvement + patience", ("best",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, epoch
    return best_epoch, None
"""),
    Mistake("conv2d_backward", "db averaged", ("db",), replace=(
        ("db = dout.sum(axis=(0, 2, 3))", "db = dout.mean(axis=(0, 2, 3))"),)),
    Mistake("conv2d_backward", "dW from the unpadded x", ("pad",), replace=(
        ("dW[:, :, i, j] = np.einsum(\"nfhw,nchw->fc\", dout, xp[:, :, rows, cols])",
         "dW[:, :, i, j] = np.einsum(\"nfhw,nchw->fc\", dout, np.pad(xp[:, :, pad:xp.shape[2] - pad, "
         "pad:xp.shape[3] - pad], ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))[:, :, rows, cols])"),)),
    Mistake("maxpool2d_backward", "windows placed size apart", ("index", "stride"), replace=(
        ("    rows = np.arange(out_h)[:, None] * stride + argmax // size\n"
         "    cols = np.arange(out_w)[None, :] * stride + argmax % size\n",
         "    rows = np.arange(out_h)[:, None] * size + argmax // size\n"
         "    cols = np.arange(out_w)[None, :] * size + argmax % size\n"),)),
    value_rule("            self.grad += out.data * out.grad\n", "            self.grad += self.data * out.grad\n",
               "value_unary", "exp uses the input", ("exp",)),
    Mistake("train_epoch", "loss weighted by batch_size, not the batch's size", ("weight",), """
import numpy as np


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * batch_size
    return total / len(X)
"""),
    Mistake("fine_tune", "recomputes frozen features every epoch (fine) but with new rng", ("rng",), """
import numpy as np


def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, np.random.default_rng(e))
            for e in range(epochs)]
"""),
]
