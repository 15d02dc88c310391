"""Lesson 04's graded predictions (see :mod:`bplab.grading.questions`).

Each answer follows from the lesson's analysis of the quadratic (sections 1, 4 and 7) or of
the update rules (Adam's per-coordinate normalization, momentum's effective step), not from
reading a figure.
"""

from bplab.grading.questions import Choice, Number, question

MODULE = "ex04_optimizers"
SECTIONS = {
    "quadratic": 'notebook 04, section "4. The best step on a quadratic"',
    "schedules": 'notebook 04, section "7. Learning-rate schedules"',
    "race": 'notebook 04, section "8. The optimizer race"',
    "lr": 'notebook 04, section "9. Choosing a learning rate"',
    "network": 'notebook 04, section "10. A fair race on the network"',
}

CHECKS = [
    question(lesson="04", name="q_noise_floor", module=MODULE, answer="NOISE_FLOOR_FACTOR",
             expected=Number(0.5, abs_tol=0.1),
             right="each step adds noise of size lr·(gradient noise) while the pull back towards the minimum is "
                   "proportional to lr: the balance (the floor) is proportional to lr, so halving it halves the floor",
             look="each step adds a random kick proportional to lr times the gradient noise (its variance to lr²), "
                  "and removes a fraction proportional to lr of the distance: where do the two balance?",
             mistakes={"0.25": "the kicks' variance does scale as lr², but count also how many steps a kick survives "
                               "before the pull towards the minimum (a factor 1 − lr·h per step) forgets it",
                       "1": "the floor is not a property of the problem alone: it is set by the size of the steps",
                       "0.7071": "the loss is quadratic in the distance, so track the variance of w, not its size"},
             hint=SECTIONS["schedules"]),
    question(lesson="04", name="q_saddle_first", module=MODULE, answer="SADDLE_FIRST", expected=Choice("c"),
             right="Adam divides each coordinate's step by the size of its own recent gradients, so the tiny "
                   "escaping gradient along y gets a step of about lr at once; SGD's step is lr times that tiny "
                   "gradient and grows only by a factor 1 + 2 lr per step, and momentum multiplies that growth "
                   "but still starts from the tiny gradient",
             look="compare the first steps along y: SGD moves by lr · 2y with y = 0.001; how large is Adam's first "
                  "step along y, given that it divides by the gradient's own size?",
             mistakes={"a": "SGD's step along y is lr · 2y: with y = 0.001 it takes hundreds of steps to grow",
                       "b": "momentum speeds SGD up, but its steps are still proportional to the tiny gradient",
                       "d": "the three rules react differently to a gradient that is tiny along one coordinate"},
             hint=SECTIONS["race"]),
    question(lesson="04", name="q_blowup_lr", module=MODULE, answer="BLOWUP_LR", expected=Number(0.5, rel_tol=0.05),
             right="each step multiplies x by 1 - lr·4, so the loss grows as soon as |1 - 4 lr| > 1, i.e. "
                   "lr > 2/4 = 0.5",
             look="write one gradient-descent step on L(x) = 2x² as x ← (factor)·x: for which learning rates "
                  "is |factor| above 1?",
             mistakes={"0.25": "1/4 is the rate that lands on the minimum in one step; just above it x overshoots, "
                               "but does the loss grow yet? Look at |factor| per step",
                       "1": "the curvature of 2x² is L'' = 4, not 2",
                       "2": "2 would be the threshold for a curvature of 1; section 1's threshold is divided by the "
                            "curvature: what is the curvature of 2x²?",
                       "4": "4 is the curvature itself; where does section 1 put the divergence threshold, "
                            "given the curvature?"},
             hint=SECTIONS["lr"]),
    question(lesson="04", name="q_effective_step", module=MODULE, answer="EFFECTIVE_STEP_FACTOR",
             expected=Number(10, rel_tol=0.02),
             right="a constant gradient g fills the buffer up to g / (1 - momentum): 1 / 0.01 = 100 against "
                   "1 / 0.1 = 10, ten times the step",
             look="feed a constant gradient g to the buffer b ← momentum·b + g: what value does b settle at, "
                  "for momentum 0.9 and for 0.99?",
             mistakes={"1.1": "that is the ratio of the momenta; the step grows like 1 / (1 - momentum)",
                       "100": "100 is 1 / (1 - 0.99), the multiplier at momentum 0.99 alone; the question asks how much "
                              "it grew from the one you started from",
                       "0.1": "the effective step grows as momentum approaches 1"},
             hint=SECTIONS["quadratic"]),
    question(lesson="04", name="q_momentum_equal_step", module=MODULE, answer="MOMENTUM_EQUAL_STEP",
             expected=Choice("b", options="abc"),
             right="at the same effective step η/(1 − μ) the slow directions shrink by the same factor per step "
                   "(section 4), so most of what momentum gained at equal η was its ten times larger step",
             look="section 4: in the slow directions, momentum at η behaves like gradient descent at which step? "
                  "Here that step is the same for both runs",
             mistakes={"a": "at equal η momentum's effective step was ten times SGD's; here the two effective steps "
                            "are equal: in the slow directions, what is left to tell the two apart?",
                       "c": "in the slow directions the two rules shrink by the same factor per step at the same "
                            "effective step (section 4): nothing there makes SGD far better"},
             hint=SECTIONS["network"]),
]
