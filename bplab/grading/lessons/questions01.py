"""Lesson 01's graded predictions (see :mod:`bplab.grading.questions`).

Each answer is fixed by the lesson's material: a gradient of a small graph,
the step that balances truncation against rounding, the count of evaluations.
The tolerances accept the answer to 2 decimals (or the range of sound
readings) and reject the usual wrong ones, named in ``mistakes`` and tested in
``tests/test_lesson01_questions.py``.
"""

from bplab.grading.questions import Number, question

MODULE = "ex01_chain_rule"
GRAPH = 'notebook 01, section "4. Computational graphs: forward and backward passes"'
FANOUT = 'notebook 01, section "5. Fan-out: gradients add up"'
NUMERIC = 'notebook 01, section "6. Numeric vs analytic derivatives"'
ENGINE = 'notebook 01, section "7. An autodiff engine"'

CHECKS = [
    question(lesson="01", name="q_graph_dfdz", module=MODULE, answer="GRAPH_DFDZ",
             expected=Number(5.0, abs_tol=0.01),
             right="the local gradient of f = q * z with respect to z is q = x + y = 0 + 5, whatever z is",
             look="f = q * z with q = x + y: which value multiplies z, and what is it once x is 0?",
             mistakes={-4: "that is df/dx (or df/dy): the local gradient of the sum is 1, times the upstream z",
                       3: "that is df/dz at the starting point x = -2; x has moved to 0",
                       -20: "that is the value of f, not its derivative",
                       0: "x is 0, but df/dz is the other factor of the product, x + y"},
             hint=GRAPH),
    question(lesson="01", name="q_fanout_dfdx", module=MODULE, answer="FANOUT_DFDX",
             expected=Number(-0.7136, abs_tol=0.006),
             right="x is used twice, so its gradient is the sum of both paths: y + (1 - tanh(x)^2) = -1.5 + 0.786",
             look="count the edges leaving x in the graph: the gradient of x collects one contribution per edge",
             mistakes={-1.5: "that is only the path through x * y; x also feeds tanh(x)",
                       0.786: "that is only the path through tanh(x); x also feeds x * y",
                       -0.5: "that uses tanh'(x) = 1, true only at x = 0; tanh'(0.5) = 1 - tanh(0.5)^2",
                       -0.7: "close, but rounded too far: the question asks for 2 decimals (compute tanh(0.5) to "
                             "3 digits)"},
             hint=FANOUT),
    question(lesson="01", name="q_best_step", module=MODULE, answer="BEST_CENTRAL_EXPONENT",
             expected=Number(lower=-6.0, upper=-4.5),
             right="the error is about h^2 |f'''| / 6 + eps / h, smallest where they balance: h near eps^(1/3), "
                   "about 6e-6 in float64",
             look="the central difference's truncation error falls like h^2 and its rounding error grows like "
                  "eps / h: where are they equal, with eps about 2e-16?",
             mistakes={-8: "that is the forward difference's best step (sqrt(eps)), whose truncation error falls "
                           "only like h",
                       -16: "at h = eps the quotient is pure rounding noise: the rounding error eps / h is 1",
                       -12: "the smallest h of the sweep is not the best: rounding error grows like eps / h"},
             hint=NUMERIC),
    question(lesson="01", name="q_numeric_cost", module=MODULE, answer="NUMERIC_EVALUATIONS",
             expected=Number(2000, abs_tol=0.5),
             right="each of the n partial derivatives needs f(x + h e_i) and f(x - h e_i): 2n evaluations",
             look="write the central difference of one partial derivative: how many calls of f, and how many "
                  "partial derivatives are there?",
             mistakes={1000: "one partial derivative needs two evaluations, f(x + h) and f(x - h)",
                       1001: "that is the forward difference (f(x) once, plus one per input); the check uses "
                             "central differences",
                       2: "two evaluations give one partial derivative; the gradient has one per input"},
             hint=NUMERIC),
    question(lesson="01", name="q_custom_dfdb", module=MODULE, answer="CUSTOM_DFDB",
             expected=Number(-0.2022, abs_tol=0.006),
             right="b fans out to two uses: a (1 - tanh(ab)^2) through tanh(ab) plus -e^a / b^2 through the "
                   "division, 0.210 - 0.412",
             look="b is used twice: differentiate each term with respect to b and add the two contributions",
             mistakes={0.21: "that is only the path through tanh(a * b); b also divides e^a",
                       -0.412: "that is only the path through e^a / b; b also feeds tanh(a * b)",
                       0.622: "the derivative of e^a / b in b is -e^a / b^2: the sign is negative"},
             hint=ENGINE),
]
