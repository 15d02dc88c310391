"""bplab: an interactive course on backpropagation.

The numerics (``bplab.nn``, ``bplab.gradcheck``, ``bplab.optim`` ...) import
numpy only; the widgets live in ``bplab.widgets`` and are imported on demand.
"""

__version__ = "0.1.0"
