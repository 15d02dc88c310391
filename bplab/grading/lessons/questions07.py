"""Lesson 07's graded predictions (see :mod:`bplab.grading.questions`)."""

from bplab.grading.questions import Choice, Number, question

CHECKS = [
    question(lesson="07", name="q_dx_kernel", module="ex07_convolutions", answer="DX_KERNEL",
             expected=Choice("b"),
             right="pixel (h, w) met W[f, c, i, j] in the output at (h - i, w - j): read as a sliding window over "
                   "dout, the kernel index runs backwards (the flip), and it sums over the F output channels to "
                   "give C input channels (the swap)",
             look="write the pixel's gradient as a sum over the outputs it fed, indexed by the kernel offset "
                  "(i, j): at which position of dout is W[f, c, i, j] used, and which channel index is summed?",
             mistakes={"a": "the flip is missing: output (h - i, w - j) pairs with W[..., i, j], so as a window "
                            "slides over dout the kernel index runs backwards; W unflipped does not do that",
                       "c": "dout has F channels and dx has C: a kernel that maps F channels to C has its "
                            "channel axes swapped",
                       "d": "a correlation of the INPUT with dout gives dW, not dx"},
             hint='notebook 07, section "3. Backward through a convolution"'),
    question(lesson="07", name="q_pool_overlap", module="ex07_convolutions", answer="POOL_CENTRE_WINDOWS",
             expected=Number(4),
             right="windows of size 3 and stride 2 start at rows 0 and 2 and at columns 0 and 2, so all four "
                   "windows contain the centre, and it is the maximum of each: it collects all four gradients",
             look="list the rows where the windows start (0, 2, ...) and which of those windows contain row 2; "
                  "do the same for the columns",
             mistakes={1: "with stride 2 < size 3 the windows overlap: the centre is in more than one",
                       2: "count the windows that contain the centre in both directions: rows AND columns",
                       9: "9 is the window's area; count the windows, not the entries"},
             hint='notebook 07, section "4. Max pooling"'),
    question(lesson="07", name="q_receptive_field", module="ex07_convolutions", answer="RECEPTIVE_FIELD",
             expected=Number(5),
             right="each output of layer 2 sees 3 neighbouring outputs of layer 1 per side, and those see one more "
                   "input pixel on each side: 3 + (3 - 1) = 5",
             look="follow one output of layer 2 back: which outputs of layer 1 does it read, and which input "
                  "pixels do those read together?",
             mistakes={6: "the two windows overlap: 3 + 3 counts the shared pixels twice",
                       9: "that would be 3 x 3, the number of pixels of ONE window, not the side of the field",
                       3: "the second layer reads several outputs of the first, each with its own window"},
             hint='notebook 07, section "6. Two conv layers"'),
    question(lesson="07", name="q_equivariance", module="ex07_convolutions", answer="SHIFTED_FEATURE_MAPS",
             expected=Choice("a", options="abc"),
             right="the same filter is applied at every position, so the window that meets the pattern moves with "
                   "it: convolution is translation equivariant (the map moves; it is not invariant)",
             look="the same weights are used at every position: what does the window at (p, q + 1) see after "
                  "the shift?",
             mistakes={"b": "invariance would need the maps to stay put; a window sees the pattern only where the "
                            "pattern is",
                       "c": "every filter gives the same answer here: the weights are shared across positions"},
             hint='notebook 07, section "6. Two conv layers"'),
    question(lesson="07", name="q_sobel_edges", module="ex07_convolutions", answer="SOBEL_POSITIVE_EDGE",
             expected=Choice("a"),
             right="the filter computes (right column - left column) of each window: on the stroke's left edge "
                   "the right side is bright ink and the left dark background, so the response is positive",
             look="the filter subtracts the left column of the window from the right one: where along a bright "
                  "stroke is the right side brighter than the left?",
             mistakes={"b": "conv2d does not flip the kernel: the +1 column is on the RIGHT of the window",
                       "c": "in the middle of a uniform stroke left and right are equally bright: about zero",
                       "d": "this filter compares left with right; top and bottom are the other Sobel filter"},
             hint='notebook 07, section "7. Try it: filters and feature maps"'),
]
