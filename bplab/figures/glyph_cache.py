"""Text drawn from cached glyphs: the same pixels as matplotlib's Agg renderer, a fraction of its time.

A lab redraw spends most of its time on text (tick labels, numbers in nodes, titles), and most of
that in FreeType: laying out each string, then rasterizing each glyph again on every draw. This
renderer keeps both: the layout of a string (per font, size and resolution) and the bitmap of a
glyph (per font, size, transform and sub-pixel offset, the only things it depends on; a whole-pixel
offset only moves it). The pixels drawn are the ones the plain renderer draws (tested bit for bit in
``tests/test_glyph_cache.py``).

It relies on the Agg renderer's glyph-by-glyph text path of matplotlib 3.11 (``_draw_text_glyphs_and_boxes``
and ``FT2Font._render_glyph``); with another matplotlib, :func:`use_glyph_cache` leaves the figure's
canvas as it is.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.path import Path

try:
    from matplotlib.ft2font import RenderMode
except ImportError:  # matplotlib before 3.11: no glyph-by-glyph text path
    RenderMode = None

SUPPORTED = RenderMode is not None and hasattr(RendererAgg, "_draw_text_glyphs_and_boxes")
MAX_GLYPHS = 20_000
MAX_LAYOUTS = 4_096
_GLYPHS = {}  # (font, size, dpi, glyph, transform, flags, mode, sub-pixel offset) -> (bitmap, left, top)
_LAYOUTS = {}  # (font, size, dpi, string, flags, features, language) -> [(font object, glyph, x, y)]


class GlyphCachingRenderer(RendererAgg):
    """``RendererAgg`` drawing text from cached layouts and glyph bitmaps (see the module docstring)."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return self.draw_mathtext(gc, x, y, s, prop, angle)
        font = self._prepare_font(prop)
        size = prop.get_size_in_points()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = (font.fname, size, self.dpi, s, flags, features, language)
        items = _LAYOUTS.get(key)
        if items is None:
            items = [(item.ft_object, item.glyph_index, item.x, item.y)
                     for item in font._layout(s, flags=flags, features=features, language=language)]
            if len(_LAYOUTS) >= MAX_LAYOUTS:
                _LAYOUTS.clear()
            _LAYOUTS[key] = items
        self._draw_text_glyphs_and_boxes(gc, x, y, angle, ((face, size, glyph, 0, 1, gx, gy)
                                                          for face, glyph, gx, gy in items), [])

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        # As RendererAgg's (matplotlib 3.11), with each glyph's bitmap looked up before it is rendered.
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        antialiased = gc.get_antialiased()
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards.
            matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])
                      @ [[extend, extend * slant], [0, 1]]).round().astype(int)
            delta = [round(0x40 * (x + dx * cos - dy * sin)),
                     round(0x40 * (self.height - y + dx * sin + dy * cos))]  # FreeType's y is upwards.
            key = (font.fname, size, self.dpi, glyph_index, tuple(matrix.ravel()), load_flags, antialiased,
                   delta[0] % 64, delta[1] % 64)
            cached = _GLYPHS.get(key)
            if cached is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, delta)
                bitmap = font._render_glyph(glyph_index, load_flags, mode)
                buffer = bitmap.buffer
                if not antialiased:
                    buffer *= 0xff
                # the bitmap for this sub-pixel offset; a whole-pixel offset only moves it
                cached = (buffer, bitmap.left - delta[0] // 64, bitmap.top - delta[1] // 64)
                if len(_GLYPHS) >= MAX_GLYPHS:
                    _GLYPHS.clear()
                _GLYPHS[key] = cached
            buffer, left, top = cached
            # draw_text_image's y is downwards & the bitmap bottom side.
            self._renderer.draw_text_image(buffer, left + delta[0] // 64,
                                           int(self.height) - (top + delta[1] // 64) + buffer.shape[0], 0, gc)

        rgba = gc.get_rgb()
        if len(rgba) == 3 or gc.get_forced_alpha():
            rgba = rgba[:3] + (gc.get_alpha(),)
        gc1 = self.new_gc()
        gc1.set_linewidth(0)
        gc1.set_snap(gc.get_snap())
        for dx, dy, w, h in boxes:  # dy is upwards.
            if gc1.get_snap() in [None, True]:
                # Prevent thin bars from disappearing by growing symmetrically.
                if w < 1:
                    dx -= (1 - w) / 2
                    w = 1
                if h < 1:
                    dy -= (1 - h) / 2
                    h = 1
            path = Path._create_closed([(dx, dy), (dx + w, dy), (dx + w, dy + h), (dx, dy + h)])
            self._renderer.draw_path(gc1, path, mpl.transforms.Affine2D().rotate_deg(angle).translate(
                x, self.height - y), rgba)
        gc1.restore()


class GlyphCachingCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`GlyphCachingRenderer`."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = GlyphCachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def use_glyph_cache(figure):
    """Give ``figure`` a glyph-caching Agg canvas (when this matplotlib supports it); returns the figure."""
    if SUPPORTED and not isinstance(figure.canvas, GlyphCachingCanvas):
        GlyphCachingCanvas(figure)
    return figure
