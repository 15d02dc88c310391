"""bplab: an interactive course on backpropagation.

The numerics (``bplab.nn``, ``bplab.gradcheck``, ``bplab.optim`` ...) import
numpy only; the widgets live in ``bplab.widgets`` and are imported on demand.
"""

import os

# The course's matrices are small: a multi-threaded BLAS spends more time waking
# threads than multiplying, and on a busy 2-core machine it is 20-50x slower.
# Set before numpy is first imported (a notebook's first cell imports bplab).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"
