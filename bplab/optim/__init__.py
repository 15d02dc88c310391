"""bplab's optimizers (torch.optim's update rules and defaults), schedules and gradient clipping.

One re-export line per module: each lesson appends its own line (hence the
file-wide ruff exemptions: the lines are neither sorted nor short).
"""
# ruff: noqa: I001, F401, E501

from bplab.optim.base import Optimizer  # lesson 04
from bplab.optim.sgd import SGD  # lesson 04
from bplab.optim.adagrad import Adagrad  # lesson 04
from bplab.optim.rmsprop import RMSprop  # lesson 04
from bplab.optim.adam import Adam, AdamW  # lesson 04
from bplab.optim.clip import clip_grad_norm  # lesson 03
from bplab.optim.schedules import LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, SequentialLR, lr_curve  # lesson 04
