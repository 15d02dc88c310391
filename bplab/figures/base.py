"""Shared pieces of every figure: a pyplot-free Agg figure, colours, messages."""

from __future__ import annotations

import collections
import io
import os
import struct

import numpy as np
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.spines import Spine
from matplotlib.text import Text
from PIL import Image

try:  # ISA-L's deflate: the same format as zlib's, five times faster at its fastest level (pyproject.toml)
    from isal import isal_zlib as _deflate
except ImportError:  # a platform without its wheel: zlib, the same bytes format, slower
    import zlib as _deflate

from bplab.figures import panels as _panels
from bplab.figures.text_cache import Canvas, TextCachingRenderer

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#999999",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]
DIVERGING_CMAP = "RdBu_r"
SEQUENTIAL_CMAP = "viridis"


DPI = 110
"""Pixels per inch of a lab figure in CSS pixels: an 8-inch figure is 880 px wide, 7-point text is 10.7 px high.

Lab images are shown at exactly this size (never stretched), so they are as sharp as the page's own text."""
PIXEL_RATIO = max(1.0, float(os.environ.get("BPLAB_PIXEL_RATIO", "1") or 1))
"""Device pixels per CSS pixel the figures are rendered for: 2 on a high-density screen
(``BPLAB_PIXEL_RATIO=2``) costs about twice the drawing and encoding time; 1 by default."""


def new_figure(width=8.0, height=4.0, dpi=None):
    """A matplotlib Figure with an Agg canvas, outside pyplot (no global state, no auto-display).

    ``dpi`` defaults to ``DPI * PIXEL_RATIO``: see :func:`css_width`.
    """
    dpi = DPI * PIXEL_RATIO if dpi is None else dpi
    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    Canvas(figure)
    return figure


def show_message(figure, text):
    """Show (or, with ``text=""``, hide) a message across the figure: how divergence is reported.

    The text artist is created once and reused, so updates stay cheap.
    """
    artist = getattr(figure, "_bplab_message", None)
    if artist is None:
        artist = figure.text(0.5, 0.5, "", ha="center", va="center", fontsize=13, color=PALETTE["vermillion"],
                             bbox={"facecolor": "white", "edgecolor": PALETTE["vermillion"], "alpha": 0.92},
                             zorder=100, wrap=True)
        figure._bplab_message = artist
    artist.set_text(text)
    artist.set_visible(bool(text))
    return artist


def set_animating(figure, animating):
    """Say whether ``figure``'s next renders are animation frames (a :class:`Blitter` may approximate them)."""
    figure._bplab_animating = bool(animating)


def render_png(figure):
    """Draw with Agg and encode as PNG (fast compression: speed matters more than size here)."""
    figure.canvas.draw()
    return encode_png(figure.canvas)


def _pixels(canvas):
    """The canvas's pixels as a Pillow image without copying them: RGBA read as RGBX (figures are opaque).

    Pillow's JPEG encoder takes RGBX as it is; converting to RGB first cost a quarter of the encoding.
    """
    width, height = canvas.get_width_height(physical=True)
    return Image.frombuffer("RGBX", (width, height), canvas.buffer_rgba(), "raw", "RGBX", 0, 1)


