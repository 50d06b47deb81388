import numpy as np
import pytest
from IPython.display import Image

import helpers

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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

    def update(self, obj):
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
    assert isinstance(shown[1], Image) and shown[1].data[:8] == PNG_MAGIC


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
    assert isinstance(first, Image) and first.data[:8] == PNG_MAGIC
    assert isinstance(redrawn, Image) and redrawn.data[:8] == PNG_MAGIC
    assert redrawn.data != first.data


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
    fig = _descent_figure(gd(x, y[:, None]), x, y, 0.1, 5)  # 6 rows: the start, then 5 steps
    loss_line = fig.axes[1].get_lines()[0]  # the surface, the loss, then the colorbar
    assert list(loss_line.get_xdata()) == [0, 1, 2, 3, 4, 5]
