"""Lesson 06's graded predictions (see :mod:`bplab.grading.questions`)."""

import math

from bplab.grading.questions import Choice, Number, question

MODULE = "ex06_capstone"
NETWORK = 'notebook 06, section "3. Your network on the digits"'
DASHBOARD = 'notebook 06, section "4. What the network gets wrong"'
TRANSFER = 'notebook 06, section "5. Transfer learning"'

CHECKS = [
    question(lesson="06", name="q_digits_initial_loss", module=MODULE, answer="INITIAL_LOSS",
             expected=Number(math.log(10), abs_tol=0.05),
             right="small random scores give every class a probability of about 1/10, and the loss is"
                   " -ln(1/10) = ln 10 = 2.30; a first loss far from it means a bug or a bad initialization",
             look="cross-entropy is -ln of the probability given to the right class: what probability does a"
                  " network that knows nothing give each of 10 classes?",
             mistakes={"0.1": "0.1 is the probability of the right class, not the loss: take -ln of it",
                       "1": "that is -log10(1/10); cross-entropy uses the natural logarithm",
                       "10": "that is 1/p; the loss is -ln(p)",
                       "0": "a loss of 0 means every image is classified with certainty: not before training"},
             hint=NETWORK),
    question(lesson="06", name="q_dropout_train_accuracy", module=MODULE, answer="DROPOUT_TRAIN_ACCURACY",
             expected=Choice("c", options="abc"),
             right="dropout only makes fitting noisier: with about 50,000 weights for 1,078 images the network"
                   " still fits every training image; dropout regularizes, it does not prevent memorization",
             look="compare the number of weights with the number of training images, and remember that the"
                  " training accuracy is measured with dropout off",
             mistakes={"a": "the accuracy is measured in evaluation mode, where dropout is the identity: no unit"
                            " is missing then",
                       "b": "dropout narrows the gap between training and validation loss, but a network this"
                            " large still fits all of its training images"},
             hint=NETWORK),
    question(lesson="06", name="q_running_vs_evaluated_loss", module=MODULE, answer="RUNNING_VS_EVALUATED",
             expected=Choice("a", options="abc"),
             right="the running mean is taken with dropout on (noisier, worse predictions) and with the weights"
                   " of earlier in the epoch, which were worse than the weights at its end",
             look="list what differs between the two: is dropout on or off, and which weights make each"
                  " prediction?",
             mistakes={"b": "during the epoch dropout is on and the weights are older: both make the loss larger,"
                            " not smaller",
                       "c": "the two are computed with dropout on vs off, and with the weights during vs after"
                            " the epoch"},
             hint=DASHBOARD),
    question(lesson="06", name="q_frozen_parameters", module=MODULE, answer="FROZEN_TRAINED_PARAMETERS",
             expected=Number(256 * 5 + 5),
             right="only the new head is trained: a 256 x 5 weight matrix and 5 biases, 1,285 numbers",
             look="which layers does the optimizer see when the hidden layers are frozen? Count a weight matrix"
                  " and its biases",
             mistakes={str(256 * 5): "count the head's biases too",
                       str(64 * 256 + 256 + 256 * 5 + 5): "that counts the frozen hidden layer too: frozen"
                                                          " parameters are left out of the optimizer",
                       str(64 * 256 + 256): "that is the frozen hidden layer: the optimizer never sees it"},
             hint=TRANSFER),
    question(lesson="06", name="q_transfer_gap", module=MODULE, answer="TRANSFER_GAP_TREND",
             expected=Choice("b", options="abc"),
             right="with more labels the new task's own data decides what the features become, so where the"
                   " network started matters less and the strategies converge",
             look="when each of 5 digits has 20 labelled images, how much can a starting point still add that"
                  " the labels themselves do not say?",
             mistakes={"a": "fine-tuning adapts the features, but the frozen head also gets better with every"
                            " label: compare how much each has left to gain",
                       "c": "the starting point is worth most when labels are scarcest"},
             hint=TRANSFER),
]
