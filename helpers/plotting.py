"""Plots used across the course.

Every function takes an optional ``ax`` and returns the ``Axes`` it drew on, labels its
axes, uses the colour-blind-safe Okabe-Ito palette and never changes global style.
Inputs may be NumPy arrays, lists or torch tensors (on any device, with or without grad).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator

from .reference import closed_form_fit
from .validation import check_xy, describe, to_numpy

__all__ = ["PALETTE", "plot_fit", "plot_loss_surface", "plot_losses"]
__all__ += ["plot_lr_comparison", "plot_residuals"]

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}.")
    return ax


#: Legend words for the keys of a ``helpers.train`` history.
LEGEND_WORDS = {"train_loss": "training loss", "val_loss": "validation loss"}


def _finish(ax: Axes, xlabel: str, ylabel: str, title: str | None, *, legend: bool = True) -> Axes:
    """Label the axes, add the legend (placed where it hides the least) and the title."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(loc="best", fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def _count_from_one(ax: Axes, curves: list[np.ndarray], start: int = 1) -> list[np.ndarray]:
    """x values start..start+K-1 for each curve (epochs count from 1), integer ticks."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return [np.arange(start, start + len(c)) for c in curves]


def _log_scale(ax: Axes, curves: list[np.ndarray]) -> None:
    """Use a log y axis when some loss is positive (a log axis cannot show all-zero losses)."""
    if any(np.any(np.isfinite(c) & (c > 0)) for c in curves):
        ax.set_yscale("log", nonpositive="mask")


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
    ax.scatter(xs[:, 0], ys, s=18, color=PALETTE[0], alpha=0.7, label="data")
    grid = np.linspace(xs.min(), xs.max(), 100)
    for i, (label, params) in enumerate((fits or {}).items()):
        w, b = _line(params, label)
        style = "-" if i == 0 else "--"
        ax.plot(
            grid,
            w * grid + b,
            style,
            color=PALETTE[1 + i % 7],
            lw=2,
            label=f"{label}: y = {w:.4g}x {'-' if b < 0 else '+'} {abs(b):.4g}",
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
) -> Axes:
    """Plot one loss curve, or several on the same axes, counting steps or epochs from 1.

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

    Returns:
        The Axes.
    """
    curves = _histories(losses)
    ax = _axes(ax)
    xs = _count_from_one(ax, list(curves.values()), start)
    for i, ((label, arr), x) in enumerate(zip(curves.items(), xs, strict=True)):
        ax.plot(x, arr, color=PALETTE[i % 8], lw=2, label=label)
    if log_scale:
        _log_scale(ax, list(curves.values()))
    return _finish(ax, xlabel, "loss (MSE)", title, legend=len(curves) > 1)


def _finite_path(path: Any) -> np.ndarray:
    """A descent path as a (K, 2) array of (w, b), its non-finite steps (divergence) dropped."""
    path = to_numpy(path, "path", finite=False)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"path must have shape (K, 2) of (w, b) pairs, got shape {path.shape}.")
    return path[np.all(np.isfinite(path), axis=1)]


def _view(pts: np.ndarray, w_range: Any, b_range: Any) -> tuple[Any, Any]:
    """(w_range, b_range): as given, or covering the (K, 2) ``pts`` with a margin (>= 1)."""
    pad = np.maximum(0.25 * np.ptp(pts, axis=0), 1.0)
    lo, hi = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    return w_range or (lo[0], hi[0]), b_range or (lo[1], hi[1])


def _mse_grid(
    x: np.ndarray, y: np.ndarray, w_range: tuple[float, float], b_range: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W, B, loss): a 120 x 120 grid over the ranges and the MSE of ``y = w x + b`` on it.

    x, y: (N,) float64 arrays. mean((w x + b - y)^2) is expanded into its moments, so no
    (120, 120, N) array is built.
    """
    W, B = np.meshgrid(np.linspace(*w_range, 120), np.linspace(*b_range, 120))
    mx, my, mxx, mxy, myy = np.mean(x), np.mean(y), np.mean(x * x), np.mean(x * y), np.mean(y * y)
    return W, B, W**2 * mxx + B**2 + myy + 2 * W * B * mx - 2 * W * mxy - 2 * B * my


