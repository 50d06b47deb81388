"""The loss surface of ``y = w x + b``: contours of the MSE over (w, b), with a descent path.

Drawn by ``plot_loss_surface`` (also importable from ``helpers.plotting``), following the
figure rules of ``helpers.style``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from .reference import closed_form_fit
from .style import FONT_PT, PALETTE, LogTicks, finish, log_axis, log_label, new_axes, tick_formatter
from .validation import check_xy, to_numpy

__all__ = ["plot_loss_surface"]


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
        The Axes. The closed-form minimum is marked with a star and the path's start with
        an open square, both in the legend; a colorbar labelled "log scale", with at least
        4 labelled ticks, says which loss each contour line stands for.
    """
    xs, ys = check_xy(x, y)
    if xs.shape[1] != 1:
        raise ValueError(f"plot_loss_surface needs one input feature, got x of shape {xs.shape}.")
    (w_star,), b_star = closed_form_fit(xs, ys)
    path = None if path is None else _finite_path(path)
    pts = np.array([[w_star, b_star], *([] if path is None else path)])
    w_range, b_range = _view(pts, w_range, b_range)
    W, B, loss = _mse_grid(xs[:, 0], ys, w_range, b_range)
    ax = new_axes(ax)
    levels = np.geomspace(max(loss.min(), 1e-6), loss.max(), 25)
    lines = ax.contour(W, B, loss, levels=levels, cmap="viridis", norm=LogNorm(), linewidths=0.8)
    bar = ax.figure.colorbar(
        lines, ax=ax, label=log_label("loss (MSE)"), ticks=LogTicks(), format=tick_formatter()
    )
    log_axis(bar.ax.yaxis)
    bar.ax.tick_params(labelsize=FONT_PT)
    ax.plot([w_star], [b_star], "*", ms=16, color=PALETTE[7], label="closed form (minimum)")
    if path is not None and len(path):
        ax.plot(
            path[:, 0], path[:, 1], "o-", ms=3, lw=1.5, color=PALETTE[3], label="gradient descent"
        )
        ax.plot(
            path[:1, 0], path[:1, 1], "s", ms=9, mew=2, color=PALETTE[0], mfc="none", label="start"
        )
    ax.set_xlim(w_range)
    ax.set_ylim(b_range)
    if equal_aspect:
        ax.set_aspect("equal")
    return finish(ax, "w (slope)", "b (intercept)", title)
