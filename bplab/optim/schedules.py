"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s semantics.

A scheduler wraps an optimizer and sets ``optimizer.lr`` from a formula of the epoch
counter. As in torch, constructing it already applies epoch 0 (``last_epoch`` becomes
0 and ``optimizer.lr`` the epoch-0 value), and each ``scheduler.step()`` - called
*after* ``optimizer.step()``, once per epoch (or per iteration, if the formula is
meant per iteration) - advances the counter and sets the next rate::

    opt = SGD(model.params, lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=100)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

Every schedule here is the closed form of its torch namesake (torch's own
``_get_closed_form_lr``), so ``lr_at(t)`` gives the rate of epoch ``t`` directly,
which is what plots want.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from bplab.optim.base import Optimizer, check_hyperparameter
from bplab.optim.sgd import SGD
from bplab.validation import check_positive_int


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``optimizer.lr = lr_at(last_epoch)``.

    Parameters
    ----------
    optimizer : bplab.optim.Optimizer
    last_epoch : int, default -1
        The epoch that was last applied; -1 starts from scratch.

    Attributes
    ----------
    base_lr : float
        ``optimizer.lr`` before the first scheduler was built on it (torch's ``initial_lr``).
    last_epoch : int
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a bplab.optim optimizer (SGD, Adam, ...),"
                            f" got {type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        # torch keeps the rate before any scheduler touched it ("initial_lr"), so that a second
        # scheduler on the same optimizer (SequentialLR) starts from it, not from the first one's output
        if optimizer.initial_lr is None:
            optimizer.initial_lr = optimizer.lr
        self.base_lr = optimizer.initial_lr
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, epoch):
        """The learning rate of epoch ``epoch`` (>= 0)."""
        raise NotImplementedError  # pragma: no cover - every subclass overrides it

    def step(self):
        """Advance one epoch and set the optimizer's learning rate."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self):
        """The rate set by the last ``step()``, as a one-element list (torch: one per param group)."""
        return [self.optimizer.lr]


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (epoch // step_size)``: decay by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
        Epochs between decays, >= 1.
    gamma : float, default 0.1
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = check_positive_int(step_size, "step_size")
        self.gamma = check_hyperparameter(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** epoch``.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = check_hyperparameter(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2`` (SGDR without restarts).

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        Half-period in epochs: the rate reaches ``eta_min`` at ``epoch == T_max`` (and
        climbs back after it, as torch's does).
    eta_min : float, default 0
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803 - torch's name
        self.T_max = check_positive_int(T_max, "T_max")
        self.eta_min = check_hyperparameter(eta_min, "eta_min")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LinearLR(LRScheduler):
    """Linear warm-up (or decay): the factor goes from ``start_factor`` to ``end_factor`` in ``total_iters``.

    ``lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters)``;
    with the defaults a warm-up from a third of the rate to the full rate in 5 epochs.

    Parameters
    ----------
    optimizer : Optimizer
    start_factor : float, default 1/3
        In (0, 1].
    end_factor : float, default 1.0
        In [0, 1].
    total_iters : int, default 5
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self.start_factor = check_hyperparameter(start_factor, "start_factor", low=0.0, high=1.0 + 1e-12,
                                                 low_inclusive=False)
        self.end_factor = check_hyperparameter(end_factor, "end_factor", high=1.0 + 1e-12)
        self.total_iters = check_positive_int(total_iters, "total_iters")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        done = min(epoch, self.total_iters) / self.total_iters
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * done)


class SequentialLR(LRScheduler):
    """Run schedulers one after the other: ``schedulers[i]`` from epoch ``milestones[i-1]`` on.

    The usual recipe is a linear warm-up then a cosine decay::

        warm = LinearLR(opt, start_factor=0.01, total_iters=10)
        cos = CosineAnnealingLR(opt, T_max=90)
        sched = SequentialLR(opt, [warm, cos], milestones=[10])

    Each scheduler counts its own epochs from 0 when it takes over (as torch's
    ``SequentialLR`` restarts it with ``step(0)``).

    Parameters
    ----------
    optimizer : Optimizer
    schedulers : list of LRScheduler
        Built on the same optimizer, with the same base learning rate.
    milestones : list of int
        Increasing epochs where the next scheduler takes over; ``len(schedulers) - 1`` of them.
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(schedulers) < 1 or len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR needs len(milestones) == len(schedulers) - 1, got {len(milestones)}"
                             f" milestones for {len(schedulers)} schedulers")
        if any(s.optimizer is not optimizer for s in schedulers):
            raise ValueError("every scheduler of a SequentialLR must wrap the same optimizer")
        if list(milestones) != sorted(milestones) or any(m < 1 for m in milestones):
            raise ValueError(f"milestones must be increasing positive epochs, got {list(milestones)}")
        self.schedulers = list(schedulers)
        self.milestones = [int(m) for m in milestones]
        # each sub-scheduler stepped the optimizer on construction; start again from the first one's base rate
        optimizer.lr = schedulers[0].base_lr
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        index = bisect.bisect_right(self.milestones, epoch)
        start = self.milestones[index - 1] if index else 0
        return self.schedulers[index].lr_at(epoch - start)


def lr_curve(make_scheduler, lr, epochs):
    """The learning rate of each epoch ``0 .. epochs-1`` for a scheduler, without training anything.

    Parameters
    ----------
    make_scheduler : callable
        ``optimizer -> scheduler``, e.g. ``lambda opt: StepLR(opt, step_size=30)``.
    lr : float
        The optimizer's (base) learning rate.
    epochs : int

    Returns
    -------
    list of float, length ``epochs``
    """
    scheduler = make_scheduler(SGD([np.zeros(1)], lr=lr))
    rates = []
    for _ in range(check_positive_int(epochs, "epochs")):
        rates.append(scheduler.optimizer.lr)
        scheduler.step()
    return rates
