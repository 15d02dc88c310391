"""A fourth batch: slips in operands and arguments (wrong .grad/.data, swapped arguments, keepdims)."""

from tests.mistakes import Mistake


def value_rule(old, new, check, what, keywords):
    return Mistake(check, what, keywords, replace=((old, new),))


LOOP = """
import numpy as np


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
{body}
        total += float(loss) * len(batch)
    return total / len(X)
"""

MISTAKES = [
    value_rule("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
               "            self.grad += other.grad * out.grad\n            other.grad += self.grad * out.grad",
               "value_add_mul", "mul uses .grad for .data", (".data",)),
    value_rule("            self.grad += out.grad\n            other.grad += out.grad",
               "            self.grad += out.grad",
               "value_add_mul", "add forgets other", ("other.grad",)),
    Mistake("staged_fanout", "sign of the sigmoid(x) branch", ("wrong sign",), replace=(
        ("dx = dx + sig_x * (1 - sig_x) * dsig_x", "dx = dx - sig_x * (1 - sig_x) * dsig_x"),)),
    Mistake("linear_backward", "db with keepdims", ("keepdims",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)
"""),
    Mistake("two_layer_loss", "ReLU missing in the forward", ("ReLU",), """
def two_layer_loss(X, y, params):
    h, cache1 = linear_forward(X, params["W1"], params["b1"])
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    _, dW1, db1 = linear_backward(dh, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("clip_grad_norm", "returns the factor", ("factor",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c < 1:
        for g in grads:
            g *= c
    return c
"""),
    Mistake("l1_penalty", "penalty not summed", ("not summed",), """
def l1_penalty(W, strength):
    return strength * np.abs(W), strength * np.sign(W)
"""),
    Mistake("batchnorm_forward", "correction upside down", ("upside down",), replace=(
        ("momentum * var * n / (n - 1)", "momentum * var * (n - 1) / n"),)),
    Mistake("early_stopping", "returns the best loss", ("best loss",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best, epoch
    return (best if best_epoch is not None else None), None
"""),
    Mistake("train_epoch", "loss_fn arguments swapped", ("swapped",), LOOP.format(body="""\
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(y[batch], out)
        model.backward(dout)
        optimizer.step(model.grads)""")),
    Mistake("train_epoch", "backward of the loss", ("not the loss",), LOOP.format(body="""\
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(loss)
        optimizer.step(model.grads)""")),
    Mistake("train_epoch", "step with the params", ("model.grads",), LOOP.format(body="""\
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.params)""")),
    Mistake("conv2d_forward", "+1 missing in the output size", ("+ 1",), replace=(
        ("    out_h = (xp.shape[2] - kh) // stride + 1\n    out_w = (xp.shape[3] - kw) // stride + 1\n",
         "    out_h = (xp.shape[2] - kh) // stride\n    out_w = (xp.shape[3] - kw) // stride\n"),)),
    Mistake("maxpool2d_forward", "reshape into non-overlapping windows", ("reshape",), """
def maxpool2d_forward(x, size=2, stride=2):
    n, c, h, w = x.shape
    out = x.reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5))
    return out, (x, size, stride)
"""),
]
