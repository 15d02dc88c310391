"""The shared drawing path, headless: cached text rasters draw the pixels plain Agg draws, lossless still
frames, and the animated labs' cached-background frames look like full draws."""

import io
import time

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

import bplab.nn
from bplab.figures import base, text_cache
from bplab.figures.nearest_image import NearestImage, nearest_imshow
from bplab.figures.stamped_text import StampedText, stamped
from bplab.labs.training_dashboard import train_capstone
from bplab.widgets.bptt import BPTTExplorer
from bplab.widgets.optimizer_race import OptimizerRace
from bplab.widgets.playground import Playground
from bplab.widgets.regularization_lab import RegularizationLab
from bplab.widgets.training_dashboard import TrainingDashboardLab
from tests.widgets import control_values


def _figure(canvas_class, title):
    figure = Figure(figsize=(5.0, 2.5), dpi=110)
    canvas_class(figure)
    ax = figure.subplots()
    ax.plot([1, 2, 3], [3, 1, 2], label="train loss · λ₂ → ü")
    ax.set_title(title, fontsize=9)
    ax.text(1.37, 2.21, "rotated", rotation=33, fontsize=8, color="red")
    ax.text(2.0, 1.5, "not antialiased", antialiased=False)
    ax.set_xlabel("$x_1$ (mathtext goes the ordinary way)")
    ax.legend()
    return figure


def _pixels(figure):
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


@pytest.mark.skipif(not text_cache._GLYPH_API, reason="matplotlib < 3.11 draws text the ordinary way")
def test_cached_text_draws_the_pixels_plain_agg_draws():
    cached = _figure(text_cache.Canvas, "epoch 1")
    assert isinstance(cached.canvas.get_renderer(), text_cache.TextCachingRenderer)
    text_cache._TEXT_CACHE.clear()
    first = _pixels(cached)
    stored = len(text_cache._TEXT_CACHE)
    assert stored > 5  # tick labels, title, legend, rotated and aliased strings
    again = _pixels(cached)  # every string now comes from the cache
    assert len(text_cache._TEXT_CACHE) == stored
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, _pixels(_figure(FigureCanvasAgg, "epoch 1")))
    text_cache._TEXT_CACHE.clear()  # strings again from the kept layouts and glyph bitmaps, shifted to their places
    np.testing.assert_array_equal(first, _pixels(cached))
    # a changed string and a changed colour: new raster, same compositing as Agg
    cached.axes[0].set_title("epoch 2", fontsize=9)
    cached.axes[0].texts[0].set_color("blue")
    plain = _figure(FigureCanvasAgg, "epoch 2")
    plain.axes[0].texts[0].set_color("blue")
    np.testing.assert_array_equal(_pixels(cached), _pixels(plain))


def test_new_figures_draw_with_the_caching_renderer():
    assert isinstance(base.new_figure().canvas, text_cache.Canvas)


@pytest.mark.parametrize("deflate", ["isal", "zlib"])
def test_still_frames_are_lossless_png_of_the_canvas(deflate, monkeypatch):
    """With ISA-L's deflate, and with zlib where ISA-L has no wheel: Pillow's own decoder (which checks the
    chunks' CRCs) reads back the canvas exactly."""
    monkeypatch.setattr(base, "_deflate", pytest.importorskip("isal.isal_zlib" if deflate == "isal" else deflate))
    figure = _figure(text_cache.Canvas, "epoch 3")
    figure.axes[0].imshow(np.random.default_rng(0).random((8, 8)), extent=(1, 3, 1, 3))  # gradients, not flat
    png = base.render_png(figure)
    decoded = Image.open(io.BytesIO(png))
    decoded.load()
    assert decoded.format == "PNG" and decoded.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(decoded), np.asarray(figure.canvas.buffer_rgba())[..., :3])
    assert base.css_width(figure) == decoded.width  # PIXEL_RATIO 1 unless the environment says otherwise


