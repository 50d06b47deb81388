"""Plots used across the course.

Every function takes an optional ``ax`` and returns the ``Axes`` it drew on, labels its
axes and never changes global style. Each follows the figure rules of ``helpers.style``:
every series has its own Okabe-Ito colour, line style and marker (never colour alone), tick
labels and legends are 10 pt or more, a log scale says so and carries at least 4 labelled
ticks, and a new figure is at most ``MAX_FIGURE_WIDTH_IN`` (10 inches) wide.
Inputs may be NumPy arrays, lists or torch tensors (on any device, with or without grad).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .style import MAX_FIGURE_WIDTH_IN, PALETTE, log_axis, series_style
from .style import finish as _finish
from .style import new_axes as _axes
from .surface import plot_loss_surface
from .validation import check_xy, describe, to_numpy

__all__ = ["MAX_FIGURE_WIDTH_IN", "PALETTE", "plot_fit", "plot_loss_surface", "plot_losses"]
__all__ += ["plot_loss_zoom", "plot_lr_comparison", "plot_residuals", "series_style"]


#: Legend words for the keys of a ``helpers.train`` history.
LEGEND_WORDS = {"train_loss": "training loss", "val_loss": "validation loss"}


def _count_from_one(ax: Axes, curves: list[np.ndarray], start: int = 1) -> list[np.ndarray]:
    """x values start..start+K-1 for each curve (epochs count from 1), integer ticks."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return [np.arange(start, start + len(c)) for c in curves]


def _log_scale(ax: Axes, curves: list[np.ndarray]) -> None:
    """Use a log y axis when some loss is positive (a log axis cannot show all-zero losses).

    The axis gets at least 4 labelled ticks (``helpers.style.log_axis``).
    """
    if any(np.any(np.isfinite(c) & (c > 0)) for c in curves):
        ax.set_yscale("log", nonpositive="mask")
        log_axis(ax.yaxis)


def _line(params: Any, label: str) -> tuple[float, float]:
    if not isinstance(params, (tuple, list)) or len(params) != 2:
        raise TypeError(
            f"fits[{label!r}] must be a pair (weight, bias), got {describe(params)}. "
            f"Use bias 0 for a line through the origin."
        )
    w = to_numpy(params[0], f"fits[{label!r}] weight").reshape(-1)
    b = to_numpy(params[1], f"fits[{label!r}] bias").reshape(-1)
    if w.size != 1 or b.size != 1:
        raise ValueError(f"fits[{label!r}] must hold one weight and one bias for a line.")
    return float(w[0]), float(b[0])


