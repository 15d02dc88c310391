"""An eighth batch, written before checking what the checks say.

At first try 20 of 41 were named (by lesson: 02 2/12, 03 3/8, 04 3/3, 05 4/6, 07 4/4, 08 4/8); three
more were named in other words than the keywords written blind (the keywords now follow those words), and
three did not lose points: two were not mistakes (a list of arrays where a tuple is asked) and were replaced
by a nested return and an int array, one patched the wrong function. Exceptions did worst (1 of 5 named).
Keywords that any message holds ("b", "dh0", "i" and "g") were not counted as named and were replaced.
"""

from tests.mistakes import Mistake

MISTAKES = [
    # --- lesson 02, linear layers ----------------------------------------------------------------------------
    Mistake("linear_forward", "bias broadcast over the wrong axis (b[:, None])", ("last axis",), """
def linear_forward(x, W, b):
    return x @ W + b[:, None], (x, W, b)
"""),
    Mistake("linear_forward", "W @ x instead of x @ W", ("wrong order",), """
def linear_forward(x, W, b):
    return W @ x + b, (x, W, b)
"""),
    Mistake("linear_backward", "dW without transposing x", ("transpose",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x @ dout, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "db summed over axis 1", ("db", "axis"), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
"""),
    Mistake("linear_backward", "returns dx and a tuple (dW, db)", ("3", "values"), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, (x.T @ dout, dout.sum(axis=0))
"""),
    # --- lesson 02 -------------------------------------------------------------------------------
    Mistake("softmax_cross_entropy", "max without keepdims", ("keepdims",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(-log_probs[np.arange(n), y].mean()), dlogits / n
"""),
    Mistake("softmax_cross_entropy_staged", "dp without the 1/N of the mean", ("factor of N",), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / p[rows, y]
    return loss, np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n)])
"""),
    Mistake("softmax_cross_entropy_staged", "dp[:, y] instead of dp[rows, y]", ("dp",), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[:, y] = -1.0 / (n * p[rows, y])
    return loss, np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n)])
"""),
    Mistake("softmax_cross_entropy_staged", "loops range(n - 1) and leaves a row out", ("off-by-one",), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / (n * p[rows, y])
    return loss, np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n - 1)])
"""),
    Mistake("mse_loss", "gradient divided by the row count, not the element count", ("rows",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.shape[0]
"""),
    Mistake("bce_with_logits", "loss returned as an array (no mean)", ("mean",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x)))
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return loss, (s - t) / x.size
"""),
    Mistake("relu_backward", "modifies dout in place", ("dout", "place"), """
def relu_backward(dout, cache):
    dout[cache <= 0] = 0
    return dout
"""),
    # --- lesson 03 -------------------------------------------------------------------------------
    Mistake("rnn_step_backward_staged", "tanh stage uses 1 - h instead of 1 - h**2", ("square",), """
def rnn_tanh_backward(dh, h):
    return dh * (1.0 - h)
"""),
    Mistake("rnn_step_backward_staged", "dWh from x instead of h_prev", ("dWh", "h_prev"), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, da @ Wh.T, x.T @ da, x.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward_staged", "db without summing over the batch", ("db", "sum"), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da
"""),
    Mistake("rnn_step_backward", "dh_prev with Wh not transposed", ("Wh.T",), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_backward", "forgets to add dh_next", ("dh_next",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_backward", "loop range(T - 1, 0, -1) skips step 0", ("index 0",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in range(T - 1, 0, -1):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("clip_grad_norm", "rebinds g instead of scaling in place", ("in place",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coefficient = max_norm / (total_norm + 1e-6)
    if coefficient < 1.0:
        for g in grads:
            g = g * coefficient
    return total_norm
"""),
    Mistake("layer_gradient_norms", "norms stored in an int array", ("int",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights), dtype=int)
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k].T
    return norms
