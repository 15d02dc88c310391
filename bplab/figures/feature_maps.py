"""The feature-map viewer's figure: one filter's three stages on top, the whole bank below.

Top row: the input digit, the chosen 3x3 filter (its weights written on it),
the feature map after the convolution, after ReLU, and after 2x2 max pooling.
Below: every filter of the bank (the chosen one framed) and every filter's
pooled map, i.e. what the next layer of the CNN sees. The two bottom rows are
each one image (a mosaic of tiles) rather than one axes per filter: a redraw
then renders 7 images instead of 21, which keeps it within the speed target.
"""

from __future__ import annotations

import collections

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, ScaledTranslation, TransformedBbox

from bplab.figures.base import DIVERGING_CMAP, PALETTE, SEQUENTIAL_CMAP, Blitter, new_figure, show_message
from bplab.figures.nearest_image import NearestImage

INPUT_CMAP = "gray_r"
GAP = 1
"""Blank columns between two tiles of a mosaic."""


def _title(axes, text="", fontsize=9):
    """A title as plain axes text: ``set_title`` re-measures the axes' contents on every draw, this does not."""
    return axes.text(0.5, 1.02, text, transform=axes.transAxes, ha="center", va="bottom", fontsize=fontsize)


def _bare(axes):
    """No axis lines, ticks or labels at all: images need none, and each drawn axis costs a redraw time.

    The background patch and the spines of an axes without axis are never drawn; they are hidden too, so
    that they never count as changed artists (that would discard the cached background on every redraw).
    """
    axes.set_axis_off()
    for artist in (axes.patch, *axes.spines.values()):
        artist.set_visible(False)


def _symmetric(values):
    """Colour limits centred on 0 (so white means 0 in the diverging map)."""
    finite = np.asarray(values)[np.isfinite(values)]
    limit = float(np.max(np.abs(finite))) if finite.size else 1.0
    return (-limit, limit) if limit > 0 else (-1.0, 1.0)


def _upper(values):
    finite = np.asarray(values)[np.isfinite(values)]
    top = float(np.max(finite)) if finite.size else 1.0
    return 0.0, (top if top > 0 else 1.0)


def mosaic(tiles):
    """Tiles side by side with a blank (NaN) column between neighbours.

    Parameters
    ----------
    tiles : ndarray, shape (F, h, w)

    Returns
    -------
    ndarray, shape (h, F * (w + GAP) - GAP)
    """
    count, h, w = tiles.shape
    out = np.full((h, count, w + GAP), np.nan)
    out[:, :, :w] = tiles.transpose(1, 0, 2)
    return out.reshape(h, -1)[:, :count * (w + GAP) - GAP]


def _lift(text):
    """The same text, drawn by the figure instead of its axes (once the layout, which counted it, is frozen).

    A text that changes and lies outside its axes' area would bring every other artist of those axes
    into each cached-background redraw (:class:`bplab.figures.base.Blitter`: only artists clipped to
    the axes are known not to cover what lies outside); the figure's own texts are drawn on their own.
    """
    lifted = text.figure.text(*text.get_position(), text.get_text(), transform=text.get_transform())
    lifted.update_from(text)
    text.remove()
    return lifted


def _tick_text(value):
    """A colour bar's number: three significant digits, a true minus sign, and 0 written as 0."""
    text = f"{value:.3g}"
    return "0" if text in ("0", "-0") else text.replace("-", "−")


def _scale_bar(figure, cmap, ticks, axes):
    """A colour bar for ``cmap`` beside ``axes`` whose tick numbers are texts the figure updates.

    The bar maps 0..1 (its ticks at ``ticks`` rescaled to 0..1); :meth:`FeatureMapsFigure.update` writes
    the values of the map's own colour limits at those ticks.

    Returns
    -------
    list of matplotlib.text.Text
        One per tick, bottom to top.
    """
    norm = Normalize(min(ticks), max(ticks))
    colorbar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.8)
    colorbar.set_ticks(list(ticks), labels=[""] * len(ticks))
    colorbar.ax.tick_params(labelsize=8)
    pad = colorbar.ax.yaxis.get_major_ticks()[0].get_pad()  # where the tick labels would be, in points
    offset = ScaledTranslation((colorbar.ax.yaxis.get_major_ticks()[0].tick2line.get_markersize() + pad) / 72, 0,
                               figure.dpi_scale_trans)
    # "−0.000" is the widest number shown: it reserves the room for the labels in the (then frozen) layout
    return [colorbar.ax.text(1.0, tick, "−0.000", transform=colorbar.ax.get_yaxis_transform() + offset,
                             ha="left", va="center", fontsize=8) for tick in ticks]