def test_animation_frames_are_the_jpeg_pillow_makes_of_the_canvas_rgb():
    figure = _figure(text_cache.Canvas, "epoch 3")
    figure.axes[0].imshow(np.random.default_rng(0).random((8, 8)), extent=(1, 3, 1, 3))
    figure.canvas.draw()
    rgba = np.asarray(figure.canvas.buffer_rgba())
    reference = io.BytesIO()  # the plain way: alpha dropped by a copy, then encoded
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(reference, format="jpeg", quality=90, subsampling=0)
    jpeg = base.encode_jpeg(figure.canvas)
    assert jpeg == reference.getvalue()
    decoded = np.asarray(Image.open(io.BytesIO(jpeg))).astype(int)
    assert np.median(np.abs(decoded - rgba[..., :3])) <= 2


def _map_with_points(rng):
    figure = base.new_figure(4.0, 3.0)
    ax = figure.subplots()
    field = ax.imshow(rng.random((20, 20)), extent=(0, 1, 0, 1), cmap="RdBu", alpha=0.75, interpolation="bilinear")
    points = ax.scatter(*rng.random((2, 80)), s=20, c=rng.integers(0, 2, 80), cmap="coolwarm", edgecolors="black",
                        linewidths=0.6)
    return figure, field, points


def _blitted(blitter, animating):
    base.set_animating(blitter.figure, animating)
    blitter.render()
    return np.asarray(blitter.figure.canvas.buffer_rgba())[..., :3].astype(int)


def test_sprite_points_are_composited_in_animation_frames_only_and_follow_their_data():
    rng = np.random.default_rng(3)
    figure, field, points = _map_with_points(rng)
    blitter = base.Blitter(figure, [field, points], sprites=[points])
    _blitted(blitter, False)  # the first render lays the figure out (the points' place moves once)
    for frame in range(3):
        field.set_data(rng.random((20, 20)))
        if frame == 2:
            points.set_offsets(rng.random((80, 2)))  # new data: a new raster
        animated = _blitted(blitter, True)
        full = np.asarray(Image.open(io.BytesIO(base.render_png(figure)))).astype(int)
        assert np.abs(animated - full).max() <= 6, f"frame {frame}"
        assert np.mean(np.abs(animated - full).max(axis=2) > 2) < 0.002
        assert np.abs(_blitted(blitter, False) - full).max() <= 2  # still frames: drawn directly
    assert len(blitter._sprite_rasters) == 2  # one raster per data, reused across frames


def test_sprites_must_be_moving_artists():
    figure, field, points = _map_with_points(np.random.default_rng(0))
    with pytest.raises(ValueError, match="moving"):
        base.Blitter(figure, [field], sprites=[points])


def test_a_static_legends_raster_outlives_the_background_and_follows_its_texts():
    figure = base.new_figure(6.0, 2.5)
    left, right = figure.subplots(1, 2)
    (moving,) = left.plot([0, 1], [0, 1], label="moving", zorder=3)  # above the static line, as blitted
    left.plot([0, 1], [1, 0], label="static")
    legend = left.legend(loc="upper right")  # static, over a moving line: composited from its raster
    right.plot([0, 1], [0, 2])
    blitter = base.Blitter(figure, [moving])

    def check():
        blitter.render()
        fast = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
        full = np.asarray(Image.open(io.BytesIO(base.render_png(figure)))).astype(int)
        assert np.abs(fast - full).max() <= 2

    check()
    draws = blitter.full_draws
    for top in (3.0, 4.0):  # the other axes' limits: new backgrounds, the same legend raster
        right.set_ylim(0, top)
        moving.set_ydata([top / 4, 0.2])
        check()
    assert blitter.full_draws == draws + 2 and len(blitter._legend_rasters) == 1
    legend.get_texts()[1].set_text("still static")  # what it shows changed: drawn again
    check()
    assert len(blitter._legend_rasters) == 2


def _shown(lab):
    return np.asarray(Image.open(io.BytesIO(lab.image.value)).convert("RGB")).astype(int)


