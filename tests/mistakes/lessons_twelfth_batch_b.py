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
    # ---------------------------------------------------------------- blind batch w5 (lessons 05-08)
    # Written without seeing the messages; 7 of its 138 mistakes (all raising, told by the shared traceback
    # retelling) are not named yet and are left out: see the closing note.
    Mistake('l2_penalty',
            'penalty without the 1/2 factor (strength * sum W^2) while the gradient is strength * W',
            ('penalty', '1/2'), """
def l2_penalty(W, strength):
    penalty = strength * np.sum(W ** 2)
    dW = strength * W
    return float(penalty), dW
"""),
    Mistake('l2_penalty',
            'gradient 2 * strength * W (derivative of W^2 without the 1/2 of the penalty)',
            ('gradient', 'off by 2'), """
def l2_penalty(W, strength):
    penalty = 0.5 * strength * np.sum(W ** 2)
    dW = 2 * strength * W
    return float(penalty), dW
"""),
    Mistake('l2_penalty', 'returns (dW, penalty) in the wrong order', ('order', 'return'), """
def l2_penalty(W, strength):
    penalty = 0.5 * strength * np.sum(W * W)
    return strength * W, float(penalty)
"""),
    Mistake('l1_penalty', 'subgradient as W / |W|: NaN where W == 0', ('nan', 'NaN where W == 0'), """
def l1_penalty(W, strength):
    penalty = strength * np.sum(np.abs(W))
    dW = strength * W / np.abs(W)
    return float(penalty), dW
"""),
    Mistake('l1_penalty', 'forgot the absolute value in the penalty (strength * sum W)', ('penalty', 'abs'), """
def l1_penalty(W, strength):
    penalty = strength * np.sum(W)
    dW = strength * np.sign(W)
    return float(penalty), dW
"""),
    Mistake('dropout_forward',
            'multiplies kept units by (1 - p) instead of dividing (non-inverted dropout scale)',
            ('1 - p', 'kept units are multiplied by 1'), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scaled_mask = mask * (1 - p)
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake('dropout_forward',
            'keep-mask drawn as rng.random < p: keeps units with probability p instead of 1 - p',
            ('units are dropped with probability 1',), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) < p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    scaled_mask = mask * scale
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake('dropout_forward',
            ('evaluation mode multiplies by (1 - p) as in classic dropout, though the training pass is already '
             'inverted'),
            ('eval', 'identity'), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x * (1 - p), (1 - p, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    scaled_mask = mask * scale
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake('dropout_forward',
            'ignores the given mask and always draws a new one from rng (AttributeError when rng is None)',
            ('mask',), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    scaled_mask = mask * scale
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake('dropout_forward', 'divides by (1 - p) unconditionally: 0/0 = NaN output when p == 1', ('p = 1', 'nan'), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    out = x * mask / (1.0 - p)
    return out, (mask, p, True)

def dropout_backward(dout, cache):
    mask, p, train = cache
    return dout * mask / (1.0 - p)
"""),
    Mistake('dropout_backward',
            'backward multiplies by the boolean mask only, forgetting the 1/(1-p) scale',
            ('scale', '1 - p'), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), None
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, mask

def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
"""),
    Mistake('dropout_backward',
            'eval-mode cache is None and backward multiplies by it anyway: TypeError in evaluation',
            ('none', 'cache is None here'), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), None
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, mask * scale

def dropout_backward(dout, cache):
    return dout * cache
"""),
    Mistake('batchnorm_forward',
            'normalizes with the unbiased (N-1) variance in training instead of the biased one',
            ('variance', 'biased'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        mean = x.mean(axis=0)
        var = x.var(axis=0, ddof=1)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward',
            'momentum applied backwards: running = momentum * running + (1 - momentum) * batch',
            ('momentum', 'running'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running["mean"] = momentum * running["mean"] + (1 - momentum) * mean
        running["var"] = momentum * running["var"] + (1 - momentum) * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward',
            'running variance updated with the biased batch variance (no N/(N-1))',
            ('unbiased', 'running'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward',
            'evaluation mode normalizes with the batch statistics instead of the running ones',
            ('eval', 'running'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    if train:
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward', 'updates the running statistics in evaluation mode too', ('running', 'eval'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    bmean = x.mean(axis=0)
    bvar = x.var(axis=0)
    if train:
        mean, var = bmean, bvar
    else:
        mean, var = running["mean"].copy(), running["var"].copy()
    running["mean"] = (1 - momentum) * running["mean"] + momentum * bmean
    running["var"] = (1 - momentum) * running["var"] + momentum * bvar * n / (n - 1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward', 'statistics over axis=1 (per sample) instead of axis=0 (per feature)', ('axis',), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[1]
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean.mean()
        running["var"] = (1 - momentum) * running["var"] + momentum * var.mean() * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward', 'eps added to the standard deviation instead of under the square root', ('eps', 'sqrt'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean
        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / (np.sqrt(var) + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_forward',
            "rebinds the local name running to a new dict: the caller's running statistics never change",
            ('in place', 'running'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running = {"mean": (1 - momentum) * running["mean"] + momentum * mean,
                   "var": (1 - momentum) * running["var"] + momentum * var * n / (n - 1)}
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_backward',
            'training dx drops the x_hat * sum(g * x_hat) term (the path through the variance)',
            ('variance', 'term'), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake('batchnorm_backward', 'forgot gamma: uses dout instead of dout * gamma for dx', ('gamma',), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake('batchnorm_backward',
            'uses the training formula in evaluation mode too (treats running stats as batch stats)',
            ('eval', 'constant'), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake('batchnorm_backward', 'returns (dx, dbeta, dgamma) in the wrong order', ('order', 'dgamma'), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dbeta, dgamma
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dbeta, dgamma
"""),
    Mistake('batchnorm_backward',
            'blog-post formula with N-1 in place of N and the mean term not divided',
            ('N', "dx's formula uses N - 1"), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = inv_std / (n - 1) * ((n - 1) * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake('batchnorm_backward_staged',
            'dxc only gets the direct path dx_hat * inv_std, not the one through var',
            ('var', 'xc fans out to x_hat AND'), """
def batchnorm_backward_staged(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = dinv_std * -0.5 * (var + eps) ** -1.5
    dxc = dx_hat * inv_std
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n + dvar * 2.0 * xc / n
    return {"dbeta": dbeta, "dgamma": dgamma, "dx_hat": dx_hat, "dinv_std": dinv_std, "dvar": dvar,
            "dxc": dxc, "dmu": dmu, "dx": dx}
"""),
    Mistake('batchnorm_backward_staged',
            'derivative of (var+eps)^-1/2 written with exponent -0.5 instead of -1.5',
            ('dvar', 'the power'), """
def batchnorm_backward_staged(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = dinv_std * -0.5 * (var + eps) ** -0.5
    dxc = dx_hat * inv_std + dvar * 2.0 * xc / n
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n
    return {"dbeta": dbeta, "dgamma": dgamma, "dx_hat": dx_hat, "dinv_std": dinv_std, "dvar": dvar,
            "dxc": dxc, "dmu": dmu, "dx": dx}
"""),
    Mistake('batchnorm_backward_staged', "dx = dxc + dmu: the broadcast mean's gradient not divided by N", ('dmu', 'N'), """
def batchnorm_backward_staged(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = dinv_std * -0.5 * (var + eps) ** -1.5
    dxc = dx_hat * inv_std + dvar * 2.0 * xc / n
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu
    return {"dbeta": dbeta, "dgamma": dgamma, "dx_hat": dx_hat, "dinv_std": dinv_std, "dvar": dvar,
            "dxc": dxc, "dmu": dmu, "dx": dx}
"""),
    Mistake('batchnorm_backward_staged', "typo in a dict key ('dinvstd'): a required key is missing", ('key', 'dinv_std'), """
def batchnorm_backward_staged(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = dinv_std * -0.5 * (var + eps) ** -1.5
    dxc = dx_hat * inv_std + dvar * 2.0 * xc / n
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n
    return {"dbeta": dbeta, "dgamma": dgamma, "dx_hat": dx_hat, "dinvstd": dinv_std, "dvar": dvar,
            "dxc": dxc, "dmu": dmu, "dx": dx}
"""),
    Mistake('early_stopping', 'off by one: stops only when waited > patience', ('patience', 'stops one epoch late'), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited > patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake('early_stopping', "written as 'not (loss >= best - min_delta)': a NaN counts as an improvement", ('nan',), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if not (loss >= best - min_delta):
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake('early_stopping', 'min_delta added instead of subtracted (loss < best + min_delta)', ('min_delta',), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best + min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake('early_stopping',
            'returns the last epoch as stop_epoch when training never stops, instead of None',
            ('none', 'never'), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses) - 1
"""),
    Mistake('early_stopping',
            'counter not reset on improvement: counts all non-improving epochs in total, not in a row',
            ('reset', 'the count of epochs without improvement'), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best = epoch, loss
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake('q_l1_zero_share',
            'believes soft-thresholding only zeroes a few weights',
            ('zero', 'the threshold is removed at every'), """
L1_ZERO_SHARE = "b"
"""),
    Mistake('q_l1_subgradient_zeros',
            'believes the subgradient drives many weights to exactly 0, like soft-thresholding',
            ('exactly', 'subgradient'), """
L1_SUBGRADIENT_ZEROS = 900
"""),
    Mistake('q_dropout_eval_factor', 'answers 1 - p = 0.5 (classic, non-inverted dropout)', ('inverted', 'eval'), """
DROPOUT_EVAL_FACTOR = 0.5
"""),
    Mistake('q_bn_gradient_factor',
            'thinks batch norm makes the gradient scale-invariant (factor 1)',
            ('scale', 'the LOSS is scale-invariant'), """
BN_GRADIENT_FACTOR = 1
"""),
    Mistake('q_bn_gradient_factor', 'thinks the gradient scales with W (factor 4)', ('the gradient shrinks, not grows',), """
BN_GRADIENT_FACTOR = 4
"""),
    Mistake('train_epoch', 'never shuffles: batches in the original order (rng unused)', ('shuffle', 'permutation'), """
import numpy as np
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    total = 0.0
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        out = model.forward(Xb, train=True)
        loss, dout = loss_fn(out, yb)
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(Xb)
    return total / len(X)
"""),
    Mistake('train_epoch',
            'returns the plain average of batch losses, not weighted by batch size',
            ('a plain mean of the batch',), """
import numpy as np
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        losses.append(loss)
    return float(np.mean(losses))
"""),
    Mistake('train_epoch', 'drops the last, smaller batch', ('last', 'batch'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total, seen = 0.0, 0
    for start in range(0, len(X) - batch_size + 1, batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
        seen += len(batch)
    return total / seen
"""),
    Mistake('train_epoch',
            'forward pass with train=False (dropout/batch norm in eval mode during training)',
            ('train', 'mode'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=False)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake('train_epoch',
            "shuffles X and y in place with rng.shuffle (modifies the caller's arrays and breaks X/y pairing)",
            ('in place', 'input modified in place'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    rng.shuffle(X)
    rng.shuffle(y)
    total = 0.0
    for start in range(0, len(X), batch_size):
        out = model.forward(X[start:start + batch_size], train=True)
        loss, dout = loss_fn(out, y[start:start + batch_size])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(out)
    return total / len(X)
"""),
    Mistake('train_epoch', 'forgot the return statement: returns None', ('return', 'none'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    mean_loss = total / len(X)
"""),
    Mistake('train_epoch',
            'records the loss after the update (re-evaluates each batch after optimizer.step)',
            ('before', 'update'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        loss, _ = loss_fn(model.forward(X[batch], train=False), y[batch])
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake('train_epoch_digits_accuracy',
            'slice typo order[start:batch_size]: only the first batch is non-empty',
            ('batch', 'slice'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:batch_size]
        if len(batch) == 0:
            continue
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake('fine_tune',
            'optimizer built on all of model.params: weight decay still moves the frozen layers',
            ('frozen', 'optimizer'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(model.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake('fine_tune', 'frozen layers run with train=True when computing the features', ('eval', 'train=False'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=True)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake('fine_tune',
            'freezes the wrong end: trains model.layers[:n_frozen] and keeps the rest fixed',
            ('frozen', 'layers'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[:n_frozen] if n_frozen else model.layers)
    optimizer = make_optimizer(trainable.params)
    losses = []
    for _ in range(epochs):
        losses.append(train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng))
    return losses
"""),
    Mistake('fine_tune', 'calls make_optimizer anew every epoch (optimizer state reset)', ('once', 'optimizer'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    losses = []
    for _ in range(epochs):
        optimizer = make_optimizer(trainable.params)
        losses.append(train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng))
    return losses
"""),
    Mistake('fine_tune', "returns only the last epoch's loss, not the list", ('list',), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    for _ in range(epochs):
        loss = train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng)
    return loss
"""),
    Mistake('fine_tune', 'off by one: freezes n_frozen + 1 layers', ('n_frozen', 'layers'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen + 1:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen + 1]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake('fine_tune',
            'wrong argument order in the train_epoch call (X and y swapped with loss_fn/optimizer)',
            ('argument', 'order'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, optimizer, loss_fn, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake('digits_recipe', 'a plain-SGD recipe with a small learning rate and few epochs: underfits', ('accuracy',), """
def digits_recipe():
    return {"hidden": (64,), "optimizer": "sgd", "lr": 0.001, "momentum": 0.0, "batch_size": 128, "epochs": 5}
"""),
    Mistake('digits_recipe_strong',
            'a huge network trained for many epochs: over the compute budget',
            ('cost', 'fewer epochs, narrower layers or larger'), """
def digits_recipe():
    return {"hidden": (1024, 1024, 1024), "dropout": 0.3, "optimizer": "adam", "lr": 1e-3, "batch_size": 16, "epochs": 100}
"""),
    Mistake('digits_recipe', "misspelled setting name 'learning_rate' instead of 'lr'", ('lr', 'digits_recipe'), """
def digits_recipe():
    return {"hidden": (256, 128), "dropout": 0.3, "optimizer": "adam", "learning_rate": 3e-3, "batch_size": 32, "epochs": 20}
"""),
    Mistake('q_digits_initial_loss', 'answers the number of classes instead of ln 10', ('ln', 'that is 1/p'), """
INITIAL_LOSS = 10
"""),
    Mistake('q_digits_initial_loss',
            'answers 1/10, the uniform probability, instead of -ln(1/10)',
            ('0.1 is the probability of the',), """
INITIAL_LOSS = 0.1
"""),
    Mistake('q_dropout_train_accuracy',
            'thinks dropout caps training accuracy at 1 - p',
            ('dropout', 'the accuracy is measured in evaluation'), """
DROPOUT_TRAIN_ACCURACY = "a"
"""),
    Mistake('q_running_vs_evaluated_loss', 'thinks the loss evaluated after the epoch is larger', ('dropout', 'running'), """
RUNNING_VS_EVALUATED = "b"
"""),
    Mistake('q_frozen_parameters', 'counts only the weights of the head, forgetting its 5 biases', ('bias',), """
FROZEN_TRAINED_PARAMETERS = 1280
"""),
    Mistake('q_frozen_parameters', "counts the whole network's parameters", ('frozen', 'that counts the frozen hidden layer'), """
FROZEN_TRAINED_PARAMETERS = 64 * 256 + 256 + 256 * 5 + 5
"""),
    Mistake('q_transfer_gap',
            'thinks the fine-tuning advantage grows with more labels',
            ('fine-tuning adapts the features, but the',), """
TRANSFER_GAP_TREND = "a"
"""),
    Mistake('conv2d_forward',
            "true convolution: flips the kernel (torch's conv2d is a cross-correlation)",
            ('flip', 'correlation'), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    Wf = W[:, :, ::-1, ::-1]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, kh, kw = W.shape
    out_h = (xp.shape[2] - kh) // stride + 1
    out_w = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            out += np.einsum("nchw,fc->nfhw", patch, Wf[:, :, i, j])
    return out, (xp, W, stride, pad)
"""),
    Mistake('conv2d_forward',
            'loops over output positions but forgets to multiply the window start by the stride',
            ('stride',), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h = (H + 2 * pad - kh) // stride + 1
    out_w = (Wd + 2 * pad - kw) // stride + 1
    out = np.zeros((N, F, out_h, out_w))
    for n in range(N):
        for f in range(F):
            for p in range(out_h):
                for q in range(out_w):
                    out[n, f, p, q] = np.sum(xp[n, :, p:p + kh, q:q + kw] * W[f]) + b[f]
    return out, (xp, W, stride, pad)
"""),
    Mistake('conv2d_forward', 'output size computed from the unpadded input (H - KH) // stride + 1', ('padding', 'shape'), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, kh, kw = W.shape
    out_h = (x.shape[2] - kh) // stride + 1
    out_w = (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, i, j])
    return out, (xp, W, stride, pad)
"""),
    Mistake('conv2d_forward',
            'bias added with plain broadcasting (+ b) along the last axis: shape error or wrong channel',
            ('`out + b` combines out',), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, kh, kw = W.shape
    out_h = (xp.shape[2] - kh) // stride + 1
    out_w = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], W.shape[0], out_h, out_w))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, i, j])
    out = out + b
    return out, (xp, W, stride, pad)
"""),
    Mistake('conv2d_forward',
            'im2col with patches flattened in (KH, KW, C) order but the kernel reshaped in (C, KH, KW) order',
            ('order', 'im2col'), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    F, C, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    N, _, oh, ow = win.shape[:4]
    cols = win.transpose(0, 2, 3, 4, 5, 1).reshape(N, oh, ow, kh * kw * C)
    out = cols @ W.reshape(F, -1).T + b
    return out.transpose(0, 3, 1, 2), (xp, W, stride, pad)
"""),
    Mistake('conv2d_backward',
            'dx scattered with = instead of += (overlapping windows overwrite each other)',
            ('overlap', 'dx is overwritten where windows overlap'), """
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
            dxp[:, :, rows, cols] = np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
    Mistake('conv2d_backward',
            'crops the padding only at the start (dxp[:, :, pad:, pad:]): dx has the wrong shape',
            ('crop', 'pad'), """
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
    dx = dxp[:, :, pad:, pad:]
    return dx, dW, db
"""),
    Mistake('conv2d_backward',
            'db averaged over batch and positions instead of summed',
            ('sum', 'db averages over the batch and'), """
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
    db = dout.mean(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
    Mistake('conv2d_backward',
            ("dx uses the spatially flipped kernel (remembered 'backward of conv is conv with flipped kernel') "
             'while scattering'),
            ('flip', 'kernel'), """
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
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, kh - 1 - i, kw - 1 - j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
    Mistake('conv2d_backward', 'unpacks the cache with stride and pad swapped', ('stride', 'pad'), """
def conv2d_backward(dout, cache):
    xp, W, pad, stride = cache
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
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
    Mistake('conv2d_backward_staged',
            'dxp window assigned with = instead of += (overlapping windows)',
            ('overlap', 'dx assigned'), """
def conv2d_backward_loops(dout, x, W, stride=1, pad=0):
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    db = np.zeros(f)
    for i in range(n):
        for k in range(f):
            for p in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    rows = slice(p * stride, p * stride + kh)
                    cols = slice(q * stride, q * stride + kw)
                    g = dout[i, k, p, q]
                    db[k] += g
                    dW[k] += g * xp[i, :, rows, cols]
                    dxp[i, :, rows, cols] = g * W[k]
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db
"""),
    Mistake('conv2d_backward_staged', 'window rows/cols start at p, q instead of p*stride, q*stride', ('stride',), """
def conv2d_backward_loops(dout, x, W, stride=1, pad=0):
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    db = np.zeros(f)
    for i in range(n):
        for k in range(f):
            for p in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    g = dout[i, k, p, q]
                    db[k] += g
                    dW[k] += g * xp[i, :, p:p + kh, q:q + kw]
                    dxp[i, :, p:p + kh, q:q + kw] += g * W[k]
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db
"""),
    Mistake('conv2d_backward_staged', 'returns the padded dxp without cropping the padding', ('pad', 'shape'), """
def conv2d_backward_loops(dout, x, W, stride=1, pad=0):
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    db = np.zeros(f)
    for i in range(n):
        for k in range(f):
            for p in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    rows = slice(p * stride, p * stride + kh)
                    cols = slice(q * stride, q * stride + kw)
                    g = dout[i, k, p, q]
                    db[k] += g
                    dW[k] += g * xp[i, :, rows, cols]
                    dxp[i, :, rows, cols] += g * W[k]
    return dxp, dW, db
"""),
    Mistake('maxpool2d_forward', 'sliding windows taken at every position: forgot ::stride', ('stride', 'shape'), """
def maxpool2d_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))
    flat = windows.reshape(*windows.shape[:4], size * size)
    argmax = flat.argmax(axis=-1)
    out = flat.max(axis=-1)
    return out, (x.shape, argmax, size, stride)
"""),
    Mistake('maxpool2d_forward', 'loop version: column window starts at q instead of q * stride', ('stride', 'column'), """
def maxpool2d_forward(x, size=2, stride=2):
    N, C, H, W = x.shape
    oh = (H - size) // stride + 1
    ow = (W - size) // stride + 1
    out = np.zeros((N, C, oh, ow))
    for p in range(oh):
        for q in range(ow):
            out[:, :, p, q] = x[:, :, p * stride:p * stride + size, q:q + size].max(axis=(2, 3))
    return out, (x, size, stride)

def maxpool2d_backward(dout, cache):
    x, size, stride = cache
    dx = np.zeros_like(x)
    N, C, oh, ow = dout.shape
    for n in range(N):
        for c in range(C):
            for p in range(oh):
                for q in range(ow):
                    win = x[n, c, p * stride:p * stride + size, q:q + size]
                    r, s = np.unravel_index(win.argmax(), win.shape)
                    dx[n, c, p * stride + r, q + s] += dout[n, c, p, q]
    return dx
"""),
    Mistake('maxpool2d_backward',
            'dx[idx] += dout with fancy indexing: repeated indices from overlapping windows are not summed',
            ('overlap', 'overlapping windows overwrite each other'), """
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
    Mistake('maxpool2d_backward', 'row and column of the flat argmax swapped (% for rows, // for cols)', ('row', 'column'), """
def maxpool2d_backward(dout, cache):
    shape, argmax, size, stride = cache
    n, c, out_h, out_w = argmax.shape
    dx = np.zeros(shape)
    rows = np.arange(out_h)[:, None] * stride + argmax % size
    cols = np.arange(out_w)[None, :] * stride + argmax // size
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, :, None, None]
    np.add.at(dx, (batch, channel, rows, cols), dout)
    return dx
"""),
    Mistake('maxpool2d_backward',
            'loop version with a mask x == max: sends the gradient to every tied maximum',
            ('first', 'every tied maximum got the gradient'), """
def maxpool2d_forward(x, size=2, stride=2):
    N, C, H, W = x.shape
    oh = (H - size) // stride + 1
    ow = (W - size) // stride + 1
    out = np.zeros((N, C, oh, ow))
    for p in range(oh):
        for q in range(ow):
            out[:, :, p, q] = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].max(axis=(2, 3))
    return out, (x, out, size, stride)

def maxpool2d_backward(dout, cache):
    x, out, size, stride = cache
    dx = np.zeros_like(x)
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            win = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size]
            mask = win == out[:, :, p, q][:, :, None, None]
            dx[:, :, p * stride:p * stride + size, q * stride:q * stride + size] += mask * dout[:, :, p, q][:, :, None, None]
    return dx
"""),
    Mistake('maxpool2d_backward',
            "spreads each window's gradient evenly over the window (average-pool backward)",
            ('max', 'gradient spread evenly over each window'), """
def maxpool2d_backward(dout, cache):
    shape, argmax, size, stride = cache
    dx = np.zeros(shape)
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            share = dout[:, :, p, q][:, :, None, None] / (size * size)
            dx[:, :, p * stride:p * stride + size, q * stride:q * stride + size] += share
    return dx
"""),
    Mistake('maxpool2d_backward',
            "assigns the window's gradient with = in a loop: overlapping windows overwrite",
            ('overlap', 'add'), """
def maxpool2d_backward(dout, cache):
    shape, argmax, size, stride = cache
    dx = np.zeros(shape)
    N, C, oh, ow = dout.shape
    for n in range(N):
        for c in range(C):
            for p in range(oh):
                for q in range(ow):
                    r, s = divmod(argmax[n, c, p, q], size)
                    dx[n, c, p * stride + r, q * stride + s] = dout[n, c, p, q]
    return dx
"""),
    Mistake('q_dx_kernel', 'forgets the channel swap: flipped kernel with channels as they are', ('channel', 'swap'), """
DX_KERNEL = "c"
"""),
    Mistake('q_dx_kernel', 'thinks no flip is needed', ('flip',), """
DX_KERNEL = "a"
"""),
    Mistake('q_pool_overlap',
            'counts every window that contains the centre... as 9 (stride-1 thinking)',
            ('windows', "9 is the window's area"), """
POOL_CENTRE_WINDOWS = 9
"""),
    Mistake('q_pool_overlap', 'thinks a maximum receives the gradient of one window only', ('overlap', 'windows'), """
POOL_CENTRE_WINDOWS = 1
"""),
    Mistake('q_receptive_field',
            'multiplies kernel sizes (3 * 3 = 9) instead of adding K - 1 per layer',
            ('receptive', 'that would be 3 x 3,'), """
RECEPTIVE_FIELD = 9
"""),
    Mistake('q_receptive_field', 'adds kernel sizes (3 + 3 = 6)', ('receptive',), """
RECEPTIVE_FIELD = 6
"""),
    Mistake('q_equivariance', 'confuses equivariance with invariance', ('shift', 'invariance would need the maps to'), """
SHIFTED_FEATURE_MAPS = "b"
"""),
    Mistake('q_sobel_edges',
            'reads the filter as a flipped convolution: positive on the right edge',
            ('flip', 'conv2d does not flip the kernel'), """
SOBEL_POSITIVE_EDGE = "b"
"""),
    Mistake('rnn_backward_truncated', 'truncation window off by one: goes back truncate + 1 steps', ('truncate', 'steps'), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    dh0 = np.zeros((N, H))
    for end in range(T):
        grad = dh[:, end]
        start = max(end - truncate, 0)
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
    Mistake('rnn_backward_truncated',
            'chunked TBPTT: splits the sequence into blocks of length truncate and backpropagates each block once',
            ('window', 'per loss term'), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    dh0 = np.zeros((N, H))
    for block_start in range(0, T, truncate):
        block_end = min(block_start + truncate, T)
        grad = np.zeros((N, H))
        for t in reversed(range(block_start, block_end)):
            dx_t, grad, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + grad, cache[t])
            dx[:, t] += dx_t
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
        if block_start == 0:
            dh0 += grad
    return dx, dh0, dWx, dWh, db
"""),
    Mistake('rnn_backward_truncated',
            "adds every loss term's leftover gradient to dh0, even when its window stops before step 0",
            ('dh0',), """
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
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
        dh0 += grad
    return dx, dh0, dWx, dWh, db
"""),
    Mistake('rnn_backward_truncated',
            'inner loop runs forward in time (start to end) instead of backward',
            ("each window's inner loop runs forwards",), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    dh0 = np.zeros((N, H))
    for end in range(T):
        grad = dh[:, end]
        start = max(end - truncate + 1, 0)
        for t in range(start, end + 1):
            dx_t, grad, dWx_t, dWh_t, db_t = rnn_step_backward(grad, cache[t])
            dx[:, t] += dx_t
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
        if start == 0:
            dh0 += grad
    return dx, dh0, dWx, dWh, db
"""),
    Mistake('rnn_backward_truncated', 'ignores truncate: one full BPTT pass', ('truncate',), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    grad = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], grad, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + grad, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, grad, dWx, dWh, db
"""),
    Mistake('lstm_step_forward', 'gate blocks split in the order i, f, o, g instead of i, f, g, o', ('order', 'gate'), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
"""),
    Mistake('lstm_step_forward', 'h = o * c: forgot the tanh on the cell state', ('tanh',), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * c
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
"""),
    Mistake('lstm_step_forward', 'candidate g uses sigmoid instead of tanh', ('tanh', 'g is a tanh'), """
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
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
"""),
    Mistake('lstm_step_forward', 'c = f * c_prev + g: forgot the input gate', ('input', 'gate'), """
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
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
"""),
    Mistake('lstm_step_forward', 'Wx applied from the left (Wx @ x): shape error', ('the matrix product `Wx @ x`',), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = Wx @ x + Wh @ h_prev + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
"""),
    Mistake('lstm_step_backward_staged', 'dc_total forgets the incoming dc (only the path through h)', ('dc', 'upstream'), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    return dc_total, dgates, dgates * local
"""),
    Mistake('lstm_step_backward_staged',
            'forget gate gradient uses the new cell state (via tanh_c) instead of c_prev',
            ('c_prev', 'forget'), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    c = np.arctanh(tanh_c)
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    return dc_total, dgates, dgates * local
"""),
    Mistake('lstm_step_backward_staged',
            'sigmoid derivative applied to the gate value again: sigmoid(i) * (1 - sigmoid(i))',
            ('derivative', 'the activations are applied again to'), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    ds = lambda v: sigmoid(v) * (1.0 - sigmoid(v))
    local = np.concatenate([ds(i), ds(f), 1.0 - np.tanh(g) ** 2, ds(o)], axis=1)
    return dc_total, dgates, dgates * local
"""),
    Mistake('lstm_step_backward_staged',
            'output gate gradient uses tanh derivative: dh * o * (1 - tanh_c^2) for do',
            ('dL/do = dh · tanh',), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * (1.0 - tanh_c ** 2)], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    return dc_total, dgates, dgates * local
"""),
    Mistake('lstm_step_backward', 'dc_prev = dc_total: forgot to multiply by the forget gate', ('forget', 'dc_prev'), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('lstm_step_backward', 'dWx = da.T @ x (transposed): shape (4H, D)', ('transpose', 'shape'), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)
"""),
    Mistake('lstm_step_backward', 'returns dc_prev before dh_prev', ('order', 'dh_prev'), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, dc_total * f, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('lstm_step_backward', 'cache unpacked in a different order than stored (gates i, f, o, g)', ('cache', 'order'), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f),
                         dc_total * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake('lstm_forward', 'ignores the given c0: always starts from zeros', ('c0',), """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c_prev = np.zeros((N, H))
    h_prev, steps = h0, []
    for t in range(T):
        h_prev, c_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[:, t] = h_prev
        steps.append(step)
    return h, (steps, c0 is not None)
"""),
    Mistake('lstm_forward',
            "unpacks the step's result as (c, h): hidden and cell states swapped",
            ('unpack', '`c_prev, h_prev, step = lstm_step_forward'), """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c_prev = np.zeros((N, H)) if c0 is None else c0
    h_prev, steps = h0, []
    for t in range(T):
        c_prev, h_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[:, t] = h_prev
        steps.append(step)
    return h, (steps, c0 is not None)
"""),
    Mistake('lstm_forward', 'returns the hidden states including h0: shape (N, T+1, H)', ('shape', 'h0'), """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    c_prev = np.zeros_like(h0) if c0 is None else c0
    hs, h_prev, steps = [h0], h0, []
    for t in range(T):
        h_prev, c_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        hs.append(h_prev)
        steps.append(step)
    return np.stack(hs, axis=1), (steps, c0 is not None)
"""),
    Mistake('lstm_backward', 'forgets to add the carried dh_next to dh[:, t]', ('dh', 'the gradient from the next step'), """
def lstm_backward(dh, cache):
    steps, c0_given = cache
    N, T, H = dh.shape
    Wx, Wh = steps[0][3], steps[0][4]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t], dc_next, steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    grads = (dx, dh_next, dWx, dWh, db)
    return grads + (dc_next,) if c0_given else grads
"""),
    Mistake('lstm_backward',
            'passes zeros for dc at every step: the cell-state gradient is not carried back',
            ('dc', 'the cell-state gradient is not carried'), """
def lstm_backward(dh, cache):
    steps, c0_given = cache
    N, T, H = dh.shape
    Wx, Wh = steps[0][3], steps[0][4]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, np.zeros((N, H)), steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    grads = (dx, dh_next, dWx, dWh, db)
    return grads + (dc_next,) if c0_given else grads
"""),
    Mistake('lstm_backward',
            'loops forward in time (t = 0 .. T-1) instead of reversed',
            ('reverse', 'BPTT runs forwards in time'), """
def lstm_backward(dh, cache):
    steps, c0_given = cache
    N, T, H = dh.shape
    Wx, Wh = steps[0][3], steps[0][4]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next, steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    grads = (dx, dh_next, dWx, dWh, db)
    return grads + (dc_next,) if c0_given else grads
"""),
    Mistake('lstm_backward', 'never returns dc0, even when c0 was given', ('dc0', 'c0'), """
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
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake('lstm_backward',
            'weight gradients overwritten each step (dWx = dWx_t) instead of summed',
            ('sum', 'the weight gradients are overwritten at'), """
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
    Mistake('q_trained_reach',
            'thinks training makes vanishing worse',
            ('training', 'compare the two printed ratios, before'), """
TRAINED_REACH = "a"
"""),
    Mistake('q_clipping_changes',
            'thinks clipping changes the direction',
            ('direction', 'clipping multiplies every entry by the'), """
CLIPPING_CHANGES = "c"
"""),
    Mistake('q_truncated_first_input',
            'thinks truncation only shrinks the gradient',
            ('window', 'truncation does not weaken far gradients,'), """
TRUNCATED_FIRST_INPUT = "b"
"""),
    Mistake('q_forget_bias_reach', 'uses sigma(-3) for the forget gate (sign slip): about 0.75 steps', ('that uses σ',), """
FORGET_BIAS_REACH = float(np.log(0.1) / np.log(1.0 / (1.0 + np.exp(3.0))))
"""),
    Mistake('q_forget_bias_reach',
            'takes log base e of the factor without dividing: ln(10) steps',
            ('log', 'that is ln 10 alone'), """
FORGET_BIAS_REACH = 2.303
"""),
    Mistake('q_further_back',
            'assumes the LSTM always carries gradients further, whatever the forget bias',
            ('forget', 'the cell path passes the gradient'), """
FURTHER_BACK = "b"
"""),
    Mistake('batchnorm_forward', "typo in the running dict key (running['running_mean']): KeyError", ('key', 'running'), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running["running_mean"] = (1 - momentum) * running["running_mean"] + momentum * mean
        running["running_var"] = (1 - momentum) * running["running_var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train)
"""),
    Mistake('batchnorm_backward',
            'unpacks three cache entries though the forward stores four (ValueError)',
            ('unpack', 'cache'), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake('fine_tune',
            'Sequential(*layers) instead of Sequential(layers): wrong argument count',
            ('argument', 'Sequential'), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(*model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake('maxpool2d_forward', 'forgot to return the cache: returns only out', ('return', 'cache'), """
def maxpool2d_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], size * size)
    return flat.max(axis=-1)
"""),
    Mistake('lstm_step_backward_staged',
            'returns only (dc_total, da), skipping the gate-value gradients',
            ('return', 'dgates'), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    return dc_total, dgates * local
"""),
    Mistake('lstm_forward', 'stores the state with h[t] = h_prev (time on the wrong axis)', ('axis', 'shape'), """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c_prev = np.zeros((N, H)) if c0 is None else c0
    h_prev, steps = h0, []
    for t in range(T):
        h_prev, c_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[t] = h_prev
        steps.append(step)
    return h, (steps, c0 is not None)
"""),
    Mistake('train_epoch',
            'np.array_split(order, batch_size): makes batch_size batches instead of batches of batch_size',
            ('batch', 'the batches do not have batch_size'), """
import numpy as np
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for batch in np.array_split(order, batch_size):
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
]
