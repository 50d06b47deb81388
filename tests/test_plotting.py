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
        x, y, {"model": (2.0, 1.0), "tensor": (torch.tensor([1.9]), torch.tensor(1.1))}
    )
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert len(ax.get_lines()) == 2
    assert "model: y = 2.000x + 1.000" in [t.get_text() for t in ax.get_legend().get_texts()]


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
