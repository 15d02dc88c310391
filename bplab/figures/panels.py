"""A figure's background kept per panel: one axes drawn alone, its pixels put back where it drew.

A control that moves one axes' range (a new loss range, a longer sequence) changes the ticks and labels
of that axes only; drawing the whole figure again costs every other axes' ticks too. Here each panel (a
group of axes) is drawn alone on the empty figure, once per what it shows, and the background is put
together from the pixels each panel drew on: row band by row band, each panel's columns on its side of
a split that leaves every pixel a panel drew with that panel. The result is the full draw's, pixel for
pixel, when no two panels drew on the same pixel (an axes' white patch counts as drawn on: it covers
whatever another panel would put there); :func:`bands` says when they did, and then only a full draw
is right.
"""

from __future__ import annotations

import numpy as np
from matplotlib.transforms import Bbox


def draw_alone(figure, shown, hidden=()):
    """A full draw of ``figure`` with only the axes in ``shown`` and without the artists ``hidden``.

    Every axes and artist gets its visibility back afterwards. Returns the canvas's pixels (a view of the
    canvas's buffer, shape (height, width, 4), valid until the next draw).
    """
    canvas = figure.canvas
    shown = set(map(id, shown))
    saved = [(a, a.get_visible()) for a in (*figure.axes, *hidden)]
    for axes in figure.axes:
        axes.set_visible(axes.get_visible() and id(axes) in shown)
    for artist in hidden:
        artist.set_visible(False)
    try:
        canvas.draw()
    finally:
        for artist, visible in saved:
            artist.set_visible(visible)
    return np.asarray(canvas.buffer_rgba())


def drawn_on(pixels, empty, boxes=()):
    """Where a panel drew: the pixels that differ from the empty figure's, and ``boxes`` (its axes' areas).

    Parameters
    ----------
    pixels, empty : ndarray of uint8, shape (height, width, 4)
    boxes : iterable of matplotlib.transforms.Bbox
        In display coordinates (y up).

    Returns
    -------
    ndarray of bool, shape (height, width), rows from the top
    """
    drawn = pixels.view(np.uint32)[..., 0] != empty.view(np.uint32)[..., 0]
    for box in boxes:
        mark(drawn, box)
    return drawn


def mark(drawn, box, pixels=None, empty=None):
    """Mark ``box`` (display coordinates, y up) in the per-pixel mask ``drawn`` (rows from the top): all of it,
    or with ``pixels`` and ``empty`` (as :func:`drawn_on`) only its pixels that differ from the empty figure's."""
    height, _ = drawn.shape
    x0, y0, x1, y1 = box.extents
    rows = slice(max(height - int(np.ceil(y1)), 0), max(height - int(np.floor(y0)), 0))
    columns = slice(max(int(np.floor(x0)), 0), max(int(np.ceil(x1)), 0))
    if pixels is None:
        drawn[rows, columns] = True
    else:
        drawn[rows, columns] |= (pixels[rows, columns].view(np.uint32)[..., 0]
                                 != empty[rows, columns].view(np.uint32)[..., 0])


class Panel:
    """The canvas's pixels of the columns a panel drew on, and per row (from the top) where it drew.

    Parameters
    ----------
    canvas : FigureCanvasAgg
        Holding the panel drawn on the empty figure.
    drawn : ndarray of bool, shape (height, width)
        The pixels the panel drew on (:func:`drawn_on`); a panel that drew nothing keeps no pixels.
    keep_mask : bool
        Keep ``drawn`` as the attribute ``drawn`` (None otherwise: it is the size of the figure).
    """

    def __init__(self, canvas, drawn, keep_mask=False):
        height, width = drawn.shape
        rows, columns = drawn.any(axis=1), np.flatnonzero(drawn.any(axis=0))
        self.drawn = drawn if keep_mask else None
        self.first, self.last = (int(columns[0]), int(columns[-1]) + 1) if columns.size else (0, 0)
        self.region = (canvas.copy_from_bbox(Bbox.from_extents(self.first, 0, self.last, height))
                       if columns.size else None)
        # per row: the first column drawn on, and the last + 1 (width and 0 for a row it did not draw on)
        self.low = np.where(rows, drawn.argmax(axis=1), width)
        self.high = np.where(rows, width - drawn[:, ::-1].argmax(axis=1), 0)

    def restore(self, canvas, top, bottom, start, stop):
        """Copy rows ``top:bottom`` and columns ``start:stop`` (within the panel's) back into the canvas."""
        start, stop = max(start, self.first), min(stop, self.last)
        if self.region is not None and start < stop and top < bottom:
            # Agg's rectangle is inclusive and relative to the region, placed at the region's corner
            canvas.restore_region(self.region, bbox=(start, top, stop - 1, bottom - 1), xy=(self.first, 0))


def bands(panels):
    """Where each panel's pixels go: ``[(top, bottom, splits), ...]``, row bands in which panel ``i`` drew only
    between ``splits[i - 1]`` and ``splits[i]`` (0 and the width at the ends); None when two panels drew on
    the same pixels of a row (or out of their left-to-right order).

    Parameters
    ----------
    panels : list of Panel
        Left to right.
    """
    # split i must lie right of everything panels 0..i drew on a row, and left of everything panels i+1.. drew
    low_rows = np.array([p.low for p in panels])
    high_rows = np.array([p.high for p in panels])
    highs = np.maximum.accumulate(high_rows, axis=0)[:-1]
    lows = np.minimum.accumulate(low_rows[::-1], axis=0)[::-1][1:]
    if np.any(highs > lows):
        return None
    out, top, height = [], 0, low_rows.shape[1]
    while top < height:  # the longest band from ``top`` in which every split has room on every row
        low = np.maximum.accumulate(highs[:, top:], axis=1)
        high = np.minimum.accumulate(lows[:, top:], axis=1)
        closed = np.flatnonzero(np.any(low > high, axis=0))
        bottom = top + (int(closed[0]) if closed.size else height - top)
        out.append((top, bottom, tuple(int(x) for x in low[:, bottom - top - 1])))
        top = bottom
    return out


def compose(canvas, empty, panels, where):
    """Put the empty figure, then each panel's pixels as :func:`bands` ``where`` says, into the canvas."""
    canvas.restore_region(empty)
    width = canvas.get_width_height(physical=True)[0]
    for top, bottom, splits in where:
        edges = (0, *splits, width)
        for panel, start, stop in zip(panels, edges[:-1], edges[1:], strict=True):
            panel.restore(canvas, top, bottom, start, stop)
