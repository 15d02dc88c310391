"""Lesson 06: the capstone's time to 97 % test accuracy, the transfer experiment, and the labs' redraws."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import Row, redraw_rows, samples
from bplab.figures.training_dashboard import TrainingDashboardFigure, TransferFigure
from bplab.labs.training_dashboard import TrainingDashboard, TransferComparison, learner_ops, train_capstone
from bplab.transfer import transfer_experiment

TARGET = 0.97


def _capstone_rows(label, **kwargs):
    runs = [train_capstone(30, **kwargs)[1] for _ in range(3)]
    to_target = np.array([r.time_to_accuracy(TARGET) if r.time_to_accuracy(TARGET) is not None else np.nan
                          for r in runs])
    epochs = [r.epochs_to_accuracy(TARGET) for r in runs]
    total = np.array([r.seconds[-1] for r in runs])
    return [Row(f"capstone ({label}): training time to 97% test accuracy", float(np.nanmedian(to_target)),
                float(np.nanmax(to_target)), "s", "<= 10 s",
                f"reached at epoch {epochs[0]}; final accuracy {runs[0].test_acc[-1]:.1%}; 3 runs, p95 = max"),
            Row(f"capstone ({label}): 30 epochs of training", float(np.median(total)), float(np.max(total)), "s", "",
                "64-256-128-10 ReLU, dropout 0.3, Adam, batches of 32; evaluation excluded")]


def rows():
    out = _capstone_rows("bplab reference layers")
    ops, loop, _, label = learner_ops("solutions")
    out += _capstone_rows("solutions' layers and loop", ops=ops, train_epoch=loop)

    start = time.perf_counter()
    result = transfer_experiment()
    out.append(Row("transfer experiment (notebook's: 5 counts x 3 seeds x 3 strategies)",
                   time.perf_counter() - start, unit="s", note="pretraining included"))

    record = train_capstone(30)[1]
    dashboard = TrainingDashboard(record)
    epochs = list(range(1, record.epochs + 1, 3))
    out += redraw_rows("training dashboard", dashboard, TrainingDashboardFigure,
                       [lambda m, e=e: m.set_epoch(e) for e in epochs]
                       + [lambda m: setattr(m, "digit", 8), lambda m: setattr(m, "digit", None)])
    comparison = TransferComparison(result)
    out += redraw_rows("transfer comparison", comparison, TransferFigure,
                       [lambda m, c=c: m.set_count(c) for c in result.label_counts])
    forward = samples(lambda: dashboard.confusion(), repeat=50)
    out.append(Row("confusion matrix of 450 predictions", float(np.median(forward) * 1e3),
                   float(np.percentile(forward, 95) * 1e3), "ms"))
    return out