def plot_fit(
    x: Any,
    y: Any,
    fits: Mapping[str, tuple[Any, Any]] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Scatter the data and draw one line per fitted model.

    Taught in: 01 · Gradient descent by hand in NumPy, section 3 (two parameters).

    Args:
        x: (N,) or (N, 1) inputs; y: (N,) or (N, 1) targets.
        fits: label -> (weight, bias) for each line to draw.
        ax: Axes to draw on; a new figure if None.
        title: optional title.

    Returns:
        The Axes.
    """
    xs, ys = check_xy(x, y)
    if xs.shape[1] != 1:
        raise ValueError(f"plot_fit draws one input feature, got x of shape {xs.shape}.")
    ax = _axes(ax)
    ax.plot(xs[:, 0], ys, **series_style(0, lines=False), ms=4, alpha=0.6, label="data")
    grid = np.linspace(xs.min(), xs.max(), 100)
    for i, (label, params) in enumerate((fits or {}).items(), start=1):
        w, b = _line(params, label)
        sign = "-" if b < 0 else "+"
        ax.plot(
            grid,
            w * grid + b,
            **series_style(i, points=len(grid)),
            lw=2,
            label=f"{label}: y = {w:.4g}x {sign} {abs(b):.4g}",
        )
    return _finish(ax, "x", "y", title)


def _histories(losses: Any) -> dict[str, np.ndarray]:
    """label -> 1-D float64 losses, from one sequence or a dict (history keys become words)."""
    items = losses.items() if isinstance(losses, Mapping) else [("loss", losses)]
    out = {}
    for label, values in items:
        label = LEGEND_WORDS.get(str(label), str(label))
        out[label] = to_numpy(values, f"losses[{label!r}]", finite=False).reshape(-1)
    if not out:
        raise ValueError("losses is empty: pass a list of losses or a dict of label -> list.")
    return out


def plot_losses(
    losses: Sequence[float] | Mapping[str, Sequence[float]],
    *,
    ax: Axes | None = None,
    log_scale: bool = True,
    xlabel: str = "step",
    title: str | None = None,
    start: int = 1,
    ylabel: str = "loss (MSE)",
) -> Axes:
    """Plot one loss curve, or several on the same axes, counting steps or epochs from 1.

    Each curve has its own colour, line style and marker; a log axis says "log scale".

    Taught in: 02 · Autograd, section 6 (one parameter, then two).

    Args:
        losses: a sequence of K losses, or label -> sequence for several curves (a
            ``helpers.train`` history works as it is: its keys become "training loss"
            and "validation loss" in the legend).
        ax: Axes to draw on; a new figure if None.
        log_scale: use a logarithmic y axis (losses span orders of magnitude); ignored
            when no loss is positive.
        xlabel: what one point on the x axis is ("step", "epoch").
        title: optional title.
        start: the number of the first point: 1, or 0 when it is the loss before any step.
        ylabel: what the curves are ("loss (MSE, g²)", "RMSE (g)"); on a log axis
            ", log scale" is added to it.

    Returns:
        The Axes.
    """
    curves = _histories(losses)
    ax = _axes(ax)
    xs = _count_from_one(ax, list(curves.values()), start)
    for i, ((label, arr), x) in enumerate(zip(curves.items(), xs, strict=True)):
        ax.plot(x, arr, **series_style(i, points=len(arr)), lw=2, label=label)
    if log_scale:
        _log_scale(ax, list(curves.values()))
    return _finish(ax, xlabel, ylabel, title, legend=len(curves) > 1)


def plot_lr_comparison(
    histories: Mapping[float, Sequence[float]],
    *,
    ax: Axes | None = None,
    title: str | None = "Loss for each learning rate",
) -> Axes:
    """Loss curves for several learning rates on a log scale, marking the ones that diverge.

    Each learning rate has its own colour, line style and marker.

    Taught in: 01 · Gradient descent by hand in NumPy, section 5 (the learning rate).

    A run counts as diverged if its loss becomes NaN/inf or ends above where it started.

    Args:
        histories: learning rate -> sequence of losses per step.
        ax: Axes to draw on; a new figure if None.
        title: optional title.

    Returns:
        The Axes.
    """
    if not isinstance(histories, Mapping) or not histories:
        raise TypeError(
            f"histories must be a non-empty dict of learning rate -> losses, got {describe(histories)}."
        )
    ax = _axes(ax)
    curves = [
        to_numpy(values, f"histories[{lr}]", finite=False).reshape(-1)
        for lr, values in histories.items()
    ]
    xs = _count_from_one(ax, curves)
    for i, (lr, arr, x) in enumerate(zip(histories, curves, xs, strict=True)):
        finite = np.isfinite(arr)
        diverged = (not finite.all()) or arr[-1] > arr[0]
        shown = np.where(finite, arr, np.nan)
        label = f"lr = {lr:g}" + (" (diverges)" if diverged else "")
        ax.plot(x, shown, **series_style(i, points=len(arr)), lw=2, label=label)
    _log_scale(ax, curves)
    return _finish(ax, "step", "loss (MSE)", title)


def plot_residuals(
    predictions: Any,
    targets: Any,
    *,
    groups: Sequence[str] | None = None,
    ax: Axes | None = None,
    xlabel: str = "prediction",
    title: str | None = None,
) -> Axes:
    """Residuals (target minus prediction) against the prediction, with a zero line.

    Taught in: 06 · Real data: penguins, section 4 (residuals).

    A good linear fit leaves a shapeless band around zero; a curve, a funnel or separate
    clouds (one per group) say what the line missed.

    Args:
        predictions: (N,) or (N, 1) model outputs; targets: (N,) or (N, 1) true values.
        groups: optional N labels (e.g. species): each group gets its own marker, colour
            and legend entry.
        ax: Axes to draw on; a new figure if None.
        xlabel: what the predictions are ("predicted body mass (g)").
        title: optional title.

    Returns:
        The Axes.
    """
    pred, target = check_xy(predictions, targets)
    if pred.shape[1] != 1:
        raise ValueError(f"predictions must be one value per sample, got shape {pred.shape}.")
    pred = pred[:, 0]
    residual = target - pred
    ax = _axes(ax)
    ax.axhline(0.0, color="0.3", lw=1, ls="--")
    if groups is None:
        ax.plot(pred, residual, **series_style(0, lines=False), ms=4, alpha=0.7)
    else:
        labels = [str(g) for g in groups]
        if len(labels) != len(pred):
            raise ValueError(
                f"groups must hold one label per sample: got {len(labels)} labels for "
                f"{len(pred)} predictions."
            )
        for i, name in enumerate(dict.fromkeys(labels)):
            mask = np.array([g == name for g in labels])
            style = series_style(i, lines=False)
            ax.plot(pred[mask], residual[mask], **style, ms=5, alpha=0.7, label=name)
    return _finish(ax, xlabel, "residual (target - prediction)", title, legend=groups is not None)


def plot_loss_zoom(
    losses: Sequence[float] | Mapping[str, Sequence[float]],
    *,
    first: int,
    last: int | None = None,
    ax: Axes | None = None,
    reference: float | None = None,
    reference_label: str = "closed form",
    xlabel: str = "epoch",
    ylabel: str = "loss (MSE)",
    title: str | None = None,
) -> Axes:
    """Loss curves from point ``first`` to ``last``, on a linear axis that states its range.

    Taught in: 04 · Dataset and DataLoader, section 6 (training and validation loss).

    A zoom stretches a narrow band of losses over the whole axis, where noise can look like
    a trend. So the title states the zoom's range (lowest and highest loss shown, and their
    gap as a percentage of the lowest), every curve keeps the colour, line style and marker it
    has in ``plot_losses``, and the panel has its own legend.

    Args:
        losses: what ``plot_losses`` takes: one sequence, or label -> sequence.
        first: the first point shown, counting from 1 (``first=5``: epochs 5 onwards).
        last: the last point shown (counting from 1), or None for the end of the curves.
        ax: Axes to draw on; a new figure if None.
        reference: a loss to draw as a horizontal line (the closed form's), or None.
        reference_label: the reference line's legend entry.
        xlabel, ylabel: the axes' labels; title: replaces the default title (the range
            is still stated, on a second line).

    Returns:
        The Axes.
    """
    curves = _histories(losses)
    longest = max(len(c) for c in curves.values())
    last = longest if last is None else last
    for name, value, lo in (("first", first, 1), ("last", last, first)):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= longest:
            raise ValueError(
                f"{name} must be an int from {lo} to {longest} (the longest curve), got {value!r}."
            )
    ax = _axes(ax)
    tails = {label: arr[first - 1 : last] for label, arr in curves.items()}
    xs = _count_from_one(ax, list(tails.values()), first)
    for i, ((label, arr), x) in enumerate(zip(tails.items(), xs, strict=True)):
        ax.plot(x, arr, **series_style(i, points=len(arr)), lw=2, label=label)
    if reference is not None:
        ax.axhline(float(reference), color="0.4", lw=1.5, ls=(0, (1, 1)), label=reference_label)
    shown = np.concatenate([a[np.isfinite(a)] for a in tails.values()] or [np.zeros(0)])
    heading = title or f"Zoom: {xlabel}s {first} to {last}"
    if shown.size:
        lo, hi = shown.min(), shown.max()
        gap = f", {100 * (hi - lo) / abs(lo):.2g}% apart" if lo else ""
        heading += f"\n{ylabel.split(' (')[0]} from {lo:.4g} to {hi:.4g}{gap}"
    several = len(tails) > 1 or reference is not None
    return _finish(ax, xlabel, ylabel, heading, legend=several)
