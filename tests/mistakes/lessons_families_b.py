"""Families of mistakes added by fixB before and beside the blind batch w2 (lessons 05-08).

Written while building the slot mechanisms (wrong_answers.slot_mistakes and friends), so not blind: they keep
the families named (tanh' from the wrong quantity, each gate's local derivative, batch norm's terms, running
statistics, the mask's origin, crops and clamps).
"""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake('lstm_step_backward_staged', "LSTM staged: tanh'(c) written as 1 - c**2", ('computed from c',), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - (f * c_prev + i * g) ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake('lstm_step_backward_staged', 'LSTM staged: do = dh * c', ('tanh is missing',), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * (f * c_prev + i * g)], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake('lstm_step_backward_staged', "LSTM staged: o's local derivative 1 - o**2", ('o is a sigmoid',), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, 1.0 - o ** 2], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake('lstm_step_backward_staged', "LSTM staged: i's local derivative left out", ("i's local derivative is missing",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([1.0 + 0 * i, f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake('lstm_step_backward_staged', 'LSTM staged: do = dc_total * tanh_c', ('dL/do takes dh',), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dc_total * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake('lstm_step_backward', "LSTM step: f's local derivative 1 - f**2", ('f is a sigmoid',), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), 1.0 - f ** 2, 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake('lstm_step_backward', 'LSTM step: db = da', ('sum(axis=0)',), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da
"""),
    Mistake('lstm_step_backward', 'LSTM step: dc_prev = dc_total * c_prev', ('dc_prev multiplies by c_prev',), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total * c_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('lstm_backward', 'LSTM backward: weight gradients of the last step run only', ('summed over time',), """
def lstm_backward(dh, cache):
    steps, c0_given = cache
    N, T, H = dh.shape
    Wx, Wh = steps[0][3], steps[0][4]
    dx = np.zeros((N, T, Wx.shape[0]))
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx, dWh, db = lstm_step_backward(dh[:, t] + dh_next, dc_next, steps[t])
    grads = (dx, dh_next, dWx, dWh, db)
    return grads + (dc_next,) if c0_given else grads
"""),
    Mistake('lstm_backward', 'LSTM backward: dh0 = dh[:, 0]', ('dh0 is the dh_prev',), """
def lstm_backward(dh, cache):
    steps, c0_given = cache
    N, T, H = dh.shape
    Wx, Wh = steps[0][3], steps[0][4]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next, steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    grads = (dx, dh[:, 0], dWx, dWh, db)
    return grads + (dc_next,) if c0_given else grads
"""),
    Mistake('batchnorm_backward', 'batch norm: dout for g in the variance term', ('gamma is missing from the variance term',), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake('batchnorm_backward', 'batch norm: N / (N - 1) in the variance term', ('N / (N - 1)',), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0) * n / (n - 1))
    return dx, dgamma, dbeta
"""),
    Mistake('batchnorm_backward', 'batch norm step by step: dvar without -1/2', ('-1/2',), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x, mean, var, eps, gamma, x_hat, train)
def batchnorm_backward(dout, cache):
    x, mu, var, eps, gamma, x_hat, train = cache
    n = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if not train:
        return dx_hat / np.sqrt(var + eps), dgamma, dbeta
    dvar = np.sum(dx_hat * (x - mu), axis=0) * (var + eps) ** -1.5
    dmu = np.sum(-dx_hat / np.sqrt(var + eps), axis=0)
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / n + dmu / n
    return dx, dgamma, dbeta
"""),
    Mistake('dropout_forward', 'dropout: kept units times (1 - p)', ('multiplied by 1 - p',), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    return x * mask * (1 - p), (mask * (1 - p), True)
"""),
    Mistake('l2_penalty', 'L2: np.linalg.norm not squared', ('not squared',), """
def l2_penalty(W, strength):
    return float(0.5 * strength * np.linalg.norm(W)), strength * W
"""),
    Mistake('conv2d_backward', 'conv: dW divided by N', ('1/N',), """
def conv2d_backward(dout, cache):
    xp, W, stride, pad = cache
    _, _, kh, kw = W.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dW[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols]) / dout.shape[0]
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
    Mistake('conv2d_backward', 'conv: dx cropped with [pad:-pad] (empty at pad 0)', ('[pad:-pad]', 'empty'), """
def conv2d_backward(dout, cache):
    xp, W, stride, pad = cache
    _, _, kh, kw = W.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dW[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:-pad, pad:-pad]
    return dx, dW, db
"""),
    Mistake('maxpool2d_backward', 'maxpool: fancy-index += loses repeats', ('np.add.at',), """
def maxpool2d_backward(dout, cache):
    shape, argmax, size, stride = cache
    n, c, out_h, out_w = argmax.shape
    dx = np.zeros(shape)
    rows = np.arange(out_h)[:, None] * stride + argmax // size
    cols = np.arange(out_w)[None, :] * stride + argmax % size
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, :, None, None]
    dx[batch, channel, rows, cols] += dout
    return dx
"""),
    Mistake('rnn_backward_truncated', 'truncated BPTT: dW assigned', ('assigned', '+='), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    dh0 = np.zeros((N, H))
    for end in range(T):
        grad = dh[:, end]
        start = max(end - truncate + 1, 0)
        for t in range(end, start - 1, -1):
            dx_t, grad, dWx_t, dWh_t, db_t = rnn_step_backward(grad, cache[t])
            dx[:, t] += dx_t
            dWx = dWx_t
            dWh = dWh_t
            db = db_t
        if start == 0:
            dh0 += grad
    return dx, dh0, dWx, dWh, db
"""),
    Mistake('lstm_step_forward', 'LSTM step forward: g = sigmoid', ('g is a tanh',), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = sigmoid(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake('lstm_step_forward', 'LSTM step forward: c = f c_prev + g', ('input gate',), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake('lstm_step_forward', 'LSTM step forward: h = tanh(o c)', ('not tanh(o·c)',), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = np.tanh(o * c)
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake('lstm_step_forward', 'LSTM step forward: c = i c_prev + f g', ('swapped',), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = i * c_prev + f * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake('lstm_step_backward', 'LSTM step: da = dgates', ('local derivatives are missing',), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, dgates, da = lstm_gate_gradients(dh, dc, cache)
    da = dgates
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('rnn_backward_truncated', 'truncated BPTT: window start not clamped', ('clamped',), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    dh0 = np.zeros((N, H))
    for end in range(T):
        grad = dh[:, end]
        start = end - truncate + 1
        for t in range(end, start - 1, -1):
            dx_t, grad, dWx_t, dWh_t, db_t = rnn_step_backward(grad, cache[t])
            dx[:, t] += dx_t
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
        if start == 0:
            dh0 += grad
    return dx, dh0, dWx, dWh, db
"""),
    Mistake('dropout_forward', 'dropout: np.random instead of rng', ('global random state',), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = np.random.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake('batchnorm_forward', 'batch norm: beta left out', ('beta is missing',), "",
            (('    out = gamma * x_hat + beta\n', '    out = gamma * x_hat\n'),)),
    Mistake('batchnorm_forward', 'batch norm: running var from the std, momentum flipped',
            ('standard deviation', 'momentum'), "",
            (('momentum * var * n / (n - 1)', 'momentum * np.sqrt(var * n / (n - 1))'),
             ('running["var"] = (1 - momentum) * running["var"] + momentum',
              'running["var"] = momentum * running["var"] + (1 - momentum)'))),
    Mistake('batchnorm_forward', 'batch norm: running mean replaced by the batch mean', ('moving average',), "",
            (('running["mean"] = (1 - momentum) * running["mean"] + momentum * mean', 'running["mean"] = mean'),)),
    Mistake('early_stopping', 'early stopping: enumerate(start=1)', ('counted from 1',), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best, best_epoch, waited = float("inf"), None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake('train_epoch', 'train_epoch: total += loss, / N', ('without their sizes',), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss)
    return total / len(X)
"""),
    Mistake('dropout_forward', 'dropout: a generator of its own', ('does not come from the rng',), """
_MY = np.random.default_rng(0)
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = np.random.default_rng(0).random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake('dropout_backward', 'dropout backward: a new random mask', ('draws its own mask',), """
def dropout_backward(dout, cache):
    scaled_mask, train = cache
    if not train:
        return dout.copy()
    return dout * (np.random.random(dout.shape) >= 0.3) / 0.7
"""),
    Mistake('conv2d_forward', 'conv forward: np.sum of the window without an axis', ('examples of the batch',), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = xp.shape
    f, _, kh, kw = W.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for k in range(f):
        for p in range(oh):
            for q in range(ow):
                out[:, k, p, q] = np.sum(xp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw] * W[k]) + b[k]
    return out, (xp, W, stride, pad)
"""),
    Mistake('maxpool2d_forward', 'maxpool forward: .max() of the window without an axis', ('spatial axes only',), """
def maxpool2d_forward(x, size=2, stride=2):
    n, c, h, w = x.shape
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for p in range(oh):
        for q in range(ow):
            out[:, :, p, q] = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].max()
    return out, (x, size, stride)
"""),
    Mistake('conv2d_backward', 'conv backward: db = dout.sum()', ('own bias',), """
def conv2d_backward(dout, cache):
    xp, W, stride, pad = cache
    _, _, kh, kw = W.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dW[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum()
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
]