def plot_loss_surface(
    x: Any,
    y: Any,
    *,
    path: Any = None,
    w_range: tuple[float, float] | None = None,
    b_range: tuple[float, float] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    equal_aspect: bool = False,
) -> Axes:
    """Contours of the MSE over (w, b) for ``y = w x + b``, with an optional descent path.

    Taught in: 01 · Gradient descent by hand in NumPy, section 4 (the loss surface).

    Args:
        x: (N,) or (N, 1) inputs; y: (N,) or (N, 1) targets.
        path: (K, 2) array of (w, b) after each step, drawn as a line with markers.
        w_range, b_range: plotted ranges; by default they cover the minimum and the path.
        ax: Axes to draw on; a new figure if None.
        title: optional title.
        equal_aspect: one unit of w as long as one unit of b, so that a round bowl looks
            round (use it where the shape of the contours is the point).

    Returns:
        The Axes. The closed-form minimum is marked with a star; a colorbar (log scale)
        says which loss each contour line stands for.
    """
    xs, ys = check_xy(x, y)
    if xs.shape[1] != 1:
        raise ValueError(f"plot_loss_surface needs one input feature, got x of shape {xs.shape}.")
    (w_star,), b_star = closed_form_fit(xs, ys)
    path = None if path is None else _finite_path(path)
    pts = np.array([[w_star, b_star], *([] if path is None else path)])
    w_range, b_range = _view(pts, w_range, b_range)
    W, B, loss = _mse_grid(xs[:, 0], ys, w_range, b_range)
    ax = _axes(ax)
    levels = np.geomspace(max(loss.min(), 1e-6), loss.max(), 25)
    lines = ax.contour(W, B, loss, levels=levels, cmap="viridis", norm=LogNorm(), linewidths=0.8)
    ax.figure.colorbar(
        lines, ax=ax, label="loss (MSE)", ticks=LogLocator(), format=LogFormatterSciNotation()
    )
    ax.plot([w_star], [b_star], marker="*", ms=16, color=PALETTE[3], ls="none", label="closed form")
    if path is not None and len(path):
        ax.plot(
            path[:, 0], path[:, 1], "o-", ms=3, lw=1.2, color=PALETTE[1], label="gradient descent"
        )
        ax.plot(path[:1, 0], path[:1, 1], "s", ms=7, color=PALETTE[1])
    ax.set_xlim(w_range)
    ax.set_ylim(b_range)
    if equal_aspect:
        ax.set_aspect("equal")
    return _finish(ax, "w (slope)", "b (intercept)", title)


def plot_lr_comparison(
    histories: Mapping[float, Sequence[float]],
    *,
    ax: Axes | None = None,
    title: str | None = "Loss for each learning rate",
) -> Axes:
    """Loss curves for several learning rates on a log scale, marking the ones that diverge.

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
        ax.plot(
            x,
            shown,
            color=PALETTE[i % 8],
            lw=2,
            ls=":" if diverged else "-",
            label=label,
        )
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
        groups: optional N labels (e.g. species): each group gets its own colour and
            legend entry.
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
        ax.scatter(pred, residual, s=18, color=PALETTE[0], alpha=0.7)
    else:
        labels = [str(g) for g in groups]
        if len(labels) != len(pred):
            raise ValueError(
                f"groups must hold one label per sample: got {len(labels)} labels for "
                f"{len(pred)} predictions."
            )
        for i, name in enumerate(dict.fromkeys(labels)):
            mask = np.array([g == name for g in labels])
            ax.scatter(
                pred[mask], residual[mask], s=18, alpha=0.7, color=PALETTE[i % 8], label=name
            )
    return _finish(ax, xlabel, "residual (target - prediction)", title, legend=groups is not None)
