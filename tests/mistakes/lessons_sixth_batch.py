"""A sixth batch: formulas slightly off in forward passes, loops that call things the wrong number of times."""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("xavier_uniform", "gain applied twice", ("gain is applied twice",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return gain * rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "mean and std swapped", ("centred",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(gain / np.sqrt(fan_in), 1.0, size=(fan_in, fan_out))
"""),
    Mistake("layer_gradient_norms", "norm per column", ("one number",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da, axis=0)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake("clip_grad_norm", "np.linalg.norm of the list", ("one by one",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.linalg.norm(grads))
    c = max_norm / (total_norm + 1e-6)
    if c < 1:
        for g in grads:
            g *= c
    return total_norm
"""),
    Mistake("rnn_step_backward", "bias outside tanh", ("bias",), """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh) + b
    return h, (x, h_prev, Wx, Wh, h)
"""),
    Mistake("rnn_backward", "h includes h0", ("h0",), """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    hs, caches, h_prev = [h0], [], h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        hs.append(h_prev)
        caches.append(step_cache)
    return np.stack(hs, axis=1), caches
"""),
    Mistake("batchnorm_forward", "evaluation divides by the variance", ("variance",), replace=(
        ("    inv_std = 1.0 / np.sqrt(var + eps)\n",
         "    inv_std = 1.0 / np.sqrt(var + eps) if train else 1.0 / (var + eps)\n"),)),
    Mistake("train_epoch", "one step per epoch", ("once for every batch",), """
import numpy as np


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        total += float(loss) * len(batch)
    optimizer.step(model.grads)
    return total / len(X)
"""),
    Mistake("fine_tune", "trainable layers off by one", ("misses",), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen + 1:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("conv2d_forward", "bias added at every offset", ("bias",), replace=(
        ("            out += np.einsum(\"nchw,fc->nfhw\", patch, W[:, :, i, j])\n",
         "            out += np.einsum(\"nchw,fc->nfhw\", patch, W[:, :, i, j]) + b[None, :, None, None]\n"),)),
]

MISTAKES += [
    Mistake("value_add_mul", "backward runs only the output's rule", ("only the output",), replace=((
        "        for node in reversed(order):\n            node._backward()\n",
        "        self._backward()\n"),)),
    Mistake("two_layer_loss", "b2 forgotten in the forward", ("bias",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores = h @ params["W2"]
    loss, dscores = softmax_cross_entropy(scores, y)
    dh = dscores @ params["W2"].T
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
"""),
]
