"""Text drawn from kept glyphs has exactly the pixels matplotlib's own Agg renderer draws, in every lab."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from bplab.figures import text_cache
from bplab.figures.base import new_figure
from bplab.widgets.bptt import BPTTExplorer
from bplab.widgets.feature_maps import FeatureMapViewer
from bplab.widgets.gradient_flow import GradientFlowExplorer
from bplab.widgets.graph_explorer import GraphExplorer
from bplab.widgets.optimizer_race import OptimizerRace
from tests.test_lab_base import _transfer_lab
from tests.widgets import control_values

pytestmark = pytest.mark.skipif(not text_cache._GLYPH_API, reason="needs matplotlib's glyph-by-glyph Agg text path")


def _draw(figure, canvas_class):
    canvas_class(figure)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("make", [GraphExplorer, GradientFlowExplorer, BPTTExplorer, lambda: OptimizerRace(steps=40),
                                  _transfer_lab, FeatureMapViewer],
                         ids=["graph", "gradient_flow", "bptt", "race", "transfer", "feature_maps"])
def test_every_state_draws_the_same_pixels_as_the_plain_renderer(make):
    lab = make()
    figure = lab.view.figure
    assert isinstance(figure.canvas, text_cache.Canvas)
    for name, control in lab.controls.items():
        for value in control_values(control)[:2]:
            control.value = value
            cached = _draw(figure, text_cache.Canvas)  # warm: the glyphs of the redraw are cached
            plain = _draw(figure, FigureCanvasAgg)
            assert np.array_equal(cached, plain), f"{name}={value!r}: {np.mean(np.any(cached != plain, axis=2)):.3%}"
    assert not lab.errors


def test_rotated_monospace_and_non_antialiased_text_and_math():
    figure = new_figure(3.0, 2.0)
    figure.set_layout_engine("none")  # constrained layout moves the axes between the first draws
    ax = figure.add_subplot()
    ax.set_ylabel("rotated label ∂L/∂h")
    ax.text(0.1, 0.5, "monospace 0.123\nsecond line", family="monospace")
    ax.text(0.1, 0.2, "no antialiasing", antialiased=False)
    ax.text(0.5, 0.8, r"$\sigma(b_f)^{T-t}$", rotation=30)
    for _ in range(2):  # cold, then every glyph from the cache
        cached = _draw(figure, text_cache.Canvas)
        assert np.array_equal(cached, _draw(figure, FigureCanvasAgg))


def test_caches_stay_bounded(monkeypatch):
    monkeypatch.setattr(text_cache, "TEXT_CACHE_SIZE", 3)
    figure = new_figure(3.0, 2.0)
    for k in range(20):
        figure.text(0.1, 0.05 * k, f"text number {k}")
    figure.canvas.draw()
    assert max(len(text_cache._TEXT_CACHE), len(text_cache._LAYOUTS), len(text_cache._GLYPHS)) <= 3


def test_glyphs_that_share_pixels_are_blended_in_agg_order_and_the_others_in_one_bitmap():
    figure = new_figure(3.0, 2.0)
    figure.set_layout_engine("none")
    plain_text = figure.text(0.05, 0.7, "epoch 12: accuracy 0.82 train", fontsize=9)
    # joined rules, a struck-through x and ffff: neighbouring glyphs' antialiased edges share pixels
    overlapping = figure.text(0.05, 0.3, "____ x\u0336 ═══ ffffff", fontsize=14, color="#D55E00", alpha=0.7)
    text_cache._TEXT_CACHE.clear()
    cached = _draw(figure, text_cache.Canvas)  # glyph by glyph: a string drawn once is not merged
    assert np.array_equal(cached, _draw(figure, FigureCanvasAgg))
    assert len(text_cache._TEXT_CACHE[_key(plain_text.get_text())]) == len(plain_text.get_text())  # one per glyph
    assert np.array_equal(_draw(figure, text_cache.Canvas), cached)  # drawn again: merged, the same pixels
    assert len(text_cache._TEXT_CACHE[_key(plain_text.get_text())]) == 1  # one blend for the whole string
    assert len(text_cache._TEXT_CACHE[_key(overlapping.get_text())]) >= 2  # the shared pixels blended twice, in order
    assert np.array_equal(_draw(figure, text_cache.Canvas), cached)  # from the merged bitmaps


def _key(string):
    return next(key for key in text_cache._TEXT_CACHE if key[0] == string)
