"""The graph explorer's figure: the expression's graph with values and gradients, and the walk's arithmetic.

Artists are built once per expression *shape* (and kept for the last few shapes, hidden while another
is shown); moving a slider or stepping the walk only changes texts and colours. A redraw copies back a
cached background (the edges and the legend, per shape and edge colouring) and draws only the texts.
"""

from __future__ import annotations

import collections
import functools
import math
import textwrap

import numpy as np
from matplotlib.lines import Line2D

from bplab.figures.base import PALETTE, new_figure, show_message
from bplab.figures.pixels import PixelImage
from bplab.graph_layout import GraphArtists, op_symbol

OP_NAMES = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "neg": "negate"}
"""Operation names in the panel's monospace text, where × would look like the variable x."""


class GraphExplorerFigure:
    """Left: the graph (value nodes show value and gradient, circles are operations). Right: the numbers.

    Parameters
    ----------
    model : bplab.labs.graph_explorer.GraphExplorerModel
    """

    def __init__(self, model):
        self.figure = new_figure(8.0, 4.0)
        self.figure.set_layout_engine("none")  # fixed axes: no layout pass on every redraw
        self.graph_axes = self.figure.add_axes((0.0, 0.0, 0.66, 0.91))
        self.graph_axes.set_axis_off()
        self.panel_axes = self.figure.add_axes((0.665, 0.0, 0.335, 1.0))
        self.panel_axes.set_axis_off()
        self.title = self.figure.text(0.01, 0.97, "", fontsize=10, va="top", ha="left", weight="bold")
        self.panel = self.panel_axes.text(0.0, 0.97, "", fontsize=7.5, family="monospace", va="top", ha="left",
                                          transform=self.panel_axes.transAxes, linespacing=1.25)
        legend = _legend_image(self.figure.dpi)
        self.legend = self.figure.add_artist(PixelImage(legend, int(0.67 * self.figure.bbox.width), 4, zorder=2))
        height = self.figure.canvas.get_width_height(physical=True)[1]
        # the legend's rows and columns in the canvas's buffer (row 0 at the top)
        self._legend_box = (slice(height - 4 - legend.shape[0], height - 4),
                            slice(self.legend.left, self.legend.left + legend.shape[1]))
        self.artists = None
        self.version = None
        self._shapes = collections.OrderedDict()  # (operations and wiring, positions) -> GraphArtists
        self._backgrounds = collections.OrderedDict()  # what the background shows -> (its pixels, the legend's)
        self.full_draws = 0
        self.update(model)

    SHAPES_KEPT = 8
    BACKGROUNDS_KEPT = 24
    """Kept backgrounds: one per shape and edge colouring (a walk has one per step)."""

    def update(self, model):
        if model.graph is None:
            self._show_error(model.error or "no expression")
            return
        if model.structure_version != self.version:
            self._show_shape(model)
            self.version = model.structure_version
        self._update_nodes(model)
        self._update_walk(model)
        self.title.set_text(f"{model.name}     f = {_fmt(model.output, 5)}")
        self.panel.set_text(_panel_text(model))
        self._show_error(model.error)

    def _show_shape(self, model):
        """Show the artists of the model's graph shape, built the first time (building is most of a preset change)."""
        key = (model.graph.signature, np.asarray(model.positions).tobytes())
        if self.artists is not None:
            self.artists.set_visible(False)
        artists = self._shapes.get(key)
        if artists is None:
            artists = self._shapes[key] = GraphArtists(self.graph_axes, model.graph, model.positions)
            while len(self._shapes) > self.SHAPES_KEPT:
                _, dropped = self._shapes.popitem(last=False)
                dropped.remove()
        else:
            self._shapes.move_to_end(key)
            artists.graph = model.graph
            artists.set_visible(True)
        self.artists = artists

    def _moving(self):
        """What changes between redraws, in the order a full draw draws it (the legend image aside)."""
        mine = set() if self.artists is None else set(map(id, self.artists.node_texts + self.artists.edge_labels))
        # as the axes orders them: by layer, then in the order they were added
        graph = sorted((a for a in self.graph_axes.get_children() if id(a) in mine), key=lambda a: a.get_zorder())
        message = getattr(self.figure, "_bplab_message", None)
        return graph, [self.panel], [self.title] + ([message] if message is not None else [])

    def render(self):
        """Draw the current state: the cached background (edges, legend), then the texts on it.

        The background is the figure drawn without the texts, kept per shape and edge colouring (the walk
        lights edges). The texts are drawn in a full draw's order; the legend, which a full draw puts over
        the axes (the value panel, a node near the right edge), is copied back over them from the
        background: the same pixels as a full draw (tested).
        """
        canvas = self.figure.canvas
        graph, panel, top = self._moving()
        edges = [] if self.artists is None else self.artists.edge_lines
        key = (id(self.artists), tuple((line.get_visible(), line.get_color(), line.get_linewidth()) for line in edges))
        background = self._backgrounds.get(key)
        if background is None:
            moving = graph + panel + top
            shown = [a.get_visible() for a in moving]
            for artist in moving:
                artist.set_visible(False)
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())
            background = self._backgrounds[key] = (canvas.copy_from_bbox(self.figure.bbox),
                                                   pixels[self._legend_box].copy())
            while len(self._backgrounds) > self.BACKGROUNDS_KEPT:
                self._backgrounds.popitem(last=False)
            self.full_draws += 1
            for artist, visible in zip(moving, shown, strict=True):
                artist.set_visible(visible)
        else:
            self._backgrounds.move_to_end(key)
            canvas.restore_region(background[0])
        for artist in graph + panel:
            self.figure.draw_artist(artist)
        np.asarray(canvas.buffer_rgba())[self._legend_box] = background[1]
        for artist in top:
            self.figure.draw_artist(artist)

    def _show_error(self, text):
        """The message in the right-hand column, between the values and the legend: never over a node."""
        banner = show_message(self.figure, textwrap.fill(text, 44) if text else "")
        banner.set_position((0.668, 0.5))
        banner.set_horizontalalignment("left")
        banner.set_fontsize(9)
        banner.set_wrap(False)

    def _update_nodes(self, model):
        graph, artists = model.graph, self.artists
        walking = model.step is not None
        for node, (kind, i) in enumerate(graph.nodes):
            if kind == "op":
                continue
            value = graph.values[i]
            label = model.label(i)
            head = f"{label} = {_fmt(value.data)}" if label else _fmt(value.data)
            final = not walking or model.finished(i)
            text = artists.node_texts[node]
            text.set_text(f"{head}\ngrad {_fmt(model.partial_grads[i])}")
            text.set_color(PALETTE["black"] if final else PALETTE["grey"])

    def _update_walk(self, model):
        graph, artists = model.graph, self.artists
        current = model.current
        lit_nodes, lit_edges = set(), {}
        if current is not None:
            op_node, value_node = graph.node_of_op(current.value), graph.node_of_value(current.value)
            lit_nodes = {op_node, value_node}
            locals_ = {c: (local, contribution) for c, local, contribution in current.children}
            labelled = set()
            for e, (u, v, _) in enumerate(graph.edges):
                if v == op_node:
                    child = graph.nodes[u][1]
                    local, contribution = locals_[child]
                    text = "" if child in labelled else f"{'+' if contribution >= 0 else ''}{_fmt(contribution)}"
                    labelled.add(child)
                    lit_edges[e] = text
                    lit_nodes.add(u)
                elif u == op_node:
                    lit_edges[e] = ""
        for node in range(len(graph.nodes)):
            lit = node in lit_nodes
            artists.style_node(node, PALETTE["vermillion"] if lit else artists.base_edge_colour(node),
                               2.4 if lit else 1.2)
        for e in range(len(graph.edges)):
            lit = e in lit_edges
            artists.style_edge(e, PALETTE["vermillion"] if lit else artists.edge_colour, 2.2 if lit else 1.2)
            artists.label_edge(e, lit_edges.get(e, ""))


