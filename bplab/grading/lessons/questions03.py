"""Lesson 03's graded predictions (see :mod:`bplab.grading.questions`).

Each answer follows from the lesson's theory (section 3's variance factor χ, section 9's
bound, section 10's rescaling), not from reading a figure; the explorers then show it.
"""

import math

from bplab.grading.questions import Choice, Number, question

MODULE = "ex03_vanishing"
SECTIONS = {
    "norms": 'notebook 03, section "7. Per-layer gradient norms"',
    "bptt": 'notebook 03, section "9. Backpropagation through time"',
    "clip": 'notebook 03, section "10. Gradient clipping"',
}

BPTT_SLOPE = math.log10(0.8)
"""Going back one step through a linear RNN with W_h = 0.8 Q (Q orthogonal) multiplies the norm by 0.8."""

CHECKS = [
    question(lesson="03", name="q_sigmoid_largest_layer", module=MODULE, answer="SIGMOID_LARGEST_LAYER",
             expected=Choice("c"),
             right="every layer multiplies the backward signal's variance by χ ≈ 0.02 (the norm by √χ ≈ 0.14), "
                   "so the gradient is largest where it starts, at the last layer, and shrinks on the way down",
             look="compute χ = n·Var[W]·E[f'²] for the standard init and the sigmoid (E[f'²] is at most 1/16): "
                  "is the gradient multiplied by more or less than 1 at each layer it goes back through?",
             mistakes={"a": "layer 1 is the one the gradient reaches last, after 49 factors of √χ: "
                            "is √χ above or below 1 here?",
                       "d": "equal sizes need χ = 1; work out n·Var[W] for U(-1/√n, 1/√n) and the sigmoid's E[f'²]"},
             hint=SECTIONS["norms"]),
    question(lesson="03", name="q_relu_scale2_factor", module=MODULE, answer="RELU_SCALE2_NORM_FACTOR",
             expected=Number(2.0, rel_tol=0.02),
             right="scaling the weights by 2 multiplies Var[W] by 4, so χ = n·(4·2/n)·½ = 4 and the norm, "
                   "the square root of the second moment, grows by √4 = 2 per layer",
             look="χ multiplies the second moment E[(∂L/∂a)²]; the norm is its square root. Work out "
                  "n·Var[W]·E[relu'²] with Var[W] = 2/n times the scale squared",
             mistakes={"4": "4 is χ, the factor on the variance (second moment); the norm changes by its square root",
                       "1": "1 is He's factor at scale 1; the scale enters Var[W] squared",
                       "8": "He's Var[W] = 2/n already contains the 2 that makes up for ReLU's E[f'²] = 1/2",
                       "1.414": "the scale multiplies every weight, so Var[W] by 4, not by 2"},
             hint=SECTIONS["norms"]),
    question(lesson="03", name="q_bptt_slope", module=MODULE, answer="BPTT_LOG10_SLOPE",
             expected=Number(BPTT_SLOPE, rel_tol=0.03),
             right="a linear step back multiplies ∂L/∂h by W_hᵀ, and every singular value of 0.8·Q is 0.8: "
                   "the norm shrinks by exactly 0.8 per step, a slope of log10(0.8) ≈ −0.097",
             look="what does one step back multiply ∂L/∂h_t by when there is no nonlinearity? What does an "
                  "orthogonal matrix do to a vector's norm? Then take log10 of the factor per step",
             mistakes={str(2 * BPTT_SLOPE): "that is the slope of the squared norm; the norm itself shrinks by 0.8",
                       "-0.2": "0.2 = 1 − ρ is the first-order guess of the fraction lost per step; "
                               "the slope is a change of log10 of the norm",
                       "-0.2231": "that is the natural logarithm of 0.8; the question asks for log10",
                       "0.8": "0.8 is the factor per step; the slope of log10 of the norm is its logarithm",
                       str(-BPTT_SLOPE): "the gradient shrinks going back (ρ < 1): the slope is negative"},
             hint=SECTIONS["bptt"]),
    question(lesson="03", name="q_clip_ratio", module=MODULE, answer="CLIP_DECAY_RATIO_FACTOR",
             expected=Number(1.0, abs_tol=0.01),
             right="clipping multiplies the whole gradient by one number, so every time step's contribution shrinks "
                   "by the same factor and their ratio is unchanged: clipping caps explosions, it cannot cure "
                   "vanishing",
             look="reread how clipping rescales the gradient: does it treat what the early time steps contributed "
                  "differently from what the late ones contributed? Follow c = max_norm / (‖g‖ + 1e-6) into both",
             mistakes={"0": "a factor near 0 is what clipping does to the gradient's size, c = max_norm / ‖g‖; "
                            "the question is about the ratio of the first step's share to the last step's",
                       "2": "clipping never changes one time step's share of the gradient: every step is "
                            "multiplied by the same c"},
             hint=SECTIONS["clip"]),
]
