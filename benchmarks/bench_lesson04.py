"""Lesson 04: latency of the optimizer race's redraws, and the optimizers' step cost."""

from __future__ import annotations

import numpy as np

from benchmarks.common import Row, ms_row, redraw_rows, samples
from bplab.figures.optimizer_race import OptimizerRaceFigure
from bplab.labs.optimizer_mlp import FAMILIES, final_loss, spiral_range_test
from bplab.labs.optimizer_race import OPTIMIZERS, OptimizerRaceModel
from bplab.optim import SGD, Adagrad, Adam, AdamW, RMSprop


def _setter(**settings):
    def change(model):
        for name, value in settings.items():
            if name == "surface":
                model.set_surface(value)
            else:
                setattr(model, name, value)
        model.recompute()
    return change


def _race_rows():
    rows = []
    # one slider at a time, each to a few values: what a learner dragging a control does (cache misses)
    rates = np.geomspace(0.05, 1.5, 23)
    changes = [_setter(lr=float(r)) for r in rates]
    rows += redraw_rows("optimizer race (lr slider, 4 optimizers, 200 steps)", OptimizerRaceModel(), OptimizerRaceFigure,
                        changes)
    betas = np.linspace(0.5, 0.9999, 31)
    rows += redraw_rows("optimizer race (beta2 slider, all 7 optimizers)",
                        OptimizerRaceModel(optimizers=tuple(OPTIMIZERS)), OptimizerRaceFigure,
                        [_setter(beta2=float(b)) for b in betas])
    starts = np.linspace(-1.9, 1.9, 37)
    rows += redraw_rows("optimizer race (start slider, 4 optimizers, 200 steps)", OptimizerRaceModel(),
                        OptimizerRaceFigure, [_setter(start=np.array([float(x), 1.0])) for x in starts])
    rows += redraw_rows("optimizer race (start slider, worst case: 7 optim., 500 steps)",
                        OptimizerRaceModel(optimizers=tuple(OPTIMIZERS), steps=500), OptimizerRaceFigure,
                        [_setter(start=np.array([float(x), 1.0])) for x in starts])
    rows += redraw_rows("optimizer race (play: one animation frame)", OptimizerRaceModel(), OptimizerRaceFigure,
                        [_setter(frame=f) for f in range(0, 201, 5)])
    rows += redraw_rows("optimizer race (surface dropdown, contours cached)", OptimizerRaceModel(),
                        OptimizerRaceFigure, [_setter(surface=s) for s in ("rosenbrock", "beale", "himmelblau",
                                                                          "booth", "saddle", "quadratic")],
                        repeat=36)
    return rows


def _step_rows():
    rows = []
    shapes = [(64, 64), (64,), (64, 3), (3,)]
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        rng = np.random.default_rng(0)
        params = [rng.normal(size=s) for s in shapes]
        grads = [rng.normal(size=s) for s in shapes]
        opt = cls(params, lr=1e-3, **({"momentum": 0.9} if cls is SGD else {}))
        times = samples(lambda opt=opt, grads=grads: opt.step(grads), repeat=300)
        rows.append(Row(f"{cls.__name__}.step (MLP 64-64-3, 4 arrays)", float(np.median(times) * 1e6),
                        float(np.percentile(times, 95) * 1e6), "us", "", ""))
    return rows


def _choosing_rows():
    """What the notebook's sections 9-10 cost: their budget is the 30 s of the whole notebook."""
    run = final_loss(FAMILIES["Adam"], epochs=30)
    one = samples(lambda: run(0.01, 0), repeat=5, warmup=1)
    per_run = float(np.median(one))
    return [
        ms_row("range test on the spiral network (100 steps, Adam)",
               samples(lambda: spiral_range_test(FAMILIES["Adam"], steps=100), repeat=5, warmup=1)),
        ms_row("one spiral training (30 epochs, Adam), a sweep's unit", one,
               note=f"notebook 04 runs 67 of them: about {67 * per_run:.1f} s"),
    ]


def rows():
    return _race_rows() + _step_rows() + _choosing_rows()


if __name__ == "__main__":
    for row in rows():
        print(row)
