"""The thin wiring every lab shares: controls, a rendered figure, errors shown, never lost."""

from __future__ import annotations

import html
import traceback

import ipywidgets as widgets

from bplab.figures.base import render_png


class Lab:
    """Base of every widget: a title, controls, a figure and a status line.

    Subclasses build ``self.model`` (a ``bplab.labs`` object) and
    ``self.view`` (a ``bplab.figures`` builder with ``.figure`` and
    ``.update(model)``), then call ``self._assemble(controls, buttons)``, and
    implement :meth:`apply_controls` (copy control values into the model and
    recompute). Every callback goes through :meth:`guard`, so an exception is
    shown inside the widget and recorded in ``self.errors``, and the next
    change works again.

    Attributes
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        Every control whose ``value`` changes the figure (tests move them all).
    buttons : dict of str to ipywidgets.Button
    errors : list of str
        Every exception caught in a callback, as text.
    image : ipywidgets.Image
        The figure as rendered by Agg.
    ui : ipywidgets.VBox
        The root box, with the CSS class ``bplab-lab``.
    """

    title = ""

    def __init__(self):
        self.errors = []
        self.controls = {}
        self.buttons = {}
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("bplab-figure")
        self.status = widgets.HTML()
        self.note = widgets.HTML()
        self.ui = None

    # -- to implement -------------------------------------------------------
    def apply_controls(self):
        """Copy the controls' values into ``self.model`` and recompute."""
        raise NotImplementedError

    # -- shared wiring ------------------------------------------------------
    def _assemble(self, controls, buttons=None, layout=None):
        """Wire the controls and build ``self.ui``.

        Parameters
        ----------
        controls : dict of str to widget
            Each one's ``value`` change calls :meth:`refresh`.
        buttons : dict of str to (Button, callable)
            Each click calls the callable through :meth:`guard`, then redraws.
        layout : widget, optional
            The controls' arrangement; a vertical box of them by default.
        """
        self.controls = dict(controls)
        for control in self.controls.values():
            control.observe(lambda change: self.refresh(), names="value")
        for name, (button, action) in (buttons or {}).items():
            self.buttons[name] = button
            button.on_click(lambda _button, action=action: self.run(action))
        header = widgets.HTML(f"<b>{html.escape(self.title)}</b>") if self.title else widgets.HTML()
        panel = layout if layout is not None else widgets.VBox(
            list(self.controls.values()) + list(self.buttons.values()))
        self.ui = widgets.VBox([header, panel, self.note, self.image, self.status])
        self.ui.add_class("bplab-lab")
        self.refresh()

    def guard(self, action):
        """Run ``action()``; an exception becomes a message in the widget and an entry in ``errors``."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - a widget must survive every control value
            text = f"{type(error).__name__}: {error}"
            self.errors.append(text + "\n" + traceback.format_exc())
            self.status.value = (
                "<div class='bplab-error' style='color:#D55E00;border:1px solid #D55E00;padding:4px'>"
                f"Something went wrong while updating: {html.escape(text)}. Change a control to try again.</div>")
            return False
        return True

    def refresh(self):
        """Apply the controls and redraw; what every control change calls."""
        self.run(self.apply_controls)

    def run(self, action):
        """Run an action (a button's, a tick's) through :meth:`guard`, then redraw."""
        if self.guard(action) and self.guard(lambda: self.view.update(self.model)) and self.guard(self.draw):
            self.status.value = ""

    def draw(self):
        self.image.value = render_png(self.view.figure)

    def set_note(self, text):
        """A line above the figure (for example "powered by your code")."""
        self.note.value = f"<i>{html.escape(text)}</i>" if text else ""

    def _ipython_display_(self):
        from IPython.display import display

        display(self.ui)
