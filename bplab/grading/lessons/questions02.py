"""Lesson 02's graded predictions (see :mod:`bplab.grading.questions`).

Each answer follows from the lesson's material (a derivative bound, a count, a
median, a central difference across a kink); the tolerances and the named
wrong answers are tested in ``tests/test_lesson02_questions.py``.
"""

import math

from bplab.grading.questions import Choice, Number, question

MODULE = "ex02_mlp"
LOSSES = 'notebook 02, section "4. Losses"'
NETWORK = 'notebook 02, section "5. A whole network"'
TRAINING = 'notebook 02, section "6. The training loop"'
HONEST = 'notebook 02, section "8. Gradient checking, honestly"'
REGRESSION = 'notebook 02, section "9. Regression: outliers and the choice of loss"'

_S5 = 1.0 / (1.0 + math.exp(5.0))  # sigmoid(-5)
SATURATION = 1.0 / (2.0 * _S5 * (1.0 - _S5))  # 75.2

CHECKS = [
    question(lesson="02", name="q_mse_saturation", module=MODULE, answer="MSE_SATURATION_FACTOR",
             expected=Number(SATURATION, rel_tol=0.04),
             right="the ratio is 1 / (2 sigmoid'(z)), and sigmoid'(-5) = p (1 - p) is about 0.0066: a saturated "
                   "sigmoid passes back almost nothing, so MSE barely moves a confidently wrong output",
             look="divide cross-entropy's dL/dz by MSE's: the factor (p - t) cancels; evaluate what is left at "
                  "z = -5, where p = sigmoid(-5) is small",
             mistakes={2: "that is the factor at z = 0, where sigmoid' is at its largest, 1/4; at z = -5 it is far "
                          "smaller",
                       4: "1/4 bounds sigmoid' from above; at z = -5 it is much smaller than 1/4",
                       150: "MSE's gradient keeps the 2 that comes from differentiating the square: put it back into "
                            "your ratio",
                       1 / SATURATION: "that is MSE's gradient divided by cross-entropy's (or MSE's gradient itself); "
                                       "the question asks how many times smaller MSE's is: cross-entropy's divided "
                                       "by MSE's"},
             hint=LOSSES),
    question(lesson="02", name="q_initial_loss", module=MODULE, answer="INITIAL_LOSS",
             expected=Number(math.log(3), abs_tol=0.015),
             right="tiny weights give nearly equal scores, so softmax is nearly uniform, p = 1/3 for the right "
                   "class, and the loss is -log(1/3) = log 3",
             look="with all scores nearly equal, what probability does softmax give the right class, and what is "
                  "minus its (natural) log?",
             mistakes={1 / 3: "1/3 is the probability of the right class; the loss is minus its log",
                       0: "a loss of 0 means certainty about the right class; an untrained network knows nothing",
                       math.log2(3): "that is log base 2; cross-entropy uses the natural log",
                       -math.log(3): "the loss is -log p, a positive number"},
             hint=NETWORK),
    question(lesson="02", name="q_steps_per_epoch", module=MODULE, answer="STEPS_PER_EPOCH",
             expected=Number(8, abs_tol=0.01),
             right="an epoch visits every example once in batches of 32: ceil(240 / 32) = 8 steps, the last "
                   "batch holding the remaining 16",
             look="an epoch uses every training example once; count the batches of 32, including a last, "
                  "smaller one",
             mistakes={7.5: "a step uses one whole batch: the last 16 examples form a smaller eighth batch",
                       7: "rounding down drops the last 16 examples: the epoch would not visit them",
                       240: "that is batch size 1 (pure SGD); here a step uses 32 examples"},
             hint=TRAINING),
    question(lesson="02", name="q_linear_dataset", module=MODULE, answer="LINEAR_DATASET",
             expected=Choice("d", options="abcd"),
             right="a linear classifier cuts the plane with straight lines; only the blobs are separated by "
                   "straight cuts",
             look="with no hidden layer every boundary is a straight line: which dataset can straight cuts "
                  "separate?",
             mistakes={"a": "the spiral's arms wind around each other: every straight cut crosses all three",
                       "b": "the inner circle is surrounded by the outer one: a straight line leaves both classes "
                            "on each side",
                       "c": "in XOR, opposite quadrants share a class: no single line separates them"},
             hint=TRAINING),
    question(lesson="02", name="q_relu_kink", module=MODULE, answer="RELU_KINK_NUMERIC",
             expected=Number(0.55, abs_tol=0.005),
             right="x - h is negative, so relu(x - h) = 0 and the quotient is (1e-6 + 1e-5) / 2e-5 = 0.55: "
                   "a correct analytic 1 fails the check, because the step straddles the kink",
             look="x - h = -9e-6 is below the kink: compute relu(x + h) and relu(x - h) separately",
             mistakes={1: "that is the analytic derivative; the numerical one evaluates relu at x - h = -9e-6, on "
                          "the flat side",
                       0.5: "that would be the value exactly at the kink, x = 0; here x = 1e-6",
                       0: "relu(x + h) = 1.1e-5 is not 0: only the x - h side is flat"},
             hint=HONEST),
    question(lesson="02", name="q_mae_constant", module=MODULE, answer="MAE_BEST_CONSTANT",
             expected=Number(3, abs_tol=0.01),
             right="the MAE of a constant is smallest at the median: moving c past it brings more points "
                   "farther than nearer, and the outlier 100 pulls no harder than any other point",
             look="move c by a little: how many targets get nearer and how many farther? Where do they balance?",
             mistakes={22: "22 is the mean, which minimizes MSE; the outlier pulls the mean, not MAE's minimum",
                       100: "the outlier counts like any other point in MAE: one point, one unit of slope",
                       2.5: "2.5 is the median of 1, 2, 3, 4 only; the outlier is a target too (five values)"},
             hint=REGRESSION),
]