def _full_draw(lab):
    return np.asarray(Image.open(io.BytesIO(base.render_png(lab.view.figure))).convert("RGB")).astype(int)


def _assert_like_a_full_draw(lab, what):
    shown, full = _shown(lab), _full_draw(lab)
    assert shown.shape == full.shape
    differing = np.mean(np.abs(shown - full).max(axis=2) > 40)  # JPEG frames: only edges may move a little
    assert differing < 0.002, f"{what}: {differing:.2%} of the pixels differ from a full draw"


def _playground():
    return Playground(impl="exercises")


def _regularization():
    return RegularizationLab(ops=bplab.nn)


def _dashboard():
    return TrainingDashboardLab(train_capstone(6, hidden=(16,), dropout=0.0)[1])


@pytest.mark.parametrize("make", [_playground, _regularization, _dashboard], ids=["playground", "regularization",
                                                                                  "dashboard"])
def test_animated_labs_frames_and_still_frames_match_a_full_draw(make):
    lab = make()
    play = lab.players[0].play  # the dashboard's drives its epoch slider; the others' are controls
    for name, control in lab.controls.items():
        if isinstance(control, widgets.Play):
            continue
        for value in control_values(control):
            control.value = value
            assert lab.image.format == "png"
            _assert_like_a_full_draw(lab, f"{name}={value!r}")
    lab.players[0].pushing = True  # as while the kernel plays: frames are JPEG
    try:
        for _ in range(4):
            play.value = play.min if play.value + play.step > play.max else play.value + play.step
            assert lab.image.format == "jpeg"
            _assert_like_a_full_draw(lab, f"play frame {play.value}")
    finally:
        lab.players[0].pushing = False
    lab.run(lambda: None)  # the still frame after pause: lossless, and exactly what a full draw gives
    assert lab.image.format == "png"
    assert np.abs(_shown(lab) - _full_draw(lab)).max() <= 2
    assert not lab.errors


def test_playground_backgrounds_composed_from_panels_have_a_whole_draws_pixels():
    lab = _playground()
    view = lab.view
    blitter = view._blitter
    compose, compared = blitter._compose_panels, []

    def compose_and_compare(*args):  # every background put together from panels, against the figure drawn whole
        if not compose(*args):
            return False
        composed = np.asarray(view.figure.canvas.buffer_rgba()).copy()
        view.figure.canvas.draw()
        np.testing.assert_array_equal(composed, np.asarray(view.figure.canvas.buffer_rgba()))
        compared.append(blitter.panel_draws)
        return True

    blitter._compose_panels = compose_and_compare
    play = lab.players[0].play
    for dataset in ("moons", "circles", "xor", "blobs", "spirals", "moons"):
        lab.controls["dataset"].value = dataset
        for loss in ("mse", "cross_entropy"):
            lab.controls["loss"].value = loss
    lab.players[0].pushing = True  # the loss axis steps (epochs, decades) while the map stays
    try:
        for _ in range(60):
            play.value += 1
    finally:
        lab.players[0].pushing = False
    lab.controls["hidden_layers"].value = 0
    # most new backgrounds were composed, and a panel kept was used again (fewer panels drawn than needed)
    assert len(compared) > 8 and blitter.panel_draws < 2 * len(compared) and not lab.errors


def test_dashboard_plays_every_epoch_then_shows_a_lossless_still_frame():
    lab = _dashboard()
    lab.play.value = 1
    lab.play.playing = True
    deadline = time.monotonic() + 60
    while lab.play.playing or lab.players[0].running:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    assert lab.model.epoch == lab.model.record.epochs == lab.controls["epoch"].value
    assert lab.players[0].frames == lab.model.record.epochs - 1  # one frame per epoch
    assert lab.image.format == "png" and lab.image.value[:4] == b"\x89PNG" and not lab.errors


