"""Lesson 08's graded predictions (see :mod:`bplab.grading.questions`).

Numbers: a linear RNN with ``W_h = 0.9 Q`` (Q orthogonal) scales ``‖∂L/∂h_t‖`` by exactly 0.9 per step back,
so log10 changes by ``log10 0.9 = -0.0458``; the forget gate's reach is ``ln 10 / -ln σ(3) = 47.4`` steps.
Tolerances (5 %) accept any sound calculation and reject the usual slips listed as mistakes (natural log, the
factor itself, the wrong sign, b_f = 0, a factor e instead of 10).
"""

import math

from bplab.grading.questions import Choice, Number, question

MODULE = "ex08_recurrent"
SIGMA_3 = 1.0 / (1.0 + math.exp(-3.0))
SLOPE = math.log10(0.9)
REACH = math.log(10.0) / -math.log(SIGMA_3)

CHECKS = [
    question(lesson="08", name="q_log_slope", module=MODULE, answer="LOG10_SLOPE_PER_STEP",
             expected=Number(SLOPE, rel_tol=0.05),
             right="every step back multiplies the gradient by W_h^T, whose singular values are all 0.9: the norm "
                   "shrinks by exactly 0.9 per step, a straight line of slope log10 0.9 = -0.046 on a log axis",
             look="how does one step back act on the gradient (which matrix multiplies it, and what are its "
                  "singular values)? Then take log10 of that factor",
             mistakes={-SLOPE: "the gradient shrinks going back (0.9 < 1): the change is negative",
                       0.9: "0.9 is the factor per step; the question asks for the change of log10 of the norm",
                       math.log(0.9): "that is the natural logarithm; the question asks for log10",
                       -0.1: "0.9 is 10 % less, but log10 0.9 is not -0.1: compute it"},
             hint='notebook 08, section "3. Gradients through time, during training"'),
    question(lesson="08", name="q_clipping_changes", module=MODULE, answer="CLIPPING_CHANGES",
             expected=Choice("b"),
             right="every gradient is multiplied by the same number max_norm / (norm + 1e-6): the direction of the "
                   "whole update is kept, only its length is capped",
             look="write the clipped gradient as a function of the original one: is every entry scaled by the same "
                  "factor?",
             mistakes={"a": "all entries are scaled by one positive number: the direction cannot change",
                       "c": "all entries are scaled by one positive number: the direction cannot change",
                       "d": "when the norm exceeds the threshold the update does get shorter"},
             hint='notebook 08, section "4. Exploding gradients, and clipping"'),
    question(lesson="08", name="q_truncated_first_input", module=MODULE, answer="TRUNCATED_FIRST_INPUT",
             expected=Choice("c"),
             right="the loss term at T reaches back only through h_T, h_{T-1}, h_{T-2}; x_0 enters at the first "
                   "step, 10 steps before, so no path within the window leads to it",
             look="list the steps whose inputs the truncated backward pass visits for the loss at the last step",
             mistakes={"b": "truncation does not shrink the far gradient, it cuts it: is x_0 inside the window?",
                       "a": "truncation changes which steps the gradient reaches"},
             hint='notebook 08, section "5. Truncated BPTT"'),
    question(lesson="08", name="q_forget_bias_reach", module=MODULE, answer="FORGET_BIAS_REACH",
             expected=Number(REACH, rel_tol=0.05),
             right="the gradient along the cell state is multiplied by f ≈ σ(3) = 0.953 per step, so it needs "
                   "ln 10 / -ln 0.953 ≈ 47 steps to shrink 10 times (with b_f = 0, f = 1/2, only 3.3 steps)",
             look="the gradient after k steps is σ(b_f)^k times what it was: solve σ(3)^k = 1/10 for k",
             mistakes={math.log(10.0) / math.log(2.0): "that is b_f = 0 (f = σ(0) = 1/2): the bias is +3",
                       1.0 / -math.log(SIGMA_3): "that is a factor e; the question asks for a factor of 10",
                       -REACH: "a number of steps is positive"},
             hint='notebook 08, section "8. The LSTM through time"'),
    question(lesson="08", name="q_further_back", module=MODULE, answer="FURTHER_BACK",
             expected=Choice("b", options="abc"),
             right="the RNN multiplies the gradient by diag(tanh') W_h^T (norm well below 1 at torch's "
                   "initialization) at every step; the LSTM's cell state passes it on through f ≈ σ(3)",
             look="compare what one step back multiplies the gradient by in each network at initialization",
             mistakes={"a": "at torch's initialization W_h's singular values are below 1 and tanh' ≤ 1: the RNN's "
                             "gradient shrinks at every step",
                       "c": "one network has a path where the gradient is multiplied by about 0.95 per step"},
             hint='notebook 08, section "9. Try it: the gradient-through-time explorer"'),
]