class _KeptImage(NearestImage):
    """An image that keeps its last few resampled rasters: drawn again with the same data, colour limits and
    place, it reuses one instead of resampling (a map that a control did not change costs nothing new).
    A new raster is made as :class:`bplab.figures.nearest_image.NearestImage` makes it (the same pixels).

    Made by :func:`_kept_imshow`; everything that goes into matplotlib's raster is in the key.
    """

    KEPT = 4

    def make_image(self, renderer, magnification=1.0, unsampled=False):
        data = self._A
        x1, x2, y1, y2 = self.get_extent()
        clip = ((self.get_clip_box() or self.axes.bbox) if self.get_clip_on() else self.get_figure(root=True).bbox)
        norm = self.norm
        key = (data.shape, data.dtype.str, np.ma.getdata(data).tobytes(), np.ma.getmaskarray(data).tobytes(),
               type(norm), norm.vmin, norm.vmax, norm.clip, id(self.cmap), self.get_alpha(), self.get_interpolation(),
               self.get_interpolation_stage(), self.get_resample(), self.get_filternorm(), self.get_filterrad(),
               self.origin, TransformedBbox(Bbox([[x1, y1], [x2, y2]]), self.get_transform()).bounds, clip.bounds,
               magnification, unsampled)
        kept = self.__dict__.setdefault("_kept", collections.OrderedDict())
        found = kept.get(key)
        if found is None:
            found = kept[key] = super().make_image(renderer, magnification, unsampled)
            while len(kept) > self.KEPT:
                kept.popitem(last=False)
        else:
            kept.move_to_end(key)
        return found


def _kept_imshow(axes, data, **kwargs):
    """``axes.imshow(data, **kwargs)``, as a :class:`_KeptImage`."""
    image = axes.imshow(data, **kwargs)
    image.__class__ = _KeptImage  # the same artist, with make_image remembered (it adds no state of its own)
    return image


