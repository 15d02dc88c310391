"""Phase-1 probes of lessons 05-08 (fixD), then the blind batch w5 (written without seeing the messages)."""

from tests.mistakes import Mistake

MISTAKES = [
    # ---------------------------------------------------------------- probes (fixD, phase 1)
    Mistake('conv2d_forward', 'padding added on one side only (pad, 0)', ('one side',), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))
    n, c, h, w = xp.shape
    f, _, kh, kw = W.shape
    oh = (h - kh) // stride + 1
    ow = (w - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for p in range(oh):
        for q in range(ow):
            win = xp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw]
            out[:, :, p, q] = np.einsum("nchw,fchw->nf", win, W) + b
    return out, (xp, W, stride, pad)
"""),
    Mistake('maxpool2d_forward', 'output size without the +1', ('+ 1',), """
def maxpool2d_forward(x, size=2, stride=2):
    n, c, h, w = x.shape
    oh = (h - size) // stride
    ow = (w - size) // stride
    out = np.zeros((n, c, oh, ow))
    arg = np.zeros((n, c, oh, ow), dtype=int)
    for p in range(oh):
        for q in range(ow):
            win = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].reshape(n, c, -1)
            out[:, :, p, q] = win.max(axis=-1)
            arg[:, :, p, q] = win.argmax(axis=-1)
    return out, (x.shape, arg, size, stride)
"""),
    Mistake('batchnorm_backward', "dx's sums taken per row (axis=1) instead of over the batch", ('axis 1',), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    d = dout.shape[1]
    dx = inv_std / d * (d * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta
"""),
    Mistake('early_stopping', 'best follows every decrease, even under min_delta', ('smaller than min_delta',), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            if loss < best - min_delta:
                waited = 0
                best_epoch = epoch
            else:
                waited += 1
            best = loss
        else:
            waited += 1
        if waited >= patience:
            return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake('lstm_forward', 'cell state started from h0 (c_prev = h0.copy())', ('starts at h0',), """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c_prev = h0.copy()
    h_prev, steps = h0, []
    for t in range(T):
        h_prev, c_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[:, t] = h_prev
        steps.append(step)
    return h, (steps, c0 is not None)
"""),
    Mistake('fine_tune', 'one layer too many frozen (layers[:n_frozen + 1])', ('4 layers were frozen',), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen + 1:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen + 1]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake('conv2d_backward', 'dW from the first example only (dout[0], xp[0])', ('one example',), """
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
            dW[:, :, i, j] = np.einsum("fhw,chw->fc", dout[0], xp[0, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
]