"""),
    # --- lesson 04 -------------------------------------------------------------------------------
    Mistake("rmsprop_step", "state key misspelled (KeyError next call)", ("square_avg",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * (state["square_avg"] if state else np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"sq_avg": square_avg}
"""),
    Mistake("sgd_step", "updates param in place", ("param", "place"), """
def sgd_step(param, grad, lr):
    param -= lr * grad
    return param
"""),
    Mistake("adam_step", "returns only the new parameter", ("state",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta2**step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps)
"""),
    # --- lesson 05 -------------------------------------------------------------------------------
    Mistake("batchnorm_backward_staged", "dmu from dxc without the minus sign", ("dmu",), replace=(
        ("dmu = -dxc.sum(axis=0)", "dmu = dxc.sum(axis=0)"),)),
    Mistake("batchnorm_backward_staged", "dvar missing the 2 xc / n path in dxc", ("dxc", "dvar"), replace=(
        ("dxc = dx_hat * inv_std + dvar * 2.0 * xc / n", "dxc = dx_hat * inv_std"),)),
    Mistake("batchnorm_backward_staged", "dgamma summed over axis 1", ("dgamma", "axis"), replace=(
        ("dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat", "dgamma = (dout * x_hat).sum(axis=1)\n    dx_hat"),)),
    Mistake("batchnorm_backward_staged", "dict key misspelled", ("dinv_std",), replace=(
        ('"dinv_std": dinv_std', '"dinvstd": dinv_std'),)),
    Mistake("batchnorm_forward", "variance over axis 1", ("axis",), replace=(
        ("var = x.var(axis=0)", "var = x.var(axis=1, keepdims=True)"),)),
    Mistake("l1_penalty", "gradient sign(W) without strength", ("strength",), """
def l1_penalty(W, strength):
    return float(strength * np.sum(np.abs(W))), np.sign(W)
"""),
    # --- lesson 07 -------------------------------------------------------------------------------
    Mistake("conv2d_backward_staged", "dx assigned, not added, over overlapping windows", ("+=",), replace=(
        ("dxp[i, :, rows, cols] += g * W[k]", "dxp[i, :, rows, cols] = g * W[k]"),)),
    Mistake("conv2d_backward_staged", "dx not cropped back from the padding", ("pad",), replace=(
        ("return dxp[:, :, pad:pad + h, pad:pad + w], dW, db", "return dxp, dW, db"),)),
    Mistake("conv2d_backward_staged", "window rows without the stride", ("stride",), replace=(
        ("rows = slice(p * stride, p * stride + kh)", "rows = slice(p, p + kh)"),
        ("cols = slice(q * stride, q * stride + kw)", "cols = slice(q, q + kw)"))),
    Mistake("conv2d_backward", "db summed over the batch only", ("db", "axis"), replace=(
        ("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=0)"),)),
    # --- lesson 08 -------------------------------------------------------------------------------
    Mistake("lstm_step_backward_staged", "dc_total forgets the upstream dc", ("dc",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    return dc_total, dgates, dgates * local
"""),
    Mistake("lstm_step_backward_staged", "gate blocks concatenated along axis 0", ("axis",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c])
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)])
    return dc_total, dgates, dgates * local
"""),
    Mistake("lstm_step_backward_staged", "i and g gradients swapped", ("i itself", "g itself"), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * i, dc_total * c_prev, dc_total * g, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    return dc_total, dgates, dgates * local
"""),
    Mistake("lstm_step_backward", "returns five gradients (no dc_prev)", ("dc_prev", "values"), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("lstm_step_backward", "dc_prev not multiplied by f", ("f",), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("lstm_backward", "never returns dc0 when c0 was given", ("dc0",), replace=(
        ("return grads + (dc_next,) if c0_given else grads", "return grads"),)),
    Mistake("rnn_backward_truncated", "window one step too long", ("truncate",), replace=(
        ("start = max(end - truncate + 1, 0)", "start = max(end - truncate, 0)"),)),
    Mistake("rnn_backward_truncated", "dh0 added whatever the window", ("dh0", "window"), replace=(
        ("        if start == 0:\n            dh0 += grad", "        dh0 += grad"),)),
]

# Written blind after the changes above, to see whether they carry over: at first try 4 of 8 were named, one
# more in other words (dgamma), one was filed under the wrong check (maxpool2d_forward, which never sees the
# argmax), and the float shape and the kept axis were not named.
MISTAKES += [
    Mistake("conv2d_forward", "output size with / (a float shape)", ("//",), replace=(
        ("out_h = (xp.shape[2] - kh) // stride + 1", "out_h = (xp.shape[2] - kh) / stride + 1"),
        ("out_w = (xp.shape[3] - kw) // stride + 1", "out_w = (xp.shape[3] - kw) / stride + 1"))),
    Mistake("conv2d_forward", "bias added without lining up its axis", ("b[None, :, None, None]",), replace=(
        ("out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]",
         "out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b"),)),
    Mistake("batchnorm_backward", "dgamma not summed over the batch", ("summed over the batch",), replace=(
        ("dgamma = (dout * x_hat).sum(axis=0)\n    g = dout * gamma", "dgamma = dout * x_hat\n    g = dout * gamma"),)),
    Mistake("lstm_backward", "loop forward in time", ("reversed",), replace=(
        ("for t in reversed(range(T)):\n        dx[:, t], dh_next, dc_next",
         "for t in range(T):\n        dx[:, t], dh_next, dc_next"),)),
    Mistake("softmax_cross_entropy", "loss reads log_probs[:, y] (an N x N block)", ("np.arange",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(-log_probs[:, y].mean()), dlogits / n
"""),
    Mistake("dropout_forward", "scale with integer division 1 // (1 - p)", ("1 / (1 - p)",), replace=(
        ("scale = 1.0 / (1.0 - p) if p < 1 else 0.0", "scale = 1 // (1 - p) if p < 1 else 0"),)),
    Mistake("maxpool2d_backward", "argmax over the wrong axis", ("offsets inside a window",), replace=(
        ("argmax = flat.argmax(axis=-1)", "argmax = flat.argmax(axis=1)"),)),
    Mistake("rnn_step_backward", "db with keepdims (shape (1, H))", ("keepdims",), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0, keepdims=True)
"""),
]
