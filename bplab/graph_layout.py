"""Computational graphs drawn with matplotlib alone: structure, layered layout, artists.

Three steps, each usable on its own:

1. :func:`expression_graph` reads the graph behind a scalar ``Value`` (the
   reference :class:`bplab.autodiff.Value`, the learner's, or micrograd's: it
   needs ``data``, ``grad`` and ``children``/``_prev`` and ``op``/``_op``) and
   splits every computed value into an *operation node* and a *value node*, the
   way micrograd's graphviz drawings do.
2. :func:`layered_layout` places the nodes in columns by longest path from the
   inputs (a Sugiyama-style layering) and orders each column by the barycentre
   of its neighbours to reduce crossings.
3. :class:`GraphArtists` draws nodes (text boxes) and edges (lines) once and
   exposes them, so that a figure updates them with ``set_text``/``set_color``
   instead of redrawing.

Steps 1 and 2 need numpy only (the lab models use them); matplotlib is
imported by :class:`GraphArtists` when a figure draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bplab.autodiff import topological_order

OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−x", "sigmoid": "σ"}


def children_of(value):
    """The inputs of the operation that made ``value`` (``children``, or micrograd's ``_prev``)."""
    children = getattr(value, "children", None)
    if children is None:
        children = getattr(value, "_prev", ())
    return tuple(children)


def op_of(value):
    """The operation's name (``op``, or micrograd's ``_op``), '' for a leaf."""
    op = getattr(value, "op", None)
    return str(op if op is not None else getattr(value, "_op", ""))


def op_symbol(op):
    """A short label for an operation node: ``×`` for ``*``, ``x²`` style powers as ``^2``."""
    if op.startswith("**"):
        return "^" + op[2:]
    return OP_SYMBOLS.get(op, op)


@dataclass
class ExpressionGraph:
    """The drawable structure of an expression.

    Attributes
    ----------
    values : list
        The distinct Value objects, inputs first (topological order), output last.
    value_children : list of tuple of int
        For each value, the indices of its children in ``values`` (repeats kept).
    ops : list of str
        Operation name per value ('' for leaves).
    nodes : list of (str, int)
        Drawn nodes: ``("value", i)`` or ``("op", i)`` (the operation producing value ``i``).
    edges : list of (int, int, int)
        ``(from node, to node, repeat)``: child value -> op node, op node -> its value;
        ``repeat`` counts earlier parallel edges (``x * x`` has two edges x -> ×).
    """

    values: list
    value_children: list
    ops: list
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    @property
    def signature(self):
        """Equal for two graphs of the same shape (same operations, same wiring)."""
        return tuple(zip(self.ops, self.value_children))

    def node_of_value(self, i):
        return self._value_node[i]

    def node_of_op(self, i):
        return self._op_node[i]


def expression_graph(root):
    """The :class:`ExpressionGraph` of everything ``root`` depends on.

    Parameters
    ----------
    root : Value-like

    Returns
    -------
    ExpressionGraph
    """
    values = topological_order(root, children_of)
    index = {id(v): i for i, v in enumerate(values)}
    value_children = [tuple(index[id(c)] for c in children_of(v)) for v in values]
    graph = ExpressionGraph(values, value_children, [op_of(v) for v in values])
    graph._value_node, graph._op_node = {}, {}
    for i, children in enumerate(value_children):
        if children:
            graph._op_node[i] = len(graph.nodes)
            graph.nodes.append(("op", i))
        graph._value_node[i] = len(graph.nodes)
        graph.nodes.append(("value", i))
    for i, children in enumerate(value_children):
        if not children:
            continue
        seen = {}
        for c in children:
            graph.edges.append((graph._value_node[c], graph._op_node[i], seen.get(c, 0)))
            seen[c] = seen.get(c, 0) + 1
        graph.edges.append((graph._op_node[i], graph._value_node[i], 0))
    return graph


def layered_layout(n_nodes, edges, movable_sources=(), sweeps=4):
    """Positions in the unit square, one column per layer, inputs on the left.

    Parameters
    ----------
    n_nodes : int
    edges : iterable of (int, int, ...)
        Directed edges ``(u, v, ...)``, forming a DAG; extra items are ignored.
    movable_sources : iterable of int
        Sources (for example constants) placed just left of their first
        consumer instead of in the first column.
    sweeps : int
        Barycentre ordering passes (alternately left-to-right and back).

    Returns
    -------
    positions : ndarray, shape (n_nodes, 2)
        ``x`` in [0, 1] by layer, ``y`` in (0, 1) within the layer.
    layers : ndarray of int, shape (n_nodes,)
    """
    preds = [[] for _ in range(n_nodes)]
    succs = [[] for _ in range(n_nodes)]
    for u, v, *_ in edges:
        preds[v].append(u)
        succs[u].append(v)
    layers = np.zeros(n_nodes, dtype=int)
    for v in _kahn_order(n_nodes, preds, succs):  # longest path from the sources
        layers[v] = max((layers[u] + 1 for u in preds[v]), default=0)
    for v in movable_sources:
        if not preds[v] and succs[v]:
            layers[v] = max(min(layers[s] for s in succs[v]) - 1, 0)
    n_layers = int(layers.max()) + 1 if n_nodes else 0
    columns = [[v for v in range(n_nodes) if layers[v] == k] for k in range(n_layers)]
    rank = np.zeros(n_nodes)
    for column in columns:
        rank[column] = np.arange(len(column))
    for sweep in range(sweeps):
        order = range(1, n_layers) if sweep % 2 == 0 else range(n_layers - 2, -1, -1)
        for k in order:
            neighbours = preds if sweep % 2 == 0 else succs
            column = columns[k]
            keys = [np.mean(rank[neighbours[v]]) if neighbours[v] else rank[v] for v in column]
            columns[k] = [v for _, _, v in sorted(zip(keys, range(len(column)), column))]
            rank[columns[k]] = np.arange(len(column))
    tallest = max((len(c) for c in columns), default=1)
    positions = np.zeros((n_nodes, 2))
    for k, column in enumerate(columns):
        for r, v in enumerate(column):
            positions[v, 0] = k / max(n_layers - 1, 1)
            # top to bottom, centred, the same spacing in every column
            positions[v, 1] = 0.5 + ((len(column) - 1) / 2 - r) / tallest
    return positions, layers


def _kahn_order(n_nodes, preds, succs):
    remaining = [len(p) for p in preds]
    ready = [v for v in range(n_nodes) if remaining[v] == 0]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for s in succs[v]:
            remaining[s] -= 1
            if remaining[s] == 0:
                ready.append(s)
    if len(order) != n_nodes:
        raise ValueError("layered_layout needs an acyclic graph (a cycle was found)")
    return order


class GraphArtists:
    """Node boxes, edge lines and edge labels of one graph, drawn once on ``axes``.

    Parameters
    ----------
    axes : matplotlib.axes.Axes
        Cleared and used in data coordinates with a small margin around the unit square.
    graph : ExpressionGraph
    positions : ndarray, shape (n_nodes, 2)
    fontsize : float

    Attributes
    ----------
    node_texts : list of matplotlib.text.Text
        One per node; the box is ``text.get_bbox_patch()``.
    edge_lines : list of Line2D
    edge_labels : list of (matplotlib.text.Text or None)
        Made by the first :meth:`label_edge` that shows one (None until then; most are never shown).
    """

    def __init__(self, axes, graph, positions, fontsize=7.5):
        from matplotlib.lines import Line2D

        from bplab.figures.base import PALETTE

        self.value_colour, self.input_colour = PALETTE["blue"], PALETTE["green"]
        self.op_colour, self.edge_colour, self.highlight_colour = PALETTE["orange"], PALETTE["grey"], PALETTE["vermillion"]
        self.axes, self.graph, self.positions, self.fontsize = axes, graph, positions, fontsize
        self.node_texts, self.edge_lines, self.edge_labels, self._middles = [], [], [], []
        for u, v, repeat in graph.edges:
            xs, ys = _edge_path(positions[u], positions[v], repeat)
            line = Line2D(xs, ys, color=self.edge_colour, linewidth=1.2, zorder=1)
            # not add_line: the limits are set below, so the data limits need no update
            axes.add_artist(line)
            self.edge_lines.append(line)
            middle = len(xs) // 2
            self._middles.append((xs[middle], ys[middle]))
            self.edge_labels.append(None)
        for node, (kind, i) in enumerate(graph.nodes):
            x, y = positions[node]
            if kind == "op":
                text = axes.text(x, y, op_symbol(graph.ops[i]), ha="center", va="center", fontsize=fontsize + 1,
                                 zorder=3, bbox={"boxstyle": "circle,pad=0.25", "facecolor": "#FFF4DC",
                                                 "edgecolor": self.op_colour, "linewidth": 1.2})
            else:
                edge = self.value_colour if graph.value_children[i] else self.input_colour
                text = axes.text(x, y, "", ha="center", va="center", fontsize=fontsize, zorder=3,
                                 family="monospace", linespacing=1.1,
                                 bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": edge,
                                       "linewidth": 1.2})
            self.node_texts.append(text)
        axes.set_xlim(-0.09, 1.09)
        axes.set_ylim(-0.08, 1.08)
        axes.set_axis_off()

    def base_edge_colour(self, node):
        kind, i = self.graph.nodes[node]
        if kind == "op":
            return self.op_colour
        return self.value_colour if self.graph.value_children[i] else self.input_colour

    def style_node(self, node, colour, linewidth):
        patch = self.node_texts[node].get_bbox_patch()
        patch.set_edgecolor(colour)
        patch.set_linewidth(linewidth)

    def style_edge(self, edge, colour, linewidth):
        self.edge_lines[edge].set_color(colour)
        self.edge_lines[edge].set_linewidth(linewidth)

    def label_edge(self, edge, text):
        """Show ``text`` on an edge ('' hides it)."""
        label = self.edge_labels[edge]
        if label is None:
            if not text:
                return
            label = self.edge_labels[edge] = self.axes.text(
                *self._middles[edge], "", fontsize=self.fontsize - 1, ha="center", va="bottom",
                color=self.highlight_colour, zorder=4,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        label.set_text(text)
        label.set_visible(bool(text))

    def set_visible(self, visible):
        """Show or hide the whole graph (edge labels are only hidden: :meth:`label_edge` shows them)."""
        for artist in self.node_texts + self.edge_lines:
            artist.set_visible(visible)
        if not visible:
            for label in self.edge_labels:
                if label is not None:
                    label.set_visible(False)

    def remove(self):
        for artist in self.node_texts + self.edge_lines + self.edge_labels:
            if artist is not None:
                artist.remove()


def _edge_path(start, end, repeat, points=9):
    """A straight segment, or for a repeated (parallel) edge a bulging quadratic curve."""
    t = np.linspace(0.0, 1.0, points if repeat else 3)
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / max(np.hypot(*direction), 1e-12)
    control = (start + end) / 2 + normal * 0.07 * repeat
    path = ((1 - t) ** 2)[:, None] * start + (2 * (1 - t) * t)[:, None] * control + (t ** 2)[:, None] * end
    return path[:, 0], path[:, 1]
