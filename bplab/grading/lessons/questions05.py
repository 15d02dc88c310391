"""Lesson 05's graded predictions (see :mod:`bplab.grading.questions`)."""

from bplab.grading.questions import Choice, Number, question

MODULE = "ex05_regularization"
SECTIONS = {
    "lab": 'notebook 05, section "1. Overfitting and generalization"',
    "l1": 'notebook 05, section "3. L1: sparsity and the subgradient"',
    "dropout": 'notebook 05, section "4. Dropout"',
    "bn": 'notebook 05, section "6. Batch normalization"',
}

CHECKS = [
    question(lesson="05", name="q_l1_zero_share", module=MODULE, answer="L1_ZERO_SHARE",
             expected=Choice("d"),
             right="soft-thresholding removes lr * strength from every weight at every step and stops at exactly 0;"
                   " only weights whose data gradient keeps pushing them out survive, and a network this over-sized"
                   " needs few of its 1,152 weights for 40 points",
             look="set L1 = 0.01 in the lab, train to the end and read the histogram's bar of exact zeros; think of"
                  " how many weights 40 points can keep busy",
             mistakes={"a": "exact zeros are what the soft-threshold makes: any weight whose size falls below the"
                            " threshold lands on 0.0 exactly (no exact zeros is what L2 gives)",
                       "b": "the threshold is removed at every one of 300 steps: a weight the data does not keep"
                            " pushing out goes to 0 and stays there, and that is most of them",
                       "c": "count again in the lab's histogram: most weights of this over-sized network are not"
                            " needed to fit 40 points"},
             hint=SECTIONS["lab"]),
    question(lesson="05", name="q_l1_subgradient_zeros", module=MODULE, answer="L1_SUBGRADIENT_ZEROS",
             expected=Number(0),
             right="a subgradient step moves a weight by a sum of floating-point terms; landing on exactly 0.0 has"
                   " probability about 0, so the weights hover around 0 within one step size instead",
             look="follow one small weight: each step subtracts lr * strength * sign(w) plus a data term. Does the"
                  " sum ever come out as exactly 0.0?",
             mistakes={"690": "that is the soft-thresholded run: the subgradient has no step that sets a weight to 0"},
             hint=SECTIONS["l1"]),
    question(lesson="05", name="q_dropout_eval_factor", module=MODULE, answer="DROPOUT_EVAL_FACTOR",
             expected=Number(1),
             right="inverted dropout scales the kept units by 1 / (1 - p) in training, so the expectation is"
                   " already right and evaluation is the identity",
             look="where does inverted dropout put its 1 / (1 - p): in training or in evaluation?",
             mistakes={"0.5": "multiplying by 1 - p at test time is the original (non-inverted) dropout; the"
                              " inverted form moved that factor into training",
                       "2": "1 / (1 - p) = 2 is the training-time scale of the kept units, not the evaluation"
                            " factor"},
             hint=SECTIONS["dropout"]),
    question(lesson="05", name="q_bn_gradient_factor", module=MODULE, answer="BN_GRADIENT_FACTOR",
             expected=Number(0.25, rel_tol=0.02),
             right="batch norm divides out the scale, so the loss is unchanged, L(sW) = L(W); differentiating"
                   " gives s * dL/dW(sW) = dL/dW(W): the gradient at the scaled weights is 1/s of the original",
             look="the loss does not change when W is scaled by s; differentiate L(sW) = L(W) with respect to W",
             mistakes={"1": "the LOSS is scale-invariant; its gradient is not: differentiate L(sW) = L(W) with"
                            " respect to W (chain rule, a factor s appears)",
                       "4": "the gradient shrinks, not grows: larger weights give a smaller gradient",
                       "16": "differentiate L(sW) = L(W) once: the chain rule brings out one factor of s, not two,"
                             " and on which side of the equation?",
                       "0.0625": "differentiate L(sW) = L(W) once: the chain rule brings out one factor of s, not"
                                 " two"},
             hint=SECTIONS["bn"]),
]
