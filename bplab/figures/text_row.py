"""A line of text that changes often, drawn as a few pieces that each come back unchanged.

A title like ``epoch 140: accuracy 0.95 train, 0.97 val`` is a new string almost every frame, and a new
string costs about 2.5 ms to draw (FreeType shapes it twice: matplotlib to measure it, the text cache
to place its glyphs; the glyph cache misses wherever the string's start falls at a new fraction of a
pixel). Its pieces (``epoch 140:``, ``accuracy 0.95 train,``, ``0.97 val``) come from small sets of
strings. :class:`TextRow` draws each piece as its own ``Text``, left-aligned at a whole pixel, so a
piece seen before is drawn from the text cache (:mod:`bplab.figures.text_cache`) and costs only its
compositing; the row is centred where its reference text (a title) was laid out. Pieces are one space
apart, as in the joined string, within half a pixel.
"""

from __future__ import annotations

from matplotlib import text as mtext
from matplotlib.transforms import IdentityTransform

_text_metrics = getattr(mtext, "_get_text_metrics_with_cache", None)  # matplotlib's (private) measuring cache
_WIDTHS = {}  # (string, font, dpi) -> its width in pixels, as the renderer measures it


class TextRow:
    """Pieces of one line of text, centred where ``reference`` was laid out.

    Parameters
    ----------
    reference : matplotlib.text.Text
        A title or other one-line text in the figure: it keeps the joined text until :meth:`anchor`
        (so a constrained layout makes room for it), then is emptied; the pieces take its font and colour.
    pieces : int
        The most pieces a line has (``Text`` artists made once).

    Attributes
    ----------
    artists : list of matplotlib.text.Text
        The pieces' artists (figure texts in display pixels), to redraw when the row changes.
    """

    def __init__(self, reference, pieces):
        self.reference = reference
        figure = reference.get_figure(root=True)
        self.artists = [figure.text(0, 0, "", transform=IdentityTransform(), ha="left", va="baseline",
                                    fontproperties=reference.get_fontproperties(), color=reference.get_color(),
                                    visible=False) for _ in range(pieces)]
        self.pieces = []
        self._anchor = None  # the row's centre and baseline, in display pixels

    def get_text(self):
        """The line, pieces joined by spaces."""
        return " ".join(self.pieces)

    def set_pieces(self, pieces):
        """Show ``pieces`` (strings), one space apart."""
        pieces = [str(p) for p in pieces]
        if len(pieces) > len(self.artists):
            raise ValueError(f"a row of {len(self.artists)} pieces got {len(pieces)}: {pieces}")
        self.pieces = pieces
        if self._anchor is None:
            self.reference.set_text(self.get_text())
        else:
            self._place()

    def anchor(self, renderer):
        """Take the reference's place (call once the figure's layout is final), then draw the pieces instead."""
        reference = self.reference
        reference.set_text(self.get_text() or "lp")
        box = reference.get_window_extent(renderer)
        prop = reference.get_fontproperties()
        descent = max(renderer.get_text_width_height_descent(t, prop, ismath=False)[2]
                      for t in ("lp", reference.get_text()))
        self._renderer = renderer
        self._anchor = (box.x0 + box.width / 2, box.y0 + descent)
        reference.set_text("")
        self._place()

    def _width(self, text):
        prop = self.reference.get_fontproperties()
        key = (text, prop.get_size_in_points(), tuple(prop.get_family()), self._renderer.dpi)
        width = _WIDTHS.get(key)
        if width is None:
            width = _WIDTHS[key] = _measure(self._renderer, text, prop)[0]
            while len(_WIDTHS) > 8192:
                _WIDTHS.pop(next(iter(_WIDTHS)))
        return width

    def _place(self):
        space = self._width("x x") - self._width("xx")
        widths = [self._width(p) for p in self.pieces]
        total = sum(widths) + space * max(len(widths) - 1, 0)
        centre, baseline = self._anchor
        x = centre - total / 2
        for artist, piece, width in zip(self.artists, self.pieces, widths, strict=False):
            artist.set_text(piece)
            artist.set_position((round(x), baseline))  # whole pixels: a piece seen before is drawn from the cache
            artist.set_visible(True)
            x += width + space
        for artist in self.artists[len(self.pieces):]:
            artist.set_visible(False)


def _measure(renderer, text, prop):
    """Width, height and descent of a plain string, through the cache ``Text`` lays itself out with.

    Measuring shapes the string with FreeType (0.2-0.8 ms); through matplotlib's own cache the piece's
    ``Text`` finds the answer when it is drawn instead of shaping the string a second time.
    """
    if _text_metrics is None:
        return renderer.get_text_width_height_descent(text, prop, ismath=False)
    return _text_metrics(renderer, text, prop, False, renderer.dpi)
