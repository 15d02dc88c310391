"""Lesson 03: initializations, per-layer gradient norms, clipping, the RNN step and BPTT."""

from tests.mistakes import Mistake

MISTAKES = [
    # -- xavier_uniform
    Mistake("xavier_uniform", "fan_in only", ("only fan_in",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "std formula as the bound", ("std formula", "bound"), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "normal with std a", ("normal", "U(-a, a)"), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.normal(0.0, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "gain ignored", ("gain",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "global np.random", ("rng",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "U(0, a)", ("centred",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(0, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "shape (fan_out, fan_in)", ("transposed", "(fan_in, fan_out)"), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))
"""),
    # -- he_normal
    Mistake("he_normal", "fan_out", ("fan_out",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_out), size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "gain hard-coded sqrt(2)", ("gain", "ignored"), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "variance as std", ("variance", "std"), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain ** 2 / fan_in, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "uniform draws", ("uniform",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    a = gain * np.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "extra factor 2", ("factor 2",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "global np.random", ("rng",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return np.random.normal(0.0, gain / np.sqrt(fan_in), size=(fan_in, fan_out))
"""),
    # -- layer_gradient_norms
    Mistake("layer_gradient_norms", "last layer first", ("last layer to the first",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = [], dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms.append(np.linalg.norm(hs[k].T @ da))
        dh = da @ weights[k].T
    return np.array(norms)
"""),
    Mistake("layer_gradient_norms", "derivative from pre-activation", ("pre-activation",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs, zs = [x], []
    for W, b in zip(weights, biases):
        zs.append(hs[-1] @ W + b)
        hs.append(np.tanh(zs[-1]))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - zs[k] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake("layer_gradient_norms", "no tanh derivative", ("missing",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        norms[k] = np.linalg.norm(hs[k].T @ dh)
        dh = dh @ weights[k].T
    return norms
"""),
    Mistake("layer_gradient_norms", "propagates dh without the derivative", ("passed down",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = dh @ weights[k].T
    return norms
"""),
    Mistake("layer_gradient_norms", "norms of the activations' gradients", ("activations",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        norms[k] = np.linalg.norm(dh)
        dh = (dh * (1.0 - hs[k + 1] ** 2)) @ weights[k].T
    return norms
"""),
    Mistake("layer_gradient_norms", "squared norms", ("square root",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.sum((hs[k].T @ da) ** 2)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake("layer_gradient_norms", "W instead of W.T", ("matrix product",), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms, dh = np.zeros(len(weights)), dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k]
    return norms
"""),
    # -- clip_grad_norm
    Mistake("clip_grad_norm", "by value", ("by value",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    for g in grads:
        np.clip(g, -max_norm, max_norm, out=g)
    return total_norm
"""),
    Mistake("clip_grad_norm", "per tensor", ("own norm",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    for g in grads:
        c = max_norm / (np.linalg.norm(g) + 1e-6)
        if c < 1:
            g *= c
    return total_norm
"""),
    Mistake("clip_grad_norm", "not in place", ("in place",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c < 1:
        grads = [g * c for g in grads]
    return total_norm
"""),
    Mistake("clip_grad_norm", "no 1e-6", ("1e-6",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / total_norm
    if c < 1:
        for g in grads:
            g *= c
    return total_norm
"""),
    Mistake("clip_grad_norm", "always scales", ("below",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    for g in grads:
        g *= c
    return total_norm
"""),
    Mistake("clip_grad_norm", "sum of norms", ("sum of the gradients' norms",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(sum(np.linalg.norm(g) for g in grads))
    c = max_norm / (total_norm + 1e-6)
    if c < 1:
        for g in grads:
            g *= c
    return total_norm
"""),
    Mistake("clip_grad_norm", "norm after clipping", ("after clipping",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c < 1:
        for g in grads:
            g *= c
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
"""),
    # -- rnn_step_backward
    Mistake("rnn_step_backward", "tanh derivative missing", ("tanh's derivative is missing",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward", "derivative from h_prev", ("h_prev", "output"), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h_prev ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward", "dWh from h", ("dWh", "h_prev"), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward", "db not summed", ("db", "summed"), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da
"""),
    Mistake("rnn_step_backward", "dh changed in place", ("in place",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    dh *= 1 - h ** 2
    return dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0)
"""),
    Mistake("rnn_step_backward", "cached h changed in place", ("cache", "in place"), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    h **= 2
    da = dh * (1 - h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward", "bias forgotten in the forward", ("bias",), """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh)
    return h, (x, h_prev, Wx, Wh, h)
"""),
    # -- rnn_backward
    Mistake("rnn_backward", "no gradient from t+1", ("t+1",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_prev = None
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
"""),
    Mistake("rnn_backward", "loop runs forwards", ("forwards",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in range(T):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_backward", "weights overwritten over time", ("overwritten", "add"), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_next, cache[t])
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_backward", "only the last step's dh", ("last step",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = dh[:, -1]
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_backward", "state stored before the step", ("before step t",), """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    caches, h_prev = [], h0
    for t in range(T):
        h[:, t] = h_prev
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        caches.append(step_cache)
    return h, caches
"""),
    Mistake("rnn_backward", "dx overwritten", ("dx[:, t]",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
]
