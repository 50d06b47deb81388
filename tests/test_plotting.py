import matplotlib
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
    assert len(ax.get_lines()) == 4  # the data (markers only), then one line per fit
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
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss (MSE, log scale)"
    ax = helpers.plot_losses(
        {"a": [3, 2, 1], "b": torch.tensor([3.0, 1.0])}, log_scale=False, xlabel="epoch"
    )
    assert ax.get_xlabel() == "epoch" and len(ax.get_lines()) == 2
    assert ax.get_ylabel() == "loss (MSE)"  # a linear axis says nothing about scale
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
    assert labels == ["closed form (minimum)", "gradient descent", "start"]
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
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "loss (MSE, log scale)"
    assert ax.get_aspect() == 1.0


def test_plot_residuals_by_group_and_bad_groups():
    pred = np.array([1.0, 2.0, 3.0, 4.0])
    target = np.array([1.5, 1.5, 3.5, 3.0])
    ax = helpers.plot_residuals(pred, target, groups=["a", "a", "b", "b"])
    points = [line.get_ydata() for line in ax.get_lines()[1:]]  # after the zero line
    assert np.allclose(np.concatenate(points), [0.5, -0.5, 0.5, -1.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="one label per sample: got 3 labels for 4"):
        helpers.plot_residuals(pred, target, groups=["a", "b", "c"])


def test_plot_losses_can_start_at_zero_for_the_loss_before_any_step():
    ax = helpers.plot_losses([4.0, 2.0, 1.0], start=0)
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]


# --- The figure rules (CONTRIBUTING.md, "Figures"): every helper, drawn with 2+ series ---

X, Y = helpers.make_linear_data(40, 2.0, 1.0, noise=0.2, seed=0)
CURVES = {"a": np.geomspace(50, 0.2, 30), "b": np.geomspace(60, 0.3, 30), "c": np.ones(30)}
GROUPS = ["Adelie"] * 14 + ["Chinstrap"] * 13 + ["Gentoo"] * 13
PATH = np.array([[0.0, 0.0], [1.0, 0.5], [1.5, 0.8], [1.8, 0.9]])

# name -> a call that draws the helper with several series on a new figure
HELPERS = {
    "plot_fit": lambda: helpers.plot_fit(X, Y, {"one": (2.0, 1.0), "two": (1.5, 0.0)}),
    "plot_losses": lambda: helpers.plot_losses(CURVES),
    "plot_loss_zoom": lambda: helpers.plot_loss_zoom(CURVES, first=10, reference=0.1),
    "plot_lr_comparison": lambda: helpers.plot_lr_comparison(
        {0.01: CURVES["a"], 0.1: CURVES["b"], 2.0: [1.0, 10.0, float("inf")]}
    ),
    "plot_residuals": lambda: helpers.plot_residuals(X[:, 0], Y[:, 0], groups=GROUPS),
    "plot_loss_surface": lambda: helpers.plot_loss_surface(X, Y, path=PATH),
}


def legend_lines(ax):
    """The (label, line) of every legend entry of ``ax``."""
    handles, labels = ax.get_legend_handles_labels()
    return list(zip(labels, handles, strict=True))


@pytest.mark.parametrize("name", HELPERS)
def test_no_two_series_differ_by_colour_alone(name):
    ax = HELPERS[name]()
    entries = legend_lines(ax)
    assert len(entries) >= 2, f"{name}: {len(entries)} legend entries"
    styles = [(str(line.get_linestyle()), str(line.get_marker())) for _, line in entries]
    colours = [matplotlib.colors.to_hex(line.get_color()) for _, line in entries]
    assert len(set(styles)) == len(styles), f"{name}: (linestyle, marker) repeat: {styles}"
    assert len(set(colours)) == len(colours), f"{name}: colours repeat: {colours}"
    assert ax.get_legend() is not None, f"{name}: several series but no legend"
    plt.close(ax.figure)


def shown_texts(fig):
    """Every visible text of ``fig`` with words in it, after a draw: (what, text)."""
    fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for label in axis.get_ticklabels(which="both"):
                if label.get_visible() and label.get_text():
                    yield f"tick {label.get_text()!r}", label
        legend = ax.get_legend()
        for text in legend.get_texts() if legend else []:
            yield f"legend {text.get_text()!r}", text


@pytest.mark.parametrize("name", HELPERS)
def test_figures_fit_the_column_and_their_small_text_is_10pt(name):
    fig = HELPERS[name]().figure
    assert fig.get_size_inches()[0] <= helpers.MAX_FIGURE_WIDTH_IN
    small = [what for what, text in shown_texts(fig) if text.get_fontsize() < 10]
    assert not small, f"{name}: under 10 pt: {small}"
    plt.close(fig)


