"""Mistakes written by the fixA engineer while building the exception describer and the source notes.

Not blind: written alongside the mechanisms (bplab/grading/tracebacks.py, wrong_answers.wrong_derivatives,
misplaced, returned_count for one value), to keep them working: exceptions from matrix products, unpacking,
names, keys and indices, swapped arguments, and wrong-quantity derivatives.
"""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake('linear_backward', 'dx = dout @ W', ('W.T',), """
def linear_backward(dout, cache):
    x, W, b = cache
    dx = dout @ W
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake('linear_backward', 'dW = dout @ x', ('x.T',), """
def linear_backward(dout, cache):
    x, W, b = cache
    dx = dout @ W.T
    dW = dout @ x
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake('linear_backward', 'unpack two from cache', ('cache',), """
def linear_backward(dout, cache):
    x, W = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake('linear_backward', 'typo name', ('dx is not defined', 'return dx, dW, db'), """
def linear_backward(dout, cache):
    x, W, b = cache
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake('linear_forward', 'W @ x', ('wrong order',), """
def linear_forward(x, W, b):
    out = W @ x + b
    return out, (x, W, b)
"""),
    Mistake('linear_forward', 'forgot return', ('return',), """
def linear_forward(x, W, b):
    out = x @ W + b
    cache = (x, W, b)
"""),
    Mistake('two_layer_loss', 'backward args swapped', ('order',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(cache2, dscores)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('two_layer_loss', 'unpack 2 from linear_backward', ('returns 3',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('two_layer_loss', 'backward with cache1 for layer 2', ('right cache',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache1)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache2)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('rnn_step_backward', 'dWh = dh_prev @ da', ('h_prev.T',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, da @ h_prev.T, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', 'cache unpacked in wrong order', ('cache',), """
def rnn_step_backward(dh, cache):
    x, Wx, Wh, h_prev, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_backward', 'loop over caches but step_backward args swapped', ('order',), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(cache[t], dh[:, t] + dh_next)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake('rnn_backward', 'dh[t] indexing', ('axis',), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake('layer_gradient_norms', 'dh = da @ W instead of W.T', ('weights[k].T',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k]
    return norms
"""),
    Mistake('adam_step', 'state key typo', ('exp_avg',), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta2**step)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avgsq": exp_avg_sq}
"""),
    Mistake('sgd_momentum_step', "state['momentum_buffer'] read on first step", ('first step',), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = momentum * state["momentum_buffer"] + grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake('adam_step', 'betas unpacked as single', ('betas',), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    step = state.get("step", 0) + 1
    exp_avg = betas * state.get("exp_avg", np.zeros_like(param)) + (1 - betas) * grad
    return param, {}
"""),
    Mistake('rnn_step_backward_staged', 'affine backward wrong arg order', ('dWh is transposed',), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ h_prev, da.sum(axis=0)
"""),
    Mistake('sigmoid_backward', 'cache unpacked as tuple', ('cache',), """
def sigmoid_backward(dout, cache):
    x, s = cache
    return dout * s * (1 - s)
"""),
    Mistake('leaky_relu_backward', 'cache used directly', ('cache',), """
def leaky_relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.1 * dout)
"""),
    Mistake('softmax_cross_entropy', 'sum without keepdims broadcast', ('keepdims',), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1.0
    return float(loss), p / n
"""),
    Mistake('local_derivatives', 'd_power wrong arg count', ('argument',), """
def d_power(x):
    return 2 * x
"""),
    Mistake('linear_backward', 'db = dout.sum(axis=0) but dW = x @ dout.T', ('x.T',), """
def linear_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x @ dout.T, dout.sum(axis=0)
"""),
    Mistake('linear_backward', 'np.dot(W, dout)', ('W.T',), """
def linear_backward(dout, cache):
    x, W, b = cache
    dx = np.dot(W, dout)
    return dx, x.T @ dout, dout.sum(axis=0)
"""),
    Mistake('linear_backward', 'cache as dict', ('cache',), """
def linear_backward(dout, cache):
    x = cache["x"]
    W = cache["W"]
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""),
    Mistake('linear_backward', 'returns dict', ('one dict',), """
def linear_backward(dout, cache):
    x, W, b = cache
    return {"dx": dout @ W.T, "dW": x.T @ dout, "db": dout.sum(axis=0)}
"""),
    Mistake('relu_backward', 'cache unpacked as pair', ('cache',), """
def relu_backward(dout, cache):
    x, _ = cache
    return dout * (x > 0)
"""),
    Mistake('tanh_backward', 'uses undefined t', ('cache',), """
def tanh_backward(dout, cache):
    return dout * (1 - t ** 2)
"""),
    Mistake('sigmoid_backward', 'calls sigmoid() undefined', ('sigmoid',), """
def sigmoid_backward(dout, cache):
    s = sigmoid(cache)
    return dout * s * (1 - s)
"""),
    Mistake('softmax_cross_entropy', 'y one-hot assumption', ('y (6,)',), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.sum(y * np.log(p)) / n
    return float(loss), (p - y) / n
"""),
    Mistake('mse_loss', 'mean over axis 0 returns array', ('number',), """
def mse_loss(pred, target):
    diff = pred - target
    return np.mean(diff ** 2, axis=0), 2 * diff / diff.size
"""),
    Mistake('two_layer_loss', 'params keys lowercase', ("not 'w1'",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["w1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["w2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('two_layer_loss', 'grads returned as tuple', ('dict',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, (dW1, db1, dW2, db2)
"""),
    Mistake('two_layer_loss', 'relu_backward given h_pre and dh swapped', ('order',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(cache_relu, dh)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('rnn_step_backward', 'da @ Wx (no T) for dx', ('Wx.T',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', 'returns 4 values, no db', ('db',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da
"""),
    Mistake('rnn_backward', 'range(T) dh_next shape init wrong', ('transposed',), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((H, N))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake('clip_grad_norm', 'grads is list; g.norm', ('norm',), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(g.norm() ** 2 for g in grads)))
    return total_norm
"""),
    Mistake('xavier_uniform', 'rng None: uses np.random.uniform with size kw typo', ('size',), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape=(fan_in, fan_out))
"""),
    Mistake('he_normal', 'std as tuple', ('flattened',), """
def he_normal(fan_in, fan_out, gain=np.sqrt(2.0), rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_in), (fan_out, fan_in)).T.reshape(fan_in * fan_out)
"""),
    Mistake('adam_step', "state['step'] += 1 on empty state", ('first step',), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    state["step"] += 1
    return param, state
"""),
    Mistake('rmsprop_step', 'returns only param', ('pair',), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps)
"""),
    Mistake('staged_fanout', 'cache unpacked short', ('cache',), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den = cache
    return df, df
"""),
    Mistake('layer_gradient_norms', 'zip weights reversed but hs index', ('dW_l pairs da_l',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k + 1].T @ da)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake('rnn_step_backward', 'dWh = da @ h_prev.T', ('h_prev.T @ da',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ h_prev, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', 'dWh = h.T @ da', ('h_prev',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', 'dh_prev = da @ Wh', ('Wh.T',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', "tanh' from h**2 only", ('1 - h',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * h ** 2
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', "tanh' (1-h)", ('1 - h',), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', 'dx uses dh not da', ("tanh's derivative is",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return dh @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_step_backward', 'dWx uses dh', ("tanh's derivative is",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ dh, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('layer_gradient_norms', 'norm of dh not dW', ('these are the',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(da)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake('layer_gradient_norms', 'no tanh derivative', ('tanh',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake('layer_gradient_norms', 'dh passed back without da (dh @ W.T)', ('da',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = dh @ weights[k].T
    return norms
"""),
    Mistake('fixed_two_layer_backward', 'dW2 = dscores.T @ h', ('transposed: the right',), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dW2 = (dscores.T @ h).T if False else dscores.T @ h
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (h > 0)
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('fixed_two_layer_backward', 'dW1 uses dh not dh_pre', ("the ReLU's mask",), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (h > 0)
    dW1 = X.T @ dh
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('fixed_two_layer_backward', 'mask h >= 0', ('h > 0',), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (h >= 0)
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('fixed_two_layer_backward', 'dh_pre = dh * h', ("dh_pre uses relu's",), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * h
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('two_layer_loss', 'relu backward with h instead of h_pre', ("the ReLU's mask",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = dh
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('rnn_step_backward_staged', 'tanh backward from a', ('applied to h again',), """
def rnn_tanh_backward(dh, h):
    return dh * (1 - np.tanh(h) ** 2)
"""),
    Mistake('sigmoid_backward', 'derivative from x: sigmoid(s)', ('again',), """
def sigmoid_backward(dout, cache):
    s = 1 / (1 + np.exp(-cache))
    return dout * s * (1 - s)
"""),
    Mistake('tanh_backward', '1 - tanh(t)**2', ('again',), """
def tanh_backward(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)
"""),
    Mistake('linear_backward', 'dx = dout @ W.T but dW = x.T @ dout / N', ('divided by N',), """
def linear_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)
"""),
    Mistake('local_derivatives', 'd_tanh as 1 - x**2', ('tanh',), """
def d_tanh(x):
    return 1 - x ** 2
"""),
    Mistake('local_derivatives', 'd_sigmoid s*(1-s) with s=x', ('sigmoid',), """
def d_sigmoid(x):
    return x * (1 - x)
"""),
    Mistake('staged_fanout', 'd(xpy^2) missing the 2', ('factor 2',), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = -1.0 / den ** 2 * dinv_den
    dsig_x = dden
    dxpy_sq = dden
    dxpy = xpy * dxpy_sq
    dx = dxpy
    dy = dxpy
    dx = dx + sig_x * (1 - sig_x) * dsig_x
    dx = dx + dnum
    dsig_y = dnum
    dy = dy + sig_y * (1 - sig_y) * dsig_y
    return dx, dy
"""),
    Mistake('staged_fanout', "sigmoid' uses den", ('sig_x stage',), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = -1.0 / den ** 2 * dinv_den
    dsig_x = dden
    dxpy_sq = dden
    dxpy = 2 * xpy * dxpy_sq
    dx = dxpy
    dy = dxpy
    dx = dx + dsig_x
    dx = dx + dnum
    dsig_y = dnum
    dy = dy + sig_y * (1 - sig_y) * dsig_y
    return dx, dy
"""),
    Mistake('staged_fanout', "sigmoid' of y uses sig_x", ('sig_y',), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = -1.0 / den ** 2 * dinv_den
    dsig_x = dden
    dxpy_sq = dden
    dxpy = 2 * xpy * dxpy_sq
    dx = dxpy
    dy = dxpy
    dx = dx + sig_x * (1 - sig_x) * dsig_x
    dx = dx + dnum
    dsig_y = dnum
    dy = dy + sig_x * (1 - sig_x) * dsig_y
    return dx, dy
"""),
    Mistake('staged_fanout', 'dden = -inv_den**2 * dinv_den... correct; but 1/den**2 positive', ('minus sign',), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = inv_den ** 2 * dinv_den
    dsig_x = dden
    dxpy_sq = dden
    dxpy = 2 * xpy * dxpy_sq
    dx = dxpy
    dy = dxpy
    dx = dx + sig_x * (1 - sig_x) * dsig_x
    dx = dx + dnum
    dsig_y = dnum
    dy = dy + sig_y * (1 - sig_y) * dsig_y
    return dx, dy
"""),
    Mistake('local_derivatives', 'd_log returns log', ('log',), """
def d_log(x):
    return np.log(x)
"""),
    Mistake('local_derivatives', 'd_exp returns x*exp(x-1)', ('exp',), """
def d_exp(x):
    return x * np.exp(x - 1)
"""),
    Mistake('sum_of_squares_gradient', 'returns sum(2x)', ('sum',), """
def sum_of_squares_gradient(x):
    return np.full_like(x, 2 * x.sum())
"""),
    Mistake('mse_loss', 'loss = sum not mean', ('mean',), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.sum(diff ** 2)), 2.0 * diff / diff.size
"""),
    Mistake('mae_loss', 'np.abs(diff) as the gradient', ('sign(d)',), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.abs(diff) / diff.size
"""),
    Mistake('bce_with_logits', 'gradient s*(1-s)', ('s - t',), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return float(loss), s * (1 - s) / x.size
"""),
    Mistake('two_layer_loss', 'db1 from dh not dh_pre', ('mask',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": dh.sum(axis=0), "W2": dW2, "b2": db2}
"""),
    Mistake('two_layer_loss', 'grads keys swapped W1/W2', ('belongs under',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW2, "b1": db2, "W2": dW1, "b2": db1}
"""),
    Mistake('two_layer_loss', 'relu_backward given h instead of cache', ('relu_backward(dh, scores)',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, scores)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake('clip_grad_norm', 'clips when c > 1', ('below',), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c > 1:
        for g in grads:
            g *= c
    return total_norm
"""),
    Mistake('clip_grad_norm', 'returns the clipped norm', ('before',), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c < 1:
        for g in grads:
            g *= c
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
"""),
    Mistake('he_normal', 'uses fan_in + fan_out', ('fan_in',), """
def he_normal(fan_in, fan_out, gain=np.sqrt(2.0), rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_in + fan_out), size=(fan_in, fan_out))
"""),
    Mistake('xavier_uniform', 'uniform(0, a)', ('-a',), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(0, a, size=(fan_in, fan_out))
"""),
    Mistake('rnn_backward', 'dh0 returned as zeros', ('dh0',), """
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
    Mistake('rnn_backward', 'loop stops at 1', ('index 0',), """
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
    Mistake('value_pow_sub_div', 'sub as self + other', ('__sub__ adds',),
            replace=(('        return self + (-other)', '        return self + other'),)),
    Mistake('value_pow_sub_div', 'truediv other ** 1', ('__truediv__ multiplies',),
            replace=(('        return self * (other if isinstance(other, Value) else Value(other)) ** -1',
                      '        return self * (other if isinstance(other, Value) else Value(other))'),)),
    Mistake('linear_backward', 'db summed over axis 2', ('axes are 0, 1',), """
def linear_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=2)
"""),
    Mistake('mse_loss', 'np.mean(axis=2)', ('diff ** 2 has shape (4, 3)',), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2, axis=2)), 2.0 * diff / diff.size
"""),
    Mistake('softmax_cross_entropy', 'y used as a row index for the loss', ('picks whole ROWS',), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n
"""),
]
