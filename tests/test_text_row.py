"""TextRow: a title drawn in pieces looks like the joined title, and pieces seen before come from the text cache."""

import numpy as np
import pytest

from bplab.figures import base, text_cache
from bplab.figures.text_row import TextRow


def _ink_columns(figure):
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3]
    columns = np.nonzero(np.any(pixels != 255, axis=(0, 2)))[0]
    rows = np.nonzero(np.any(pixels != 255, axis=(1, 2)))[0]
    return columns[0], columns[-1], rows[0], rows[-1]


def _figure_with_title(text, pieces=None):
    """A figure laid out (constrained layout, then frozen) with its title, or with a TextRow of ``pieces``."""
    figure = base.new_figure(5.0, 1.5)
    ax = figure.add_subplot()
    ax.set_axis_off()
    title = ax.set_title(text, fontsize=9)
    row = None
    if pieces is not None:
        row = TextRow(title, 4)
        row.set_pieces(pieces)
        assert title.get_text() == row.get_text() == " ".join(pieces)  # before anchoring: the layout sees the line
    figure.canvas.draw()
    figure.set_layout_engine("none")
    return figure, title, row


@pytest.mark.skipif(not text_cache._GLYPH_API, reason="needs matplotlib's glyph-by-glyph Agg text path")
def test_a_row_of_pieces_looks_like_its_joined_title_and_reuses_cached_pieces():
    pieces = ["epoch 140:", "accuracy 0.95 train,", "0.97 val"]
    joined = _figure_with_title(" ".join(pieces))[0]
    figure, title, row = _figure_with_title("", pieces)
    renderer = figure.canvas.get_renderer()
    row.anchor(renderer)
    assert title.get_text() == "" and [a.get_visible() for a in row.artists] == [True, True, True, False]
    xs = [a.get_position()[0] for a in row.artists[:3]]
    assert all(float(x).is_integer() for x in xs) and xs == sorted(xs)  # whole pixels, left to right
    assert len({a.get_position()[1] for a in row.artists[:3]}) == 1  # one baseline
    figure.canvas.draw()
    # the same ink, within a pixel or two (each piece rounded to a whole pixel): it reads as the joined title
    np.testing.assert_allclose(_ink_columns(figure), _ink_columns(joined), atol=2)
    text_cache._TEXT_CACHE.clear()
    row.set_pieces(["epoch 141:", "accuracy 0.95 train,", "0.97 val"])
    figure.canvas.draw()
    kept = len(text_cache._TEXT_CACHE)
    row.set_pieces(["epoch 142:", "accuracy 0.95 train,", "0.97 val"])  # a new epoch, the same accuracies
    figure.canvas.draw()
    assert len(text_cache._TEXT_CACHE) == kept + 1  # only the new piece was laid out and rasterized
    row.set_pieces(["train and validation loss"])  # fewer pieces: the others hidden
    assert [a.get_visible() for a in row.artists] == [True, False, False, False]
    assert row.get_text() == "train and validation loss"
    with pytest.raises(ValueError, match="4 pieces"):
        row.set_pieces(["a", "b", "c", "d", "e"])