def labelled_ticks(axis):
    """The tick labels that have text and lie inside the axis's view."""
    lo, hi = sorted(axis.get_view_interval())
    return [
        t.get_text()
        for t, loc in zip(axis.get_ticklabels(), axis.get_ticklocs(), strict=True)
        if t.get_text() and lo * (1 - 1e-9) <= loc <= hi * (1 + 1e-9)
    ]


@pytest.mark.parametrize(
    "curve",
    [
        np.geomspace(1.2e7, 1.466e5, 50),  # 06's plateau: two decades
        np.linspace(0.00954, 0.00934, 16),  # 07's zoom: 2% apart
        np.geomspace(100, 1e-9, 40),  # eleven decades
        np.geomspace(4.0, 0.5, 10),  # one decade
    ],
    ids=["two-decades", "two-percent", "eleven-decades", "one-decade"],
)
def test_a_log_axis_says_so_and_has_at_least_4_labelled_ticks(curve):
    ax = helpers.plot_losses({"a": curve, "b": curve * 1.01})
    ax.figure.canvas.draw()
    assert ax.get_yscale() == "log" and "log scale" in ax.get_ylabel()
    ticks = labelled_ticks(ax.yaxis)
    assert 4 <= len(ticks) <= 10, ticks
    assert len(set(ticks)) == len(ticks), f"two ticks read the same: {ticks}"
    plt.close(ax.figure)


def test_the_loss_surface_colour_bar_says_log_scale_with_4_labelled_ticks():
    ax = helpers.plot_loss_surface(X, Y, path=PATH)
    ax.figure.canvas.draw()
    (bar,) = [a for a in ax.figure.axes if a is not ax]
    assert "log scale" in bar.get_ylabel()
    assert len(labelled_ticks(bar.yaxis)) >= 4, labelled_ticks(bar.yaxis)
    plt.close(ax.figure)


def test_the_start_of_the_path_is_in_the_legend():
    ax = helpers.plot_loss_surface(X, Y, path=PATH)
    start = dict(legend_lines(ax))["start"]
    assert (start.get_xdata()[0], start.get_ydata()[0]) == (0.0, 0.0)
    plt.close(ax.figure)


def test_the_zoom_states_its_range_keeps_styles_and_has_its_own_legend():
    losses = {"1 process": [5.0, 1.0, 0.00934, 0.00954], "2 processes": [5.0, 1.1, 0.0094, 0.0095]}
    full = helpers.plot_losses(losses)
    zoom = helpers.plot_loss_zoom(losses, first=3, reference=0.0093)
    assert zoom.get_yscale() == "linear"
    assert "epochs 3 to 4" in zoom.get_title()
    assert "from 0.00934 to 0.00954, 2.1% apart" in zoom.get_title()
    assert list(zoom.get_lines()[0].get_xdata()) == [3, 4]
    styles = [(line.get_linestyle(), line.get_marker(), line.get_color()) for line in full.lines]
    assert [(x.get_linestyle(), x.get_marker(), x.get_color()) for x in zoom.lines[:2]] == styles
    assert [t.get_text() for t in zoom.get_legend().get_texts()][-1] == "closed form"
    with pytest.raises(ValueError, match="first must be an int from 1 to 4"):
        helpers.plot_loss_zoom(losses, first=5)
    window = helpers.plot_loss_zoom(losses, first=1, last=2)
    assert (
        list(window.get_lines()[0].get_xdata()) == [1, 2] and "epochs 1 to 2" in window.get_title()
    )
    with pytest.raises(ValueError, match="last must be an int from 3 to 4"):
        helpers.plot_loss_zoom(losses, first=3, last=2)
    plt.close("all")


def test_series_style_and_log_label():
    from helpers.style import log_label

    first, second = helpers.series_style(0), helpers.series_style(1)
    assert first["color"] == helpers.PALETTE[0] and first["linestyle"] != second["linestyle"]
    assert helpers.series_style(0, lines=False)["linestyle"] == "none"
    assert "markevery" in helpers.series_style(2, points=100)
    assert log_label("loss (MSE)") == "loss (MSE, log scale)"
    assert log_label("RMSE (g)") == "RMSE (g, log scale)"
    assert log_label("loss") == "loss (log scale)"
    assert log_label("RMSE (g), log scale") == "RMSE (g), log scale"


def test_text_is_never_made_smaller_than_the_style_asks():
    with matplotlib.rc_context({"xtick.labelsize": 14, "ytick.labelsize": 6}):
        ax = helpers.plot_losses(CURVES)
        ax.figure.canvas.draw()
        assert {t.get_fontsize() for t in ax.get_xticklabels()} == {14}
        assert min(t.get_fontsize() for t in ax.get_yticklabels()) == 10
    plt.close(ax.figure)