def encode_png(canvas):
    """The Agg canvas's current pixels as PNG bytes, without drawing again (lossless: still frames).

    Written here rather than by Pillow: no row filter and the fastest deflate level. For a lab figure
    (880 x 418 px, flat colours and text) that was 5 ms and 107 kB with zlib against Pillow's 12 ms and
    111 kB (its adaptive filters cost more than they save on flat colours); ISA-L's deflate (the ``isal``
    package) then took the optimizer race's figure (770 x 429 px) from 6.8 ms to 1.8 ms for 4% more bytes.
    Alpha is dropped (figures are opaque).
    """
    width, height = canvas.get_width_height(physical=True)
    # Pillow drops alpha (RGBX -> RGB) in 0.6 ms where numpy's strided copy of rgba[..., :3] takes 3.5 ms
    rgb = np.frombuffer(_pixels(canvas).tobytes("raw", "RGB"), np.uint8).reshape(height, 3 * width)
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0  # filter type "None" for every row
    rows[:, 1:] = rgb
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"".join([b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", _deflate.compress(rows, 1)), _png_chunk(b"IEND", b"")])


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", _deflate.crc32(kind + data))


def encode_jpeg(canvas, quality=90):
    """The canvas's pixels as JPEG bytes: for animation frames, about 15 times cheaper to encode than PNG.

    No chroma subsampling (4:4:4), so coloured lines and text keep their edges; the still frame shown
    when an animation pauses is PNG again.
    """
    buffer = io.BytesIO()
    _pixels(canvas).save(buffer, format="jpeg", quality=quality, subsampling=0)
    return buffer.getvalue()


def css_width(figure):
    """The width, in CSS pixels, to show ``figure`` at: its pixel width over :data:`PIXEL_RATIO`."""
    return round(figure.canvas.get_width_height(physical=True)[0] / PIXEL_RATIO)


class Blitter:
    """Fast redraws: the static part of a figure is drawn once and reused; only the moving artists are drawn.

    A figure lists the artists its ``update`` changes on most calls (``moving``); they are drawn, in
    the order given, on top of a background holding everything else. Backgrounds are kept for the
    last few states of the static part, keyed by every axes' position, limits and scales and every
    static text (titles, labels, legend entries), so flipping a control back and forth redraws nothing
    static. Any other static artist that matplotlib marks stale (``set_data``, ``set_color``... on
    it) drops every kept background: a missing entry in ``moving`` costs speed, never correctness.
    Layers stay right: in an axes with a moving artist, the static artists above it inside the
    axes' area (legends, reference lines, spines, points over a map) are left out of the background
    and drawn with the moving ones, in z-order; outside the area (titles, a legend below the axes)
    nothing clipped to the axes can cover them. Only the axes' ticks and grid lines are always in
    the background (drawing their labels is what the cache saves). The figure's message (:func:`show_message`)
    is drawn last. The constrained layout, if any, is run once, on the first render, then frozen.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    moving : list of matplotlib.artist.Artist
    keep : int
        How many backgrounds to keep.
    sprites : list of matplotlib.collections.Collection, optional
        Moving collections that change far less often than the rest (points over a map that changes every
        frame): each is composited from a raster of it drawn alone, kept per its data (offsets, colours,
        sizes), and drawn again only when that changes. Laying out and stroking a few hundred markers
        costs more than compositing their pixels, which match a direct draw's within a few levels of
        255 (the edges' blending is rounded twice): so only in animation frames (:func:`set_animating`,
        sent as JPEG, whose own error is larger); still frames draw them directly.
    panels : list of list of matplotlib.axes.Axes, optional
        Every axes of the figure in groups, left to right: a new background is then put together from
        each group drawn alone, kept per what it shows (:mod:`bplab.figures.panels`), so a control that
        changes one group's range draws that group's ticks only. The same pixels as a full draw; a full
        draw where two groups drew on the same pixels.

    Attributes
    ----------
    full_draws : int
        Whole-figure backgrounds drawn so far (the rest were blitted or put together from panels).
    panel_draws : int
        Panels drawn alone so far.
    """

    def __init__(self, figure, moving, keep=8, sprites=(), panels=None):
        self.figure = figure
        self.moving = list(moving)
        self.keep = int(keep)
        self.sprites = set(map(id, sprites))
        if not self.sprites <= set(map(id, self.moving)):
            raise ValueError("every sprite must also be a moving artist")
        self._sprite_rasters = collections.OrderedDict()  # a collection's data -> its raster
        self._legend_rasters = collections.OrderedDict()  # a static legend's content and place -> its raster
        self._backgrounds = collections.OrderedDict()
        self._extents = collections.OrderedDict()
        self.full_draws = 0
        self.panels = None if panels is None else [list(group) for group in panels]
        if self.panels is not None and sorted(id(a) for g in self.panels for a in g) != sorted(map(id, figure.axes)):
            raise ValueError("panels must hold every axes of the figure once")
        self._panel_images = [collections.OrderedDict() for _ in self.panels or ()]  # per group: key -> Panel
        self._empty = {}  # the figure's own artists -> the empty figure's pixels
        self.panel_draws = 0

    def _moving_now(self):
        message = getattr(self.figure, "_bplab_message", None)
        return self.moving + ([message] if message is not None and message not in self.moving else [])

    def _static(self, moving):
        """The static texts (legend entries included) and the other static artists."""
        skip = set(map(id, moving))
        texts, others = [], list(self.figure.images)
        legends = list(self.figure.legends)
        for artist in self.figure.texts:
            (texts if isinstance(artist, Text) else others).append(artist)
        for ax in self.figure.axes:
            texts += [*ax.texts, ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
            others += [*ax.lines, *ax.collections, *ax.images, *ax.patches, *ax.artists, ax.patch,
                       *ax.spines.values()]
            if ax.legend_ is not None:
                legends.append(ax.legend_)
        for legend in legends:
            texts += [legend.get_title(), *legend.get_texts()]
        return ([t for t in texts if id(t) not in skip], [a for a in others if id(a) not in skip],
                [a for a in legends if id(a) not in skip])

    def _reaches_in(self, artist, ax, renderer, box):
        """:func:`_inside`, remembered per static artist and axes ``box`` (extents cost layouts: ticks, legends)."""
        if isinstance(artist, Spine):
            return True  # along the edge, and its width reaches in
        if isinstance(artist, Text) and not artist.get_text():
            return False  # draws nothing (every axes has empty left and right titles, never un-staled by a draw)
        if artist.stale or (isinstance(artist, Legend) and artist._get_loc() == 0):  # moved, or placed by the data
            return _inside(artist, ax, renderer)
        key = (id(artist), box)
        found = self._extents.get(key)
        if found is None:
            found = self._extents[key] = _inside(artist, ax, renderer)
            while len(self._extents) > 4096:
                self._extents.popitem(last=False)
        return found

    def _layers(self, renderer):
        """Every artist drawn on top of the background, in drawing order (see the class docstring)."""
        moving = self._moving_now()
        chosen = set(map(id, moving))
        layers = []
        for ax in self.figure.axes:
            mine = [a for a in moving if a.axes is ax]
            if not mine:
                continue
            low = min(a.get_zorder() for a in mine)
            # as Axes.draw: no spines on an axes drawn without its frame (``axis("off")``)
            skip = set() if ax.axison and ax.get_frame_on() else set(map(id, ax.spines.values()))
            # moving artists clipped to the axes cannot cover what lies outside it (titles, legends below)
            clipped = all(a.get_clip_on() for a in mine)
            box = (ax.bbox.bounds, ax.viewLim.bounds)  # once per axes: each costs a transform's update check
            children = [c for c in ax.get_children() if id(c) not in skip and (
                id(c) in chosen or (c.get_zorder() > low and not isinstance(c, Axis) and c is not ax.patch
                                    and (not clipped or self._reaches_in(c, ax, renderer, box))))]
            layers += sorted(children, key=lambda a: a.get_zorder())  # stable: as a full draw orders them
        placed = set(map(id, layers))
        return layers + [a for a in moving if id(a) not in placed]

    def render(self):
        """Draw the figure's current state into its canvas (then :func:`encode_png` its pixels)."""
        figure, canvas = self.figure, self.figure.canvas
        if figure.get_layout_engine() is not None and not (self.full_draws or self.panel_draws):
            figure.get_layout_engine().execute(figure)
            figure.set_layout_engine("none")
        renderer = canvas.get_renderer()
        layers = self._layers(renderer)
        texts, others, legends = self._static(layers)
        # an invisible artist is not drawn, so it stays stale: only visible ones tell of a change
        if any(a.stale for a in others if a.get_visible()):
            self._backgrounds.clear()
            for images in self._panel_images:
                images.clear()
        key = (tuple((ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      ax.get_visible()) for ax in figure.axes),
               tuple((t.get_visible() and t.get_text(), t.get_color() if t.get_visible() else None) for t in texts),
               tuple(a.get_visible() for a in others + legends), tuple(map(id, layers)))
        background = self._backgrounds.get(key)
        if background is None:
            shown = [a.get_visible() for a in layers]
            for artist in layers:
                artist.set_visible(False)
            if not self._compose_panels(layers, texts, others, legends):
                canvas.draw()
                self.full_draws += 1
            background = self._backgrounds[key] = canvas.copy_from_bbox(figure.bbox)
            while len(self._backgrounds) > self.keep:
                self._backgrounds.popitem(last=False)
            for artist, visible in zip(layers, shown, strict=True):
                artist.set_visible(visible)
        else:
            self._backgrounds.move_to_end(key)
            canvas.restore_region(background)
        for ax in {a.axes for a in layers if a.axes is not None and a in (a.axes.title, a.axes._left_title,
                                                                          a.axes._right_title)}:
            ax._update_title_position(renderer)  # what a full draw does first: titles sit above the tick labels
        moving = set(map(id, self.moving))
        for artist in layers:
            if not artist.get_visible():
                continue
            # a static legend over moving lines: laying it out costs more than all the lines; draw its raster
            if isinstance(artist, Legend) and id(artist) not in moving and artist._get_loc() != 0:
                self._draw_sprite(artist, renderer, self._legend_rasters)
                while len(self._legend_rasters) > 4 * self.keep:
                    self._legend_rasters.popitem(last=False)
            elif id(artist) in self.sprites and getattr(figure, "_bplab_animating", False):
                self._draw_sprite(artist, renderer, self._sprite_rasters, _collection_key(artist))
                while len(self._sprite_rasters) > 4 * len(self.sprites):
                    self._sprite_rasters.popitem(last=False)
            else:
                artist.draw(renderer)  # as figure.draw_artist, without asking the canvas for its renderer each time

    def _compose_panels(self, layers, texts, others, legends):
        """Put the background together from the panels (each group of axes drawn alone, kept per what it shows);
        False when there are no panels or two of them drew on the same pixels."""
        if not self.panels:
            return False
        figure, canvas = self.figure, self.figure.canvas
        owner = {}  # each static artist's group (None: the figure's own)
        for k, group in enumerate(self.panels):
            for ax in group:
                owner.update(dict.fromkeys(map(id, [*ax.get_children(), ax.xaxis.label, ax.yaxis.label]), k))
                if ax.legend_ is not None:
                    owner.update(dict.fromkeys(map(id, [ax.legend_.get_title(), *ax.legend_.get_texts()]), k))
        keys = [[] for _ in range(len(self.panels) + 1)]
        for text in texts:
            keys[owner.get(id(text), -1)].append((text.get_visible() and text.get_text(),
                                                  text.get_color() if text.get_visible() else None))
        for artist in others + legends:
            keys[owner.get(id(artist), -1)].append(artist.get_visible())
        for k, group in enumerate(self.panels):
            keys[k].append(tuple((ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(), ax.get_xscale(),
                                  ax.get_yscale(), ax.get_visible()) for ax in group))
            keys[k].append(tuple(id(a) for a in layers if a.axes in group))
        own = tuple(keys[-1])
        empty = self._empty.get(own)
        if empty is None:
            self._empty.clear()
            pixels = _panels.draw_alone(figure, [])
            empty = self._empty[own] = (canvas.copy_from_bbox(figure.bbox), pixels.copy())
        drawn = []
        for k, group in enumerate(self.panels):
            images, key = self._panel_images[k], (own, tuple(keys[k]))
            panel = images.get(key)
            if panel is None:
                pixels = _panels.draw_alone(figure, group)
                boxes = [ax.bbox.padded(2) for ax in group if ax.get_visible()]  # spines reach past the box
                panel = images[key] = _panels.Panel(canvas, _panels.drawn_on(pixels, empty[1], boxes))
                while len(images) > max(2, self.keep // 2):  # the whole backgrounds are kept too
                    images.popitem(last=False)
                self.panel_draws += 1
            else:
                images.move_to_end(key)
            drawn.append(panel)
        where = _panels.bands(drawn)
        if where is None:
            return False
        _panels.compose(canvas, empty[0], drawn, where)
        return True

    def _draw_sprite(self, artist, renderer, sprites, key=None):
        """Composite ``artist`` from its raster (drawn alone on a transparent canvas once, kept in ``sprites``).

        A legend's raster is keyed by what it shows (texts, handles) and where (its anchor box and
        location), not by the background it goes over: a change of the axes' limits elsewhere in the
        figure (a new background) reuses it, and a change of its texts or handles draws it again.
        Compositing a transparent raster gives the pixels a direct draw gives, within rounding of the
        alpha blend.
        """
        if key is None:
            # the legend itself, not its id: a kept raster keeps its legend, so no new legend reuses the key
            key = (artist, artist.get_title().get_text(), tuple(t.get_text() for t in artist.get_texts()),
                   tuple(h.get_visible() for h in artist.legend_handles if h is not None),
                   str(artist._get_loc()), artist.get_bbox_to_anchor().bounds)
        if key in sprites:
            sprites.move_to_end(key)
        sprite = sprites.get(key)
        if sprite is None:
            width, height = self.figure.canvas.get_width_height(physical=True)
            scratch = TextCachingRenderer(width, height, self.figure.dpi)
            artist.draw(scratch)
            pixels = np.asarray(scratch.buffer_rgba())
            rows, cols = np.nonzero(pixels[..., 3].any(axis=1))[0], np.nonzero(pixels[..., 3].any(axis=0))[0]
            sprite = sprites[key] = (None if not rows.size else (
                # draw_image takes rows bottom-up, placed by the bottom-left corner
                pixels[rows[-1]:(rows[0] - 1 if rows[0] else None):-1, cols[0]:cols[-1] + 1].copy(), int(cols[0]),
                int(height - rows[-1] - 1)))
        if sprite is not None:
            image, left, bottom = sprite
            gc = renderer.new_gc()
            renderer.draw_image(gc, left, bottom, image)
            gc.restore()
        artist.stale = False


def _collection_key(collection):
    """What a collection's pixels depend on, besides the axes' limits and place (which key the background)."""
    arrays = (collection.get_offsets(), collection.get_facecolor(), collection.get_edgecolor(),
              collection.get_sizes(), collection.get_linewidths())
    ax = collection.axes
    return (id(collection), collection.get_alpha(), collection.get_zorder(), tuple(map(id, collection.get_paths())),
            None if ax is None else (ax.bbox.bounds, ax.viewLim.bounds),
            *((np.shape(a), np.asarray(a).tobytes()) for a in arrays))


def _inside(artist, ax, renderer):
    """Whether ``artist`` may reach into the axes' area (True when its extent is unknown)."""
    try:
        box = artist.get_window_extent(renderer)
    except Exception:  # noqa: BLE001 - an unknown extent counts as inside: drawn, never lost
        return True
    # padded: a line along the axes' edge (a spine) has an extent that only touches it, yet its width reaches in
    return not np.all(np.isfinite(box.get_points())) or box.overlaps(ax.bbox.padded(3))
