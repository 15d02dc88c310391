"""Lesson 04: optimizers as update rules.

Write the marked parts of each function, save the file, and run the check cells of
``notebooks/04_optimizers.ipynb`` (or ``bplab check 04``).

Every function here is one step of an optimizer on one parameter array, written as a
pure function with an explicit state::

    state = {}                                   # the first step starts from an empty state
    for t in range(100):
        grad = gradient_at(param)
        param, state = adam_step(param, grad, state, lr=1e-3)

Each step returns the new parameter and the new state; it never changes ``param``,
``grad`` or the arrays inside ``state`` in place (make new arrays). The state's keys are
the names torch.optim uses (``"momentum_buffer"``, ``"square_avg"``, ``"exp_avg"``,
``"exp_avg_sq"``, ``"step"``), and the rules are torch's, so the numbers you get are the
numbers PyTorch gives.

The optimizer race runs on your step functions once their checks pass ("powered by your
code"); until then, and in the other demos, the notebook uses ``bplab.optim``, which
implements the same rules as in-place optimizer classes.
"""

import numpy as np


def sgd_step(param, grad, lr):
    """One step of plain gradient descent: ``param - lr * grad``.

    Parameters
    ----------
    param, grad : ndarray of float64, same shape
    lr : float

    Returns
    -------
    new_param : ndarray of float64, same shape
    """
    ### BEGIN SOLUTION  notebook 04, section "1. Gradient descent and the learning rate"
    return param - lr * grad
    ### END SOLUTION


def sgd_momentum_step(param, grad, state, lr, momentum):
    """One step of SGD with (heavy-ball) momentum, as ``torch.optim.SGD(lr=lr, momentum=momentum)``.

    The buffer accumulates gradients, without the learning rate::

        buf = grad                           on the first step (state is empty)
        buf = momentum * buf + grad          afterwards
        new_param = param - lr * buf

    Parameters
    ----------
    param, grad : ndarray of float64, same shape
    state : dict
        ``{}`` on the first step, then what the previous step returned:
        ``{"momentum_buffer": ndarray}``.
    lr, momentum : float

    Returns
    -------
    new_param : ndarray
    new_state : dict
        ``{"momentum_buffer": buf}``.
    """
    ### BEGIN SOLUTION  notebook 04, section "3. Momentum and Nesterov"
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * buf, {"momentum_buffer": buf}
    ### END SOLUTION


def nesterov_step(param, grad, state, lr, momentum):
    """One step of Nesterov momentum in PyTorch's form (``SGD(..., nesterov=True)``).

    Same buffer as :func:`sgd_momentum_step`, but the step looks one buffer ahead::

        buf = grad  (first step),  buf = momentum * buf + grad  (afterwards)
        new_param = param - lr * (grad + momentum * buf)

    Parameters
    ----------
    param, grad : ndarray of float64, same shape
    state : dict
        ``{}`` or ``{"momentum_buffer": ndarray}``.
    lr, momentum : float

    Returns
    -------
    new_param : ndarray
    new_state : dict
        ``{"momentum_buffer": buf}``.
    """
    ### BEGIN SOLUTION  notebook 04, section "3. Momentum and Nesterov"
    buf = grad.copy() if "momentum_buffer" not in state else momentum * state["momentum_buffer"] + grad
    return param - lr * (grad + momentum * buf), {"momentum_buffer": buf}
    ### END SOLUTION


def rmsprop_step(param, grad, state, lr, alpha=0.99, eps=1e-8):
    """One step of RMSProp, as ``torch.optim.RMSprop(lr, alpha, eps)``.

    ::

        square_avg = alpha * square_avg + (1 - alpha) * grad ** 2     (square_avg starts at 0)
        new_param = param - lr * grad / (sqrt(square_avg) + eps)      (eps outside the root)

    Parameters
    ----------
    param, grad : ndarray of float64, same shape
    state : dict
        ``{}`` or ``{"square_avg": ndarray}``.
    lr, alpha, eps : float

    Returns
    -------
    new_param : ndarray
    new_state : dict
        ``{"square_avg": square_avg}``.
    """
    ### BEGIN SOLUTION  notebook 04, section "5. AdaGrad and RMSProp"
    square_avg = alpha * state.get("square_avg", np.zeros_like(param)) + (1 - alpha) * grad * grad
    return param - lr * grad / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}
    ### END SOLUTION


