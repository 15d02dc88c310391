# Generated from solutions/ex08_recurrent.py by `bplab build-exercises`: edit the marked functions.
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
    raise NotImplementedError('rnn_backward_truncated: not written yet. Read notebook 08, section "5. Truncated BPTT".')


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
    raise NotImplementedError('lstm_step_forward: not written yet. Read notebook 08, section "6. The LSTM cell".')


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
    raise NotImplementedError('lstm_gate_gradients: not written yet. Read notebook 08, section "7. Backward through one LSTM step".')


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
    raise NotImplementedError('lstm_step_backward: not written yet. Read notebook 08, section "7. Backward through one LSTM step".')


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
    raise NotImplementedError('lstm_forward: not written yet. Read notebook 08, section "8. The LSTM through time".')


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
    raise NotImplementedError('lstm_backward: not written yet. Read notebook 08, section "8. The LSTM through time".')


# -- Questions (graded predictions): answer each BEFORE running the demo below it in the notebook --------------

# Question (notebook 08, section "3. Gradients through time, during training"). The vanilla RNN of section 2 at
# lag 20, seed 0: before training, the gradient reaching the first step is a tiny fraction of the one at the last
# step. After 150 updates of training, what has happened to the ratio ||dL/dh_1|| / ||dL/dh_T||?
#   (a) it shrank further   (b) it stayed about the same   (c) it grew
TRAINED_REACH = None

# Question (notebook 08, section "4. Exploding gradients, and clipping"). Clipping by global norm rescales the
# whole gradient when its norm exceeds the threshold. What does it change about the update?
#   (a) its direction   (b) only its length   (c) its direction and its length   (d) nothing
CLIPPING_CHANGES = None

# Question (notebook 08, section "5. Truncated BPTT"). A sequence with lag 10 (11 steps, the label is the first
# input x_1, the loss reads h_T), trained with truncated BPTT of length 3. What is ∂L/∂x_1?
#   (a) the same as with full BPTT   (b) smaller but not zero   (c) exactly zero   (d) larger
TRUNCATED_FIRST_INPUT = None

# Question (notebook 08, section "8. The LSTM through time"). At initialization the forget gates sit near σ(b_f).
# Along the cell state alone, going one step back multiplies the gradient by f. With a forget-gate bias b_f = +3,
# after how many steps back has that gradient fallen by a factor of 10? (a Python number, or float(...) of an expression)
FORGET_BIAS_REACH = None

# Question (notebook 08, section "9. Try it: the gradient-through-time explorer"). At initialization, lag 40,
# 16 hidden units, but a forget-gate bias b_f = -2: which network has the larger ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖
# (the gradient reaching the first step, relative to the last)?
#   (a) the vanilla RNN   (b) the LSTM   (c) they are about equal
FURTHER_BACK = None
