"""Helpers for the course *Linear regression in PyTorch, step by step*.

Everything a notebook uses but does not teach: datasets, the closed-form reference
answer, plots, widgets, exercise checks and (from notebook 04) training utilities.
Importing ``helpers`` imports NumPy alone: the torch-based parts and the plotting parts
(matplotlib) load on first use, so notebook 01 runs without torch and each process of
notebook 07's DDP runs starts without matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from .data import (
    make_doubling_data,
    make_intercept_slope_data,
    make_line_data,
    make_linear_data,
    make_negative_slope_data,
)
from .errors import short_tracebacks
from .penguins import load_penguins, penguin_columns, penguin_feature_names, penguin_labels
from .reference import closed_form_fit, compare_with_closed_form

__version__ = "0.1.0"

# Torch- and matplotlib-based helpers load on first use, so `import helpers` stays NumPy-only.
_LAZY = {
    "MAX_FIGURE_WIDTH_IN": "plotting",
    "PALETTE": "plotting",
    "plot_fit": "plotting",
    "plot_loss_surface": "plotting",
    "plot_losses": "plotting",
    "plot_loss_zoom": "plotting",
    "series_style": "plotting",
    "plot_lr_comparison": "plotting",
    "plot_residuals": "plotting",
    "plot_autograd_graph": "graph",
    "descent_playground": "widgets",
    "make_loader": "loader",
    "train": "training",
    "pick_device": "device",
    "device_toggle": "device",
    "padding_note": "distributed_setup",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "MAX_FIGURE_WIDTH_IN",
    "PALETTE",
    "closed_form_fit",
    "compare_with_closed_form",
    "descent_playground",
    "device_toggle",
    "load_penguins",
    "make_doubling_data",
    "make_intercept_slope_data",
    "make_line_data",
    "make_loader",
    "make_linear_data",
    "make_negative_slope_data",
    "padding_note",
    "penguin_columns",
    "penguin_feature_names",
    "penguin_labels",
    "pick_device",
    "plot_autograd_graph",
    "plot_fit",
    "plot_loss_surface",
    "plot_loss_zoom",
    "plot_losses",
    "plot_lr_comparison",
    "plot_residuals",
    "series_style",
    "short_tracebacks",
    "train",
]
