"""Drive a lab headless: every control, several values, extremes included."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np


def control_values(control):
    """The values a test sets a control to: both ends, the middle, and every option."""
    if isinstance(control, (widgets.Dropdown, widgets.RadioButtons, widgets.ToggleButtons, widgets.Select,
                            widgets.SelectionSlider)):
        return [value for _, value in _options(control)]
    if isinstance(control, (widgets.SelectMultiple,)):
        options = [value for _, value in _options(control)]
        return [tuple(options), tuple(options[:1]), tuple(options[-1:])]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [not control.value, control.value]
    if isinstance(control, (widgets.FloatLogSlider,)):
        low, high = control.base ** control.min, control.base ** control.max
        return [high, low, float(np.sqrt(low * high))]
    if isinstance(control, (widgets.IntRangeSlider, widgets.FloatRangeSlider)):
        return [(control.min, control.max), (control.min, control.min), control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        middle = (control.min + control.max) / 2
        middle = int(round(middle)) if isinstance(control.value, int) else middle
        return [control.max, control.min, middle]
    if isinstance(control, widgets.Text):
        return [control.value]
    return [control.value]


def _options(control):
    return [(o, o) if not isinstance(o, tuple) else o for o in control.options]


def exercise_every_control(lab, unchanged_ok=()):
    """Set every control of ``lab`` to several values and click every button.

    Asserts that no callback raised (``lab.errors`` stays empty) and that each
    control changed the rendered figure at least once, except the controls
    named in ``unchanged_ok``.
    """
    assert lab.ui is not None, "the lab did not build its ui"
    assert not lab.errors, f"errors while building: {lab.errors}"
    for name, control in lab.controls.items():
        first = lab.image.value
        changed = False
        original = control.value
        for value in control_values(control):
            control.value = value
            assert not lab.errors, f"control {name!r} = {value!r} raised: {lab.errors[-1]}"
            changed = changed or lab.image.value != first
        if name not in unchanged_ok:
            assert changed, f"moving control {name!r} did not change the figure"
        control.value = original
    for name, button in lab.buttons.items():
        button.click()
        assert not lab.errors, f"button {name!r} raised: {lab.errors[-1]}"
    assert lab.image.value[:8] == b"\x89PNG\r\n\x1a\n", "the figure is not a PNG"
