import base64
import io

import numpy as np
import pytest

import helpers

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png(bundle):
    """The PNG bytes of a figure's display bundle (checked to be a figure with words)."""
    assert set(bundle) == {"image/png", "text/plain"}, bundle.keys()
    assert bundle["text/plain"].startswith("Figure: gradient descent with learning rate")
    return base64.b64decode(bundle["image/png"])


def gd(x, y):
    def run(lr, steps):
        w = b = 0.0
        path = [(w, b)]
        for _ in range(steps):
            e = w * x[:, 0] + b - y[:, 0]
            w, b = w - lr * 2 * np.mean(e * x[:, 0]), b - lr * 2 * np.mean(e)
            path.append((w, b))
        return np.array(path)

    return run


def test_playground_draws_defaults_and_redraws_on_change(monkeypatch):
    x, y = helpers.make_linear_data(30, 2.0, 1.0, seed=0)
    calls = []
    run = gd(x, y)
    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda *a, **k: shown.append((a, k)) or _Handle(shown)
    )
    controls = helpers.descent_playground(
        lambda lr, s: calls.append((lr, s)) or run(lr, s), x, y, lr=0.1, steps=5
    )
    assert calls == [(0.1, 5)]
    lr_slider, steps_slider = controls.children
    assert lr_slider.description == "learning rate" and steps_slider.value == 5
    steps_slider.value = 12
    lr_slider.value = 0.5
    assert calls[1:] == [(0.1, 12), (pytest.approx(0.5), 12)]
    assert [kind for kind, _ in shown[2:]] == ["update", "update"]


class _Handle:
    def __init__(self, log):
        self.log = log

    def update(self, obj, raw=False):
        assert raw, "the figure is updated as a raw bundle: an image with words"
        self.log.append(("update", obj))


def test_playground_handles_divergence(monkeypatch):
    x, y = helpers.make_linear_data(30, 2.0, 1.0, seed=0)
    run = gd(x, y)
    with np.errstate(over="ignore", invalid="ignore"):  # the learner's run overflows, not ours
        assert np.abs(run(1.9, 200)).max() > 1e6  # this run really diverges
        shown = []
        monkeypatch.setattr(
            "IPython.display.display", lambda *a, **k: shown.append(a[0]) or _Handle([])
        )
        helpers.descent_playground(run, x, y, lr=1.9, steps=200, max_steps=200)
    assert len(shown) == 2  # the sliders, then the figure of the diverging path
    assert png(shown[1])[:8] == PNG_MAGIC
    assert "this learning rate diverges" in shown[1]["text/plain"]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"run": "gd"}, TypeError, "run must be a function"),
        ({"lr": 0}, ValueError, "lr must be greater than 0"),
        ({"lr": 5.0}, ValueError, "lr_bounds"),
        ({"steps": 0}, ValueError, "steps must be at least 1"),
    ],
)
def test_playground_bad_arguments(kwargs, error, words):
    x, y = helpers.make_linear_data(10, seed=0)
    args = {"run": gd(x, y), "x": x, "y": y, **kwargs}
    with pytest.raises(error, match=words):
        helpers.descent_playground(**args)


def test_playground_rejects_a_run_with_the_wrong_shape(monkeypatch):
    x, y = helpers.make_linear_data(10, seed=0)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: _Handle([]))
    with pytest.raises(ValueError, match=r"shape \(K, 2\)"):
        helpers.descent_playground(lambda lr, s: np.zeros(s), x, y)


def test_the_figure_is_a_png_redrawn_in_place_when_a_slider_moves(monkeypatch):
    x, y = helpers.make_linear_data(30, 2.0, 1.0, seed=0)
    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda *a, **k: shown.append(a[0]) or _Handle(shown)
    )
    controls = helpers.descent_playground(gd(x, y), x, y, lr=0.1, steps=5)
    controls.children[1].value = 40
    first, (kind, redrawn) = shown[1], shown[2]
    assert kind == "update" and len(shown) == 3  # the same output updated, nothing added
    assert png(first)[:8] == PNG_MAGIC and png(redrawn)[:8] == PNG_MAGIC
    assert png(redrawn) != png(first)
    assert "for 5 steps" in first["text/plain"] and "for 40 steps" in redrawn["text/plain"]


def test_readers_without_a_kernel_see_words_not_the_widget_repr(monkeypatch):
    x, y = helpers.make_linear_data(30, 2.0, 1.0, seed=0)
    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda *a, **k: shown.append((a, k)) or _Handle(shown)
    )
    controls = helpers.descent_playground(gd(x, y), x, y, lr=0.1, steps=5)
    (bundle,), options = shown[0]
    assert options == {"raw": True}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == controls.model_id
    assert bundle["text/plain"].startswith("[sliders for the learning rate")
    assert "HBox(" not in bundle["text/plain"]


def test_the_loss_panel_counts_the_starting_point_as_step_0(monkeypatch):
    from helpers.validation import check_xy
    from helpers.widgets import _descent_figure

    x, y = check_xy(*helpers.make_linear_data(30, 2.0, 1.0, seed=0))  # as the playground does
    fig, text = _descent_figure(gd(x, y[:, None]), x, y, 0.1, 5)  # the start, then 5 steps
    assert "learning rate 0.1 for 5 steps" in text and "falls from" in text
    loss_line = fig.axes[1].get_lines()[0]  # the surface, the loss, then the colorbar
    assert list(loss_line.get_xdata()) == [0, 1, 2, 3, 4, 5]


def test_the_playground_figure_fits_the_column_with_10pt_text(monkeypatch):
    from PIL import Image

    from helpers.style import DPI, MAX_FIGURE_WIDTH_IN
    from helpers.validation import check_xy
    from helpers.widgets import _descent_figure, _figure_bundle

    x, y = check_xy(*helpers.make_linear_data(30, 2.0, 1.0, seed=0))
    fig, text = _descent_figure(gd(x, y[:, None]), x, y, 0.3, 20)
    assert fig.get_size_inches()[0] <= MAX_FIGURE_WIDTH_IN
    image = Image.open(io.BytesIO(base64.b64decode(_figure_bundle(fig, text)["image/png"])))
    assert image.width <= MAX_FIGURE_WIDTH_IN * DPI
    fig.canvas.draw()
    for ax in fig.axes:
        sizes = [t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        sizes += [t.get_fontsize() for t in legend.get_texts()] if legend else []
        assert min(sizes) >= 10, (ax.get_title(), sizes)


def test_show_widget_needs_words_for_readers_without_a_kernel(monkeypatch):
    import ipywidgets

    from helpers.widget_view import show_widget

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    button = ipywidgets.Button(description="go")
    show_widget(button, "[a button]")
    ((bundle,), options) = shown[0]
    assert options == {"raw": True} and bundle["text/plain"] == "[a button]"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == button.model_id
    with pytest.raises(ValueError, match="sentence for readers without a kernel"):
        show_widget(button, " ")
