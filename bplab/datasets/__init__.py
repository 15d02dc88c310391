"""bplab's datasets: synthetic 2-D problems (lesson 02) and the handwritten digits (lesson 06).

One re-export line per module: each lesson appends its own line.
"""
# ruff: noqa: I001, F401, E501

from bplab.datasets.digits import load_digits  # lesson 06
from bplab.datasets.synthetic import spirals, moons, circles, xor, blobs, regression_1d, train_val_split  # lesson 02
from bplab.datasets.synthetic import regression_outliers  # lesson 02 (regression with outliers)
from bplab.datasets.sequences import first_token  # lesson 08
