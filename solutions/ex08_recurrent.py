"""Lesson 08: recurrent networks for real: truncated BPTT and the LSTM.

Write the marked parts, save the file, and run the check cells of
``notebooks/08_recurrent.ipynb`` (or ``bplab check 08`` in a terminal).

Shapes follow torch (``torch.nn.LSTM`` with ``batch_first=True``): ``x`` is ``(N, T, D)``, states are
``(N, H)``, and the four gate blocks of ``Wx`` (D, 4H), ``Wh`` (H, 4H) and ``b`` (4H,) come in the order
input ``i``, forget ``f``, cell ``g``, output ``o``.

(These are the reference answers; ``bplab.nn.lstm`` and ``bplab.nn.rnn`` implement the same formulas for the
demos. That pair is the only intended repetition in the course.)
"""

import numpy as np

from bplab.nn import rnn_step_backward  # lesson 03's step backward, as bplab.nn has it (its cache format)


def sigmoid(a):
    """The logistic function, without overflow for large ``|a|`` (given: ``exp`` only of ``-|a|``)."""
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# -- 5. Truncated BPTT ---------------------------------------------------------------------------------------

def rnn_backward_truncated(dh, cache, truncate):
    """Backpropagation through time, truncated to ``truncate`` steps per loss term.

    The gradient of each loss term (each ``dh[:, t]``) flows back into ``h_t, h_{t-1}, ..., h_{t-truncate+1}``
    (and into the weights through those steps), then stops, as if ``h_{t-truncate}`` were a constant.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state.
    cache : list of tuple
        From ``bplab.nn.rnn_forward``; ``cache[t]`` is step ``t``'s, for ``rnn_step_backward``
        (imported above from ``bplab.nn``).
    truncate : int >= 1
        ``truncate >= T`` is full BPTT.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
        Non-zero only from loss terms whose window reaches back to the first step.
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
    """
    ### BEGIN SOLUTION  notebook 08, section "5. Truncated BPTT"
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
        if start == 0:
            dh0 += grad
    return dx, dh0, dWx, dWh, db
    ### END SOLUTION


# -- 6. The LSTM cell ----------------------------------------------------------------------------------------

def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step (``torch.nn.LSTMCell``).

    ``a = x @ Wx + h_prev @ Wh + b`` split into four blocks of ``H`` columns: ``i = σ(a_i)``, ``f = σ(a_f)``,
    ``g = tanh(a_g)``, ``o = σ(a_o)``; then ``c = f * c_prev + i * g`` and ``h = o * tanh(c)``.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    h_prev, c_prev : ndarray, shape (N, H)
    Wx : ndarray, shape (D, 4H)
    Wh : ndarray, shape (H, 4H)
    b : ndarray, shape (4H,)

    Returns
    -------
    h, c : ndarray, shape (N, H)
    cache : anything your backward functions need
    """
    ### BEGIN SOLUTION  notebook 08, section "6. The LSTM cell"
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h, c, cache
    ### END SOLUTION


# -- 7. Backward through one LSTM step, in stages ------------------------------------------------------------

def lstm_gate_gradients(dh, dc, cache):
    """The middle of the step's backward pass, in three stages.

    Parameters
    ----------
    dh, dc : ndarray, shape (N, H)
        Upstream gradients of this step's ``h`` and ``c``.
    cache : from your lstm_step_forward

    Returns
    -------
    dc_total : ndarray, shape (N, H)
        Stage 1: ``dL/dc``, everything that reaches the new cell state.
    dgates : ndarray, shape (N, 4H)
        Stage 2: ``dL/d[i, f, g, o]``, the gradients of the gate *values*, blocks in that order.
    da : ndarray, shape (N, 4H)
        Stage 3: ``dL/da``, the gradients of the pre-activations.
    """
    ### BEGIN SOLUTION  notebook 08, section "7. Backward through one LSTM step"
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    dgates = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tanh_c], axis=1)
    local = np.concatenate([i * (1.0 - i), f * (1.0 - f), 1.0 - g ** 2, o * (1.0 - o)], axis=1)
    da = dgates * local
    return dc_total, dgates, da
    ### END SOLUTION


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    Parameters
    ----------
    dh, dc : ndarray, shape (N, H)
        Upstream gradients of this step's ``h`` and ``c``.
    cache : from your lstm_step_forward

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev, dc_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)
    """
    ### BEGIN SOLUTION  notebook 08, section "7. Backward through one LSTM step"
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total, _, da = lstm_gate_gradients(dh, dc, cache)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


