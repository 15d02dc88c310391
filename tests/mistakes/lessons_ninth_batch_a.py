"""A ninth batch (w1), written blind for lessons 00-04 by someone who never saw the messages.

At first try (fixA d7b6c2e, with this session's general mechanisms for exceptions and wrong activation
derivatives already in) all 127 lost points and 112 of 127 were named, judged by reading each message
(/work/notes/corpus/w1_judged.md; the writer's keywords were found in 88). The 15 unnamed were fixed by family:
unpacking in another order than the learner's own code builds or documents (source notes), a single value
returned for a pair, 0/0 told apart from overflow, an all-NaN answer matched to the one mistake that gives it,
the neighbouring list index in a shape error, and wrong-formula candidates (pow rules, the softmax Jacobian,
BCE's stable loss, leaky ReLU, Adam's and RMSProp's moments, the staged RNN's return order). Keywords that
named the mistake in other words than the writer guessed now follow the messages' words.
"""
from tests.mistakes import Mistake

_ADD = """            self.grad += out.grad
            other.grad += out.grad"""
_MUL = """            self.grad += other.data * out.grad
            other.grad += self.data * out.grad"""
_TOPO = """        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node.children)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()"""

MISTAKES = [
    # ------------------------------------------------------------------ lesson 00
    Mistake("sum_of_squares_gradient", "forgot the factor 2 of d(x^2)/dx, returns x", ("factor",), """
def sum_of_squares_gradient(x):
    return np.asarray(x, dtype=np.float64)
"""),
    Mistake("sum_of_squares_gradient", "returns the scalar 2*sum(x) instead of one partial derivative per entry", ("shape",), """
def sum_of_squares_gradient(x):
    return 2.0 * np.sum(x)
"""),
    Mistake("sum_of_squares_gradient", "returns the function value x**2 instead of its derivative", ("derivative",), """
def sum_of_squares_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    return x ** 2
"""),
    Mistake("q_break_it", "predicts 'sign flipped' for a gradient missing its factor 2", ('same sign',), """
BREAK_IT_DIAGNOSIS = "a"
"""),

    # ------------------------------------------------------------------ lesson 01: local derivatives
    Mistake("local_derivatives", "d_sigmoid applies s*(1-s) to the input x instead of to sigmoid(x)", ("sigmoid",), """
def d_sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return x * (1.0 - x)
"""),
    Mistake("local_derivatives", "d_tanh forgets the square: 1 - tanh(x)", ("tanh",), """
def d_tanh(x):
    return 1.0 - np.tanh(x)
"""),
    Mistake("local_derivatives", "d_relu gives 1 at x == 0 (uses >=)", ("0",), """
def d_relu(x):
    return (np.asarray(x) >= 0).astype(np.float64)
"""),
    Mistake("local_derivatives", "d_power operator precedence: n * x ** n - 1 instead of n * x ** (n - 1)", ("d_power",), """
def d_power(x, n):
    return n * np.asarray(x, dtype=np.float64) ** n - 1
"""),
    Mistake("local_derivatives", "d_log returns log(x) derivative as 1/x**2 (confused with derivative of 1/x)", ("d_log",), """
def d_log(x):
    return -1.0 / np.asarray(x, dtype=np.float64) ** 2
"""),

    # ------------------------------------------------------------------ lesson 01: staged fan-out
    Mistake("staged_fanout", "overwrites dx with the numerator path instead of adding it (fan-out not accumulated)",
            ("accumulate",), """
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
    dx = dnum
    dsig_y = dnum
    dy = dy + sig_y * (1 - sig_y) * dsig_y
    return dx, dy
"""),
    Mistake("staged_fanout", "derivative of 1/den written without the minus sign", ("sign",), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den * df
    dinv_den = num * df
    dden = 1.0 / den ** 2 * dinv_den
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
    Mistake("staged_fanout", "ignores the upstream gradient df (computes df/dx as if df = 1)", ("upstream",), """
def staged_backward(df, cache):
    sig_y, num, sig_x, xpy, den, inv_den = cache
    dnum = inv_den
    dinv_den = num
    dden = -1.0 / den ** 2 * dinv_den
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
    Mistake("staged_fanout", "forgets y's second use (sigmoid(y) in the numerator)", ("y",), """
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
    return dx, dy
"""),
    Mistake("staged_fanout", "unpacks the cache in the wrong order (sig_x and sig_y swapped)", ("cache",), """
def staged_backward(df, cache):
    sig_x, num, sig_y, xpy, den, inv_den = cache
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
    dy = dy + sig_y * (1 - sig_y) * dsig_y
    return dx, dy
"""),

    # ------------------------------------------------------------------ lesson 01: Value
    Mistake("value_add_mul", "add_backward assigns (=) instead of accumulating (+=), so a + a gets grad 1", ("accumulate",), "",
            replace=((_ADD, """            self.grad = out.grad
            other.grad = out.grad"""),)),
    Mistake("value_add_mul", "mul_backward forgets the upstream out.grad", ('forgets out.grad',), "",
            replace=((_MUL, """            self.grad += other.data
            other.grad += self.data"""),)),
    Mistake("value_add_mul", "mul_backward uses each operand's own value instead of the other's", ("other",), "",
            replace=((_MUL, """            self.grad += self.data * out.grad
            other.grad += other.data * out.grad"""),)),
    Mistake("value_pow_sub_div", "pow_backward uses the output value out.data instead of the input self.data", ("input",), "",
            replace=(("self.grad += n * self.data ** (n - 1) * out.grad", "self.grad += n * out.data ** (n - 1) * out.grad"),)),
    Mistake("value_pow_sub_div", "pow_backward writes n * x**n / x but forgets the upstream gradient", ('forgets out.grad',), "",
            replace=(("self.grad += n * self.data ** (n - 1) * out.grad", "self.grad += n * self.data ** n / self.data"),)),
    Mistake("value_unary", "tanh_backward uses the input: 1 - x**2 instead of 1 - tanh(x)**2", ("tanh",), "",
            replace=(("self.grad += (1.0 - out.data ** 2) * out.grad", "self.grad += (1.0 - self.data ** 2) * out.grad"),)),
    Mistake("value_unary", "exp_backward multiplies by the input x instead of exp(x)", ("exp",), "",
            replace=(("self.grad += out.data * out.grad\n", "self.grad += self.data * out.grad\n"),)),
    Mistake("value_unary", "log_backward divides by the output log(x) instead of x", ("log",), "",
            replace=(("self.grad += out.grad / self.data", "self.grad += out.grad / out.data"),)),
    Mistake("value_unary", "relu_backward passes the gradient at x == 0 (>=)", ("relu",), "",
            replace=(("self.grad += (1.0 if self.data > 0 else 0.0) * out.grad",
                      "self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad"),)),
    Mistake("value_random_expressions", "backward() walks the nodes in topological order (inputs first), not reversed",
            ("order",), "",
            replace=((_TOPO, _TOPO.replace("for node in reversed(order):", "for node in order:")),)),
    Mistake("value_random_expressions", "backward() DFS without a visited set: shared nodes run their backward twice",
            ("twice",), "",
            replace=((_TOPO, """        order, stack = [], [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in node.children)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()"""),)),
    Mistake("value_deep_chain", "recursive build_topo (micrograd style) hits the recursion limit on a long chain",
            ("recursion",), "",
            replace=((_TOPO, """        order, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v.children:
                    build(child)
                order.append(v)

        build(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()"""),)),
    Mistake("q_graph_dfdz", "answers df/dx = z = -4 instead of df/dz = x + y", ('df/dx',), """
GRAPH_DFDZ = -4.0
"""),
    Mistake("q_fanout_dfdx", "counts only the x*y path (forgets tanh's contribution)", ("path",), """
FANOUT_DFDX = -1.5
"""),
    Mistake("q_best_step", "takes the smallest step before cancellation dominates for a forward difference (1e-8)",
            ('forward difference',), """
BEST_CENTRAL_EXPONENT = -8
"""),
    Mistake("q_numeric_cost", "counts one evaluation per input (n) instead of two", ("two",), """
NUMERIC_EVALUATIONS = 1000
"""),
    Mistake("q_custom_dfdb", "quotient rule without the minus sign: +exp(a)/b^2", ("sign",), """
CUSTOM_DFDB = 0.62
"""),

    # ------------------------------------------------------------------ lesson 02: linear
    Mistake("linear_forward", "forgot the bias", ("bias",), """
def linear_forward(x, W, b):
    out = x @ W
    return out, (x, W, b)
"""),
    Mistake("linear_forward", "returns only out, no cache", ("cache",), """
def linear_forward(x, W, b):
    return x @ W + b
"""),
    Mistake("linear_backward", "dx = dout @ W without the transpose", ("transpose",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dx = dout @ W
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake("linear_backward", "dW = dout.T @ x (operand order swapped: gives the transpose of dW)", ("transpose",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dx = dout @ W.T
    dW = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake("linear_backward", "db summed over the wrong axis (axis=1)", ("axis",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=1)
    return dx, dW, db
"""),
    Mistake("linear_backward", "db averaged over the batch instead of summed (extra 1/N)", ("1/N",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.mean(axis=0)
    return dx, dW, db
"""),
    Mistake("linear_backward", "dW divided by the batch size (extra 1/N, the loss already averages)", ("1/N",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dx = dout @ W.T
    dW = x.T @ dout / x.shape[0]
    db = dout.sum(axis=0)
    return dx, dW, db
"""),
    Mistake("linear_backward", "returns (dW, dx, db) in the wrong order", ("order",), """
def linear_backward(dout, cache):
    x, W, _ = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dW, dx, db
"""),

    # ------------------------------------------------------------------ lesson 02: activations
    Mistake("relu_backward", "passes the gradient at x == 0 (x >= 0)", ("0",), """
def relu_backward(dout, cache):
    x = cache
    return dout * (x >= 0)
"""),
    Mistake("relu_backward", "zeroes dout in place and returns it (modifies the upstream gradient)", ("in place",), """
def relu_backward(dout, cache):
    x = cache
    dout[x <= 0] = 0
    return dout
"""),
    Mistake("relu_backward", "returns the local derivative mask, forgets to multiply by dout", ('local derivative only',), """
def relu_backward(dout, cache):
    x = cache
    return (x > 0).astype(np.float64)
"""),
    Mistake("sigmoid_backward", "treats the cached output as the input and applies sigmoid again", ('sigmoid again',), """
def sigmoid_backward(dout, cache):
    s = 1.0 / (1.0 + np.exp(-cache))
    return dout * s * (1.0 - s)
"""),
    Mistake("sigmoid_backward", "forgets the upstream gradient", ('local derivative only',), """
def sigmoid_backward(dout, cache):
    s = cache
    return s * (1.0 - s)
"""),
    Mistake("tanh_backward", "recomputes tanh on the cached output: 1 - tanh(t)**2", ('tanh again',), """
def tanh_backward(dout, cache):
    t = cache
    return dout * (1.0 - np.tanh(t) ** 2)
"""),
    Mistake("tanh_backward", "misplaced parenthesis: (1 - t)**2 instead of 1 - t**2", ("1 - t",), """
def tanh_backward(dout, cache):
    t = cache
    return dout * (1.0 - t) ** 2
"""),
    Mistake("leaky_relu_backward", "negative side returns slope without multiplying by dout", ('slope alone', 'dout'), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x > 0, dout, slope)
"""),
    Mistake("leaky_relu_backward", "uses x >= 0, so the gradient at x == 0 is dout instead of slope*dout", ("0",), """
def leaky_relu_backward(dout, cache):
    x, slope = cache
    return np.where(x >= 0, dout, slope * dout)
"""),
    Mistake("leaky_relu_backward", "unpacks the cache in the wrong order (slope, x)", ("cache",), """
def leaky_relu_backward(dout, cache):
    slope, x = cache
    return np.where(x > 0, dout, slope * dout)
"""),

    # ------------------------------------------------------------------ lesson 02: losses
    Mistake("softmax_cross_entropy", "no max subtraction: exp overflows for large logits", ("overflow",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    exp = np.exp(logits)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    dlogits = p.copy()
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n
"""),
    Mistake("softmax_cross_entropy", "gradient not divided by N (loss is a mean, gradient is of the sum)", ('/ N',), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits
"""),
    Mistake("softmax_cross_entropy", "row max subtracted without keepdims (broadcasts against the wrong axis)", ("keepdims",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n
"""),
    Mistake("softmax_cross_entropy", "subtracts 1 with dlogits[:, y] (whole columns) instead of dlogits[arange(N), y]",
            ('[np.arange(N), y]',), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[:, y] -= 1.0
    return float(loss), dlogits / n
"""),
    Mistake("softmax_cross_entropy", "subtracts the global max instead of each row's max (rows far apart underflow)",
            ("row",), """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max()
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    dlogits = p.copy()
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n
"""),
    Mistake("mse_loss", "gradient misses the factor 2", ("factor",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), diff / diff.size
"""),
    Mistake("mse_loss", "gradient divided by the number of rows instead of the number of elements", ("elements",), """
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / pred.shape[0]
"""),
    Mistake("mse_loss", "diff taken as target - pred: gradient has the wrong sign", ("sign",), """
def mse_loss(pred, target):
    diff = target - pred
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size
"""),
    Mistake("mae_loss", "subgradient +1 at pred == target (np.where(diff >= 0, 1, -1))", ("0",), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.where(diff >= 0, 1.0, -1.0) / diff.size
"""),
    Mistake("mae_loss", "gradient not divided by the number of elements", ('number of elements',), """
def mae_loss(pred, target):
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(diff)
"""),
    Mistake("bce_with_logits", "naive sigmoid then log: inf/nan for logits of magnitude 1000", ("overflow",), """
def bce_with_logits(logits, target):
    s = 1.0 / (1.0 + np.exp(-logits))
    loss = -np.mean(target * np.log(s) + (1 - target) * np.log(1 - s))
    return float(loss), (s - target) / logits.size
"""),
    Mistake("bce_with_logits", "gradient sign flipped: (t - s)", ("sign",), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return float(loss), (t - s) / x.size
"""),
    Mistake("bce_with_logits", "loss stable, but gradient is s - t without the mean's 1/N", ('number of elements',), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x))))
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return float(loss), s - t
"""),
    Mistake("bce_with_logits", "stable loss uses log1p(exp(-x)) instead of -|x| (overflows for very negative logits)",
            ('log1p(exp(-|x|))',), """