@functools.cache
def _legend_image(dpi):
    """The legend, rendered once to pixels: it never changes, and drawing it as text on every redraw
    costs about a third of the redraw time."""
    figure = new_figure(2.6, 1.0, dpi=dpi)
    figure.set_layout_engine("none")
    handles = [
        Line2D([], [], marker="s", markersize=8, linestyle="none", markerfacecolor="white",
               markeredgecolor=PALETTE["green"], label="input: value / gradient"),
        Line2D([], [], marker="s", markersize=8, linestyle="none", markerfacecolor="white",
               markeredgecolor=PALETTE["blue"], label="computed value / gradient"),
        Line2D([], [], marker="o", markersize=8, linestyle="none", markerfacecolor="#FFF4DC",
               markeredgecolor=PALETTE["orange"], label="operation"),
        Line2D([], [], color=PALETTE["vermillion"], linewidth=2.2, label="current backward step (+contribution)"),
        Line2D([], [], marker="s", markersize=8, linestyle="none", markerfacecolor=PALETTE["grey"],
               markeredgecolor=PALETTE["grey"], label="grey text: gradient not final yet"),
    ]
    figure.legend(handles=handles, loc="center left", fontsize=7, frameon=False, borderaxespad=0.0,
                  handletextpad=0.4, labelspacing=0.3)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def _panel_text(model):
    graph = model.graph
    lines = []
    if model.step is None:
        lines += ["Backward pass done. Press", "'step backward' to walk it.", ""]
    elif model.current is None:
        lines += [f"Walk: step 0 of {len(model.steps)}", "seed: df/df = 1 at the output", ""]
    else:
        step = model.current
        node = OP_NAMES.get(graph.ops[step.value], graph.ops[step.value])
        lines += [f"Walk: step {model.step} of {len(model.steps)}",
                  f"node {node}: upstream df/dout = {_fmt(step.upstream)}",
                  "local · upstream = contribution"]
        for child, local, contribution in step.children:
            name = model.label(child) or (f"{op_symbol(graph.ops[child])} out" if graph.ops[child] else "const")
            after = model.partial_grads[child]
            lines.append(f" {name[:9]:<9} {_fmt(local):>7} · {_fmt(step.upstream)} = {_fmt(contribution)}")
            lines.append(f"   its grad: {_fmt(after - contribution)} → {_fmt(after)}")
        lines.append("")
    lines += ["input  backward()  numeric (h=1e-5)" if model.h == 1e-5 else f"input  backward()  numeric (h={model.h:g})"]
    for name in model.names:
        lines.append(f"{name[:6]:<6} {_fmt(model.grads.get(name, math.nan), 6):>10} {_fmt(model.numeric[name], 6):>10}")
    return "\n".join(lines)


def _fmt(value, digits=3):
    """Short number text; inf and nan spelled out (they are what the learner must notice)."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text