@pytest.mark.parametrize("make", [lambda: OptimizerRace(steps=60), BPTTExplorer], ids=["race", "bptt"])
def test_panel_cached_redraws_are_a_full_draw_pixel_for_pixel(make):
    """The optimizer race and the BPTT explorer redraw from cached panels (ticks, contours, titles kept per
    setting): every control's still frame, and a few play frames' canvas, equal a full draw exactly."""
    lab = make()
    for name, control in lab.controls.items():
        if isinstance(control, widgets.Play):
            continue
        for value in control_values(control):
            control.value = value
            np.testing.assert_array_equal(_shown(lab), _full_draw(lab), err_msg=f"{name}={value!r}")
    play = next((c for c in lab.controls.values() if isinstance(c, widgets.Play)), None)
    if play is not None:
        lab.players[0].pushing = True  # frames as while the kernel plays
        try:
            for value in (play.min, play.min + 1, play.max // 2):
                play.value = value
                canvas = lab.view.figure.canvas
                frame = np.asarray(canvas.buffer_rgba()).copy()
                canvas.draw()
                np.testing.assert_array_equal(frame, np.asarray(canvas.buffer_rgba()), err_msg=f"frame {value}")
        finally:
            lab.players[0].pushing = False
    assert not lab.errors


def test_panels_must_cover_every_axes_and_a_changed_range_draws_its_panel_alone():
    figure = base.new_figure(6.0, 2.5)
    left, right = figure.subplots(1, 2)
    with pytest.raises(ValueError, match="every axes"):
        base.Blitter(figure, [], panels=[[left]])
    line, = left.plot([1, 2], [1, 2])
    blitter = base.Blitter(figure, [line], panels=[[left], [right]])
    blitter.render()
    assert (blitter.full_draws, blitter.panel_draws) == (0, 2)
    left.set_ylim(0, 10)  # the left panel's range only
    blitter.render()
    composed = np.asarray(figure.canvas.buffer_rgba()).copy()
    assert (blitter.full_draws, blitter.panel_draws) == (0, 3)
    np.testing.assert_array_equal(composed, _pixels(figure))
    right.set_ylabel("a label long enough to reach under the left axes' tick labels " * 2)  # overlapping panels
    right.yaxis.label.set_rotation(0)
    blitter.render()
    composed = np.asarray(figure.canvas.buffer_rgba()).copy()
    assert blitter.full_draws == 1  # they drew on the same pixels: a full draw
    np.testing.assert_array_equal(composed, _pixels(figure))


def _exactly_a_full_draw(lab, what):
    shown, full = _shown(lab), _full_draw(lab)
    assert shown.shape == full.shape
    worst = np.abs(shown - full).max()
    assert worst == 0, f"{what}: {np.mean(np.abs(shown - full).max(axis=2) > 0):.3%} of the pixels differ (by {worst})"


def _graph_explorer():
    from bplab.widgets.graph_explorer import GraphExplorer

    return GraphExplorer("CS231n: f = (x + y)·z")


def _gradient_flow():
    from bplab.widgets.gradient_flow import GradientFlowExplorer

    return GradientFlowExplorer()


def _feature_maps():
    from bplab.widgets.feature_maps import FeatureMapViewer

    return FeatureMapViewer()


@pytest.mark.parametrize("make", [_graph_explorer, _gradient_flow, _feature_maps],
                         ids=["graph_explorer", "gradient_flow", "feature_maps"])
def test_cached_redraws_of_the_explorers_are_exactly_a_full_draw(make):
    """Every control (and the graph explorer's walk, step by step, in every preset): the pixels sent are the
    pixels a full draw of the same state gives, and most redraws reuse a cached background."""
    lab = make()
    for name, control in lab.controls.items():
        for value in [*control_values(control), control.value]:
            control.value = value
            _exactly_a_full_draw(lab, f"{name}={value!r}")
            if "step backward" in lab.buttons and name == "expression":
                for step in range(len(lab.model.steps) + 1):
                    lab.buttons["step backward"].click()
                    _exactly_a_full_draw(lab, f"{value}: step {step + 1}")
                lab.buttons["show full backward"].click()
                _exactly_a_full_draw(lab, f"{value}: full backward")
    view = lab.view
    full_draws = view.full_draws if hasattr(view, "full_draws") else view.render.__self__.full_draws
    assert full_draws < len(lab.timings) / 2
    assert not lab.errors


def test_graph_explorer_panel_running_under_the_legend_is_drawn_as_a_full_draw_draws_it():
    """With many inputs the value panel reaches the legend, which a full draw draws over it."""
    from bplab.widgets.graph_explorer import GraphExplorer

    names = [f"x{k}" for k in range(16)]
    expression = eval(f"lambda {', '.join(names)}: {' * '.join(names[:3])} + {' + '.join(names[3:])}")  # noqa: S307
    lab = GraphExplorer(expression)
    _exactly_a_full_draw(lab, "done")
    for step in range(3):
        lab.buttons["step backward"].click()
        _exactly_a_full_draw(lab, f"step {step + 1}")
    panel = lab.view.panel.get_window_extent(lab.view.figure.canvas.get_renderer())
    legend_top = lab.view.figure.bbox.height - lab.view._legend_box[0].start
    assert panel.y0 < legend_top, "the panel should reach the legend in this test"
    lab.controls["input 2"].value = -3.0
    _exactly_a_full_draw(lab, "input 2 = -3")
    assert not lab.errors


def test_pixel_image_draws_what_figimage_draws_and_rejects_other_arrays():
    from bplab.figures.pixels import PixelImage

    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (30, 50, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    drawn = []
    for use_figimage in (True, False):
        figure = base.new_figure(3.0, 2.0)
        figure.set_layout_engine("none")
        figure.add_subplot().plot([0, 1], [1, 0])
        if use_figimage:
            figure.figimage(pixels, xo=17, yo=9, origin="upper", zorder=3)
        else:
            figure.add_artist(PixelImage(pixels, 17, 9, zorder=3))
        drawn.append(_pixels(figure))
    np.testing.assert_array_equal(drawn[0], drawn[1])
    with pytest.raises(ValueError, match="uint8"):
        PixelImage(pixels[..., :3], 0, 0)


def test_feature_maps_kept_rasters_are_what_resampling_again_draws():
    """Maps a control did not change reuse their resampled raster: the picture is the one resampling every map
    again gives, state by state."""
    from bplab.figures.feature_maps import _KeptImage

    lab = _feature_maps()
    images = [image for ax in lab.view.figure.axes for image in ax.images]
    assert images and all(isinstance(image, _KeptImage) for image in images)
    for name, control in lab.controls.items():
        for value in control_values(control):
            lab._kept_images.clear()  # drawn, not the image kept for a state shown before
            control.value = value
            shown = _shown(lab)
            for image in images:
                image._kept.clear()
            np.testing.assert_array_equal(shown, _full_draw(lab), err_msg=f"{name}={value!r}")
    lab._kept_images.clear()
    filter_control = lab.controls["filter"]
    filter_control.value = filter_control.max if filter_control.value != filter_control.max else filter_control.min
    assert len(lab.view.input_image._kept) == 1  # the digit did not change: its raster was reused, none made
    assert len(lab.view.conv_image._kept) == 2


@pytest.mark.parametrize("make", [_graph_explorer, _gradient_flow, _feature_maps],
                         ids=["graph_explorer", "gradient_flow", "feature_maps"])
def test_a_state_shown_again_sends_its_kept_image_which_is_that_state_drawn(make):
    lab = make()
    first = lab.image.value
    name, control = next(iter(lab.controls.items()))
    original = control.value
    control.value = control_values(control)[0] if control_values(control)[0] != original else control_values(control)[1]
    assert lab.image.value != first
    drawn = lab.timings[-1]["draw"]
    control.value = original  # back: the first image, not drawn again
    assert lab.image.value == first and lab.timings[-1]["draw"] == 0.0 < drawn
    _exactly_a_full_draw(lab, f"{name} back to {original!r}")
    assert len(lab._kept_images) == 2 and not lab.errors


def test_a_graph_explorer_expression_that_fails_keeps_no_image():
    from bplab.widgets.graph_explorer import GraphExplorer

    lab = GraphExplorer(lambda x, y: x.log() + y, {"x": 1.0, "y": 1.0})
    lab.controls["input 1"].value = -1.0  # log of a negative number: an error, the graph drawn before stays
    assert lab.model.error and lab.shown_state() is None
    kept = len(lab._kept_images)
    lab.controls["input 2"].value = 2.0
    assert len(lab._kept_images) == kept and not lab.errors


def _image_pixels(show, data, figsize=(5.0, 3.0), redraws=(), **kwargs):
    """The canvas after drawing ``show(ax, data, **kwargs)``, then after each of ``redraws`` (new data)."""
    figure = base.new_figure(*figsize)
    ax = figure.subplots(1, 2)[0]
    image = show(ax, data, **kwargs)
    out = [_pixels(figure)]
    for new in redraws:
        image.set_data(new)
        out.append(_pixels(figure))
    return out, image


@pytest.mark.parametrize("case", ["confusion", "mosaic with nan", "origin lower, alpha", "extent, aspect auto",
                                  "float32 data", "bilinear (not nearest)", "downsampled"])
def test_nearest_images_draw_the_pixels_matplotlib_draws(case):
    rng = np.random.default_rng(5)
    mosaic = rng.random((36, 35))
    mosaic[rng.random(mosaic.shape) < 0.3] = np.nan
    data, kwargs = {
        "confusion": (rng.integers(0, 40, (10, 10)), {"cmap": "viridis", "norm": Normalize(0, 40)}),
        "mosaic with nan": (mosaic, {"cmap": "gray_r", "vmin": 0, "vmax": 1, "interpolation": "nearest"}),
        "origin lower, alpha": (mosaic, {"cmap": "gray_r", "vmin": 0, "vmax": 1, "origin": "lower", "alpha": 0.5}),
        "extent, aspect auto": (rng.random((7, 9)), {"cmap": "RdBu", "vmin": -1, "vmax": 1, "aspect": "auto",
                                                     "extent": (0.3, 2.7, -1.1, 5.3)}),
        "float32 data": (rng.random((12, 6)).astype(np.float32), {"cmap": "magma", "vmin": 0.2, "vmax": 0.8}),
        "bilinear (not nearest)": (rng.random((10, 10)), {"vmin": 0, "vmax": 1, "interpolation": "bilinear"}),
        "downsampled": (rng.random((500, 400)), {"vmin": 0, "vmax": 1}),
    }[case]
    # new data after the first draw: the kept map serves them (the first draw of a placement is matplotlib's)
    redraws = [rng.permutation(data.ravel()).reshape(data.shape) for _ in range(2)]
    plain, _ = _image_pixels(lambda ax, d, **k: ax.imshow(d, **k), data, redraws=redraws, **kwargs)
    fast, image = _image_pixels(nearest_imshow, data, redraws=redraws, **kwargs)
    assert isinstance(image, NearestImage)
    for k, (a, b) in enumerate(zip(plain, fast, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"draw {k}")
    maps = list(image.__dict__.get("_cell_maps", {}).values())
    if case in ("bilinear (not nearest)",):
        assert maps and all(m is None for m in maps)  # tried once, then drawn the ordinary way
    elif case == "downsampled":
        assert not maps  # not upsampled 3 times: matplotlib resamples colours there, and so do we
    else:
        assert maps and maps[-1] is not None  # the fast path served the redraws


def test_nearest_image_map_follows_the_placement():
    rng = np.random.default_rng(6)
    data = [rng.integers(0, 9, (6, 6)) for _ in range(3)]

    def frames(show):
        figure = base.new_figure(4.0, 3.0)
        figure.set_layout_engine("none")
        ax = figure.subplots()
        image = show(ax, data[0], cmap="viridis", vmin=0, vmax=9)
        out = [_pixels(figure)]
        for limits, new in zip(((-0.5, 3.2), (1.3, 5.5)), data[1:], strict=True):
            ax.set_xlim(*limits)  # zoomed in: the image is clipped to the axes, other cells shown
            out.append(_pixels(figure))
            image.set_data(new)
            out.append(_pixels(figure))
        return out, image

    plain, _ = frames(lambda ax, d, **k: ax.imshow(d, **k))
    fast, image = frames(nearest_imshow)
    for k, (a, b) in enumerate(zip(plain, fast, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"draw {k}")
    assert len(image._cell_maps) == 3 and all(m is not None for m in image._cell_maps.values())


def test_dashboard_states_shown_again_send_the_image_a_fresh_draw_gives():
    record = train_capstone(6, hidden=(16,), dropout=0.0)[1]
    lab = TrainingDashboardLab(record)
    visits = [("png", 2, -1), ("png", 5, 3), ("jpeg", 1, 3), ("jpeg", 2, 3), ("png", 2, -1), ("jpeg", 1, 3),
              ("png", 5, 3), ("jpeg", 2, 3), ("png", 6, -1)]
    seen = set()
    for fmt, epoch, digit in visits:
        lab.players[0].pushing = fmt == "jpeg"  # as while the kernel plays
        with lab.hold():
            lab.controls["digit"].value = digit
            lab.controls["epoch"].value = epoch
        if (fmt, epoch, digit) == ("png", 6, -1):  # the state the lab opened in: changed to, never redrawn
            assert lab.timings[-1]["draw"] == 0.0
        else:
            assert (lab.timings[-1]["draw"] == 0.0) == ((fmt, epoch, digit) in seen)  # kept: no drawing
        seen.add((fmt, epoch, digit))
        fresh = TrainingDashboardLab(record)  # draws this state for the first time
        fresh.players[0].pushing = fmt == "jpeg"
        with fresh.hold():
            fresh.controls["digit"].value = digit
            fresh.controls["epoch"].value = epoch
        assert lab.image.format == fresh.image.format == fmt
        assert lab.image.value == fresh.image.value, (fmt, epoch, digit)
    assert not lab.errors


def test_stamped_texts_draw_the_pixels_plain_texts_draw():
    def frames(make):
        figure = base.new_figure(4.0, 3.0)
        figure.set_layout_engine("none")
        ax = figure.subplots()
        cases = [("center", "center", 0), ("left", "top", 0), ("right", "baseline", 30), ("center", "bottom", 90)]
        texts = [make(ax.text(0.1 + 0.2 * k, 0.2 + 0.15 * k, "", ha=ha, va=va, fontsize=7 + k, rotation=angle))
                 for k, (ha, va, angle) in enumerate(cases)]
        rng = np.random.default_rng(4)
        out = []
        for frame in range(14):
            for text in texts:  # few strings at one place, as a confusion matrix's numbers: replayed from records
                text.set_text(["12", "3→8", "", "two\nlines", "7"][rng.integers(5)])
                text.set_color(["black", "white", PALETTE_RED][rng.integers(3)])
                text.set_visible(bool(rng.integers(4)))
            if frame == 5:
                texts[0].set_fontsize(11)  # a font changed in place: recorded again
            if frame == 9:
                texts[1].set_position((0.5, 0.5))
                ax.set_xlim(-0.2, 1.3)  # moves every text on the canvas
            out.append(_pixels(figure))
        return out, texts

    plain, _ = frames(lambda text: text)
    fast, texts = frames(stamped)
    for k, (a, b) in enumerate(zip(plain, fast, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"frame {k}")
    assert all(isinstance(t, StampedText) for t in texts)
    assert sum(len(t._stamps) for t in texts) < 4 * 14  # replayed, not recorded every time


PALETTE_RED = "#D55E00"
