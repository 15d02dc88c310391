"""Text drawn from kept glyph bitmaps: an Agg canvas whose unchanged strings cost only their compositing.

Measured on the animated labs (CONTRIBUTING.md, "The drawing path"): text was about 40% of a frame.
The pixels are the ones matplotlib draws (``tests/test_drawing_path.py`` compares them exactly); where
matplotlib's glyph API is missing (before 3.11) or for mathtext, text is drawn the ordinary way.
"""

from __future__ import annotations

import collections
import math
import threading

import numpy as np
from matplotlib.backends import backend_agg
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.font_manager import fontManager, get_font

TEXT_CACHE_SIZE = 4096
"""Rasterized strings kept by :class:`TextCachingRenderer` (a few hundred bytes each)."""
_TEXT_CACHE = collections.OrderedDict()  # a string at a place within a pixel -> its glyphs' bitmaps and places
_LAYOUTS = collections.OrderedDict()  # a string -> its glyphs and their offsets (FreeType's layout)
_GLYPHS = collections.OrderedDict()  # a glyph at a place within a pixel -> its bitmap
_HEIGHTS = {}  # a font at a dpi -> its ascent, descent and line gap (a few fonts per course)
_TEXT_CACHE_LOCK = threading.Lock()
_GLYPH_API = all(hasattr(RendererAgg, name) for name in ("_draw_text_glyphs_and_boxes", "_prepare_font"))
"""matplotlib >= 3.11 renders text glyph by glyph (``FT2Font._layout``, ``_render_glyph``): what the cache keeps."""


def _font_key(prop):
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
            prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily())


class TextCachingRenderer(RendererAgg):
    """Agg, with every plain string's glyph bitmaps kept: drawing a string again costs its compositing only.

    Text is most of an animation frame's cost (laying out the string and rasterizing each glyph with
    FreeType), and most strings drawn come back unchanged at the same place: legend entries, tick labels,
    numbers in a confusion matrix, a title that changes only now and then. A string's bitmaps depend on
    its font, size, angle and the fractional part of its position (FreeType places glyphs to 1/64 pixel),
    so those make the key; the colour is applied when compositing, as Agg does. The pixels are the ones
    ``RendererAgg.draw_text`` draws (its glyph loop, recorded). Mathtext, and matplotlib versions
    before 3.11, go the ordinary way.
    """

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not _GLYPH_API:
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        up = self.height - y  # FreeType's y is upwards
        whole_x, whole_y = math.floor(x), math.floor(up)
        frac_x, frac_y = x - whole_x, up - whole_y
        antialiased = bool(gc.get_antialiased())
        flags = backend_agg.get_hinting_flag()
        key = (s, _font_key(prop), self.dpi, angle, frac_x, frac_y, antialiased, flags,
               None if features is None else tuple(features), language)
        with _TEXT_CACHE_LOCK:
            glyphs = _TEXT_CACHE.get(key)
            if glyphs is not None:
                _TEXT_CACHE.move_to_end(key)
        if glyphs is None:  # glyph by glyph the first time: a string drawn once (a frame's epoch) is not merged
            glyphs = _Glyphs(self._rasterize(s, prop, angle, frac_x, frac_y, antialiased, flags, features, language))
            with _TEXT_CACHE_LOCK:
                _remember(_TEXT_CACHE, key, glyphs)
        elif type(glyphs) is _Glyphs:  # drawn again: worth merging into one bitmap (or two)
            glyphs = _layers(glyphs)
            with _TEXT_CACHE_LOCK:
                _TEXT_CACHE[key] = glyphs
        height = int(self.height)
        for buffer, left, top in glyphs:
            # as RendererAgg._draw_text_glyphs_and_boxes: draw_text_image's y is downwards & the bitmap's bottom
            self._renderer.draw_text_image(buffer, whole_x + left, height - (whole_y + top) + buffer.shape[0], 0, gc)
        return None

    def _get_font_height_metrics(self, prop):
        """A font's ascent, descent and line gap in pixels, as ``Text._get_layout`` reads them, kept per font.

        ``Text`` asks its renderer for these first; without the answer it reads the font's tables for
        every string it lays out.
        """
        key = (_font_key(prop), self.dpi)
        metrics = _HEIGHTS.get(key)
        if metrics is None:
            metrics = _HEIGHTS[key] = _height_metrics(prop, self.dpi)
        return metrics

    def _rasterize(self, s, prop, angle, frac_x, frac_y, antialiased, flags, features, language):
        """Each glyph's bitmap and its left and top edges relative to the string's whole-pixel origin.

        A string seen before at another place reuses its layout; a glyph seen before at the same position
        within a pixel (to FreeType's 1/64) reuses its bitmap, shifted by whole pixels, as FreeType would.
        """
        size = prop.get_size_in_points()
        layout_key = (s, _font_key(prop), self.dpi, flags, None if features is None else tuple(features), language)
        with _TEXT_CACHE_LOCK:
            items = _LAYOUTS.get(layout_key)
        if items is None:
            font = self._prepare_font(prop)
            # font files, not font objects: FT2Font is not thread-safe, so matplotlib keeps one per thread
            items = [(item.ft_object.fname, item.glyph_index, item.x, item.y)
                     for item in font._layout(s, flags=flags, features=features, language=language)]
            with _TEXT_CACHE_LOCK:
                _remember(_LAYOUTS, layout_key, items)
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        rotation = None
        mode = backend_agg.RenderMode.NORMAL if antialiased else backend_agg.RenderMode.MONO
        glyphs = []
        for path, index, dx, dy in items:  # dy is upwards
            pen_x, pen_y = round(0x40 * (frac_x + dx * cos - dy * sin)), round(0x40 * (frac_y + dx * sin + dy * cos))
            key = (path, size, self.dpi, index, angle, pen_x & 63, pen_y & 63, flags, antialiased)
            with _TEXT_CACHE_LOCK:
                found = _GLYPHS.get(key)
            if found is None:
                if rotation is None:
                    rotation = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
                glyph_font = get_font([path])  # this thread's
                glyph_font.set_size(size, self.dpi)
                glyph_font._set_transform(rotation, [pen_x & 63, pen_y & 63])
                bitmap = glyph_font._render_glyph(index, flags, mode)
                buffer = np.array(bitmap.buffer, copy=True)
                if not antialiased:
                    buffer *= 0xff
                found = (buffer, bitmap.left, bitmap.top)
                with _TEXT_CACHE_LOCK:
                    _remember(_GLYPHS, key, found)
            buffer, left, top = found
            glyphs.append((buffer, left + (pen_x >> 6), top + (pen_y >> 6)))
        return glyphs


