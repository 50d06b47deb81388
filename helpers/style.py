"""The course's figure rules, applied by every plotting helper (no global style is changed).

- **Never colour alone.** Series ``i`` gets ``series_style(i)``: an Okabe-Ito colour, a line
  style *and* a marker, so lines stay apart in greyscale and for every colour vision.
- **Readable projected.** Tick labels and legends are ``FONT_PT`` (10 pt) or more, at the
  course's dpi (``DPI``, 100: matplotlib's and the inline backend's default), where a figure
  at most ``MAX_FIGURE_WIDTH_IN`` (10 inches, 1000 px) wide is shown at its own size in a
  notebook column (JupyterLab's column on a 1280 px wide screen holds about 1100 px).
- **Log scales say so.** ``log_axis`` labels a logarithmic axis "... (log scale)" and puts at
  least 4 labelled ticks on it, however few decades the data spans.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator, NullFormatter

from .validation import describe

__all__ = ["DPI", "FONT_PT", "LINESTYLES", "MARKERS", "MAX_FIGURE_WIDTH_IN", "PALETTE"]
__all__ += [
    "finish",
    "new_axes",
    "LogTicks",
    "log_axis",
    "log_label",
    "readable",
    "series_style",
    "tick_formatter",
]

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: The order series take the colours in: the yellow, faint on white, comes last.
_SERIES_COLOURS = (0, 1, 2, 3, 4, 7, 5, 6)
#: Line styles and markers of series 0, 1, 2, ...: each series differs from the others in both.
LINESTYLES = ("-", "--", ":", "-.", (0, (8, 2, 1, 2, 1, 2)), (0, (1, 4)), (0, (10, 4)), "-")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: The widest figure that fits a notebook column at its own size, in inches at ``DPI``.
MAX_FIGURE_WIDTH_IN = 10.0
DPI = 100
#: The smallest font size, in points, for tick labels and legends.
FONT_PT = 10.0
#: At most this many labelled decades on a log axis (more would crowd a 4-inch axis).
_MAX_DECADES_SHOWN = 7


def series_style(i: int, *, points: int = 0, lines: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``ax.plot`` that give series ``i`` its colour, line style and marker.

    Args:
        i: the series' index (0, 1, ...); styles repeat after 8 series.
        points: how many points the series has; with more than 12, markers go on about 8 of
            them (staggered between series, so they do not sit on each other).
        lines: False for markers only (a scatter drawn with ``ax.plot``).
    """
    style: dict[str, Any] = {
        "color": PALETTE[_SERIES_COLOURS[i % 8]],
        "marker": MARKERS[i % 8],
        "linestyle": LINESTYLES[i % 8] if lines else "none",
    }
    if lines and points > 12:
        step = max(1, points // 8)
        style["markevery"] = ((i * step) // 3 % step, step)
    return style


def readable(ax: Axes) -> Axes:
    """Tick labels of ``ax`` at ``FONT_PT`` or more (larger where the style asks for more), and
    its legend (if any) too."""
    for name, axis in (("xtick", ax.xaxis), ("ytick", ax.yaxis)):
        size = FontProperties(size=mpl.rcParams[f"{name}.labelsize"]).get_size_in_points()
        axis.set_tick_params(which="both", labelsize=max(FONT_PT, size))
    legend = ax.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_fontsize(max(FONT_PT, text.get_fontsize()))
    return ax


def log_label(label: str) -> str:
    """``label`` saying "log scale": "loss (MSE)" -> "loss (MSE, log scale)", "RMSE" -> "RMSE (log scale)"."""
    if "log scale" in label:
        return label
    if label.endswith(")"):
        return f"{label[:-1]}, log scale)"
    return f"{label} (log scale)"


def _tick_text(value: float, _pos: Any = None, *, powers: bool = False) -> str:
    """A tick label: 0.002, 0.0935, 5, 2000, 20000, then 10⁶ and 2×10⁶ beyond (``powers``:
    every power of ten written as one)."""
    if not (np.isfinite(value) and value > 0):
        return ""
    exponent = math.floor(math.log10(value) + 1e-9)
    if -3 <= exponent <= 4 and not powers:
        return f"{value:.3g}" if exponent < 3 else f"{value:.0f}"
    mantissa = float(f"{value / 10.0**exponent:.3g}")
    if mantissa == 1:
        return rf"$\mathdefault{{10^{{{exponent}}}}}$"
    return rf"$\mathdefault{{{mantissa:g}\times10^{{{exponent}}}}}$"


class _TickText(FuncFormatter):
    """``_tick_text`` for each tick; where the ticks are powers of ten over 5 decades or more,
    all are written as powers (10⁻⁵, 10⁻², 10¹), not a mix of 0.01 and 10⁻⁵."""

    def __init__(self) -> None:
        super().__init__(_tick_text)

    def format_ticks(self, values: Any) -> list[str]:
        values = np.asarray(values, dtype=float)
        shown = values[np.isfinite(values) & (values > 0)]
        exponents = np.log10(shown) if shown.size else np.zeros(0)
        powers = bool(
            shown.size >= 2
            and np.allclose(exponents, np.round(exponents), atol=1e-9)
            and np.ptp(exponents) >= 5
        )
        return [_tick_text(v, powers=powers) for v in values]


def tick_formatter() -> FuncFormatter:
    """A new formatter writing ticks as 0.002, 0.0935, 5, 2000, 20000, 10⁶ and 2×10⁶."""
    return _TickText()


class LogTicks(Locator):
    """Major ticks for a log axis, at least 4 inside the view.

    Powers of 10 where the view spans 4 decades or more (every other one past
    ``_MAX_DECADES_SHOWN``), else 1, 2 and 5 times them, else 1 to 9 times them, else (a view
    narrower than a factor of about 1.5) evenly spaced values.
    """

    def __call__(self) -> np.ndarray:
        vmin, vmax = self.axis.get_view_interval()
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        vmin, vmax = sorted((float(vmin), float(vmax)))
        if not (vmin > 0 and np.isfinite(vmax)):
            return np.array([])
        lo, hi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
        stride = max(1, math.ceil((hi - lo) / _MAX_DECADES_SHOWN))
        for subs in ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
            ticks = [s * 10.0**k for k in range(lo, hi + 1, stride) for s in subs]
            inside = [t for t in ticks if vmin * (1 - 1e-9) <= t <= vmax * (1 + 1e-9)]
            if len(inside) >= 4:
                return np.array(inside)
        ticks = MaxNLocator(nbins=6, min_n_ticks=4).tick_values(vmin, vmax)
        return ticks[ticks > 0]


def log_axis(axis: Axis) -> None:
    """Give a log-scaled ``axis`` (``ax.yaxis``, a colour bar's) at least 4 labelled ticks.

    Its minor ticks stay unlabelled, so no label is drawn twice.
    """
    axis.set_major_locator(LogTicks())
    axis.set_major_formatter(tick_formatter())
    axis.set_minor_formatter(NullFormatter())


def new_axes(ax: Axes | None) -> Axes:
    """``ax``, checked, or the Axes of a new 6 x 4 inch figure if it is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}.")
    return ax


def finish(ax: Axes, xlabel: str, ylabel: str, title: str | None, *, legend: bool = True) -> Axes:
    """Label the axes, add the legend (placed where it hides the least) and the title.

    Tick labels and the legend get ``FONT_PT`` (10 pt) or more; a log-scaled y axis says
    "log scale" in its label.
    """
    ax.set_xlabel(xlabel)
    ax.set_ylabel(log_label(ylabel) if ax.get_yscale() == "log" else ylabel)
    if legend:
        ax.legend(loc="best", fontsize=FONT_PT)
    if title:
        ax.set_title(title)
    return readable(ax)
