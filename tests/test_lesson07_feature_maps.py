"""Lesson 07: the feature-map viewer's model, figure and widget, headless."""

from types import SimpleNamespace

import ipywidgets as widgets
import numpy as np
import pytest

from bplab import nn
from bplab.figures.feature_maps import FeatureMapsFigure, mosaic
from bplab.grading.lessons.lesson07 import naive_conv2d, naive_maxpool2d
from bplab.labs.feature_maps import PRESET_FILTERS, FeatureMapsModel, learned_filters, sample_digits
from bplab.widgets.feature_maps import FeatureMapViewer
from tests.widgets import exercise_every_control

RNG = np.random.default_rng(0)
LEARNED = (RNG.normal(size=(8, 1, 3, 3)), RNG.normal(size=8))


def test_model_maps_are_conv_relu_pool_of_the_chosen_image():
    model = FeatureMapsModel(learned=LEARNED)
    for bank in ("preset", "learned"):
        model.set(image_index=4, bank=bank, filter_index=2)
        x = model.images[4][None, None]
        conv = naive_conv2d(x, model.W, model.b, 1, 1)[0]
        assert np.allclose(model.conv, conv)
        assert np.allclose(model.relu, np.maximum(conv, 0))
        assert np.allclose(model.pooled, naive_maxpool2d(np.maximum(conv, 0)[None], 2, 2)[0])
        assert model.conv.shape == (8, 8, 8) and model.pooled.shape == (8, 4, 4)
    assert model.label == 4 and model.names[0] == "learned filter 1"


def test_sample_digits_are_one_per_class():
    images, labels = sample_digits()
    assert images.shape == (10, 8, 8) and list(labels) == list(range(10))
    assert 0 <= images.min() and images.max() <= 1


def test_sobel_x_responds_to_a_vertical_edge_with_the_closed_form_value():
    step = np.zeros((1, 8, 8))
    step[0, :, 4:] = 1.0  # dark left half, bright right half
    model = FeatureMapsModel(images=step, labels=[0], learned=LEARNED)
    model.set(bank="preset", filter_index=list(PRESET_FILTERS).index("vertical edges (Sobel x)"))
    # Away from the top and bottom border, the windows that straddle the edge see (1 + 2 + 1) * 1 = 4.
    assert np.allclose(model.conv[model.filter_index][1:-1, 3:5], 4.0)
    assert np.allclose(model.conv[model.filter_index][1:-1, :3], 0.0)
    sobel_y = list(PRESET_FILTERS).index("horizontal edges (Sobel y)")
    assert np.allclose(model.conv[sobel_y][1:-1, 1:-1], 0.0)  # no horizontal edge inside


def test_set_clamps_and_rejects_unknown_banks():
    model = FeatureMapsModel(learned=LEARNED)
    model.set(image_index=99, filter_index=-3)
    assert model.image_index == len(model.images) - 1 and model.filter_index == 0
    with pytest.raises(ValueError, match="bank must be one of"):
        model.set(bank="random")


def test_mosaic_places_tiles_with_gaps():
    tiles = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    out = mosaic(tiles)
    assert out.shape == (2, 7)
    assert np.array_equal(out[:, :3], tiles[0]) and np.array_equal(out[:, 4:], tiles[1])
    assert np.all(np.isnan(out[:, 3]))


def _nan_ops():
    def conv(x, W, b, stride=1, pad=0):
        out, cache = nn.conv2d_forward(x, W, b, stride, pad)
        return out * np.nan, cache
    return SimpleNamespace(conv2d_forward=conv, maxpool2d_forward=nn.maxpool2d_forward)


def test_non_finite_maps_are_a_message_not_an_error():
    model = FeatureMapsModel(learned=LEARNED, ops=_nan_ops())
    assert not model.finite
    view = FeatureMapsFigure(model)
    view.figure.canvas.draw()
    assert view.figure._bplab_message.get_visible()
    lab = FeatureMapViewer(learned=LEARNED, ops=_nan_ops())
    exercise_every_control(lab, unchanged_ok=("image", "bank", "filter"))
    assert not lab.errors


def test_widget_headless_every_control():
    lab = FeatureMapViewer(learned=LEARNED, ops=nn)
    assert list(lab.controls)[0] == "image"
    assert isinstance(lab.controls["image"], widgets.IntSlider)
    exercise_every_control(lab)


def test_first_control_changes_the_figure():
    lab = FeatureMapViewer(learned=LEARNED, ops=nn)
    before = lab.image.value
    lab.controls["image"].value = 5
    assert lab.image.value != before and not lab.errors


@pytest.mark.slow
def test_default_widget_trains_the_small_cnn_and_picks_an_implementation():
    W, b = learned_filters()
    assert W.shape == (8, 1, 3, 3) and b.shape == (8,) and not W.flags.writeable
    lab = FeatureMapViewer()  # learner's stubs or solutions: either way it must work
    assert "implementation" in lab.note.value or "your code" in lab.note.value
    lab.controls["bank"].value = "learned"
    assert np.array_equal(lab.model.W, W)
    exercise_every_control(lab)