class _Glyphs(list):
    """A string's glyph bitmaps as rasterized, not merged yet (see :func:`_layers`)."""


def _layers(glyphs):
    """A string's glyph bitmaps merged into as few bitmaps as give Agg's pixels exactly: usually one.

    Compositing a string glyph by glyph cost about 10 us a glyph (most of a cached title's cost). A pixel
    no glyph covers is left alone by Agg's blend (zero coverage), so glyphs whose covered pixels do not
    meet composite the same in one bitmap as one by one. Where two glyphs cover one pixel, the later one
    goes to a later bitmap, drawn after: each pixel sees the blends in Agg's order.

    Parameters
    ----------
    glyphs : list of (ndarray of uint8, int, int)
        Each glyph's coverage and its left and top edges (top upwards) from the string's whole-pixel origin.

    Returns
    -------
    list of (ndarray of uint8, int, int)
        The same, for the merged bitmaps, in drawing order.
    """
    glyphs = [glyph for glyph in glyphs if glyph[0].size]
    if len(glyphs) < 2:
        return glyphs
    left = min(g_left for _, g_left, _ in glyphs)
    right = max(g_left + buffer.shape[1] for buffer, g_left, _ in glyphs)
    top = max(g_top for _, _, g_top in glyphs)
    bottom = min(g_top - buffer.shape[0] for buffer, _, g_top in glyphs)
    layers = []
    for buffer, g_left, g_top in glyphs:
        place = (slice(top - g_top, top - g_top + buffer.shape[0]), slice(g_left - left, g_left - left + buffer.shape[1]))
        covered = buffer > 0
        # after every layer holding a glyph it meets: that glyph is blended first, as Agg blends them
        level = 1 + max((k for k, layer in enumerate(layers) if np.any(layer[place][covered])), default=-1)
        if level == len(layers):
            layers.append(np.zeros((top - bottom, right - left), np.uint8))
        layers[level][place] += buffer  # no pixel of this layer under the glyph's coverage is covered yet
    merged = []
    for layer in layers:
        rows, cols = np.nonzero(layer.any(axis=1))[0], np.nonzero(layer.any(axis=0))[0]
        if rows.size:
            merged.append((layer[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].copy(), left + int(cols[0]),
                           top - int(rows[0])))
    return merged


def _height_metrics(prop, dpi):
    """What ``matplotlib.text.Text._get_layout`` computes from the font's OS/2 or hhea table."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                         ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _remember(cache, key, value):
    cache[key] = value
    while len(cache) > TEXT_CACHE_SIZE:
        cache.popitem(last=False)


class Canvas(FigureCanvasAgg):
    """An Agg canvas drawing with :class:`TextCachingRenderer`."""

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)
        key = width, height, self.figure.dpi
        if self._lastKey != key:
            self.renderer = TextCachingRenderer(width, height, self.figure.dpi)
            self._lastKey = key
        return self.renderer
