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

from .plotting import PALETTE
from .validation import describe

__all__ = ["GraphNode", "autograd_graph", "plot_autograd_graph"]


@dataclass
class GraphNode:
    """One box of the picture.

    Attributes:
        label: what the box says ("w (leaf)", "mul").
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
        return f"{name}\n(leaf: gets .grad)", "leaf"
    cls = type(fn).__name__
    op = cls.removesuffix("Backward0").removesuffix("Backward1").lower()
    return f"{op}\n{cls}", "op"


def autograd_graph(output: Any, names: Mapping[str, Any] | None = None) -> list[GraphNode]:
    """The boxes and arrows of the graph that autograd recorded for ``output``.

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
    index: dict[int, int] = {}
    nodes: list[GraphNode] = []
    stack = [(root, 0)]
    while stack:
        fn, depth = stack.pop()
        if id(fn) not in index:
            index[id(fn)] = len(nodes)
            nodes.append(GraphNode(*_label(fn, names)))
        node = nodes[index[id(fn)]]
        node.depth = max(node.depth, depth)
        for child, _ in getattr(fn, "next_functions", ()):
            if child is not None:
                stack.append((child, depth + 1))
    _link(root, index, nodes)  # the arrows, now that every node has its index
    return nodes


def _link(root: Any, index: dict[int, int], nodes: list[GraphNode]) -> None:
    """Fill each node's ``inputs`` from the ``next_functions`` of its ``grad_fn``."""
    seen, stack = set(), [root]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for child, _ in getattr(fn, "next_functions", ()):
            if child is not None:
                nodes[index[id(fn)]].inputs.append(index[id(child)])
                stack.append(child)


def plot_autograd_graph(
    output: Any,
    names: Mapping[str, Any] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the graph autograd recorded for ``output``: leaves on the left, output right.

    Args:
        output: a tensor with a ``grad_fn``, e.g. ``loss = ((w * x + b - y) ** 2).mean()``.
        names: optional name -> leaf tensor, e.g. ``{"w": w, "b": b}``.
        ax: Axes to draw on; a new figure if None.
        title: optional title.

    Returns:
        The Axes.
    """
    nodes = autograd_graph(output, names)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 2.6))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}.")
    deepest = max(n.depth for n in nodes)
    columns: dict[int, list[int]] = {}
    for i, n in enumerate(nodes):
        columns.setdefault(n.depth, []).append(i)
    where = {}
    for depth, members in columns.items():
        for row, i in enumerate(members):
            where[i] = (deepest - depth, (len(members) - 1) / 2 - row)
    boxes = []
    for i, n in enumerate(nodes):
        colour = PALETTE[2] if n.kind == "leaf" else PALETTE[5]
        box = {"boxstyle": "round,pad=0.4", "fc": colour, "alpha": 0.35, "ec": "0.3"}
        boxes.append(ax.text(*where[i], n.label, ha="center", va="center", fontsize=9, bbox=box))
    for i, n in enumerate(nodes):  # arrows from the right edge of an input to its user
        for j in n.inputs:
            ax.annotate(
                "",
                xy=(0, 0.5),
                xycoords=boxes[i],
                xytext=(1, 0.5),
                textcoords=boxes[j],
                arrowprops={"arrowstyle": "-|>", "color": "0.35", "shrinkA": 4, "shrinkB": 4},
            )
    ax.set_xlim(-0.6, deepest + 0.6)
    rows = max(len(m) for m in columns.values())
    ax.set_ylim(-rows / 2 - 0.2, rows / 2 + 0.2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