def bce_with_logits(logits, target):
    x, t = logits, target
    loss = np.mean(np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-x)))
    s = 1.0 / (1.0 + np.exp(-x))
    return float(loss), (s - t) / x.size
"""),

    # ------------------------------------------------------------------ lesson 02: network
    Mistake("two_layer_loss", "skips the ReLU backward: passes dh straight into the first linear layer", ("relu",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    _, dW1, db1 = linear_backward(dh, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "unpacks linear_backward as (dW, dx, db) and backpropagates dW2 as dh",
            ('returns (dx, dW, db)',), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dW2, dh, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    dW1, _, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("two_layer_loss", "the second layer is fed the pre-activation h_pre instead of relu(h_pre)", ("relu",), """
def two_layer_loss(X, y, params):
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h_pre, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("fixed_two_layer_backward", "left the planted bug: ReLU mask computed without the bias", ("bias",), """
def fixed_two_layer_backward(dscores, cache):
    X, params, h = cache
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ params["W2"].T
    dh_pre = dh * (X @ params["W1"] > 0)
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""),
    Mistake("fixed_two_layer_backward", "'fixes' the mask by multiplying with the activation h instead of the indicator h > 0",
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
    Mistake("softmax_cross_entropy_staged", "softmax_jacobian keeps only the diagonal p_i(1 - p_i)", ("diagonal",), """
def softmax_jacobian(p):
    p = np.asarray(p, dtype=np.float64)
    return np.diag(p * (1.0 - p))
"""),
    Mistake("softmax_cross_entropy_staged", "softmax_jacobian uses the inner product p @ p instead of the outer product",
            ("outer",), """
def softmax_jacobian(p):
    p = np.asarray(p, dtype=np.float64)
    return np.diag(p) - p @ p
"""),
    Mistake("softmax_cross_entropy_staged", "dp forgets the 1/N of the mean", ('factor of N',), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / p[rows, y]
    dlogits = np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n)])
    return loss, dlogits
"""),
    Mistake("softmax_cross_entropy_staged", "d(-log p)/dp written as +1/p (sign error)", ("sign",), """
def softmax_cross_entropy_staged(logits, y):
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, y])))
    dp = np.zeros_like(p)
    dp[rows, y] = 1.0 / (n * p[rows, y])
    dlogits = np.stack([softmax_jacobian(p[i]).T @ dp[i] for i in range(n)])
    return loss, dlogits
"""),
    Mistake("q_mse_saturation", "forgets the factor 2 of the MSE gradient: 1/(p(1-p)) = 150", ("2",), """
MSE_SATURATION_FACTOR = 150
"""),
    Mistake("q_initial_loss", "uses log base 2 (bits): log2(3) = 1.58", ('log base 2',), """
INITIAL_LOSS = 1.58
"""),
    Mistake("q_steps_per_epoch", "floors 240/32 and drops the last partial batch", ('rounding down',), """
STEPS_PER_EPOCH = 7
"""),
    Mistake("q_linear_dataset", "thinks circles are linearly separable", ("linear",), """
LINEAR_DATASET = "b"
"""),
    Mistake("q_relu_kink", "gives the analytic derivative 1 instead of the central difference across the kink", ("kink",), """
RELU_KINK_NUMERIC = 1.0
"""),
    Mistake("q_mae_constant", "answers the mean (22) instead of the median", ('is the mean',), """
MAE_BEST_CONSTANT = 22
"""),

    # ------------------------------------------------------------------ lesson 03: init
    Mistake("xavier_uniform", "ignores the gain argument", ("gain",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "uses the variance formula sqrt(2/(fan_in+fan_out)) as the uniform bound", ('std formula',), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "draws from np.random instead of the given rng", ("rng",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-a, a, size=(fan_in, fan_out))
"""),
    Mistake("xavier_uniform", "returns shape (fan_out, fan_in) (PyTorch's weight layout)", ("shape",), """
def xavier_uniform(fan_in, fan_out, gain=1.0, rng=None):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))
"""),
    Mistake("he_normal", "passes the variance gain**2/fan_in as numpy's scale (which is the std)", ("std",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain ** 2 / fan_in, size=(fan_in, fan_out))
"""),
    Mistake("he_normal", "divides by fan_out instead of fan_in", ("fan_in",), """
def he_normal(fan_in, fan_out, gain=SQRT2, rng=None):
    return rng.normal(0.0, gain / np.sqrt(fan_out), size=(fan_in, fan_out))
"""),
    Mistake("layer_gradient_norms", "tanh derivative taken from the layer's input hs[k] instead of its output hs[k+1]",
            ('hs[k + 1]',), """
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
    Mistake("layer_gradient_norms", "backpropagates dh @ W.T without the tanh derivative", ("tanh",), """
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
    Mistake("layer_gradient_norms", "appends norms while going backwards: last layer first", ('last layer to the first',), """
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
    Mistake("layer_gradient_norms", "reports the norm of the backpropagated dL/dh instead of dL/dW", ("weight",), """
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
    Mistake("clip_grad_norm", "rebinds the list to scaled copies instead of scaling in place", ("in place",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coefficient = max_norm / (total_norm + 1e-6)
    if coefficient < 1.0:
        grads = [g * coefficient for g in grads]
    return total_norm
"""),
    Mistake("clip_grad_norm", "global norm computed as the sum of per-array norms", ("norm",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(sum(np.linalg.norm(g) for g in grads))
    coefficient = max_norm / (total_norm + 1e-6)
    if coefficient < 1.0:
        for g in grads:
            g *= coefficient
    return total_norm
"""),
    Mistake("clip_grad_norm", "always rescales to max_norm, also scaling small gradients up", ("below",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coefficient = max_norm / (total_norm + 1e-6)
    for g in grads:
        g *= coefficient
    return total_norm
"""),
    Mistake("clip_grad_norm", "clips each array by its own norm instead of the global norm", ("global",), """
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    for g in grads:
        n = np.linalg.norm(g)
        if n > max_norm:
            g *= max_norm / (n + 1e-6)
    return total_norm
"""),

    # ------------------------------------------------------------------ lesson 03: RNN
    Mistake("rnn_step_backward", "caches the pre-activation a and feeds it to the tanh backward as if it were h",
            ("pre-activation",), """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    a = x @ Wx + h_prev @ Wh + b
    h = np.tanh(a)
    return h, (x, h_prev, Wx, Wh, a)


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, a = cache
    return rnn_affine_backward(rnn_tanh_backward(dh, a), x, h_prev, Wx, Wh)
"""),
    Mistake("rnn_step_backward", "skips the tanh stage: passes dh directly to the affine backward", ("tanh",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    return rnn_affine_backward(dh, x, h_prev, Wx, Wh)
"""),
    Mistake("rnn_step_backward", "dWh computed with the current h instead of h_prev", ("h_prev",), """
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1.0 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_backward", "does not add the gradient flowing back from the next step (dh_next)", ("dh_next",), """
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
    Mistake("rnn_backward", "loops forward in time instead of reversed", ("reverse",), """
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
    Mistake("rnn_backward", "overwrites the weight gradients at each step instead of summing over time", ('overwritten',), """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx, Wh = cache[0][2], cache[0][3]
    dx = np.zeros((N, T, Wx.shape[0]))
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_next, cache[t])
    return dx, dh_next, dWx, dWh, db
"""),
    Mistake("rnn_step_backward_staged", "rnn_tanh_backward applies tanh to the saved output h again", ('applied to h again',), """
def rnn_tanh_backward(dh, h):
    return dh * (1.0 - np.tanh(h) ** 2)
"""),
    Mistake("rnn_step_backward_staged", "rnn_affine_backward swaps Wx and Wh in the input gradients", ("Wh",), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wh.T, da @ Wx.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
    Mistake("rnn_step_backward_staged", "rnn_affine_backward returns the weight gradients before dh_prev (wrong order)",
            ("order",), """
def rnn_affine_backward(da, x, h_prev, Wx, Wh):
    return da @ Wx.T, x.T @ da, h_prev.T @ da, da @ Wh.T, da.sum(axis=0)
"""),
    Mistake("q_sigmoid_largest_layer", "thinks the first layer has the largest gradient", ("last",), """
SIGMOID_LARGEST_LAYER = "a"
"""),
    Mistake("q_relu_scale2_factor", "answers the variance factor 4 instead of the norm factor 2", ("variance",), """
RELU_SCALE2_NORM_FACTOR = 4.0
"""),
    Mistake("q_bptt_slope", "uses the natural log: ln(0.8) = -0.223", ("log10",), """
BPTT_LOG10_SLOPE = -0.223
"""),
    Mistake("q_clip_ratio", "believes clipping repairs the decay through time (ratio shrinks by 10)", ('early time steps',), """
CLIP_DECAY_RATIO_FACTOR = 0.1
"""),

    # ------------------------------------------------------------------ lesson 04
    Mistake("sgd_step", "updates param in place (param -= lr * grad) and returns it", ("in place",), """
def sgd_step(param, grad, lr):
    param -= lr * grad
    return param
"""),
    Mistake("sgd_step", "gradient ascent: param + lr * grad", ('uphill',), """
def sgd_step(param, grad, lr):
    return param + lr * grad
"""),
    Mistake("sgd_momentum_step", "EMA-style buffer with dampening: momentum*buf + (1-momentum)*grad", ('(1-m)*grad',), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = momentum * state.get("momentum_buffer", np.zeros_like(param)) + (1 - momentum) * grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "folds the learning rate into the buffer (buf = momentum*buf + lr*grad)", ("learning rate",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = momentum * state.get("momentum_buffer", np.zeros_like(param)) + lr * grad
    return param - buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "updates the stored buffer in place (and aliases grad on the first step)", ("in place",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    if "momentum_buffer" not in state:
        buf = grad
    else:
        buf = state["momentum_buffer"]
        buf *= momentum
        buf += grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("sgd_momentum_step", "returns the state under the key 'velocity' instead of 'momentum_buffer'",
            ("momentum_buffer",), """
def sgd_momentum_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "velocity" not in state else momentum * state["velocity"] + grad
    return param - lr * buf, {"velocity": buf}
"""),
    Mistake("nesterov_step", "steps with lr * buf only: plain heavy-ball momentum, no look-ahead", ('heavy-ball',), """
def nesterov_step(param, grad, state, lr, momentum):
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * buf, {"momentum_buffer": buf}
"""),
    Mistake("nesterov_step", "look-ahead uses the previous buffer instead of the updated one", ("buffer",), """
def nesterov_step(param, grad, state, lr, momentum):
    old = state.get("momentum_buffer", np.zeros_like(param))
    buf = momentum * old + grad
    return param - lr * (grad + momentum * old), {"momentum_buffer": buf}
"""),
    Mistake("rmsprop_step", "forgets the (1 - alpha) factor on grad**2", ("alpha",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * state.get("square_avg", np.zeros_like(param)) + grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
"""),
    Mistake("rmsprop_step", "initialises square_avg with grad**2 on the first step instead of 0", ('starts at grad**2',), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    if "square_avg" not in state:
        square_avg = grad * grad
    else:
        square_avg = alpha * state["square_avg"] + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
"""),
    Mistake("rmsprop_step", "eps inside the square root", ("eps",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / np.sqrt(square_avg + eps), {"square_avg": square_avg}
"""),
    Mistake("rmsprop_step", "divides by the mean square (no square root)", ("sqrt",), """
def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    square_avg = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (square_avg + eps), {"square_avg": square_avg}
"""),
    Mistake("adam_step", "no bias correction", ("bias correction",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    new_param = param - lr * exp_avg / (np.sqrt(exp_avg_sq) + eps)
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
"""),
    Mistake("adam_step", "step counter incremented after the bias correction (divides by 1 - beta**0 = 0 on the first step)",
            ("step",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0)
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta2**step)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, {"step": step + 1, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
"""),
    Mistake("adam_step", "bias-corrects the second moment with beta1 instead of beta2", ("beta2",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta1**step)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
"""),
    Mistake("adam_step", "never stores the step: the returned state keeps step at its old value, bias correction stays at step 1",
            ("step",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0)
    t = step + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1**t)
    v_hat = exp_avg_sq / (1 - beta2**t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
"""),
    Mistake("adam_step", "second moment accumulates |grad| instead of grad**2", ("square",), """
def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * np.abs(grad)
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta2**step)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
"""),
    Mistake("q_effective_step", "divides the momenta (0.99 / 0.9 = 1.1) instead of 1/(1 - momentum)", ("1 - momentum",), """
EFFECTIVE_STEP_FACTOR = 1.1
"""),
    Mistake("q_noise_floor", "counts only the kick variance (lr**2): floor x 0.25", ("forget",), """
NOISE_FLOOR_FACTOR = 0.25
"""),
    Mistake("q_saddle_first", "expects momentum to escape the saddle first", ('proportional to the tiny gradient',), """
SADDLE_FIRST = "b"
"""),
    Mistake("q_blowup_lr", "uses the coefficient 2 as the curvature: 2/2 = 1.0 instead of 2/4", ("curvature",), """
BLOWUP_LR = 1.0
"""),
    Mistake("q_momentum_equal_step", "thinks momentum keeps its large advantage at equal effective step", ("effective",), """
MOMENTUM_EQUAL_STEP = "a"
"""),
]
