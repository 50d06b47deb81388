"""Interactive demos that still show a result when no browser is attached.

Each demo draws its figure once for the default values as an ordinary image output,
so a reader on GitHub, nbval and a headless run all see it. In JupyterLab, Colab or
Binder, moving a slider redraws that same image in place (through a display id, so no
Output widget is needed and ipywidgets 7.7 and 8 behave the same).

A page without a kernel gets, for every output, something better than a Python repr:
- a widget is shown by ``show_widget``: its view (rendered as a static widget where the
  notebook's saved widget state is there: ``make notebooks`` stores it) and, as its
  text/plain, a sentence that says what the controls do;
- a figure is an image whose text/plain says what it shows, in words.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .plotting import plot_loss_surface, plot_losses
from .style import DPI, MAX_FIGURE_WIDTH_IN
from .validation import check_finite_number, check_positive_int, check_xy, describe, to_numpy
from .widget_view import show_widget

__all__ = ["descent_playground", "show_widget"]


_SLIDERS_TEXT = (
    "[sliders for the learning rate and the number of steps: they work when the notebook "
    "runs in Jupyter; the figure below is drawn for the values given]"
)


def _render_png(fig: Figure) -> bytes:
    """Render a matplotlib Figure to PNG bytes at the course's dpi (as the inline backend)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def _figure_bundle(fig: Figure, text: str) -> dict[str, str]:
    """A display bundle: the figure as a PNG, and ``text`` (what it shows) as its plain text."""
    return {"image/png": base64.b64encode(_render_png(fig)).decode("ascii"), "text/plain": text}


def _descent_figure(
    run: Callable[[float, int], Any], x: np.ndarray, y: np.ndarray, lr: float, steps: int
) -> tuple[Figure, str]:
    """(figure, text): the path over the loss surface and the loss curve, and in words."""
    path = to_numpy(run(lr, steps), "run(lr, steps)", finite=False)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(
            f"run(lr, steps) must return the (w, b) after each step as an array of shape (K, 2), "
            f"got shape {path.shape}."
        )
    fig = Figure(figsize=(MAX_FIGURE_WIDTH_IN, 4))
    ax_surface, ax_loss = fig.subplots(1, 2)
    # A diverging path leaves the picture; keep the view on the interesting region.
    w_lo, w_hi = np.nanmin(path[:, 0]), np.nanmax(path[:, 0])
    b_lo, b_hi = np.nanmin(path[:, 1]), np.nanmax(path[:, 1])
    limit = 50.0
    ranges = {}
    if not np.all(np.isfinite(path)) or max(abs(w_lo), abs(w_hi), abs(b_lo), abs(b_hi)) > limit:
        ranges = {"w_range": (-10.0, 10.0), "b_range": (-10.0, 10.0)}
    plot_loss_surface(
        x, y, path=path, ax=ax_surface, title=f"lr = {lr:.3g}, {steps} steps", **ranges
    )
    residual = path[:, :1] * x[:, 0] + path[:, 1:] - y  # (K, N)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = np.mean(residual**2, axis=1)
    # a path that starts with the starting point has one row more than steps: that row is step 0
    start = 0 if len(losses) == steps + 1 else 1
    plot_losses(losses, ax=ax_loss, start=start, title=f"final loss {losses[-1]:.4g}")
    fig.tight_layout()
    return fig, _describe(lr, steps, losses)


def _describe(lr: float, steps: int, losses: np.ndarray) -> str:
    """The playground's figure in words, for readers who cannot see the image."""
    diverges = not np.all(np.isfinite(losses)) or losses[-1] > losses[0]
    ending = (
        "grows from step to step: this learning rate diverges"
        if diverges
        else f"falls from {losses[0]:.4g} to {losses[-1]:.4g}"
    )
    return (
        f"Figure: gradient descent with learning rate {lr:.3g} for {steps} steps. Left, its "
        f"path of (w, b) over the contours of the loss, from the start (open square) toward "
        f"the closed-form minimum (star); right, the loss after each step, which {ending}."
    )


