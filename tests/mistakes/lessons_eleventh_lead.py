"""Mistakes that write a value of the wrong shape into a slice (the lead's, after the held-out measurement)."""

from tests.mistakes import Mistake

MISTAKES = [
    Mistake("linear_backward", "dW filled with a transposed product", ("dW[:, :]", "transposed"), """
def linear_backward(dout, cache):
    x, W, b = cache
    dW = np.zeros_like(W)
    dW[:, :] = dout.T @ x
    return dout @ W.T, dW, dout.sum(axis=0)
"""),
    Mistake("linear_backward", "db written into a slot of another shape", ("db[:]", "slot's shape"), """
def linear_backward(dout, cache):
    x, W, b = cache
    db = np.zeros_like(b)
    db[:] = dout
    return dout @ W.T, x.T @ dout, db
"""),
]
