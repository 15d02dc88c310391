"""Bars of the candidate and the numerical gradient, with the checker's verdict."""

from __future__ import annotations

import numpy as np

from bplab.figures.base import PALETTE, Blitter, new_figure


class CheckerDemoFigure:
    def __init__(self, model):
        self.figure = new_figure(7.5, 3.2)
        self.axes = self.figure.add_subplot()
        index = np.arange(model.x.size)
        self.axes.bar(index - 0.2, model.numeric, width=0.4, color=PALETTE["blue"], label="numerical gradient")
        self.candidate_bars = self.axes.bar(index + 0.2, model.candidate, width=0.4, color=PALETTE["orange"],
                                            label="candidate c · 2x")
        self.axes.axhline(0, color=PALETTE["black"], linewidth=0.8)
        self.axes.set_xticks(index, [f"x[{i}]" for i in index])
        self.axes.set_ylabel("∂f/∂x")
        limit = 2.2 * float(np.max(np.abs(model.numeric)))
        self.axes.set_ylim(-limit, limit)
        self.axes.legend(loc="upper left", fontsize=8)
        self.verdict = self.axes.set_title("", fontsize=10)
        self.update(model)
        self.render = Blitter(self.figure, [*self.candidate_bars, self.verdict]).render

    def update(self, model):
        limit = self.axes.get_ylim()[1]
        for bar, value in zip(self.candidate_bars, model.candidate):
            bar.set_height(float(np.clip(value, -limit, limit)))
        result = model.result
        self.verdict.set_text(f"c = {model.factor:g}: " + ("passes" if result.passed else result.diagnosis or "fails"))
        self.verdict.set_color(PALETTE["green"] if result.passed else PALETTE["vermillion"])
