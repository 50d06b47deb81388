"""Unit tests of helpers.graph: the picture of the graph autograd records."""

from __future__ import annotations

import itertools
import weakref

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch

import helpers
from helpers.graph import FONTSIZE, autograd_graph


@pytest.fixture
def loss_and_leaves():
    x, y = helpers.make_negative_slope_data(as_tensor=True)
    w = torch.tensor(-10.0, requires_grad=True)
    b = torch.tensor(-20.0, requires_grad=True)
    return ((w * x + b - y) ** 2).mean(), {"w": w, "b": b}


def test_autograd_graph_of_the_course_loss(loss_and_leaves):
    loss, leaves = loss_and_leaves
    nodes = autograd_graph(loss, leaves)
    ops = [n.label.split("\n")[1] for n in nodes if n.kind == "op"]
    assert ops == ["MeanBackward0", "PowBackward0", "SubBackward0", "AddBackward0", "MulBackward0"]
    leaf_names = sorted(n.label.split("\n")[0] for n in nodes if n.kind == "leaf")
    assert leaf_names == ["b", "w"]  # x and y do not require grad: not in the graph
    assert nodes[0].depth == 0 and max(n.depth for n in nodes) == 5
    add = next(n for n in nodes if "AddBackward0" in n.label)
    assert len(add.inputs) == 2
    assert sum(len(n.inputs) for n in nodes) == len(nodes) - 1  # a tree: one arrow per input


def test_unnamed_leaves_and_shared_inputs():
    w = torch.tensor(2.0, requires_grad=True)
    e = w * 3.0
    nodes = autograd_graph(e * e)
    assert nodes[0].inputs == [1, 1]  # e is used twice
    assert nodes[-1].label.startswith("leaf")


def test_plot_autograd_graph(loss_and_leaves):
    loss, leaves = loss_and_leaves
    ax = helpers.plot_autograd_graph(loss, leaves, title="the graph")
    assert isinstance(ax, Axes) and ax.get_title() == "the graph"
    texts = [t.get_text() for t in ax.texts]
    assert "w\n(leaf)\ngets .grad" in texts and "mean\nMeanBackward0" in texts
    _, other = plt.subplots()
    assert helpers.plot_autograd_graph(loss, ax=other) is other


def test_plot_autograd_graph_rejects_bad_input(loss_and_leaves):
    loss, _ = loss_and_leaves
    with pytest.raises(ValueError, match="output must be a tensor with a grad_fn"):
        helpers.plot_autograd_graph(torch.ones(3))
    with pytest.raises(ValueError, match="requires_grad=True"):
        autograd_graph(3.0)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        helpers.plot_autograd_graph(loss, ax="left")


class FakeNode:
    """A node of a made-up graph, reached through wrappers as torch hands out grad_fns.

    torch makes a Python object for a node when ``next_functions`` is read, keeps handing out
    that object while something holds it, and makes a new one (maybe at an address another
    node's object had) once nothing does. ``made`` counts the objects made for this node.
    """

    def __init__(self, name: str, *children: FakeNode):
        self.name, self.children, self.made = name, children, 0
        self._wrapper = None

    def wrap(self):
        wrapper = self._wrapper() if self._wrapper else None
        if wrapper is None:
            wrapper = FakeGradFn(self)
            self._wrapper = weakref.ref(wrapper)
            self.made += 1
        return wrapper


class FakeGradFn:
    def __init__(self, node: FakeNode):
        self.node = node

    @property
    def next_functions(self):
        return tuple((child.wrap(), 0) for child in self.node.children)


def test_the_graph_never_needs_a_grad_fn_object_it_let_go():
    """Ids of objects nobody holds get reused (torch 2.11's KeyError): one object per node."""
    leaf = FakeNode("leaf")
    shared = FakeNode("shared", leaf)
    nodes = [FakeNode(f"n{i}", shared, shared) for i in range(3)]
    root = FakeNode("root", *nodes)

    class Output:
        grad_fn = root.wrap()

    graph = autograd_graph(Output())
    assert len(graph) == 6
    assert [len(n.inputs) for n in graph] == [3, 2, 2, 2, 1, 0]
    assert [n.depth for n in graph] == [0, 1, 1, 1, 2, 3]
    for node in (leaf, shared, *nodes):
        assert node.made == 1, f"{node.name}: its grad_fn object was let go and made again"


def test_depth_is_the_longest_way_to_the_output():
    w = torch.tensor(2.0, requires_grad=True)
    a = w * 3.0
    out = a + a.exp()  # a reaches the output directly and through exp
    nodes = autograd_graph(out, {"w": w})
    depth = {n.label.split("\n")[0]: n.depth for n in nodes}
    assert depth == {"add": 0, "exp": 1, "mul": 2, "w": 3}


def _drawn(loss, leaves):
    ax = helpers.plot_autograd_graph(loss, leaves)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = {
        t.get_text(): t.get_bbox_patch().get_window_extent(renderer)
        for t in ax.texts
        if t.get_bbox_patch() is not None
    }
    arrows = [
        a for t in ax.texts if isinstance(a := getattr(t, "arrow_patch", None), FancyArrowPatch)
    ]
    return ax, boxes, arrows, renderer


def test_graph_boxes_are_apart_and_readable(loss_and_leaves):
    ax, boxes, _, _ = _drawn(*loss_and_leaves)
    assert len(boxes) == 7
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        apart = max(
            box_b.x0 - box_a.x1, box_a.x0 - box_b.x1, box_b.y0 - box_a.y1, box_a.y0 - box_b.y1
        )
        assert apart >= 10, f"{a!r} and {b!r} are {apart:.0f} px apart: they must not touch"
    assert all(t.get_fontsize() >= max(FONTSIZE, 10) for t in ax.texts if t.get_text())
    assert ax.figure.get_figwidth() <= 10, "no wider than a notebook column"
    leaf, op = (
        next(t.get_bbox_patch() for t in ax.texts if t.get_text().startswith(k))
        for k in ("w\n", "mul\n")
    )
    assert leaf.get_linestyle() != op.get_linestyle(), (
        "leaves and operations differ in more than colour"
    )


def test_graph_arrows_run_from_box_edge_to_box_edge(loss_and_leaves):
    _, boxes, arrows, renderer = _drawn(*loss_and_leaves)
    assert (
        len(arrows) == 6
    )  # one per input: w->mul, mul->add, b->add, add->sub, sub->pow, pow->mean
    for arrow in arrows:
        path = arrow.get_path().transformed(arrow.get_transform())
        start = path.vertices[0]
        inside = [name for name, box in boxes.items() if box.contains(*start)]
        assert not inside, f"an arrow starts inside {inside}"
        extent = arrow.get_window_extent(renderer)
        assert max(extent.width, extent.height) >= 25, "an arrow too short to see"
        for name, box in boxes.items():  # the arrowhead's tip stops short of the box it enters
            assert not box.fully_overlaps(extent), f"an arrow hidden under {name!r}"