# -- 8. The LSTM through time ---------------------------------------------------------------------------------

def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """Run the LSTM over whole sequences.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
    Wx : ndarray, shape (D, 4H)
    Wh : ndarray, shape (H, 4H)
    b : ndarray, shape (4H,)
    c0 : ndarray, shape (N, H), optional
        Zeros when None (as torch).

    Returns
    -------
    h : ndarray, shape (N, T, H)
        Every hidden state (``h0`` excluded).
    cache : anything your lstm_backward needs (it must know whether c0 was given)
    """
    ### BEGIN SOLUTION  notebook 08, section "8. The LSTM through time"
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c_prev = np.zeros((N, H)) if c0 is None else c0
    h_prev, steps = h0, []
    for t in range(T):
        h_prev, c_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[:, t] = h_prev
        steps.append(step)
    return h, (steps, c0 is not None)
    ### END SOLUTION


def lstm_backward(dh, cache):
    """Backpropagation through time for the LSTM.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state ``h[:, t]`` (none reaches the cell states from outside).
    cache : from your lstm_forward

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)
    dc0 : ndarray, shape (N, H)
        Only when ``lstm_forward`` was given ``c0``, as the last element.
    """
    ### BEGIN SOLUTION  notebook 08, section "8. The LSTM through time"
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
    grads = (dx, dh_next, dWx, dWh, db)
    return grads + (dc_next,) if c0_given else grads
    ### END SOLUTION


# -- Questions (graded predictions): answer each BEFORE running the demo below it in the notebook --------------

# Question (notebook 08, section "3. Gradients through time, during training"). The vanilla RNN of section 2 at
# lag 20, seed 0: before training, the gradient reaching the first step is a tiny fraction of the one at the last
# step. After 150 updates of training, what has happened to the ratio ||dL/dh_1|| / ||dL/dh_T||?
#   (a) it shrank further   (b) it stayed about the same   (c) it grew
### BEGIN SOLUTION  notebook 08, section "3. Gradients through time, during training"
TRAINED_REACH = "c"
### END SOLUTION

# Question (notebook 08, section "4. Exploding gradients, and clipping"). Clipping by global norm rescales the
# whole gradient when its norm exceeds the threshold. What does it change about the update?
#   (a) its direction   (b) only its length   (c) its direction and its length   (d) nothing
### BEGIN SOLUTION  notebook 08, section "4. Exploding gradients, and clipping"
CLIPPING_CHANGES = "b"
### END SOLUTION

# Question (notebook 08, section "5. Truncated BPTT"). A sequence with lag 10 (11 steps, the label is the first
# input x_1, the loss reads h_T), trained with truncated BPTT of length 3. What is ∂L/∂x_1?
#   (a) the same as with full BPTT   (b) smaller but not zero   (c) exactly zero   (d) larger
### BEGIN SOLUTION  notebook 08, section "5. Truncated BPTT"
TRUNCATED_FIRST_INPUT = "c"
### END SOLUTION

# Question (notebook 08, section "8. The LSTM through time"). At initialization the forget gates sit near σ(b_f).
# Along the cell state alone, going one step back multiplies the gradient by f. With a forget-gate bias b_f = +3,
# after how many steps back has that gradient fallen by a factor of 10? (a Python number, or float(...) of an expression)
### BEGIN SOLUTION  notebook 08, section "8. The LSTM through time"
FORGET_BIAS_REACH = float(np.log(10.0) / -np.log(1.0 / (1.0 + np.exp(-3.0))))
### END SOLUTION

# Question (notebook 08, section "9. Try it: the gradient-through-time explorer"). At initialization, lag 40,
# 16 hidden units, but a forget-gate bias b_f = -2: which network has the larger ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖
# (the gradient reaching the first step, relative to the last)?
#   (a) the vanilla RNN   (b) the LSTM   (c) they are about equal
### BEGIN SOLUTION  notebook 08, section "9. Try it: the gradient-through-time explorer"
FURTHER_BACK = "a"
### END SOLUTION
