"""Lesson 02: linear layers, activations, losses, a two-layer network, the planted bug."""

from tests.mistakes import Mistake

MISTAKES = [
    # -- linear_forward
    Mistake("linear_forward", "bias forgotten", ("bias",), """
def linear_forward(x, W, b):
    return x @ W, (x, W, b)
"""),
    Mistake("linear_forward", "W @ x order", ("matrix product",), """
def linear_forward(x, W, b):
    return W @ x + b, (x, W, b)
"""),
    Mistake("linear_forward", "elementwise product", ("shapes do not fit",), """
def linear_forward(x, W, b):
    return x * W + b, (x, W, b)
"""),
    Mistake("linear_forward", "x @ W.T", ("transpose",), """
def linear_forward(x, W, b):
    return x @ W.T + b, (x, W, b)
"""),
    Mistake("linear_forward", "bias added in place into x's memory", ("in place",), """
def linear_forward(x, W, b):
    out = x @ W
    out += b
    x[...] = 0
    return out, (x, W, b)
"""),
    # -- linear_backward
    Mistake("linear_backward", "db not summed over the batch", ("db", "sum", "batch"), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout
"""),
    Mistake("linear_backward", "db summed over axis 1", ("wrong axis",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
"""),
    Mistake("linear_backward", "db averaged", ("averaged",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
"""),
    Mistake("linear_backward", "dW divided by N", ("divided by N",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout / len(x), dout.sum(axis=0)
"""),
    Mistake("linear_backward", "dx = dout @ W (no transpose)", ("matrix product",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "dW = dout.T @ x (transposed)", ("transposed",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "dx = W @ dout.T", ("transposed",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return W @ dout.T, x.T @ dout, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "returned in the wrong order", ("order",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return x.T @ dout, dout @ W.T, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "scaled the cached x in place", ("cache", "in place"), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dW = x.T @ dout
    x *= 0.0
    return dout @ W.T, dW, dout.sum(axis=0)
"""),
    # -- relu_backward
    Mistake("relu_backward", "mask x >= 0", ("x == 0",), """
def relu_backward(dout, cache):
    return dout * (cache >= 0)
"""),
    Mistake("relu_backward", "mask from dout", ("dout > 0",), """
def relu_backward(dout, cache):
    return dout * (dout > 0)
"""),
    Mistake("relu_backward", "local derivative only", ("chain rule",), """
def relu_backward(dout, cache):
    return (cache > 0).astype(float)
"""),
    Mistake("relu_backward", "zeroed dout in place", ("in place",), """
def relu_backward(dout, cache):
    dout[cache <= 0] = 0
    return dout
"""),
    Mistake("relu_backward", "relu applied to dout", ("dout",), """
def relu_backward(dout, cache):
    return np.maximum(dout, 0)
"""),
    # -- sigmoid_backward
    Mistake("sigmoid_backward", "sigmoid applied again", ("sigmoid again",), """
def sigmoid_backward(dout, cache):
    s = 1 / (1 + np.exp(-cache))
    return dout * s * (1 - s)
"""),
    Mistake("sigmoid_backward", "no dout", ("chain rule",), """
def sigmoid_backward(dout, cache):
    return cache * (1 - cache)
"""),
    Mistake("sigmoid_backward", "s * (1 + s)", ("s * (1 - s)",), """
def sigmoid_backward(dout, cache):
    return dout * cache * (1 + cache)
"""),
    Mistake("sigmoid_backward", "s times (1 - s) missing s", ("s * (1 - s)",), """
def sigmoid_backward(dout, cache):
    return dout * (1 - cache)
"""),
    Mistake("sigmoid_backward", "cache changed in place", ("cache", "in place"), """
def sigmoid_backward(dout, cache):
    s = cache
    s *= 1 - s
    return dout * s
"""),
    # -- tanh_backward
    Mistake("tanh_backward", "1 - t", ("1 - t**2",), """
def tanh_backward(dout, cache):
    return dout * (1 - cache)
"""),
    Mistake("tanh_backward", "tanh applied again", ("tanh again",), """
def tanh_backward(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)
"""),
    Mistake("tanh_backward", "no dout", ("chain rule",), """
def tanh_backward(dout, cache):
    return 1 - cache ** 2
"""),
    Mistake("tanh_backward", "1 + t**2", ("1 - t**2",), """
def tanh_backward(dout, cache):
    return dout * (1 + cache ** 2)
"""),
    # -- leaky_relu_backward
    Mistake("leaky_relu_backward", "slope missing", ("slope",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return dout * (x > 0)
"""),
    Mistake("leaky_relu_backward", "hard-coded slope", ("hard-coded",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x > 0, dout, 0.01 * dout)
"""),
    Mistake("leaky_relu_backward", "x >= 0", ("x == 0",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x >= 0, dout, slope * dout)
"""),
    Mistake("leaky_relu_backward", "local derivative only", ("chain rule",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x > 0, 1.0, slope)
"""),
    Mistake("leaky_relu_backward", "slope on the positive side", ("slope",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x > 0, slope * dout, dout)
"""),
    # -- softmax_cross_entropy
    Mistake("softmax_cross_entropy", "no / N in the gradient", ("/ N",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return float(loss), p
"""),
    Mistake("softmax_cross_entropy", "-1 at [:, y]", ("-1", "[np.arange(N), y]"), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[:, y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "-1 everywhere", ("-1",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    return float(loss), (p - 1) / n
"""),
    Mistake("softmax_cross_entropy", "one-hot not subtracted", ("one-hot",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "no max shift: overflow", ("overflow",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "loss summed", ("summed",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).sum()
    p[np.arange(n), y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "loss picks [:, y]", ("loss", "[np.arange(N), y]"), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[:, y]).mean()
    p[np.arange(n), y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "softmax over the wrong axis", ("axis",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=0, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return float(loss), p / n
"""),
    Mistake("softmax_cross_entropy", "one-hot added", ("one-hot",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] += 1
    return float(loss), p / n
"""),
    # -- mse_loss
    Mistake("mse_loss", "factor 2 missing", ("factor 2",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), diff / diff.size
"""),
    Mistake("mse_loss", "divided by rows", ("rows",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2 * diff / len(diff)
"""),
    Mistake("mse_loss", "sign flipped", ("sign",), """
def mse_loss(pred, target):
    diff = target - pred
    return float(np.mean(diff ** 2)), 2 * diff / diff.size
"""),
    Mistake("mse_loss", "no mean in the gradient", ("mean", "all"), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2 * diff
"""),
    Mistake("mse_loss", "loss summed over rows mean", ("over all",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.sum(diff ** 2) / len(diff)), 2 * diff / diff.size
"""),
    Mistake("mse_loss", "half MSE loss", ("1/2",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(0.5 * np.mean(diff ** 2)), diff / diff.size
"""),
    # -- mae_loss
    Mistake("mae_loss", "subgradient +1 at ties", ("subgradient 0",), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.where(diff >= 0, 1.0, -1.0) / diff.size
"""),
    Mistake("mae_loss", "divided by rows", ("rows",), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(diff) / len(diff)
"""),
    Mistake("mae_loss", "no mean in the gradient", ("mean", "all"), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(diff)
"""),
    Mistake("mae_loss", "sign of target - pred", ("sign",), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(target - pred) / diff.size
"""),
    Mistake("mae_loss", "gradient diff / |diff| (NaN at ties)", ("subgradient 0",), """
def mae_loss(pred, target):
    diff = pred - target
    with np.errstate(invalid="ignore"):
        return float(np.mean(np.abs(diff))), diff / np.abs(diff) / diff.size
"""),
    Mistake("mae_loss", "subgradient -1 at ties", ("subgradient 0",), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.where(diff > 0, 1.0, -1.0) / diff.size
"""),
    # -- bce_with_logits
    Mistake("bce_with_logits", "naive sigmoid and logs: overflow", ("overflow",), """
def bce_with_logits(logits, target):
    s = 1 / (1 + np.exp(-logits))
    loss = np.mean(-target * np.log(s) - (1 - target) * np.log(1 - s))
    return float(loss), (s - target) / logits.size
"""),
    Mistake("bce_with_logits", "not divided by the element count", ("number of elements",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), s - t
"""),
    Mistake("bce_with_logits", "gradient t - s", ("sign",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), (t - s) / x.size
"""),
    Mistake("bce_with_logits", "divided by rows", ("rows",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), (s - t) / len(x)
"""),
    Mistake("bce_with_logits", "log1p(exp(x)) form: overflow", ("overflow",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.log1p(np.exp(x)) - x * t)
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), (s - t) / x.size
"""),
    Mistake("bce_with_logits", "gradient s * (1 - s) factor", ("s - t",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return float(loss), (s - t) * s * (1 - s) / x.size
"""),
    # -- two_layer_loss
    Mistake("two_layer_loss", "ReLU mask missing", ("mask",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    _, dW1, db1 = linear_backward(dh, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "gradients keyed dW1", ("keys",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
"""),
    Mistake("two_layer_loss", "dW1 from h instead of X", ("X.T",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    return loss, {"W1": h.T @ dh_pre, "b1": dh_pre.sum(axis=0), "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "loss without mean (sum)", ("summed",), """
def two_layer_loss(X, y, params):
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    scores = h @ params["W2"] + params["b2"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    n = len(X)
    loss = -np.log(p[np.arange(n), y]).sum()
    d = p.copy()
    d[np.arange(n), y] -= 1
    dW2 = h.T @ d
    db2 = d.sum(axis=0)
    dh = (d @ params["W2"].T) * (h > 0)
    return float(loss), {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "mask from the ReLU's input computed without b1", ("bias b1",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = dh * (X @ params["W1"] > 0)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "params updated in place (a step of SGD inside)", ("in place",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    for k in params:
        params[k] -= 0.1 * grads[k]
    return loss, grads
"""),
    # -- fixed_two_layer_backward
    Mistake("fixed_two_layer_backward", "bug left in place", ("planted bug",), """
def fixed_two_layer_backward(dscores, cache):
    return buggy_two_layer_backward(dscores, cache)
"""),
    Mistake("fixed_two_layer_backward", "mask removed", ("mask",), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dh = dscores @ params["W2"].T
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
"""),
    Mistake("fixed_two_layer_backward", "fixed mask but db2 averaged", ("db2", "batch"), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dh = dscores @ params["W2"].T * (h > 0)
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.mean(axis=0)}
"""),
    Mistake("fixed_two_layer_backward", "mask h >= 0", ("mask", "always true"), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dh = dscores @ params["W2"].T * (h >= 0)
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
"""),
]
