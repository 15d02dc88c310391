"""Opaque pixels drawn as they are: a cheaper ``figimage`` for rasters made once (legends)."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist


class PixelImage(Artist):
    """RGBA pixels drawn unchanged at a whole-pixel place of the figure, given by its bottom-left corner.

    ``Figure.figimage`` sends the same pixels through matplotlib's resampling pipeline (masked arrays,
    an affine resample), which cost 1–6 ms per draw for a legend; this hands them to Agg directly.

    Parameters
    ----------
    pixels : ndarray, shape (H, W, 4), uint8
        Top row first, as an image.
    left, bottom : int
        The place of the bottom-left corner, in pixels from the figure's bottom-left corner.
    zorder : float
    """

    def __init__(self, pixels, left, bottom, zorder=0.0):
        super().__init__()
        pixels = np.asarray(pixels)
        if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
            raise ValueError(f"pixels must be an (H, W, 4) uint8 array, got {pixels.dtype} {pixels.shape}")
        self.left, self.bottom = int(left), int(bottom)
        self.shape = pixels.shape
        self._rows_up = np.ascontiguousarray(pixels[::-1])  # Agg's draw_image takes the rows bottom-up
        self.set_zorder(zorder)

    def draw(self, renderer):
        if not self.get_visible():
            return
        gc = renderer.new_gc()
        renderer.draw_image(gc, self.left, self.bottom, self._rows_up)
        gc.restore()
        self.stale = False
