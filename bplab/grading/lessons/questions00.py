"""Lesson 00's graded prediction (see :mod:`bplab.grading.questions`)."""

from bplab.grading.questions import Choice, question

CHECKS = [
    question(lesson="00", name="q_break_it", module="ex00_welcome", answer="BREAK_IT_DIAGNOSIS",
             expected=Choice("b"),
             right="returning x instead of 2x makes every entry exactly half the true gradient: a constant "
                   "factor of 0.5, which the checker recognizes from the ratio of your numbers to the numerical ones",
             look="compare x with 2x entry by entry: is the sign changed, is anything reordered, "
                  "or is every entry scaled by the same number?",
             mistakes={"a": "x and 2x have the same sign everywhere: nothing is flipped",
                       "c": "x is a vector: there is nothing to transpose",
                       "d": "x is not zero: the gradient you return is wrong but not zero"},
             hint='notebook 00, section "4. Break it on purpose"'),
]
