"""Lesson 08's graded predictions (see :mod:`bplab.grading.questions`).

The number: the forget gate's reach is ``ln 10 / -ln σ(3) = 47.4`` steps; a 5 % tolerance accepts any sound
calculation and rejects the usual slips listed as mistakes (b_f = 0, a factor e instead of 10, the wrong sign).
(Lesson 03 asks for the slope of log10 ‖∂L/∂h_t‖ for a linear RNN; this lesson does not repeat it.)
"""

import math

from bplab.grading.questions import Choice, Number, question

MODULE = "ex08_recurrent"
SIGMA_3 = 1.0 / (1.0 + math.exp(-3.0))
REACH = math.log(10.0) / -math.log(SIGMA_3)

CHECKS = [
    question(lesson="08", name="q_trained_reach", module=MODULE, answer="TRAINED_REACH",
             expected=Choice("c", options="abc"),
             right="training grows W_h (its spectral norm goes from about 1 to about 5 here), so one step back "
                   "shrinks the gradient much less: learning a long dependency starts with learning to pass the "
                   "gradient back",
             look="watch the right panel: what happens to the spectral norm of W_h during training, and what does "
                  "that do to the factor one step back multiplies the gradient by?",
             mistakes={"a": "compare the two printed ratios, before and after training; then think about what a "
                            "larger W_h does to the factor one step back multiplies the gradient by",
                       "b": "W_h changes a lot during training (see its spectral norm)"},
             hint='notebook 08, section "3. Gradients through time, during training"'),
    question(lesson="08", name="q_clipping_changes", module=MODULE, answer="CLIPPING_CHANGES",
             expected=Choice("b"),
             right="every gradient is multiplied by the same number max_norm / (norm + 1e-6): the direction of the "
                   "whole update is kept, only its length is capped",
             look="write the clipped gradient as a function of the original one: is every entry scaled by the same "
                  "factor?",
             mistakes={"a": "clipping multiplies every entry by the same positive factor, and a vector scaled by a "
                            "positive number keeps its direction (the demo's cosine before/after is 1)",
                       "c": "clipping multiplies every entry by the same positive factor, and a vector scaled by a "
                            "positive number keeps its direction (the demo's cosine before/after is 1)",
                       "d": "compare the two norms the demo prints, before and after clipping"},
             hint='notebook 08, section "4. Exploding gradients, and clipping"'),
    question(lesson="08", name="q_truncated_first_input", module=MODULE, answer="TRUNCATED_FIRST_INPUT",
             expected=Choice("c"),
             right="the loss term at T reaches back only through h_T, h_{T-1}, h_{T-2}; x_1 enters at step 1, "
                   "10 steps before h_T, so no path within the window leads to it",
             look="list the steps whose inputs the truncated backward pass visits for the loss at the last step",
             mistakes={"b": "truncation does not weaken far gradients, it cuts them: x_1's step is 10 steps back, "
                            "outside the 3-step window of the loss at the last step, so no path reaches it",
                       "a": "truncation changes which steps the gradient reaches"},
             hint='notebook 08, section "5. Truncated BPTT"'),
    question(lesson="08", name="q_forget_bias_reach", module=MODULE, answer="FORGET_BIAS_REACH",
             expected=Number(REACH, rel_tol=0.05),
             right="the gradient along the cell state is multiplied by f ≈ σ(3) = 0.953 per step, so it needs "
                   "ln 10 / -ln 0.953 ≈ 47 steps to shrink 10 times (with b_f = 0, f = 1/2, only 3.3 steps)",
             look="the gradient after k steps is σ(b_f)^k times what it was: solve σ(3)^k = 1/10 for k",
             mistakes={math.log(10.0) / math.log(2.0): "that is b_f = 0 (f = σ(0) = 1/2): the bias is +3",
                       1.0 / -math.log(SIGMA_3): "that is a factor e; the question asks for a factor of 10",
                       -REACH: "a number of steps is positive",
                       math.log(10.0) / -math.log(1.0 - SIGMA_3): "that uses σ(-3) ≈ 0.047 for the forget gate: with "
                       "b_f = +3 the gate is σ(+3) ≈ 0.953, close to 1",
                       math.log(10.0): "that is ln 10 alone: divide it by -ln σ(3), the log of the factor one step "
                       "multiplies the gradient by (k = ln 10 / -ln σ(3))"},
             hint='notebook 08, section "8. The LSTM through time"'),
    question(lesson="08", name="q_further_back", module=MODULE, answer="FURTHER_BACK",
             expected=Choice("a", options="abc"),
             right="with b_f = -2 the cell path multiplies the gradient by about σ(-2) ≈ 0.12 per step, about 1e-37 "
                   "over 40 steps, while the RNN loses a factor of about 0.6 per step (7e-05 over 20 steps in section "
                   "8): the LSTM's reach is its forget gates, not its name",
             look="compare what one step back multiplies the gradient by: along the LSTM's cell path σ(b_f), in the "
                  "RNN the factor that gave section 8's ratio at lag 20; then raise each to the 40th power",
             mistakes={"b": "the cell path passes the gradient on only as well as the forget gates let it: what is "
                            "σ(-2), and what is it to the 40th power?",
                       "c": "the two lose very different factors per step: about 0.12 along the cell path with b_f = -2, "
                            "against the RNN's per-step factor from section 8 (7e-05 over 20 steps)"},
             hint='notebook 08, section "9. Try it: the gradient-through-time explorer"'),
]
