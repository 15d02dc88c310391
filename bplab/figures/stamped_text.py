"""Texts drawn again from their recorded glyph calls: the same pixels, without laying them out each time.

A figure that redraws dozens of small labels per frame (the numbers of a confusion matrix, the labels
under digit thumbnails) spends most of each label's time in ``Text.draw`` working out where the string
goes (its layout, alignment and transforms), not in putting the glyphs down, which the glyph cache
(:mod:`bplab.figures.text_cache`) makes cheap. A label shows few different strings at one place, so
:class:`StampedText` records, the first time it draws a string at a place, the renderer calls
``Text.draw`` makes, and afterwards makes the same calls again, with the text's current colour.
Anything that could change those calls (string, position, transform, font, alignment, rotation,
the canvas) is part of the record's key; texts with a box, path effects or TeX draw the ordinary way.
"""

from __future__ import annotations

import collections

from matplotlib import artist as martist
from matplotlib import colors as mcolors
from matplotlib.text import Text

_KEPT = 64
"""Recorded strings per text (a label shows a handful)."""


class StampedText(Text):
    """A ``Text`` that replays its recorded ``draw_text`` calls when nothing they depend on changed.

    Make one with :func:`stamped`; it is otherwise a ``Text`` (set its string, colour, visibility).
    """

    @martist.allow_rasterization
    def draw(self, renderer):
        key = self._stamp_key(renderer)
        if key is None or not self.get_visible() or self.get_text() == "":
            return super().draw(renderer)
        self._renderer = renderer
        stamps = self.__dict__.setdefault("_stamps", collections.OrderedDict())
        calls = stamps.get(key)
        if calls is None:
            stamps[key] = calls = []
            while len(stamps) > _KEPT:
                stamps.popitem(last=False)
            # drawn by Text itself on the renderer itself (its text metrics are cached per renderer),
            # with the renderer's draw_text noted on the way
            draw_text = renderer.draw_text

            def noted(gc, x, y, s, prop, angle, ismath=False, mtext=None):
                calls.append((x, y, s, prop.copy(), angle, ismath, mtext is not None))
                return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

            renderer.draw_text = noted
            try:
                return super().draw(renderer)
            except BaseException:
                stamps.pop(key, None)
                raise
            finally:
                del renderer.draw_text  # the class's method again
        stamps.move_to_end(key)
        renderer.open_group("text", self.get_gid())
        gc = renderer.new_gc()  # as Text.draw sets it up
        gc.set_foreground(mcolors.to_rgba(self.get_color()), isRGBA=True)
        gc.set_alpha(self.get_alpha())
        gc.set_url(self._url)
        gc.set_antialiased(self._antialiased)
        gc.set_snap(self.get_snap())
        self._set_gc_clip(gc)
        for x, y, s, prop, angle, ismath, own in calls:
            renderer.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=self if own else None)
        gc.restore()
        renderer.close_group("text")
        self.stale = False
        return None

    def _stamp_key(self, renderer):
        """What the recorded calls depend on; None when they cannot be replayed (drawn the ordinary way)."""
        transform = self.get_transform()
        if (renderer is None or self._bbox_patch or self.get_path_effects() or self.get_usetex()
                or not transform.is_affine or self.get_wrap()):
            return None
        return (self.get_text(), float(self.convert_xunits(self._x)), float(self.convert_yunits(self._y)),
                transform.get_matrix().tobytes(), _font(self._fontproperties), self.get_rotation(),
                self.get_transform_rotates_text(), self.get_rotation_mode(), self.get_horizontalalignment(),
                self.get_verticalalignment(), self._multialignment, self._linespacing, self._antialiased,
                self.get_parse_math(), id(renderer), renderer.get_canvas_width_height(), renderer.dpi)


def _font(prop):
    """A font's properties as a tuple (a ``FontProperties`` is mutable: ``set_fontsize`` changes it in place)."""
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
            prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily())


def stamped(text):
    """``text`` (made by ``ax.text`` or ``figure.text``) as a :class:`StampedText`: the same artist, drawn faster."""
    text.__class__ = StampedText
    return text
