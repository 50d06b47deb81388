import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes

import helpers


@pytest.fixture
def data():
    return helpers.make_linear_data(40, 2.0, 1.0, noise=0.2, seed=0)


def test_plot_fit(data):
    x, y = data
    ax = helpers.plot_fit(
        x,
        y,
        {
            "model": (2.0, 1.0),
            "tensor": (torch.tensor([1.9]), torch.tensor(1.1)),
            "falling": (-0.5, -5780.831),
        },
    )
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert len(ax.get_lines()) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "model: y = 2x + 1" in labels
    assert "falling: y = -0.5x - 5781" in labels  # a negative intercept, never "+ -5781"


def test_plot_fit_draws_on_given_axes(data):
    _, ax = plt.subplots()
    assert helpers.plot_fit(*data, ax=ax, title="t") is ax and ax.get_title() == "t"


def test_plot_fit_rejects_bad_input(data):
    x, y = data
    with pytest.raises(TypeError, match="pair"):
        helpers.plot_fit(x, y, {"m": 2.0})
    with pytest.raises(ValueError, match="one input feature"):
        helpers.plot_fit(np.ones((5, 2)), np.ones(5))
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        helpers.plot_fit(x, y, ax="left")


def test_plot_losses_single_and_many():
    ax = helpers.plot_losses([4.0, 2.0, 1.0])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss (MSE)"
    ax = helpers.plot_losses(
        {"a": [3, 2, 1], "b": torch.tensor([3.0, 1.0])}, log_scale=False, xlabel="epoch"
    )
    assert ax.get_xlabel() == "epoch" and len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="empty"):
        helpers.plot_losses({"a": []})
    with pytest.raises(TypeError, match="must hold real numbers"):
        helpers.plot_losses(["a", "b"])


def test_plot_loss_surface_with_path(data):
    x, y = data
    path = np.array([[0.0, 0.0], [1.0, 0.5], [1.8, 0.9], [np.nan, np.nan]])
    ax = helpers.plot_loss_surface(x, y, path=path)
    assert ax.get_xlabel() == "w (slope)" and ax.get_ylabel() == "b (intercept)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["closed form", "gradient descent"]
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        helpers.plot_loss_surface(x, y, path=np.zeros((3, 3)))


def test_plot_loss_surface_minimum_is_the_closed_form(data):
    x, y = data
    ax = helpers.plot_loss_surface(x, y)
    star = ax.get_lines()[0]
    (w,), b = helpers.closed_form_fit(x, y)
    assert star.get_xdata()[0] == pytest.approx(w) and star.get_ydata()[0] == pytest.approx(b)


def test_plot_lr_comparison_marks_divergence():
    ax = helpers.plot_lr_comparison({0.1: [4, 2, 1], 2.0: [4, 40, float("inf")]})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["lr = 0.1", "lr = 2 (diverges)"]
    with pytest.raises(TypeError, match="non-empty dict"):
        helpers.plot_lr_comparison([1, 2])


def test_palette_is_colour_blind_safe_okabe_ito():
    assert helpers.PALETTE[0] == "#0072B2" and len(set(helpers.PALETTE)) == 8


def test_importing_helpers_changes_no_global_style():
    import subprocess
    import sys

    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); import helpers; "
        "changed = [k for k in before if before[k] != mpl.rcParams[k]]; print(changed)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plot_losses_counts_from_one_and_names_history_keys_in_words():
    ax = helpers.plot_losses({"train_loss": [3.0, 2.0, 1.0], "val_loss": [2.5, 1.5, 1.2]})
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [1, 2, 3]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training loss", "validation loss"]
    assert not any("_" in label for label in labels)


def test_plot_loss_surface_has_a_colorbar_and_optional_equal_aspect(data):
    x, y = data
    ax = helpers.plot_loss_surface(x, y, equal_aspect=True)
    colorbars = [a for a in ax.figure.axes if a is not ax]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "loss (MSE)"
    assert ax.get_aspect() == 1.0


def test_plot_residuals_by_group_and_bad_groups():
    pred = np.array([1.0, 2.0, 3.0, 4.0])
    target = np.array([1.5, 1.5, 3.5, 3.0])
    ax = helpers.plot_residuals(pred, target, groups=["a", "a", "b", "b"])
    offsets = [c.get_offsets() for c in ax.collections]
    assert np.allclose(np.vstack(offsets)[:, 1], [0.5, -0.5, 0.5, -1.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="one label per sample: got 3 labels for 4"):
        helpers.plot_residuals(pred, target, groups=["a", "b", "c"])


def test_plot_losses_can_start_at_zero_for_the_loss_before_any_step():
    ax = helpers.plot_losses([4.0, 2.0, 1.0], start=0)
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]
