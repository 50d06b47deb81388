"""A picture of the graph autograd records, drawn with matplotlib alone (no graphviz).

Each box is one operation autograd recorded (its ``grad_fn``, e.g. ``MulBackward0``) or
one leaf tensor that requires grad (where ``backward()`` stores ``.grad``). Arrows follow
the forward computation, from the leaves to the loss; ``backward()`` walks them in reverse.
Tensors that do not require grad (the data x and y) are not part of the graph.

Taught in: 02 · Autograd, section 2 "requires_grad, the graph, backward() and .grad".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba

from .plotting import PALETTE
from .validation import describe

__all__ = ["GraphNode", "autograd_graph", "plot_autograd_graph"]

#: How each kind of box is drawn: a colour, and an edge style too, so the two kinds differ
#: without colour (leaves: dashed square corners; operations: solid rounded corners).
BOX_STYLES = {
    "leaf": {"boxstyle": "square,pad=0.45", "fc": PALETTE[2], "ls": "--", "lw": 1.6},
    "op": {"boxstyle": "round,pad=0.45", "fc": PALETTE[5], "ls": "-", "lw": 1.2},
}
#: The size of the boxes' text, in points (at least 10, to be read when projected).
FONTSIZE = 10


@dataclass
class GraphNode:
    """One box of the picture.

    Attributes:
        label: what the box says ("w\\n(leaf)", "mul\\nMulBackward0").
        kind: "leaf" for a tensor that requires grad, "op" for a recorded operation.
        depth: the number of arrows on the longest way from this box to the output.
        inputs: indices (into the node list) of the boxes whose arrows point here.
    """

    label: str
    kind: str
    depth: int = 0
    inputs: list[int] = field(default_factory=list)


def _label(fn: Any, names: Mapping[str, Any]) -> tuple[str, str]:
    """A box's text and kind for one ``grad_fn`` node."""
    variable = getattr(fn, "variable", None)
    if variable is not None:  # an AccumulateGrad node: a leaf that requires grad
        name = next((k for k, v in names.items() if v is variable), "leaf")
        return f"{name}\n(leaf)\ngets .grad", "leaf"
    cls = type(fn).__name__
    op = cls.removesuffix("Backward0").removesuffix("Backward1").lower()
    return f"{op}\n{cls}", "op"


def autograd_graph(output: Any, names: Mapping[str, Any] | None = None) -> list[GraphNode]:
    """The boxes and arrows of the graph that autograd recorded for ``output``.

    The graph is walked once. Every ``grad_fn`` object met is kept alive until the walk
    ends: torch hands out a new Python object for a node once nothing holds the old one, so
    an ``id()`` is only a node's name while its object lives.

    Args:
        output: a tensor computed from tensors that require grad (it has a ``grad_fn``),
            e.g. a scalar loss.
        names: optional name -> leaf tensor, so leaves are labelled ("w", "b").

    Returns:
        The nodes, the output's own operation first; ``inputs`` hold the arrows.
    """
    names = dict(names or {})
    root = getattr(output, "grad_fn", None)
    if root is None:
        raise ValueError(
            f"output must be a tensor with a grad_fn, got {describe(output)}: compute it from "
            "tensors created with requires_grad=True, outside torch.no_grad()."
        )
    index: dict[int, int] = {}  # id(grad_fn) -> node index, valid while `alive` holds them
    alive: list[Any] = []
    nodes: list[GraphNode] = []

    def node_of(fn: Any) -> int:
        if id(fn) not in index:
            index[id(fn)] = len(nodes)
            alive.append(fn)
            nodes.append(GraphNode(*_label(fn, names)))
        return index[id(fn)]

    stack, expanded = [root], set()
    node_of(root)
    while stack:
        fn = stack.pop()
        i = node_of(fn)
        if i in expanded:
            continue
        expanded.add(i)
        for child, _ in getattr(fn, "next_functions", ()):
            if child is not None:
                nodes[i].inputs.append(node_of(child))
                stack.append(child)
    _set_depths(nodes)
    return nodes


def _set_depths(nodes: list[GraphNode]) -> None:
    """Each node's depth: the longest way to the output (node 0), in topological order."""
    users = [0] * len(nodes)  # how many arrows leave each node
    for n in nodes:
        for j in set(n.inputs):
            users[j] += 1
    ready = [0]
    while ready:
        i = ready.pop()
        for j in set(nodes[i].inputs):
            nodes[j].depth = max(nodes[j].depth, nodes[i].depth + 1)
            users[j] -= 1
            if users[j] == 0:
                ready.append(j)


def _positions(nodes: list[GraphNode]) -> dict[int, tuple[float, float]]:
    """(x, y) of each box: one column per depth, output on the right, rows centred."""
    deepest = max(n.depth for n in nodes)
    columns: dict[int, list[int]] = {}
    for i, n in enumerate(nodes):
        columns.setdefault(n.depth, []).append(i)
    where = {}
    for depth, members in columns.items():
        for row, i in enumerate(members):
            where[i] = (float(deepest - depth), (len(members) - 1) / 2 - row)
    return where


def plot_autograd_graph(
    output: Any,
    names: Mapping[str, Any] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the graph autograd recorded for ``output``: leaves on the left, output right.

    Operations are solid rounded boxes, leaves dashed square ones (and coloured apart);
    each arrow runs from the edge of one box to the edge of the box that uses it.

    Args:
        output: a tensor with a ``grad_fn``, e.g. ``loss = ((w * x + b - y) ** 2).mean()``.
        names: optional name -> leaf tensor, e.g. ``{"w": w, "b": b}``.
        ax: Axes to draw on; a new figure if None.
        title: optional title.

    Returns:
        The Axes.
    """
    nodes = autograd_graph(output, names)
    where = _positions(nodes)
    columns = max(x for x, _ in where.values()) + 1
    rows = max(sum(1 for p in where.values() if p[0] == x) for x in range(int(columns)))
    if ax is None:  # the whole figure: under 10 inches (a notebook column), room for the tight crop
        fig = plt.figure(figsize=(min(1.65 * columns, 9.8), 1.1 * rows + 0.7))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0 - 0.45 / fig.get_figheight()))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}.")
    boxes = []
    for i, n in enumerate(nodes):
        style = dict(BOX_STYLES[n.kind])
        style["fc"] = to_rgba(style["fc"], 0.35)  # a light face; the edge stays dark
        style["ec"] = "0.15"
        text = ax.text(*where[i], n.label, ha="center", va="center", fontsize=FONTSIZE, bbox=style)
        boxes.append(text)
    for i, n in enumerate(nodes):  # an arrow from each input's box to the box that uses it
        for j in dict.fromkeys(n.inputs):
            ax.annotate(
                "",
                xy=where[i],
                xytext=where[j],
                arrowprops={
                    "arrowstyle": "-|>,head_length=0.6,head_width=0.3",
                    "color": "0.1",
                    "lw": 1.4,
                    "patchA": boxes[j].get_bbox_patch(),
                    "patchB": boxes[i].get_bbox_patch(),
                    "shrinkA": 2,
                    "shrinkB": 2,
                },
            )
    ax.set_xlim(-0.55, columns - 0.45)
    ax.set_ylim(-rows / 2, rows / 2)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=FONTSIZE + 2)
    return ax
