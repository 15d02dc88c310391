"""Shared pieces of every figure: a pyplot-free Agg figure, colours, messages."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#999999",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]
DIVERGING_CMAP = "RdBu_r"
SEQUENTIAL_CMAP = "viridis"


def new_figure(width=8.0, height=4.0, dpi=80):
    """A matplotlib Figure with an Agg canvas, outside pyplot (no global state, no auto-display)."""
    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def show_message(figure, text):
    """Show (or, with ``text=""``, hide) a message across the figure: how divergence is reported.

    The text artist is created once and reused, so updates stay cheap.
    """
    artist = getattr(figure, "_bplab_message", None)
    if artist is None:
        artist = figure.text(0.5, 0.5, "", ha="center", va="center", fontsize=13, color=PALETTE["vermillion"],
                             bbox={"facecolor": "white", "edgecolor": PALETTE["vermillion"], "alpha": 0.92},
                             zorder=100, wrap=True)
        figure._bplab_message = artist
    artist.set_text(text)
    artist.set_visible(bool(text))
    return artist


def render_png(figure):
    """Draw with Agg and encode as PNG (fast compression: speed matters more than size here)."""
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
