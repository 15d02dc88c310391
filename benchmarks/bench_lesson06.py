"""Lesson 06: the capstone's training time and test accuracy, the recipe task, the transfer experiment, the redraws."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import Row, redraw_rows, samples
from bplab.datasets import load_digits
from bplab.figures.training_dashboard import TrainingDashboardFigure, TransferFigure
from bplab.labs.training_dashboard import TrainingDashboard, TransferComparison, accuracy, learner_ops, train_capstone
from bplab.recipes import train_recipe, training_cost
from bplab.transfer import transfer_experiment

TARGET = 0.97
CAPSTONE_RECIPE = {"hidden": (256, 128), "dropout": 0.3, "optimizer": "adam", "lr": 3e-3, "batch_size": 32, "epochs": 30}


def _capstone_rows(label, **kwargs):
    runs = [train_capstone(30, **kwargs) for _ in range(3)]
    X_test, y_test = load_digits("test")
    to_best = np.array([r.seconds[r.best_epoch - 1] for _, r in runs])
    total = np.array([r.seconds[-1] for _, r in runs])
    model, record = runs[0]
    return [Row(f"capstone ({label}): training time to the epoch chosen on validation", float(np.median(to_best)),
                float(np.max(to_best)), "s", "<= 10 s",
                f"epoch {record.best_epoch}; its test accuracy {accuracy(model, X_test, y_test):.1%} (target"
                f" {TARGET:.0%}); 3 runs, p95 = max"),
            Row(f"capstone ({label}): 30 epochs of training", float(np.median(total)), float(np.max(total)), "s", "",
                "64-256-128-10 ReLU, dropout 0.3, Adam, batches of 32, 1,078 train images; evaluation excluded")]


def _recipe_rows():
    from bplab.grading.lessons import lesson06

    start = time.process_time()
    for seed in lesson06.RECIPE_SEEDS:
        train_recipe(CAPSTONE_RECIPE, seed=seed)
    multiply_adds, steps = training_cost(CAPSTONE_RECIPE, seeds=len(lesson06.RECIPE_SEEDS))
    share = multiply_adds / lesson06.RECIPE_LIMITS["multiply_adds"]
    return [Row("recipe task: the capstone recipe (30 epochs), 3 grading seeds, CPU time", time.process_time() - start,
                unit="s", note=f"{multiply_adds:.2g} multiply-adds, {share:.0%} of the limit; {steps} steps")]


def rows():
    out = _capstone_rows("bplab reference layers")
    ops, loop, _, label = learner_ops("solutions")
    out += _capstone_rows("solutions' layers and loop", ops=ops, train_epoch=loop)

    start = time.perf_counter()
    result = transfer_experiment(label_counts=(1, 5, 20), seeds=range(10))
    out.append(Row("transfer experiment (notebook's: 3 counts x 10 seeds x 3 strategies)",
                   time.perf_counter() - start, unit="s", note="pretraining included"))

    out += _recipe_rows()
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
    out.append(Row("confusion matrix of 269 validation predictions", float(np.median(forward) * 1e3),
                   float(np.percentile(forward, 95) * 1e3), "ms"))
    return out