class FeatureMapsFigure:
    """Built once from a :class:`bplab.labs.feature_maps.FeatureMapsModel`; ``update`` changes the artists."""

    def __init__(self, model):
        self.figure = new_figure(8.0, 4.0)
        n, _, kh, kw = model.W.shape
        H, W = model.x.shape[2:]
        grid = self.figure.add_gridspec(3, 1, height_ratios=[2.0, 1.0, 1.0])
        top = grid[0].subgridspec(1, 5)
        names = ("input", "filter", "conv", "relu", "pooled")
        self.top = {name: self.figure.add_subplot(top[0, i]) for i, name in enumerate(names)}
        self.bank_axes = self.figure.add_subplot(grid[1])
        self.pooled_axes = self.figure.add_subplot(grid[2])
        for axes in [*self.top.values(), self.bank_axes, self.pooled_axes]:
            _bare(axes)

        self.input_image = _kept_imshow(self.top["input"], model.x[0, 0], cmap=INPUT_CMAP, vmin=0, vmax=1)
        self.top["input"].add_patch(Rectangle((-0.5, -0.5), W, H, fill=False, edgecolor=PALETTE["grey"]))
        self.filter_image = _kept_imshow(self.top["filter"], model.W[0, 0], cmap=DIVERGING_CMAP)
        self.weight_text = [[self.top["filter"].text(j, i, "", ha="center", va="center", fontsize=8, clip_on=True)
                             for j in range(kw)] for i in range(kh)]
        self.conv_image = _kept_imshow(self.top["conv"], np.zeros((H, W)), cmap=DIVERGING_CMAP)
        self.relu_image = _kept_imshow(self.top["relu"], np.zeros((H, W)), cmap=SEQUENTIAL_CMAP)
        self.pooled_image = _kept_imshow(self.top["pooled"], np.zeros((H // 2, W // 2)), cmap=SEQUENTIAL_CMAP)
        # Each colour bar shows its map's own scale, which changes with every image and filter. Its ticks stay
        # where they are (both ends, and 0 for the diverging map) and only their numbers change: they are
        # texts redrawn with the maps, while the bar itself stays in the cached background (a colour bar
        # that followed the image's limits would make every redraw a full draw, 4-5 times slower).
        self.colorbar_labels = [
            _scale_bar(self.figure, DIVERGING_CMAP, (-1.0, 0.0, 1.0), self.top["conv"]),
            _scale_bar(self.figure, SEQUENTIAL_CMAP, (0.0, 0.5, 1.0), [self.top["relu"], self.top["pooled"]])]
        _title(self.top["conv"], "after conv (pad 1)")
        _title(self.top["relu"], "after ReLU")
        _title(self.top["pooled"], f"2×2 max-pool ({H // 2}×{W // 2})")
        self.input_title = _title(self.top["input"])
        self.filter_title = _title(self.top["filter"], fontsize=8)

        self.bank_image = _kept_imshow(self.bank_axes, mosaic(model.W[:, 0]), cmap=DIVERGING_CMAP, vmin=-1, vmax=1)
        self.bank_pooled = _kept_imshow(self.pooled_axes, mosaic(model.pooled), cmap=SEQUENTIAL_CMAP)
        for i in range(n):  # filter numbers under the tiles
            self.bank_axes.text(i * (kw + GAP) + (kw - 1) / 2, kh - 0.45, str(i + 1), ha="center", va="top",
                                fontsize=8)
        for axes, label in ((self.bank_axes, "filters"), (self.pooled_axes, "pooled\nmaps")):
            axes.text(-0.01, 0.5, label, transform=axes.transAxes, ha="right", va="center", fontsize=8)
        self.frame = Rectangle((-0.5, -0.5), kw, kh, fill=False, edgecolor=PALETTE["orange"], linewidth=2.5)
        self.bank_axes.add_patch(self.frame)
        self.bank_title = _title(self.bank_axes, fontsize=8)
        _title(self.pooled_axes, "each filter's pooled map (one scale): what the next layer sees", fontsize=8)
        self.update(model)
        # Lay the figure out once, then freeze it: constrained layout on every redraw would cost
        # more than everything else together, and the panels never move.
        self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")
        self.input_title, self.filter_title, self.bank_title = map(_lift, (self.input_title, self.filter_title,
                                                                           self.bank_title))
        # The colour bars' axes take their final width at their first draw: drawn once here, the cached
        # background of the first redraw is keyed by the places every later redraw has (else it is drawn twice).
        self.figure.canvas.draw()
        self.render = Blitter(self.figure, [
            *[text for labels in self.colorbar_labels for text in labels],
            self.input_image, self.input_title, self.filter_image, *[t for row in self.weight_text for t in row],
            self.filter_title, self.conv_image, self.relu_image, self.pooled_image, self.bank_image,
            self.bank_pooled, self.frame, self.bank_title]).render

    def update(self, model):
        if not model.finite:
            show_message(self.figure, "The feature maps contain NaN or inf:\nconv2d_forward or maxpool2d_forward"
                                      " returned non-finite values.")
            return
        show_message(self.figure, "")
        k = model.filter_index
        label = "" if model.label is None else f": a {model.label}"
        self.input_image.set_data(model.x[0, 0])
        self.input_title.set_text(f"input {model.image_index}{label}")

        kernel = model.W[k, 0]
        self.filter_image.set_data(kernel)
        self.filter_image.set_clim(*_symmetric(kernel))
        limit = _symmetric(kernel)[1]
        for i, row in enumerate(self.weight_text):
            for j, text in enumerate(row):
                text.set_text(f"{kernel[i, j]:.1f}")
                # White on the darkest cells of the diverging map, black elsewhere.
                text.set_color("white" if abs(kernel[i, j]) > 0.6 * limit else "black")
        self.filter_title.set_text(f"filter {k + 1}: {model.names[k]}")

        self.conv_image.set_data(model.conv[k])
        self.conv_image.set_clim(*_symmetric(model.conv[k]))
        high = _upper(model.relu[k])
        self.relu_image.set_data(model.relu[k])
        self.relu_image.set_clim(*high)
        self.pooled_image.set_data(model.pooled[k])
        self.pooled_image.set_clim(*high)  # one scale: pooling keeps each window's largest value
        for labels, (low, top) in zip(self.colorbar_labels, (self.conv_image.get_clim(), high), strict=True):
            for text, value in zip(labels, (low, (low + top) / 2, top), strict=True):
                text.set_text(_tick_text(value))

        scale = np.max(np.abs(model.W[:, 0]), axis=(1, 2), keepdims=True)
        self.bank_image.set_data(mosaic(model.W[:, 0] / np.where(scale > 0, scale, 1.0)))
        self.bank_pooled.set_data(mosaic(model.pooled))
        self.bank_pooled.set_clim(*_upper(model.pooled))
        self.frame.set_x(k * (model.W.shape[3] + GAP) - 0.5)
        bank = "preset edge detectors" if model.bank == "preset" else "filters learned by the small CNN"
        self.bank_title.set_text(f"{bank} (orange: the one on top)")