def _check_playground_args(
    run: Any, x: Any, y: Any, lr: Any, steps: Any, lr_bounds: Any, max_steps: Any
) -> tuple[np.ndarray, np.ndarray, float, int, tuple[float, float], int]:
    """``descent_playground``'s arguments checked: (x, y, lr, steps, lr_bounds, max_steps)."""
    if not callable(run):
        raise TypeError(f"run must be a function run(lr, steps), got {describe(run)}.")
    xs, ys = check_xy(x, y)
    lr = check_finite_number(lr, "lr", positive=True)
    steps = check_positive_int(steps, "steps")
    lo, hi = (check_finite_number(v, "lr_bounds", positive=True) for v in lr_bounds)
    max_steps = check_positive_int(max_steps, "max_steps")
    if not lo <= lr <= hi or steps > max_steps:
        raise ValueError(
            f"lr={lr} must lie in lr_bounds={lr_bounds} and steps={steps} be <= max_steps={max_steps}."
        )
    return xs, ys, lr, steps, (lo, hi), max_steps


def _sliders(lr: float, steps: int, lr_bounds: tuple[float, float], max_steps: int) -> Any:
    """An ``HBox`` of a logarithmic learning-rate slider and a steps slider."""
    import ipywidgets as widgets

    lr_slider = widgets.FloatLogSlider(
        value=lr,
        base=10,
        min=math.log10(lr_bounds[0]),
        max=math.log10(lr_bounds[1]),
        step=0.05,
        description="learning rate",
        continuous_update=False,
        readout_format=".3g",
        style={"description_width": "initial"},
    )
    steps_slider = widgets.IntSlider(
        value=steps,
        min=1,
        max=max_steps,
        description="steps",
        continuous_update=False,
    )
    return widgets.HBox([lr_slider, steps_slider])


def descent_playground(
    run: Callable[[float, int], Any],
    x: Any,
    y: Any,
    *,
    lr: float = 0.1,
    steps: int = 30,
    lr_bounds: tuple[float, float] = (1e-3, 2.0),
    max_steps: int = 200,
) -> Any:
    """Sliders for learning rate and number of steps that redraw a gradient-descent path.

    Taught in: 01 · Gradient descent by hand in NumPy, section 7 (playground).

    Args:
        run: your gradient descent, called as ``run(lr, steps)``; it must return the
            parameters after each step as an array of shape (K, 2) of (w, b).
        x: (N,) or (N, 1) inputs; y: (N,) or (N, 1) targets, for the loss surface.
        lr, steps: the values drawn first (and the sliders' starting positions).
        lr_bounds: (lowest, highest) learning rate on the logarithmic slider.
        max_steps: the steps slider's maximum.

    Returns:
        The ipywidgets box holding the two sliders (already displayed, with the figure
        below it). Its ``redraw()`` attribute redraws for the current slider values.
    """
    xs, ys, lr, steps, lr_bounds, max_steps = _check_playground_args(
        run, x, y, lr, steps, lr_bounds, max_steps
    )
    controls = _sliders(lr, steps, lr_bounds, max_steps)
    lr_slider, steps_slider = controls.children

    from IPython.display import display

    def figure() -> dict[str, str]:
        fig, text = _descent_figure(run, xs, ys, lr_slider.value, steps_slider.value)
        return _figure_bundle(fig, text)

    # The sliders, with a plain-text line for readers without a live kernel (GitHub, nbval)
    # in place of the widget's repr; the same message in ipywidgets 7 (Colab) and 8.
    show_widget(controls, _SLIDERS_TEXT)
    handle = display(figure(), raw=True, display_id=True)

    def redraw(_change: Any = None) -> None:
        handle.update(figure(), raw=True)

    lr_slider.observe(redraw, names="value")
    steps_slider.observe(redraw, names="value")
    controls.redraw = redraw
    return controls
