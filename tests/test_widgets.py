import numpy as np
import pytest

import helpers
from helpers.widgets import _render_png


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
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: _Handle([]))
    with np.errstate(over="ignore", invalid="ignore"):
        helpers.descent_playground(gd(x, y), x, y, lr=1.9, steps=200, max_steps=200)


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


def test_render_png():
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([0, 1])
    assert _render_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
