"""Lesson 00: the gradient of sum(x ** 2)."""

from tests.mistakes import Mistake

C = "sum_of_squares_gradient"
MISTAKES = [
    Mistake(C, "factor 2 missing", ("2",  "missing"), """
def sum_of_squares_gradient(x):
    return np.asarray(x, dtype=np.float64).copy()
"""),
    Mistake(C, "returned x**2, the function's terms", ("x ** 2", "derivative"), """
def sum_of_squares_gradient(x):
    return x ** 2
"""),
    Mistake(C, "summed to a scalar", ("one entry per",), """
def sum_of_squares_gradient(x):
    return np.sum(2 * x)
"""),
    Mistake(C, "doubled x in place", ("in place",), """
def sum_of_squares_gradient(x):
    x *= 2
    return x
"""),
    Mistake(C, "no return", ("return",), """
def sum_of_squares_gradient(x):
    grad = 2 * x
"""),
    Mistake(C, "integer result", ("dtype",), """
def sum_of_squares_gradient(x):
    return (2 * x).astype(int)
"""),
    Mistake(C, "2 * x squared", ("2 * x ** 2", "derivative"), """
def sum_of_squares_gradient(x):
    return 2 * x ** 2
"""),
]
