"""A ninth batch (lessons 05-08), written blind by someone who never saw the messages (batch_w2).

At first try 69 of 87 were named by reading each message (62 by the writer's keywords), all 87 caught;
misses: two misblames (a late stop blamed for a NaN taken as an improvement, a missing + 1 blamed for an output
size without the padding), two values returned in swapped order, the sequence forward's carried states, mistakes
with no known wrong answer (the training formula on the evaluation cache, running statistics blended in
evaluation, dout unmasked, db averaged, pooling windows cut by a reshape, stride-1 windows), the digits accuracy
check's generic sentence (labels not the batch's, zeroed gradients) and three question hints that did not name
the misconception. They were fixed with general mechanisms (wrong_answers.slot_mistakes, drop_contradicted,
returned_order; the accuracy check's recorded calls), and the keywords follow the final messages.
"""

from tests.mistakes import Mistake

MISTAKES = [
    # ------------------------------------------------------------------ lesson 05
    Mistake("l2_penalty",
            "gradient of the L2 penalty written as 2 * strength * W (derivative of W**2 without the 1/2)",
            ("2",), """
def l2_penalty(W, strength):
    penalty = 0.5 * strength * np.sum(W * W)
    dW = 2 * strength * W
    return float(penalty), dW
"""),
    Mistake("l2_penalty",
            "penalty and gradient divided by the number of weights (lambda / N convention)",
            ('mean instead of a sum',), """
def l2_penalty(W, strength):
    n = W.size
    penalty = 0.5 * strength / n * np.sum(W ** 2)
    dW = strength / n * W
    return float(penalty), dW
"""),
    Mistake("l1_penalty", "subgradient computed as W / |W|, which gives NaN where W == 0", ("0",), """
def l1_penalty(W, strength):
    penalty = strength * np.sum(np.abs(W))
    dW = strength * W / np.abs(W)
    return float(penalty), dW
"""),
    Mistake("l1_penalty",
            "sign written with np.where(W >= 0, 1, -1): the subgradient at W == 0 is +strength instead of 0",
            ("0",), """
def l1_penalty(W, strength):
    penalty = strength * np.sum(np.abs(W))
    dW = strength * np.where(W >= 0, 1.0, -1.0)
    return float(penalty), dW
"""),
    Mistake("l1_penalty", "penalty computed without the absolute value (strength * sum(W))", ("abs",), """
def l1_penalty(W, strength):
    penalty = strength * np.sum(W)
    dW = strength * np.sign(W)
    return float(penalty), dW
"""),
    Mistake("dropout_forward", "kept units multiplied by (1 - p) instead of divided by it", ("1 - p",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scaled_mask = mask * (1.0 - p)
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake("dropout_forward", "keep-mask drawn as rng.random < p, so units are KEPT with probability p", ("probability",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) < p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    scaled_mask = mask * scale
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake("dropout_forward",
            "classic (non-inverted) scaling at evaluation: eval output multiplied by (1 - p) on top of "
            "inverted scaling in training",
            ("eval",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x * (1.0 - p), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    scaled_mask = mask * scale
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake("dropout_forward", "no guard for p == 1: divides by 1 - p = 0", ("p = 1",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scaled_mask = mask / (1.0 - p)
    return x * scaled_mask, (scaled_mask, True)
"""),
    Mistake("dropout_backward", "backward multiplies by the boolean mask but forgets the 1/(1-p) scale", ("scale",), """
def dropout_forward(x, p, train, rng=None, mask=None):
    if not train:
        return x.copy(), (None, False)
    if mask is None:
        mask = rng.random(x.shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    return x * mask * scale, (mask, True)

def dropout_backward(dout, cache):
    mask, train = cache
    if not train:
        return dout.copy()
    return dout * mask
"""),
    Mistake("dropout_backward",
            "mask not applied in backward: the gradient passes through unchanged in training",
            ('no gradient',), """
def dropout_backward(dout, cache):
    scaled_mask, train = cache
    return dout.copy()
"""),
    Mistake("early_stopping", "off by one: stops when waited > patience instead of >= patience", ("patience",), """
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
    Mistake("early_stopping",
            "test written as 'if loss >= best - min_delta: wait' so a NaN loss counts as an improvement",
            ('NaN', 'never an improvement'), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss >= best - min_delta:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
        else:
            best_epoch, best, waited = epoch, loss, 0
    return best_epoch, None
"""),
    Mistake("early_stopping", "does not restore the best epoch: returns the stopping epoch as the best one", ("best",), """
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best, waited = None, np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, best, waited = epoch, loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, epoch
    return best_epoch, None
"""),
    Mistake("batchnorm_forward", "running variance updated with the biased batch variance (no N/(N-1))", ("unbiased",), """
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
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std, train)
"""),
    Mistake("batchnorm_forward",
            "momentum convention flipped: running = momentum * running + (1 - momentum) * batch",
            ("momentum",), """
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
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std, train)
"""),
    Mistake("batchnorm_forward",
            "running statistics also updated in evaluation mode (batch stats computed and blended before the"
            " train test)",
            ('running statistics were updated',), """
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    batch_mean = x.mean(axis=0)
    batch_var = x.var(axis=0)
    running["mean"] = (1 - momentum) * running["mean"] + momentum * batch_mean
    running["var"] = (1 - momentum) * running["var"] + momentum * batch_var * n / (n - 1)
    if train:
        mean, var = batch_mean, batch_var
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std, train)
"""),
    Mistake("batchnorm_forward",
            "statistics taken over axis=1 (per sample, layer-norm style) instead of over the batch",
            ("axis",), """
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
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std, train)
"""),
    Mistake("batchnorm_backward",
            "batch mean and variance treated as constants in training: dx = dout * gamma * inv_std",
            ("mean",), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = dout * gamma * inv_std
    return dx, dgamma, dbeta
"""),
    Mistake("batchnorm_backward", "gamma missing from dx (g = dout instead of dout * gamma)", ("gamma",), """
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
    Mistake("batchnorm_backward", "variance term dropped from dx: only the mean is subtracted", ("variance",), """
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
    Mistake("batchnorm_backward",
            "training formula used in evaluation mode too (train flag in the cache ignored)",
            ('training formula in evaluation',), """
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    n = dout.shape[0]
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""),
    Mistake("batchnorm_backward_staged", "dxc misses the path through the variance (dxc = dx_hat * inv_std only)", ("var",), """
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
    dx = dxc + dmu / n
    return {"dbeta": dbeta, "dgamma": dgamma, "dx_hat": dx_hat, "dinv_std": dinv_std, "dvar": dvar,
            "dxc": dxc, "dmu": dmu, "dx": dx}
"""),
    Mistake("batchnorm_backward_staged", "mean's gradient broadcast back without dividing by N (dx = dxc + dmu)", ("n",), """
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
    Mistake("q_dropout_eval_factor", "answers 0.5: the classic (non-inverted) dropout rescaling at test time", ("inverted",), """
DROPOUT_EVAL_FACTOR = 0.5
"""),
    Mistake("q_bn_gradient_factor",
            "answers 1: believes batch norm's scale invariance leaves the weight gradient unchanged",
            ('gradient is not',), """
BN_GRADIENT_FACTOR = 1
"""),
    Mistake("q_l1_subgradient_zeros",
            "answers a large count: believes the sign subgradient drives weights to exactly zero like soft-"
            "thresholding",
            ("zero",), """
L1_SUBGRADIENT_ZEROS = 600
"""),

    # ------------------------------------------------------------------ lesson 06
    Mistake("train_epoch",
            "no shuffling: batches taken in the original order (np.arange instead of rng.permutation)",
            ("permutation",), """
import numpy as np

def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = np.arange(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake("train_epoch",
            "batches sampled with replacement: rng.integers for each batch instead of one permutation",
            ("replacement",), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    total = 0.0
    for start in range(0, len(X), batch_size):
        size = min(batch_size, len(X) - start)
        batch = rng.integers(0, len(X), size=size)
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake("train_epoch",
            "returns the plain average of the batch losses (last smaller batch over-weighted)",
            ('plain mean',), """
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
        losses.append(float(loss))
    return float(np.mean(losses))
"""),
    Mistake("train_epoch",
            "forward pass run with train=False (dropout / batch norm in evaluation mode while training)",
            ("train",), """
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
    Mistake("train_epoch",
            "optimizer step taken before backward (updates with the previous batch's gradients)",
            ("backward",), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        optimizer.step(model.grads)
        model.backward(dout)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake("train_epoch", "last partial batch dropped (range stops at len(X) - batch_size + 1)", ("last",), """
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
    Mistake("train_epoch_digits_accuracy",
            "inputs shuffled but labels taken in the original order (X[batch] with "
            "y[start:start+batch_size])",
            ('labels', 'y[batch]'), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[start:start + batch_size])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake("train_epoch_digits_accuracy",
            "gradients zeroed between backward and the optimizer step, so the step sees zeros",
            ('all zero',), """
def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        for g in model.grads:
            g[...] = 0.0
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)
"""),
    Mistake("fine_tune", "optimizer built on all of model.params, so weight decay moves the frozen layers", ("optimizer",), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(model.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("fine_tune", "optimizer re-created every epoch (its momentum/Adam state is reset)", ("once",), """
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
    Mistake("fine_tune", "frozen layers run in training mode (train=True) when computing the features", ("eval",), """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=True)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("digits_recipe",
            "an over-sized recipe that blows the compute budget (two 1024-unit layers, 60 epochs, batch 16)",
            ('over the limit',), """
def digits_recipe():
    return {"hidden": (1024, 1024), "dropout": 0.3, "optimizer": "adam", "lr": 1e-3, "batch_size": 16, "epochs": 60}
"""),
    Mistake("digits_recipe_strong",
            "a timid recipe: plain SGD with a tiny learning rate for few epochs, underfits",
            ("accuracy",), """
def digits_recipe():
    return {"hidden": (32,), "optimizer": "sgd", "lr": 1e-3, "momentum": 0.0, "batch_size": 128, "epochs": 5}
"""),
    Mistake("q_frozen_parameters", "counts only the head's weights, forgetting its 5 biases (1280)", ("bias",), """
FROZEN_TRAINED_PARAMETERS = 1280
"""),
    Mistake("q_digits_initial_loss",
            "answers 0.1: confuses the loss with the probability of the right class at initialization",
            ('-ln',), """
INITIAL_LOSS = 0.1
"""),
    Mistake("q_dropout_train_accuracy",
            "answers (a): believes dropping 30 % of units caps training accuracy at about 70 %",
            ('evaluation mode',), """
DROPOUT_TRAIN_ACCURACY = "a"
"""),

    # ------------------------------------------------------------------ lesson 07
    Mistake("conv2d_forward",
            "true convolution: kernel flipped in both spatial axes (torch's conv2d is a cross-correlation)",
            ("flip",), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Wf = W[:, :, ::-1, ::-1]
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
    Mistake("conv2d_forward",
            "stride ignored when slicing the patches (output has the strided shape but reads consecutive "
            "pixels)",
            ('one pixel apart',), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, kh, kw = W.shape
    out_h = (xp.shape[2] - kh) // stride + 1
    out_w = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + out_h, j:j + out_w]
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, i, j])
    return out, (xp, W, stride, pad)
"""),
    Mistake("conv2d_forward", "bias added inside the kernel-offset loop (added KH*KW times)", ("bias",), """
def conv2d_forward(x, W, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, kh, kw = W.shape
    out_h = (xp.shape[2] - kh) // stride + 1
    out_w = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], W.shape[0], out_h, out_w))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, i, j]) + b[None, :, None, None]
    return out, (xp, W, stride, pad)
"""),
    Mistake("conv2d_forward",
            "output size computed from the unpadded input (padding left out of OH/OW)",
            ('leaves out the padding',), """
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
    Mistake("conv2d_backward", "padding not cropped: returns the gradient of the padded input", ("pad",), """
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
    return dxp, dW, db
"""),
    Mistake("conv2d_backward",
            "dx assigned instead of accumulated over kernel offsets (overlapping windows overwrite each "
            "other)",
            ('overwritten', '+='), """
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
    Mistake("conv2d_backward",
            "dW stored flipped (student believes the backward of a convolution needs a kernel flip)",
            ("flip",), """
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
            dW[:, :, kh - 1 - i, kw - 1 - j] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return dx, dW, db
"""),
    Mistake("conv2d_backward",
            "db averaged over batch and positions instead of summed",
            ('averages over the batch and the positions',), """
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
    Mistake("maxpool2d_forward",
            "reshape trick x.reshape(N, C, H//size, size, W//size, size): ignores stride and drops/crashes "
            "on non-divisible sizes",
            ('reshape', 'stride'), """
def maxpool2d_forward(x, size=2, stride=2):
    n, c, h, w = x.shape
    oh, ow = h // size, w // size
    blocks = x[:, :, :oh * size, :ow * size].reshape(n, c, oh, size, ow, size)
    flat = blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, size * size)
    argmax = flat.argmax(axis=-1)
    out = flat.max(axis=-1)
    return out, (x.shape, argmax, size, stride)
"""),
    Mistake("maxpool2d_forward",
            "forgot to subsample the sliding windows by the stride (every window position kept)",
            ("stride",), """
def maxpool2d_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))
    flat = windows.reshape(*windows.shape[:4], size * size)
    argmax = flat.argmax(axis=-1)
    out = flat.max(axis=-1)
    return out, (x.shape, argmax, size, stride)
"""),
    Mistake("maxpool2d_backward",
            "fancy-index += instead of np.add.at: repeated positions from overlapping windows are not "
            "accumulated",
            ('np.add.at',), """
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
    Mistake("maxpool2d_backward",
            "row and column of the argmax swapped (argmax % size for the row, // size for the column)",
            ("index",), """
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
    Mistake("maxpool2d_backward", "window origin computed with the window size instead of the stride", ("stride",), """
def maxpool2d_backward(dout, cache):
    shape, argmax, size, stride = cache
    n, c, out_h, out_w = argmax.shape
    dx = np.zeros(shape)
    rows = np.arange(out_h)[:, None] * size + argmax // size
    cols = np.arange(out_w)[None, :] * size + argmax % size
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, :, None, None]
    np.add.at(dx, (batch, channel, rows, cols), dout)
    return dx
"""),
    Mistake("maxpool2d_backward",
            "mask approach (window == max): on ties the gradient goes to every maximum instead of the first",
            ("tie",), """
def maxpool2d_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], size * size)
    out = flat.max(axis=-1)
    cache = (x, out, size, stride)
    return out, cache

def maxpool2d_backward(dout, cache):
    x, out, size, stride = cache
    dx = np.zeros_like(x)
    for p in range(out.shape[2]):
        for q in range(out.shape[3]):
            win = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size]
            mask = win == out[:, :, p, q][:, :, None, None]
            dx[:, :, p * stride:p * stride + size, q * stride:q * stride + size] += mask * dout[:, :, p, q][:, :, None, None]
    return dx
"""),
    Mistake("conv2d_backward_staged", "dx window assigned (=) instead of added (+=) in the position loop", ('assigned', '+='), """
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
    Mistake("conv2d_backward_staged", "window start not multiplied by the stride (rows = slice(p, p + kh))", ("stride",), """
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
                    rows = slice(p, p + kh)
                    cols = slice(q, q + kw)
                    g = dout[i, k, p, q]
                    db[k] += g
                    dW[k] += g * xp[i, :, rows, cols]
                    dxp[i, :, rows, cols] += g * W[k]
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db
"""),
    Mistake("q_dx_kernel",
            "answers (a): W with channels swapped but not flipped (forgets the flip of the full correlation)",
            ('flip is missing',), """
DX_KERNEL = "a"
"""),
    Mistake("q_receptive_field", "answers 6: adds the two kernel sizes instead of 3 + 3 - 1", ('twice',), """
RECEPTIVE_FIELD = 6
"""),
    Mistake("q_equivariance", "answers (b): confuses translation equivariance with invariance", ('invariance',), """
SHIFTED_FEATURE_MAPS = "b"
"""),
    Mistake("q_pool_overlap", "answers 1: believes a maximum receives only one window's gradient", ("overlap",), """
POOL_CENTRE_WINDOWS = 1
"""),

    # ------------------------------------------------------------------ lesson 08
    Mistake("rnn_backward_truncated",
            "window off by one: start = end - truncate, so truncate + 1 steps are backpropagated",
            ("truncate",), """
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
    Mistake("rnn_backward_truncated", "weight gradients overwritten at every step instead of summed", ('assigned', '+='), """
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
            dx_t, grad, dWx, dWh, db = rnn_step_backward(grad, cache[t])
            dx[:, t] += dx_t
        if start == 0:
            dh0 += grad
    return dx, dh0, dWx, dWh, db
"""),
    Mistake("rnn_backward_truncated",
            "chunked truncation: one backward sweep that resets the carried gradient every `truncate` steps,"
            " instead of a window per loss term",
            ('chunks',), """
def rnn_backward_truncated(dh, cache, truncate):
    N, T, H = dh.shape
    Wx = cache[0][2]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros((H, H)), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        if (T - 1 - t) % truncate == 0:
            dh_next = np.zeros((N, H))
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_backward_truncated",
            "dh0 collects the leftover gradient of every window, even those that stop before step 0",
            ("dh0",), """
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
    Mistake("lstm_step_forward", "gate blocks read in the order i, f, o, g (g and o swapped)", ("order",), """
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
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake("lstm_step_forward", "hidden state h = o * c (tanh of the cell state forgotten)", ("tanh",), """
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
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake("lstm_step_forward", "c_prev modified in place (c_prev *= f) so the caller's array changes", ("in place",), """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c_old = c_prev.copy()
    c_prev *= f
    c = c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = (x, h_prev, c_old, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
"""),
    Mistake("lstm_step_backward_staged", "dc_total ignores the upstream dc (only the path through h)", ("dc",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake("lstm_step_backward_staged",
            "tanh derivative taken from the cached tanh(c) once more: 1 - tanh(tanh_c)**2",
            ("tanh",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - np.tanh(tanh_c) ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake("lstm_step_backward_staged",
            "forget-gate gradient written as dc_total * f instead of dc_total * c_prev",
            ("c_prev",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * f, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake("lstm_step_backward_staged", "sigmoid derivative g * (1 - g) used for the tanh cell-candidate gate", ("g",), """
def lstm_gate_gradients(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), g * (1.0 - g), o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
"""),
    Mistake("lstm_step_backward", "dc_prev returned as dc_total (the forget gate's factor f missing)", ("forget",), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("lstm_step_backward", "dh_prev computed as da @ Wh without the transpose (shape error)", ("shape",), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("lstm_step_backward", "returns dc_prev and dh_prev in swapped order", ('wrong order',), """
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, dc_total * f, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("lstm_forward", "given c0 ignored: the cell state always starts at zeros", ('c0 is ignored',), """
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
    Mistake("lstm_forward",
            "h0 fed to every step (hidden state not carried forward, only the cell state)",
            ('starts from h0',), """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c_prev = np.zeros((N, H)) if c0 is None else c0
    steps = []
    for t in range(T):
        h_t, c_prev, step = lstm_step_forward(x[:, t], h0, c_prev, Wx, Wh, b)
        h[:, t] = h_t
        steps.append(step)
    return h, (steps, c0 is not None)
"""),
    Mistake("lstm_backward", "time loop runs forwards (range(T)) instead of backwards", ("revers",), """
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
    Mistake("lstm_backward", "gradient from the next step not added: each step gets only dh[:, t]", ('next step',), """
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
    Mistake("lstm_backward", "dc0 never returned, even when lstm_forward was given c0 (five values instead of six)", ("dc0",), """
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
    Mistake("lstm_backward", "weight gradients overwritten by each step's instead of summed over time", ("sum",), """
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
    Mistake("q_clipping_changes",
            "answers (c): believes rescaling the whole gradient changes its direction as well",
            ('keeps its direction',), """
CLIPPING_CHANGES = "c"
"""),
    Mistake("q_forget_bias_reach",
            "answers the memory time constant 1 / (1 - sigma(3)) ~ 21 instead of log(10) / -log(sigma(3))",
            ('factor of 10',), """
FORGET_BIAS_REACH = float(1.0 / (1.0 - 1.0 / (1.0 + np.exp(-3.0))))
"""),
    Mistake("q_truncated_first_input", "answers (b): believes truncation only attenuates the gradient of x_1", ('cuts',), """
TRUNCATED_FIRST_INPUT = "b"
"""),
    Mistake("q_further_back",
            "answers (b): believes the LSTM always carries gradients further back, whatever its forget bias",
            ("forget",), """
FURTHER_BACK = "b"
"""),
]