def adam_step(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """One step of Adam with bias correction, as ``torch.optim.Adam(lr, betas, eps)``.

    ::

        step = step + 1                                  (step starts at 0)
        exp_avg    = beta1 * exp_avg    + (1 - beta1) * grad        (both start at 0)
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad ** 2
        m_hat = exp_avg / (1 - beta1 ** step)
        v_hat = exp_avg_sq / (1 - beta2 ** step)
        new_param = param - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    param, grad : ndarray of float64, same shape
    state : dict
        ``{}`` or ``{"step": int, "exp_avg": ndarray, "exp_avg_sq": ndarray}``.
    lr : float
    betas : (float, float)
    eps : float

    Returns
    -------
    new_param : ndarray
    new_state : dict
        ``{"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}``.
    """
    ### BEGIN SOLUTION  notebook 04, section "6. Adam and AdamW"
    beta1, beta2 = betas
    step = state.get("step", 0) + 1
    exp_avg = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta2**step)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    ### END SOLUTION


# Questions: write each answer BEFORE you run the demo it is about.

# Q (notebook 04, section "4. The best step on a quadratic"). SGD with momentum at a fixed learning rate:
# the momentum goes from 0.9 to 0.99. By what factor does the effective step lr / (1 - momentum) grow?
# (a number)
### BEGIN SOLUTION  notebook 04, section "4. The best step on a quadratic"
EFFECTIVE_STEP_FACTOR = 10
### END SOLUTION

# Q (notebook 04, section "7. Learning-rate schedules"). Mini-batch SGD at a constant learning rate on a
# least-squares problem ends jiggling around the minimum: its excess loss L(w) - L(w*) settles at a noise
# floor. Halve the learning rate (same batch size, enough steps to settle): the floor is multiplied by
# about what? (a number. Two things set the floor: how much each step's random kick adds, and how fast the
# pull towards the minimum, a factor 1 - lr * h per step, forgets old kicks.)
### BEGIN SOLUTION  notebook 04, section "7. Learning-rate schedules"
NOISE_FLOOR_FACTOR = 0.5
### END SOLUTION

# Q (notebook 04, section "8. The optimizer race"). On the saddle x² - y², starting at (-1.5, 0.001) where the
# gradient along y is tiny: SGD (lr 0.01), Momentum (lr 0.01, momentum 0.9) and Adam (lr 0.05). Which one
# is first to get past y = ±1 (to leave the saddle)?
#   (a) SGD   (b) Momentum   (c) Adam   (d) all at about the same step
# Write the letter in quotes, for example SADDLE_FIRST = "a".
### BEGIN SOLUTION  notebook 04, section "8. The optimizer race"
SADDLE_FIRST = "c"
### END SOLUTION

# Q (notebook 04, section "9. Choosing a learning rate"). Gradient descent on L(x) = 2 x², in a range test
# whose learning rate grows a little at every step. Above which learning rate does the loss
# start to grow? (a number)
### BEGIN SOLUTION  notebook 04, section "9. Choosing a learning rate"
BLOWUP_LR = 0.5
### END SOLUTION

# Q (notebook 04, section "10. A fair race on the network"). On the spiral network, SGD at lr 0.1 against momentum
# 0.9 at lr 0.1 (effective step 1.0) shows a large gap. Now momentum runs at lr 0.01, whose effective step is SGD's
# 0.1. Compared with the race at equal lr, how does it end against SGD?
#   (a) far below SGD again, about as at equal lr
#   (b) close to SGD: the gap shrinks to a small fraction of the equal-lr gap
#   (c) far above SGD
# Write the letter in quotes, for example MOMENTUM_EQUAL_STEP = "a".
### BEGIN SOLUTION  notebook 04, section "10. A fair race on the network"
MOMENTUM_EQUAL_STEP = "b"
### END SOLUTION
