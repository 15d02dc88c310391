"""Lesson 01: local derivatives, the staged backward pass, the learner's Value."""

from tests.mistakes import Mistake


def value_rule(old, new, check, what, keywords):
    """A mistake in one line of the Value class (replaced in the solution's source)."""
    return Mistake(check, what, keywords, replace=((old, new),))


MISTAKES = [
    # -- local derivatives
    Mistake("local_derivatives", "d_tanh from x as if it were tanh(x)", ("tanh(x)", "d_tanh"), """
def d_tanh(x):
    return 1 - x ** 2
"""),
    Mistake("local_derivatives", "d_tanh = 1 - tanh", ("1 - tanh(x)**2",), """
def d_tanh(x):
    return 1 - np.tanh(x)
"""),
    Mistake("local_derivatives", "d_sigmoid from x", ("sigmoid(x)", "d_sigmoid"), """
def d_sigmoid(x):
    return x * (1 - x)
"""),
    Mistake("local_derivatives", "d_sigmoid returns sigmoid", ("function itself",), """
def d_sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""),
    Mistake("local_derivatives", "d_relu with x >= 0", ("x == 0", "x > 0"), """
def d_relu(x):
    return (np.asarray(x) >= 0).astype(np.float64)
"""),
    Mistake("local_derivatives", "d_relu returns booleans", ("dtype",), """
def d_relu(x):
    return np.asarray(x) > 0
"""),
    Mistake("local_derivatives", "d_relu returns relu", ("function itself",), """
def d_relu(x):
    return np.maximum(x, 0.0)
"""),
    Mistake("local_derivatives", "d_power without n", ("factor n",), """
def d_power(x, n):
    return x ** (n - 1)
"""),
    Mistake("local_derivatives", "d_power keeps the power", ("drop by one",), """
def d_power(x, n):
    return n * x ** n
"""),
    Mistake("local_derivatives", "d_log = -1/x**2", ("1 / x",), """
def d_log(x):
    return -1 / x ** 2
"""),
    Mistake("local_derivatives", "d_exp by the power rule", ("exp",), """
def d_exp(x):
    return x * np.exp(x - 1)
"""),
    # -- staged
    Mistake("staged_fanout", "third use of x dropped", ("x is used 3 times",), replace=(
        ("dx = dx + dnum ", "dx = dx "),)),
    Mistake("staged_fanout", "dx overwritten by the sigmoid branch", ("not accumulated",), replace=(
        ("dx = dx + sig_x * (1 - sig_x) * dsig_x", "dx = sig_x * (1 - sig_x) * dsig_x"),)),
    Mistake("staged_fanout", "minus sign of 1/den missing", ("-1/den**2", "minus"), replace=(
        ("dden = -1.0 / den ** 2 * dinv_den", "dden = 1.0 / den ** 2 * dinv_den"),)),
    Mistake("staged_fanout", "factor 2 of the square missing", ("factor 2",), replace=(
        ("dxpy = 2 * xpy * dxpy_sq", "dxpy = xpy * dxpy_sq"),)),
    Mistake("staged_fanout", "y's sigmoid branch dropped", ("y is used 2 times",), replace=(
        ("dy = dy + sig_y * (1 - sig_y) * dsig_y", "dy = dy"),)),
    Mistake("staged_fanout", "sigmoid derivative from the input", ("output",), replace=(
        ("dx = dx + sig_x * (1 - sig_x) * dsig_x", "dx = dx + x * (1 - x) * dsig_x"),
        ("dy = dy + sig_y * (1 - sig_y) * dsig_y", "dy = dy + y * (1 - y) * dsig_y"),
        ("sig_y, num, sig_x, xpy, den, inv_den = cache", "sig_y, num, sig_x, xpy, den, inv_den, x, y = cache"),
        ("cache = (sig_y, num, sig_x, xpy, den, inv_den)", "cache = (sig_y, num, sig_x, xpy, den, inv_den, x, y)"))),
    Mistake("staged_fanout", "cache changed in place", ("cache", "in place"), replace=(
        ("    dnum = inv_den * df\n", "    dnum = inv_den * df\n    num *= df\n    dinv_den = num\n"),
        ("    dinv_den = num * df\n", ""))),
    # -- Value: + and *
    value_rule("            self.grad += out.grad\n            other.grad += out.grad",
               "            self.grad = out.grad\n            other.grad = out.grad",
               "value_add_mul", "add overwrites", ("overwritten", "+=")),
    value_rule("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
               "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
               "value_add_mul", "mul overwrites", ("overwritten", "+=")),
    value_rule("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
               "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad",
               "value_add_mul", "mul swaps the factors", ("__mul__", "swaps")),
    value_rule("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
               "            self.grad += other.data\n            other.grad += self.data",
               "value_add_mul", "mul forgets out.grad", ("__mul__", "out.grad")),
    # -- Value: ** (and - / built on it)
    value_rule("            self.grad += n * self.data ** (n - 1) * out.grad",
               "            self.grad += n * self.data ** n * out.grad",
               "value_pow_sub_div", "pow keeps the power", ("__pow__", "n * x**(n - 1)")),
    value_rule("            self.grad += n * self.data ** (n - 1) * out.grad",
               "            self.grad += self.data ** (n - 1) * out.grad",
               "value_pow_sub_div", "pow misses n", ("__pow__", "factor n")),
    # -- Value: unary
    value_rule("            self.grad += (1.0 - out.data ** 2) * out.grad",
               "            self.grad += (1.0 - self.data ** 2) * out.grad",
               "value_unary", "tanh from the input", ("tanh", "output")),
    value_rule("            self.grad += (1.0 - out.data ** 2) * out.grad",
               "            self.grad += 1.0 - out.data ** 2",
               "value_unary", "tanh forgets out.grad", ("tanh", "out.grad")),
    value_rule("            self.grad += out.data * (1.0 - out.data) * out.grad",
               "            self.grad += self.data * (1.0 - self.data) * out.grad",
               "value_unary", "sigmoid from the input", ("sigmoid", "output")),
    value_rule("            self.grad += out.grad / self.data",
               "            self.grad += out.grad / out.data",
               "value_unary", "log divides by the output", ("log", "1 / self.data")),
    value_rule("            self.grad += out.grad / self.data",
               "            self.grad += 1.0 / self.data",
               "value_unary", "log forgets out.grad", ("log", "out.grad")),
    value_rule("            self.grad += out.data * out.grad\n",
               "            self.grad += out.data\n",
               "value_unary", "exp forgets out.grad", ("exp", "out.grad")),
    value_rule("            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad",
               "            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad",
               "value_unary", "relu with >= 0", ("relu", ">= 0")),
    value_rule("            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad",
               "            self.grad += out.grad",
               "value_unary", "relu passes everything", ("relu", "> 0")),
    # -- Value: backward()
    value_rule("            elif id(node) not in visited:\n                visited.add(id(node))\n",
               "            else:\n",
               "value_deep_chain", "no visited set (times out)", ("visited",)),
    value_rule("            elif id(node) not in visited:\n                visited.add(id(node))\n",
               "            else:\n",
               "value_random_expressions", "no visited set (counts twice)", ("visited",)),
    value_rule("        for node in reversed(order):", "        for node in order:",
               "value_add_mul", "rules run from the leaves", ("wrong order", "reversed")),
    value_rule("        self.grad = 1.0\n        for node", "        for node",
               "value_add_mul", "no seed", ("self.grad = 1",)),
    value_rule("        order, visited, stack = [], set(), [(self, False)]\n",
               "        order, visited = [], set()\n\n        def build(v):\n            if v not in visited:\n"
               "                visited.add(v)\n                for child in v.children:\n                    build(child)\n"
               "                order.append(v)\n\n        build(self)\n        stack = []\n",
               "value_deep_chain", "recursive topological sort", ("explicit stack",)),
]

MISTAKES += [
    value_rule("            self.grad += n * self.data ** (n - 1) * out.grad",
               "            self.grad += n * self.data ** n * out.grad",
               "value_random_expressions", "pow keeps the power", ("__pow__", "n * x**(n - 1)")),
    value_rule("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
               "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
               "value_random_expressions", "mul overwrites", ("overwrite", "+=")),
]
