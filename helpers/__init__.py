"""Helpers for the course *Linear regression in PyTorch, step by step*.

Everything a notebook uses but does not teach: datasets, the closed-form reference
answer, plots, widgets, exercise checks and (from notebook 04) training utilities.
Importing ``helpers`` does not import torch, so notebook 01 runs with NumPy alone;
the torch-based parts load on first use.
"""

from __future__ import annotations

from .data import (
    make_doubling_data,
    make_intercept_slope_data,
    make_line_data,
    make_linear_data,
    make_negative_slope_data,
)
from .plotting import PALETTE, plot_fit, plot_loss_surface, plot_losses, plot_lr_comparison
from .reference import closed_form_fit, compare_with_closed_form
from .widgets import descent_playground

__version__ = "0.1.0"

__all__ = [
    "PALETTE",
    "closed_form_fit",
    "compare_with_closed_form",
    "descent_playground",
    "make_doubling_data",
    "make_intercept_slope_data",
    "make_line_data",
    "make_linear_data",
    "make_negative_slope_data",
    "plot_fit",
    "plot_loss_surface",
    "plot_losses",
    "plot_lr_comparison",
]
