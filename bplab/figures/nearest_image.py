"""Images upsampled nearest-neighbour, drawn from a kept pixel -> cell map: matplotlib's pixels, without resampling.

An ``imshow`` of a small array (a 10 x 10 confusion matrix, a mosaic of 8 x 8 digits) shown a few hundred
pixels wide is, for matplotlib, resampled to the screen on every draw: the data once, its mask once, then
normalised and colour-mapped pixel by pixel (about 2-3 ms per image per frame, a quarter of a training
dashboard frame). Upsampled nearest-neighbour, each screen pixel shows the colour of one data cell, and
which cell depends only on where the image sits on the screen. :class:`NearestImage` works that map out
once per placement (by resampling an array of cell numbers the way matplotlib resamples the data) and
then colours the cells and gathers them: the same pixels, checked against matplotlib's own on the first
draw of every placement (a map that does not reproduce them, say because matplotlib chose another
interpolation there, is never used: the image is drawn the ordinary way).
"""

from __future__ import annotations

import collections

import numpy as np
from matplotlib import colors as mcolors
from matplotlib import image as mimage
from matplotlib.transforms import Affine2D, Bbox, IdentityTransform

_KEPT_MAPS = 8
"""Placements remembered per image (a figure laid out once has one)."""


class NearestImage(mimage.AxesImage):
    """An ``AxesImage`` whose nearest-neighbour upsampling is a gather through a kept map (see the module).

    Used when the image is 2-D data with a fixed norm (``vmin`` and ``vmax`` set), no per-pixel alpha,
    drawn upsampled at least 3 times (matplotlib then resamples the data, not colours) and a map of
    its placement reproduced matplotlib's pixels; otherwise drawn as an ``AxesImage``.
    Make one with :func:`nearest_imshow`.
    """

    def _make_image(self, A, in_bbox, out_bbox, clip_bbox, magnification=1.0, unsampled=False,
                    round_to_pixel_border=True):
        geometry = None if unsampled else self._geometry(A, in_bbox, out_bbox, clip_bbox, magnification,
                                                         round_to_pixel_border)
        if geometry is None:
            return super()._make_image(A, in_bbox, out_bbox, clip_bbox, magnification, unsampled,
                                       round_to_pixel_border)
        out_shape, t, x, y = geometry
        key = (A.shape, out_shape, t.get_matrix().tobytes(), self.origin, self.get_interpolation(),
               self.get_interpolation_stage(), self.get_resample(), self.get_filternorm(), self.get_filterrad())
        maps = self.__dict__.setdefault("_cell_maps", collections.OrderedDict())
        if key not in maps:
            reference = super()._make_image(A, in_bbox, out_bbox, clip_bbox, magnification, unsampled,
                                            round_to_pixel_border)
            cells = _cell_map(self, A.shape, out_shape, t)
            if cells is not None and not np.array_equal(self._gather(A, cells), reference[0]):
                cells = None  # matplotlib draws it otherwise here: the ordinary way, always
            maps[key] = cells
            while len(maps) > _KEPT_MAPS:
                maps.popitem(last=False)
            return reference
        maps.move_to_end(key)
        if maps[key] is None:
            return super()._make_image(A, in_bbox, out_bbox, clip_bbox, magnification, unsampled,
                                       round_to_pixel_border)
        return self._gather(A, maps[key]), x, y, t

    def _geometry(self, A, in_bbox, out_bbox, clip_bbox, magnification, round_to_pixel_border):
        """``(out_shape, t, x, y)`` as ``AxesImage._make_image`` computes them, or None off the fast path."""
        alpha = self.get_alpha()
        if (A.ndim != 2 or (alpha is not None and np.ndim(alpha) > 0) or not self.norm.scaled()
                or not self.get_transform().is_affine):
            return None
        clipped = Bbox.intersection(out_bbox, clip_bbox)
        if clipped is None:
            return None
        extents = clipped.extents * magnification
        if round_to_pixel_border:  # as matplotlib: round to the nearest output pixel, with its fudge
            extents = [np.floor(extents[0] + 0.5), np.ceil(extents[1] - 0.5 - 1e-8),
                       np.floor(extents[2] + 0.5 + 1e-8), np.ceil(extents[3] - 0.5)]
        box = Bbox.from_extents(extents)
        if box.width == 0 or box.height == 0:
            return None
        t0 = (Affine2D().translate(0, -A.shape[0]).scale(1, -1) if self.origin == "upper"
              else IdentityTransform())
        t0 += (Affine2D().scale(in_bbox.width / A.shape[1], in_bbox.height / A.shape[0])
               .translate(in_bbox.x0, in_bbox.y0) + self.get_transform())
        t = t0 + Affine2D().scale(magnification).translate(-box.x0, -box.y0)
        stage = self.get_interpolation_stage()
        if stage in ("antialiased", "auto"):  # matplotlib resamples the data only when upsampling 3 times or more
            corners = t.transform(np.array([[0, 0], [A.shape[1], A.shape[0]]]))
            step = np.abs(np.diff(corners, axis=0))[0] / [A.shape[1], A.shape[0]]
            stage = "data" if step.min() >= 3 else "rgba"
        if stage != "data":
            return None
        return (int(box.height), int(box.width)), t, box.x0 / magnification, box.y0 / magnification

    def _gather(self, A, cells):
        """The RGBA pixels: every cell's colour (as matplotlib computes it per pixel), gathered through ``cells``."""
        if A.dtype.kind == "f":
            dtype = np.dtype("f8" if A.dtype.itemsize > 4 else "f4")
        else:
            dtype = np.dtype("f8" if A.max().astype("f8") - A.min().astype("f8") > 1e8 else "f4")
        # the cells' values, then 0 for the pixels the image does not cover (matplotlib's resampled zeros)
        values = np.ma.masked_array(np.append(np.ma.getdata(A).astype(dtype).ravel(), dtype.type(0)),
                                    np.append(np.ma.getmaskarray(A).ravel(), False))
        if isinstance(self.norm, mcolors.NoNorm):
            values = values.astype(A.dtype)
        palette = self.to_rgba(self.norm(values), bytes=True, norm=False)
        alpha = palette[:, 3]
        alpha[:] = alpha.astype(np.float32) * np.float32(self._get_scalar_alpha())  # as matplotlib, per pixel
        alpha[-1] = 0  # not covered: transparent
        # one 4-byte word per pixel: a gather of words is several times faster than of (4,) rows
        return np.ascontiguousarray(palette).view(np.uint32).ravel()[cells].view(np.uint8).reshape(*cells.shape, 4)


def _cell_map(image, shape, out_shape, t):
    """For every output pixel, the data cell it shows (row-major), ``shape[0] * shape[1]`` where none; or None.

    Cell numbers plus one are resampled as matplotlib resamples the data (same shape, transform,
    interpolation, tie-breaking); None when that is not a pure selection (an interpolating filter).
    """
    count = shape[0] * shape[1]
    numbers = np.arange(1, count + 1, dtype=np.float64).reshape(shape)
    picked = mimage._resample(image, numbers, out_shape, t)
    cells = np.rint(picked)
    if not np.array_equal(cells, picked) or cells.min() < 0 or cells.max() > count:
        return None
    cells = cells.astype(np.intp) - 1
    cells[cells < 0] = count
    return cells


def nearest_imshow(ax, data, **kwargs):
    """``ax.imshow(data, **kwargs)``, drawn as a :class:`NearestImage` (the same pixels, cheaper to redraw).

    The image is ``imshow``'s own (aspect, extent, clip path and norm set up as usual), of the subclass
    that only changes how its pixels are computed.
    """
    image = ax.imshow(data, **kwargs)
    image.__class__ = NearestImage
    return image
