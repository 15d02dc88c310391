"""Lesson 05: penalties, dropout, batch norm, early stopping."""

from tests.mistakes import Mistake

BN_BACKWARD_HEAD = """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
"""

MISTAKES = [
    # -- l2_penalty
    Mistake("l2_penalty", "no 1/2", ("1/2",), """
def l2_penalty(W, strength):
    return float(strength * np.sum(W * W)), strength * W
"""),
    Mistake("l2_penalty", "gradient 2 * strength * W", ("off by 2",), """
def l2_penalty(W, strength):
    return float(0.5 * strength * np.sum(W * W)), 2 * strength * W
"""),
    Mistake("l2_penalty", "strength forgotten", ("strength",), """
def l2_penalty(W, strength):
    return float(0.5 * np.sum(W * W)), W
"""),
    Mistake("l2_penalty", "mean instead of sum", ("mean instead of a sum",), """
def l2_penalty(W, strength):
    return float(0.5 * strength * np.mean(W * W)), strength * W / W.size
"""),
    Mistake("l2_penalty", "returned (dW, penalty)", ("wrong order",), """
def l2_penalty(W, strength):
    return strength * W, float(0.5 * strength * np.sum(W * W))
"""),
    Mistake("l2_penalty", "W scaled in place", ("in place",), """
def l2_penalty(W, strength):
    penalty = float(0.5 * strength * np.sum(W * W))
    W *= strength
    return penalty, W
"""),
    # -- l1_penalty
    Mistake("l1_penalty", "sum(W)", ("absolute value",), """
def l1_penalty(W, strength):
    return float(strength * np.sum(W)), strength * np.sign(W)
"""),
    Mistake("l1_penalty", "+strength at 0", ("W == 0",), """
def l1_penalty(W, strength):
    return float(strength * np.sum(np.abs(W))), strength * np.where(W >= 0, 1.0, -1.0)
"""),
    Mistake("l1_penalty", "W / |W|", ("W == 0", "0"), """
def l1_penalty(W, strength):
    with np.errstate(invalid="ignore"):
        return float(strength * np.sum(np.abs(W))), strength * W / np.abs(W)
"""),
    Mistake("l1_penalty", "L2 gradient", ("L2",), """
def l1_penalty(W, strength):
    return float(strength * np.sum(np.abs(W))), strength * W
"""),
    Mistake("l1_penalty", "strength forgotten in the gradient", ("strength",), """
def l1_penalty(W, strength):
    return float(strength * np.sum(np.abs(W))), np.sign(W)
"""),
    # -- dropout_forward
    Mistake("dropout_forward", "not scaled", ("not scaled",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    return x * mask, (mask * 1.0, True)
"""),
    Mistake("dropout_forward", "scaled by 1/p", ("1 / p",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    return x * mask / p, (mask / p, True)
"""),
    Mistake("dropout_forward", "keeps with probability p", ("probability",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) < p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("dropout_forward", "train flag ignored", ("evaluation", "identity"), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("dropout_forward", "scaled in evaluation", ("evaluation",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x / (1 - p), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    Mistake("dropout_forward", "divides by zero at p = 1", ("p = 1",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), (mask / (1 - p), True)
"""),
    Mistake("dropout_forward", "mask argument ignored", ("mask argument",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    rng = rng if rng is not None else np.random.default_rng(0)
    mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask * scale, True)
"""),
    # -- dropout_backward
    Mistake("dropout_backward", "not scaled", ("not scaled",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False, 1.0)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask, True, scale)


def dropout_backward(dout, cache):
    mask, train, scale = cache
    return dout * mask if train else dout.copy()
"""),
    Mistake("dropout_backward", "mask forgotten", ("mask",), """
def dropout_backward(dout, cache):
    scaled_mask, train = cache
    if not train:
        return dout.copy()
    return dout * scaled_mask.max()
"""),
    Mistake("dropout_backward", "evaluation gradient masked", ("evaluation",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    out = x * mask * scale if train else x.copy()
    return out, (mask * scale, train)


def dropout_backward(dout, cache):
    scaled_mask, train = cache
    return dout * scaled_mask
"""),
    Mistake("dropout_backward", "dout changed in place", ("in place",), """
def dropout_backward(dout, cache):
    scaled_mask, train = cache
    if train:
        dout *= scaled_mask
    return dout
"""),
    Mistake("dropout_backward", "mask inverted", ("wrong way round",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False, 1.0)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask, True, scale)


def dropout_backward(dout, cache):
    mask, train, scale = cache
    return dout * ~mask * scale if train else dout.copy()
"""),
    # -- batchnorm_forward
    Mistake("batchnorm_forward", "unbiased variance to normalize", ("unbiased",), replace=(
        ("        var = x.var(axis=0)\n", "        var = x.var(axis=0, ddof=1)\n"),
        ("momentum * var * n / (n - 1)", "momentum * var"))),
    Mistake("batchnorm_forward", "running var biased", ("unbiased",), replace=(
        ("momentum * var * n / (n - 1)", "momentum * var"),)),
    Mistake("batchnorm_forward", "momentum reversed", ("momentum weights the NEW batch",), replace=(
        ('running["mean"] = (1 - momentum) * running["mean"] + momentum * mean',
         'running["mean"] = momentum * running["mean"] + (1 - momentum) * mean'),
        ('running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)',
         'running["var"] = momentum * running["var"] + (1 - momentum) * var * n / (n - 1)'))),
    Mistake("batchnorm_forward", "eps outside the root", ("eps",), replace=(
        ("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / (np.sqrt(var) + eps)"),)),
    Mistake("batchnorm_forward", "running stats rebound, not updated", ("not updated",), replace=(
        ('        running["mean"] = (1 - momentum) * running["mean"] + momentum * mean\n'
         '        running["var"] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)\n',
         '        running = {"mean": (1 - momentum) * running["mean"] + momentum * mean,\n'
         '                   "var": (1 - momentum) * running["var"] + momentum * var * n / (n - 1)}\n'),)),
    Mistake("batchnorm_forward", "batch statistics in evaluation", ("evaluation",), replace=(
        ('        mean, var = running["mean"], running["var"]', '        mean, var = x.mean(axis=0), x.var(axis=0)'),)),
    Mistake("batchnorm_forward", "statistics over axis 1", ("shapes do not fit",), replace=(
        ("        mean = x.mean(axis=0)\n        var = x.var(axis=0)\n",
         "        mean = x.mean(axis=1)\n        var = x.var(axis=1)\n"),)),
    Mistake("batchnorm_forward", "gamma and beta swapped", ("swapped",), replace=(
        ("out = gamma * x_hat + beta", "out = beta * x_hat + gamma"),)),
    Mistake("batchnorm_forward", "running stats updated in evaluation too", ("evaluation", "running"), replace=(
        ('    else:\n        mean, var = running["mean"], running["var"]\n',
         '    else:\n        mean, var = running["mean"], running["var"]\n'
         '        running["mean"] = 0.9 * running["mean"] + 0.1 * x.mean(axis=0)\n'),)),
    # -- batchnorm_backward
    Mistake("batchnorm_backward", "evaluation formula in training", ("constants",), BN_BACKWARD_HEAD + """
    return g * inv_std, dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "mean term missing", ("mean term",), BN_BACKWARD_HEAD + """
    return inv_std / n * (n * g - x_hat * (g * x_hat).sum(axis=0)), dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "variance term missing", ("variance term",), BN_BACKWARD_HEAD + """
    return inv_std / n * (n * g - g.sum(axis=0)), dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "gamma missing", ("gamma",), BN_BACKWARD_HEAD + """
    g = dout
    return inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)), dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "dgamma without x_hat", ("dgamma", "x_hat"), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = dout.sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dbeta
    n = dout.shape[0]
    return inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)), dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "dbeta not summed", ("dbeta", "summed"), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    if not train:
        return g * inv_std, dgamma, dout
    n = dout.shape[0]
    return inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)), dgamma, dout
"""),
    Mistake("batchnorm_backward", "training formula in evaluation", ("evaluation",), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    n = dout.shape[0]
    return inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)), dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "cached x_hat changed in place", ("cache", "in place"), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    x_hat *= dout
    dgamma = x_hat.sum(axis=0)
    g = dout * gamma
    return g * inv_std, dgamma, dbeta
"""),
    # -- early_stopping
    Mistake("early_stopping", "stops one epoch late", ("one epoch late",), """
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
    Mistake("early_stopping", "<= counts ties", ("strict",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake("early_stopping", "min_delta ignored", ("min_delta",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake("early_stopping", "counter not reset", ("not reset",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best = epoch, loss
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake("early_stopping", "NaN counts as improvement", ("NaN",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if not loss >= best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, None
"""),
    Mistake("early_stopping", "stop epoch counted from 1", ("one too large",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch + 1
    return best_epoch, None
"""),
    Mistake("early_stopping", "min_delta sign flipped", ("min_delta",), """
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
]
