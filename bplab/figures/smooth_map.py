"""A map of values sampled on a grid, drawn at the screen's pixels by bilinear interpolation: cheap per frame.

Measured on the regularization lab (its 50 x 50 decision map shown about 295 x 293 px): matplotlib's
``imshow(..., interpolation="bilinear")`` costs about 6.5 ms per draw with Agg (the data and a mask
resampled by Agg, normalized as a masked array, colour-mapped, then blended at alpha), a third of a
Play frame. :class:`SmoothMap` interpolates the grid separably with numpy (two gathers and two
weighted sums), looks the colours up in a table already blended over the axes' face, and hands Agg
an opaque image exactly the size of its place on the canvas: about 1 ms.

The grid's values are placed where they were sampled: the first and last rows and columns lie on
the edges of ``extent`` (``numpy.linspace(low, high, n)``), not half a cell inside them as
``imshow`` places the centres of its cells.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colors
from matplotlib.image import AxesImage
from matplotlib.transforms import Bbox, IdentityTransform, TransformedBbox


class SmoothMap(AxesImage):
    """Values on a grid of sample points, bilinearly interpolated at every pixel, drawn opaque.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    data : ndarray, shape (rows, columns)
        ``data[i, j]`` is the value at ``(x_j, y_i)`` with ``x = linspace(extent[0], extent[1], columns)``
        and ``y = linspace(extent[2], extent[3], rows)`` (row 0 at the bottom). NaN shows the axes' face.
    extent : (x0, x1, y0, y1)
        Where the first and last samples lie, in data coordinates (linear axes).
    cmap : str or matplotlib.colors.Colormap
    vmin, vmax : float
        The colour map's ends (a linear norm); values beyond take the end colours.
    alpha : float in [0, 1]
        Opacity of the colours over the axes' face colour (blended into the colour table: nothing
        below the map shows through but the axes' face).
    """

    def __init__(self, ax, data, extent, cmap, vmin, vmax, alpha=1.0, **kwargs):
        self._map_alpha = float(alpha)
        super().__init__(ax, cmap=cmap, norm=colors.Normalize(vmin, vmax), origin="lower", extent=extent,
                         interpolation="bilinear", **kwargs)
        self.set_data(data)
        self._weights_kept = None  # pixel grid -> interpolation indices and weights

    def make_image(self, renderer, magnification=1.0, unsampled=False):
        """The RGBA pixels (rows bottom-up, as Agg's ``draw_image`` takes them) and their bottom-left corner."""
        x0, x1, y0, y1 = self.get_extent()
        clip = ((self.get_clip_box() or self.axes.bbox) if self.get_clip_on()
                else self.get_figure(root=True).bbox)
        box = Bbox.intersection(TransformedBbox(Bbox([[x0, y0], [x1, y1]]), self.get_transform()), clip)
        if box is None:
            return None, 0, 0, None
        # the pixel box imshow's images take (``_ImageBase._make_image``: round half up on both ends)
        left, bottom = math.floor(box.x0 * magnification + 0.5), math.ceil(box.y0 * magnification - 0.5 - 1e-8)
        right, top = math.floor(box.x1 * magnification + 0.5 + 1e-8), math.ceil(box.y1 * magnification - 0.5)
        if right <= left or top <= bottom:
            return None, 0, 0, None
        table = self._colour_table()
        n = len(table) - 1  # the colour map's N colours, then the face for NaN
        norm = self.norm
        # the norm and Colormap.__call__'s scaling (floor(x * N)) on the grid, before interpolating: both linear
        values = np.ma.filled(np.ma.asarray(self.get_array(), dtype=np.float32), np.nan)
        scaled = (values - np.float32(norm.vmin)) * np.float32(n / ((norm.vmax - norm.vmin) or 1.0))
        (c0, c1, cw0, cw1), (r0, r1, rw0, rw1) = self._pixel_weights(values.shape, (left, bottom, right, top),
                                                                     magnification)
        # separable bilinear interpolation: along x on each sampled row, then along y
        across = scaled[:, c0] * cw0 + scaled[:, c1] * cw1
        smooth = across[r0] * rw0[:, None]
        smooth += across[r1] * rw1[:, None]
        np.clip(smooth, 0, n - 1, out=smooth)
        if np.isnan(values).any():
            smooth[np.isnan(smooth)] = n
        image = table.view(np.uint32).ravel()[smooth.astype(np.intp)].view(np.uint8).reshape(*smooth.shape, 4)
        # the corner in unmagnified units, as imshow's (magnification is 1 with Agg; vector backends scale)
        return image, left / magnification, bottom / magnification, IdentityTransform()

    def _pixel_weights(self, shape, pixels, magnification):
        """Per pixel column, then per pixel row: the samples either side of its centre and their weights."""
        key = (shape, pixels, magnification, self.get_extent(), self.get_transform().get_matrix().tobytes())
        if self._weights_kept is not None and self._weights_kept[0] == key:
            return self._weights_kept[1]
        left, bottom, right, top = pixels
        x0, x1, y0, y1 = self.get_extent()
        inverse = self.get_transform().inverted()
        centres_x = (left + np.arange(right - left) + 0.5) / magnification
        centres_y = (bottom + np.arange(top - bottom) + 0.5) / magnification
        data_x = inverse.transform(np.column_stack([centres_x, np.full_like(centres_x, centres_y[0])]))[:, 0]
        data_y = inverse.transform(np.column_stack([np.full_like(centres_y, centres_x[0]), centres_y]))[:, 1]
        found = []
        for where, low, high, count in ((data_x, x0, x1, shape[1]), (data_y, y0, y1, shape[0])):
            position = np.clip((where - low) / (high - low) * (count - 1), 0.0, count - 1)
            before = np.minimum(np.floor(position).astype(np.intp), max(count - 2, 0))
            after_weight = (position - before).astype(np.float32)
            found.append((before, np.minimum(before + 1, count - 1), 1.0 - after_weight, after_weight))
        self._weights_kept = (key, found)
        return found

    def _colour_table(self):
        """The colour map's N colours as opaque RGBA bytes, blended over the axes' face, then the face (for NaN)."""
        cmap = self.get_cmap()
        face = np.asarray(colors.to_rgba(self.axes.get_facecolor()))[:3] * 255.0
        colours = cmap(np.arange(cmap.N), bytes=True)[:, :3].astype(float)
        blended = np.round(self._map_alpha * colours + (1.0 - self._map_alpha) * face)
        table = np.full((cmap.N + 1, 4), 255, np.uint8)
        table[:-1, :3] = blended
        table[-1, :3] = np.round(face)
        return table


def smooth_map(ax, data, extent, cmap, vmin, vmax, alpha=1.0, **kwargs):
    """Add a :class:`SmoothMap` to ``ax``, clipped to the axes' box; returns it (its ``set_data`` updates it)."""
    image = SmoothMap(ax, data, extent, cmap, vmin, vmax, alpha=alpha, **kwargs)
    image.set_clip_box(ax.bbox)  # a box, not the axes' patch as a path: Agg clips a box for free
    return ax.add_image(image)
