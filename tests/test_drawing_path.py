"""The shared drawing path, headless: cached text rasters draw the pixels plain Agg draws."""

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from bplab.figures import base


def _figure(canvas_class, title):
    figure = Figure(figsize=(5.0, 2.5), dpi=110)
    canvas_class(figure)
    ax = figure.subplots()
    ax.plot([1, 2, 3], [3, 1, 2], label="train loss · λ₂ → ü")
    ax.set_title(title, fontsize=9)
    ax.text(1.37, 2.21, "rotated", rotation=33, fontsize=8, color="red")
    ax.text(2.0, 1.5, "not antialiased", antialiased=False)
    ax.set_xlabel("$x_1$ (mathtext goes the ordinary way)")
    ax.legend()
    return figure


def _pixels(figure):
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


@pytest.mark.skipif(not base._GLYPH_API, reason="matplotlib < 3.11 draws text the ordinary way")
def test_cached_text_draws_the_pixels_plain_agg_draws():
    cached = _figure(base.Canvas, "epoch 1")
    assert isinstance(cached.canvas.get_renderer(), base.TextCachingRenderer)
    base._TEXT_CACHE.clear()
    first = _pixels(cached)
    stored = len(base._TEXT_CACHE)
    assert stored > 5  # tick labels, title, legend, rotated and aliased strings
    again = _pixels(cached)  # every string now comes from the cache
    assert len(base._TEXT_CACHE) == stored
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, _pixels(_figure(FigureCanvasAgg, "epoch 1")))
    base._TEXT_CACHE.clear()  # strings again from the kept layouts and glyph bitmaps, shifted to their places
    np.testing.assert_array_equal(first, _pixels(cached))
    # a changed string and a changed colour: new raster, same compositing as Agg
    cached.axes[0].set_title("epoch 2", fontsize=9)
    cached.axes[0].texts[0].set_color("blue")
    plain = _figure(FigureCanvasAgg, "epoch 2")
    plain.axes[0].texts[0].set_color("blue")
    np.testing.assert_array_equal(_pixels(cached), _pixels(plain))


def test_new_figures_draw_with_the_caching_renderer():
    assert isinstance(base.new_figure().canvas, base.Canvas)


def test_still_frames_are_lossless_png_of_the_canvas():
    figure = _figure(base.Canvas, "epoch 3")
    figure.axes[0].imshow(np.random.default_rng(0).random((8, 8)), extent=(1, 3, 1, 3))  # gradients, not flat
    png = base.render_png(figure)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.format == "PNG" and decoded.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(decoded), np.asarray(figure.canvas.buffer_rgba())[..., :3])
    assert base.css_width(figure) == decoded.width  # PIXEL_RATIO 1 unless the environment says otherwise
