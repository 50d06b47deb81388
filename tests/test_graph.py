"""Unit tests of helpers.graph: the picture of the graph autograd records."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.axes import Axes

import helpers
from helpers.graph import autograd_graph


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
    assert "w\n(leaf: gets .grad)" in texts and "mean\nMeanBackward0" in texts
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
