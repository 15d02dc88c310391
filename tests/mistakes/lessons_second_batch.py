"""A second batch, written after the first was named, to see whether the diagnoses carry over (at first 5 of 20 did)."""

from tests.mistakes import Mistake


def value_rule(old, new, check, what, keywords):
    return Mistake(check, what, keywords, replace=((old, new),))


MISTAKES = [
    Mistake("sum_of_squares_gradient", "np.gradient of x**2", ("np.gradient",), """
def sum_of_squares_gradient(x):
    return np.gradient(x ** 2)
"""),
    Mistake("local_derivatives", "d_power precedence", ("x ** (n - 1)",), """
def d_power(x, n):
    return n * x ** n - 1
"""),
    value_rule("            self.grad += n * self.data ** (n - 1) * out.grad",
               "            self.grad += n * self.data ** n - 1 * out.grad",
               "value_pow_sub_div", "pow precedence", ("__pow__",)),
    value_rule("        order, visited, stack = [], set(), [(self, False)]\n",
               "        from collections import deque\n        order, visited, queue = [], {id(self)}, deque([self])\n"
               "        while queue:\n            node = queue.popleft()\n            order.append(node)\n"
               "            for child in node.children:\n                if id(child) not in visited:\n"
               "                    visited.add(id(child))\n                    queue.append(child)\n"
               "        order.reverse()\n        stack = []\n",
               "value_random_expressions", "breadth-first order", ("order",)),
    Mistake("staged_fanout", "upstream df never used", ("df",), replace=(
        ("    dnum = inv_den * df\n    dinv_den = num * df\n", "    dnum = inv_den\n    dinv_den = num\n"),)),
    Mistake("linear_backward", "dx divided by N", ("dx",  "N"), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T / len(x), x.T @ dout, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "db = np.sum(dout)", ("db",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, np.sum(dout)
"""),
    Mistake("relu_backward", "times relu(x)", ("max(x, 0)",), """
def relu_backward(dout, cache):
    return dout * np.maximum(cache, 0)
"""),
    Mistake("relu_backward", "mask inverted", ("x > 0",), """
def relu_backward(dout, cache):
    return dout * (cache < 0)
"""),
    Mistake("leaky_relu_backward", "slope everywhere", ("slope",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return dout * slope
"""),
    Mistake("two_layer_loss", "db1 over axis 1", ("b1",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    return loss, {"W1": X.T @ dh_pre, "b1": dh_pre.sum(axis=1), "W2": dW2, "b2": db2}
"""),
    Mistake("xavier_uniform", "sqrt of 6 only", ("sqrt",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0) / (fan_in + fan_out)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "gain / sqrt(fan_in + fan_out)", ("fan_in + fan_out",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_in + fan_out), size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "sqrt(gain / fan_in)", ("gain",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, np.sqrt(gain / fan_in), size=(fan_in, fan_out))
"""),
    Mistake("rnn_step_backward", "dh_prev without transpose", ("Wh.T",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("rmsprop_step", "grad not squared", ("square",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    sq = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad
    with np.errstate(invalid="ignore"):
        return param - lr * grad / (np.sqrt(sq) + eps), {"square_avg": sq}
"""),
    Mistake("adam_step", "step used before incrementing", ("step",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    step = state.get("step", 0)
    m = b1 * state.get("exp_avg", np.zeros_like(param)) + (1 - b1) * grad
    v = b2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - b2) * grad * grad
    with np.errstate(all="ignore"):
        new = param - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps)
    return new, {"step": step + 1, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("batchnorm_forward", "statistics over all entries", ("axis=0",), replace=(
        ("        mean = x.mean(axis=0)\n        var = x.var(axis=0)\n",
         "        mean = x.mean()\n        var = x.var()\n"),)),
    Mistake("conv2d_forward", "np.pad on every axis", ("shapes do not fit",), replace=(
        ("xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "xp = np.pad(x, pad)"),)),
    Mistake("mse_loss", "mean before square", ("mean",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff) ** 2), 2 * np.mean(diff) * np.ones_like(diff) / diff.size
"""),
]
