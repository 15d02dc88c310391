"""SmoothMap: a grid of samples drawn bilinearly interpolated at the pixels, against closed forms."""

import numpy as np
import pytest
from matplotlib import colormaps

from bplab.figures import base
from bplab.figures.smooth_map import smooth_map


def _map(data, extent=(-1.0, 2.0, 0.5, 3.0), alpha=0.75, limits=None):
    figure = base.new_figure(4.0, 3.0)
    figure.set_layout_engine("none")
    ax = figure.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_xlim(*(limits or extent)[:2])
    ax.set_ylim(*(limits or extent)[2:])
    ax.set_axis_off()
    image = smooth_map(ax, data, extent, "RdBu_r", 0.0, 1.0, alpha=alpha)
    figure.canvas.draw()
    return figure, ax, image


def _pixel_centres(figure, ax, box):
    """Data coordinates of the centres of the pixels inside ``box`` (left, bottom, right, top in pixels)."""
    left, bottom, right, top = box
    height = figure.canvas.get_width_height(physical=True)[1]
    xs = left + np.arange(right - left) + 0.5
    ys = bottom + np.arange(top - bottom) + 0.5
    inverse = ax.transData.inverted()
    data_x = inverse.transform(np.column_stack([xs, np.full_like(xs, ys[0])]))[:, 0]
    data_y = inverse.transform(np.column_stack([np.full_like(ys, xs[0]), ys]))[:, 1]
    rows = slice(height - top, height - bottom)  # the canvas's rows run top-down
    return data_x, data_y, rows, slice(left, right)


def _expected(values, alpha):
    """The colour map's colour of each value, blended over white at ``alpha`` (what Agg composites)."""
    cmap = colormaps["RdBu_r"]
    index = np.clip(np.floor(values * cmap.N), 0, cmap.N - 1).astype(int)
    colours = cmap(np.arange(cmap.N), bytes=True)[:, :3].astype(float)
    return alpha * colours[index] + (1 - alpha) * 255.0


def test_a_plane_is_drawn_exactly_with_its_samples_on_the_extents_edges():
    # bilinear interpolation reproduces a plane exactly, so every pixel's colour has a closed form
    extent = (-1.0, 2.0, 0.5, 3.0)
    xs, ys = np.linspace(extent[0], extent[1], 7), np.linspace(extent[2], extent[3], 5)

    def plane(x, y):
        return 0.1 + 0.2 * (x - extent[0]) + 0.1 * (y - extent[2])

    figure, ax, image = _map(plane(xs[None, :], ys[:, None]), extent)
    pixels, left, bottom, _ = image.make_image(figure.canvas.get_renderer())
    left, bottom = int(left), int(bottom)  # whole pixels with Agg (magnification 1)
    box = (left, bottom, left + pixels.shape[1], bottom + pixels.shape[0])
    assert pixels.shape[2] == 4 and np.all(pixels[..., 3] == 255)  # opaque: the face is blended in
    window = ax.bbox
    assert abs(box[0] - window.x0) <= 1 and abs(box[2] - window.x1) <= 1
    assert abs(box[1] - window.y0) <= 1 and abs(box[3] - window.y1) <= 1
    data_x, data_y, rows, cols = _pixel_centres(figure, ax, box)
    want = _expected(plane(data_x[None, :], data_y[::-1, None]), 0.75)
    drawn = np.asarray(figure.canvas.buffer_rgba())[rows, cols, :3].astype(float)
    # a value on a colour boundary may fall either side of it (float32): one colour step at most, rarely
    colour_step = np.abs(np.diff(colormaps["RdBu_r"](np.arange(256), bytes=True)[:, :3].astype(float), axis=0)).max()
    error = np.abs(drawn - want).max(axis=2)
    assert np.mean(error > 1.0) < 0.01 and error.max() <= colour_step + 1.0


def test_nan_shows_the_axes_face_and_values_beyond_the_ends_take_the_end_colours():
    data = np.array([[np.nan, np.nan, -5.0, -5.0], [np.nan, np.nan, 7.0, 7.0]])
    figure, ax, image = _map(data, alpha=1.0)
    pixels = image.make_image(figure.canvas.get_renderer())[0]
    cmap = colormaps["RdBu_r"]
    assert tuple(pixels[0, 0, :3]) == (255, 255, 255)  # the sample at the bottom left is NaN
    assert tuple(pixels[0, -1, :3]) == tuple(cmap(0, bytes=True)[:3])  # bottom right: -5, below vmin
    assert tuple(pixels[-1, -1, :3]) == tuple(cmap(cmap.N - 1, bytes=True)[:3])  # top right: 7, above vmax


@pytest.mark.parametrize("limits", [None, (-2.0, 3.0, 0.0, 4.0), (0.0, 1.0, 1.0, 2.0)])
def test_the_map_stays_inside_its_extent_and_the_axes(limits):
    extent = (-1.0, 2.0, 0.5, 3.0)
    figure, ax, image = _map(np.full((3, 3), 0.9), extent, alpha=1.0, limits=limits)
    height = figure.canvas.get_width_height(physical=True)[1]
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3]
    coloured = np.nonzero(np.any(pixels != 255, axis=2))
    shown = ax.transData.transform([[extent[0], extent[2]], [extent[1], extent[3]]])
    left, right = max(shown[0, 0], ax.bbox.x0), min(shown[1, 0], ax.bbox.x1)
    bottom, top = max(shown[0, 1], ax.bbox.y0), min(shown[1, 1], ax.bbox.y1)
    assert coloured[1].min() >= np.floor(left) and coloured[1].max() <= np.ceil(right)
    assert height - coloured[0].max() - 1 >= np.floor(bottom) and height - coloured[0].min() <= np.ceil(top)
    assert np.all(pixels[coloured] == np.asarray(colormaps["RdBu_r"](0.9, bytes=True)[:3]))  # one value, one colour
