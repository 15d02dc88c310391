"""Blind batch w4 (lessons 00-04): realistic wrong answers written by someone who never saw the messages.

Copied from the twelfth round's blind batch after its fixes; keywords changed to words of the final messages where
the writer's blind guess used a synonym (29 of 117). First try: 108 of 117 named, 116 caught; after: all.
"""
from tests.mistakes import Mistake  # Mistake(check, what, keywords, code="", replace=())

MISTAKES = [
    # ---------------- lesson 00 ----------------
    Mistake("sum_of_squares_gradient", "returns x**2 (the function value) instead of its derivative 2x", ('derivative',), """
def sum_of_squares_gradient(x):
    return np.asarray(x, dtype=np.float64) ** 2
"""),
    Mistake("sum_of_squares_gradient", "sums the gradient to a scalar: returns sum(2x) instead of the vector", ("shape",), """
def sum_of_squares_gradient(x):
    return np.sum(2.0 * x)
"""),
    Mistake("sum_of_squares_gradient", "doubles x in place (x *= 2) and returns the caller's array", ("place",), """
def sum_of_squares_gradient(x):
    x *= 2.0
    return x
"""),
    Mistake("q_break_it", "answers 'sign flipped' for forgetting the factor 2", ('flipped',), """
BREAK_IT_DIAGNOSIS = "a"
"""),

    # ---------------- lesson 01: local derivatives ----------------
    Mistake("local_derivatives", "d_log returns log(x) instead of 1/x", ("log",), """
def d_log(x):
    return np.log(x)
"""),
    Mistake("local_derivatives", "d_tanh written as 1 - tanh(x) (forgot the square)", ("tanh",), """
def d_tanh(x):
    return 1.0 - np.tanh(x)
"""),
    Mistake("local_derivatives", "d_sigmoid uses x*(1-x) on the input instead of the sigmoid output", ("sigmoid",), """
def d_sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return x * (1.0 - x)
"""),
    Mistake("local_derivatives", "d_relu uses x >= 0 so the derivative at 0 is 1, not PyTorch's 0", ("0",), """
def d_relu(x):
    return (np.asarray(x) >= 0).astype(np.float64)
"""),
    Mistake("local_derivatives", "d_power forgets to lower the exponent: n * x**n", ('drop by one',), """
def d_power(x, n):
    return n * np.asarray(x, dtype=np.float64) ** n
"""),
    Mistake("local_derivatives",
            "d_sigmoid computed with naive exp(-x) formula exp(-x)/(1+exp(-x))**2 which gives nan for large negative x",
            ("overflow",), """
def d_sigmoid(x):
    e = np.exp(-np.asarray(x, dtype=np.float64))
    return e / (1.0 + e) ** 2
"""),

    # ---------------- lesson 01: staged ----------------
    Mistake("staged_fanout", "drops the fan-out: dx keeps only the numerator contribution (overwrites instead of adding)",
            ('accumulated',), """
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
    dx = sig_x * (1 - sig_x) * dsig_x
    dx = dnum
    dsig_y = dnum
    dy = dy + sig_y * (1 - sig_y) * dsig_y
    return dx, dy
"""),
    Mistake("staged_fanout", "derivative of 1/den taken as -1/den instead of -1/den**2", ("den",), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = -1.0 / den * dinv_den
    dsig_x = dden
    dxpy_sq = dden
    dxpy = 2 * xpy * dxpy_sq
    dx = dxpy + sig_x * (1 - sig_x) * dsig_x + dnum
    dy = dxpy + sig_y * (1 - sig_y) * dnum
    return dx, dy
"""),
    Mistake("staged_fanout", "ignores the upstream gradient df (assumes df = 1)", ("upstream",), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den
    dinv_den = num
    dden = -1.0 / den ** 2 * dinv_den
    dxpy = 2 * xpy * dden
    dx = dxpy + sig_x * (1 - sig_x) * dden + dnum
    dy = dxpy + sig_y * (1 - sig_y) * dnum
    return dx, dy
"""),
    Mistake("staged_fanout", "unpacks the cache in a different order than staged_forward packed it", ("unpack",), """
def staged_backward(df, cache):
    sig_x, sig_y, num, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = -1.0 / den ** 2 * dinv_den
    dxpy = 2 * xpy * dden
    dx = dxpy + sig_x * (1 - sig_x) * dden + dnum
    dy = dxpy + sig_y * (1 - sig_y) * dnum
    return dx, dy
"""),

    # ---------------- lesson 01: Value ----------------
    Mistake("value_add_mul", "mul backward gives each operand its own data (not the other operand's) times out.grad",
            ("mul",), replace=((
        "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad"),)),
    Mistake("value_add_mul", "add backward assigns (=) instead of accumulating (+=), so reused values lose gradient",
            ("accumulate",), replace=((
        "            self.grad += out.grad\n            other.grad += out.grad",
        "            self.grad = out.grad\n            other.grad = out.grad"),)),
    Mistake("value_pow_sub_div", "pow backward forgets the exponent drop: n * x**n", ("pow",), replace=((
        "            self.grad += n * self.data ** (n - 1) * out.grad",
        "            self.grad += n * self.data ** n * out.grad"),)),
    Mistake("value_unary", "tanh backward uses the input data instead of the output: 1 - x**2", ("tanh",), replace=((
        "            self.grad += (1.0 - out.data ** 2) * out.grad",
        "            self.grad += (1.0 - self.data ** 2) * out.grad"),)),
    Mistake("value_unary", "log backward multiplies by the data instead of dividing", ("log",), replace=((
        "            self.grad += out.grad / self.data",
        "            self.grad += out.grad * self.data"),)),
    Mistake("value_unary", "exp backward forgets the upstream out.grad", ('out.grad',), replace=((
        "            self.grad += out.data * out.grad",
        "            self.grad += out.data"),)),
    Mistake("value_random_expressions", "sigmoid backward uses the input: self.data * (1 - self.data)", ("sigmoid",), replace=((
        "            self.grad += out.data * (1.0 - out.data) * out.grad",
        "            self.grad += self.data * (1.0 - self.data) * out.grad"),)),
    Mistake("value_deep_chain", "recursive topological sort, which hits Python's recursion limit on deep chains",
            ("recursion",), replace=((
        """        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node.children)
""",
        """        order, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v.children:
                    build(child)
                order.append(v)

        build(self)
"""),)),
    Mistake("value_random_expressions", "backward runs nodes in topological order instead of reversed (children before parents)",
            ("order",), replace=((
        "        for node in reversed(order):\n            node._backward()",
        "        for node in order:\n            node._backward()"),)),
    Mistake("value_random_expressions", "no visited set: shared subexpressions are backpropagated twice", ("visited",), replace=((
        "            elif id(node) not in visited:",
        "            else:"),)),
    Mistake("q_graph_dfdz", "answers x + y with x still at its old value (-2 + 5 = 3)", ("z",), """
GRAPH_DFDZ = 3.0
"""),
    Mistake("q_fanout_dfdx", "counts only the x*y branch: df/dx = y = -1.5", ("fan",), """
FANOUT_DFDX = -1.5
"""),
    Mistake("q_best_step", "thinks smaller h is always better: picks the smallest step 1e-12", ("round",), """
BEST_CENTRAL_EXPONENT = -12
"""),
    Mistake("q_numeric_cost", "counts one evaluation per input (forward difference without the base point)",
            ('two evaluations',), """
NUMERIC_EVALUATIONS = 1000
"""),
    Mistake("q_custom_dfdb", "sign slip on the exp(a)/b term: gives +0.20", ("sign",), """
CUSTOM_DFDB = 0.20
"""),

    # ---------------- lesson 02 ----------------
    Mistake("linear_forward", "computes W @ x (rows/columns mixed) which fails with a shape mismatch", ('wrong way round',), """
def linear_forward(x, W, b):
    out = W.T @ x.T + b
    return out, (x, W, b)
"""),
    Mistake("linear_forward", "forgets to return the cache (returns only out)", ("return",), """
def linear_forward(x, W, b):
    out = x @ W + b
    return out
"""),
    Mistake("linear_backward", "db summed over the wrong axis (axis=1)", ("axis",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
"""),
    Mistake("linear_backward", "dW written as dout.T @ x (transposed, shape (M, D))", ("transpose",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "divides dW and db by the batch size N (averaging twice)", ("batch",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    n = x.shape[0]
    return dout @ W.T, x.T @ dout / n, dout.sum(axis=0) / n
"""),
    Mistake("linear_backward", "dx uses W instead of W.T, only works for square W", ("transpose",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "returns (dW, dx, db) in the wrong order", ("order",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    return x.T @ dout, dout @ W.T, dout.sum(axis=0)
"""),
    Mistake("relu_backward", "zeros dout in place (dout[x <= 0] = 0) and returns it", ("place",), """
def relu_backward(dout, cache):
    x = cache
    dout[x <= 0] = 0
    return dout
"""),
    Mistake("relu_backward", "returns only the mask (x > 0) and forgets dout", ('dout',), """
def relu_backward(dout, cache):
    x = cache
    return (x > 0).astype(float)
"""),
    Mistake("sigmoid_backward", "treats the cache as the input x and recomputes sigmoid of it", ('sigmoid again',), """
def sigmoid_backward(dout, cache):
    s = 1.0 / (1.0 + np.exp(-cache))
    return dout * s * (1.0 - s)
"""),
    Mistake("tanh_backward", "forgets the square: dout * (1 - t)", ("tanh",), """
def tanh_backward(dout, cache):
    t = cache
    return dout * (1.0 - t)
"""),
    Mistake("leaky_relu_backward", "passes slope (not slope * dout) on the negative side", ("slope",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x > 0, dout, slope)
"""),
    Mistake("leaky_relu_backward", "treats the cache as x only (forgets it is a tuple), slope hard-coded 0.01", ("cache",), """
def leaky_relu_backward(dout, cache):
    x = cache
    return np.where(x > 0, dout, 0.01 * dout)
"""),
    Mistake("softmax_cross_entropy", "no max subtraction: overflows to nan for logits of magnitude 1000", ("overflow",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    d = p.copy()
    d[np.arange(n), y] -= 1.0
    return float(loss), d / n
"""),
    Mistake("softmax_cross_entropy", "forgets to divide the gradient by N (loss is a mean, gradient is a sum)", ("N",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1.0
    return float(loss), d
"""),
    Mistake("softmax_cross_entropy", "max and normaliser without keepdims: broadcasts along the wrong axis", ("keepdims",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1)
    e = np.exp(shifted)
    p = e / e.sum(axis=1)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    d = p.copy()
    d[np.arange(n), y] -= 1.0
    return float(loss), d / n
"""),
    Mistake("softmax_cross_entropy", "gradient p - y with y subtracted at every column y[n] via d[:, y] (wrong indexing)",
            ('arange',), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d = np.exp(log_probs)
    d[:, y] -= 1.0
    return float(loss), d / n
"""),
    Mistake("softmax_cross_entropy_staged",
            "softmax Jacobian written as diag(p) - p p^T but with the outer product forgotten: diag(p*(1-p))",
            ("jacobian",), """
def softmax_jacobian(p):
    p = np.asarray(p, dtype=np.float64)
    return np.diag(p * (1.0 - p))
"""),
    Mistake("softmax_cross_entropy_staged", "dp forgets the 1/N of the mean", ('batch',), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / p[rows, y]
    dlogits = np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n)])
    return loss, dlogits
"""),
    Mistake("mse_loss", "forgets the factor 2 in the gradient", ("factor",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), diff / diff.size
"""),
    Mistake("mse_loss", "divides the gradient by the number of rows instead of all elements", ("elements",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / len(pred)
"""),
    Mistake("mae_loss", "gradient sign flipped: uses target - pred", ("sign",), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(target - pred) / diff.size
"""),
    Mistake("bce_with_logits", "naive log(sigmoid) formula: nan/inf for logits of magnitude 1000", ("overflow",), """
def bce_with_logits(logits, target):
    s = 1.0 / (1.0 + np.exp(-logits))
    loss = -np.mean(target * np.log(s) + (1 - target) * np.log(1 - s))
    return float(loss), (s - target) / logits.size
"""),
    Mistake("bce_with_logits", "gradient returned as sigmoid(x) - t without the mean's 1/size", ("mean",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return float(loss), s - t
"""),
    Mistake("two_layer_loss", "skips relu_backward: feeds dh straight into the first layer's linear_backward", ("relu",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    _, dW1, db1 = linear_backward(dh, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "returns the gradients as a tuple instead of a dict", ("dict",), """
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
    Mistake("fixed_two_layer_backward", "changes the mask to >= 0 but still computes it from X @ W1 without the bias",
            ("mask",), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (X @ params["W1"] >= 0)
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("fixed_two_layer_backward", "masks with h itself (multiplies by the activation value) instead of h > 0",
            ("mask",), """
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
    Mistake("q_mse_saturation", "answers with the MSE/CE ratio inverted (a factor below 1)", ("factor",), """
MSE_SATURATION_FACTOR = 0.013
"""),
    Mistake("q_initial_loss", "expects zero loss for an untrained network", ('knows nothing',), """
INITIAL_LOSS = 0.0
"""),
    Mistake("q_steps_per_epoch", "floors 240/32 instead of counting the partial batch", ('rounding down',), """
STEPS_PER_EPOCH = 7
"""),
    Mistake("q_linear_dataset", "picks circles as linearly separable", ("linear",), """
LINEAR_DATASET = "b"
"""),
    Mistake("q_relu_kink", "answers the analytic derivative 1 at x > 0", ("kink",), """
RELU_KINK_NUMERIC = 1.0
"""),
    Mistake("q_mae_constant", "answers the mean (22) instead of the median", ('mean',), """
MAE_BEST_CONSTANT = 22
"""),

    # ---------------- lesson 03 ----------------
    Mistake("xavier_uniform", "uses the variance 2/(fan_in+fan_out) as the bound a (forgot uniform's sqrt(3))", ("bound",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "draws from np.random instead of the given generator", ("rng",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "passes the variance 2/fan_in as numpy's scale (which is a standard deviation)", ("std",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain ** 2 / fan_in, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "shape given as (fan_out, fan_in)", ("shape",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_in), size=(fan_out, fan_in))
"""),
    Mistake("layer_gradient_norms",
            "multiplies by tanh' of the layer's input h_{l-1} instead of its output h_l (shape mismatch when widths differ)",
            ('index',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = np.zeros(len(weights))
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k] ** 2)
        norms[k] = np.linalg.norm(hs[k].T @ da)
        dh = da @ weights[k].T
    return norms
"""),
    Mistake("layer_gradient_norms", "returns the norms last layer first (in the order computed)", ('first layer',), """
def layer_gradient_norms(x, weights, biases, dout):
    hs = [x]
    for W, b in zip(weights, biases):
        hs.append(np.tanh(hs[-1] @ W + b))
    norms = []
    dh = dout
    for k in reversed(range(len(weights))):
        da = dh * (1.0 - hs[k + 1] ** 2)
        norms.append(np.linalg.norm(hs[k].T @ da))
        dh = da @ weights[k].T
    return np.array(norms)
"""),
    Mistake("layer_gradient_norms",
            "propagates dh back with dh @ W.T before the tanh derivative (skips the activation on the way back)",
            ("tanh's derivative",), """
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
    Mistake("clip_grad_norm", "rebinds g = g * c inside the loop, so nothing is clipped in place", ("place",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c < 1.0:
        for g in grads:
            g = g * c
    return total_norm
"""),
    Mistake("clip_grad_norm", "clips each gradient by its own norm instead of the global norm", ("global",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    for g in grads:
        n = np.linalg.norm(g)
        c = max_norm / (n + 1e-6)
        if c < 1.0:
            g *= c
    return total_norm
"""),
    Mistake("clip_grad_norm", "returns the norm after clipping", ("before",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    c = max_norm / (total_norm + 1e-6)
    if c < 1.0:
        for g in grads:
            g *= c
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
"""),
    Mistake("rnn_step_backward_staged", "rnn_tanh_backward uses 1 - h instead of 1 - h**2", ('square',), """
def rnn_tanh_backward(dh, h):
    return dh * (1.0 - h)
"""),
    Mistake("rnn_step_backward_staged", "dWh computed as Wh.T-style da.T @ h_prev (transposed)", ("transpose",), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ h_prev, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward", "skips the tanh stage: passes dh straight to the affine backward", ("tanh",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    return rnn_affine_backward(dh, x, h_prev, Wx, Wh)
"""),
    Mistake("rnn_step_backward", "calls rnn_affine_backward with x and h_prev swapped", ("argument",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    return rnn_affine_backward(rnn_tanh_backward(dh, h), h_prev, x, Wx, Wh)
"""),
    Mistake("rnn_backward", "forgets to add the gradient from the next step: uses dh[:, t] alone", ('t+1',), """
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
    Mistake("rnn_backward", "overwrites the weight gradients each step instead of summing over time", ('overwritten',), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_next, cache[t])
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_backward", "off-by-one loop: range(T - 1, 0, -1) skips the first time step", ('index 0',), """
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
    Mistake("rnn_backward", "accumulates dh in place into the caller's upstream array (dh[:, t] += dh_next)", ("place",), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dh[:, t] += dh_next
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("q_sigmoid_largest_layer", "thinks the first layer has the largest gradient", ('layer 1',), """
SIGMOID_LARGEST_LAYER = "a"
"""),
    Mistake("q_relu_scale2_factor", "squares the factor (variance instead of norm): 4", ("norm",), """
RELU_SCALE2_NORM_FACTOR = 4.0
"""),
    Mistake("q_bptt_slope", "answers the natural log of 0.8 instead of log10", ("log10",), """
BPTT_LOG10_SLOPE = -0.223
"""),
    Mistake("q_clip_ratio", "thinks clipping shrinks the ratio by the clip factor", ("ratio",), """
CLIP_DECAY_RATIO_FACTOR = 0.5
"""),

    # ---------------- lesson 04 ----------------
    Mistake("sgd_step", "adds the gradient (gradient ascent)", ('uphill',), """
def sgd_step(param, grad, lr):
    return param + lr * grad
"""),
    Mistake("sgd_step", "updates param in place with -= and forgets to return it", ("return",), """
def sgd_step(param, grad, lr):
    param -= lr * grad
"""),
    Mistake("sgd_momentum_step",
            "puts the learning rate inside the buffer (buf = m*buf + lr*grad) and then multiplies by lr again",
            ("lr",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = lr * grad if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + lr * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "EMA-style buffer with dampening: buf = m*buf + (1-m)*grad, starting from zeros",
            ('average',), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    prev = state.get("momentum_buffer", np.zeros_like(param))
    buf = momentum * prev + (1 - momentum) * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "first step stores grad itself (no copy), then updates the buffer in place with *= and +=",
            ("place",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    if "momentum_buffer" not in state:
        buf = grad
    else:
        buf = state["momentum_buffer"]
        buf *= momentum
        buf += grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "typo in the state key ('momentum_buf') so the buffer never persists, and returns the wrong key",
            ("key",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buf" not in state else momentum * state["momentum_buf"] + grad
    return param - lr * buf, {"momentum_buf": buf}
"""),
    Mistake("nesterov_step", "uses the plain momentum update (param - lr * buf), i.e. no look-ahead", ("nesterov",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "looks ahead with the old buffer instead of the new one", ("buffer",), """
def nesterov_step(param, grad, state, lr, momentum):
    old = state.get("momentum_buffer", np.zeros_like(param))
    buf = grad.copy() if "momentum_buffer" not in state else momentum * old + grad
    return param - lr * (grad + momentum * old), {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "NameError typo: refers to 'mom' instead of momentum", ("name",), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * (grad + mom * buf), {"momentum_buffer": buf}
"""),
    Mistake("rmsprop_step", "eps inside the square root", ("eps",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / np.sqrt(square_avg + eps), {"square_avg": square_avg}
"""),
    Mistake("rmsprop_step", "initialises square_avg with grad**2 on the first step (like Adam without bias correction thinking)",
            ('starts at 0',), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    if "square_avg" not in state:
        square_avg = grad ** 2
    else:
        square_avg = alpha * state["square_avg"] + (1 - alpha) * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
"""),
    Mistake("rmsprop_step", "swaps alpha and 1-alpha in the running average", ("alpha",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * state.get("square_avg", np.zeros_like(param)) + alpha * grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
"""),
    Mistake("adam_step", "no bias correction", ("bias",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step",
            "bias correction with the old step count (increments after using it), dividing by zero on the first step",
            ("step",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0)
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": step + 1, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "second moment uses grad instead of grad**2", ("square",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * np.abs(grad)
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "stores the bias-corrected moments in the state instead of the raw averages", ("state",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": step, "exp_avg": m_hat, "exp_avg_sq": v_hat}
"""),
    Mistake("adam_step", "unpacks betas wrongly: beta2, beta1 = betas", ("beta",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta2, beta1 = betas
    step = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": step, "exp_avg": m, "exp_avg_sq": v}
"""),
    Mistake("adam_step", "returns only the new parameter, forgetting the state", ("return",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    state.update(step=step, exp_avg=m, exp_avg_sq=v)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps)
"""),
    Mistake("q_effective_step", "computes 0.99/0.9 (ratio of momenta) ~ 1.1", ("momentum",), """
EFFECTIVE_STEP_FACTOR = 1.1
"""),
    Mistake("q_noise_floor", "thinks the floor does not depend on the learning rate", ('size of the steps',), """
NOISE_FLOOR_FACTOR = 1.0
"""),
    Mistake("q_noise_floor", "squares the lr factor: 0.25", ("lr",), """
NOISE_FLOOR_FACTOR = 0.25
"""),
    Mistake("q_saddle_first", "expects momentum to escape first", ('proportional',), """
SADDLE_FIRST = "b"
"""),
    Mistake("q_blowup_lr", "answers 1/h = 0.25 (uses the second derivative 4 without the factor 2)", ("2",), """
BLOWUP_LR = 0.25
"""),
    Mistake("q_momentum_equal_step", "thinks momentum keeps its large advantage", ("effective",), """
MOMENTUM_EQUAL_STEP = "a"
"""),
    # ---------------- extra (mostly exceptions) ----------------
    Mistake("mse_loss", "returns only the gradient, forgetting the loss value", ("return",), """
def mse_loss(pred, target):
    diff = pred - target
    return 2.0 * diff / diff.size
"""),
    Mistake("rmsprop_step", "reads state['square_avg'] directly, KeyError on the first (empty-state) step", ("state",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * state["square_avg"] + (1 - alpha) * grad ** 2
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
"""),
    Mistake("clip_grad_norm", "np.linalg.norm on the list of differently shaped gradients", ("norm",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.linalg.norm(grads))
    c = max_norm / (total_norm + 1e-6)
    if c < 1.0:
        for g in grads:
            g *= c
    return total_norm
"""),
    Mistake("xavier_uniform", "passes fan_in, fan_out as separate positional args to rng.uniform instead of a size tuple",
            ("size",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, fan_in, fan_out)
"""),
    Mistake("softmax_cross_entropy_staged", "multiplies each Jacobian by the whole dp matrix instead of its row", ("row",), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / (n * p[rows, y])
    dlogits = np.stack([softmax_jacobian(p[i]).T @ dp for i in range(n)])
    return loss, dlogits
"""),
    Mistake("rnn_backward", "rnn_forward never carries the hidden state: every step starts from h0", ('h0',), """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    caches = []
    for t in range(T):
        ht, step_cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        h[:, t] = ht
        caches.append(step_cache)
    return h, caches
"""),
    Mistake("local_derivatives", "d_power written with the arguments in the order (n, x)", ("argument",), """
def d_power(n, x):
    return n * np.asarray(x, dtype=np.float64) ** (n - 1)
"""),
    Mistake("tanh_backward", "recomputes tanh of the cached output (treats the output as the input)", ('tanh again',), """
def tanh_backward(dout, cache):
    t = np.tanh(cache)
    return dout * (1.0 - t ** 2)
"""),
]
